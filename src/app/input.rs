//! Keys and clicks: what each one does to the state. Text inputs (the custom mark editor,
//! the filter, prompts) see keys before the key map, so typing `q` types a `q`.

use crossterm::event::{
    Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use tui_input::backend::crossterm::EventHandler;
use tui_input::{Input, InputRequest};

use crate::domain::{CustomMark, MAX_CUSTOM_MARK_BYTES, Peer};

use super::commit::staged_batches;
use super::keys::Action;
use super::msg::Cmd;
use super::state::{
    App, CommitProgress, Confirm, ConnState, Focus, Overlay, PromptKind, StatusKind, bit,
};
use super::update::{open_user, set_status};

const READ_ONLY: &str =
    "read-only: started with --read-only, so nothing can be staged or committed";

pub(super) fn on_click(app: &mut App, mouse: MouseEvent) {
    if mouse.kind != MouseEventKind::Down(MouseButton::Left)
        || app.overlay.is_some()
        || app.groups_popup.is_some()
        || app.editing_custom
    {
        return;
    }
    let (width, height) = app.size;
    let area = ratatui::layout::Rect::new(0, 0, width, height);
    if crate::ui::layout::too_small(area) {
        return;
    }
    let a = crate::ui::layout::areas(area);
    let at = ratatui::layout::Position::new(mouse.column, mouse.row);
    let inner = |r: ratatui::layout::Rect| {
        ratatui::layout::Rect::new(
            r.x + 1,
            r.y + 1,
            r.width.saturating_sub(2),
            r.height.saturating_sub(2),
        )
    };
    let list = inner(a.list);
    let grid = inner(a.grid);
    if list.contains(at) {
        let pos = app.list_offset + usize::from(at.y - list.y);
        if pos < app.visible.len() {
            app.selected = pos;
            app.focus = Focus::List;
            app.scroll_to_selected();
        }
    } else if grid.contains(at) {
        let cell_width = (grid.width / 8).max(1);
        let cell_height = if crate::ui::layout::tall_grid(height) {
            2
        } else {
            1
        };
        let col = (at.x - grid.x) / cell_width;
        let row = (at.y - grid.y) / cell_height;
        if col < 8 && row < 8 {
            app.cursor = bit(u8::try_from(row * 8 + col).unwrap_or(0));
            app.focus = Focus::Grid;
        }
    } else if a.custom.contains(at) {
        app.focus = Focus::Custom;
    }
}

fn is_press(key: &KeyEvent) -> bool {
    matches!(key.kind, KeyEventKind::Press | KeyEventKind::Repeat)
}

pub(super) fn on_key(app: &mut App, key: KeyEvent) -> Vec<Cmd> {
    if !is_press(&key) {
        return Vec::new();
    }
    if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
        app.quit = true;
        return vec![Cmd::Quit];
    }
    if app.overlay.is_some() {
        return on_overlay_key(app, key);
    }
    if app.groups_popup.is_some() {
        return super::groups::on_key(app, key);
    }
    // A focused text input sees the keys before the key map: typing `q` types a `q`.
    if app.editing_custom {
        match key.code {
            KeyCode::Enter => stage_custom(app),
            KeyCode::Esc => {
                app.editing_custom = false;
                set_status(app, StatusKind::Info, "Custom mark edit cancelled");
            }
            _ => {
                app.custom_input.handle_event(&Event::Key(key));
            }
        }
        return Vec::new();
    }
    if app.filtering {
        match key.code {
            KeyCode::Enter => app.filtering = false,
            KeyCode::Esc => {
                app.filtering = false;
                app.filter.reset();
                app.refilter();
            }
            KeyCode::Up => move_list(app, -1),
            KeyCode::Down => move_list(app, 1),
            _ => {
                if app.filter.handle_event(&Event::Key(key)).is_some() {
                    app.refilter();
                }
            }
        }
        return Vec::new();
    }
    if key.code == KeyCode::Esc {
        if app.selection.is_empty() {
            app.status = None;
        } else {
            let n = app.selection.len();
            app.selection.clear();
            set_status(
                app,
                StatusKind::Info,
                format!("Cleared the selection of {n}"),
            );
        }
        return Vec::new();
    }
    match app.keys.action(&key) {
        Some(action) => on_action(app, action),
        None => Vec::new(),
    }
}

pub(super) fn on_text_input(app: &mut App, req: InputRequest) {
    if let Some(Overlay::Prompt { input, .. }) = &mut app.overlay {
        input.handle(req);
    } else if app.editing_custom {
        app.custom_input.handle(req);
    } else if app.filtering {
        app.filter.handle(req);
        app.refilter();
    }
}

