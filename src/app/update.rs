//! `update`: the one place the state changes. Pure: no I/O; side effects are returned as
//! commands for the runtime.

use tui_input::InputRequest;

use super::input::{on_click, on_key, on_text_input};
use super::msg::{Cmd, Msg};
use super::state::{App, StatusKind};

pub fn update(app: &mut App, msg: Msg) -> Vec<Cmd> {
    // API results change marks and results; input changes them only where it says so
    // (`counts_stale`), so moving around 100,000 rows does not recount them.
    let from_api = !matches!(
        msg,
        Msg::Key(_) | Msg::Mouse(_) | Msg::Paste(_) | Msg::Tick | Msg::Resize { .. }
    );
    let mut cmds = apply(app, msg);
    if from_api || app.counts_stale {
        app.recount();
    }
    if std::mem::take(&mut app.stage_changed) {
        cmds.extend(super::journal::save(app));
    }
    cmds
}

fn apply(app: &mut App, msg: Msg) -> Vec<Cmd> {
    match msg {
        Msg::Key(key) => on_key(app, key),
        Msg::Paste(text) => {
            // the fields are one line: a line break or a tab becomes a space (words stay
            // apart), other control characters are left out
            let text = text.replace("\r\n", "\n");
            for c in text.chars() {
                let c = if matches!(c, '\n' | '\r' | '\t') {
                    ' '
                } else {
                    c
                };
                if !c.is_control() {
                    on_text_input(app, InputRequest::InsertChar(c));
                }
            }
            Vec::new()
        }
        Msg::Mouse(mouse) => {
            on_click(app, mouse);
            Vec::new()
        }
        Msg::Resize { width, height } => {
            app.size = (width, height);
            app.list_rows = crate::layout::list_rows(width, height);
            app.scroll_to_selected();
            super::input::clamp_scrolls(app);
            Vec::new()
        }
        Msg::Tick => {
            if app.busy() {
                app.spinner = app.spinner.wrapping_add(1);
            }
            Vec::new()
        }
        Msg::LoadPage { id, page } => super::loading::on_page(app, id, page),
        Msg::Loaded { id, result } => super::loading::on_loaded(app, id, result),
        Msg::LookedUp { id, peer, result } => {
            super::loading::on_looked_up(app, id, peer, result);
            Vec::new()
        }
        Msg::CommitProgress { id, call } => {
            super::commit::on_call(app, id, call);
            Vec::new()
        }
        Msg::Committed { id, report } => super::commit::on_committed(app, id, report),
        Msg::ReadBack { id, result } => {
            super::commit::on_read_back(app, id, result);
            Vec::new()
        }
        Msg::GroupDone { id, outcome } => {
            super::groups::on_done(app, id, outcome);
            Vec::new()
        }
        Msg::Retrying(notice) => {
            let Some(id) = notice.tag else {
                return Vec::new();
            };
            let endpoint = notice.path.rsplit('/').next().unwrap_or(notice.path);
            let text = format!(
                "Retrying {endpoint} (attempt {} of {}) in {:.1} s: {}",
                notice.attempt,
                notice.max_attempts,
                notice.delay.as_secs_f64(),
                notice.reason
            );
            if let Some(r) = app.requests.get_mut(id) {
                r.retrying = Some(text.clone());
                set_status(app, StatusKind::Info, text);
            }
            Vec::new()
        }
        Msg::JournalLoaded { user, result } => {
            if app.user.as_deref() == Some(user.as_str()) {
                super::journal::on_loaded(app, result);
            }
            Vec::new()
        }
        Msg::HistoryLoaded { user, result } => {
            if app.user.as_deref() == Some(user.as_str()) {
                super::history::on_loaded(app, result);
            }
            Vec::new()
        }
        Msg::LocalFailed(text) => {
            set_status(app, StatusKind::Error, text);
            Vec::new()
        }
    }
}

/// Shows a message on the status line and keeps it in the message log.
pub(super) fn set_status(app: &mut App, kind: StatusKind, text: impl Into<String>) {
    app.say(kind, text.into());
}

pub use super::loading::open_user;
