//! Overlays: help (from the live key map), the request preview, the message log, the
//! staged changes, the commit history, confirmations, prompts.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Margin, Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Block, Borders, Clear, Paragraph, Scrollbar, ScrollbarOrientation, ScrollbarState, Wrap,
};

use crate::app::{Action, App, Confirm, Overlay, PromptKind, StatusKind};
use crate::text::{skip_columns, thousands, wrap_columns};

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

/// A box titled `title`; a title too long for the box loses its last ` · ` parts whole.
fn popup(frame: &mut Frame, area: Rect, title: &str) -> Rect {
    let parts: Vec<&str> = title.split(" · ").collect();
    let spans = parts
        .iter()
        .enumerate()
        .map(|(i, part)| {
            let text = if i == 0 {
                format!(" {part} ")
            } else {
                format!("· {part} ")
            };
            Span::styled(text, theme::title())
        })
        .collect();
    popup_titled(frame, area, super::title(spans, area.width))
}

/// A bordered box over the panes, cleared first; returns the area inside the border.
pub(super) fn popup_titled(frame: &mut Frame, area: Rect, title: Line) -> Rect {
    frame.render_widget(Clear, area);
    // a wide character just left of the box would cover its left border (its second
    // column is the border's cell, and the terminal draws it there): it goes too
    if area.x > 0 {
        let buffer = frame.buffer_mut();
        for y in area.top()..area.bottom() {
            let cell = &mut buffer[(area.x - 1, y)];
            if crate::text::width(cell.symbol()) > 1 {
                cell.set_symbol(" ");
            }
        }
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme::guidance())
        .title(title);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    inner
}

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
pub(super) fn scrollbar(frame: &mut Frame, boxed: Rect, total: usize, rows: usize, offset: usize) {
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

/// What a quit now would lose, one sentence a line (the quit question's, on any screen).
pub fn quit_reasons(app: &App) -> Vec<String> {
    let staged = app.staged_count();
    let mut lines = Vec::new();
    if let Some(r) = app
        .requests
        .committing()
        .and_then(|id| app.requests.get(id))
    {
        lines.push(format!(
            "A commit of {} conversation(s) is in flight: quitting now loses its answers.",
            thousands(r.progress.total_items)
        ));
    } else if staged > 0 {
        lines.push(format!(
            "{} conversation(s) have staged edits that were not sent.",
            thousands(staged)
        ));
    } else if app.busy() {
        lines.push("A request is still in flight.".to_owned());
    }
    if staged > 0 && app.journal_active {
        lines.push("The journal keeps the staged edits for the next start.".to_owned());
    }
    lines
}

fn confirm(frame: &mut Frame, area: Rect, app: &App, what: Confirm) {
    let text = match what {
        Confirm::Quit => {
            let mut lines: Vec<Line> = quit_reasons(app).into_iter().map(Line::from).collect();
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
                Line::from(
                    "They were still staged when convmark stopped (not sent, or their commit failed).",
                ),
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
        Confirm::DropAll { .. } => vec![
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
        Confirm::DropAll { .. } => "Drop staged edits",
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
        for (n, part) in crate::text::wrap_words(&m.text, width.saturating_sub(8))
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
    let selected = selected.min(rows.len() - 1);
    let items: Vec<String> = rows
        .iter()
        .filter_map(|i| app.conversations.get(*i))
        .map(|row| format!("{}: {}", row.peer(), crate::app::staged::describe(app, row)))
        .collect();
    let lines = wrapped_items(&items, selected, inner);
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The lines of a list whose items wrap at word boundaries (`›` before the selected one,
/// continuation lines indented), as many as fit `area`: from the top while the selected
/// item fits below the first, else with the selected item at the bottom.
fn wrapped_items(items: &[String], selected: usize, area: Rect) -> Vec<Line<'static>> {
    let view = usize::from(area.height);
    let cols = usize::from(area.width).saturating_sub(2).max(2);
    let wrapped: Vec<Vec<String>> = items
        .iter()
        .map(|text| crate::text::wrap_words(text, cols))
        .collect();
    let through_selected: usize = wrapped.iter().take(selected + 1).map(Vec::len).sum();
    let mut first = 0;
    if through_selected > view {
        first = selected;
        let mut used = wrapped.get(selected).map_or(0, Vec::len);
        while first > 0 && used + wrapped[first - 1].len() <= view {
            first -= 1;
            used += wrapped[first].len();
        }
    }
    let mut lines = Vec::new();
    for (n, item) in wrapped.into_iter().enumerate().skip(first) {
        for (k, text) in item.into_iter().enumerate() {
            let marker = if k == 0 && n == selected {
                "› "
            } else {
                "  "
            };
            let text = format!("{marker}{text}");
            lines.push(if n == selected {
                Line::styled(text, theme::selected())
            } else {
                Line::raw(text)
            });
        }
        if lines.len() >= view {
            break;
        }
    }
    lines.truncate(view);
    lines
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
            "History of {}: audited commits, newest first{} · {} closes",
            app.user.as_deref().unwrap_or("?"),
            if app.session.read_only {
                ""
            } else {
                " · Enter stages the inverse"
            },
            app.keys.hint(Action::Back)
        ),
    );
    let width = usize::from(inner.width);
    let mut top = Vec::new();
    if let Some(e) = error {
        for l in crate::text::wrap_words(e, width) {
            top.push(Line::styled(l, theme::error()));
        }
    }
    if entries.is_empty() {
        top.push(Line::styled(
            "No commits of this user in the audit log.",
            theme::muted(),
        ));
    }
    // what Enter would do for the selected entry, under the list
    let mut below = Vec::new();
    if let Some(e) = entries.get(selected) {
        below.push(Line::from(""));
        let mut what = if e.inverse.is_empty() {
            "Enter would stage nothing: no mark change to revert here".to_owned()
        } else {
            format!(
                "Enter stages {} conversation(s) back to what they held before it",
                e.inverse.len()
            )
        };
        if !e.conflicts.is_empty() {
            what.push_str(&format!(
                "; {} changed since and would be left alone: {}",
                e.conflicts.len(),
                e.conflicts.join("; ")
            ));
        }
        if e.groups {
            what.push_str(&format!(
                "; its group changes are reverted by convmark undo {}",
                e.id
            ));
        }
        for l in crate::text::wrap_words(&what, width) {
            below.push(Line::styled(l, theme::muted()));
        }
    }
    // the list keeps at least a third of the box; what does not fit of the rest is cut
    let rows = usize::from(inner.height);
    let list_rows = rows
        .saturating_sub(top.len() + below.len())
        .max(rows / 3)
        .max(1);
    let items: Vec<String> = entries
        .iter()
        .map(|e| format!("{} {}  {}", utc(e.time), e.id, e.summary))
        .collect();
    let list_area = Rect {
        height: u16::try_from(list_rows).unwrap_or(u16::MAX),
        ..inner
    };
    let mut lines = top;
    lines.extend(wrapped_items(&items, selected, list_area));
    lines.extend(below);
    frame.render_widget(Paragraph::new(lines), inner);
}

fn help(frame: &mut Frame, area: Rect, app: &App, scroll: u16) {
    use crate::app::help::{self, Part};
    // below the header; the status line and the hints stay visible below
    let r = crate::layout::help_box(area);
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
    let all = help::rows(app, usize::from(inner.width));
    let total = all.len();
    let view = usize::from(inner.height);
    let lines: Vec<Line> = all
        .into_iter()
        .skip(usize::from(scroll))
        .take(view)
        .map(|row| match row.part {
            Part::Path(label) => Line::from(vec![
                Span::styled(label, theme::muted()),
                Span::raw(row.cells[0].1.clone()),
            ]),
            Part::Title => Line::styled(row.cells[0].1.clone(), theme::title()),
            Part::Note => Line::styled(row.cells[0].1.clone(), theme::muted()),
            Part::Keys => {
                let mut spans = Vec::new();
                for (i, (keys, what)) in row.cells.iter().enumerate() {
                    if i > 0 {
                        spans.push(Span::raw("  "));
                    }
                    spans.push(Span::styled(
                        format!("{keys:<width$}", width = help::KEYS_WIDTH),
                        theme::guidance(),
                    ));
                    let what = if i + 1 < row.cells.len() {
                        format!(
                            "{what:<width$}",
                            width = help::pair_width() - help::KEYS_WIDTH - 2
                        )
                    } else {
                        what.clone()
                    };
                    spans.push(Span::raw(what));
                }
                Line::from(spans)
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
    scrollbar(frame, r, total, view, usize::from(scroll));
}

pub use crate::time::utc;
