//! What every client command does first: read the config, resolve the connection, build the
//! client and a runtime. Errors here are bad input (exit 2), so they are plain strings.

use crate::api::Client;
use crate::commands::output::warning;
use crate::config::{ConnArgs, config_path, load_file, permission_warning, resolve};

/// The client for the connection given by flags, `CONVMARK_*` variables and the config
/// file. A config file readable by others that holds a secret is warned about on stderr
/// (`convmark: warning: ...`).
pub fn client(conn: &ConnArgs) -> Result<Client, String> {
    let path = config_path();
    let file = load_file(&path).map_err(|e| e.to_string())?;
    if let Some(text) = permission_warning(&path, &file) {
        warning(&text);
    }
    let connection = resolve(conn, &file, &path).map_err(|e| e.to_string())?;
    let client = Client::new(connection.client).map_err(|e| e.describe())?;
    // a retry is said on stderr, so a slow command tells why it is slow
    Ok(
        client.with_observer(std::sync::Arc::new(|n: &crate::api::RetryNotice| {
            let endpoint = n.path.rsplit('/').next().unwrap_or(n.path);
            super::output::note(&format!(
                "retrying {endpoint} (attempt {} of {}) in {:.1} s: {}",
                n.attempt,
                n.max_attempts,
                n.delay.as_secs_f64(),
                n.reason
            ));
        })),
    )
}

/// A runtime for one command or the TUI: the work is small, so two worker threads suffice.
pub fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))
}

/// Checks the `--user` argument: [`crate::domain::parse_user`].
pub fn user_id(text: &str) -> Result<String, String> {
    crate::domain::parse_user(text).map_err(|e| format!("--user: {e}"))
}
