//! The groups popup (`o`): the user's groups, a check mark on those of the conversation
//! under the cursor, how many loaded conversations each holds, and the popup's keys.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::App;
use crate::domain::MAX_GROUPS;

use super::theme;

pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let Some(popup) = app.groups_popup() else {
        return;
    };
    let list = app.group_list();
    let current = app.current();
    // below the header, above the status line and the hints (results show under it)
    let width = area.width.saturating_sub(4).min(70);
    let wanted = u16::try_from(list.len().max(1) + 6).unwrap_or(u16::MAX);
    let height = wanted.min(area.height.saturating_sub(3));
    let r = Rect::new(
        area.x + (area.width.saturating_sub(width)) / 2,
        area.y.saturating_add(1),
        width,
        height,
    );
    let mut title = vec![Span::styled(
        format!(
            " Groups of {} ({}/{MAX_GROUPS}) ",
            app.user.as_deref().unwrap_or("?"),
            list.len()
        ),
        theme::title(),
    )];
    if app.requests.group_busy() {
        title.push(Span::styled(
            format!("{} sending ", super::header::spinner(app)),
            theme::guidance(),
        ));
    }
    if app.session.read_only {
        title.push(Span::styled("read-only ", theme::error()));
    }
    let inner = super::overlay::popup_titled(frame, r, super::title(title, r.width));

    let mut lines = Vec::new();
    lines.push(match current {
        Some(c) => Line::from(vec![
            Span::styled("✓ = ", theme::muted()),
            Span::raw(c.peer().conversation_id()),
            Span::styled(" is in the group", theme::muted()),
        ]),
        None => Line::styled("No conversation is selected", theme::muted()),
    });
    let name_width = usize::from(inner.width).saturating_sub(4 + 8 + 8).max(8);
    lines.push(Line::styled(
        format!("    {:<name_width$}{:>8}{:>8}", "NAME", "ID", "CONV."),
        theme::muted(),
    ));
    let rows = usize::from(inner.height).saturating_sub(4).max(1);
    let selected = popup.selected.min(list.len().saturating_sub(1));
    let offset = selected.saturating_sub(rows - 1);
    if list.is_empty() {
        lines.push(Line::styled(
            format!(
                "  (no groups yet: {} creates one)",
                app.keys.hint(crate::app::Action::GroupNew)
            ),
            theme::muted(),
        ));
    }
    for (i, (id, name)) in list.iter().enumerate().skip(offset).take(rows) {
        let member = current.is_some_and(|c| c.server.groups.contains(id));
        let cursor = if i == selected { "›" } else { " " };
        let check = if member { "✓" } else { " " };
        // cut by display width: a CJK or emoji name keeps the columns aligned
        let shown = crate::text::fit(name, name_width);
        let text = format!(
            "{cursor} {check} {shown}{id:>8}{:>8}",
            app.group_member_count(*id)
        );
        let style = if i == selected {
            theme::selected()
        } else if member {
            theme::ok()
        } else {
            theme::base()
        };
        lines.push(Line::styled(text, style));
    }
    frame.render_widget(Paragraph::new(lines), inner);
    // more groups than rows: where the window is
    super::overlay::scrollbar(frame, r, list.len(), rows, offset);
    // the popup's own keys, from the live key map (the hint row says them too)
    let footer: Vec<String> = crate::app::hints::hints(app)
        .into_iter()
        .map(|(k, what)| format!("{k} {what}"))
        .collect();
    let mut footer = footer.join(" · ");
    if app.session.read_only {
        footer = format!("read-only: viewing only · {footer}");
    }
    if inner.height > 0 {
        let at = Rect::new(inner.x, inner.y + inner.height - 1, inner.width, 1);
        frame.render_widget(
            Paragraph::new(Span::styled(
                crate::text::ellipsize(&footer, usize::from(inner.width)),
                theme::guidance(),
            )),
            at,
        );
    }
}
