//! The bare `convmark` command: the TUI's options at the top level, and a clear error when
//! there are no credentials, before the terminal is touched.
#![allow(clippy::unwrap_used)]

use std::process::{Command, Output};

fn convmark(args: &[&str]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_convmark"));
    for (var, _) in std::env::vars() {
        if var.starts_with("CONVMARK_") {
            cmd.env_remove(var);
        }
    }
    cmd.env("CONVMARK_CONFIG", dir.path().join("absent.toml"))
        .env("CONVMARK_DATA_DIR", dir.path().join("data"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn user_flag_without_a_command_opens_the_tui_and_names_missing_credentials() {
    let out = convmark(&["--user", "alice", "--read-only"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("no credentials"), "{err}");
    assert!(err.contains("CONVMARK_SDKAPPID"), "{err}");
    assert!(err.contains("convmark demo"), "{err}");
    assert!(out.stdout.is_empty());
}

#[test]
fn top_level_tui_options_do_not_mix_with_a_command() {
    let out = convmark(&["--user", "alice", "get"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("cannot be used with"), "{err}");
}
