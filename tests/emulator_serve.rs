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
    serve_command(Command::new(env!("CARGO_BIN_EXE_convmark")), args)
}

/// `serve` with `args` run by `cmd` (the binary, or a shell that execs it), until its banner
/// is read.
fn serve_command(mut cmd: Command, args: &[&str]) -> (Child, Vec<String>) {
    let mut child = cmd
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

/// The soft limit on open files of process `pid` ("self" for this one).
fn open_file_limit(pid: &str) -> u64 {
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).unwrap();
    let line = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .unwrap();
    line.split_whitespace().nth(3).unwrap().parse().unwrap()
}

/// CPU time of process `pid` so far, in clock ticks (user + system).
fn cpu_ticks(pid: &str) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let after_name = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_is_answered_while_1100_idle_connections_sit_under_a_1024_file_limit() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    const HELD: usize = 1100;
    assert!(
        open_file_limit("self") > HELD as u64 + 200,
        "this test holds {HELD} sockets itself: raise `ulimit -n` for cargo test"
    );
    let mut cmd = Command::new("sh");
    cmd.args([
        "-c",
        "ulimit -n 1024 && exec \"$0\" \"$@\"",
        env!("CARGO_BIN_EXE_convmark"),
    ]);
    let (child, lines) = serve_command(
        cmd,
        &[
            "--addr",
            "127.0.0.1:0",
            "--seed",
            "none",
            "--idle-timeout-ms",
            "1000",
        ],
    );
    let pid = child.id().to_string();
    let mut child = KillOnDrop(Some(child));
    assert_eq!(open_file_limit(&pid), 1024);
    let url = var(&lines, "CONVMARK_BASE_URL").unwrap();
    let addr: std::net::SocketAddr = url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .parse()
        .unwrap();

    // 1,100 connections: half send nothing, half send half a request head
    let cpu_before = cpu_ticks(&pid);
    let mut held = Vec::with_capacity(HELD);
    for i in 0..HELD {
        let mut s = tokio::time::timeout(
            Duration::from_secs(20),
            tokio::net::TcpStream::connect(addr),
        )
        .await
        .expect("connect within 20 s")
        .unwrap();
        if i % 2 == 1 {
            s.write_all(
                b"POST /v4/recentcontact/get_list?sdkappid=1400000000 HTTP/1.1\r\nHost: 127.",
            )
            .await
            .unwrap();
        }
        held.push(s);
    }

    // a valid call, on a new connection, is answered
    let c = client(&lines);
    let answer = tokio::time::timeout(
        Duration::from_secs(30),
        c.account_import(&AccountImportRequest {
            user_id: "through-the-flood".into(),
            nick: None,
            face_url: None,
        }),
    )
    .await
    .expect("the valid call was answered")
    .unwrap();
    assert_eq!(answer.envelope.error_code, 0);
    let cpu = cpu_ticks(&pid) - cpu_before;

    // the held connections were closed by the server, without an answer
    for s in held.iter_mut().take(20) {
        let mut buf = [0u8; 256];
        let n = tokio::time::timeout(Duration::from_secs(20), s.read(&mut buf))
            .await
            .expect("closed by the server")
            .unwrap_or(0);
        assert_eq!(n, 0, "{:?}", String::from_utf8_lossy(&buf[..n]));
    }
    println!("serve used {cpu} clock ticks of CPU while {HELD} connections came and went");
    drop(held);
    assert!(terminate(child.0.take().unwrap()).success());
}

/// Kills the server if the test fails before it stops it.
struct KillOnDrop(Option<Child>);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

#[tokio::test]
async fn serve_scripts_faults_from_its_command_line() {
    let (child, lines) = serve(&[
        "--addr",
        "127.0.0.1:0",
        "--seed",
        "none",
        "--fault-next",
        "account_import=applied-timeout",
        "--fault-next",
        "*=internal",
        "--fault-delay-ms",
        "100",
    ]);
    let mut config = client(&lines).config().clone();
    config.retry = convmark::api::RetryPolicy::none();
    let c = Client::new(config).unwrap();
    let import = AccountImportRequest {
        user_id: "applied".into(),
        nick: None,
        face_url: None,
    };
    let err = c.account_import(&import).await.unwrap_err();
    assert!(
        matches!(err, convmark::api::ApiError::Network(_)),
        "no answer: {err:?}"
    );
    let read = GetContactGroupRequest {
        from_account: "applied".into(),
        start_index: 0,
    };
    let err = c.get_contact_group(&read).await.unwrap_err();
    assert_eq!(
        err.code(),
        Some(50004),
        "the next call, any endpoint: {err:?}"
    );
    let page = c.get_contact_group(&read).await.unwrap();
    assert_eq!(page.complete_flag, 1, "the lost import was applied");
    assert!(terminate(child).success());
}

#[test]
fn serve_refuses_bad_fault_flags_and_a_state_that_breaks_the_rules() {
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_convmark"))
            .arg("serve")
            .args(["--addr", "127.0.0.1:0"])
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let err = run(&["--fault-kinds", "drop,nope"]);
    assert!(err.contains("unknown fault kind \"nope\""), "{err}");
    assert!(err.contains("applied-timeout"), "{err}");
    let err = run(&["--fault-next", "mark_contact"]);
    assert!(err.contains("is not ENDPOINT=KIND"), "{err}");
    let err = run(&["--fault-next", "marks=drop"]);
    assert!(err.contains("unknown endpoint \"marks\""), "{err}");
    let err = run(&["--idle-timeout-ms", "0"]);
    assert!(err.contains("--idle-timeout-ms"), "{err}");

    // a state file that parses but holds a 21st group: refused, named, left alone
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("rules.json");
    let groups: Vec<serde_json::Value> = (1..=21)
        .map(|i| serde_json::json!({"id": i, "name": format!("g{i}")}))
        .collect();
    let file = serde_json::json!({
        "version": 1,
        "accounts": ["administrator", "alice"],
        "disbanded_groups": [],
        "users": [{"id": "alice", "next_seq": 1, "next_group_id": 22, "groups": groups,
                   "records": [], "conversations": []}]
    })
    .to_string();
    std::fs::write(&state, &file).unwrap();
    let err = run(&["--state", state.to_str().unwrap()]);
    assert!(
        err.contains("rules.json breaks the service's rules: user \"alice\": 21 groups"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    assert_eq!(std::fs::read_to_string(&state).unwrap(), file, "left alone");
}
