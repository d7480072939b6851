//! Entry points of the TUI: `convmark [tui]` and `convmark demo`.

use std::collections::BTreeMap;
use std::io;
use std::process::ExitCode;

use crossterm::event::{Event, EventStream, KeyCode, KeyEvent, KeyModifiers};
use futures::{Stream, StreamExt};

use crate::api::{Client, ClientConfig, paths};
use crate::app::update::open_user;
use crate::app::{App, KeyMap, Overlay, PromptKind, Session};
use crate::cli::{DemoArgs, TuiArgs};
use crate::config::{self, ConfigFile};
use crate::emulator::{self, EmulatorConfig, Seed};

/// Labels shown in the demo when the config names none, so the grid shows what they do.
const DEMO_LABELS: [(u8, &str); 3] = [(32, "VIP"), (33, "support"), (34, "escalated")];

pub fn run(args: TuiArgs) -> Result<ExitCode, String> {
    let path = config::config_path();
    let file = config::load_file(&path).map_err(|e| e.to_string())?;
    if let Some(warning) = config::permission_warning(&path, &file) {
        eprintln!("convmark: warning: {warning}");
    }
    // Errors (missing credentials included) are printed as they are, before the terminal
    // is touched.
    let conn = config::resolve(&args.conn, &file, &path).map_err(|e| e.to_string())?;
    let keys = KeyMap::with_patch(&file.keys)?;
    let session = session(
        conn.client.sdkappid,
        conn.endpoint_label.clone(),
        false,
        args.read_only,
    );
    let labels = config::labels(&file);
    let mouse = args.mouse || file.mouse;
    let rt = crate::commands::connect::runtime()?;
    rt.block_on(launch(session, conn.client, keys, labels, args.user, mouse))
}

pub fn run_demo(args: DemoArgs) -> Result<ExitCode, String> {
    let path = config::config_path();
    // The demo needs no config; a broken one only loses its labels and keys.
    let file = config::load_file(&path).unwrap_or_else(|e| {
        eprintln!("convmark: warning: {e}; using defaults");
        ConfigFile::default()
    });
    let keys = KeyMap::with_patch(&file.keys)?;
    let mut labels = config::labels(&file);
    if labels.is_empty() {
        labels = DEMO_LABELS
            .iter()
            .map(|(i, l)| (*i, (*l).to_owned()))
            .collect();
    }
    let mouse = args.mouse || file.mouse;
    let rt = crate::commands::connect::runtime()?;
    rt.block_on(async move {
        let running = emulator::spawn(EmulatorConfig {
            seed: Seed::Demo {
                conversations: args.conversations,
            },
            edition: args.edition.into(),
            ..Default::default()
        })
        .await
        .map_err(|e| format!("cannot start the demo emulator: {e}"))?;
        let client = running.client_config();
        let mut session = session(
            client.sdkappid,
            running.base_url.to_string(),
            true,
            args.read_only,
        );
        session.edition = Some(
            match args.edition {
                crate::cli::EditionArg::Ultimate => "ultimate",
                crate::cli::EditionArg::Pro => "pro",
            }
            .to_owned(),
        );
        let user = Some(args.user.unwrap_or_else(|| emulator::DEMO_USER.to_owned()));
        let result = launch(session, client, keys, labels, user, mouse).await;
        running.shutdown().await;
        result
    })
}

fn session(sdkappid: u64, endpoint: String, demo: bool, read_only: bool) -> Session {
    Session {
        sdkappid,
        endpoint,
        demo,
        read_only,
        config_path: config::config_path().display().to_string(),
        log_path: log_path().display().to_string(),
        mark_contact_url: String::new(),
        // The demo's journal and audit log stay apart from a real app's, even one with the
        // demo's SDKAppID.
        data_dir: Some(if demo {
            config::data_dir().join("demo")
        } else {
            config::data_dir()
        }),
        ..Default::default()
    }
}

fn log_path() -> std::path::PathBuf {
    config::data_dir().join("convmark.log")
}

/// Logs go to a file in the data dir, never to the screen.
fn init_logging() -> Option<tracing_appender::non_blocking::WorkerGuard> {
    let dir = config::data_dir();
    std::fs::create_dir_all(&dir).ok()?;
    let appender = tracing_appender::rolling::never(&dir, "convmark.log");
    let (writer, guard) = tracing_appender::non_blocking(appender);
    tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .try_init()
        .ok()?;
    Some(guard)
}

/// Builds the app for a session: opens `user` at once, or asks for one.
pub fn build_app(
    mut session: Session,
    client: &Client,
    keys: KeyMap,
    labels: BTreeMap<u8, String>,
    user: Option<String>,
) -> (App, Vec<crate::app::Cmd>) {
    session.mark_contact_url = client.redacted_url(paths::MARK_CONTACT);
    let mut app = App::new(session, keys, labels);
    let cmds = match user {
        Some(user) => open_user(&mut app, user),
        None => {
            app.mode = crate::app::Mode::Overlay(Overlay::Prompt {
                kind: PromptKind::User,
                input: Default::default(),
            });
            Vec::new()
        }
    };
    (app, cmds)
}

async fn launch(
    session: Session,
    client_config: ClientConfig,
    keys: KeyMap,
    labels: BTreeMap<u8, String>,
    user: Option<String>,
    mouse: bool,
) -> Result<ExitCode, String> {
    let _log = init_logging();
    let client = Client::new(client_config).map_err(|e| e.describe())?;
    let (app, cmds) = build_app(session, &client, keys, labels, user);
    let mut guard = crate::terminal::TerminalGuard::enter(mouse)
        .map_err(|e| format!("cannot set up the terminal: {e}"))?;
    let events = futures::stream::select(EventStream::new(), signals());
    let result = crate::runtime::run(
        &mut guard.terminal,
        events,
        app,
        client,
        cmds,
        io::stdout(),
        |_, _| {},
    )
    .await;
    drop(guard);
    let app = result.map_err(|e| e.to_string())?;
    let staged = app.staged_count();
    if staged > 0 {
        eprintln!("convmark: quit with {staged} conversation(s) still staged (not sent)");
        if let (true, Some(dir), Some(user)) =
            (app.journal_active, &app.session.data_dir, &app.user)
        {
            eprintln!(
                "convmark: they are kept in {}; opening {user} again offers them back",
                crate::journal::path(dir, app.session.sdkappid, user).display()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// SIGTERM and SIGHUP arrive as Ctrl-C, which force-quits and restores the terminal.
fn signals() -> impl Stream<Item = io::Result<Event>> + Unpin {
    let ctrl_c = || {
        Ok(Event::Key(KeyEvent::new(
            KeyCode::Char('c'),
            KeyModifiers::CONTROL,
        )))
    };
    futures::stream::unfold((), move |()| async move {
        wait_for_signal().await;
        Some((ctrl_c(), ()))
    })
    .boxed()
}

#[cfg(unix)]
async fn wait_for_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    match (
        signal(SignalKind::terminate()),
        signal(SignalKind::hangup()),
    ) {
        (Ok(mut term), Ok(mut hup)) => {
            tokio::select! {
                _ = term.recv() => {}
                _ = hup.recv() => {}
            }
        }
        _ => std::future::pending::<()>().await,
    }
}

#[cfg(not(unix))]
async fn wait_for_signal() {
    std::future::pending::<()>().await
}