fn on_overlay_key(app: &mut App, key: KeyEvent) -> Vec<Cmd> {
    let Some(overlay) = app.overlay.take() else {
        return Vec::new();
    };
    match overlay {
        Overlay::Preview { scroll } => {
            if app.keys.action(&key) == Some(Action::Copy) {
                app.overlay = Some(overlay);
                return copy_requests(app);
            }
            let page = u16::try_from(app.list_rows.max(1)).unwrap_or(10);
            let scroll = match app.keys.action(&key) {
                Some(Action::Down) => Some(scroll.saturating_add(1)),
                Some(Action::Up) => Some(scroll.saturating_sub(1)),
                Some(Action::PageDown) => Some(scroll.saturating_add(page)),
                Some(Action::PageUp) => Some(scroll.saturating_sub(page)),
                Some(Action::Top) => Some(0),
                _ => None,
            };
            let closes = matches!(key.code, KeyCode::Esc | KeyCode::Enter)
                || matches!(
                    app.keys.action(&key),
                    Some(Action::Help | Action::Preview | Action::Quit)
                );
            if let Some(scroll) = scroll {
                app.overlay = Some(Overlay::Preview { scroll });
            } else if !closes {
                app.overlay = Some(overlay);
            }
            Vec::new()
        }
        Overlay::Help => {
            let closes = matches!(key.code, KeyCode::Esc | KeyCode::Enter)
                || matches!(
                    app.keys.action(&key),
                    Some(Action::Help | Action::Preview | Action::Quit)
                );
            if !closes {
                app.overlay = Some(overlay);
            }
            Vec::new()
        }
        // Declining deletes the journal, so only an explicit y or n answers this one.
        Overlay::Confirm(Confirm::RestoreJournal) => match key.code {
            KeyCode::Char('y' | 'Y') => super::journal::restore(app),
            KeyCode::Char('n' | 'N') => {
                super::journal::decline(app);
                Vec::new()
            }
            _ => {
                app.overlay = Some(Overlay::Confirm(Confirm::RestoreJournal));
                Vec::new()
            }
        },
        Overlay::Confirm(what) => match key.code {
            KeyCode::Char('y' | 'Y') | KeyCode::Enter => match what {
                Confirm::Quit => {
                    app.quit = true;
                    vec![Cmd::Quit]
                }
                Confirm::ToggleReserved(b) => {
                    toggle_bit(app, b);
                    Vec::new()
                }
                Confirm::RestoreJournal => Vec::new(),
                Confirm::DeleteGroup(id) => super::groups::delete(app, id),
            },
            KeyCode::Char('n' | 'N') | KeyCode::Esc => {
                set_status(app, StatusKind::Info, "Cancelled");
                Vec::new()
            }
            _ => {
                app.overlay = Some(Overlay::Confirm(what));
                Vec::new()
            }
        },
        Overlay::Prompt { kind, mut input } => match key.code {
            KeyCode::Esc => {
                set_status(app, StatusKind::Info, "Cancelled");
                Vec::new()
            }
            KeyCode::Enter => submit_prompt(app, kind, input),
            _ => {
                input.handle_event(&Event::Key(key));
                app.overlay = Some(Overlay::Prompt { kind, input });
                Vec::new()
            }
        },
    }
}

fn submit_prompt(app: &mut App, kind: PromptKind, input: Input) -> Vec<Cmd> {
    let text = input.value().trim().to_owned();
    match kind {
        PromptKind::NewGroup | PromptKind::RenameGroup(_) => {
            super::groups::submit_name(app, kind, input)
        }
        PromptKind::User => match crate::domain::validate_id(&text) {
            Ok(()) => open_user(app, text),
            Err(e) => {
                set_status(app, StatusKind::Error, format!("User ID: {e}"));
                app.overlay = Some(Overlay::Prompt { kind, input });
                Vec::new()
            }
        },
        PromptKind::AddConversation => {
            let peer = match Peer::parse(&text) {
                Ok(p) => p,
                Err(e) => {
                    set_status(app, StatusKind::Error, format!("Conversation ID: {e}"));
                    app.overlay = Some(Overlay::Prompt { kind, input });
                    return Vec::new();
                }
            };
            let Some(user) = app.user.clone() else {
                return Vec::new();
            };
            if let Some(i) = app.index.get(&peer).copied() {
                // already listed: just select it
                if let Some(r) = app.conversations.get(i).map(|c| c.peer.clone()) {
                    app.filter.reset();
                    app.refilter();
                    app.selected = app.visible.iter().position(|v| *v == i).unwrap_or(0);
                    app.scroll_to_selected();
                    set_status(app, StatusKind::Info, format!("{r} is already in the list"));
                }
                return Vec::new();
            }
            app.in_flight += 1;
            set_status(app, StatusKind::Info, format!("Looking up {peer}…"));
            vec![Cmd::LookUp {
                generation: app.generation,
                user,
                peer,
            }]
        }
    }
}

