//! Overlays: help (from the live key map), the request preview, the message log, the
//! staged changes, the commit history, confirmations, prompts.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Margin, Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Block, Borders, Clear, Paragraph, Scrollbar, ScrollbarOrientation, ScrollbarState, Wrap,
};

use crate::app::{Action, App, Confirm, Overlay, PromptKind, Scope, StatusKind};
use crate::text::{ellipsize, skip_columns, thousands, wrap_columns};

use super::theme;

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let [v] = Layout::vertical([Constraint::Length(height.min(area.height))])
        .flex(Flex::Center)
        .areas(area);
    let [h] = Layout::horizontal([Constraint::Length(width.min(area.width))])
        .flex(Flex::Center)
        .areas(v);
    h
}

fn popup(frame: &mut Frame, area: Rect, title: &str) -> Rect {
    popup_titled(
        frame,
        area,
        Line::from(Span::styled(format!(" {title} "), theme::title())),
    )
}

/// A bordered box over the panes, cleared first; returns the area inside the border.
pub(super) fn popup_titled(frame: &mut Frame, area: Rect, title: Line) -> Rect {
    frame.render_widget(Clear, area);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme::guidance())
        .title(title);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    inner
}

/// Lines of text wrapped to the box, from line `scroll` on.
/// Lines of text wrapped to the box, from line `scroll` on, with a scrollbar on the box's
/// right border when they do not all fit.
fn scrolled_text(frame: &mut Frame, boxed: Rect, inner: Rect, text: &str, scroll: u16) {
    let all = wrap_columns(text, usize::from(inner.width));
    let rows = usize::from(inner.height);
    let total = all.len();
    let lines: Vec<Line> = all
        .into_iter()
        .skip(usize::from(scroll))
        .take(rows)
        .map(Line::raw)
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
    scrollbar(frame, boxed, total, rows, usize::from(scroll));
}

/// A scrollbar on the right border of `boxed` for `total` rows of which `rows` show.
fn scrollbar(frame: &mut Frame, boxed: Rect, total: usize, rows: usize, offset: usize) {
    if total <= rows {
        return;
    }
    let mut state = ScrollbarState::new(total.saturating_sub(rows)).position(offset);
    frame.render_stateful_widget(
        Scrollbar::new(ScrollbarOrientation::VerticalRight)
            .begin_symbol(None)
            .end_symbol(None),
        boxed.inner(Margin {
            vertical: 1,
            horizontal: 0,
        }),
        &mut state,
    );
}

pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let Some(overlay) = app.overlay() else {
        return;
    };
    let esc = app.keys.hint(Action::Back);
    match overlay {
        Overlay::Help { scroll } => help(frame, area, app, *scroll),
        Overlay::Preview { text, scroll } => {
            let r = crate::layout::overlay_box(area);
            let inner = popup(
                frame,
                r,
                &format!("Request preview (UserSig redacted) · {esc} closes"),
            );
            scrolled_text(frame, r, inner, text, *scroll);
        }
        Overlay::Messages { scroll } => messages(frame, area, app, *scroll),
        Overlay::Staged { selected } => staged(frame, area, app, *selected),
        Overlay::History {
            entries,
            selected,
            error,
        } => history(frame, area, app, entries, *selected, error.as_deref()),
        Overlay::Confirm(what) => confirm(frame, area, app, *what),
        Overlay::Prompt { kind, input } => {
            let (title, hint) = match kind {
                PromptKind::User => (
                    "Open user".to_owned(),
                    Span::styled(
                        "the user ID whose conversations to inspect (bob or c2c_bob)",
                        theme::muted(),
                    ),
                ),
                PromptKind::AddConversation => (
                    "Add conversation".to_owned(),
                    Span::styled(
                        "c2c_USERID, group_GROUPID or a bare user ID",
                        theme::muted(),
                    ),
                ),
                PromptKind::NewGroup | PromptKind::RenameGroup(_) => {
                    let title = match kind {
                        PromptKind::RenameGroup(id) => format!(
                            "Rename group {:?}",
                            app.group_names.get(id).map_or("?", String::as_str)
                        ),
                        _ => "New group".to_owned(),
                    };
                    let (bytes, over) = crate::app::groups::name_bytes(input);
                    let max = crate::domain::MAX_GROUP_NAME_BYTES;
                    let hint = if over {
                        Span::styled(
                            format!("name: {bytes}/{max} bytes: too long, will not be sent"),
                            theme::error(),
                        )
                    } else {
                        Span::styled(
                            format!("name: {bytes}/{max} bytes of UTF-8 · sent at once"),
                            theme::guidance(),
                        )
                    };
                    (title, hint)
                }
            };
            let r = centered(area, 64, 4);
            let inner = popup(frame, r, &title);
            let [hint_area, input_area] =
                Layout::vertical([Constraint::Length(1), Constraint::Length(1)]).areas(inner);
            frame.render_widget(Paragraph::new(hint), hint_area);
            let width = usize::from(input_area.width.saturating_sub(2).max(1));
            let scroll = input.visual_scroll(width.saturating_sub(1));
            let shown = skip_columns(input.value(), scroll);
            frame.render_widget(Paragraph::new(format!("› {shown}")), input_area);
            let x =
                u16::try_from(input.visual_cursor().saturating_sub(scroll) + 2).unwrap_or(u16::MAX);
            frame.set_cursor_position(Position::new(
                input_area
                    .x
                    .saturating_add(x.min(input_area.width.saturating_sub(1))),
                input_area.y,
            ));
        }
    }
}

