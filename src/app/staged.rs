//! The staged-changes overlay: every conversation with a staged edit, old → new per bit and
//! for the custom mark, in words (the request preview stays for the raw JSON). `x` drops
//! one, `X` drops all after asking, Enter goes to the row.

use crossterm::event::{KeyCode, KeyEvent};

use crate::domain::BitIndex;

use super::keys::Action;
use super::mode::{Confirm, Mode, Overlay};
use super::msg::Cmd;
use super::state::{App, Focus, Row, StatusKind};
use super::update::set_status;

/// The rows with a staged edit, in list order.
pub fn rows(app: &App) -> Vec<usize> {
    app.conversations
        .iter()
        .enumerate()
        .filter(|(_, c)| !c.staged.is_empty())
        .map(|(i, _)| i)
        .collect()
}

/// One staged edit in words: `bit 0 (favorite) off → on · custom "a" → "b"`.
pub fn describe(app: &App, row: &Row) -> String {
    let mut parts = Vec::new();
    let name = |b: BitIndex| match app.bit_label(b) {
        Some(label) => format!("bit {} ({label})", b.get()),
        None => format!("bit {}", b.get()),
    };
    for b in row.staged.set.indices() {
        parts.push(format!("{} off → on", name(b)));
    }
    for b in row.staged.clear.indices() {
        parts.push(format!("{} on → off", name(b)));
    }
    if let Some(c) = &row.staged.custom {
        parts.push(format!("custom {:?} → {:?}", row.server.custom, c.as_str()));
    }
    parts.join(" · ")
}

pub(super) fn on_key(app: &mut App, key: KeyEvent, selected: usize) -> Vec<Cmd> {
    let list = rows(app);
    let last = list.len().saturating_sub(1);
    let action = app.keys.action(&key);
    let mut selected = selected.min(last);
    match action {
        Some(Action::Up) => selected = selected.saturating_sub(1),
        Some(Action::Down) => selected = (selected + 1).min(last),
        Some(Action::Top | Action::PageUp) => selected = 0,
        Some(Action::Bottom | Action::PageDown) => selected = last,
        Some(Action::Unstage) => {
            if let Some(row) = list
                .get(selected)
                .and_then(|i| app.conversations.get_mut(*i))
            {
                row.staged = Default::default();
                let peer = row.peer().clone();
                app.counts_stale = true;
                app.stage_changed = true;
                set_status(
                    app,
                    StatusKind::Info,
                    format!("Dropped the staged edit of {peer}"),
                );
            }
        }
        Some(Action::DropAll) => {
            app.mode = Mode::Overlay(Overlay::Confirm(Confirm::DropAll {
                from_staged: Some(selected),
            }));
            return Vec::new();
        }
        Some(Action::Back | Action::Staged | Action::Quit) => return Vec::new(),
        _ => {}
    }
    if key.code == KeyCode::Enter {
        if let Some(peer) = list
            .get(selected)
            .and_then(|i| app.conversations.get(*i))
            .map(|r| r.peer().clone())
        {
            if !app.select_peer(&peer) {
                app.filter.reset();
                app.refilter();
                app.select_peer(&peer);
            }
            app.focus = Focus::List;
        }
        return Vec::new();
    }
    app.mode.push(Overlay::Staged { selected });
    Vec::new()
}
