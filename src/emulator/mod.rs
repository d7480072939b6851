//! The embedded emulator: a faithful local implementation of the Chat REST endpoints.
//! (Interface fixed here; the implementation is being written.)

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use url::Url;

use crate::api::{Auth, ClientConfig};

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
}

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
    pub async fn shutdown(self) {}
}

/// Starts the emulator on a tokio runtime that must already be running.
pub async fn spawn(_config: EmulatorConfig) -> Result<RunningEmulator, EmulatorError> {
    Err(EmulatorError::Start("the emulator is being written".into()))
}

/// `convmark serve`: runs until Ctrl-C or SIGTERM.
pub fn run_serve(_args: crate::cli::ServeArgs) -> Result<std::process::ExitCode, String> {
    Err("serve is being written".into())
}
