//! The history overlay: this user's audited commits, newest first. Enter on one stages its
//! inverse as ordinary staged edits (previewed, journalled and committed like any other),
//! only where the server still holds what that commit wrote; the others are conflicts and
//! are named. Group changes are not staged (they are sent at once): `convmark undo` reverts
//! them.

use crossterm::event::{KeyCode, KeyEvent};

use crate::audit::AuditRecord;
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

pub(super) fn on_loaded(app: &mut App, result: Result<Vec<(String, Vec<AuditRecord>)>, String>) {
    let (commits, error) = match result {
        Ok(c) => (c, None),
        Err(e) => (Vec::new(), Some(e)),
    };
    let entries: Vec<HistoryEntry> = commits
        .iter()
        .map(|(id, lines)| {
            let inv = undo::inverse(lines, |p| app.mark_state_of(p), false);
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
                groups: !inv.groups.is_empty(),
            }
        })
        .collect();
    let n = entries.len();
    let user = app.user.clone().unwrap_or_default();
    let (kind, text) = match &error {
        Some(e) => (StatusKind::Error, crate::text::capitalized(e)),
        None if n == 0 => (
            StatusKind::Info,
            format!("No commit of {user} in the audit log yet"),
        ),
        None => (
            StatusKind::Info,
            format!(
                "{} commit(s) of {user} in the audit log{}",
                crate::text::thousands(n),
                if app.session.read_only {
                    " (read-only: nothing can be staged)"
                } else {
                    "; Enter stages the inverse of one"
                }
            ),
        ),
    };
    app.mode = Mode::Overlay(Overlay::History {
        entries,
        selected: 0,
        error,
    });
    set_status(app, kind, text);
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
        match entries.get(selected) {
            Some(entry) => stage_inverse(app, entry),
            None => set_status(app, StatusKind::Info, "No commit to revert"),
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
    let left_alone = if entry.conflicts.is_empty() {
        String::new()
    } else {
        format!(
            "; {} changed since and left alone: {}",
            entry.conflicts.len(),
            entry.conflicts.join("; ")
        )
    };
    let groups = if entry.groups {
        format!(
            "; its group changes are not staged: convmark undo {} reverts them",
            entry.id
        )
    } else {
        String::new()
    };
    let kind = if entry.conflicts.is_empty() {
        StatusKind::Ok
    } else {
        StatusKind::Error
    };
    let (kind, text) = if staged == 0 {
        (
            if entry.conflicts.is_empty() {
                StatusKind::Info
            } else {
                kind
            },
            format!(
                "Nothing staged: commit {} has no mark change to revert here{left_alone}{groups}",
                entry.id
            ),
        )
    } else {
        (
            kind,
            format!(
                "Staged the inverse of commit {} on {} conversation(s); {} previews, {} commits{left_alone}{groups}",
                entry.id,
                thousands(staged),
                app.keys.hint(Action::Preview),
                app.keys.hint(Action::Commit)
            ),
        )
    };
    set_status(app, kind, text);
}
