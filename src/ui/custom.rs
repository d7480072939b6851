//! The custom mark pane: the whole mark, wrapped over as many rows as the layout gives it
//! (old → new when one is staged); while editing, the tui-input editor, scrolled by display
//! width so the end of the text and the cursor stay visible with CJK and emoji; the live
//! byte count; the groups line.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::app::{Action, App, Focus};
use crate::domain::MAX_CUSTOM_MARK_BYTES;
use crate::text::{ellipsize, skip_columns, wrap_columns};

use super::theme;

pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let editing = app.editing_custom();
    let focused = app.focus == Focus::Custom;
    let current = app.current();
    let bytes = if editing {
        app.custom_input.value().len()
    } else {
        current.map_or(0, |c| c.effective_custom().len())
    };
    let over = bytes > MAX_CUSTOM_MARK_BYTES;
    let count_style = if over {
        theme::error()
    } else if editing {
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
            format!(
                "→ {} selected ",
                crate::text::thousands(app.selection.len())
            ),
            theme::guidance(),
        ));
    }
    if over {
        // in two parts: a narrow pane keeps "too long" and drops the rest whole
        title.push(Span::styled("too long ", theme::error()));
        title.push(Span::styled("(cannot be staged) ", theme::error()));
    } else if current.is_some_and(|c| c.staged.custom.is_some()) && !editing {
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
        .border_style(theme::border(focused || editing))
        .title(super::title(title, area.width))
        .title_bottom(Span::styled(
            ellipsize(&groups_text, usize::from(area.width.saturating_sub(2))),
            theme::muted(),
        ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = usize::from(inner.width.max(1));
    if editing {
        // keep one column for the cursor after the last character
        let scroll = app.custom_input.visual_scroll(width.saturating_sub(1));
        let shown = skip_columns(app.custom_input.value(), scroll);
        frame.render_widget(Paragraph::new(shown.to_owned()), inner);
        let x = app.custom_input.visual_cursor().saturating_sub(scroll);
        let x = u16::try_from(x).unwrap_or(u16::MAX);
        frame.set_cursor_position(Position::new(
            inner.x.saturating_add(x.min(inner.width.saturating_sub(1))),
            inner.y,
        ));
        return;
    }
    let text = app.custom_text();
    if text.is_empty() {
        let hint = if current.is_some() && app.session.read_only {
            "(none)".to_owned()
        } else if current.is_some() {
            format!("(none) · {} edits", app.keys.hint(Action::EditCustom))
        } else {
            String::new()
        };
        frame.render_widget(Paragraph::new(Span::styled(hint, theme::muted())), inner);
        return;
    }
    let rows = usize::from(inner.height);
    let mut lines: Vec<String> = wrap_columns(&text, width);
    if lines.len() > rows {
        lines.truncate(rows);
        if let Some(last) = lines.last_mut() {
            *last = ellipsize(&format!("{last}…"), width);
        }
    }
    let staged = current.is_some_and(|c| c.staged.custom.is_some());
    let lines: Vec<Line> = lines
        .into_iter()
        .map(|l| {
            if staged && l.starts_with('→') {
                Line::styled(l, theme::staged())
            } else {
                Line::raw(l)
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}
