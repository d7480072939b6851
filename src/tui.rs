//! Entry points of the TUI: `convmark [tui]` and `convmark demo`.

use std::collections::BTreeMap;
use std::io;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use crossterm::event::{Event, EventStream, KeyCode, KeyEvent, KeyModifiers};
use futures::{Stream, StreamExt};

use crate::api::{Client, ClientConfig, paths};
use crate::app::update::open_user;
use crate::app::{App, KeyMap, Overlay, PromptKind, Session};
use crate::cli::{DemoArgs, TuiArgs};
use crate::commands::output::{note, warning};
use crate::config::{self, ConfigFile};
use crate::emulator::{self, EmulatorConfig, Seed};

/// Labels shown in the demo when the config names none, so the grid shows what they do.
const DEMO_LABELS: [(u8, &str); 3] = [(32, "VIP"), (33, "support"), (34, "escalated")];

pub fn run(args: TuiArgs) -> Result<ExitCode, String> {
    let path = config::config_path();
    let file = config::load_file(&path).map_err(|e| e.to_string())?;
    let mut warnings = Vec::new();
    if let Some(text) = config::permission_warning(&path, &file) {
        // on stderr too: it is there again in the shell's screen after quit
        warning(&text);
        warnings.push(text);
    }
    // Errors (missing credentials included) are printed as they are, before the terminal
    // is touched.
    let conn = config::resolve(&args.conn, &file, &path).map_err(|e| e.to_string())?;
    let user = args
        .user
        .as_deref()
        .map(crate::commands::connect::user_id)
        .transpose()?;
    let keys = config::keymap(&file, &path).map_err(|e| e.to_string())?;
    let theme = config::theme(&file, &path, args.theme).map_err(|e| e.to_string())?;
    let mut session = session(
        conn.client.sdkappid,
        conn.endpoint_label.clone(),
        false,
        args.read_only,
    );
    session.warnings = warnings;
    let labels = config::labels(&file);
    let mouse = args.mouse || file.mouse;
    let rt = crate::commands::connect::runtime()?;
    crate::ui::theme::install(theme);
    rt.block_on(launch(session, conn.client, keys, labels, user, mouse))
}

pub fn run_demo(args: DemoArgs) -> Result<ExitCode, String> {
    let user =
        crate::commands::connect::user_id(args.user.as_deref().unwrap_or(emulator::DEMO_USER))?;
    let path = config::config_path();
    // The demo needs no config; a broken one only loses its labels, keys and theme, with
    // a warning (on stderr, and in the TUI once the demo user has loaded).
    let mut warnings = Vec::new();
    let mut warn = |text: String| {
        warning(&text);
        warnings.push(text);
    };
    let file = config::load_file(&path).unwrap_or_else(|e| {
        warn(format!("{e}; the demo uses the defaults"));
        ConfigFile::default()
    });
    let keys = config::keymap(&file, &path).unwrap_or_else(|e| {
        warn(format!("{e}; the demo uses the default keys"));
        KeyMap::default()
    });
    let theme = config::theme(&file, &path, args.theme).unwrap_or_else(|e| {
        warn(format!("{e}; the demo uses the default theme"));
        args.theme.unwrap_or_default().theme()
    });
    let mut labels = config::labels(&file);
    if labels.is_empty() {
        labels = DEMO_LABELS
            .iter()
            .map(|(i, l)| (*i, (*l).to_owned()))
            .collect();
    }
    let mouse = args.mouse || file.mouse;
    let rt = crate::commands::connect::runtime()?;
    crate::ui::theme::install(theme);
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
        session.warnings = warnings;
        session.edition = Some(
            match args.edition {
                crate::cli::EditionArg::Ultimate => "ultimate",
                crate::cli::EditionArg::Pro => "pro",
            }
            .to_owned(),
        );
        let result = launch(session, client, keys, labels, Some(user), mouse).await;
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
    config::log_path(&config::data_dir())
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
    use std::io::IsTerminal;
    if !(std::io::stdin().is_terminal() && std::io::stdout().is_terminal()) {
        return Err(
            "the TUI needs a terminal (stdin and stdout are not one); in scripts, use \
            `convmark get`, `mark`, `groups`, `export`, `diff` or `apply`"
                .into(),
        );
    }
    let _log = init_logging();
    let client = Client::new(client_config).map_err(|e| e.describe())?;
    let (app, cmds) = build_app(session, &client, keys, labels, user);
    // The handlers are in place before raw mode: a signal from now on is delivered to the
    // loop (which restores the terminal), never the default action on a raw terminal.
    let (signal_events, received) =
        signals().map_err(|e| format!("cannot install the signal handlers: {e}"))?;
    let mut guard = crate::terminal::TerminalGuard::enter(mouse)
        .map_err(|e| format!("cannot set up the terminal: {e}"))?;
    let events = futures::stream::select(EventStream::new(), signal_events);
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
        note(&format!(
            "quit with {staged} conversation(s) still staged (not sent)"
        ));
        if let (true, Some(dir), Some(user)) =
            (app.journal_active, &app.session.data_dir, &app.user)
        {
            note(&format!(
                "they are kept in {}; opening {user} again offers them back",
                crate::journal::path(dir, app.session.sdkappid, user).display()
            ));
        }
    }
    Ok(exit_code(&app, received.load(Ordering::SeqCst)))
}

