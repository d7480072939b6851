//! The embedded emulator: a faithful local implementation of the Chat REST endpoints.
//!
//! `store` holds the state and the rules (no HTTP), `lists` the read endpoints and their
//! paging, `groups` the conversation-group rules, `endpoint` the paths and their names,
//! `routes` the HTTP edge (auth, query, faults, rate limit, body), `faults` the injected
//! faults and the rate limiter, `seed` the demo data, `state_file` persistence and the
//! checks of a loaded state, `tls` the self-signed certificate.
//!
//! The emulator depends on `api` and `domain` only; `commands::serve` turns a command line
//! into an [`EmulatorConfig`].

mod endpoint;
mod faults;
mod groups;
mod lists;
mod routes;
pub mod seed;
mod state_file;
pub mod store;
#[cfg(test)]
mod test_support;
mod tls;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinHandle;
use url::Url;

use crate::api::{Auth, ClientConfig};

use routes::Shared;
use store::State;

pub use endpoint::Endpoint;
pub use faults::{DEFAULT_FAULT_DELAY, Fault, FaultTarget, ScriptedFault};
pub use routes::MAX_BODY_BYTES;

/// How long a connection may stay silent (no request, a request head or body that does not
/// arrive) before it is closed, unless `--idle-timeout-ms` says otherwise.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(10);