fn confirm(frame: &mut Frame, area: Rect, app: &App, what: Confirm) {
    let text = match what {
        Confirm::Quit => {
            let staged = app.staged_count();
            let mut lines = Vec::new();
            if staged > 0 {
                lines.push(Line::from(format!(
                    "{} conversation(s) have staged edits that were not sent.",
                    thousands(staged)
                )));
                if app.journal_active {
                    lines.push(Line::from("The journal keeps them for the next start."));
                }
            }
            if app.requests.committing().is_some() {
                lines.push(Line::from(
                    "A commit is in flight: quitting now loses its answers.",
                ));
            } else if app.busy() {
                lines.push(Line::from("A request is still in flight."));
            }
            lines.push(Line::from("Quit anyway? y = quit, n = stay"));
            lines
        }
        Confirm::ToggleReserved(b) => vec![
            Line::from(format!(
                "Wire index {} (the docs' {}) is reserved for Chat's internal use.",
                b.get(),
                b.docs_name()
            )),
            Line::from("Changing it may break clients. Stage it anyway?"),
            Line::from("y = stage, n = cancel"),
        ],
        Confirm::RestoreJournal => {
            let (n, when) = app
                .journal_offer
                .as_ref()
                .map_or((0, None), |f| (f.changes.len(), f.saved_at));
            let when = when.map_or_else(|| "an earlier session".to_owned(), utc);
            vec![
                Line::from(format!("Restore {n} staged edit(s) from {when}?")),
                Line::from("They were staged but never committed (quit or crash)."),
                Line::from("y = stage them again, n = delete the journal"),
            ]
        }
        Confirm::DeleteGroup(id) => {
            let name = app.group_names.get(&id).map_or("?", String::as_str);
            vec![
                Line::from(format!("Delete group {name:?} (id {id})?")),
                Line::from(format!(
                    "Its {} conversation(s) leave it; their marks are kept.",
                    app.group_member_count(id)
                )),
                Line::from("y = delete, n = keep"),
            ]
        }
        Confirm::DropAll => vec![
            Line::from(format!(
                "Drop the staged edits of all {} conversation(s)?",
                thousands(app.staged_count())
            )),
            Line::from("Nothing has been sent; the journal forgets them too."),
            Line::from("y = drop them, n = keep"),
        ],
    };
    let r = centered(area, 64, u16::try_from(text.len()).unwrap_or(3) + 2);
    let title = match what {
        Confirm::RestoreJournal => "Journal",
        Confirm::DeleteGroup(_) => "Delete group",
        Confirm::DropAll => "Drop staged edits",
        _ => "Confirm",
    };
    let inner = popup(frame, r, title);
    frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), inner);
}

