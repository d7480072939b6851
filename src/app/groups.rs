//! The groups popup (`o`): the user's conversation groups with a check mark on those of the
//! conversation under the cursor. Its keys are in the key map (scope `Groups`): add or
//! remove the conversation, new group, rename, delete (after a y/n). These are sent at
//! once, like `convmark groups`, and the groups are re-read after each.

use crossterm::event::KeyEvent;
use tui_input::Input;

use crate::api::codes;
use crate::domain::MAX_GROUP_NAME_BYTES;
use crate::service::groups::{GroupOp, GroupOutcome};

use super::keys::{Action, Scope};
use super::mode::{Confirm, GroupsPopup, Mode, Overlay, PromptKind};
use super::msg::Cmd;
use super::requests::{RequestId, RequestKind};
use super::state::{App, StatusKind};
use super::update::set_status;

const READ_ONLY: &str =
    "read-only: started with --read-only, so groups can be viewed but not changed";
const BUSY: &str = "A group request is in flight; wait for its answer";

/// `o`: opens the popup (also in read-only mode, for viewing).
pub(super) fn open(app: &mut App) {
    if app.user.is_none() {
        let key = app.keys.hint(Action::SwitchUser);
        set_status(app, StatusKind::Error, format!("Open a user first ({key})"));
        return;
    }
    // start on the first group the conversation is in, else the first
    let first = app
        .current()
        .and_then(|c| c.server.groups.first().copied())
        .and_then(|id| app.group_list().iter().position(|(g, _)| *g == id))
        .unwrap_or(0);
    app.mode = Mode::Groups {
        popup: GroupsPopup { selected: first },
        over: None,
    };
    let n = app.group_names.len();
    let text = if app.session.read_only {
        format!("{n} group(s); read-only: viewing only")
    } else if n == 0 {
        format!(
            "No groups yet: {} creates one",
            app.keys.hint(Action::GroupNew)
        )
    } else {
        match app.current() {
            Some(c) => format!("{n} group(s); ✓ marks those {} is in", c.peer()),
            None => format!("{n} group(s)"),
        }
    };
    set_status(app, StatusKind::Info, text);
}

/// A key while the popup is open and no prompt or confirmation is over it.
pub(super) fn on_key(app: &mut App, key: KeyEvent) -> Vec<Cmd> {
    let len = app.group_names.len();
    let last = len.saturating_sub(1);
    match app.keys.action_in(Scope::Groups, &key) {
        Some(Action::Back) => close(app),
        Some(Action::GroupToggle) => return toggle(app),
        Some(Action::GroupNew) => begin(app, PromptKind::NewGroup),
        Some(Action::GroupRename) => match app.selected_group() {
            Some((id, _)) => begin(app, PromptKind::RenameGroup(id)),
            None => {
                let key = app.keys.hint(Action::GroupNew);
                set_status(
                    app,
                    StatusKind::Error,
                    format!("No group to rename: {key} creates one"),
                );
            }
        },
        Some(Action::GroupDelete) => ask_delete(app),
        Some(action) => {
            if let Mode::Groups { popup, .. } = &mut app.mode {
                popup.selected = popup.selected.min(last);
                match action {
                    Action::Up => popup.selected = popup.selected.saturating_sub(1),
                    Action::Down => popup.selected = (popup.selected + 1).min(last),
                    Action::Top | Action::PageUp => popup.selected = 0,
                    Action::Bottom | Action::PageDown => popup.selected = last,
                    _ => {}
                }
            }
        }
        None => match app.keys.action(&key) {
            // the main screen's key for the popup, and quit, close it too
            Some(Action::Groups | Action::Quit) => close(app),
            // the message log opens over the popup
            Some(Action::Messages) => app.mode.push(Overlay::Messages { scroll: 0 }),
            _ => {}
        },
    }
    Vec::new()
}