/// The demo app's SDKAppID, secret key and admin: fixed, so `demo` needs no credentials.
pub const DEMO_SDKAPPID: u64 = 1_400_000_000;
pub const DEMO_SECRET_KEY: &str = "c0nvmark-demo-secret-key-not-for-production-0000000000000000";
pub const DEMO_ADMIN: &str = "administrator";
/// The main demo user, with about 1,000 conversations.
pub const DEMO_USER: &str = "alice";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edition {
    Ultimate,
    Pro,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seed {
    /// Deterministic demo data; the main demo user gets this many conversations.
    Demo { conversations: usize },
    /// An empty app: only the admins exist.
    None,
}

#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    /// Use port 0 for an ephemeral port.
    pub addr: SocketAddr,
    pub allow_remote: bool,
    pub sdkappid: u64,
    pub secret_key: String,
    pub admins: Vec<String>,
    pub seed: Seed,
    pub edition: Edition,
    pub state_file: Option<PathBuf>,
    /// With TLS: where to write the self-signed certificate's PEM.
    pub tls_cert_out: Option<PathBuf>,
    pub tls: bool,
    pub rate_limit: u32,
    /// Share of calls, 0.0..=1.0, that get a fault drawn from `fault_kinds`.
    pub fault_rate: f64,
    pub fault_seed: u64,
    /// What `fault_rate` draws from (default: the five kinds that change nothing).
    pub fault_kinds: Vec<Fault>,
    /// One-shot faults for the first calls that match them, in order, before any draw.
    pub scripted_faults: Vec<ScriptedFault>,
    /// How long `slow` and `applied-timeout` stay silent.
    pub fault_delay: Duration,
    pub latency: Duration,
    /// How long a connection may wait for a request, its head or its body before it is
    /// closed (or, for a body, refused with 60002). Also bounds the TLS handshake.
    pub idle_timeout: Duration,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        EmulatorConfig {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            allow_remote: false,
            sdkappid: DEMO_SDKAPPID,
            secret_key: DEMO_SECRET_KEY.to_owned(),
            admins: vec![DEMO_ADMIN.to_owned()],
            seed: Seed::Demo {
                conversations: 1000,
            },
            edition: Edition::Ultimate,
            state_file: None,
            tls_cert_out: None,
            tls: false,
            rate_limit: crate::domain::RATE_LIMIT_PER_SECOND,
            fault_rate: 0.0,
            fault_seed: 0,
            fault_kinds: Fault::DEFAULT_KINDS.to_vec(),
            scripted_faults: Vec::new(),
            fault_delay: DEFAULT_FAULT_DELAY,
            latency: Duration::ZERO,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    #[error("{0}")]
    Start(String),
}

/// A running emulator. Dropping it does not stop it; call `shutdown`.
pub struct RunningEmulator {
    pub addr: SocketAddr,
    pub base_url: Url,
    /// The self-signed certificate (PEM) when serving TLS.
    pub ca_pem: Option<Vec<u8>>,
    pub config: EmulatorConfig,
    /// The state came from `config.state_file`, not from the seed.
    pub state_loaded: bool,
    shared: Arc<Shared>,
    handle: axum_server::Handle<SocketAddr>,
    server: JoinHandle<std::io::Result<()>>,
    writer: Option<JoinHandle<()>>,
}

/// How long in-flight calls may take to finish at shutdown.
const GRACE: Duration = Duration::from_secs(2);
/// How long the state writer waits after a change, to batch a burst of calls into one write.
const WRITE_DEBOUNCE: Duration = Duration::from_millis(50);

impl RunningEmulator {
    /// A client configuration for this emulator: its app, its first admin, its secret key.
    pub fn client_config(&self) -> ClientConfig {
        let mut c = ClientConfig::new(
            self.config.sdkappid,
            self.config
                .admins
                .first()
                .cloned()
                .unwrap_or_else(|| DEMO_ADMIN.to_owned()),
            self.base_url.clone(),
            Auth::SecretKey(self.config.secret_key.clone()),
        );
        c.ca_pem = self.ca_pem.clone();
        c
    }

    /// Stops serving and writes the state file (if any) completely.
    pub async fn shutdown(self) {
        self.handle.graceful_shutdown(Some(GRACE));
        if let Err(e) = self.server.await.unwrap_or(Ok(())) {
            tracing::error!(error = %e, "emulator server stopped with an error");
        }
        if let Some(writer) = self.writer {
            writer.abort();
            let _ = writer.await;
        }
        if let Some(path) = self.config.state_file.clone() {
            let shared = self.shared.clone();
            let written = tokio::task::spawn_blocking(move || save(&shared, &path)).await;
            match written {
                Ok(Ok(())) => {}
                Ok(Err(e)) => crate::stderr::line(&format!("convmark: {e}")),
                Err(e) => crate::stderr::line(&format!("convmark: the state writer failed: {e}")),
            }
        }
    }

    /// Runs `f` on the emulator's state (for tests and the demo).
    pub fn with_state<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        f(&mut self.shared.lock())
    }

    /// Queues a one-shot fault for the next call to `endpoint` (or to any endpoint with
    /// [`FaultTarget::Any`]) that passes the UserSig and rate-limit checks, after the
    /// scripted faults already queued.
    pub fn inject_fault(&self, endpoint: impl Into<FaultTarget>, fault: Fault) {
        self.shared.faults.push(ScriptedFault {
            target: endpoint.into(),
            fault,
        });
    }

    /// Scripted faults (from the configuration or [`inject_fault`](Self::inject_fault))
    /// that no call has used yet.
    pub fn scripted_faults_left(&self) -> usize {
        self.shared.faults.scripted_left()
    }
}

/// Serializes under the lock, writes outside it. One writer at a time.
fn save(shared: &Shared, path: &std::path::Path) -> Result<(), String> {
    let _one_writer = shared.writing.lock().unwrap_or_else(|e| e.into_inner());
    let bytes = state_file::to_json(&shared.lock())?;
    crate::atomic_file::write(path, &bytes)
        .map_err(|e| format!("cannot write the state file {}: {e}", path.display()))
}

/// The state to start from, and whether it was loaded from the state file.
fn initial_state(config: &EmulatorConfig) -> Result<(State, bool), EmulatorError> {
    if let Some(path) = &config.state_file
        && let Some(mut state) = state_file::load(path).map_err(EmulatorError::Start)?
    {
        // the admins of this run exist whatever the file says
        state.accounts.extend(config.admins.iter().cloned());
        return Ok((state, true));
    }
    let mut state = State::new(&config.admins);
    if let Seed::Demo { conversations } = config.seed {
        seed::demo(&mut state, conversations);
    }
    if let Some(path) = &config.state_file {
        let bytes = state_file::to_json(&state).map_err(EmulatorError::Start)?;
        crate::atomic_file::write(path, &bytes).map_err(|e| {
            EmulatorError::Start(format!(
                "cannot write the state file {}: {e}",
                path.display()
            ))
        })?;
    }
    Ok((state, false))
}

