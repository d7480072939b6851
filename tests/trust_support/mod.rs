//! Shared by the `trust_*` tests: a hostile server on loopback, the real binary run as a
//! process (and in a pty) against it, and the search of everything it printed or wrote for
//! a credential.
//!
//! The hostile server is plain tokio TCP rather than axum: it must be able to do what no
//! well-behaved HTTP server does on purpose (reset the connection after reading the request
//! or in the middle of an answer, promise 50 MB and send nothing, close the port and open it
//! again). Everything it is not told to break it forwards to a real emulator, so reads work
//! and a write can fail on its own.

#![allow(clippy::unwrap_used, dead_code)]

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::num::NonZeroU16;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub mod tui;

use convmark::emulator::{EmulatorConfig, RunningEmulator, Seed};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// The app of every trust test: its own secret key, so that a hit is ours for sure.
pub const SDKAPPID: u64 = 1_400_000_777;
pub const SECRET_KEY: &str = "trust-test-secret-key-0f3c9a7e51b24d86a1c0e9f7b3d2c4a5";
pub const ADMIN: &str = "administrator";

/// What the server does with a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Act {
    /// Pass it to the emulator and its answer back.
    Forward,
    /// Read the request, then reset the connection (RST) without a byte of answer.
    Reset,
    /// Send the head and part of a JSON answer, then reset the connection.
    ResetMidAnswer,
    /// Say nothing for this long, then close.
    Silent(Duration),
    /// Wait this long, then forward; only for requests of this user (`From_Account`), if
    /// one is given.
    Slow(Duration, Option<String>),
    /// 307 to this base URL (the request's path and query appended, UserSig and all).
    Redirect(String),
    /// 307 to the very same URL.
    RedirectLoop,
    /// This HTTP status, with an HTML body that echoes the request.
    Status(u16),
    /// 200 text/plain echoing the request URL.
    Text,
    /// 200 text/html echoing the request URL (query and all) and its body.
    HtmlEcho,
    /// A top-level failure with this ErrorCode; ErrorInfo echoes the request URL.
    TopLevel(i64),
    /// Forwarded, then every ResultCode of the answer becomes 50001 with a ResultInfo that
    /// echoes the request URL.
    PerItem,
    /// 200, chunked, this many bytes of a JSON array that never ends.
    Huge(usize),
    /// 200 with a Content-Length of this many bytes, then 1 KiB, then silence.
    HugeLength(u64),
    /// get_list and get_contact_group page with cursors that cycle: A, B, A.
    CycleCursor,
    /// get_list and get_contact_group page with a cursor that moves forever.
    MovingCursor,
}

/// Which requests get the act; the others are forwarded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    All,
    /// mark_contact, create/update/del_contact_group: a write fails, reads work.
    Writes,
    /// One endpoint, e.g. `get_list`.
    Endpoint(&'static str),
}

impl Scope {
    fn matches(self, path: &str) -> bool {
        let name = path.rsplit('/').next().unwrap_or(path);
        match self {
            Scope::All => true,
            Scope::Writes => matches!(
                name,
                "mark_contact"
                    | "create_contact_group"
                    | "update_contact_group"
                    | "del_contact_group"
            ),
            Scope::Endpoint(e) => name == e,
        }
    }
}

/// One request the server read.
#[derive(Debug, Clone)]
pub struct Seen {
    pub path: String,
    pub query: String,
    pub body: String,
}

struct Shared {
    rule: Mutex<(Scope, Act)>,
    seen: Mutex<Vec<Seen>>,
    usersigs: Mutex<BTreeSet<String>>,
    /// Bytes of answer body written by `Huge` and `HugeLength`.
    written: AtomicU64,
    upstream: Option<String>,
    http: reqwest::Client,
}

/// A hostile server on a loopback port.
pub struct Hostile {
    pub addr: SocketAddr,
    pub url: String,
    shared: Arc<Shared>,
    refusing: watch::Sender<bool>,
}