/// Closes the popup; the last answer (ok or error) stays on the status line.
fn close(app: &mut App) {
    app.mode = Mode::Normal;
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
    } else if app.requests.group_busy() {
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
    app.mode.push(Overlay::Prompt {
        kind,
        input: Input::new(value),
    });
}

fn ask_delete(app: &mut App) {
    if refused(app) {
        return;
    }
    match app.selected_group() {
        Some((id, _)) => app.mode.push(Overlay::Confirm(Confirm::DeleteGroup(id))),
        None => set_status(app, StatusKind::Error, "No group to delete"),
    }
}

/// Adds the current conversation to the group under the cursor, or removes it.
fn toggle(app: &mut App) -> Vec<Cmd> {
    if refused(app) {
        return Vec::new();
    }
    let Some((id, name)) = app.selected_group().map(|(i, n)| (i, n.to_owned())) else {
        let key = app.keys.hint(Action::GroupNew);
        set_status(
            app,
            StatusKind::Error,
            format!("No group yet: {key} creates one"),
        );
        return Vec::new();
    };
    let Some(c) = app.current() else {
        set_status(app, StatusKind::Error, "No conversation is selected");
        return Vec::new();
    };
    let peer = c.peer().clone();
    let op = if c.server.groups.contains(&id) {
        set_status(
            app,
            StatusKind::Info,
            format!("Removing {peer} from {name:?}…"),
        );
        GroupOp::Remove {
            name,
            peers: vec![peer],
        }
    } else {
        set_status(app, StatusKind::Info, format!("Adding {peer} to {name:?}…"));
        GroupOp::Add {
            name,
            peers: vec![peer],
        }
    };
    send(app, op)
}

