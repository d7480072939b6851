//! The groups popup (`o`): the user's conversation groups with a check mark on those of the
//! conversation under the cursor. Space/Enter adds it to or removes it from the group under
//! the popup's cursor, `n` creates a group, `R` renames, `D` deletes (after a y/n). These
//! are sent at once, like `convmark groups`, and the groups are re-read after each.

use crossterm::event::{KeyCode, KeyEvent};
use tui_input::Input;

use crate::api::{ApiError, codes, groups};
use crate::domain::MAX_GROUP_NAME_BYTES;

use super::keys::Action;
use super::msg::{Cmd, GroupAnswer, GroupOp, Records};
use super::state::{App, Confirm, GroupsPopup, Overlay, PromptKind, StatusKind};
use super::update::set_status;

const READ_ONLY: &str =
    "read-only: started with --read-only, so groups can be viewed but not changed";
const BUSY: &str = "A group request is in flight; wait for its answer";

/// The keys of the popup, for its own hint line and the help.
pub const KEYS_HINT: &str = "Space/Enter add/remove · n new · R rename · D delete · Esc close";

/// `o`: opens the popup (also in read-only mode, for viewing).
pub(super) fn open(app: &mut App) {
    if app.user.is_none() {
        set_status(app, StatusKind::Error, "Open a user first (u)");
        return;
    }
    // start on the first group the conversation is in, else the first
    let first = app
        .current()
        .and_then(|c| c.groups.first().copied())
        .and_then(|id| app.group_list().iter().position(|(g, _)| *g == id))
        .unwrap_or(0);
    app.groups_popup = Some(GroupsPopup { selected: first });
    let n = app.group_names.len();
    let text = if app.session.read_only {
        format!("{n} group(s); read-only: viewing only")
    } else if n == 0 {
        "No groups yet: n creates one".to_owned()
    } else {
        match app.current() {
            Some(c) => format!("{n} group(s); ✓ marks those {} is in", c.peer),
            None => format!("{n} group(s)"),
        }
    };
    set_status(app, StatusKind::Info, text);
}

/// A key while the popup is open and no prompt or confirmation is over it.
pub(super) fn on_key(app: &mut App, key: KeyEvent) -> Vec<Cmd> {
    let action = app.keys.action(&key);
    match key.code {
        KeyCode::Esc => {
            close(app);
            return Vec::new();
        }
        KeyCode::Char(' ') | KeyCode::Enter => return toggle(app),
        KeyCode::Char('n') => {
            begin(app, PromptKind::NewGroup);
            return Vec::new();
        }
        KeyCode::Char('R') => {
            if let Some((id, _)) = app.selected_group() {
                begin(app, PromptKind::RenameGroup(id));
            } else {
                set_status(app, StatusKind::Error, "No group to rename: n creates one");
            }
            return Vec::new();
        }
        KeyCode::Char('D') => {
            ask_delete(app);
            return Vec::new();
        }
        _ => {}
    }
    let len = app.group_names.len();
    let Some(popup) = &mut app.groups_popup else {
        return Vec::new();
    };
    let last = len.saturating_sub(1);
    popup.selected = popup.selected.min(last);
    match action {
        Some(Action::Up) => popup.selected = popup.selected.saturating_sub(1),
        Some(Action::Down) => popup.selected = (popup.selected + 1).min(last),
        Some(Action::Top | Action::PageUp) => popup.selected = 0,
        Some(Action::Bottom | Action::PageDown) => popup.selected = last,
        Some(Action::Groups | Action::Quit) => close(app),
        _ => {}
    }
    Vec::new()
}

/// Closes the popup; the last answer (ok or error) stays on the status line.
fn close(app: &mut App) {
    app.groups_popup = None;
    if app
        .status
        .as_ref()
        .is_some_and(|s| s.kind == StatusKind::Info)
    {
        app.status = None;
    }
}

