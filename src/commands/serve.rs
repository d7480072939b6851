//! `convmark serve`: the emulator alone, from its command line, until Ctrl-C or SIGTERM.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use crate::cli::{EditionArg, SeedArg, ServeArgs};
use crate::emulator::{self, DEMO_ADMIN, DEMO_SECRET_KEY, Edition, EmulatorConfig, Seed};

impl From<EditionArg> for Edition {
    fn from(arg: EditionArg) -> Self {
        match arg {
            EditionArg::Ultimate => Edition::Ultimate,
            EditionArg::Pro => Edition::Pro,
        }
    }
}

/// The emulator configuration a `convmark serve` command line asks for.
pub fn config_from_args(args: &ServeArgs) -> Result<EmulatorConfig, String> {
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
    if args.idle_timeout_ms == 0 {
        return Err("--idle-timeout-ms 0: give at least 1 ms".to_owned());
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
            SeedArg::Demo => Seed::Demo {
                conversations: args.conversations,
            },
            SeedArg::None => Seed::None,
        },
        edition: args.edition.into(),
        state_file: args.state.clone(),
        tls_cert_out: args.cert.clone(),
        tls: args.tls,
        rate_limit: args.rate_limit,
        fault_rate: args.fault_rate,
        fault_seed: args.fault_seed,
        fault_kinds: args.fault_kinds.clone(),
        scripted_faults: args.fault_next.clone(),
        fault_delay: Duration::from_millis(args.fault_delay_ms),
        latency: Duration::from_millis(args.latency_ms),
        idle_timeout: Duration::from_millis(args.idle_timeout_ms),
    })
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
pub fn run(args: ServeArgs) -> Result<ExitCode, String> {
    use std::io::Write;
    let config = config_from_args(&args)?;
    let runtime = tokio::runtime::Runtime::new()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    runtime.block_on(async {
        let mut signals = StopSignals::listen()?;
        let emulator = emulator::spawn(config).await.map_err(|e| e.to_string())?;
        let mut stdout = std::io::stdout();
        let _ = stdout.write_all(emulator::banner(&emulator).as_bytes());
        let _ = stdout.flush();
        signals.wait().await;
        super::output::note("stopping the emulator");
        let state_file = emulator.config.state_file.clone();
        emulator.shutdown().await;
        if let Some(path) = state_file {
            super::output::note(&format!("state written to {}", path.display()));
        }
        Ok(ExitCode::SUCCESS)
    })
}