/// The largest request head (request line and headers) hyper reads; past it, 431.
pub const MAX_HEAD_BYTES: usize = 64 * 1024;

/// Closes connections that stay silent: `idle` bounds the wait for the first request (which
/// also covers hyper's protocol detection, untimed by itself), for every request head after
/// it (hyper starts that timer as soon as a keep-alive connection is idle, so it is the
/// idle keep-alive timeout too), and, with HTTP/2, for a ping's answer. The body's timeout is
/// in the handler (`routes::read_body`). A failed accept (EMFILE when the file limit is
/// reached) is retried after 50 ms by axum-server, never in a busy loop; it is logged (with
/// `tracing`, never on the terminal, which the TUI may own) at most once per second.
fn with_timeouts<A>(
    mut server: axum_server::Server<SocketAddr, A>,
    idle: Duration,
) -> axum_server::Server<SocketAddr, A> {
    let builder = server.http_builder();
    // A request head (request line and headers) of more than 64 KiB is refused by hyper
    // with 431; a real one (a URL with a UserSig, a few headers) is under 1 KiB.
    builder
        .http1()
        .header_read_timeout(idle)
        .max_buf_size(MAX_HEAD_BYTES);
    builder
        .http2()
        .keep_alive_interval(idle)
        .keep_alive_timeout(idle);
    let last_report = std::sync::Mutex::new(None::<std::time::Instant>);
    server
        .first_request_timeout(idle)
        .accept_error_handler(move |remote, e| {
            // errors of one connection (a failed TLS handshake) are the client's business
            if remote.is_some() {
                return;
            }
            let mut last = last_report.lock().unwrap_or_else(|e| e.into_inner());
            if last.is_none_or(|t| t.elapsed() >= Duration::from_secs(1)) {
                *last = Some(std::time::Instant::now());
                tracing::warn!(error = %e, "the emulator cannot accept a connection; retrying");
            }
        })
}

