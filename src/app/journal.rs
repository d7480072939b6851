//! The journal of staged edits, from the app's side: when to write it, how an old one is
//! offered back when a user is opened, and what accepting or declining does. The reading
//! and writing themselves are commands the runtime executes.

use super::msg::{Cmd, JournalFound};
use super::state::{App, Confirm, Overlay, StatusKind};
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
        generation: app.generation,
        dir,
        sdkappid: app.session.sdkappid,
        user,
    })
}

pub(super) fn on_loaded(app: &mut App, result: Result<Option<JournalFound>, String>) {
    match result {
        Ok(Some(found)) if !found.changes.is_empty() => {
            app.journal_offer = Some(found);
            app.editing_custom = false;
            app.overlay = Some(Overlay::Confirm(Confirm::RestoreJournal));
        }
        Ok(_) => {
            app.journal_active = true;
            // anything staged meanwhile is journalled now
            app.stage_changed = true;
        }
        Err(e) => set_status(
            app,
            StatusKind::Error,
            format!("{e}. Staged edits of this user are not journalled until then."),
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
                c.staged.rebase(c.mark.value, &c.custom);
            }
        }
        if !listed {
            unknown.push(change.peer);
        }
    }
    if !unknown.is_empty() {
        app.filter_needle.clear();
        app.refilter();
    }
    app.journal_active = true;
    app.stage_changed = true;
    app.counts_stale = true;
    app.recount();
    set_status(
        app,
        StatusKind::Ok,
        format!(
            "Restored the staged edits of {} conversation(s) from the journal; c commits, p previews, x drops",
            app.staged_count()
        ),
    );
    if unknown.is_empty() {
        return Vec::new();
    }
    let Some(user) = app.user.clone() else {
        return Vec::new();
    };
    app.in_flight += 1;
    vec![Cmd::ReadBack {
        generation: app.generation,
        user,
        peers: unknown,
    }]
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