fn messages(frame: &mut Frame, area: Rect, app: &App, scroll: u16) {
    let r = crate::layout::overlay_box(area);
    let inner = popup(
        frame,
        r,
        &format!(
            "Messages of this session, newest first · {} closes",
            app.keys.hint(Action::Back)
        ),
    );
    if app.messages.is_empty() {
        frame.render_widget(
            Paragraph::new(Line::styled("No messages yet.", theme::muted())),
            inner,
        );
        return;
    }
    let width = usize::from(inner.width);
    let mut lines = Vec::new();
    for m in app.messages.iter().rev() {
        let (icon, style) = match m.kind {
            StatusKind::Info => ("›", theme::guidance()),
            StatusKind::Ok => ("✓", theme::ok()),
            StatusKind::Error => ("✗", theme::error()),
        };
        let time = utc(m.time);
        let time = time.get(11..16).unwrap_or("");
        for (n, part) in wrap_columns(&m.text, width.saturating_sub(8))
            .into_iter()
            .enumerate()
        {
            let lead = if n == 0 {
                format!("{time} {icon} ")
            } else {
                "        ".to_owned()
            };
            lines.push(Line::from(vec![
                Span::styled(lead, theme::muted()),
                Span::styled(part, style),
            ]));
        }
    }
    let total = lines.len();
    let lines: Vec<Line> = lines
        .into_iter()
        .skip(usize::from(scroll))
        .take(usize::from(inner.height))
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
    scrollbar(
        frame,
        r,
        total,
        usize::from(inner.height),
        usize::from(scroll),
    );
}

