//! `update`: the one place the state changes. Pure: no I/O; side effects are returned as
//! commands for the runtime.

use crate::api::codes;
use tui_input::InputRequest;

use super::commit;
use super::input::{on_click, on_key, on_text_input};
use super::msg::{BatchOutcome, Cmd, Msg, Records};
use super::state::{App, ConnState, Focus, RowResult, Status, StatusKind};

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
            for c in text.chars().filter(|c| !c.is_control()) {
                on_text_input(app, InputRequest::InsertChar(c));
            }
            Vec::new()
        }
        Msg::Mouse(mouse) => {
            on_click(app, mouse);
            Vec::new()
        }
        Msg::Resize { width, height } => {
            app.size = (width, height);
            app.list_rows = crate::ui::layout::list_rows(width, height);
            app.scroll_to_selected();
            Vec::new()
        }
        Msg::Tick => {
            if app.in_flight > 0 {
                app.spinner = app.spinner.wrapping_add(1);
            }
            Vec::new()
        }
        Msg::Loaded {
            generation,
            user,
            result,
        } => {
            if generation != app.generation {
                return Vec::new();
            }
            app.in_flight = app.in_flight.saturating_sub(1);
            match result {
                Ok(data) => {
                    app.load(data);
                    app.recount();
                    app.conn = ConnState::Ready;
                    // a reload rebases the staged edits on what the server holds now
                    app.stage_changed = true;
                    set_status(
                        app,
                        StatusKind::Ok,
                        format!(
                            "Loaded {} conversations of {user} ({} marked or grouped)",
                            app.conversations.len(),
                            app.marked_count()
                        ),
                    );
                    return super::journal::check(app).into_iter().collect();
                }
                Err(e) => {
                    app.conn = ConnState::Failed(e.describe());
                    set_status(
                        app,
                        StatusKind::Error,
                        format!("Cannot load {user}: {}", e.describe()),
                    );
                }
            }
            Vec::new()
        }
        Msg::CommitProgress { generation, items } => {
            if generation == app.generation
                && let Some(p) = &mut app.progress
            {
                p.done_items += items;
                p.done_calls += 1;
            }
            Vec::new()
        }
        Msg::Committed {
            generation,
            outcomes,
            audit_error,
        } => {
            let cmds = on_committed(app, generation, outcomes);
            if let (Some(e), Some(status)) = (audit_error, &mut app.status) {
                status.kind = StatusKind::Error;
                status.text.push_str(&format!(" · {e}"));
            }
            cmds
        }
        Msg::JournalLoaded { generation, result } => {
            if generation == app.generation {
                super::journal::on_loaded(app, result);
            }
            Vec::new()
        }
        Msg::GroupDone {
            generation,
            op,
            result,
        } => {
            super::groups::on_done(app, generation, op, result);
            Vec::new()
        }
        Msg::LocalFailed(text) => {
            set_status(app, StatusKind::Error, text);
            Vec::new()
        }
        Msg::ReadBack { generation, result } => {
            if generation != app.generation {
                return Vec::new();
            }
            app.in_flight = app.in_flight.saturating_sub(1);
            match result {
                Ok(Records { records, groups }) => {
                    app.stage_changed = true;
                    for r in &records {
                        if let Some(c) = app
                            .index
                            .get(&r.contact.0)
                            .and_then(|i| app.conversations.get_mut(*i))
                        {
                            c.apply_record(r);
                        }
                    }
                    app.merge_group_names(&groups);
                    if let Some(s) = &mut app.status {
                        s.text.push_str(&format!(" · read back {}", records.len()));
                    }
                }
                Err(e) => set_status(
                    app,
                    StatusKind::Error,
                    format!(
                        "Committed, but the read-back failed: {}; press r to reload",
                        e.describe()
                    ),
                ),
            }
            Vec::new()
        }
        Msg::LookedUp {
            generation,
            peer,
            result,
        } => {
            if generation != app.generation {
                return Vec::new();
            }
            app.in_flight = app.in_flight.saturating_sub(1);
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
            Vec::new()
        }
    }
}

pub(super) fn set_status(app: &mut App, kind: StatusKind, text: impl Into<String>) {
    app.status = Some(Status {
        kind,
        text: text.into(),
    });
}

pub fn open_user(app: &mut App, user: String) -> Vec<Cmd> {
    app.generation += 1;
    app.user = Some(user.clone());
    app.conversations.clear();
    app.counts_stale = true;
    app.index.clear();
    app.visible.clear();
    app.group_names.clear();
    app.selected = 0;
    app.list_offset = 0;
    app.filter.reset();
    app.conn = ConnState::Loading;
    app.in_flight = 1;
    app.committing = false;
    app.group_busy = false;
    app.progress = None;
    app.selection.clear();
    app.journal_active = false;
    app.journal_offer = None;
    set_status(app, StatusKind::Info, format!("Loading {user}…"));
    vec![Cmd::LoadUser {
        generation: app.generation,
        user,
    }]
}

fn on_committed(app: &mut App, generation: u64, outcomes: Vec<BatchOutcome>) -> Vec<Cmd> {
    if generation != app.generation {
        return Vec::new();
    }
    app.in_flight = app.in_flight.saturating_sub(1);
    app.committing = false;
    app.stage_changed = true;
    let (mut ok, mut failed) = (0usize, 0usize);
    let mut first_failure: Option<String> = None;
    let mut peers = Vec::new();
    for outcome in &outcomes {
        match commit::items(outcome) {
            Ok(items) => {
                for (change, item) in items {
                    let Some(c) = app
                        .index
                        .get(&change.peer)
                        .and_then(|i| app.conversations.get_mut(*i))
                    else {
                        continue;
                    };
                    match item {
                        Some(r) if r.result_code == 0 => {
                            c.apply_success(&change.edit);
                            c.result = Some(RowResult::Ok);
                            ok += 1;
                        }
                        Some(r) => {
                            let reason = codes::describe_with_info(r.result_code, &r.result_info);
                            first_failure.get_or_insert_with(|| reason.clone());
                            c.result = Some(RowResult::Failed {
                                code: Some(r.result_code),
                                reason,
                            });
                            failed += 1;
                        }
                        None => {
                            let reason =
                                "the server did not report this conversation; it stays staged"
                                    .to_owned();
                            first_failure.get_or_insert_with(|| reason.clone());
                            c.result = Some(RowResult::Failed { code: None, reason });
                            failed += 1;
                        }
                    }
                    peers.push(change.peer.clone());
                }
            }
            Err(e) => {
                let reason = e.describe();
                first_failure.get_or_insert_with(|| reason.clone());
                for change in &outcome.sent {
                    if let Some(c) = app
                        .index
                        .get(&change.peer)
                        .and_then(|i| app.conversations.get_mut(*i))
                    {
                        c.result = Some(RowResult::Failed {
                            code: e.code(),
                            reason: reason.clone(),
                        });
                        failed += 1;
                    }
                }
            }
        }
    }
    if failed == 0 {
        set_status(
            app,
            StatusKind::Ok,
            format!("Committed {ok} conversation(s): {}", codes::describe(0)),
        );
    } else {
        set_status(
            app,
            StatusKind::Error,
            format!(
                "{failed} failed (still staged), {ok} committed: {}",
                first_failure.unwrap_or_default()
            ),
        );
    }
    if peers.is_empty() {
        return Vec::new();
    }
    app.in_flight += 1;
    vec![Cmd::ReadBack {
        generation: app.generation,
        user: app.user.clone().unwrap_or_default(),
        peers,
    }]
}
