//! The journal of staged edits, from the app's side: when to write it, how an old one is
//! offered back when a user is opened, and what accepting or declining does. The reading
//! and writing themselves are commands the runtime executes.

use super::keys::Action;
use super::mode::{Confirm, Mode, Overlay};
use super::msg::{Cmd, JournalFound};
use super::state::{App, StatusKind};
use super::update::set_status;

/// The command that writes the current stage to the journal, when it should be written.
pub(super) fn save(app: &App) -> Option<Cmd> {
    if !app.journal_active {
        return None;
    }
    let dir = app.session.data_dir.clone()?;
    let user = app.user.clone()?;
    Some(Cmd::SaveJournal {
        dir,
        sdkappid: app.session.sdkappid,
        user,
        changes: app.staged_changes(),
    })
}

/// After the first load of a user: read the journal that an earlier session left.
pub(super) fn check(app: &mut App) -> Option<Cmd> {
    if app.journal_active || app.session.read_only {
        return None;
    }
    let dir = app.session.data_dir.clone()?;
    let user = app.user.clone()?;
    Some(Cmd::LoadJournal {
        dir,
        sdkappid: app.session.sdkappid,
        user,
    })
}

pub(super) fn on_loaded(app: &mut App, result: Result<Option<JournalFound>, String>) {
    match result {
        Ok(Some(found)) if !found.changes.is_empty() => {
            // what the server already holds is not offered again
            let pending: Vec<_> = found
                .changes
                .into_iter()
                .filter_map(|mut change| {
                    if let Some(c) = app
                        .index
                        .get(&change.peer)
                        .and_then(|i| app.conversations.get(*i))
                    {
                        change.edit.rebase(c.server.mark.value, &c.server.custom);
                    }
                    (!change.edit.is_empty()).then_some(change)
                })
                .collect();
            if pending.is_empty() {
                app.journal_active = true;
                app.stage_changed = true;
                set_status(
                    app,
                    StatusKind::Info,
                    "The journal's staged edits are already on the server; the journal is cleared",
                );
                return;
            }
            app.journal_offer = Some(JournalFound {
                changes: pending,
                saved_at: found.saved_at,
            });
            app.mode = Mode::Overlay(Overlay::Confirm(Confirm::RestoreJournal));
        }
        Ok(_) => {
            app.journal_active = true;
            // anything staged meanwhile is journalled now
            app.stage_changed = true;
        }
        Err(e) => set_status(
            app,
            StatusKind::Error,
            format!("{e}. Until then, staged edits of this user are not journalled."),
        ),
    }
}

/// `y` on the offer: the journalled edits are staged again. Conversations that are in
/// neither list are added and read back, so their marks are the server's.
pub(super) fn restore(app: &mut App) -> Vec<Cmd> {
    let Some(found) = app.journal_offer.take() else {
        return Vec::new();
    };
    let mut unknown = Vec::new();
    for change in found.changes {
        let listed = app.index.contains_key(&change.peer);
        let i = app.index_or_add(&change.peer);
        if let Some(c) = app.conversations.get_mut(i) {
            c.staged = change.edit;
            if listed {
                c.staged.rebase(c.server.mark.value, &c.server.custom);
            }
        }
        if !listed {
            unknown.push(change.peer);
        }
    }
    if !unknown.is_empty() {
        for p in &unknown {
            if let Some(i) = app.index.get(p).copied() {
                app.rekey(i);
            }
        }
        app.refilter_all();
    }
    app.journal_active = true;
    app.stage_changed = true;
    app.counts_stale = true;
    app.recount();
    let text = format!(
        "Restored the staged edits of {} conversation(s) from the journal; {} commits, {} previews, {} drops",
        app.staged_count(),
        app.keys.hint(Action::Commit),
        app.keys.hint(Action::Preview),
        app.keys.hint(Action::Unstage)
    );
    set_status(app, StatusKind::Ok, text);
    super::commit::read_back(app, unknown)
}

/// `n` on the offer: the journal is deleted (the empty stage is written).
pub(super) fn decline(app: &mut App) {
    let n = app.journal_offer.take().map_or(0, |f| f.changes.len());
    app.journal_active = true;
    app.stage_changed = true;
    set_status(
        app,
        StatusKind::Info,
        format!("Dropped {n} journalled edit(s); the journal is deleted"),
    );
}