fn staged(frame: &mut Frame, area: Rect, app: &App, selected: usize) {
    let r = crate::layout::overlay_box(area);
    let rows = crate::app::staged::rows(app);
    let inner = popup(
        frame,
        r,
        &format!(
            "Staged changes: {} conversation(s) · {} drops one, {} drops all, {} closes",
            thousands(rows.len()),
            app.keys.hint(Action::Unstage),
            app.keys.hint(Action::DropAll),
            app.keys.hint(Action::Back)
        ),
    );
    if rows.is_empty() {
        frame.render_widget(
            Paragraph::new(Line::styled(
                "Nothing is staged: a commit would send nothing.",
                theme::muted(),
            )),
            inner,
        );
        return;
    }
    let height = usize::from(inner.height);
    let selected = selected.min(rows.len() - 1);
    let offset = selected.saturating_sub(height.saturating_sub(1));
    let width = usize::from(inner.width);
    let lines: Vec<Line> = rows
        .iter()
        .enumerate()
        .skip(offset)
        .take(height)
        .filter_map(|(n, i)| {
            let row = app.conversations.get(*i)?;
            let text = format!(
                "{} {}: {}",
                if n == selected { "›" } else { " " },
                row.peer(),
                crate::app::staged::describe(app, row)
            );
            let text = ellipsize(&text, width);
            Some(if n == selected {
                Line::styled(text, theme::selected())
            } else {
                Line::raw(text)
            })
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

fn history(
    frame: &mut Frame,
    area: Rect,
    app: &App,
    entries: &[crate::app::HistoryEntry],
    selected: usize,
    error: Option<&str>,
) {
    let r = crate::layout::overlay_box(area);
    let inner = popup(
        frame,
        r,
        &format!(
            "History of {}: audited commits, newest first · Enter stages the inverse · {} closes",
            app.user.as_deref().unwrap_or("?"),
            app.keys.hint(Action::Back)
        ),
    );
    let width = usize::from(inner.width);
    let mut lines = Vec::new();
    if let Some(e) = error {
        lines.push(Line::styled(ellipsize(e, width), theme::error()));
    }
    if entries.is_empty() {
        lines.push(Line::styled(
            "No commits of this user in the audit log.",
            theme::muted(),
        ));
    }
    let height = usize::from(inner.height).saturating_sub(2).max(1);
    let offset = selected.saturating_sub(height.saturating_sub(1));
    for (n, e) in entries.iter().enumerate().skip(offset).take(height) {
        let text = format!(
            "{} {} {}  {}",
            if n == selected { "›" } else { " " },
            utc(e.time),
            e.id,
            e.summary
        );
        let text = ellipsize(&text, width);
        lines.push(if n == selected {
            Line::styled(text, theme::selected())
        } else {
            Line::raw(text)
        });
    }
    if let Some(e) = entries.get(selected) {
        lines.push(Line::from(""));
        let what = if e.inverse.is_empty() && e.conflicts.is_empty() {
            "Its inverse stages nothing (no mark change to revert).".to_owned()
        } else {
            format!(
                "Its inverse: {} conversation(s) staged back{}",
                e.inverse.len(),
                if e.conflicts.is_empty() {
                    String::new()
                } else {
                    format!(
                        "; {} changed since, left alone: {}",
                        e.conflicts.len(),
                        e.conflicts.join("; ")
                    )
                }
            )
        };
        lines.push(Line::styled(ellipsize(&what, width), theme::muted()));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

fn help(frame: &mut Frame, area: Rect, app: &App, scroll: u16) {
    // the status line and the hints stay visible below
    let r = centered(
        Rect::new(area.x, area.y, area.width, area.height.saturating_sub(2)),
        area.width.saturating_sub(4).min(96),
        area.height.saturating_sub(2),
    );
    let esc = app.keys.hint(Action::Back);
    let scroll_keys = format!(
        "{}{}",
        app.keys.hint(Action::Up),
        app.keys.hint(Action::Down)
    );
    let inner = popup(
        frame,
        r,
        &format!("Help · {scroll_keys} scroll · {esc} closes"),
    );
    let keys_width = 14;
    let entry = |a: Action| {
        vec![
            Span::styled(
                format!(
                    "{:<keys_width$}",
                    ellipsize(&app.keys.all_keys(a), keys_width - 1)
                ),
                theme::guidance(),
            ),
            Span::raw(format!("{:<25}", a.description())),
        ]
    };
    let two_columns = inner.width >= 80;
    let mut lines = vec![
        Line::from(vec![
            Span::styled("config ", theme::muted()),
            Span::raw(app.session.config_path.clone()),
        ]),
        Line::from(vec![
            Span::styled("log    ", theme::muted()),
            Span::raw(app.session.log_path.clone()),
        ]),
    ];
    for (scope, title) in [
        (Scope::Nav, "Moving (everywhere)"),
        (Scope::Main, "The main screen"),
        (Scope::Groups, "The groups popup"),
    ] {
        lines.push(Line::styled(title, theme::title()));
        let entries: Vec<Vec<Span>> = Action::ALL
            .iter()
            .filter(|a| a.scope() == scope)
            .map(|a| entry(*a))
            .collect();
        if two_columns {
            let half = entries.len().div_ceil(2);
            for row in 0..half {
                let mut spans = entries.get(row).cloned().unwrap_or_default();
                spans.push(Span::raw("  "));
                spans.extend(entries.get(row + half).cloned().unwrap_or_default());
                lines.push(Line::from(spans));
            }
        } else {
            lines.extend(entries.into_iter().map(Line::from));
        }
    }
    lines.push(Line::from(vec![
        Span::styled(format!("{:<keys_width$}", "Ctrl-C"), theme::guidance()),
        Span::raw("force quit (always)"),
    ]));
    lines.push(Line::from(""));
    let k = |a| app.keys.hint(a);
    for text in [
        "Rows: ↑ pinned · @ user, # group · S U F H star unread fold hide · x extension bit · m custom mark · * staged · ✓/✗ last commit · ⊘ not sent".to_owned(),
        "Grid: ● on ○ off · reserved 4-31: ■ on · off · + will be set, - will be cleared".to_owned(),
        format!(
            "Editing: {} stages a flip, {} edits the custom mark, on every selected row (◆) if any; nothing is sent until {}.",
            k(Action::Toggle),
            k(Action::EditCustom),
            k(Action::Commit)
        ),
        format!(
            "Filter ({}): words must all match the ID, custom mark or a group name; is:staged is:failed is:marked is:pinned is:group is:c2c, bit:N, -WORD negates.",
            k(Action::Filter)
        ),
        format!(
            "Groups ({}): changes are sent at once, not staged.",
            k(Action::Groups)
        ),
    ] {
        lines.push(Line::styled(text, theme::muted()));
    }
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0)),
        inner,
    );
}

pub use crate::time::utc;
