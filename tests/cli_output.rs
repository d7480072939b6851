//! stdout and stderr as they really are: full (`> /dev/full`), a pipe closed early
//! (`| head -1`), and the generated outputs (completions for every shell, the man page).
//! Nothing panics (a panic exits 101), a full stdout is an error with a true exit code, a
//! closed pipe is not.
#![allow(clippy::unwrap_used)]

mod cli_support;

use std::io::Read;
use std::process::{Command, Output, Stdio};

use cli_support::bare_command;

const KEY: &str = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";

fn convmark(args: &[&str]) -> (tempfile::TempDir, Command) {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = bare_command(&dir.path().join("absent.toml"));
    cmd.env("CONVMARK_DATA_DIR", dir.path().join("data"))
        .args(args);
    (dir, cmd)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

const USERSIG: &[&str] = &["usersig", "--sdkappid", "1400000000", "--secret-key", KEY];

/// Commands whose whole output is stdout, each run with stdout on /dev/full.
fn stdout_commands() -> Vec<Vec<&'static str>> {
    vec![
        USERSIG.to_vec(),
        vec!["completions", "fish"],
        vec!["completions", "bash"],
        vec!["man"],
        vec!["man", "mark"],
        vec!["config", "path"],
        vec!["--help"],
        vec!["mark", "--help"],
        vec!["--version"],
    ]
}

#[cfg(target_os = "linux")]
#[test]
fn a_full_stdout_is_an_error_with_exit_2_never_a_panic() {
    for args in stdout_commands() {
        let (_dir, mut cmd) = convmark(&args);
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let out = cmd.stdout(full).output().unwrap();
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(
            err.contains("convmark: cannot write to stdout") && err.contains("No space left"),
            "{args:?}: {err}"
        );
    }
}