/// Starts loading a user (the prompt, `--user`, `u`).
fn move_list(app: &mut App, delta: isize) {
    if app.visible.is_empty() {
        return;
    }
    let last = app.visible.len() - 1;
    app.selected = app.selected.saturating_add_signed(delta).min(last);
    app.scroll_to_selected();
    app.editing_custom = false;
}

fn move_cursor(app: &mut App, delta: i16) {
    let next = (i16::from(app.cursor.get()) + delta).clamp(0, 63);
    app.cursor = bit(u8::try_from(next).unwrap_or(0));
}

fn on_action(app: &mut App, action: Action) -> Vec<Cmd> {
    let page = isize::try_from(app.list_rows.max(1)).unwrap_or(10);
    match action {
        Action::Up => match app.focus {
            Focus::Grid => move_cursor(app, -8),
            _ => move_list(app, -1),
        },
        Action::Down => match app.focus {
            Focus::Grid => move_cursor(app, 8),
            _ => move_list(app, 1),
        },
        Action::Left => match app.focus {
            Focus::Grid if app.cursor.get() % 8 == 0 => app.focus = Focus::List,
            Focus::Grid => move_cursor(app, -1),
            _ => {}
        },
        Action::Right => match app.focus {
            Focus::List => app.focus = Focus::Grid,
            Focus::Grid if app.cursor.get() % 8 != 7 => move_cursor(app, 1),
            _ => {}
        },
        Action::PageUp => move_list(app, -page),
        Action::PageDown => move_list(app, page),
        Action::Top => match app.focus {
            Focus::Grid => app.cursor = bit(0),
            _ => move_list(app, isize::MIN / 2),
        },
        Action::Bottom => match app.focus {
            Focus::Grid => app.cursor = bit(63),
            _ => move_list(app, isize::MAX / 2),
        },
        Action::NextPane => app.focus = app.focus.next(),
        Action::PrevPane => app.focus = app.focus.prev(),
        Action::Toggle => {
            if app.focus == Focus::Custom {
                begin_custom_edit(app);
            } else if app.session.read_only {
                set_status(app, StatusKind::Error, READ_ONLY);
            } else if app.current().is_none() {
                set_status(app, StatusKind::Error, "No conversation is selected");
            } else if app.cursor.is_reserved() {
                app.overlay = Some(Overlay::Confirm(Confirm::ToggleReserved(app.cursor)));
            } else {
                toggle_bit(app, app.cursor);
            }
        }
        Action::EditCustom => begin_custom_edit(app),
        Action::Unstage if !app.selection.is_empty() => {
            app.counts_stale = true;
            app.stage_changed = true;
            let mut dropped = 0;
            for i in app.targets() {
                if let Some(c) = app.conversations.get_mut(i) {
                    dropped += usize::from(!c.staged.is_empty());
                    c.staged = Default::default();
                }
            }
            set_status(
                app,
                StatusKind::Info,
                format!(
                    "Dropped the staged edits of {dropped} of {} selected conversation(s)",
                    app.selection.len()
                ),
            );
        }
        Action::Unstage => {
            app.counts_stale = true;
            app.stage_changed = true;
            if let Some(c) = app.current_mut() {
                let had = !c.staged.is_empty();
                c.staged = Default::default();
                let peer = c.peer.clone();
                if had {
                    set_status(
                        app,
                        StatusKind::Info,
                        format!("Dropped the staged edit of {peer}"),
                    );
                }
            }
        }
        Action::Commit => return commit(app),
        Action::Copy => return copy_conversation(app),
        Action::Select => {
            let Some(peer) = app.current().map(|c| c.peer.clone()) else {
                set_status(app, StatusKind::Error, "No conversation is selected");
                return Vec::new();
            };
            let verb = if app.selection.remove(&peer) {
                "Unselected"
            } else {
                app.selection.insert(peer.clone());
                "Selected"
            };
            move_list(app, 1);
            let n = app.selection.len();
            set_status(
                app,
                StatusKind::Info,
                format!("{verb} {peer}: {n} selected; Space/Enter apply to all, Esc clears"),
            );
        }
        Action::SelectAll => {
            let peers: Vec<_> = app
                .visible
                .iter()
                .filter_map(|i| app.conversations.get(*i).map(|c| c.peer.clone()))
                .collect();
            app.selection.extend(peers);
            let n = app.selection.len();
            set_status(
                app,
                StatusKind::Info,
                format!("{n} selected; Space/Enter apply to all, Esc clears"),
            );
        }
        Action::Preview => app.overlay = Some(Overlay::Preview { scroll: 0 }),
        Action::Help => app.overlay = Some(Overlay::Help),
        Action::Groups => super::groups::open(app),
        Action::Filter => {
            app.filtering = true;
            app.focus = Focus::List;
        }
        Action::Add => {
            if app.user.is_none() {
                set_status(app, StatusKind::Error, "Open a user first (u)");
            } else {
                app.overlay = Some(Overlay::Prompt {
                    kind: PromptKind::AddConversation,
                    input: Input::default(),
                });
            }
        }
        Action::SwitchUser => {
            if app.staged_count() > 0 || app.in_flight > 0 {
                set_status(
                    app,
                    StatusKind::Error,
                    format!(
                        "{} conversation(s) have staged edits: commit (c) or drop them (x) before switching user",
                        app.staged_count()
                    ),
                );
            } else {
                app.overlay = Some(Overlay::Prompt {
                    kind: PromptKind::User,
                    input: Input::default(),
                });
            }
        }
        Action::Reload => {
            if let Some(user) = app.user.clone() {
                if app.committing {
                    set_status(
                        app,
                        StatusKind::Error,
                        "A commit is in flight; reload when it is done",
                    );
                } else {
                    app.generation += 1;
                    app.conn = ConnState::Loading;
                    app.in_flight = 1;
                    set_status(app, StatusKind::Info, format!("Reloading {user}…"));
                    return vec![Cmd::LoadUser {
                        generation: app.generation,
                        user,
                    }];
                }
            }
        }
        Action::Quit => {
            if app.staged_count() > 0 || app.in_flight > 0 {
                app.overlay = Some(Overlay::Confirm(Confirm::Quit));
            } else {
                app.quit = true;
                return vec![Cmd::Quit];
            }
        }
    }
    Vec::new()
}