/// Refuses a change in read-only mode or while another group request is out.
fn refused(app: &mut App) -> bool {
    if app.session.read_only {
        set_status(app, StatusKind::Error, READ_ONLY);
        true
    } else if app.group_busy {
        set_status(app, StatusKind::Error, BUSY);
        true
    } else {
        false
    }
}

fn begin(app: &mut App, kind: PromptKind) {
    if refused(app) {
        return;
    }
    let value = match kind {
        PromptKind::RenameGroup(id) => app.group_names.get(&id).cloned().unwrap_or_default(),
        _ => String::new(),
    };
    app.overlay = Some(Overlay::Prompt {
        kind,
        input: Input::new(value),
    });
}

fn ask_delete(app: &mut App) {
    if refused(app) {
        return;
    }
    match app.selected_group() {
        Some((id, _)) => app.overlay = Some(Overlay::Confirm(Confirm::DeleteGroup(id))),
        None => set_status(app, StatusKind::Error, "No group to delete"),
    }
}

/// Space/Enter: adds the current conversation to the group under the cursor, or removes it.
fn toggle(app: &mut App) -> Vec<Cmd> {
    if refused(app) {
        return Vec::new();
    }
    let Some((id, name)) = app.selected_group().map(|(i, n)| (i, n.to_owned())) else {
        set_status(app, StatusKind::Error, "No group yet: n creates one");
        return Vec::new();
    };
    let Some(c) = app.current() else {
        set_status(app, StatusKind::Error, "No conversation is selected");
        return Vec::new();
    };
    let peer = c.peer.clone();
    let op = if c.groups.contains(&id) {
        set_status(
            app,
            StatusKind::Info,
            format!("Removing {peer} from {name:?}…"),
        );
        GroupOp::Remove { name, peer }
    } else {
        set_status(app, StatusKind::Info, format!("Adding {peer} to {name:?}…"));
        GroupOp::Add { name, peer }
    };
    send(app, op)
}

/// Enter in the name prompt: checks the name (nothing is sent if it is too long) and sends.
/// The prompt stays open until the answer, so a refused name is not lost.
pub(super) fn submit_name(app: &mut App, kind: PromptKind, input: Input) -> Vec<Cmd> {
    let name = input.value().trim().to_owned();
    app.overlay = Some(Overlay::Prompt { kind, input });
    if refused(app) {
        return Vec::new();
    }
    if let Err(e) = groups::check_name(&name) {
        set_status(app, StatusKind::Error, format!("Not sent: {e}"));
        return Vec::new();
    }
    let op = match kind {
        PromptKind::RenameGroup(id) => {
            let Some(old) = app.group_names.get(&id).cloned() else {
                app.overlay = None;
                set_status(app, StatusKind::Error, "That group is gone");
                return Vec::new();
            };
            if old == name {
                app.overlay = None;
                set_status(app, StatusKind::Info, format!("{name:?} is unchanged"));
                return Vec::new();
            }
            set_status(
                app,
                StatusKind::Info,
                format!("Renaming {old:?} to {name:?}…"),
            );
            GroupOp::Rename { old, new: name }
        }
        _ => {
            set_status(app, StatusKind::Info, format!("Creating group {name:?}…"));
            GroupOp::Create { name }
        }
    };
    send(app, op)
}

/// `y` on the delete question.
pub(super) fn delete(app: &mut App, id: u64) -> Vec<Cmd> {
    if refused(app) {
        return Vec::new();
    }
    let Some(name) = app.group_names.get(&id).cloned() else {
        set_status(app, StatusKind::Error, "That group is gone");
        return Vec::new();
    };
    set_status(app, StatusKind::Info, format!("Deleting group {name:?}…"));
    send(app, GroupOp::Delete { name })
}

fn send(app: &mut App, op: GroupOp) -> Vec<Cmd> {
    let Some(user) = app.user.clone() else {
        return Vec::new();
    };
    app.group_busy = true;
    app.in_flight += 1;
    vec![Cmd::Group {
        generation: app.generation,
        user,
        op,
    }]
}

