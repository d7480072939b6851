//! No credential in any output. Every way a request can fail below the API (refused, reset
//! after the request or in the middle of the answer, an untrusted certificate, a CA file that
//! is not one, a timeout, a redirect and a redirect loop, 5xx, non-JSON, an HTML page that
//! echoes the request URL, top-level and per-item failures) is driven through the CLI as a
//! process (`get`, `mark`, `groups create`, `groups add`, each as a table and with `--json`)
//! and through the TUI (the real binary in a pty: a failed load, then a failed commit), with
//! the secret key and, separately, with a real UserSig. Then stdout, stderr, the log, the
//! journal, the audit log and every screen are searched for the secret key, the UserSig
//! (the fixed one and every one a server received), any UserSig-shaped string and any
//! `usersig=` not followed by `<redacted>`. None may appear; each test prints its figures.
#![allow(clippy::unwrap_used)]

mod trust_support;

use std::sync::Mutex;
use std::time::Duration;

use convmark::emulator::{self, EmulatorConfig, RunningEmulator};
use trust_support::*;

/// One failure path: what the server does, and where.
#[derive(Clone)]
struct FailurePath {
    name: &'static str,
    /// The act for every request (a load fails), if the path can do that.
    all: Option<Act>,
    /// The act for writes only (a commit or a group change fails), if it can.
    writes: Option<Act>,
    /// Extra variables of every run.
    vars: Vec<(String, String)>,
    /// The load is retried (the log must say so).
    retried: bool,
}

impl FailurePath {
    fn new(name: &'static str, all: Option<Act>, writes: Option<Act>, retried: bool) -> Self {
        FailurePath {
            name,
            all,
            writes,
            vars: Vec::new(),
            retried,
        }
    }
}

struct World {
    rt: tokio::runtime::Runtime,
    emulator: Option<RunningEmulator>,
    /// Where redirects point: it forwards to the emulator, so following one would work.
    trap: Hostile,
    /// Every hostile server started, for the UserSigs they received.
    servers: Mutex<Vec<std::sync::Arc<Hostile>>>,
    usersig: String,
    /// The base URL every run uses instead of a hostile server's, if set (TLS).
    base_url: Option<String>,
}

impl World {
    fn new() -> World {
        World::with(emulator_config())
    }

    fn with(config: EmulatorConfig) -> World {
        let rt = runtime();
        let (emulator, trap) = rt.block_on(async {
            let e = emulator::spawn(config).await.unwrap();
            let t = Hostile::spawn(Some(&e)).await;
            (e, t)
        });
        World {
            rt,
            emulator: Some(emulator),
            trap,
            servers: Mutex::new(Vec::new()),
            usersig: real_usersig(),
            base_url: None,
        }
    }

    /// A new hostile server in front of the emulator, doing `act` in `scope`.
    fn hostile(&self, scope: Scope, act: Act) -> std::sync::Arc<Hostile> {
        let h = std::sync::Arc::new(
            self.rt
                .block_on(Hostile::spawn(Some(self.emulator.as_ref().unwrap()))),
        );
        h.set(scope, act);
        self.servers.lock().unwrap().push(h.clone());
        h
    }

    fn secrets(&self) -> Secrets {
        let mut seen = self.trap.usersigs();
        for h in self.servers.lock().unwrap().iter() {
            seen.extend(h.usersigs());
        }
        Secrets::new(&self.usersig, seen)
    }

    fn vars(
        &self,
        server: &Hostile,
        cred: Cred,
        extra: &[(String, String)],
    ) -> Vec<(String, String)> {
        let base = self.base_url.clone().unwrap_or_else(|| server.url.clone());
        let mut v = env(
            &base,
            cred,
            &self.usersig,
            std::path::Path::new("/nonexistent"),
        );
        v.extend(extra.iter().cloned());
        v
    }
}

impl Drop for World {
    fn drop(&mut self) {
        if let Some(e) = self.emulator.take() {
            self.rt.block_on(e.shutdown());
        }
    }
}

