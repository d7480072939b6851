//! Opening and reloading a user. Pages arrive one by one and their rows can be browsed and
//! filtered at once; staging waits for the last page. Opening another user keeps the one
//! on screen until the new user's first page arrives, so a user that cannot be opened
//! (50001) leaves the previous one open. Opening or reloading stops the loads in flight.

use crate::api::ApiError;
use crate::domain::Peer;
use crate::service::load::LoadPage;
use crate::service::user::Conversation;

use super::mode::{Mode, Overlay, PromptKind};
use super::msg::{Cmd, Records};
use super::requests::{RequestId, RequestKind};
use super::state::{App, ConnState, Focus, StatusKind};
use super::update::set_status;

/// Starts loading a user (the prompt, `--user`, `u`); the rows on screen stay until its
/// first page.
pub fn open_user(app: &mut App, user: String) -> Vec<Cmd> {
    let mut cmds = abort_reads(app);
    let id = app.requests.start(RequestKind::Load, &user);
    if app.user.is_none() {
        app.conn = ConnState::Loading;
    }
    set_status(app, StatusKind::Info, format!("Loading {user}…"));
    cmds.push(Cmd::LoadUser { id, user });
    cmds
}

/// `r`: loads the open user again; rows are updated in place as pages arrive.
pub fn reload(app: &mut App) -> Vec<Cmd> {
    let Some(user) = app.user.clone() else {
        return Vec::new();
    };
    let mut cmds = abort_reads(app);
    let id = app.requests.start(RequestKind::Load, &user);
    app.conn = ConnState::Loading;
    set_status(app, StatusKind::Info, format!("Reloading {user}…"));
    cmds.push(Cmd::LoadUser { id, user });
    cmds
}

fn abort_reads(app: &mut App) -> Vec<Cmd> {
    let ids = app.requests.take_reads();
    if ids.is_empty() {
        Vec::new()
    } else {
        vec![Cmd::Abort { ids }]
    }
}

/// Esc during a load: it stops; what arrived stays shown (and can be browsed and staged).
pub(super) fn stop(app: &mut App, id: RequestId) -> Vec<Cmd> {
    let Some(r) = app.requests.finish(id) else {
        return Vec::new();
    };
    let p = r.progress.load;
    let shown = app.user.as_deref() == Some(r.user.as_str());
    let reload = app.keys.hint(super::keys::Action::Reload);
    let text = if shown {
        app.conn = ConnState::Partial;
        app.rekey_all();
        app.sort_rows();
        let arrived = r.progress.arrived;
        let older = app.conversations.len().saturating_sub(arrived);
        let older = if older > 0 {
            format!(
                " ({} more as the load before left them)",
                crate::text::thousands(older)
            )
        } else {
            String::new()
        };
        format!(
            "Stopped loading {} after {} page(s): the {} conversation(s) that arrived are shown{older}, the load is incomplete; press {reload} to load everything",
            r.user,
            p.pages,
            crate::text::thousands(arrived)
        )
    } else {
        let open = app.user.clone().unwrap_or_default();
        if app.user.is_none() {
            app.conn = ConnState::Idle;
        }
        format!("Stopped opening {}; {open} stays open", r.user)
    };
    set_status(app, StatusKind::Info, text);
    let mut cmds = vec![Cmd::Abort { ids: vec![id] }];
    if shown {
        // what arrived can be staged now: the journal keeps it (and an older one is offered)
        cmds.extend(super::journal::check(app));
    }
    cmds
}

/// Staging waits for the load: the reason, when a load is in flight.
pub fn still_loading(app: &App) -> Option<String> {
    let id = app.requests.loading()?;
    let r = app.requests.get(id)?;
    if app.user.as_deref() != Some(r.user.as_str()) {
        return None;
    }
    Some(format!(
        "Still loading {} ({} page(s), {} conversation(s) so far): staging and committing wait until the load is complete",
        r.user,
        r.progress.load.pages,
        crate::text::thousands(r.progress.arrived)
    ))
}

/// Replaces the state of the previous user by an empty one for `user`.
fn switch_to(app: &mut App, user: &str) {
    app.user = Some(user.to_owned());
    app.conversations.clear();
    app.index.clear();
    app.visible.clear();
    app.group_names.clear();
    app.selected = 0;
    app.list_offset = 0;
    app.filter.reset();
    app.refilter_all();
    app.selection.clear();
    app.progress = None;
    app.journal_active = false;
    app.journal_offer = None;
    app.counts_stale = true;
    app.conn = ConnState::Loading;
    if matches!(
        app.mode,
        Mode::Groups { .. }
            | Mode::EditCustom
            | Mode::Overlay(
                Overlay::Staged { .. } | Overlay::History { .. } | Overlay::Preview { .. }
            )
    ) {
        app.mode = Mode::Normal;
    }
}

