//! Configuration through the real binary: `convmark config path | init | check`, the
//! `CONVMARK_*` variables read by clap (flags > variables > file, empty = not set),
//! `--timeout`, the CA certificate file checked at start, and the one warning wording.
#![allow(clippy::unwrap_used)]

mod cli_support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use cli_support::{Run, World, bare_command};
use convmark::emulator::{DEMO_USER, EmulatorConfig, Seed};

const SECRET: &str = "s3cr3t-key-that-must-never-be-printed";

/// The binary with a config file at `dir/conf/config.toml` and the data dir `dir/data`.
fn convmark(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = bare_command(&config_file(dir));
    cmd.env("CONVMARK_DATA_DIR", dir.join("data")).args(args);
    cmd
}

fn config_file(dir: &Path) -> PathBuf {
    dir.join("conf").join("config.toml")
}

fn write_config(dir: &Path, text: &str) -> PathBuf {
    let path = config_file(dir);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, text).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    path
}

fn run(cmd: &mut Command) -> Run {
    Run::from(cmd.output().unwrap())
}

fn profile(extra: &str) -> String {
    format!(
        "default_profile = \"prod\"\n\n[profile.prod]\nsdkappid = 1400000000\nidentifier = \"administrator\"\nregion = \"singapore\"\nsecret_key = \"{SECRET}\"\n{extra}"
    )
}

#[test]
fn config_path_names_every_file_and_whether_it_exists() {
    let dir = tempfile::tempdir().unwrap();
    let r = run(&mut convmark(dir.path(), &["config", "path"]));
    assert_eq!(r.code, 0, "{r}");
    let data = dir.path().join("data");
    for (what, path) in [
        ("config file", config_file(dir.path())),
        ("data dir", data.clone()),
        ("log", data.join("convmark.log")),
        ("journal dir", data.join("journal")),
        ("audit log", data.join("audit.jsonl")),
    ] {
        let line = r
            .stdout
            .lines()
            .find(|l| l.starts_with(what))
            .unwrap_or_else(|| panic!("no {what} line:\n{r}"));
        assert!(line.contains(&path.display().to_string()), "{line}");
        assert!(line.contains("not there yet"), "{line}");
    }
    assert!(r.stdout.contains("from CONVMARK_CONFIG"), "{r}");

    write_config(dir.path(), "");
    std::fs::create_dir_all(data.join("journal")).unwrap();
    let r = run(&mut convmark(dir.path(), &["config", "path"]));
    let line = |what: &str| {
        r.stdout
            .lines()
            .find(|l| l.starts_with(what))
            .unwrap()
            .to_owned()
    };
    assert!(line("config file").contains("exists"), "{r}");
    assert!(line("journal dir").contains("exists (folder)"), "{r}");
    assert!(line("audit log").contains("not there yet"), "{r}");
}

#[cfg(unix)]
#[test]
fn config_init_writes_the_commented_template_with_mode_600_and_never_overwrites() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = config_file(dir.path());
    let r = run(&mut convmark(dir.path(), &["config", "init"]));
    assert_eq!(r.code, 0, "{r}");
    assert!(r.stdout.contains(&path.display().to_string()), "{r}");
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    let written = std::fs::read_to_string(&path).unwrap();
    assert_eq!(written, convmark::commands::config::template());
    assert!(written.contains("#sdkappid = 1400000000"), "{written}");
    assert!(written.contains("`convmark config path`"), "{written}");

    // an existing file is left alone, and the exit code says nothing was written
    std::fs::write(&path, "# mine\n").unwrap();
    let r = run(&mut convmark(dir.path(), &["config", "init"]));
    assert_eq!(r.code, 2, "{r}");
    assert!(r.stderr.contains("already exists"), "{r}");
    assert!(r.stderr.contains("never overwrites"), "{r}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "# mine\n");
    assert!(r.stdout.is_empty(), "{r}");

    // a folder where the file should be is named as such
    let folder = dir.path().join("a-folder");
    std::fs::create_dir(&folder).unwrap();
    let r = run(bare_command(&folder)
        .env("CONVMARK_DATA_DIR", dir.path().join("data"))
        .args(["config", "init"]));
    assert_eq!(r.code, 2, "{r}");
    assert!(r.stderr.contains("is a folder, not a config file"), "{r}");
}