fn toggle_bit(app: &mut App, b: crate::domain::BitIndex) {
    if app.session.read_only {
        set_status(app, StatusKind::Error, READ_ONLY);
        return;
    }
    if !app.selection.is_empty() {
        stage_bit_on_selection(app, b);
        return;
    }
    app.counts_stale = true;
    app.stage_changed = true;
    let Some(c) = app.current_mut() else {
        return;
    };
    let current = c.mark.value;
    c.staged.toggle(b, current);
    let now = c.effective().contains(b);
    let staged = c.staged.set.contains(b) || c.staged.clear.contains(b);
    let peer = c.peer.clone();
    let text = if staged {
        format!(
            "Staged: bit {} ({}) {} for {peer}; c commits, p previews",
            b.get(),
            b.docs_name(),
            if now { "on" } else { "off" }
        )
    } else {
        format!(
            "Unstaged bit {} for {peer}: back to the server's value",
            b.get()
        )
    };
    set_status(app, StatusKind::Info, text);
}

/// With a selection, Space sets the bit to the cursor conversation's new value (the flip
/// of what it shows now) on every selected conversation; those that already have that
/// value stage nothing.
fn stage_bit_on_selection(app: &mut App, b: crate::domain::BitIndex) {
    let Some(on) = app.current().map(|c| !c.effective().contains(b)) else {
        return;
    };
    app.counts_stale = true;
    app.stage_changed = true;
    let targets = app.targets();
    let mut staged = 0;
    for i in &targets {
        if let Some(c) = app.conversations.get_mut(*i) {
            c.staged.want_bit(b, on, c.mark.value);
            staged += usize::from(c.staged.set.contains(b) || c.staged.clear.contains(b));
        }
    }
    set_status(
        app,
        StatusKind::Info,
        format!(
            "Staged: bit {} ({}) {} for {} selected conversation(s), {staged} of them change; c commits",
            b.get(),
            b.docs_name(),
            if on { "on" } else { "off" },
            targets.len()
        ),
    );
}

fn begin_custom_edit(app: &mut App) {
    if app.session.read_only {
        set_status(app, StatusKind::Error, READ_ONLY);
        return;
    }
    let Some(c) = app.current() else {
        set_status(app, StatusKind::Error, "No conversation is selected");
        return;
    };
    let value = c.effective_custom().to_owned();
    app.custom_input = Input::new(value);
    app.editing_custom = true;
    app.focus = Focus::Custom;
    let text = if app.selection.is_empty() {
        "Editing the custom mark: Enter stages it, Esc cancels".to_owned()
    } else {
        format!(
            "Editing the custom mark of {} selected conversation(s): Enter stages it on all, Esc cancels",
            app.selection.len()
        )
    };
    set_status(app, StatusKind::Info, text);
}