/// Starts the emulator on a tokio runtime that must already be running.
pub async fn spawn(config: EmulatorConfig) -> Result<RunningEmulator, EmulatorError> {
    if !config.allow_remote && !config.addr.ip().is_loopback() {
        return Err(EmulatorError::Start(format!(
            "{} is not a loopback address; the emulator listens on 127.0.0.1 or ::1 unless --allow-remote is given",
            config.addr
        )));
    }
    if config.admins.is_empty() {
        return Err(EmulatorError::Start("give at least one --admin".into()));
    }
    for admin in &config.admins {
        crate::domain::validate_id(admin)
            .map_err(|e| EmulatorError::Start(format!("--admin {admin:?}: {e}")))?;
    }
    if config.idle_timeout.is_zero() {
        return Err(EmulatorError::Start(
            "the idle timeout must be above 0 ms".into(),
        ));
    }
    if config.fault_rate > 0.0 && config.fault_kinds.is_empty() {
        return Err(EmulatorError::Start(
            "a fault rate needs at least one fault kind to draw from".into(),
        ));
    }
    let (state, state_loaded) = initial_state(&config)?;
    let listener = std::net::TcpListener::bind(config.addr)
        .map_err(|e| EmulatorError::Start(format!("cannot listen on {}: {e}", config.addr)))?;
    let addr = listener
        .local_addr()
        .map_err(|e| EmulatorError::Start(format!("cannot read the bound address: {e}")))?;
    let start_error =
        |e: std::io::Error| EmulatorError::Start(format!("cannot serve on {addr}: {e}"));

    let shared = Arc::new(Shared {
        state: std::sync::Mutex::new(state),
        faults: faults::Faults::new(
            config.fault_rate,
            config.fault_seed,
            &config.fault_kinds,
            &config.scripted_faults,
        ),
        limiter: faults::RateLimiter::new(config.rate_limit),
        dirty: tokio::sync::Notify::new(),
        writing: std::sync::Mutex::new(()),
        config: config.clone(),
    });
    let app = routes::router(shared.clone()).into_make_service();
    let handle = axum_server::Handle::new();
    let idle = config.idle_timeout;
    let (server, scheme, ca_pem) = if config.tls {
        let cert = tls::self_signed().map_err(EmulatorError::Start)?;
        if let Some(path) = &config.tls_cert_out {
            std::fs::write(path, &cert.cert_pem).map_err(|e| {
                EmulatorError::Start(format!(
                    "cannot write the certificate to {}: {e}",
                    path.display()
                ))
            })?;
        }
        let rustls = axum_server::tls_rustls::RustlsConfig::from_config(cert.config);
        let mut server = axum_server::tls_rustls::from_tcp_rustls(listener, rustls)
            .map_err(start_error)?
            .map(|acceptor| acceptor.handshake_timeout(idle))
            .handle(handle.clone());
        server = with_timeouts(server, idle);
        (
            tokio::spawn(server.serve(app)),
            "https",
            Some(cert.cert_pem.into_bytes()),
        )
    } else {
        let server = axum_server::from_tcp(listener)
            .map_err(start_error)?
            .handle(handle.clone());
        let server = with_timeouts(server, idle);
        (tokio::spawn(server.serve(app)), "http", None)
    };
    let base_url = Url::parse(&format!("{scheme}://{addr}/"))
        .map_err(|e| EmulatorError::Start(format!("cannot form the base URL: {e}")))?;
    let writer = config.state_file.clone().map(|path| {
        let shared = shared.clone();
        tokio::spawn(async move {
            loop {
                shared.dirty.notified().await;
                tokio::time::sleep(WRITE_DEBOUNCE).await;
                let (shared, path) = (shared.clone(), path.clone());
                match tokio::task::spawn_blocking(move || save(&shared, &path)).await {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => crate::stderr::line(&format!("convmark: {e}")),
                    Err(e) => {
                        crate::stderr::line(&format!("convmark: the state writer failed: {e}"))
                    }
                }
            }
        })
    });
    Ok(RunningEmulator {
        addr,
        base_url,
        ca_pem,
        config,
        state_loaded,
        shared,
        handle,
        server,
        writer,
    })
}

/// What `serve` prints at start: where it listens and the variables that point the CLI and
/// the TUI at it.
pub fn banner(emulator: &RunningEmulator) -> String {
    let c = &emulator.config;
    let admin = c.admins.first().map(String::as_str).unwrap_or(DEMO_ADMIN);
    let accounts = emulator.shared.lock().accounts.len();
    let seed = match (&c.state_file, &c.seed) {
        (Some(path), _) if emulator.state_loaded => {
            format!("state loaded from {} ({accounts} accounts)", path.display())
        }
        (_, &Seed::Demo { conversations }) => {
            format!("demo data ({DEMO_USER} has {conversations} conversations)")
        }
        (_, &Seed::None) => "no data (only the admins exist)".to_owned(),
    };
    let edition = match c.edition {
        Edition::Ultimate => "ultimate",
        Edition::Pro => "pro",
    };
    let mut out = format!(
        "# convmark emulator listening on {} (SDKAppID {}, edition {edition}, {seed})\n",
        emulator.base_url, c.sdkappid
    );
    if let Some(path) = &c.state_file {
        out.push_str(&format!("# state file: {}\n", path.display()));
    }
    out.push_str("# Ctrl-C or SIGTERM stops it. Point convmark at it with:\n");
    out.push_str(&format!("export CONVMARK_BASE_URL={}\n", emulator.base_url));
    out.push_str(&format!("export CONVMARK_SDKAPPID={}\n", c.sdkappid));
    out.push_str(&format!("export CONVMARK_IDENTIFIER={admin}\n"));
    out.push_str(&format!("export CONVMARK_SECRET_KEY={}\n", c.secret_key));
    if let Some(path) = c.tls_cert_out.as_ref().filter(|_| c.tls) {
        out.push_str(&format!("export CONVMARK_CA_CERT={}\n", path.display()));
    }
    out
}
