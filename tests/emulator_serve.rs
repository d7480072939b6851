#![allow(clippy::unwrap_used)]
//! `convmark serve` as a user runs it: the real binary on port 0, its printed address and
//! variables, a call, then SIGTERM and a clean exit with the state file complete.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use convmark::api::client::base_url;
use convmark::api::wire::*;
use convmark::api::{Auth, Client, ClientConfig};

fn serve(args: &[&str]) -> (Child, Vec<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_convmark"))
        .arg("serve")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let last = if args.contains(&"--tls") {
        "export CONVMARK_CA_CERT="
    } else {
        "export CONVMARK_SECRET_KEY="
    };
    let mut lines = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        let done = line.starts_with(last);
        lines.push(line);
        if done {
            break;
        }
    }
    (child, lines)
}

fn var(lines: &[String], name: &str) -> Option<String> {
    let prefix = format!("export {name}=");
    lines
        .iter()
        .find_map(|l| l.strip_prefix(&prefix).map(str::to_owned))
}

fn terminate(mut child: Child) -> std::process::ExitStatus {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("serve did not stop after SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn client(lines: &[String]) -> Client {
    let config = ClientConfig::new(
        var(lines, "CONVMARK_SDKAPPID").unwrap().parse().unwrap(),
        var(lines, "CONVMARK_IDENTIFIER").unwrap(),
        base_url(&var(lines, "CONVMARK_BASE_URL").unwrap()).unwrap(),
        Auth::SecretKey(var(lines, "CONVMARK_SECRET_KEY").unwrap()),
    );
    Client::new(config).unwrap()
}

#[tokio::test]
async fn serve_on_port_0_prints_its_address_answers_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let state_arg = state.to_str().unwrap();
    let (child, lines) = serve(&[
        "--addr",
        "127.0.0.1:0",
        "--seed",
        "none",
        "--state",
        state_arg,
    ]);
    assert!(
        lines[0].contains("listening on http://127.0.0.1:"),
        "{lines:?}"
    );
    let url = var(&lines, "CONVMARK_BASE_URL").unwrap();
    assert!(!url.ends_with(":0/"), "the real port is printed: {url}");
    assert!(url.starts_with("http://127.0.0.1:"));
    assert_eq!(
        var(&lines, "CONVMARK_IDENTIFIER").as_deref(),
        Some("administrator")
    );
    let c = client(&lines);
    c.account_import(&AccountImportRequest {
        user_id: "from-the-binary".into(),
        nick: None,
        face_url: None,
    })
    .await
    .unwrap();
    let page = c
        .get_contact_group(&GetContactGroupRequest {
            from_account: "from-the-binary".into(),
            start_index: 0,
        })
        .await
        .unwrap();
    assert!(page.contact_item.is_empty() && page.complete_flag == 1);
    let status = terminate(child);
    assert!(status.success(), "{status:?}");
    let saved = std::fs::read_to_string(&state).unwrap();
    assert!(
        saved.contains("from-the-binary"),
        "the state file is complete"
    );
    let _: serde_json::Value = serde_json::from_str(&saved).unwrap();

    // started again on the same file: the banner says what was loaded, not the seed flags
    let (child, lines) = serve(&["--addr", "127.0.0.1:0", "--state", state_arg]);
    assert!(
        lines[0].contains("state loaded from") && lines[0].contains("2 accounts"),
        "{lines:?}"
    );
    let c = client(&lines);
    let page = c
        .get_contact_group(&GetContactGroupRequest {
            from_account: "from-the-binary".into(),
            start_index: 0,
        })
        .await
        .unwrap();
    assert_eq!(page.complete_flag, 1, "the reloaded account answers");
    assert!(terminate(child).success());
}

#[tokio::test]
async fn serve_with_tls_prints_the_certificate_variable() {
    let dir = tempfile::tempdir().unwrap();
    let cert = dir.path().join("ca.pem");
    let cert_arg = cert.to_str().unwrap();
    let (child, lines) = serve(&[
        "--addr",
        "127.0.0.1:0",
        "--seed",
        "none",
        "--tls",
        "--cert",
        cert_arg,
    ]);
    let url = var(&lines, "CONVMARK_BASE_URL").unwrap();
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");
    assert_eq!(var(&lines, "CONVMARK_CA_CERT").as_deref(), Some(cert_arg));
    let status = terminate(child);
    assert!(status.success());
    let pem = std::fs::read(&cert).unwrap();
    assert!(String::from_utf8_lossy(&pem).contains("BEGIN CERTIFICATE"));
}

#[test]
fn serve_refuses_a_non_loopback_address_and_a_corrupt_state() {
    let out = Command::new(env!("CARGO_BIN_EXE_convmark"))
        .args(["serve", "--addr", "0.0.0.0:0", "--seed", "none"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--allow-remote"), "{err}");

    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("broken.json");
    std::fs::write(&state, "not json").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_convmark"))
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--state",
            state.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("broken.json") && err.lines().count() == 1,
        "{err}"
    );
}
