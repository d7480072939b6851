//! `convmark usersig` output verifies with `convmark usersig verify`, run as processes.
#![allow(clippy::unwrap_used)]

use std::process::{Command, Output};

const KEY: &str = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";

fn convmark(args: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_convmark"));
    for var in [
        "CONVMARK_SDKAPPID",
        "CONVMARK_SECRET_KEY",
        "CONVMARK_IDENTIFIER",
        "CONVMARK_USERSIG",
    ] {
        cmd.env_remove(var);
    }
    cmd.args(args).envs(envs.iter().copied()).output().unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

#[test]
fn generated_usersig_verifies_and_exit_code_follows_the_verdict() {
    let out = convmark(
        &[
            "usersig",
            "--sdkappid",
            "1400000000",
            "--secret-key",
            KEY,
            "--identifier",
            "admin",
        ],
        &[],
    );
    assert!(out.status.success(), "{out:?}");
    let sig = stdout(&out).trim().to_owned();
    assert!(!sig.is_empty() && !sig.contains(['+', '/', '=']), "{sig}");

    let ok = convmark(
        &[
            "usersig",
            "verify",
            &sig,
            "--sdkappid",
            "1400000000",
            "--secret-key",
            KEY,
            "--identifier",
            "admin",
        ],
        &[],
    );
    assert_eq!(ok.status.code(), Some(0), "{ok:?}");
    let text = stdout(&ok);
    assert!(text.contains("\"TLS.identifier\": \"admin\""), "{text}");
    assert!(text.contains("verifies"), "{text}");

    let wrong_id = convmark(
        &[
            "usersig",
            "verify",
            &sig,
            "--sdkappid",
            "1400000000",
            "--secret-key",
            KEY,
            "--identifier",
            "bob",
        ],
        &[],
    );
    assert_eq!(wrong_id.status.code(), Some(1));
    assert!(
        stdout(&wrong_id).contains("check: identifier, code 70013"),
        "{}",
        stdout(&wrong_id)
    );

    let wrong_key = convmark(
        &[
            "usersig",
            "verify",
            &sig,
            "--sdkappid",
            "1400000000",
            "--secret-key",
            "nope",
            "--identifier",
            "admin",
        ],
        &[],
    );
    assert_eq!(wrong_key.status.code(), Some(1));
    assert!(stdout(&wrong_key).contains("check: signature, code 70009"));

    let garbage = convmark(
        &[
            "usersig",
            "verify",
            "%%%",
            "--sdkappid",
            "1",
            "--secret-key",
            "k",
        ],
        &[],
    );
    assert_eq!(garbage.status.code(), Some(1));
    assert!(stdout(&garbage).contains("check: malformed"));
}

#[test]
fn credentials_come_from_the_environment() {
    let envs = [
        ("CONVMARK_SDKAPPID", "1400000000"),
        ("CONVMARK_SECRET_KEY", KEY),
        ("CONVMARK_IDENTIFIER", "ops"),
    ];
    let out = convmark(&["usersig", "--expire", "60"], &envs);
    assert!(out.status.success(), "{out:?}");
    let sig = stdout(&out).trim().to_owned();
    let ok = convmark(&["usersig", "verify", &sig], &envs);
    assert_eq!(ok.status.code(), Some(0), "{ok:?}");
    assert!(stdout(&ok).contains("\"TLS.expire\": 60"));
}

#[test]
fn missing_credentials_are_a_one_line_error() {
    let out = convmark(&["usersig"], &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("--sdkappid") && err.contains("CONVMARK_SDKAPPID"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1);
}