fn stage_custom(app: &mut App) {
    let text = app.custom_input.value().to_owned();
    let mark = match CustomMark::new(text) {
        Ok(m) => m,
        Err(e) => {
            set_status(app, StatusKind::Error, format!("Not staged: {e}"));
            return;
        }
    };
    app.counts_stale = true;
    app.stage_changed = true;
    app.editing_custom = false;
    // the selection, else the conversation under the cursor
    let targets = app.targets();
    let mut staged = 0;
    for i in &targets {
        if let Some(c) = app.conversations.get_mut(*i) {
            let current = c.custom.clone();
            c.staged.set_custom(mark.clone(), &current);
            staged += usize::from(c.staged.custom.is_some());
        }
    }
    let bytes = mark.as_str().len();
    let text = if !app.selection.is_empty() {
        format!(
            "Staged the custom mark ({bytes}/{MAX_CUSTOM_MARK_BYTES} bytes) on {} selected conversation(s), {staged} of them change; c commits",
            targets.len()
        )
    } else if let Some(c) = targets.first().and_then(|i| app.conversations.get(*i)) {
        if staged > 0 {
            format!(
                "Staged the custom mark of {} ({bytes}/{MAX_CUSTOM_MARK_BYTES} bytes); c commits",
                c.peer
            )
        } else {
            format!("The custom mark of {} is unchanged: nothing staged", c.peer)
        }
    } else {
        return;
    };
    set_status(app, StatusKind::Info, text);
}

fn commit(app: &mut App) -> Vec<Cmd> {
    if app.session.read_only {
        set_status(app, StatusKind::Error, READ_ONLY);
        return Vec::new();
    }
    if app.committing {
        set_status(app, StatusKind::Error, "A commit is already in flight");
        return Vec::new();
    }
    let Some(user) = app.user.clone() else {
        return Vec::new();
    };
    let batches = staged_batches(app);
    if batches.is_empty() {
        set_status(app, StatusKind::Info, "Nothing is staged");
        return Vec::new();
    }
    let total: usize = batches.iter().map(Vec::len).sum();
    app.progress = Some(CommitProgress {
        done_items: 0,
        total_items: total,
        done_calls: 0,
        total_calls: batches.len(),
    });
    app.committing = true;
    app.in_flight += 1;
    set_status(
        app,
        StatusKind::Info,
        format!(
            "Committing {total} conversation(s) in {} call(s)…",
            batches.len()
        ),
    );
    vec![Cmd::Commit {
        generation: app.generation,
        user,
        batches,
        audit_dir: app.session.data_dir.clone(),
    }]
}

/// `y`: the conversation under the cursor as one line of JSON, as the server holds it.
fn copy_conversation(app: &mut App) -> Vec<Cmd> {
    let Some(c) = app.current() else {
        set_status(
            app,
            StatusKind::Error,
            "No conversation is selected: nothing to copy",
        );
        return Vec::new();
    };
    let bits: Vec<u8> = c.mark.value.indices().map(|b| b.get()).collect();
    let text = serde_json::json!({
        "conversation": c.peer.conversation_id(),
        "hex": c.mark.value.hex(),
        "bits": bits,
        "standard_mark": c.mark.raw,
        "custom_mark": c.custom,
    })
    .to_string();
    let peer = c.peer.conversation_id();
    set_status(
        app,
        StatusKind::Ok,
        format!("Copied {peer}: ID, hex, bits, StandardMark, custom mark as JSON (OSC 52)"),
    );
    vec![Cmd::Copy { text }]
}

/// `y` in the request preview: the body of every call, one compact JSON object a line.
fn copy_requests(app: &mut App) -> Vec<Cmd> {
    let Some(user) = app.user.clone() else {
        set_status(app, StatusKind::Error, "No user is open: nothing to copy");
        return Vec::new();
    };
    let bodies: Vec<String> = staged_batches(app)
        .iter()
        .filter_map(|batch| serde_json::to_string(&super::commit::request(&user, batch)).ok())
        .collect();
    if bodies.is_empty() {
        set_status(app, StatusKind::Info, "Nothing is staged: nothing to copy");
        return Vec::new();
    }
    set_status(
        app,
        StatusKind::Ok,
        format!(
            "Copied the JSON body of {} mark_contact call(s), one a line (OSC 52)",
            bodies.len()
        ),
    );
    vec![Cmd::Copy {
        text: bodies.join("\n"),
    }]
}