pub(super) fn on_page(app: &mut App, id: RequestId, page: LoadPage) -> Vec<Cmd> {
    let Some(user) = app.requests.get(id).map(|r| r.user.clone()) else {
        return Vec::new();
    };
    app.requests.page(id, &page);
    if app.user.as_deref() != Some(user.as_str()) {
        switch_to(app, &user);
    }
    let from = app.conversations.len();
    let mut touched = Vec::new();
    match &page {
        LoadPage::Sessions(items) => {
            for item in items {
                let i = fresh_row(app, id, &item.peer.0);
                if let Some(row) = app.conversations.get_mut(i) {
                    row.server.apply_session(item);
                }
                touched.push(i);
            }
        }
        LoadPage::Records { records, groups } => {
            // every page lists all of the user's groups
            app.group_names = groups
                .iter()
                .map(|g| (g.group_id, g.group_name.clone()))
                .collect();
            for record in records {
                let i = fresh_row(app, id, &record.contact.0);
                if let Some(row) = app.conversations.get_mut(i) {
                    row.server.apply_record(record);
                }
                touched.push(i);
            }
        }
    }
    for i in touched {
        app.rekey(i);
    }
    app.show_new_rows(from);
    app.scroll_to_selected();
    Vec::new()
}

/// The row of a peer, with what an earlier load said of it forgotten the first time this
/// load lists it.
fn fresh_row(app: &mut App, id: RequestId, peer: &Peer) -> usize {
    let i = app.index_or_add(peer);
    if let Some(row) = app.conversations.get_mut(i)
        && row.seen != id
    {
        row.seen = id;
        row.server = Conversation::new(peer.clone());
        app.requests.arrived(id);
    }
    i
}

pub(super) fn on_loaded(app: &mut App, id: RequestId, result: Result<(), ApiError>) -> Vec<Cmd> {
    let Some(request) = app.requests.finish(id) else {
        return Vec::new();
    };
    let user = request.user;
    if let Err(e) = result {
        return load_failed(app, &user, &e);
    }
    if app.user.as_deref() != Some(user.as_str()) {
        switch_to(app, &user);
    }
    // rows this load did not list are gone from the server, unless an edit is staged
    for row in &mut app.conversations {
        if row.seen != id && !row.staged.is_empty() {
            row.server = Conversation::new(row.peer().clone());
            row.seen = id;
        }
    }
    app.conversations.retain(|r| r.seen == id);
    for row in &mut app.conversations {
        row.staged.rebase(row.server.mark.value, &row.server.custom);
    }
    app.rekey_all();
    // the cursor stays on the row it is on, unless that is the top: then the top row of
    // the sorted list (the first load's cursor is not left on whichever row came first)
    let at_top = app.selected == 0;
    app.sort_rows();
    if at_top {
        app.selected = 0;
        app.list_offset = 0;
    }
    app.recount();
    app.conn = ConnState::Ready;
    app.stage_changed = true;
    set_status(
        app,
        StatusKind::Ok,
        format!(
            "Loaded {} conversations of {user} ({} marked or grouped)",
            crate::text::thousands(app.conversations.len()),
            crate::text::thousands(app.marked_count())
        ),
    );
    show_startup_warnings(app);
    super::journal::check(app).into_iter().collect()
}

/// Says each start-up warning once, after the status of the first load (so "Loading…"
/// does not hide it); the last one stays on the status line.
pub(super) fn show_startup_warnings(app: &mut App) {
    for text in std::mem::take(&mut app.session.warnings) {
        set_status(app, StatusKind::Error, format!("Warning: {text}"));
    }
}

fn load_failed(app: &mut App, user: &str, e: &ApiError) -> Vec<Cmd> {
    // the failure is what the user must see now; the warnings wait in the log
    for text in std::mem::take(&mut app.session.warnings) {
        app.log(StatusKind::Error, format!("Warning: {text}"));
    }
    match app.user.clone() {
        Some(open) if open != user => {
            set_status(
                app,
                StatusKind::Error,
                format!("Cannot open {user}: {}; {open} stays open", e.describe()),
            );
        }
        Some(_) => {
            app.conn = ConnState::Failed(e.describe());
            let reload = app.keys.hint(super::keys::Action::Reload);
            set_status(
                app,
                StatusKind::Error,
                format!(
                    "Cannot load {user}: {}; press {reload} to try again",
                    e.describe()
                ),
            );
        }
        None => {
            app.conn = ConnState::Failed(e.describe());
            set_status(
                app,
                StatusKind::Error,
                format!("Cannot open {user}: {}", e.describe()),
            );
            // ask again, with the ID typed, so it can be corrected
            app.mode = Mode::Overlay(Overlay::Prompt {
                kind: PromptKind::User,
                input: tui_input::Input::new(user.to_owned()),
            });
        }
    }
    Vec::new()
}

/// `a` found (or not) the conversation by ID.
pub(super) fn on_looked_up(
    app: &mut App,
    id: RequestId,
    peer: Peer,
    result: Result<Records, ApiError>,
) {
    if app.requests.finish(id).is_none() {
        return;
    }
    match result {
        Ok(Records { records, groups }) => {
            app.merge_group_names(&groups);
            match records.iter().find(|r| r.contact.0 == peer) {
                Some(r) => {
                    app.upsert(r);
                    app.focus = Focus::Grid;
                    set_status(app, StatusKind::Ok, format!("Added {peer}"));
                }
                None => set_status(
                    app,
                    StatusKind::Error,
                    format!("The server did not return {peer}"),
                ),
            }
        }
        Err(e) => set_status(
            app,
            StatusKind::Error,
            format!("Cannot look up {peer}: {}", e.describe()),
        ),
    }
}