/// Enter in the name prompt: checks the name (nothing is sent if it is too long) and sends.
/// The prompt stays open until the answer, so a refused name is not lost.
pub(super) fn submit_name(app: &mut App, kind: PromptKind, input: Input) -> Vec<Cmd> {
    let name = input.value().trim().to_owned();
    app.mode.push(Overlay::Prompt { kind, input });
    if refused(app) {
        return Vec::new();
    }
    if let Err(e) = crate::api::groups::check_name(&name) {
        set_status(app, StatusKind::Error, format!("Not sent: {e}"));
        return Vec::new();
    }
    let op = match kind {
        PromptKind::RenameGroup(id) => {
            let Some(old) = app.group_names.get(&id).cloned() else {
                app.mode.pop();
                set_status(app, StatusKind::Error, "That group is gone");
                return Vec::new();
            };
            if old == name {
                app.mode.pop();
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
            GroupOp::Create {
                name,
                peers: Vec::new(),
            }
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
    let id = app.requests.start(RequestKind::Group(op.clone()), &user);
    vec![Cmd::Group {
        id,
        user,
        op,
        audit_dir: app.session.data_dir.clone(),
    }]
}

/// The answer of a group request: the ResultCode on the status line, the groups re-read.
pub(super) fn on_done(app: &mut App, id: RequestId, outcome: GroupOutcome) {
    let Some(request) = app.requests.finish(id) else {
        return;
    };
    if app.user.as_deref() != Some(request.user.as_str()) {
        set_status(
            app,
            StatusKind::Info,
            format!(
                "The group change of {} finished: {}",
                request.user,
                if outcome.ok() { "ok" } else { "failed" }
            ),
        );
        return;
    }
    if outcome.error.as_ref().and_then(|e| e.code()) == Some(51013) && app.session.edition.is_none()
    {
        app.session.edition = Some("not Ultimate".into());
    }
    let op = &outcome.op;
    let Some(g) = outcome.group.clone().filter(|_| outcome.error.is_none()) else {
        // the prompt (with the typed name) stays open
        let what = match op {
            GroupOp::Create { name, .. } => format!("Cannot create {name:?}"),
            GroupOp::Rename { old, new } => format!("Cannot rename {old:?} to {new:?}"),
            GroupOp::Delete { name } => format!("Cannot delete {name:?}"),
            GroupOp::Add { name, peers } => format!("Cannot add {} to {name:?}", list(peers)),
            GroupOp::Remove { name, peers } => {
                format!("Cannot remove {} from {name:?}", list(peers))
            }
        };
        let why = outcome
            .error
            .as_ref()
            .map_or_else(|| "no answer".to_owned(), |e| e.describe());
        let mut text = format!("{what}: {why}");
        if let Some(r) = &outcome.recovered {
            text.push_str(&format!(" ({r})"));
        }
        set_status(app, StatusKind::Error, text);
        refresh(app, &outcome, None);
        return;
    };
    let (name, gid) = (&g.group_name, g.group_id);
    let ok = codes::describe(0);
    let (kind, mut text) = match op {
        GroupOp::Create { .. } => (
            StatusKind::Ok,
            format!("Created group {name:?} (id {gid}): {ok}"),
        ),
        GroupOp::Rename { old, .. } => (
            StatusKind::Ok,
            format!("Renamed {old:?} to {name:?} (id {gid}): {ok}"),
        ),
        GroupOp::Delete { .. } => (
            StatusKind::Ok,
            format!("Deleted group {name:?}: {ok}; the marks are kept"),
        ),
        GroupOp::Add { .. } | GroupOp::Remove { .. } => {
            let (done, prep, failed) = if matches!(op, GroupOp::Add { .. }) {
                ("Added", "to", "not added to")
            } else {
                ("Removed", "from", "not removed from")
            };
            match outcome.items.first() {
                Some((peer, o)) if o.is_ok() => (
                    StatusKind::Ok,
                    format!("{done} {peer} {prep} {name:?} (id {gid}): {ok}"),
                ),
                Some((peer, o)) => (
                    StatusKind::Error,
                    format!("{peer} {failed} {name:?}: {}", o.describe()),
                ),
                None => (
                    StatusKind::Error,
                    format!("Nothing {failed} {name:?}: the server did not report it"),
                ),
            }
        }
    };
    if let Some(r) = &outcome.recovered {
        text.push_str(&format!(" ({r})"));
    }
    // a name prompt closes once the server took the name
    if matches!(
        app.mode.overlay(),
        Some(Overlay::Prompt {
            kind: PromptKind::NewGroup | PromptKind::RenameGroup(_),
            ..
        })
    ) {
        app.mode.pop();
    }
    set_status(app, kind, text);
    refresh(app, &outcome, Some(gid));
}

fn list(peers: &[crate::domain::Peer]) -> String {
    peers
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Takes the groups re-read after the operation; keeps the popup's cursor on the group.
fn refresh(app: &mut App, outcome: &GroupOutcome, gid: Option<u64>) {
    match &outcome.refreshed {
        Some(Ok((records, groups))) => {
            app.replace_groups(records, groups);
            let len = app.group_names.len();
            let at = gid.and_then(|id| app.group_names.keys().position(|k| *k == id));
            let deleted = matches!(outcome.op, GroupOp::Delete { .. });
            if let Mode::Groups { popup, .. } = &mut app.mode {
                popup.selected = match at {
                    Some(i) if !deleted => i,
                    _ => popup.selected.min(len.saturating_sub(1)),
                };
            }
        }
        Some(Err(e)) => {
            let reload = app.keys.hint(Action::Reload);
            if let Some(s) = &mut app.status {
                s.kind = StatusKind::Error;
                s.text.push_str(&format!(
                    " · re-reading the groups failed: {}; press {reload} to reload",
                    e.describe()
                ));
            }
        }
        None => {}
    }
}

/// The prompt's byte count: `7/32 bytes`, and whether it is too long.
pub fn name_bytes(input: &Input) -> (usize, bool) {
    let n = input.value().trim().len();
    (n, n > MAX_GROUP_NAME_BYTES)
}
