//! The conversation list: only the visible window of rows is drawn, whatever the count.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::app::{App, Conversation, Focus, RowResult, bit};

use super::header::thousands;
use super::theme;

/// The four internal marks as letters (Star, Unread, Fold, Hide, after the SDK constants),
/// `·` when off; then `x` for any extension bit and `m` for a custom mark.
pub fn mark_symbols(c: &Conversation) -> String {
    let value = c.mark.value;
    let mut s: String = ['S', 'U', 'F', 'H']
        .iter()
        .enumerate()
        .map(|(i, l)| {
            if value.contains(bit(u8::try_from(i).unwrap_or(0))) {
                *l
            } else {
                '·'
            }
        })
        .collect();
    s.push(if value.0 >> 32 != 0 { 'x' } else { ' ' });
    s.push(if c.custom.is_empty() { ' ' } else { 'm' });
    s
}

fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        format!("{text:<width$}")
    } else {
        let mut s: String = text.chars().take(width.saturating_sub(1)).collect();
        s.push('…');
        s
    }
}

fn result_cell(c: &Conversation) -> Span<'static> {
    match &c.result {
        None => Span::raw("      "),
        Some(RowResult::Ok) => Span::styled("✓ 0   ", theme::ok()),
        Some(RowResult::Failed {
            code: Some(code), ..
        }) => Span::styled(format!("✗{code:<5}"), theme::error()),
        Some(RowResult::Failed { code: None, .. }) => Span::styled("✗ err ", theme::error()),
    }
}

pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let focused = app.focus == Focus::List;
    let title = if app.visible.len() == app.conversations.len() {
        format!(" Conversations {} ", thousands(app.conversations.len()))
    } else {
        format!(
            " Conversations {}/{} ",
            thousands(app.visible.len()),
            thousands(app.conversations.len())
        )
    };
    let mut block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme::border(focused))
        .title(Span::styled(title, theme::title()));
    if app.filtering || !app.filter.value().is_empty() {
        let cursor = if app.filtering { "▏" } else { "" };
        block = block.title_bottom(Line::from(vec![
            Span::styled(" / ", theme::guidance()),
            Span::raw(format!("{}{cursor} ", app.filter.value())),
        ]));
    } else if !app.selection.is_empty() {
        let staged = if app.staged_count() > 0 {
            format!("· {} staged ", thousands(app.staged_count()))
        } else {
            "· Esc clears ".to_owned()
        };
        block = block.title_bottom(Span::styled(
            format!(" ◆ {} selected {staged}", thousands(app.selection.len())),
            theme::guidance(),
        ));
    } else if app.staged_count() > 0 {
        block = block.title_bottom(Span::styled(
            format!(" {} staged · c commits ", app.staged_count()),
            theme::staged(),
        ));
    }
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = usize::from(inner.width);
    // The result column takes room only once a commit has reported something.
    let result_width = if app.result_count() > 0 { 6 } else { 0 };
    let id_width = width.saturating_sub(14 + result_width).max(4);
    let rows = usize::from(inner.height);
    let mut lines = Vec::with_capacity(rows);
    if app.visible.is_empty() {
        let text = if app.user.is_none() {
            "no user open: press u"
        } else if app.conversations.is_empty() {
            "no conversations (a adds one by ID)"
        } else {
            "nothing matches the filter"
        };
        lines.push(Line::styled(text, theme::muted()));
    }
    for (pos, i) in app
        .visible
        .iter()
        .enumerate()
        .skip(app.list_offset)
        .take(rows)
    {
        let Some(c) = app.conversations.get(*i) else {
            continue;
        };
        let selected = pos == app.selected;
        let peer_symbol = if c.peer.is_group() { "#" } else { "@" };
        // chosen with `v`: a symbol, not colour alone
        let chosen = !app.selection.is_empty() && app.selection.contains(&c.peer);
        let mut line = Line::from(vec![
            Span::raw(if selected { "›" } else { " " }),
            Span::styled(if c.pinned { "↑" } else { " " }, theme::guidance()),
            Span::styled(peer_symbol, theme::muted()),
            if chosen {
                Span::styled("◆", theme::guidance())
            } else {
                Span::raw(" ")
            },
            Span::raw(truncate(c.peer.id(), id_width)),
            Span::raw(" "),
            Span::raw(mark_symbols(c)),
            Span::raw(" "),
            Span::styled(if c.staged.is_empty() { " " } else { "*" }, theme::staged()),
        ]);
        if result_width > 0 {
            line.push_span(result_cell(c));
        }
        if selected {
            line = line.style(if focused {
                theme::selected()
            } else {
                theme::title()
            });
        }
        lines.push(line);
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
