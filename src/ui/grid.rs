//! The bit grid: 8 rows of 8 cells, wire indices 0..=63, on/off and staged by symbol.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::app::{App, Focus, bit};
use crate::domain::BitIndex;

use super::layout::tall_grid;
use super::theme;

/// On/off symbol of a cell: `●`/`○` for usable bits, `■`/`·` for reserved ones (`◆` is
/// the list's selection mark, so it is not used here).
pub fn state_symbol(b: BitIndex, on: bool) -> &'static str {
    match (b.is_reserved(), on) {
        (false, true) => "●",
        (false, false) => "○",
        (true, true) => "■",
        (true, false) => "·",
    }
}

pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let focused = app.focus == Focus::Grid;
    let current = app.current();
    let title = match current {
        Some(c) => format!(" Bits of {} ", c.peer()),
        None => " Bits ".to_owned(),
    };
    let cell_width = usize::from(area.width.saturating_sub(2) / 8).max(4);
    let tall = tall_grid(frame.area().height);
    // Labels fit in a cell from 9 columns on ("32● VIP"); narrower grids name bits 0..=3 in
    // the legend instead.
    let inline_labels = !tall && cell_width >= 9;
    let legend = if inline_labels || tall {
        Line::from(vec![
            Span::styled(" ●", theme::on()),
            Span::styled(" on ", theme::muted()),
            Span::raw("○"),
            Span::styled(" off ", theme::muted()),
            Span::raw("■·"),
            Span::styled(" reserved 4-31 ", theme::muted()),
            Span::styled("+ -", theme::staged()),
            Span::styled(" staged ", theme::muted()),
        ])
    } else {
        Line::from(vec![Span::styled(
            " 0 fav 1 unrd 2 fold 3 hide │ 4-31 rsvd ",
            theme::muted(),
        )])
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme::border(focused))
        .title(super::title(
            vec![Span::styled(title, theme::title())],
            area.width,
        ))
        .title_bottom(legend);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let mut lines = Vec::new();
    for row in 0..8u8 {
        let mut top = Vec::new();
        let mut bottom = Vec::new();
        for col in 0..8u8 {
            let b = bit(row * 8 + col);
            // the value after the staged edit, and `+`/`-` when the bit is staged
            let (staged_sign, on_after) = match current {
                Some(c) if c.staged.set.contains(b) => ("+", true),
                Some(c) if c.staged.clear.contains(b) => ("-", false),
                Some(c) => (" ", c.server.mark.value.contains(b)),
                None => (" ", false),
            };
            let is_cursor = b == app.cursor;
            let mut style = if b.is_reserved() {
                theme::reserved()
            } else {
                Style::default()
            };
            if is_cursor {
                style = if focused {
                    style.add_modifier(Modifier::REVERSED)
                } else {
                    style.add_modifier(Modifier::UNDERLINED)
                };
            }
            let symbol_style = if staged_sign != " " {
                theme::staged()
            } else if on_after {
                theme::on()
            } else {
                style
            };
            let label = app.bit_label(b).unwrap_or("");
            let head = format!("{:>2}", b.get());
            let mut used = 4;
            top.push(Span::styled(head, style));
            top.push(Span::styled(
                state_symbol(b, on_after),
                symbol_style.patch(cursor_mod(style)),
            ));
            top.push(Span::styled(
                staged_sign,
                theme::staged().patch(cursor_mod(style)),
            ));
            if inline_labels {
                let room = cell_width - 5;
                // by display width (a CJK label takes two columns a character), with `…`
                // where it is cut
                let text = crate::text::ellipsize(label, room);
                used += crate::text::width(&text);
                top.push(Span::styled(
                    text,
                    style.patch(theme::muted()).patch(cursor_mod(style)),
                ));
            }
            top.push(Span::raw(" ".repeat(cell_width.saturating_sub(used))));
            if tall {
                let label = if label.is_empty() && b.is_reserved() {
                    "rsvd"
                } else {
                    label
                };
                let text = crate::text::ellipsize(label, cell_width.saturating_sub(1));
                let pad = cell_width.saturating_sub(crate::text::width(&text));
                bottom.push(Span::styled(text, theme::muted()));
                bottom.push(Span::raw(" ".repeat(pad)));
            }
        }
        lines.push(Line::from(top));
        if tall {
            lines.push(Line::from(bottom));
        }
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

fn cursor_mod(style: Style) -> Style {
    Style {
        add_modifier: style.add_modifier & (Modifier::REVERSED | Modifier::UNDERLINED),
        ..Style::default()
    }
}
