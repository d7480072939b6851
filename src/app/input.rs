//! Keys and clicks: what each one does to the state, by [`Mode`]. Text inputs (the custom
//! mark editor, the filter, prompts) see keys before the key map, so typing `q` types a
//! `q`; only Enter and Esc act there.

use crossterm::event::{
    Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use tui_input::backend::crossterm::EventHandler;
use tui_input::{Input, InputRequest};

use crate::domain::{CustomMark, MAX_CUSTOM_MARK_BYTES, Peer};
use crate::layout::Hit;
use crate::text::thousands;

use super::keys::Action;
use super::mode::{Confirm, Mode, Overlay, PromptKind};
use super::msg::Cmd;
use super::requests::RequestKind;
use super::state::{App, Focus, StatusKind, bit};
use super::update::set_status;

pub(super) const READ_ONLY: &str =
    "read-only: started with --read-only, so nothing can be staged or committed";

pub(super) fn on_click(app: &mut App, mouse: MouseEvent) {
    if mouse.kind != MouseEventKind::Down(MouseButton::Left) || !app.mode.is_normal() {
        return;
    }
    match crate::layout::hit(app.size, app.custom_lines(), mouse.column, mouse.row) {
        Hit::ListRow(row) => {
            let pos = app.list_offset + row;
            if pos < app.visible.len() {
                app.selected = pos;
                app.focus = Focus::List;
                app.scroll_to_selected();
            }
        }
        Hit::GridCell(index) => {
            app.cursor = bit(index);
            app.focus = Focus::Grid;
        }
        Hit::Custom => app.focus = Focus::Custom,
        Hit::Nothing => {}
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
    let (width, height) = app.size;
    if crate::layout::too_small(ratatui::layout::Rect::new(0, 0, width, height)) {
        return on_small_screen_key(app, &key);
    }
    if app.mode.overlay().is_some() {
        return on_overlay_key(app, key);
    }
    match app.mode {
        Mode::Groups { .. } => super::groups::on_key(app, key),
        Mode::EditCustom => {
            match key.code {
                KeyCode::Enter => stage_custom(app),
                KeyCode::Esc => {
                    app.mode = Mode::Normal;
                    set_status(app, StatusKind::Info, "Custom mark edit cancelled");
                }
                _ => {
                    app.custom_input.handle_event(&Event::Key(key));
                    clear_fixed_custom_error(app);
                }
            }
            Vec::new()
        }
        Mode::Filter => {
            match key.code {
                KeyCode::Enter => {
                    app.mode = Mode::Normal;
                    if let Some(e) = app.filter_applied.error.clone() {
                        set_status(app, StatusKind::Error, e);
                    }
                }
                KeyCode::Esc => {
                    app.mode = Mode::Normal;
                    clear_filter(app);
                }
                KeyCode::Up => move_list(app, -1),
                KeyCode::Down => move_list(app, 1),
                _ => {
                    if app.filter.handle_event(&Event::Key(key)).is_some() {
                        app.refilter();
                        show_filter_error(app);
                    }
                }
            }
            Vec::new()
        }
        _ => match app.keys.action(&key) {
            Some(action) => on_action(app, action),
            None => Vec::new(),
        },
    }
}

/// In a terminal too small for the layout only what the small screen says works: `q`
/// quits (twice when something would be lost), Ctrl-C force-quits.
fn on_small_screen_key(app: &mut App, key: &KeyEvent) -> Vec<Cmd> {
    if app.keys.action(key) != Some(Action::Quit) {
        return Vec::new();
    }
    if app.staged_count() == 0 && !app.busy()
        || matches!(app.mode.overlay(), Some(Overlay::Confirm(Confirm::Quit)))
    {
        app.quit = true;
        return vec![Cmd::Quit];
    }
    app.mode = Mode::Overlay(Overlay::Confirm(Confirm::Quit));
    Vec::new()
}

/// Typed or pasted text goes to the open text input, if any.
pub(super) fn on_text_input(app: &mut App, req: InputRequest) {
    if let Some(Overlay::Prompt { input, .. }) = app.mode.overlay_mut() {
        input.handle(req);
    } else if app.editing_custom() {
        app.custom_input.handle(req);
        clear_fixed_custom_error(app);
    } else if app.filtering() {
        app.filter.handle(req);
        app.refilter();
    }
}

/// A refusal to stage the custom mark ("Not staged: … 360 bytes") leaves the status line
/// once the text has been edited into a mark that can be staged.
fn clear_fixed_custom_error(app: &mut App) {
    let refused = app
        .status
        .as_ref()
        .is_some_and(|s| s.kind == StatusKind::Error && s.text.starts_with(CUSTOM_REFUSED));
    if refused && CustomMark::new(app.custom_input.value().to_owned()).is_ok() {
        app.status = None;
    }
}

/// How a refused custom mark's message begins.
const CUSTOM_REFUSED: &str = "Not staged: ";

/// The filter's error on the status line while it lasts (not logged per keystroke: the log
/// gets it when the filter is kept with Enter), cleared once the text is valid again.
fn show_filter_error(app: &mut App) {
    match app.filter_applied.error.clone() {
        Some(text) => {
            app.status = Some(super::state::Status {
                kind: StatusKind::Error,
                text,
            });
            app.filter_error_shown = true;
        }
        None if app.filter_error_shown => {
            app.status = None;
            app.filter_error_shown = false;
        }
        None => {}
    }
}

fn clear_filter(app: &mut App) {
    if app.filter.value().is_empty() {
        return;
    }
    app.filter.reset();
    // the cursor stays on the conversation it was on
    app.refilter();
    set_status(app, StatusKind::Info, "Filter cleared");
}

/// Lines an overlay can scroll, at this terminal size.
fn max_scroll(app: &App, overlay: &Overlay) -> u16 {
    let (width, height) = app.size;
    let (text_rows, view) = match overlay {
        Overlay::Preview { text, .. } => (
            crate::layout::wrapped_rows(text, crate::layout::preview_width(width)),
            crate::layout::preview_rows(height),
        ),
        Overlay::Help { .. } => {
            let (cols, rows) = crate::layout::help_text_size(width, height);
            (super::help::rows(app, cols).len(), rows)
        }
        Overlay::Messages { .. } => {
            let cols = crate::layout::preview_width(width).saturating_sub(8);
            let rows = app
                .messages
                .iter()
                .map(|m| crate::layout::wrapped_word_rows(&m.text, cols))
                .sum();
            (rows, crate::layout::preview_rows(height))
        }
        _ => return u16::MAX,
    };
    u16::try_from(text_rows.saturating_sub(view)).unwrap_or(u16::MAX)
}

/// After a resize, scrolled overlays stay within their text.
pub(super) fn clamp_scrolls(app: &mut App) {
    let Some(overlay) = app.mode.overlay() else {
        return;
    };
    let max = max_scroll(app, overlay);
    if let Some(
        Overlay::Preview { scroll, .. } | Overlay::Messages { scroll } | Overlay::Help { scroll },
    ) = app.mode.overlay_mut()
    {
        *scroll = (*scroll).min(max);
    }
}

fn scrolled(app: &App, action: Option<Action>, scroll: u16, max: u16) -> Option<u16> {
    let page = u16::try_from(crate::layout::preview_rows(app.size.1).max(1)).unwrap_or(10);
    let next = match action? {
        Action::Down => scroll.saturating_add(1),
        Action::Up => scroll.saturating_sub(1),
        Action::PageDown => scroll.saturating_add(page),
        Action::PageUp => scroll.saturating_sub(page),
        Action::Top => 0,
        Action::Bottom => max,
        _ => return None,
    };
    Some(next.min(max))
}

fn closes(app: &App, key: &KeyEvent, own: Action) -> bool {
    key.code == KeyCode::Enter
        || matches!(
            app.keys.action(key),
            Some(a) if a == own || a == Action::Back || a == Action::Quit
        )
}

fn on_overlay_key(app: &mut App, key: KeyEvent) -> Vec<Cmd> {
    let Some(overlay) = app.mode.pop() else {
        return Vec::new();
    };
    let action = app.keys.action(&key);
    match overlay {
        Overlay::Preview { text, scroll } => {
            if action == Some(Action::Copy) {
                app.mode.push(Overlay::Preview { text, scroll });
                return copy_requests(app);
            }
            let max = max_scroll(
                app,
                &Overlay::Preview {
                    text: text.clone(),
                    scroll,
                },
            );
            if let Some(scroll) = scrolled(app, action, scroll, max) {
                app.mode.push(Overlay::Preview { text, scroll });
            } else if !closes(app, &key, Action::Preview) {
                app.mode.push(Overlay::Preview { text, scroll });
            }
            Vec::new()
        }
        Overlay::Messages { scroll } => {
            let max = max_scroll(app, &Overlay::Messages { scroll });
            if let Some(scroll) = scrolled(app, action, scroll, max) {
                app.mode.push(Overlay::Messages { scroll });
            } else if !closes(app, &key, Action::Messages) {
                app.mode.push(Overlay::Messages { scroll });
            }
            Vec::new()
        }
        Overlay::Help { scroll } => {
            let max = max_scroll(app, &Overlay::Help { scroll });
            if let Some(scroll) = scrolled(app, action, scroll, max) {
                app.mode.push(Overlay::Help { scroll });
            } else if !closes(app, &key, Action::Help) {
                app.mode.push(Overlay::Help { scroll });
            }
            Vec::new()
        }
        Overlay::Staged { selected } => super::staged::on_key(app, key, selected),
        Overlay::History {
            entries,
            selected,
            error,
        } => super::history::on_key(app, key, entries, selected, error),
        // Declining deletes the journal, so only an explicit y or n answers this one.
        Overlay::Confirm(Confirm::RestoreJournal) => match key.code {
            KeyCode::Char('y' | 'Y') => super::journal::restore(app),
            KeyCode::Char('n' | 'N') => {
                super::journal::decline(app);
                Vec::new()
            }
            _ => {
                app.mode.push(Overlay::Confirm(Confirm::RestoreJournal));
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
                Confirm::DropAll { .. } => {
                    drop_all(app);
                    Vec::new()
                }
            },
            KeyCode::Char('n' | 'N') | KeyCode::Esc => {
                set_status(app, StatusKind::Info, "Cancelled");
                if let Confirm::DropAll {
                    from_staged: Some(selected),
                } = what
                {
                    app.mode.push(Overlay::Staged { selected });
                }
                Vec::new()
            }
            _ => {
                app.mode.push(Overlay::Confirm(what));
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
                app.mode.push(Overlay::Prompt { kind, input });
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
        PromptKind::User => match crate::domain::parse_user(&text) {
            Ok(user) => super::loading::open_user(app, user),
            Err(e) => {
                set_status(app, StatusKind::Error, format!("User ID: {e}"));
                app.mode.push(Overlay::Prompt { kind, input });
                Vec::new()
            }
        },
        PromptKind::AddConversation => {
            let peer = match Peer::parse(&text) {
                Ok(p) => p,
                Err(e) => {
                    set_status(app, StatusKind::Error, format!("Conversation ID: {e}"));
                    app.mode.push(Overlay::Prompt { kind, input });
                    return Vec::new();
                }
            };
            let Some(user) = app.user.clone() else {
                return Vec::new();
            };
            if app.index.contains_key(&peer) {
                // already listed: just select it
                if !app.select_peer(&peer) {
                    app.filter.reset();
                    app.refilter();
                    app.select_peer(&peer);
                }
                set_status(
                    app,
                    StatusKind::Info,
                    format!("{peer} is already in the list"),
                );
                return Vec::new();
            }
            let id = app.requests.start(RequestKind::LookUp(peer.clone()), &user);
            set_status(app, StatusKind::Info, format!("Looking up {peer}…"));
            vec![Cmd::LookUp { id, user, peer }]
        }
    }
}

pub(super) fn move_list(app: &mut App, delta: isize) {
    if app.visible.is_empty() {
        return;
    }
    let last = app.visible.len() - 1;
    app.selected = app.selected.saturating_add_signed(delta).min(last);
    app.scroll_to_selected();
}

fn move_cursor(app: &mut App, delta: i16) {
    let next = (i16::from(app.cursor.get()) + delta).clamp(0, 63);
    app.cursor = bit(u8::try_from(next).unwrap_or(0));
}

/// Refuses a key that would stage: read-only, or the load is not complete.
fn refuse_staging(app: &mut App) -> bool {
    if app.session.read_only {
        set_status(app, StatusKind::Error, READ_ONLY);
        return true;
    }
    if let Some(why) = super::loading::still_loading(app) {
        set_status(app, StatusKind::Error, why);
        return true;
    }
    false
}

/// Actions that act on the open user's conversations.
fn needs_user(action: Action) -> bool {
    matches!(
        action,
        Action::Toggle
            | Action::EditCustom
            | Action::Unstage
            | Action::DropAll
            | Action::Commit
            | Action::Preview
            | Action::Staged
            | Action::Select
            | Action::SelectAll
            | Action::Add
            | Action::Groups
            | Action::History
            | Action::Reload
            | Action::Copy
    )
}

fn on_action(app: &mut App, action: Action) -> Vec<Cmd> {
    let page = isize::try_from(app.list_rows.max(1)).unwrap_or(10);
    if app.user.is_none() && needs_user(action) {
        let key = app.keys.hint(Action::SwitchUser);
        set_status(app, StatusKind::Error, format!("Open a user first ({key})"));
        return Vec::new();
    }
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
        Action::Back => return on_back(app),
        Action::NextPane => app.focus = app.focus.next(),
        Action::PrevPane => app.focus = app.focus.prev(),
        Action::Toggle => {
            if app.focus == Focus::Custom {
                begin_custom_edit(app);
            } else if refuse_staging(app) {
            } else if app.current().is_none() {
                set_status(app, StatusKind::Error, "No conversation is selected");
            } else if app.cursor.is_reserved() {
                app.mode = Mode::Overlay(Overlay::Confirm(Confirm::ToggleReserved(app.cursor)));
            } else {
                toggle_bit(app, app.cursor);
            }
        }
        Action::EditCustom => begin_custom_edit(app),
        Action::Unstage => unstage(app),
        Action::DropAll => {
            if app.staged_count() == 0 {
                set_status(app, StatusKind::Info, "Nothing is staged");
            } else {
                app.mode = Mode::Overlay(Overlay::Confirm(Confirm::DropAll { from_staged: None }));
            }
        }
        Action::Commit => return super::commit::start(app),
        Action::Copy => return copy_conversation(app),
        Action::Select | Action::SelectAll if app.session.read_only => {
            set_status(app, StatusKind::Error, READ_ONLY);
        }
        Action::Select => {
            let Some(peer) = app.current().map(|c| c.peer().clone()) else {
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
            let text = format!(
                "{verb} {peer}: {n} selected; {}/{} apply to all, {} clears",
                app.keys.hint(Action::Toggle),
                app.keys.hint(Action::EditCustom),
                app.keys.hint(Action::Back)
            );
            set_status(app, StatusKind::Info, text);
        }
        Action::SelectAll => {
            let peers: Vec<_> = app
                .visible
                .iter()
                .filter_map(|i| app.conversations.get(*i).map(|c| c.peer().clone()))
                .collect();
            app.selection.extend(peers);
            let text = format!(
                "{} selected; {}/{} apply to all, {} clears",
                thousands(app.selection.len()),
                app.keys.hint(Action::Toggle),
                app.keys.hint(Action::EditCustom),
                app.keys.hint(Action::Back)
            );
            set_status(app, StatusKind::Info, text);
        }
        Action::Preview => {
            let text = super::commit::preview(app);
            app.mode = Mode::Overlay(Overlay::Preview { text, scroll: 0 });
        }
        Action::Staged => app.mode = Mode::Overlay(Overlay::Staged { selected: 0 }),
        Action::NextStaged => jump(app, |c| !c.staged.is_empty(), "staged"),
        Action::NextFailed => jump(app, super::state::Row::failed, "failed"),
        Action::Help => app.mode = Mode::Overlay(Overlay::Help { scroll: 0 }),
        Action::Messages => app.mode = Mode::Overlay(Overlay::Messages { scroll: 0 }),
        Action::History => return super::history::open(app),
        Action::Groups => super::groups::open(app),
        Action::Filter => {
            app.mode = Mode::Filter;
            app.focus = Focus::List;
        }
        Action::Add => {
            if app.user.is_none() {
                let key = app.keys.hint(Action::SwitchUser);
                set_status(app, StatusKind::Error, format!("Open a user first ({key})"));
            } else {
                app.mode = Mode::Overlay(Overlay::Prompt {
                    kind: PromptKind::AddConversation,
                    input: Input::default(),
                });
            }
        }
        Action::SwitchUser => {
            if app.staged_count() > 0 {
                let text = format!(
                    "{} conversation(s) have staged edits: commit ({}) or drop them ({}) before switching user",
                    app.staged_count(),
                    app.keys.hint(Action::Commit),
                    app.keys.hint(Action::DropAll)
                );
                set_status(app, StatusKind::Error, text);
            } else if app.requests.committing().is_some() || app.requests.group_busy() {
                set_status(
                    app,
                    StatusKind::Error,
                    "A change is in flight; switch user when its answer is in",
                );
            } else {
                app.mode = Mode::Overlay(Overlay::Prompt {
                    kind: PromptKind::User,
                    input: Input::default(),
                });
            }
        }
        Action::Reload => {
            if app.user.is_none() {
                return Vec::new();
            }
            if app.requests.committing().is_some() {
                set_status(
                    app,
                    StatusKind::Error,
                    "A commit is in flight; reload when it is done",
                );
            } else {
                return super::loading::reload(app);
            }
        }
        Action::Quit => {
            if app.staged_count() > 0 || app.busy() {
                app.mode = Mode::Overlay(Overlay::Confirm(Confirm::Quit));
            } else {
                app.quit = true;
                return vec![Cmd::Quit];
            }
        }
        Action::GroupToggle | Action::GroupNew | Action::GroupRename | Action::GroupDelete => {}
    }
    Vec::new()
}

/// Esc on the main screen: cancel a commit's calls not yet sent, else clear the selection,
/// else clear a kept filter, else stop a load, else clear the status line.
fn on_back(app: &mut App) -> Vec<Cmd> {
    if let Some(id) = app.requests.committing() {
        return super::commit::cancel(app, id);
    }
    if !app.selection.is_empty() {
        let n = app.selection.len();
        app.selection.clear();
        set_status(
            app,
            StatusKind::Info,
            format!("Cleared the selection of {}", thousands(n)),
        );
    } else if !app.filter.value().is_empty() {
        clear_filter(app);
    } else if let Some(id) = app.requests.loading() {
        return super::loading::stop(app, id);
    } else {
        app.status = None;
    }
    Vec::new()
}

/// Moves to the next row (after the cursor, wrapping) that `pred` picks.
fn jump(app: &mut App, pred: impl Fn(&super::state::Row) -> bool, what: &str) {
    let n = app.visible.len();
    let found = (1..=n).map(|d| (app.selected + d) % n.max(1)).find(|pos| {
        app.visible
            .get(*pos)
            .and_then(|i| app.conversations.get(*i))
            .is_some_and(&pred)
    });
    match found {
        Some(pos) => {
            let wrapped = pos <= app.selected;
            let only = pos == app.selected;
            app.selected = pos;
            app.scroll_to_selected();
            app.focus = Focus::List;
            let peer = app
                .current()
                .map(|c| c.peer().to_string())
                .unwrap_or_default();
            let text = if only {
                format!("{peer} is the only {what} conversation shown")
            } else if wrapped {
                format!("Next {what}: {peer} (from the top again)")
            } else {
                format!("Next {what}: {peer}")
            };
            set_status(app, StatusKind::Info, text);
        }
        None => set_status(
            app,
            StatusKind::Info,
            format!("No {what} conversation is shown"),
        ),
    }
}

fn unstage(app: &mut App) {
    app.counts_stale = true;
    app.stage_changed = true;
    if !app.selection.is_empty() {
        let mut dropped = 0;
        for i in app.targets() {
            if let Some(c) = app.conversations.get_mut(i) {
                dropped += usize::from(!c.staged.is_empty());
                c.staged = Default::default();
            }
        }
        let text = format!(
            "Dropped the staged edits of {dropped} of {} selected conversation(s)",
            app.selection.len()
        );
        set_status(app, StatusKind::Info, text);
        return;
    }
    if let Some(c) = app.current_mut() {
        let had = !c.staged.is_empty();
        c.staged = Default::default();
        let peer = c.peer().clone();
        if had {
            set_status(
                app,
                StatusKind::Info,
                format!("Dropped the staged edit of {peer}"),
            );
        } else {
            set_status(
                app,
                StatusKind::Info,
                format!("Nothing is staged for {peer}"),
            );
        }
    }
}

pub(super) fn drop_all(app: &mut App) {
    let mut n = 0;
    for c in &mut app.conversations {
        if !c.staged.is_empty() {
            c.staged = Default::default();
            n += 1;
        }
    }
    app.counts_stale = true;
    app.stage_changed = true;
    set_status(
        app,
        StatusKind::Info,
        format!(
            "Dropped the staged edits of {} conversation(s)",
            thousands(n)
        ),
    );
}

fn toggle_bit(app: &mut App, b: crate::domain::BitIndex) {
    if refuse_staging(app) {
        return;
    }
    if !app.selection.is_empty() {
        stage_bit_on_selection(app, b);
        return;
    }
    app.counts_stale = true;
    app.stage_changed = true;
    let commit = app.keys.hint(Action::Commit);
    let preview = app.keys.hint(Action::Preview);
    let Some(c) = app.current_mut() else {
        return;
    };
    let current = c.server.mark.value;
    c.staged.toggle(b, current);
    let now = c.effective().contains(b);
    let staged = c.staged.set.contains(b) || c.staged.clear.contains(b);
    let peer = c.peer().clone();
    let text = if staged {
        format!(
            "Staged: bit {} ({}) {} for {peer}; {commit} commits, {preview} previews",
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
    let mut unstaged = 0;
    let mut flipped = 0;
    for i in &targets {
        if let Some(c) = app.conversations.get_mut(*i) {
            let had = c.staged.set.contains(b) || c.staged.clear.contains(b);
            let was = c.effective().contains(b);
            c.staged.want_bit(b, on, c.server.mark.value);
            let has = c.staged.set.contains(b) || c.staged.clear.contains(b);
            staged += usize::from(has);
            unstaged += usize::from(had && !has);
            flipped += usize::from(was != c.effective().contains(b));
        }
    }
    let state = if on { "on" } else { "off" };
    let text = if flipped == 0 && staged > 0 {
        // the cursor is outside the selection: the same Space again changes nothing
        format!(
            "Bit {} {state} for {} selected: nothing new ({} staged); {} commits",
            b.get(),
            thousands(targets.len()),
            thousands(staged),
            app.keys.hint(Action::Commit)
        )
    } else if staged == 0 && unstaged > 0 {
        format!(
            "Unstaged bit {} on {} of {} selected: back to the server's value ({state})",
            b.get(),
            thousands(unstaged),
            thousands(targets.len())
        )
    } else if staged == 0 {
        format!(
            "Bit {} is {state} already on all {} selected: nothing staged",
            b.get(),
            thousands(targets.len())
        )
    } else {
        let back = if unstaged > 0 {
            format!(" ({} back to the server's value)", thousands(unstaged))
        } else {
            String::new()
        };
        format!(
            "Bit {} {state} for {} selected: {} change{back}; {} commits",
            b.get(),
            thousands(targets.len()),
            thousands(staged),
            app.keys.hint(Action::Commit)
        )
    };
    set_status(app, StatusKind::Info, text);
}

fn begin_custom_edit(app: &mut App) {
    if refuse_staging(app) {
        return;
    }
    let Some(c) = app.current() else {
        set_status(app, StatusKind::Error, "No conversation is selected");
        return;
    };
    let value = c.effective_custom().to_owned();
    app.custom_input = Input::new(value);
    app.mode = Mode::EditCustom;
    app.focus = Focus::Custom;
    let text = if app.selection.is_empty() {
        "Editing the custom mark: Enter stages it, Esc cancels".to_owned()
    } else {
        format!(
            "Editing the custom mark of {} selected conversation(s): Enter stages it on all, Esc cancels",
            thousands(app.selection.len())
        )
    };
    set_status(app, StatusKind::Info, text);
}

fn stage_custom(app: &mut App) {
    let text = app.custom_input.value().to_owned();
    let mark = match CustomMark::new(text) {
        Ok(m) => m,
        Err(e) => {
            set_status(app, StatusKind::Error, format!("{CUSTOM_REFUSED}{e}"));
            return;
        }
    };
    app.counts_stale = true;
    app.stage_changed = true;
    app.mode = Mode::Normal;
    let commit = app.keys.hint(Action::Commit);
    // the selection, else the conversation under the cursor
    let targets = app.targets();
    let mut staged = 0;
    for i in &targets {
        if let Some(c) = app.conversations.get_mut(*i) {
            let current = c.server.custom.clone();
            c.staged.set_custom(mark.clone(), &current);
            staged += usize::from(c.staged.custom.is_some());
        }
    }
    let bytes = mark.as_str().len();
    let text = if !app.selection.is_empty() {
        format!(
            "Staged the custom mark ({bytes}/{MAX_CUSTOM_MARK_BYTES} bytes) on {} selected: {} change; {commit} commits",
            thousands(targets.len()),
            thousands(staged)
        )
    } else if let Some(c) = targets.first().and_then(|i| app.conversations.get(*i)) {
        if staged > 0 {
            format!(
                "Staged the custom mark of {} ({bytes}/{MAX_CUSTOM_MARK_BYTES} bytes); {commit} commits",
                c.peer()
            )
        } else {
            format!(
                "The custom mark of {} is unchanged: nothing staged",
                c.peer()
            )
        }
    } else {
        return;
    };
    set_status(app, StatusKind::Info, text);
}

/// `y`: the conversation under the cursor in the one JSON shape of `get --json`.
fn copy_conversation(app: &mut App) -> Vec<Cmd> {
    let Some(c) = app.current() else {
        set_status(
            app,
            StatusKind::Error,
            "No conversation is selected: nothing to copy",
        );
        return Vec::new();
    };
    let json = crate::service::json::ConversationJson::new(&c.server, &app.group_names);
    let text = serde_json::to_string(&json).unwrap_or_default();
    let peer = c.peer().conversation_id();
    set_status(
        app,
        StatusKind::Ok,
        format!("Sent {peer} as JSON to the clipboard (OSC 52: the terminal must allow it)"),
    );
    vec![Cmd::Copy { text }]
}

/// `y` in the request preview: the body of every call, one compact JSON object a line.
fn copy_requests(app: &mut App) -> Vec<Cmd> {
    let bodies = super::commit::bodies(app);
    if bodies.is_empty() {
        set_status(app, StatusKind::Info, "Nothing is staged: nothing to copy");
        return Vec::new();
    }
    set_status(
        app,
        StatusKind::Ok,
        format!(
            "Sent {} mark_contact {} to the clipboard (OSC 52), one a line",
            bodies.len(),
            if bodies.len() == 1 { "body" } else { "bodies" }
        ),
    );
    vec![Cmd::Copy {
        text: bodies.join("\n"),
    }]
}