#[test]
fn config_check_says_what_it_found_and_never_the_secret() {
    let dir = tempfile::tempdir().unwrap();
    write_config(
        dir.path(),
        &profile("timeout = 2.5\n\n[labels]\n32 = \"VIP\"\n\n[keys]\ncommit = \"ctrl-s\"\n"),
    );
    let r = run(&mut convmark(dir.path(), &["config", "check"]));
    assert_eq!(r.code, 0, "{r}");
    for expected in [
        "profile         prod",
        "SDKAppID        1400000000",
        "identifier      administrator",
        "endpoint        singapore (https://adminapisgp.im.qcloud.com/)",
        "auth            secret key",
        "timeout         2.5 s",
        "32 \"VIP\"",
        "commit changed",
    ] {
        assert!(r.stdout.contains(expected), "{expected:?} in\n{r}");
    }
    assert!(
        !r.stdout.contains(SECRET) && !r.stderr.contains(SECRET),
        "{r}"
    );

    // variables beat the file, flags beat variables; an empty variable is not set
    let r = run(convmark(
        dir.path(),
        &["config", "check", "--identifier", "flagadmin"],
    )
    .env("CONVMARK_IDENTIFIER", "varadmin")
    .env("CONVMARK_SDKAPPID", "1400000099")
    .env("CONVMARK_REGION", "")
    .env("CONVMARK_USERSIG", "a-usersig-from-a-variable"));
    assert_eq!(r.code, 0, "{r}");
    assert!(r.stdout.contains("identifier      flagadmin"), "{r}");
    assert!(r.stdout.contains("SDKAppID        1400000099"), "{r}");
    assert!(r.stdout.contains("singapore"), "{r}");
    // a UserSig from a variable beats the file's secret key; neither is printed
    assert!(r.stdout.contains("auth            UserSig"), "{r}");
    assert!(!r.stdout.contains("a-usersig-from-a-variable"), "{r}");
    assert!(!r.stdout.contains(SECRET), "{r}");

    // a typed flag of one kind beats the other kind's variable: --usersig over
    // CONVMARK_SECRET_KEY, --region over CONVMARK_BASE_URL (and a bad region is named)
    let r = run(convmark(
        dir.path(),
        &[
            "config",
            "check",
            "--usersig",
            "a-typed-usersig",
            "--region",
            "tokyo",
        ],
    )
    .env("CONVMARK_SECRET_KEY", "a-secret-from-a-variable")
    .env("CONVMARK_BASE_URL", "http://127.0.0.1:9/"));
    assert_eq!(r.code, 0, "{r}");
    assert!(r.stdout.contains("auth            UserSig"), "{r}");
    assert!(r.stdout.contains("tokyo"), "{r}");
    let r = run(
        convmark(dir.path(), &["config", "check", "--region", "mars"])
            .env("CONVMARK_BASE_URL", "http://127.0.0.1:9/"),
    );
    assert_eq!(r.code, 2, "{r}");
    assert!(r.stderr.contains("unknown region \"mars\""), "{r}");
    // the variables alone: at one level the secret key and the base URL win, as before
    let r = run(convmark(dir.path(), &["config", "check"])
        .env("CONVMARK_SECRET_KEY", "a-secret-from-a-variable")
        .env("CONVMARK_USERSIG", "a-usersig-from-a-variable"));
    assert!(r.stdout.contains("auth            secret key"), "{r}");
}

/// Each broken file: the error names the file, the line and the key, and quotes no secret.
#[test]
fn config_check_errors_name_file_line_and_key() {
    let cases: &[(&str, &str, usize, &str)] = &[
        (
            "unknown key",
            "mouse = true\ncolour = \"red\"\n",
            2,
            "key colour: unknown field",
        ),
        (
            "unknown key in a profile",
            &profile("sdkapid = 5\n"),
            8,
            "key profile.prod.sdkapid: unknown field",
        ),
        (
            "bad type",
            "[profile.prod]\nsdkappid = \"1400000000\"\n",
            2,
            "key profile.prod.sdkappid: invalid type",
        ),
        (
            "bad type of a secret",
            "[profile.prod]\n\nsecret_key = 12345\n",
            3,
            "key profile.prod.secret_key: must be a string",
        ),
        (
            "a label outside 32..=63",
            "[labels]\n32 = \"VIP\"\n64 = \"x\"\n",
            3,
            "key labels.64: [labels] keys are extension bit indices 32..=63",
        ),
        (
            "a bad [keys] entry",
            "[keys]\nquit = \"q\"\ncommit = \"ctrl-nonsense\"\n",
            3,
            "key keys.commit:",
        ),
        (
            "an unknown action",
            "[keys]\n\nnope = \"x\"\n",
            3,
            "key keys.nope:",
        ),
        (
            "a line that does not parse",
            &format!("[profile.prod]\nsecret_key = \"{SECRET}\nsdkappid = 1\n"),
            2,
            "key profile.prod.secret_key:",
        ),
        (
            "a bad timeout",
            &profile("timeout = -1\n"),
            8,
            "key profile.prod.timeout: -1 is not a timeout",
        ),
        (
            "an unknown region",
            &profile("").replace("singapore", "mars"),
            6,
            "key profile.prod.region: unknown region \"mars\"",
        ),
        (
            "an unknown default profile",
            "\ndefault_profile = \"nope\"\n",
            2,
            "key default_profile",
        ),
    ];
    for (what, text, line, expected) in cases {
        let dir = tempfile::tempdir().unwrap();
        let path = write_config(dir.path(), text);
        let r = run(&mut convmark(dir.path(), &["config", "check"]));
        assert_eq!(r.code, 2, "{what}: {r}");
        let first = r.stderr.lines().next().unwrap_or_default();
        assert!(first.starts_with("convmark: "), "{what}: {r}");
        assert!(first.contains(&path.display().to_string()), "{what}: {r}");
        assert!(first.contains(&format!("line {line}")), "{what}: {r}");
        assert!(first.contains(expected), "{what}: {expected:?} in {r}");
        assert!(
            !r.stderr.contains(SECRET) && !r.stderr.contains("12345"),
            "{what}: {r}"
        );
        assert!(r.stdout.is_empty(), "{what}: {r}");
    }
}