/// 0, or 128 + the signal's number when a signal ended the TUI with edits left unsent
/// (staged, or a commit or group change in flight: it may not have reached the server), as
/// a shell reports a process killed by that signal. A load in flight is not an edit.
pub fn exit_code(app: &App, signal: u8) -> ExitCode {
    let unsent =
        app.staged_count() > 0 || app.requests.committing().is_some() || app.requests.group_busy();
    if signal != 0 && unsent {
        ExitCode::from(128 + signal)
    } else {
        ExitCode::SUCCESS
    }
}

/// The signals that end the TUI: SIGINT, SIGQUIT, SIGHUP, SIGTERM (numbered alike on every
/// Unix).
#[cfg(unix)]
const SIGNALS: [u8; 4] = [2, 3, 1, 15];

/// SIGINT, SIGQUIT, SIGHUP and SIGTERM (from another process: in raw mode the keys send
/// none) arrive as Ctrl-C, which force-quits and restores the terminal; the number of the
/// signal that arrived is stored beside it, for the exit code. The handlers are installed
/// here, at once, not when the stream is first polled.
#[cfg(unix)]
fn signals() -> io::Result<(impl Stream<Item = io::Result<Event>> + Unpin, Arc<AtomicU8>)> {
    use tokio::signal::unix::{SignalKind, signal};
    let received = Arc::new(AtomicU8::new(0));
    let mut streams = Vec::new();
    for number in SIGNALS {
        let listener = signal(SignalKind::from_raw(i32::from(number)))?;
        let stream = futures::stream::unfold(listener, |mut listener| async move {
            listener.recv().await.map(|()| ((), listener))
        })
        .map(move |()| number);
        streams.push(stream.boxed());
    }
    let store = Arc::clone(&received);
    let events = futures::stream::select_all(streams).map(move |number| {
        // The first signal decides the exit code.
        let _ = store.compare_exchange(0, number, Ordering::SeqCst, Ordering::SeqCst);
        Ok(Event::Key(KeyEvent::new(
            KeyCode::Char('c'),
            KeyModifiers::CONTROL,
        )))
    });
    Ok((events, received))
}

#[cfg(not(unix))]
fn signals() -> io::Result<(impl Stream<Item = io::Result<Event>> + Unpin, Arc<AtomicU8>)> {
    Ok((futures::stream::pending(), Arc::new(AtomicU8::new(0))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app() -> App {
        App::new(
            session(1, "test".into(), true, false),
            KeyMap::default(),
            BTreeMap::new(),
        )
    }

    #[test]
    fn a_signal_exits_128_plus_its_number_only_with_edits_left_unsent() {
        let code = |app: &App, signal| format!("{:?}", exit_code(app, signal));
        let zero = format!("{:?}", ExitCode::SUCCESS);
        let mut idle = app();
        assert_eq!(code(&idle, 15), zero);
        // a load in flight is not an edit
        idle.requests.start(crate::app::RequestKind::Load, "alice");
        assert_eq!(code(&idle, 2), zero);
        let mut committing = app();
        committing
            .requests
            .start(crate::app::RequestKind::Commit, "alice");
        assert_eq!(code(&committing, 15), format!("{:?}", ExitCode::from(143)));
        assert_eq!(code(&committing, 0), zero, "no signal: quit by a key");
        let mut grouping = app();
        grouping.requests.start(
            crate::app::RequestKind::Group(crate::service::groups::GroupOp::Delete {
                name: "x".into(),
            }),
            "alice",
        );
        assert_eq!(code(&grouping, 1), format!("{:?}", ExitCode::from(129)));
    }
}