/// The CLI commands of every path: (label, args). `n` makes group names unique.
fn commands(n: usize, json: bool) -> Vec<(String, Vec<String>)> {
    vec![
        ("get", vec!["get", "--user", "alice"]),
        (
            "mark",
            vec!["mark", "--user", "alice", "--to", "bob", "--set", "40"],
        ),
        (
            "groups create",
            vec!["groups", "--user", "alice", "create", "NAME", "c2c_bob"],
        ),
        (
            "groups add",
            vec!["groups", "--user", "alice", "add", "Customers", "c2c_carol"],
        ),
    ]
    .into_iter()
    .map(|(label, args)| {
        let mut args: Vec<String> = args
            .into_iter()
            .map(|a| {
                if a == "NAME" {
                    format!("trust {n}")
                } else {
                    a.to_owned()
                }
            })
            .collect();
        if label == "mark" {
            // a new custom mark every run, so there is always something to send
            args.extend(["--custom".to_owned(), format!("trust {n}")]);
        }
        if json {
            args.push("--json".into());
        }
        (
            format!("{label}{}", if json { " --json" } else { "" }),
            args,
        )
    })
    .collect()
}

/// Every CLI run of a path in one scope, all at once (they mostly wait): each command, as a
/// table and as JSON, with each credential. Every run must fail (exit 1; 2 for input the
/// binary refuses at start).
fn cli_runs(
    world: &World,
    server: &Hostile,
    path: &FailurePath,
    scope: &str,
    expect_code: i32,
) -> Vec<Run> {
    let mut jobs = Vec::new();
    let mut n = if scope == "writes" { 100 } else { 0 };
    for cred in Cred::BOTH {
        for json in [false, true] {
            for (label, args) in commands(n, json) {
                n += 1;
                // with only the writes failing, get succeeds: not a failure path
                if scope == "writes" && label.starts_with("get") {
                    continue;
                }
                jobs.push((cred, label, args));
            }
        }
    }
    let runs: Vec<Run> = std::thread::scope(|s| {
        let handles: Vec<_> = jobs
            .into_iter()
            .map(|(cred, label, args)| {
                let vars = world.vars(server, cred, &path.vars);
                let what = format!("{} ({scope}) {label} [{cred:?}]", path.name);
                s.spawn(move || {
                    let args: Vec<&str> = args.iter().map(String::as_str).collect();
                    run_cli(&what, &vars, &args)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for run in &runs {
        assert_eq!(run.code, expect_code, "{run}");
        assert!(!run.stderr.is_empty(), "a failure says something: {run}");
        if run.what.contains("--json") && expect_code == 1 {
            let v: serde_json::Value = serde_json::from_str(&run.stdout)
                .unwrap_or_else(|e| panic!("not JSON ({e}): {run}"));
            assert_ne!(v["ok"], true, "{run}");
        }
    }
    runs
}

/// The TUI of a path: `convmark tui --user alice` in a pty; a load that fails (scope all),
/// then a load that works and a commit that fails (scope writes). Returns the pty, its
/// screens kept.
fn tui_run(world: &World, server: &Hostile, path: &FailurePath, cred: Cred) -> Pty {
    let vars = world.vars(server, cred, &path.vars);
    if let Some(act) = &path.all {
        server.set(Scope::All, act.clone());
    }
    if path.name == "refused" {
        server.refuse(true);
    }
    let mut pty = Pty::spawn(&vars, &["tui", "--user", "alice"]);
    if path.name.starts_with("bad CA") {
        // refused at start, before the terminal is touched
        pty.wait_for("the CA error", |s| s.contains("CA certificate"));
        let status = pty.wait_exit();
        assert_eq!(status.exit_code(), 2, "{}: {status:?}", path.name);
        pty.keep_screen();
        return pty;
    }
    let failing_load = path.all.is_some() || path.name == "refused";
    if failing_load {
        pty.wait_for("the failed load", |s| s.contains("Cannot open alice"));
        // Esc closes the prompt; m shows the message log (retries included)
        pty.keys(b"\x1b");
        pty.keys(b"m");
        pty.wait_for("the message log", |s| s.contains("Messages"));
        pty.keys(b"\x1b");
    }
    if let Some(act) = &path.writes {
        if path.name == "refused" {
            server.refuse(false);
        }
        server.set(Scope::Writes, act.clone());
        if failing_load {
            // u asks for a user again
            pty.keys(b"u");
            std::thread::sleep(Duration::from_millis(200));
            pty.keys(b"alice\r");
        }
        pty.wait_for("alice loaded", |s| s.contains("Loaded"));
        pty.keys(b" ");
        pty.wait_for("staged", |s| s.contains("Staged"));
        if path.name == "refused" {
            server.refuse(true);
        }
        pty.keys(b"c");
        pty.wait_for("the failed commit", |s| s.contains("still staged"));
        pty.keys(b"m");
        pty.wait_for("the message log", |s| s.contains("Messages"));
        pty.keys(b"\x1b");
        std::thread::sleep(Duration::from_millis(200));
        pty.keep_screen();
    }
    // Ctrl-C force-quits
    pty.keys(b"\x03");
    let status = pty.wait_exit();
    assert!(status.success(), "{}: {status:?}", path.name);
    server.refuse(false);
    pty
}

/// Drives one failure path everywhere, all at once (each front end and scope on its own
/// hostile server), and returns what was searched.
fn drive(world: &World, path: &FailurePath) -> Tally {
    let started = std::time::Instant::now();
    let expect = if path.name.starts_with("bad CA") {
        2
    } else {
        1
    };
    let (runs, ptys) = std::thread::scope(|s| {
        let all = path.all.clone().map(|act| {
            let server = world.hostile(Scope::All, act);
            if path.name == "refused" {
                server.refuse(true);
            }
            s.spawn(move || cli_runs(world, &server, path, "all", expect))
        });
        let writes = path
            .writes
            .clone()
            .filter(|_| path.name != "refused")
            .map(|act| {
                let server = world.hostile(Scope::Writes, act);
                s.spawn(move || cli_runs(world, &server, path, "writes", 1))
            });
        let ptys: Vec<_> = Cred::BOTH
            .into_iter()
            .map(|cred| {
                let server = world.hostile(Scope::All, Act::Forward);
                s.spawn(move || (cred, tui_run(world, &server, path, cred)))
            })
            .collect();
        let mut runs = Vec::new();
        for h in all.into_iter().chain(writes) {
            runs.extend(h.join().unwrap());
        }
        let ptys: Vec<(Cred, Pty)> = ptys.into_iter().map(|h| h.join().unwrap()).collect();
        (runs, ptys)
    });
    println!("{}: every run took {:?}", path.name, started.elapsed());
    let secrets = world.secrets();
    let mut tally = Tally::default();
    for (cred, pty) in &ptys {
        if !path.name.starts_with("bad CA") {
            let log = pty
                .log()
                .unwrap_or_else(|| panic!("{}: the TUI wrote no convmark.log", path.name));
            if path.retried {
                assert!(
                    log.contains("retrying") && log.contains("attempt=2"),
                    "{}: the log has no retry line:\n{log}",
                    path.name
                );
                assert!(
                    pty.screens.iter().any(|s| s.contains("Retrying")),
                    "{}: the message log shows no retry:\n{}",
                    path.name,
                    pty.screens.join("\n")
                );
            }
        }
        pty.search(
            &mut tally,
            &secrets,
            &format!("{} TUI [{cred:?}]", path.name),
        );
    }
    for run in &runs {
        tally.search_run(&secrets, run);
    }
    // TRUST_SHOW=1 prints every output searched
    if std::env::var_os("TRUST_SHOW").is_some() {
        for run in &runs {
            println!("{run}\n");
        }
        for (cred, pty) in &ptys {
            println!("=== TUI [{cred:?}]\n{}", pty.screens.join("\n---\n"));
        }
    }
    // the redirect target never heard from us
    assert!(
        world.trap.seen().is_empty(),
        "a redirect was followed: {:?}",
        world.trap.seen()
    );
    tally.paths.insert(path.name.to_owned());
    println!(
        "failure path {:?}: {} runs, {} outputs searched, {} leak(s)",
        path.name,
        tally.runs,
        tally.outputs,
        tally.leaks.len()
    );
    assert!(
        tally.leaks.is_empty(),
        "{}: leaks:\n{}",
        path.name,
        tally.leaks.join("\n")
    );
    assert!(
        tally.doubled.is_empty(),
        "{}: redacted twice in {}",
        path.name,
        tally.doubled.join(", ")
    );
    tally
}

#[test]
fn a_refused_connection() {
    let world = World::new();
    let path = FailurePath::new("refused", Some(Act::Forward), Some(Act::Forward), true);
    let tally = drive(&world, &path);
    assert!(tally.outputs > 0);
}

#[test]
fn a_reset_after_the_request() {
    let world = World::new();
    let path = FailurePath::new("reset", Some(Act::Reset), Some(Act::Reset), true);
    drive(&world, &path);
}

#[test]
fn a_reset_in_the_middle_of_the_answer() {
    let world = World::new();
    let path = FailurePath::new(
        "reset mid-answer",
        Some(Act::ResetMidAnswer),
        Some(Act::ResetMidAnswer),
        true,
    );
    drive(&world, &path);
}

#[test]
fn a_certificate_nobody_trusts() {
    let mut world = World::with(EmulatorConfig {
        tls: true,
        ..emulator_config()
    });
    let url = world.emulator.as_ref().unwrap().base_url.to_string();
    assert!(url.starts_with("https://"), "{url}");
    world.base_url = Some(url);
    let path = FailurePath::new("TLS unknown issuer", Some(Act::Forward), None, false);
    drive(&world, &path);
    let server = world.hostile(Scope::All, Act::Forward);
    let run = run_cli(
        "tls get",
        &world.vars(&server, Cred::UserSig, &[]),
        &["get", "--user", "alice"],
    );
    assert!(run.stderr.contains("TLS error"), "{run}");
    assert!(run.stderr.contains("--ca-cert"), "{run}");
}

#[test]
fn a_ca_file_that_holds_no_certificate() {
    let world = World::new();
    let dir = tempfile::tempdir().unwrap();
    let not_pem = dir.path().join("not-a-cert.pem");
    std::fs::write(&not_pem, format!("usersig={}\n", world.usersig)).unwrap();
    let key_only = dir.path().join("key-only.pem");
    std::fs::write(
        &key_only,
        "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\n",
    )
    .unwrap();
    let mut tally = Tally::default();
    for file in [&not_pem, &key_only] {
        let mut path = FailurePath::new("bad CA file", Some(Act::Forward), None, false);
        path.vars = vec![("CONVMARK_CA_CERT".into(), file.display().to_string())];
        tally.merge(drive(&world, &path));
        // the flag too
        let server = world.hostile(Scope::All, Act::Forward);
        let flag = file.display().to_string();
        let run = run_cli(
            "bad CA --ca-cert",
            &world.vars(&server, Cred::UserSig, &[]),
            &["get", "--user", "alice", "--ca-cert", &flag],
        );
        assert_eq!(run.code, 2, "{run}");
        assert!(
            run.stderr.contains("holds no PEM certificate") || run.stderr.contains("not valid PEM"),
            "{run}"
        );
        tally.search_run(&world.secrets(), &run);
    }
    for server in world.servers.lock().unwrap().iter() {
        assert!(
            server.seen().is_empty(),
            "nothing is sent with a bad CA file"
        );
    }
    assert!(tally.leaks.is_empty(), "{}", tally.leaks.join("\n"));
}

#[test]
fn an_answer_later_than_the_timeout() {
    let world = World::new();
    let silent = Act::Silent(Duration::from_secs(3));
    let mut path = FailurePath::new("timeout", Some(silent.clone()), Some(silent), true);
    path.vars = vec![("CONVMARK_TIMEOUT".into(), "0.5".into())];
    drive(&world, &path);
    // --timeout as a flag says the same
    let server = world.hostile(Scope::All, Act::Silent(Duration::from_secs(3)));
    let run = run_cli(
        "timeout flag",
        &world.vars(&server, Cred::SecretKey, &[]),
        &["get", "--user", "alice", "--timeout", "0.5"],
    );
    assert_eq!(run.code, 1, "{run}");
    assert!(run.stderr.contains("timed out"), "{run}");
    assert!(world.secrets().leaks(&run.stderr).is_empty(), "{run}");
}

#[test]
fn a_redirect_to_another_port_is_not_followed() {
    let world = World::new();
    let to = Act::Redirect(world.trap.url.clone());
    let path = FailurePath::new("redirect 307", Some(to.clone()), Some(to), false);
    drive(&world, &path);
    let server = world.hostile(Scope::All, Act::Redirect(world.trap.url.clone()));
    let run = run_cli(
        "redirect get",
        &world.vars(&server, Cred::UserSig, &[]),
        &["get", "--user", "alice"],
    );
    assert!(run.stderr.contains("HTTP 307"), "{run}");
    assert!(
        run.stderr
            .contains(&format!("http://127.0.0.1:{}", world.trap.addr.port())),
        "the redirect names the host it pointed to: {run}"
    );
    assert!(world.trap.seen().is_empty());
}

#[test]
fn a_redirect_loop() {
    let world = World::new();
    let path = FailurePath::new(
        "redirect loop",
        Some(Act::RedirectLoop),
        Some(Act::RedirectLoop),
        false,
    );
    drive(&world, &path);
}

#[test]
fn a_gateway_failure() {
    let world = World::new();
    let path = FailurePath::new(
        "HTTP 502",
        Some(Act::Status(502)),
        Some(Act::Status(503)),
        true,
    );
    drive(&world, &path);
}

#[test]
fn an_answer_that_is_not_json() {
    let world = World::new();
    let path = FailurePath::new("text/plain", Some(Act::Text), Some(Act::Text), false);
    drive(&world, &path);
}

#[test]
fn an_html_page_that_echoes_the_request_url() {
    let world = World::new();
    let path = FailurePath::new("HTML echo", Some(Act::HtmlEcho), Some(Act::HtmlEcho), false);
    drive(&world, &path);
}

#[test]
fn top_level_failures_that_echo_the_request() {
    let world = World::new();
    for (name, code) in [("top-level 70009", 70009), ("top-level 50001", 50001)] {
        let path = FailurePath::new(
            name,
            Some(Act::TopLevel(code)),
            Some(Act::TopLevel(code)),
            false,
        );
        drive(&world, &path);
    }
}

#[test]
fn per_item_failures_that_echo_the_request() {
    let world = World::new();
    let path = FailurePath::new("per-item 50001", None, Some(Act::PerItem), false);
    let tally = drive(&world, &path);
    assert!(tally.outputs > 0);
}

/// The search finds what it looks for: a test that cannot find a leak proves nothing.
#[test]
fn the_search_finds_each_kind_of_leak() {
    let sig = convmark::api::usersig::generate(SDKAPPID, SECRET_KEY, ADMIN, 60, 1_700_000_000);
    let other = convmark::api::usersig::generate(SDKAPPID, "another-key", ADMIN, 60, 1);
    let secrets = Secrets::new(&sig, []);
    for (text, what) in [
        (format!("key {SECRET_KEY}"), "the secret key"),
        (format!("sig {sig}"), "the UserSig"),
        (format!("cut {}", &sig[10..50]), "32 characters of it"),
        (format!("any {other}"), "a UserSig-shaped string"),
        ("x?usersig=abc&random=1".to_owned(), "usersig= with a value"),
        ("x?UserSig=%65J&random=1".to_owned(), "usersig= in any case"),
    ] {
        assert!(!secrets.leaks(&text).is_empty(), "{what}: {text}");
    }
    for clean in [
        "usersig=<redacted>&random=1",
        "│…usersig=<reda│",
        "usersig=<red\u{1b}[20;3H",
        "ResultCode 50001: user account not imported",
    ] {
        assert_eq!(secrets.leaks(clean), Vec::<String>::new(), "{clean}");
    }
}
