//! Overlays: help (from the live key map), request preview, confirmations, prompts.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::app::{Action, App, Confirm, Overlay, PromptKind, commit};

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

pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let Some(overlay) = &app.overlay else {
        return;
    };
    match overlay {
        Overlay::Help => help(frame, area, app),
        Overlay::Preview { scroll } => {
            // below the header, above the status line (so "Copied …" shows) and the hints
            let r = Rect::new(
                area.x.saturating_add(2),
                area.y.saturating_add(1),
                area.width.saturating_sub(4),
                area.height.saturating_sub(3),
            );
            let inner = popup(frame, r, "Request preview (UserSig redacted) · Esc closes");
            frame.render_widget(
                Paragraph::new(commit::preview(app))
                    .wrap(Wrap { trim: false })
                    .scroll((*scroll, 0)),
                inner,
            );
        }
        Overlay::Confirm(what) => {
            let text = match what {
                Confirm::Quit => {
                    let staged = app.staged_count();
                    let mut lines = vec![Line::from(format!(
                        "{staged} conversation(s) have staged edits that were not sent."
                    ))];
                    if app.in_flight > 0 {
                        lines.push(Line::from("A request is still in flight."));
                    }
                    if app.journal_active {
                        lines.push(Line::from("The journal keeps them for the next start."));
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
                    let name = app.group_names.get(id).map_or("?", String::as_str);
                    vec![
                        Line::from(format!("Delete group {name:?} (id {id})?")),
                        Line::from(format!(
                            "Its {} conversation(s) leave it; their marks are kept.",
                            app.group_member_count(*id)
                        )),
                        Line::from("y = delete, n = keep"),
                    ]
                }
            };
            let r = centered(area, 60, u16::try_from(text.len()).unwrap_or(3) + 2);
            let title = match what {
                Confirm::RestoreJournal => "Journal",
                Confirm::DeleteGroup(_) => "Delete group",
                _ => "Confirm",
            };
            let inner = popup(frame, r, title);
            frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), inner);
        }
        Overlay::Prompt { kind, input } => {
            let (title, hint) = match kind {
                PromptKind::User => (
                    "Open user".to_owned(),
                    Span::styled("the user ID whose conversations to inspect", theme::muted()),
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
            let r = centered(area, 60, 4);
            let inner = popup(frame, r, &title);
            let [hint_area, input_area] =
                Layout::vertical([Constraint::Length(1), Constraint::Length(1)]).areas(inner);
            frame.render_widget(Paragraph::new(hint), hint_area);
            let width = usize::from(input_area.width.max(1));
            let scroll = input.visual_scroll(width.saturating_sub(1));
            let shown: String = input.value().chars().skip(scroll).collect();
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

fn help(frame: &mut Frame, area: Rect, app: &App) {
    let r = centered(area, area.width.saturating_sub(4).min(78), area.height);
    let inner = popup(frame, r, "Help · Esc closes");
    let entry = |keys: String, what: &'static str| {
        vec![
            Span::styled(format!("{keys:<11}"), theme::guidance()),
            Span::raw(format!("{what:<24}")),
        ]
    };
    let mut entries: Vec<Vec<Span>> = Action::ALL
        .into_iter()
        .map(|a| entry(app.keys.all_keys(a), a.description()))
        .collect();
    entries.push(entry("Ctrl-C".into(), "force quit"));
    let half = entries.len().div_ceil(2);
    let mut lines = Vec::new();
    for row in 0..half {
        let mut spans = entries.get(row).cloned().unwrap_or_default();
        spans.push(Span::raw("  "));
        spans.extend(entries.get(row + half).cloned().unwrap_or_default());
        lines.push(Line::from(spans));
    }
    lines.push(Line::from(""));
    lines.push(Line::styled(
        "Rows: ↑ pinned · @ user, # group · S U F H star unread fold hide · x extension bit · m custom mark · * staged · ✓/✗ last commit",
        theme::muted(),
    ));
    lines.push(Line::styled(
        "Editing: Space stages a flip, Enter edits the custom mark, on every selected row (◆) if any; nothing is sent until c.",
        theme::muted(),
    ));
    lines.push(Line::styled(
        format!(
            "Groups popup ({}), sent at once: {}",
            app.keys.hint(Action::Groups),
            crate::app::groups::KEYS_HINT
        ),
        theme::muted(),
    ));
    lines.push(Line::from(vec![
        Span::styled("config ", theme::muted()),
        Span::raw(app.session.config_path.clone()),
    ]));
    lines.push(Line::from(vec![
        Span::styled("log    ", theme::muted()),
        Span::raw(app.session.log_path.clone()),
    ]));
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

/// Unix seconds as `2026-11-26 01:05 UTC` (days to civil date, after Howard Hinnant).
pub fn utc(secs: u64) -> String {
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        rem / 3_600,
        rem % 3_600 / 60
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn utc_formats_unix_seconds() {
        assert_eq!(super::utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(super::utc(951_782_400), "2000-02-29 00:00 UTC");
        assert_eq!(super::utc(1_795_654_800), "2026-11-26 01:00 UTC");
    }
}
