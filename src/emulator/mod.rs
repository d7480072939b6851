//! The embedded emulator: a faithful local implementation of the Chat REST endpoints.
//!
//! `store` holds the state and the rules (no HTTP), `lists` the read endpoints and their
//! paging, `groups` the conversation-group rules,
//! `routes` the HTTP edge (auth, query, faults, rate limit), `seed` the demo data,
//! `state_file` persistence, `tls` the self-signed certificate.

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

impl From<crate::cli::EditionArg> for Edition {
    fn from(arg: crate::cli::EditionArg) -> Self {
        match arg {
            crate::cli::EditionArg::Ultimate => Edition::Ultimate,
            crate::cli::EditionArg::Pro => Edition::Pro,
        }
    }
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
    pub fault_rate: f64,
    pub fault_seed: u64,
    pub latency: Duration,
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
            latency: Duration::ZERO,
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
                Ok(Err(e)) => eprintln!("convmark: {e}"),
                Err(e) => eprintln!("convmark: the state writer failed: {e}"),
            }
        }
    }

    /// Runs `f` on the emulator's state (for tests and the demo).
    pub fn with_state<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        f(&mut self.shared.lock())
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
        faults: faults::Faults::new(config.fault_rate, config.fault_seed),
        limiter: faults::RateLimiter::new(config.rate_limit),
        dirty: tokio::sync::Notify::new(),
        writing: std::sync::Mutex::new(()),
        config: config.clone(),
    });
    let app = routes::router(shared.clone()).into_make_service();
    let handle = axum_server::Handle::new();
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
        let server = axum_server::tls_rustls::from_tcp_rustls(listener, rustls)
            .map_err(start_error)?
            .handle(handle.clone());
        (
            tokio::spawn(server.serve(app)),
            "https",
            Some(cert.cert_pem.into_bytes()),
        )
    } else {
        let server = axum_server::from_tcp(listener)
            .map_err(start_error)?
            .handle(handle.clone());
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
                    Ok(Err(e)) => eprintln!("convmark: {e}"),
                    Err(e) => eprintln!("convmark: the state writer failed: {e}"),
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

/// The emulator configuration a `convmark serve` command line asks for.
pub fn config_from_args(args: &crate::cli::ServeArgs) -> Result<EmulatorConfig, String> {
    let addr: SocketAddr = args
        .addr
        .parse()
        .map_err(|e| format!("--addr {:?} is not an IP:PORT address: {e}", args.addr))?;
    if !(0.0..=1.0).contains(&args.fault_rate) {
        return Err(format!(
            "--fault-rate {} is not a share between 0.0 and 1.0",
            args.fault_rate
        ));
    }
    Ok(EmulatorConfig {
        addr,
        allow_remote: args.allow_remote,
        sdkappid: args.sdkappid,
        secret_key: args
            .secret_key
            .clone()
            .unwrap_or_else(|| DEMO_SECRET_KEY.to_owned()),
        admins: if args.admins.is_empty() {
            vec![DEMO_ADMIN.to_owned()]
        } else {
            args.admins.clone()
        },
        seed: match args.seed {
            crate::cli::SeedArg::Demo => Seed::Demo {
                conversations: args.conversations,
            },
            crate::cli::SeedArg::None => Seed::None,
        },
        edition: args.edition.into(),
        state_file: args.state.clone(),
        tls_cert_out: args.cert.clone(),
        tls: args.tls,
        rate_limit: args.rate_limit,
        fault_rate: args.fault_rate,
        fault_seed: args.fault_seed,
        latency: Duration::from_millis(args.latency_ms),
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

/// Ctrl-C and SIGTERM, listened for from the moment this is made (before the banner is
/// printed, so a supervisor that signals right after reading it is heard).
struct StopSignals {
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
    #[cfg(unix)]
    int: tokio::signal::unix::Signal,
}

impl StopSignals {
    fn listen() -> Result<Self, String> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let fail = |e: std::io::Error| format!("cannot listen for signals: {e}");
            Ok(StopSignals {
                term: signal(SignalKind::terminate()).map_err(fail)?,
                int: signal(SignalKind::interrupt()).map_err(fail)?,
            })
        }
        #[cfg(not(unix))]
        {
            Ok(StopSignals {})
        }
    }

    async fn wait(&mut self) {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.term.recv() => {}
                _ = self.int.recv() => {}
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

/// `convmark serve`: runs until Ctrl-C or SIGTERM.
pub fn run_serve(args: crate::cli::ServeArgs) -> Result<std::process::ExitCode, String> {
    use std::io::Write;
    let config = config_from_args(&args)?;
    let runtime = tokio::runtime::Runtime::new()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    runtime.block_on(async {
        let mut signals = StopSignals::listen()?;
        let emulator = spawn(config).await.map_err(|e| e.to_string())?;
        let mut stdout = std::io::stdout();
        let _ = stdout.write_all(banner(&emulator).as_bytes());
        let _ = stdout.flush();
        signals.wait().await;
        eprintln!("convmark: stopping the emulator");
        let state_file = emulator.config.state_file.clone();
        emulator.shutdown().await;
        if let Some(path) = state_file {
            eprintln!("convmark: state written to {}", path.display());
        }
        Ok(std::process::ExitCode::SUCCESS)
    })
}
