//! The custom mark editor (tui-input) with its live byte count, and the groups line.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::app::{App, Focus};
use crate::domain::MAX_CUSTOM_MARK_BYTES;

use super::theme;

pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let focused = app.focus == Focus::Custom;
    let current = app.current();
    let (text, bytes) = if app.editing_custom {
        let v = app.custom_input.value();
        (v.to_owned(), v.len())
    } else {
        let v = current.map_or("", |c| c.effective_custom());
        (v.to_owned(), v.len())
    };
    let over = bytes > MAX_CUSTOM_MARK_BYTES;
    let count_style = if over {
        theme::error()
    } else if app.editing_custom {
        theme::guidance()
    } else {
        theme::muted()
    };
    let mut title = vec![
        Span::styled(" Custom mark ", theme::title()),
        Span::styled(
            format!("{bytes}/{MAX_CUSTOM_MARK_BYTES} bytes "),
            count_style,
        ),
    ];
    if !app.selection.is_empty() && !over {
        title.push(Span::styled(
            format!("→ {} selected ", app.selection.len()),
            theme::guidance(),
        ));
    }
    if over {
        title.push(Span::styled("too long: cannot be staged ", theme::error()));
    } else if current.is_some_and(|c| c.staged.custom.is_some()) && !app.editing_custom {
        title.push(Span::styled("staged ", theme::staged()));
    }
    let groups = current.map(|c| app.group_names_of(c)).unwrap_or_default();
    let groups_text = if groups.is_empty() {
        " groups: none ".to_owned()
    } else {
        format!(" groups: {} ", groups.join(", "))
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme::border(focused || app.editing_custom))
        .title(Line::from(title))
        .title_bottom(Span::styled(groups_text, theme::muted()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = usize::from(inner.width.max(1));
    if app.editing_custom {
        let scroll = app.custom_input.visual_scroll(width.saturating_sub(1));
        let shown: String = text.chars().skip(scroll).collect();
        frame.render_widget(Paragraph::new(shown), inner);
        let x = app.custom_input.visual_cursor().saturating_sub(scroll);
        let x = u16::try_from(x).unwrap_or(u16::MAX);
        frame.set_cursor_position(Position::new(
            inner.x.saturating_add(x.min(inner.width.saturating_sub(1))),
            inner.y,
        ));
    } else if text.is_empty() {
        let hint = if current.is_some() {
            format!(
                "(none) · {} edits",
                app.keys.hint(crate::app::Action::EditCustom)
            )
        } else {
            String::new()
        };
        frame.render_widget(Paragraph::new(Span::styled(hint, theme::muted())), inner);
    } else {
        frame.render_widget(Paragraph::new(text), inner);
    }
}