impl Hostile {
    /// Starts on the current tokio runtime; `upstream` is the emulator to forward to.
    pub async fn spawn(upstream: Option<&RunningEmulator>) -> Hostile {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let shared = Arc::new(Shared {
            rule: Mutex::new((Scope::All, Act::Forward)),
            seen: Mutex::new(Vec::new()),
            usersigs: Mutex::new(BTreeSet::new()),
            written: AtomicU64::new(0),
            upstream: upstream.map(|e| e.base_url.to_string()),
            http: reqwest::Client::builder().no_proxy().build().unwrap(),
        });
        let (refusing, mut watch) = watch::channel(false);
        let state = shared.clone();
        tokio::spawn(async move {
            let mut listener = Some(listener);
            loop {
                match listener.take() {
                    Some(l) => {
                        tokio::select! {
                            accepted = l.accept() => {
                                if let Ok((stream, _)) = accepted {
                                    tokio::spawn(serve(stream, state.clone(), addr));
                                }
                                listener = Some(l);
                            }
                            changed = watch.changed() => {
                                if changed.is_err() { return; }
                                // refusing: the listener is dropped, the port is closed
                                listener = if *watch.borrow() { None } else { Some(l) };
                            }
                        }
                    }
                    None => {
                        if watch.changed().await.is_err() {
                            return;
                        }
                        if !*watch.borrow() {
                            let socket = tokio::net::TcpSocket::new_v4().unwrap();
                            socket.set_reuseaddr(true).unwrap();
                            socket.bind(addr).unwrap();
                            listener = Some(socket.listen(64).unwrap());
                        }
                    }
                }
            }
        });
        Hostile {
            addr,
            url: format!("http://{addr}/"),
            shared,
            refusing,
        }
    }

    /// From now on, requests in `scope` get `act`, the others are forwarded.
    pub fn set(&self, scope: Scope, act: Act) {
        *self.shared.rule.lock().unwrap() = (scope, act);
    }

    /// Closes the port (connections are refused) or opens it again on the same port.
    pub fn refuse(&self, refusing: bool) {
        self.refusing.send_replace(refusing);
        // the accept loop acts on it at once; give it the moment it needs
        std::thread::sleep(Duration::from_millis(50));
    }

    /// Every request read so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.shared.seen.lock().unwrap().clone()
    }

    /// Every UserSig a request carried.
    pub fn usersigs(&self) -> BTreeSet<String> {
        self.shared.usersigs.lock().unwrap().clone()
    }

    /// Bytes of answer body written by `Huge` / `HugeLength` so far.
    pub fn written(&self) -> u64 {
        self.shared.written.load(Ordering::SeqCst)
    }
}

/// A request as read off the socket.
struct Request {
    target: String,
    body: Vec<u8>,
}

async fn read_request(stream: &mut TcpStream) -> Option<Request> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let target = head.split_whitespace().nth(1)?.to_owned();
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0);
    let mut body = buf[head_end..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some(Request { target, body })
}

fn head(status: u16, reason: &str, headers: &[(&str, String)], length: Option<usize>) -> String {
    let mut out = format!("HTTP/1.1 {status} {reason}\r\nConnection: close\r\n");
    for (k, v) in headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    match length {
        Some(n) => out.push_str(&format!("Content-Length: {n}\r\n")),
        None => out.push_str("Transfer-Encoding: chunked\r\n"),
    }
    out.push_str("\r\n");
    out
}

async fn answer(stream: &mut TcpStream, status: u16, content_type: &str, body: &[u8]) {
    let reason = match status {
        200 => "OK",
        307 => "Temporary Redirect",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Whatever",
    };
    let head = head(
        status,
        reason,
        &[("Content-Type", content_type.to_owned())],
        Some(body.len()),
    );
    let _ = stream.write_all(head.as_bytes()).await;
    let _ = stream.write_all(body).await;
    let _ = stream.shutdown().await;
}

/// Drops the connection with an RST (SO_LINGER 0), not a FIN.
#[allow(deprecated)]
fn reset(stream: TcpStream) {
    let _ = stream.set_linger(Some(Duration::ZERO));
    drop(stream);
}

fn usersig_of(target: &str) -> Option<String> {
    let query = target.split_once('?')?.1;
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k.eq_ignore_ascii_case("usersig"))
        .map(|(_, v)| v.into_owned())
}