#[cfg(target_os = "linux")]
#[test]
fn usersig_verify_on_a_full_stdout_fails_without_a_panic() {
    let (_dir, mut cmd) = convmark(USERSIG);
    let sig = text(&cmd.output().unwrap().stdout).trim().to_owned();
    let (_dir, mut cmd) = convmark(&["usersig", "verify", &sig, "--secret-key", KEY]);
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = cmd
        .env("CONVMARK_SDKAPPID", "1400000000")
        .stdout(full)
        .output()
        .unwrap();
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

/// A pipe whose reader is gone before convmark writes a byte: every write fails with EPIPE,
/// deterministically (a reader that closes after one line may race the writer).
fn with_closed_stdout(args: &[&str]) -> Output {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let (_dir, mut cmd) = convmark(args);
    cmd.stdout(writer).output().unwrap()
}

#[test]
fn a_stdout_closed_early_is_not_an_error() {
    for args in stdout_commands() {
        let out = with_closed_stdout(&args);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {err}");
        assert!(err.is_empty(), "{args:?}: {err}");
    }
    // clap's own help and errors go through clap, which never panics on a closed pipe
    let out = with_closed_stdout(&["--help"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

#[test]
fn completions_piped_into_a_reader_that_stops_after_one_line() {
    // `convmark completions fish | head -1`: the reader goes away after its line
    let (_dir, mut cmd) = convmark(&["completions", "fish"]);
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 1];
    stdout.read_exact(&mut first).unwrap();
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
}

#[cfg(target_os = "linux")]
#[test]
fn a_full_stderr_never_panics_and_keeps_the_exit_code() {
    // missing credentials: an error told on stderr, which is full
    let (_dir, mut cmd) = convmark(&["get", "--user", "alice"]);
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = cmd.stderr(full).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    // and a closed stderr
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let (_dir, mut cmd) = convmark(&["get", "--user", "alice"]);
    let out = cmd.stderr(writer).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// Every shell's completions name the commands and the flags, from the CLI definition.
#[test]
fn completions_for_every_shell_name_the_commands_and_flags() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let (_dir, mut cmd) = convmark(&["completions", shell]);
        let out = cmd.output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{shell}: {}", text(&out.stderr));
        let script = text(&out.stdout);
        for word in ["convmark", "config", "man", "mark", "timeout", "ca-cert"] {
            assert!(script.contains(word), "{shell} completions lack {word}");
        }
    }
    let (_dir, mut cmd) = convmark(&["completions", "tcsh"]);
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("invalid value"));
}

#[test]
fn bash_completions_are_valid_bash() {
    let Ok(status) = Command::new("bash").arg("--version").output() else {
        eprintln!("SKIPPED: no bash to check the bash completions with");
        return;
    };
    assert!(status.status.success());
    let (dir, mut cmd) = convmark(&["completions", "bash"]);
    let script = dir.path().join("convmark.bash");
    std::fs::write(&script, cmd.output().unwrap().stdout).unwrap();
    let check = Command::new("bash")
        .arg("-n")
        .arg(&script)
        .output()
        .unwrap();
    assert!(check.status.success(), "{}", text(&check.stderr));
    // sourcing it defines the completion function for convmark
    let source = Command::new("bash")
        .arg("-c")
        .arg(format!(". {} && complete -p convmark", script.display()))
        .output()
        .unwrap();
    assert!(source.status.success(), "{}", text(&source.stderr));
    assert!(text(&source.stdout).contains("convmark"));
}

#[test]
fn the_man_page_is_roff_from_the_cli_definition() {
    let (_dir, mut cmd) = convmark(&["man"]);
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let page = text(&out.stdout);
    assert!(page.contains(".TH convmark 1"), "{page}");
    assert!(page.contains(".SH SYNOPSIS") && page.contains(".SH OPTIONS"));
    for command in [
        "tui",
        "demo",
        "serve",
        "get",
        "mark",
        "groups",
        "usersig",
        "config",
        "completions",
        "man",
    ] {
        assert!(
            page.contains(&format!("convmark\\-{command}(1)")),
            "the page lists {command}"
        );
    }
    assert!(page.contains("CONVMARK_TIMEOUT"), "variables are named");
    assert!(page.contains("convmark config path"), "where the files are");

    let (_dir, mut cmd) = convmark(&["man", "mark"]);
    let page = text(&cmd.output().unwrap().stdout);
    assert!(page.contains(".TH convmark\\-mark 1") || page.contains(".TH convmark-mark 1"));
    assert!(page.contains("\\-\\-set"), "{page}");

    let (_dir, mut cmd) = convmark(&["man", "nope"]);
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("commands: tui, demo"));
}

#[test]
fn the_man_page_never_shows_a_variables_value() {
    let (_dir, mut cmd) = convmark(&["man"]);
    let out = cmd
        .env("CONVMARK_SECRET_KEY", "s3cr3t-in-the-environment")
        .env("CONVMARK_USERSIG", "u5ers1g-in-the-environment")
        .output()
        .unwrap();
    let page = text(&out.stdout);
    assert!(!page.contains("s3cr3t") && !page.contains("u5ers1g"));
    let (_dir, mut cmd) = convmark(&["get", "--help"]);
    let out = cmd
        .env("CONVMARK_SECRET_KEY", "s3cr3t-in-the-environment")
        .output()
        .unwrap();
    let help = text(&out.stdout);
    assert!(help.contains("[env: CONVMARK_SECRET_KEY]"), "{help}");
    assert!(!help.contains("s3cr3t"), "{help}");
}

#[test]
fn the_man_page_renders_without_warnings() {
    if Command::new("groff").arg("--version").output().is_err() {
        eprintln!("SKIPPED: no groff to render the man page with");
        return;
    }
    let (dir, mut cmd) = convmark(&["man"]);
    let file = dir.path().join("convmark.1");
    std::fs::write(&file, cmd.output().unwrap().stdout).unwrap();
    let out = Command::new("groff")
        .args(["-man", "-Tutf8", "-ww", "-z"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
}

#[test]
fn the_tui_without_a_terminal_says_what_to_use_instead() {
    let (_dir, mut cmd) = convmark(&["demo"]);
    let out = cmd
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("the TUI needs a terminal") && stderr.contains("convmark get"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
}