#[test]
fn timeout_flag_and_variable_refuse_zero_negative_and_non_numbers() {
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), &profile(""));
    for bad in ["0", "-1", "abc", "0.0", "nan"] {
        let r = run(&mut convmark(
            dir.path(),
            &["config", "check", &format!("--timeout={bad}")],
        ));
        assert_eq!(r.code, 2, "{bad}: {r}");
        assert!(r.stderr.contains("--timeout"), "{bad}: {r}");
        assert!(r.stderr.contains("e.g. 15 or 0.5"), "{bad}: {r}");
        let r = run(convmark(dir.path(), &["config", "check"]).env("CONVMARK_TIMEOUT", bad));
        assert_eq!(r.code, 2, "CONVMARK_TIMEOUT={bad}: {r}");
        assert!(r.stderr.contains("CONVMARK_TIMEOUT"), "{bad}: {r}");
    }
    let r = run(convmark(dir.path(), &["config", "check"]).env("CONVMARK_TIMEOUT", "0.5"));
    assert_eq!(r.code, 0, "{r}");
    assert!(r.stdout.contains("timeout         0.5 s"), "{r}");
    let r = run(convmark(dir.path(), &["config", "check"]).env("CONVMARK_TIMEOUT", ""));
    assert!(r.stdout.contains("timeout         15 s"), "{r}");
}

#[test]
fn the_timeout_applies_to_requests() {
    let world = World::with_emulator(EmulatorConfig {
        latency: Duration::from_millis(400),
        seed: Seed::Demo { conversations: 5 },
        ..Default::default()
    });
    let run = Run::from(
        world
            .command(&["get", "--user", DEMO_USER, "--timeout", "0.1"])
            .output()
            .unwrap(),
    );
    assert_eq!(run.code, 1, "{run}");
    assert!(run.stderr.contains("timed out"), "{run}");
    let run = Run::from(
        world
            .command(&["get", "--user", DEMO_USER])
            .env("CONVMARK_TIMEOUT", "5")
            .output()
            .unwrap(),
    );
    assert_eq!(run.code, 0, "{run}");
}

/// A CA file that is a text file, empty, a private key or a cut certificate is refused at
/// start, with the file named, and nothing is sent.
#[test]
fn a_ca_cert_file_without_a_certificate_is_an_error_at_start() {
    let world = World::without_server();
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let pem = cert.cert.pem();
    let key = cert.signing_key.serialize_pem();
    let lines: Vec<&str> = pem.lines().collect();
    let cut_end = lines[..lines.len() / 2].join("\n");
    let cut_middle = format!(
        "{}\n{}\n",
        lines[..lines.len() / 2].join("\n"),
        lines[lines.len() - 1]
    );
    let cases = [
        (
            "text",
            "this is not a certificate\n".to_owned(),
            "holds no PEM certificate",
        ),
        ("empty", String::new(), "holds no PEM certificate"),
        ("private key", key, "holds no PEM certificate"),
        ("cut before its end", cut_end, "PEM"),
        ("cut in the middle", cut_middle, "does not parse"),
    ];
    for (what, text, expected) in cases {
        let file = world.file(&format!("{}.pem", what.replace(' ', "-")), &text);
        let path = file.display().to_string();
        for args in [
            vec!["get", "--user", "alice", "--ca-cert", &path],
            vec!["config", "check", "--ca-cert", &path],
        ] {
            let run = world.run(&args);
            assert_eq!(run.code, 2, "{what}: {run}");
            assert!(run.stderr.contains(&path), "{what}: {run}");
            assert!(
                run.stderr.contains(expected),
                "{what}: {expected:?} in {run}"
            );
            assert!(
                run.stderr.contains("convmark serve --tls --cert"),
                "{what}: {run}"
            );
        }
        let run = Run::from(
            world
                .command(&["get", "--user", "alice"])
                .env("CONVMARK_CA_CERT", &file)
                .output()
                .unwrap(),
        );
        assert_eq!(run.code, 2, "{what}, from CONVMARK_CA_CERT: {run}");
        assert!(run.stderr.contains("CONVMARK_CA_CERT"), "{run}");
    }
    assert!(world.take_calls().is_empty(), "nothing was sent");

    // a real certificate is accepted
    let good = world.file("good.pem", &pem);
    let run = world.run(&["config", "check", "--ca-cert", &good.display().to_string()]);
    assert_eq!(run.code, 0, "{run}");
    assert!(run.stdout.contains("(1 certificate(s))"), "{run}");
}

