//! The official `tls-sig-api-v2` Python library as an independent oracle for UserSig.
//!
//! Where python3 or the library is missing, the tests say so and skip, except under CI (the
//! `CI` variable set, as `.ci/run` does after installing the library), where they fail: a
//! test that cannot run must not pass there. Any other Python error (a failing snippet, a
//! library that does not import for another reason) fails the test everywhere; only a
//! `ModuleNotFoundError` for `TLSSigAPIv2` itself means "not installed".
#![allow(clippy::unwrap_used)]

use std::process::Command;

use convmark::api::usersig;

const KEY: &str = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";
const APP: u64 = 1_400_000_000;

/// Whether the oracle must run: the `CI` variable is set (and not empty, `0` or `false`).
fn required() -> bool {
    std::env::var("CI").is_ok_and(|v| !matches!(v.trim(), "" | "0" | "false"))
}

/// The oracle cannot run here: skip with the reason, or fail under CI.
fn cannot_run(reason: &str) -> Option<String> {
    assert!(
        !required(),
        "the tls-sig-api-v2 oracle must run under CI, but {reason} (.ci/run installs it: python3 -m pip install tls-sig-api-v2)"
    );
    eprintln!("SKIPPED: {reason} (pip install tls-sig-api-v2; under CI this fails)");
    None
}

/// Whether python's stderr says that the library itself is not installed.
fn library_missing(stderr: &str) -> bool {
    stderr.lines().any(|l| {
        l.starts_with("ModuleNotFoundError:")
            && (l.contains("'TLSSigAPIv2'") || l.contains("\"TLSSigAPIv2\""))
    })
}

/// Runs a Python snippet with the library imported; `None` when it cannot run here.
fn python(snippet: &str) -> Option<String> {
    let program =
        format!("import TLSSigAPIv2\napi = TLSSigAPIv2.TLSSigAPIv2({APP}, '{KEY}')\n{snippet}");
    match Command::new("python3").arg("-c").arg(program).output() {
        Ok(out) if out.status.success() => {
            Some(String::from_utf8(out.stdout).unwrap().trim().to_owned())
        }
        Ok(out) => {
            let stderr = String::from_utf8_lossy(&out.stderr);
            if library_missing(&stderr) {
                cannot_run("the tls-sig-api-v2 Python library is not installed")
            } else {
                panic!(
                    "the tls-sig-api-v2 oracle failed ({}):\n{stderr}",
                    out.status
                )
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            cannot_run(&format!("python3 is not available: {e}"))
        }
        Err(e) => panic!("cannot run python3 for the tls-sig-api-v2 oracle: {e}"),
    }
}

#[test]
fn only_a_missing_library_counts_as_not_installed() {
    assert!(library_missing(
        "Traceback (most recent call last):\n  File \"<string>\", line 1, in <module>\nModuleNotFoundError: No module named 'TLSSigAPIv2'\n"
    ));
    // a dependency of the library that is missing, a syntax error, a failing call: errors
    assert!(!library_missing(
        "ModuleNotFoundError: No module named 'zlib'\n"
    ));
    assert!(!library_missing("SyntaxError: invalid syntax\n"));
    assert!(!library_missing(
        "AttributeError: 'TLSSigAPIv2' object has no attribute 'gen'\n"
    ));
}

#[test]
fn a_python_error_fails_the_oracle_rather_than_skipping() {
    if Command::new("python3").arg("--version").output().is_err() {
        cannot_run("python3 is not available");
        return;
    }
    let failed = std::panic::catch_unwind(|| python("raise ValueError('boom')"));
    match failed {
        // the library is installed: the snippet's error is a failure
        Err(_) => {}
        // the library is missing here (and CI is not set): nothing more can be checked
        Ok(None) => {}
        Ok(Some(out)) => panic!("a Python error passed as {out:?}"),
    }
}

#[test]
fn our_verifier_accepts_the_official_librarys_usersig() {
    let Some(sig) = python("print(api.gen_sig('administrator', 3600))") else {
        return;
    };
    let doc = usersig::verify(&sig, APP, KEY, "administrator", usersig::unix_now()).unwrap();
    assert_eq!(doc.expire, 3600);
    assert_eq!(
        usersig::verify(&sig, APP, "other-key", "administrator", usersig::unix_now())
            .unwrap_err()
            .code(),
        70009
    );
}

#[test]
fn our_verifier_accepts_the_official_librarys_usersig_with_userbuf() {
    let Some(sig) = python("print(api.gen_sig_with_userbuf('bob', 3600, b'room-42'))") else {
        return;
    };
    let doc = usersig::verify(&sig, APP, KEY, "bob", usersig::unix_now()).unwrap();
    assert_eq!(doc.userbuf.as_deref(), Some("cm9vbS00Mg=="));
}

#[test]
fn the_official_library_signs_the_fixed_vector_as_we_do() {
    let Some(theirs) =
        python("print(api._TLSSigAPIv2__hmacsha256('admin', 1700000000, 15552000).decode())")
    else {
        return;
    };
    let ours = usersig::decode(&usersig::generate(
        APP,
        KEY,
        "admin",
        15_552_000,
        1_700_000_000,
    ))
    .unwrap()
    .sig;
    assert_eq!(theirs, ours);
    assert_eq!(ours, "3cjTnO/gKL/+FXJRADCK1V3clKvy6z5MYmn9ENXsWkI=");
}