/// The answer of a group request: the ResultCode on the status line, the groups re-read.
pub(super) fn on_done(
    app: &mut App,
    generation: u64,
    op: GroupOp,
    result: Result<GroupAnswer, ApiError>,
) {
    if generation != app.generation {
        return;
    }
    app.in_flight = app.in_flight.saturating_sub(1);
    app.group_busy = false;
    let answer = match result {
        Ok(a) => a,
        Err(e) => {
            // the prompt (with the typed name) stays open
            let what = match &op {
                GroupOp::Create { name } => format!("Cannot create {name:?}"),
                GroupOp::Rename { old, new } => format!("Cannot rename {old:?} to {new:?}"),
                GroupOp::Delete { name } => format!("Cannot delete {name:?}"),
                GroupOp::Add { name, peer } => format!("Cannot add {peer} to {name:?}"),
                GroupOp::Remove { name, peer } => format!("Cannot remove {peer} from {name:?}"),
            };
            set_status(app, StatusKind::Error, format!("{what}: {}", e.describe()));
            return;
        }
    };
    let g = &answer.group;
    let (name, id) = (&g.group_name, g.group_id);
    let ok = codes::describe(0);
    let (kind, mut text) = match &op {
        GroupOp::Create { .. } => (
            StatusKind::Ok,
            format!("Created group {name:?} (id {id}): {ok}"),
        ),
        GroupOp::Rename { old, .. } => (
            StatusKind::Ok,
            format!("Renamed {old:?} to {name:?} (id {id}): {ok}"),
        ),
        GroupOp::Delete { .. } => (
            StatusKind::Ok,
            format!("Deleted group {name:?} (id {id}): {ok}; the marks are kept"),
        ),
        GroupOp::Add { peer, .. } | GroupOp::Remove { peer, .. } => {
            let (done, prep, failed) = if matches!(op, GroupOp::Add { .. }) {
                ("Added", "to", "not added to")
            } else {
                ("Removed", "from", "not removed from")
            };
            match &answer.item {
                Some((0, _)) => (
                    StatusKind::Ok,
                    format!("{done} {peer} {prep} {name:?} (id {id}): {ok}"),
                ),
                Some((code, info)) => (
                    StatusKind::Error,
                    format!(
                        "{peer} {failed} {name:?}: {}",
                        codes::describe_with_info(*code, info)
                    ),
                ),
                None => (
                    StatusKind::Error,
                    format!("{peer} {failed} {name:?}: the server did not report it"),
                ),
            }
        }
    };
    // a name prompt closes once the server took the name
    if matches!(
        app.overlay,
        Some(Overlay::Prompt {
            kind: PromptKind::NewGroup | PromptKind::RenameGroup(_),
            ..
        })
    ) {
        app.overlay = None;
    }
    let mut kind = kind;
    match answer.refreshed {
        Ok(Records { records, groups }) => {
            app.replace_groups(&records, &groups);
            let len = app.group_names.len();
            if let Some(popup) = &mut app.groups_popup {
                let at = app.group_names.keys().position(|k| *k == id);
                popup.selected = match (&op, at) {
                    (GroupOp::Delete { .. }, _) | (_, None) => {
                        popup.selected.min(len.saturating_sub(1))
                    }
                    (_, Some(i)) => i,
                };
            }
        }
        Err(e) => {
            kind = StatusKind::Error;
            text.push_str(&format!(
                " · re-reading the groups failed: {}; press r to reload",
                e.describe()
            ));
        }
    }
    set_status(app, kind, text);
}

/// The prompt's byte count: `7/32 bytes`, and whether it is too long.
pub fn name_bytes(input: &Input) -> (usize, bool) {
    let n = input.value().trim().len();
    (n, n > MAX_GROUP_NAME_BYTES)
}