async fn serve(mut stream: TcpStream, state: Arc<Shared>, me: SocketAddr) {
    let Some(req) = read_request(&mut stream).await else {
        return;
    };
    let (path, query) = req
        .target
        .split_once('?')
        .map_or((req.target.as_str(), ""), |(p, q)| (p, q));
    let body_text = String::from_utf8_lossy(&req.body).into_owned();
    state.seen.lock().unwrap().push(Seen {
        path: path.trim_start_matches('/').to_owned(),
        query: query.to_owned(),
        body: body_text.clone(),
    });
    if let Some(sig) = usersig_of(&req.target) {
        state.usersigs.lock().unwrap().insert(sig);
    }
    let (scope, act) = state.rule.lock().unwrap().clone();
    let act = if scope.matches(path) {
        act
    } else {
        Act::Forward
    };
    let echo = format!("POST {} body {}", req.target, body_text);
    match act {
        Act::Forward => match forward(&state, &req).await {
            Some((status, body)) => answer(&mut stream, status, "application/json", &body).await,
            // the emulator dropped the connection or stayed silent: so does this one
            None => reset(stream),
        },
        Act::Reset => reset(stream),
        Act::ResetMidAnswer => {
            let head = head(
                200,
                "OK",
                &[("Content-Type", "application/json".into())],
                Some(5000),
            );
            let _ = stream.write_all(head.as_bytes()).await;
            let _ = stream
                .write_all(br#"{"ActionStatus":"OK","ErrorCode":0,"SessionItem":[{"Type":1,"#)
                .await;
            let _ = stream.flush().await;
            tokio::time::sleep(Duration::from_millis(20)).await;
            reset(stream);
        }
        Act::Silent(d) => {
            tokio::time::sleep(d).await;
            let _ = stream.shutdown().await;
        }
        Act::Slow(d, user) => {
            let from = serde_json::from_slice::<serde_json::Value>(&req.body)
                .ok()
                .and_then(|v| v["From_Account"].as_str().map(str::to_owned));
            if user.is_none() || user == from {
                tokio::time::sleep(d).await;
            }
            match forward(&state, &req).await {
                Some((status, body)) => {
                    answer(&mut stream, status, "application/json", &body).await;
                }
                None => reset(stream),
            }
        }
        Act::Redirect(to) => {
            redirect(
                &mut stream,
                &format!("{}{}", to.trim_end_matches('/'), req.target),
            )
            .await;
        }
        Act::RedirectLoop => redirect(&mut stream, &format!("http://{me}{}", req.target)).await,
        Act::Status(status) => {
            let body = format!("<html><body><h1>{status}</h1><p>{echo}</p></body></html>");
            answer(&mut stream, status, "text/html", body.as_bytes()).await;
        }
        Act::Text => {
            let body = format!("upstream says no to {echo}");
            answer(&mut stream, 200, "text/plain", body.as_bytes()).await;
        }
        Act::HtmlEcho => {
            let body = format!(
                "<html><head><title>404</title></head><body><p>usersig={} The requested URL {} was not found on this server.</p><pre>{body_text}</pre></body></html>",
                usersig_of(&req.target).unwrap_or_default(),
                req.target
            );
            answer(&mut stream, 200, "text/html", body.as_bytes()).await;
        }
        Act::TopLevel(code) => {
            let body = serde_json::json!({
                "ActionStatus": "FAIL",
                "ErrorCode": code,
                "ErrorInfo": format!("refused {echo} (usersig {})", usersig_of(&req.target).unwrap_or_default()),
            });
            answer(
                &mut stream,
                200,
                "application/json",
                body.to_string().as_bytes(),
            )
            .await;
        }
        Act::PerItem => {
            let (status, body) = forward(&state, &req).await.unwrap_or((502, Vec::new()));
            let body = match serde_json::from_slice::<serde_json::Value>(&body) {
                Ok(mut v) => {
                    fail_items(&mut v, &echo);
                    v.to_string().into_bytes()
                }
                Err(_) => body,
            };
            answer(&mut stream, status, "application/json", &body).await;
        }
        Act::Huge(total) => huge(&mut stream, &state, total).await,
        Act::HugeLength(length) => {
            let head = format!(
                "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {length}\r\n\r\n"
            );
            let _ = stream.write_all(head.as_bytes()).await;
            let filler = vec![b' '; 1024];
            if stream.write_all(&filler).await.is_ok() {
                state.written.fetch_add(1024, Ordering::SeqCst);
            }
            tokio::time::sleep(Duration::from_secs(10)).await;
        }
        Act::CycleCursor | Act::MovingCursor => {
            let moving = act == Act::MovingCursor;
            let req_json: serde_json::Value = serde_json::from_slice(&req.body).unwrap_or_default();
            let name = path.rsplit('/').next().unwrap_or_default();
            let body = match name {
                "get_list" => {
                    let at = req_json["TimeStamp"].as_u64().unwrap_or(0);
                    let next = next_cursor(at, moving);
                    serde_json::json!({
                        "ActionStatus": "OK", "ErrorCode": 0, "ErrorInfo": "",
                        "SessionItem": [], "CompleteFlag": 0,
                        "TimeStamp": next, "StartIndex": 0,
                        "TopTimeStamp": 0, "TopStartIndex": 0,
                    })
                }
                "get_contact_group" => {
                    let at = req_json["StartIndex"].as_u64().unwrap_or(0);
                    let next = next_cursor(at, moving);
                    serde_json::json!({
                        "ActionStatus": "OK", "ErrorCode": 0, "ErrorInfo": "",
                        "ContactItem": [], "GroupItem": [], "CompleteFlag": 0,
                        "NextStartIndex": next,
                    })
                }
                _ => {
                    match forward(&state, &req).await {
                        Some((status, body)) => {
                            answer(&mut stream, status, "application/json", &body).await;
                        }
                        None => reset(stream),
                    }
                    return;
                }
            };
            answer(
                &mut stream,
                200,
                "application/json",
                body.to_string().as_bytes(),
            )
            .await;
        }
    }
}

/// A, B, A, B, ... (100, 200, 100, ...), or 1, 2, 3, ... for ever.
fn next_cursor(at: u64, moving: bool) -> u64 {
    if moving {
        at + 1
    } else if at == 100 {
        200
    } else {
        100
    }
}

fn fail_items(v: &mut serde_json::Value, echo: &str) {
    match v {
        serde_json::Value::Object(map) => {
            if map.contains_key("ResultCode") {
                map.insert("ResultCode".into(), 50001.into());
                map.insert("ResultInfo".into(), format!("item refused: {echo}").into());
            }
            for value in map.values_mut() {
                fail_items(value, echo);
            }
        }
        serde_json::Value::Array(items) => {
            for item in items {
                fail_items(item, echo);
            }
        }
        _ => {}
    }
}

async fn redirect(stream: &mut TcpStream, location: &str) {
    let head = head(
        307,
        "Temporary Redirect",
        &[("Location", location.to_owned())],
        Some(0),
    );
    let _ = stream.write_all(head.as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// The emulator's answer; `None` when it dropped the connection or closed it silent.
async fn forward(state: &Shared, req: &Request) -> Option<(u16, Vec<u8>)> {
    let Some(upstream) = &state.upstream else {
        return Some((502, b"no upstream".to_vec()));
    };
    let url = format!("{}{}", upstream.trim_end_matches('/'), req.target);
    let resp = state
        .http
        .post(url)
        .body(req.body.clone())
        .send()
        .await
        .ok()?;
    let status = resp.status().as_u16();
    Some((status, resp.bytes().await.ok()?.to_vec()))
}

/// `total` bytes of a get_list answer whose array never closes, in 64 KiB chunks, as fast
/// as the client reads them.
async fn huge(stream: &mut TcpStream, state: &Shared, total: usize) {
    let head = head(
        200,
        "OK",
        &[("Content-Type", "application/json".into())],
        None,
    );
    if stream.write_all(head.as_bytes()).await.is_err() {
        return;
    }
    let item = br#"{"Type":1,"To_Account":"user_000000","MsgTime":1,"TopFlag":0},"#;
    let mut chunk = br#"{"ActionStatus":"OK","ErrorCode":0,"SessionItem":["#.to_vec();
    while chunk.len() < 64 * 1024 {
        chunk.extend_from_slice(item);
    }
    let mut sent = 0;
    while sent < total {
        let framed = [
            format!("{:x}\r\n", chunk.len()).into_bytes(),
            chunk.clone(),
            b"\r\n".to_vec(),
        ]
        .concat();
        if stream.write_all(&framed).await.is_err() {
            return;
        }
        sent += chunk.len();
        state
            .written
            .fetch_add(chunk.len() as u64, Ordering::SeqCst);
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
}

// ---------------------------------------------------------------------------------------
// the world of one test: an emulator, hostile servers, the binary

/// How a run is authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cred {
    /// `CONVMARK_SECRET_KEY`: a fresh UserSig for every request.
    SecretKey,
    /// `CONVMARK_USERSIG`: the fixed UserSig from `convmark usersig`.
    UserSig,
}

impl Cred {
    pub const BOTH: [Cred; 2] = [Cred::SecretKey, Cred::UserSig];
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// The emulator of the trust tests (a small demo: alice with 20 conversations).
pub fn emulator_config() -> EmulatorConfig {
    EmulatorConfig {
        sdkappid: SDKAPPID,
        secret_key: SECRET_KEY.to_owned(),
        admins: vec![ADMIN.to_owned()],
        seed: Seed::Demo { conversations: 20 },
        ..Default::default()
    }
}

/// A UserSig made by the binary itself (`convmark usersig`), as a user would make one.
pub fn real_usersig() -> String {
    let dir = tempfile::tempdir().unwrap();
    let out = bare_command(&dir.path().join("none.toml"))
        .args([
            "usersig",
            "--sdkappid",
            &SDKAPPID.to_string(),
            "--secret-key",
            SECRET_KEY,
            "--identifier",
            ADMIN,
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let sig = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert!(sig.starts_with("eJ") && sig.len() > 32, "{sig}");
    sig
}

/// The binary with every `CONVMARK_*` variable removed and the config file at `config`.
pub fn bare_command(config: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_convmark"));
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("CONVMARK_") {
            cmd.env_remove(name);
        }
    }
    cmd.env("CONVMARK_CONFIG", config);
    cmd
}

/// The variables of a run against `base_url` with `cred`, its data in `data_dir`.
pub fn env(base_url: &str, cred: Cred, usersig: &str, data_dir: &Path) -> Vec<(String, String)> {
    let mut vars = vec![
        ("CONVMARK_BASE_URL".to_owned(), base_url.to_owned()),
        ("CONVMARK_SDKAPPID".to_owned(), SDKAPPID.to_string()),
        ("CONVMARK_IDENTIFIER".to_owned(), ADMIN.to_owned()),
        (
            "CONVMARK_DATA_DIR".to_owned(),
            data_dir.display().to_string(),
        ),
    ];
    match cred {
        Cred::SecretKey => vars.push(("CONVMARK_SECRET_KEY".into(), SECRET_KEY.into())),
        Cred::UserSig => vars.push(("CONVMARK_USERSIG".into(), usersig.into())),
    }
    vars
}

/// A finished run of the binary, with what it left in its data dir.
#[derive(Debug)]
pub struct Run {
    pub what: String,
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    /// Every file of the data dir (log, journal, audit log): (path, text).
    pub files: Vec<(PathBuf, String)>,
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: exit {}\n--- stdout\n{}\n--- stderr\n{}",
            self.what, self.code, self.stdout, self.stderr
        )?;
        for (p, text) in &self.files {
            write!(f, "\n--- {}\n{text}", p.display())?;
        }
        Ok(())
    }
}

/// Every file under `dir`, read as text.
pub fn files_under(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else if let Ok(bytes) = std::fs::read(&path) {
            out.push((path, String::from_utf8_lossy(&bytes).into_owned()));
        }
    }
    out.sort();
    out
}

/// Runs the binary with `vars` and `args`, its data dir a fresh temp dir.
pub fn run_cli(what: &str, vars: &[(String, String)], args: &[&str]) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let mut all = vars.to_vec();
    all.retain(|(k, _)| k != "CONVMARK_DATA_DIR");
    all.push((
        "CONVMARK_DATA_DIR".into(),
        dir.path().join("data").display().to_string(),
    ));
    let out = bare_command(&dir.path().join("none.toml"))
        .envs(all)
        .args(args)
        .output()
        .unwrap();
    Run {
        what: what.to_owned(),
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        files: files_under(&dir.path().join("data")),
    }
}

// ---------------------------------------------------------------------------------------
// the search for credentials

/// What must never be shown: the secret key, the fixed UserSig, every UserSig a server saw.
#[derive(Debug, Clone)]
pub struct Secrets {
    pub literals: Vec<String>,
}

impl Secrets {
    pub fn new(usersig: &str, seen: impl IntoIterator<Item = String>) -> Secrets {
        let mut literals = vec![SECRET_KEY.to_owned(), usersig.to_owned()];
        literals.extend(seen);
        literals.sort();
        literals.dedup();
        Secrets { literals }
    }

    /// Every credential-like thing in `text`, described.
    pub fn leaks(&self, text: &str) -> Vec<String> {
        let mut found = Vec::new();
        for s in &self.literals {
            if text.contains(s.as_str()) {
                found.push(format!("the credential {}…", &s[..8.min(s.len())]));
            }
            // a long piece of one (a cut UserSig) is a leak too
            if s.len() >= 48 {
                for start in (0..s.len() - 32).step_by(8) {
                    if s.is_char_boundary(start)
                        && s.is_char_boundary(start + 32)
                        && text.contains(&s[start..start + 32])
                    {
                        found.push(format!("32 characters of the credential {}…", &s[..8]));
                        break;
                    }
                }
            }
        }
        let shape = regex::Regex::new(r"eJ[0-9A-Za-z*_\-]{30,}").unwrap();
        for m in shape.find_iter(text) {
            found.push(format!("a UserSig-shaped string {}…", &m.as_str()[..12]));
        }
        let lower = text.to_ascii_lowercase();
        for (i, _) in lower.match_indices("usersig=") {
            let rest = &text[i + "usersig=".len()..];
            // as much of `<redacted>` as follows; a screen may cut it at the edge of a
            // pane (`│`, or a scrollbar's `║`/`█` on it), a line's end, an ellipsis or an
            // escape sequence, never with more of the value
            let shown = rest
                .chars()
                .zip("<redacted>".chars())
                .take_while(|(a, b)| a == b)
                .count();
            let next = rest[shown..].chars().next();
            let ok = shown == "<redacted>".len()
                || matches!(
                    next,
                    None | Some('\n' | '\r' | '│' | '║' | '█' | '…' | '\u{1b}' | ' ')
                );
            if !ok {
                found.push(format!(
                    "usersig= followed by {:?}",
                    rest.chars().take(16).collect::<String>()
                ));
            }
        }
        found
    }
}

/// What a test searched: outputs (texts) and the leaks found in them.
#[derive(Debug, Default)]
pub struct Tally {
    pub paths: BTreeSet<String>,
    pub runs: usize,
    pub outputs: usize,
    pub leaks: Vec<String>,
    /// Outputs where a redaction was applied twice (`<redacted><redacted>`).
    pub doubled: Vec<String>,
}

impl Tally {
    /// Searches one output.
    pub fn search(&mut self, secrets: &Secrets, what: &str, text: &str) {
        self.outputs += 1;
        for leak in secrets.leaks(text) {
            self.leaks.push(format!("{what}: {leak}"));
        }
        if text.contains("<redacted><redacted>") {
            self.doubled.push(what.to_owned());
        }
    }

    /// Searches every output of a run: stdout, stderr, each file of its data dir.
    pub fn search_run(&mut self, secrets: &Secrets, run: &Run) {
        self.runs += 1;
        self.search(secrets, &format!("{} stdout", run.what), &run.stdout);
        self.search(secrets, &format!("{} stderr", run.what), &run.stderr);
        for (path, text) in &run.files {
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            self.search(secrets, &format!("{} {name}", run.what), text);
        }
    }

    pub fn merge(&mut self, other: Tally) {
        self.paths.extend(other.paths);
        self.runs += other.runs;
        self.outputs += other.outputs;
        self.leaks.extend(other.leaks);
        self.doubled.extend(other.doubled);
    }
}

// ---------------------------------------------------------------------------------------
// the TUI in a pty

pub struct Pty {
    pub dir: tempfile::TempDir,
    pair: portable_pty::PtyPair,
    pub child: Box<dyn portable_pty::Child + Send + Sync>,
    writer: Box<dyn Write + Send>,
    parser: Arc<Mutex<vt100::Parser>>,
    /// Everything the pty printed, raw.
    pub raw: Arc<Mutex<Vec<u8>>>,
    /// Every screen waited for.
    pub screens: Vec<String>,
}

impl Pty {
    /// `convmark ARGS` at 100x30 with `vars`, its data dir in a temp dir.
    pub fn spawn(vars: &[(String, String)], args: &[&str]) -> Pty {
        use portable_pty::{CommandBuilder, PtySize, native_pty_system};
        let dir = tempfile::tempdir().unwrap();
        let (rows, cols) = (30u16, 100u16);
        let pair = native_pty_system()
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_convmark"));
        cmd.args(args);
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("CONVMARK_") {
                cmd.env_remove(name);
            }
        }
        cmd.env("CONVMARK_CONFIG", dir.path().join("none.toml"));
        for (k, v) in vars {
            if k != "CONVMARK_DATA_DIR" {
                cmd.env(k, v);
            }
        }
        cmd.env("CONVMARK_DATA_DIR", dir.path().join("data"));
        cmd.env("TERM", "xterm-256color");
        let child = pair.slave.spawn_command(cmd).unwrap();
        let mut reader = pair.master.try_clone_reader().unwrap();
        let writer = pair.master.take_writer().unwrap();
        let raw = Arc::new(Mutex::new(Vec::new()));
        let kept = Arc::clone(&raw);
        let parser = Arc::new(Mutex::new(vt100::Parser::new(
            NonZeroU16::new(rows).unwrap(),
            NonZeroU16::new(cols).unwrap(),
            0,
        )));
        let feed = Arc::clone(&parser);
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                feed.lock().unwrap().process(&buf[..n]);
                kept.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        Pty {
            dir,
            pair,
            child,
            writer,
            parser,
            raw,
            screens: Vec::new(),
        }
    }

    pub fn screen(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    /// Waits (up to 30 s) for a screen that satisfies `pred`, keeps it and returns it.
    pub fn wait_for(&mut self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let screen = self.screen();
            if pred(&screen) {
                self.screens.push(screen.clone());
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(30));
        }
    }

    /// Keeps the screen as it is now.
    pub fn keep_screen(&mut self) {
        let s = self.screen();
        self.screens.push(s);
    }

    pub fn keys(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).unwrap();
        self.writer.flush().unwrap();
        if bytes.ends_with(b"\x1b") {
            // a lone Esc: what follows at once would read as Alt-<key>
            std::thread::sleep(Duration::from_millis(150));
        }
    }

    /// Waits (up to 30 s) for the process to end.
    pub fn wait_exit(&mut self) -> portable_pty::ExitStatus {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                // the reader thread may still be copying the last bytes
                std::thread::sleep(Duration::from_millis(100));
                return status;
            }
            assert!(Instant::now() < deadline, "convmark did not exit");
            std::thread::sleep(Duration::from_millis(30));
        }
    }

    pub fn raw_text(&self) -> String {
        String::from_utf8_lossy(&self.raw.lock().unwrap()).into_owned()
    }

    /// Every file of the data dir.
    pub fn files(&self) -> Vec<(PathBuf, String)> {
        files_under(&self.dir.path().join("data"))
    }

    pub fn log(&self) -> Option<String> {
        std::fs::read_to_string(self.dir.path().join("data").join("convmark.log")).ok()
    }

    /// Searches the screens, the raw output and every file of the data dir.
    pub fn search(&self, tally: &mut Tally, secrets: &Secrets, what: &str) {
        tally.runs += 1;
        for (i, s) in self.screens.iter().enumerate() {
            tally.search(secrets, &format!("{what} screen {i}"), s);
        }
        tally.search(secrets, &format!("{what} pty output"), &self.raw_text());
        for (path, text) in self.files() {
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            tally.search(secrets, &format!("{what} {name}"), &text);
        }
    }
}

impl Drop for Pty {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
        }
    }
}
