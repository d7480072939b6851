//! The history overlay: this user's audited commits, newest first. Enter on one stages its
//! inverse as ordinary staged edits (previewed, journalled and committed like any other),
//! only where the server still holds what that commit wrote; the others are conflicts and
//! are named. Group changes are not staged (they are sent at once): `convmark undo` reverts
//! them.

use crossterm::event::{KeyCode, KeyEvent};

use crate::audit::AuditRecord;
use crate::domain::Peer;
use crate::service::plan::MarkState;
use crate::service::undo;
use crate::text::thousands;

use super::keys::Action;
use super::mode::{HistoryEntry, Mode, Overlay};
use super::msg::Cmd;
use super::state::{App, StatusKind};
use super::update::set_status;

/// `H`: reads the audit log (the runtime does), then shows the overlay.
pub(super) fn open(app: &mut App) -> Vec<Cmd> {
    let (Some(user), Some(dir)) = (app.user.clone(), app.session.data_dir.clone()) else {
        set_status(
            app,
            StatusKind::Error,
            "No user is open, or no audit log is kept",
        );
        return Vec::new();
    };
    set_status(app, StatusKind::Info, "Reading the audit log…");
    vec![Cmd::LoadHistory {
        dir,
        sdkappid: app.session.sdkappid,
        user,
    }]
}

fn current(app: &App, peer: &Peer) -> MarkState {
    app.index
        .get(peer)
        .and_then(|i| app.conversations.get(*i))
        .map(super::state::Row::mark_state)
        .unwrap_or_default()
}

pub(super) fn on_loaded(app: &mut App, result: Result<Vec<(String, Vec<AuditRecord>)>, String>) {
    let (commits, error) = match result {
        Ok(c) => (c, None),
        Err(e) => (Vec::new(), Some(e)),
    };
    let entries: Vec<HistoryEntry> = commits
        .iter()
        .map(|(id, lines)| {
            let inv = undo::inverse(lines, |p| current(app, p), false);
            HistoryEntry {
                id: id.clone(),
                time: lines.first().map_or(0, |l| l.time),
                changed: lines.iter().filter(|l| l.result_code == 0).count(),
                summary: undo::summary(lines),
                inverse: inv
                    .marks
                    .into_iter()
                    .map(|(peer, edit)| crate::domain::MarkChange { peer, edit })
                    .collect(),
                conflicts: inv
                    .conflicts
                    .into_iter()
                    .map(|c| format!("{}: {}", c.peer, c.reason))
                    .collect(),
            }
        })
        .collect();
    let n = entries.len();
    app.mode = Mode::Overlay(Overlay::History {
        entries,
        selected: 0,
        error,
    });
    set_status(
        app,
        StatusKind::Info,
        format!("{n} commit(s) of this user in the audit log; Enter stages the inverse of one"),
    );
}

pub(super) fn on_key(
    app: &mut App,
    key: KeyEvent,
    entries: Vec<HistoryEntry>,
    selected: usize,
    error: Option<String>,
) -> Vec<Cmd> {
    let last = entries.len().saturating_sub(1);
    let action = app.keys.action(&key);
    let selected = match action {
        Some(Action::Up) => selected.saturating_sub(1),
        Some(Action::Down) => (selected + 1).min(last),
        Some(Action::Top | Action::PageUp) => 0,
        Some(Action::Bottom | Action::PageDown) => last,
        _ => selected,
    };
    if key.code == KeyCode::Enter {
        if let Some(entry) = entries.get(selected) {
            stage_inverse(app, entry);
        }
        return Vec::new();
    }
    if matches!(action, Some(Action::Back | Action::History | Action::Quit)) {
        return Vec::new();
    }
    app.mode.push(Overlay::History {
        entries,
        selected,
        error,
    });
    Vec::new()
}

fn stage_inverse(app: &mut App, entry: &HistoryEntry) {
    if app.session.read_only {
        set_status(app, StatusKind::Error, super::input::READ_ONLY);
        return;
    }
    if let Some(why) = super::loading::still_loading(app) {
        set_status(app, StatusKind::Error, why);
        return;
    }
    let mut staged = 0;
    for change in &entry.inverse {
        let i = app.index_or_add(&change.peer);
        if let Some(row) = app.conversations.get_mut(i) {
            let mut edit = change.edit.clone();
            edit.rebase(row.server.mark.value, &row.server.custom);
            if !edit.is_empty() {
                row.staged = edit;
                staged += 1;
            }
        }
    }
    app.refilter_all();
    app.counts_stale = true;
    app.stage_changed = true;
    let mut text = format!(
        "Staged the inverse of commit {} on {} conversation(s); {} previews, {} commits",
        entry.id,
        thousands(staged),
        app.keys.hint(Action::Preview),
        app.keys.hint(Action::Commit)
    );
    if !entry.conflicts.is_empty() {
        text.push_str(&format!(
            "; {} changed since and left alone: {}",
            entry.conflicts.len(),
            entry.conflicts.join("; ")
        ));
    }
    set_status(
        app,
        if entry.conflicts.is_empty() {
            StatusKind::Ok
        } else {
            StatusKind::Error
        },
        text,
    );
}
