//! Shared by the `cli_*` tests: the real emulator on a loopback port behind a small
//! recording proxy (so a test can see exactly which calls the binary made, and that none
//! were made for bad input), and the real `convmark` binary run as a process.

#![allow(clippy::unwrap_used, dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::IntoResponse;
use convmark::api::{Client, ClientConfig};
use convmark::emulator::{EmulatorConfig, RunningEmulator};

/// One request the binary sent: the path (no query) and the JSON body.
#[derive(Debug, Clone)]
pub struct Call {
    pub path: String,
    pub body: serde_json::Value,
}

#[derive(Clone)]
struct ProxyState {
    calls: Arc<Mutex<Vec<Call>>>,
    upstream: Option<String>,
    http: reqwest::Client,
}

async fn forward(State(state): State<ProxyState>, uri: Uri, body: Bytes) -> impl IntoResponse {
    let body_json = serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null);
    state.calls.lock().unwrap().push(Call {
        path: uri.path().trim_start_matches('/').to_owned(),
        body: body_json,
    });
    let Some(upstream) = &state.upstream else {
        return (StatusCode::BAD_GATEWAY, Vec::new());
    };
    let url = format!(
        "{}{}",
        upstream.trim_end_matches('/'),
        uri.path_and_query().map(|p| p.as_str()).unwrap_or("/")
    );
    match state.http.post(url).body(body).send().await {
        Ok(resp) => {
            let status = StatusCode::from_u16(resp.status().as_u16()).unwrap();
            (status, resp.bytes().await.unwrap_or_default().to_vec())
        }
        Err(_) => (StatusCode::BAD_GATEWAY, Vec::new()),
    }
}

/// The test world: a runtime, maybe an emulator, the recording proxy, a temp dir.
pub struct World {
    pub rt: tokio::runtime::Runtime,
    pub emulator: Option<RunningEmulator>,
    pub proxy_url: String,
    calls: Arc<Mutex<Vec<Call>>>,
    pub dir: tempfile::TempDir,
}

impl World {
    /// The emulator with this configuration, behind the proxy.
    pub fn with_emulator(config: EmulatorConfig) -> World {
        let rt = runtime();
        let emulator = rt
            .block_on(convmark::emulator::spawn(config))
            .expect("the emulator starts");
        let upstream = emulator.base_url.to_string();
        World::build(rt, Some(emulator), Some(upstream))
    }

    /// The default emulator: demo data, Ultimate edition.
    pub fn demo() -> World {
        World::with_emulator(EmulatorConfig::default())
    }

    /// Only the proxy, answering 502 to everything: for inputs that must send nothing.
    pub fn without_server() -> World {
        World::build(runtime(), None, None)
    }

    fn build(
        rt: tokio::runtime::Runtime,
        emulator: Option<RunningEmulator>,
        upstream: Option<String>,
    ) -> World {
        let calls = Arc::new(Mutex::new(Vec::new()));
        let state = ProxyState {
            calls: calls.clone(),
            upstream,
            http: reqwest::Client::builder().no_proxy().build().unwrap(),
        };
        let proxy_url = rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let app = axum::Router::new().fallback(forward).with_state(state);
            tokio::spawn(async move { axum::serve(listener, app).await });
            format!("http://{addr}/")
        });
        World {
            rt,
            emulator,
            proxy_url,
            calls,
            dir: tempfile::tempdir().unwrap(),
        }
    }

    /// The binary with the connection in `CONVMARK_*` variables (pointing at the proxy) and
    /// no config file.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = bare_command(&self.dir.path().join("absent-config.toml"));
        cmd.envs(self.env()).args(args);
        cmd
    }

    /// The `CONVMARK_*` variables that point the binary at the proxy.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        let (app, key, admin) = match &self.emulator {
            Some(e) => (
                e.config.sdkappid,
                e.config.secret_key.clone(),
                e.config.admins[0].clone(),
            ),
            None => (
                convmark::emulator::DEMO_SDKAPPID,
                convmark::emulator::DEMO_SECRET_KEY.to_owned(),
                convmark::emulator::DEMO_ADMIN.to_owned(),
            ),
        };
        vec![
            ("CONVMARK_BASE_URL", self.proxy_url.clone()),
            ("CONVMARK_SDKAPPID", app.to_string()),
            ("CONVMARK_IDENTIFIER", admin),
            ("CONVMARK_SECRET_KEY", key),
            ("CONVMARK_DATA_DIR", self.dir.path().display().to_string()),
            (
                "CONVMARK_CONFIG",
                self.dir
                    .path()
                    .join("absent-config.toml")
                    .display()
                    .to_string(),
            ),
        ]
    }

    pub fn run(&self, args: &[&str]) -> Run {
        Run::from(self.command(args).output().unwrap())
    }

    /// Runs with `--json` appended and parses stdout.
    pub fn run_json(&self, args: &[&str]) -> (Run, serde_json::Value) {
        let mut all = args.to_vec();
        all.push("--json");
        let run = self.run(&all);
        let value = serde_json::from_str(&run.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{run}"));
        (run, value)
    }

    /// Writes a file in the temp dir.
    pub fn file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    /// Every call recorded so far, and forget them.
    pub fn take_calls(&self) -> Vec<Call> {
        std::mem::take(&mut *self.calls.lock().unwrap())
    }

    /// A client straight to the emulator (not through the proxy), to check its state.
    pub fn client(&self) -> Client {
        let config: ClientConfig = self.emulator.as_ref().unwrap().client_config();
        Client::new(config).unwrap()
    }
}

impl Drop for World {
    fn drop(&mut self) {
        if let Some(e) = self.emulator.take() {
            self.rt.block_on(e.shutdown());
        }
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// The binary with every `CONVMARK_*` variable removed and the config file at `config`.
pub fn bare_command(config: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_convmark"));
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("CONVMARK_") {
            cmd.env_remove(name);
        }
    }
    cmd.env("CONVMARK_CONFIG", config);
    cmd
}

/// A finished run of the binary.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(o: Output) -> Self {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// The conversation entry of `get --json` output, by conversation ID.
pub fn conversation<'a>(get: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    get["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["conversation"] == id)
        .unwrap_or_else(|| panic!("{id} is not in the get output"))
}

/// The bits of a `standard_mark` JSON object.
pub fn bits(mark: &serde_json::Value) -> Vec<u64> {
    mark["bits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b.as_u64().unwrap())
        .collect()
}