#[test]
fn a_ca_cert_in_a_profile_is_checked_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, "").unwrap();
    let path = write_config(dir.path(), &profile(&format!("ca_cert = {:?}\n", ca)));
    let r = run(&mut convmark(dir.path(), &["config", "check"]));
    assert_eq!(r.code, 2, "{r}");
    assert!(
        r.stderr.contains(&format!(
            "{}, line 8, key profile.prod.ca_cert: the CA certificate file {} holds no PEM certificate",
            path.display(),
            ca.display()
        )),
        "{r}"
    );
}

/// The warning about a readable secret reads `convmark: warning: ...` in the CLI and before
/// the TUI starts, once.
#[cfg(unix)]
#[test]
fn the_readable_config_warning_has_one_wording() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = write_config(
        dir.path(),
        &format!("[profile.default]\nsecret_key = \"{SECRET}\"\n"),
    );
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    for args in [
        vec!["get", "--user", "alice"],
        vec!["--user", "alice"],
        vec!["config", "check"],
    ] {
        let r = run(&mut convmark(dir.path(), &args));
        assert_eq!(r.code, 2, "{args:?}: {r}");
        let warning = format!(
            "convmark: warning: {} holds a secret and is readable by others (mode 644); run: chmod 600 {}\n",
            path.display(),
            path.display()
        );
        assert!(r.stderr.starts_with(&warning), "{args:?}: {r}");
        assert_eq!(r.stderr.matches("warning").count(), 1, "{args:?}: {r}");
        assert!(!r.stderr.contains(SECRET), "{args:?}: {r}");
    }
}

#[test]
fn help_names_the_variables_and_where_the_files_are() {
    let dir = tempfile::tempdir().unwrap();
    let r = run(&mut convmark(dir.path(), &["get", "--help"]));
    for var in [
        "SDKAPPID",
        "IDENTIFIER",
        "SECRET_KEY",
        "USERSIG",
        "REGION",
        "BASE_URL",
        "CA_CERT",
        "TIMEOUT",
    ] {
        assert!(
            r.stdout.contains(&format!("[env: CONVMARK_{var}]")),
            "{var}: {r}"
        );
    }
    let r = run(&mut convmark(dir.path(), &["--help"]));
    assert!(r.stdout.contains("convmark config path"), "{r}");
    assert!(r.stdout.contains("CONVMARK_CONFIG"), "{r}");
    assert!(r.stdout.contains("CONVMARK_DATA_DIR"), "{r}");
}

#[test]
fn an_empty_sdkappid_variable_is_not_set_and_a_bad_one_is_named() {
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), &profile(""));
    let r = run(convmark(dir.path(), &["config", "check"]).env("CONVMARK_SDKAPPID", " "));
    assert_eq!(r.code, 0, "{r}");
    assert!(r.stdout.contains("SDKAppID        1400000000"), "{r}");
    let r = run(convmark(dir.path(), &["config", "check"]).env("CONVMARK_SDKAPPID", "14x"));
    assert_eq!(r.code, 2, "{r}");
    assert!(
        r.stderr.contains("CONVMARK_SDKAPPID") && r.stderr.contains("not a number"),
        "{r}"
    );
    // usersig reads the same variables through clap
    let r =
        run(convmark(dir.path(), &["usersig", "--secret-key", "k"]).env("CONVMARK_SDKAPPID", ""));
    assert_eq!(r.code, 2, "{r}");
    assert!(r.stderr.contains("no SDKAppID"), "{r}");
    let r = run(convmark(dir.path(), &["usersig"])
        .env("CONVMARK_SDKAPPID", "1400000000")
        .env("CONVMARK_SECRET_KEY", "k"));
    assert_eq!(r.code, 0, "{r}");
}
