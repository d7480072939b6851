//! The conversation list: only the visible window of rows is drawn, whatever the count. The
//! name column takes the width the names in view need; the commit result, and on wide
//! terminals the custom mark, groups and last message time, use the room that is left.

use ratatui::Frame;
use ratatui::layout::{Alignment, Margin, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Block, Borders, Paragraph, Scrollbar, ScrollbarOrientation, ScrollbarState,
};

use crate::app::{App, Focus, Row, bit};
use crate::service::ItemOutcome;
use crate::text::{fit, thousands};

use super::theme;

/// The four internal marks as letters (Star, Unread, Fold, Hide, after the SDK constants),
/// `·` when off; then `x` for any extension bit and `m` for a custom mark.
pub fn mark_symbols(c: &Row) -> String {
    let value = c.server.mark.value;
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
    s.push(if c.server.custom.is_empty() { ' ' } else { 'm' });
    s
}

/// The last commit's result in six columns: `✓ 0`, `✗51013`, `✗ err`, `⊘ skip` (not sent).
fn result_cell(c: &Row) -> Span<'static> {
    match &c.result {
        None => Span::raw("      "),
        Some(o) if o.is_ok() => Span::styled("✓ 0   ", theme::ok()),
        Some(ItemOutcome::NotSent) => Span::styled("⊘ skip", theme::muted()),
        Some(o) => match o.code() {
            Some(code) => Span::styled(format!("✗{code:<5}"), theme::error()),
            None => Span::styled("✗ err ", theme::error()),
        },
    }
}

/// `11-26 01:05` in UTC, or blanks for a conversation without messages.
fn short_time(secs: u64) -> String {
    if secs == 0 {
        return " ".repeat(11);
    }
    let full = crate::time::utc(secs); // 2026-11-26 01:05 UTC
    full.get(5..16).unwrap_or("").to_owned()
}

/// The optional columns a list this wide shows, and their widths.
struct Columns {
    id: usize,
    result: usize,
    time: usize,
    groups: usize,
    custom: usize,
}

fn columns(app: &App, inner_width: usize) -> Columns {
    // cursor, pin, kind, selection; marks; staged
    let base = 4 + 1 + 6 + 1 + 1;
    let result = if app.result_count() > 0 { 6 } else { 0 };
    // the names keep their width; the result and the extra columns use what is left
    let room = inner_width.saturating_sub(base + result);
    let id = app.longest_id().clamp(4, 40).min(room.max(4));
    let mut left = room.saturating_sub(id);
    let mut take = |want: usize, min: usize| {
        if left > min {
            let w = want.min(left - 1);
            left -= w + 1;
            w
        } else {
            0
        }
    };
    // only where a wide terminal leaves the room; narrow lists keep today's columns. The
    // custom mark is what this tool is about: it gets room first, then the groups, then
    // the time, and the custom mark whatever is left after them.
    let (time, groups, custom) = if inner_width >= 56 {
        let custom = take(10, 8);
        let groups = take(12, 6);
        let time = take(11, 11);
        let custom = if custom > 0 { custom + left } else { 0 };
        (time, groups, custom)
    } else {
        (0, 0, 0)
    };
    Columns {
        id,
        result,
        time,
        groups,
        custom,
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
    // the row position on the right; the parts on the left drop whole where it leaves no room
    let position = (!app.visible.is_empty()).then(|| {
        format!(
            " {}/{} ",
            thousands(app.selected + 1),
            thousands(app.visible.len())
        )
    });
    let left_box = area.width.saturating_sub(
        position
            .as_deref()
            .map_or(0, |p| crate::text::width(p) as u16),
    );
    if app.filtering() || !app.filter.value().is_empty() {
        let cursor = if app.filtering() { "▏" } else { "" };
        block = block.title_bottom(Line::from(vec![
            Span::styled(" / ", theme::guidance()),
            Span::raw(format!("{}{cursor} ", app.filter.value())),
        ]));
    } else if !app.selection.is_empty() {
        let mut parts = vec![Span::styled(
            format!(" ◆ {} selected ", thousands(app.selection.len())),
            theme::guidance(),
        )];
        if app.staged_count() > 0 {
            parts.push(Span::styled(
                format!("· {} staged ", thousands(app.staged_count())),
                theme::guidance(),
            ));
        }
        block = block.title_bottom(super::title(parts, left_box));
    } else if app.staged_count() > 0 {
        let parts = vec![
            Span::styled(
                format!(" {} staged ", thousands(app.staged_count())),
                theme::staged(),
            ),
            Span::styled(
                format!("· {} commits ", app.keys.hint(crate::app::Action::Commit)),
                theme::staged(),
            ),
        ];
        block = block.title_bottom(super::title(parts, left_box));
    }
    if let Some(position) = position {
        block = block.title_bottom(
            Line::from(Span::styled(position, theme::muted())).alignment(Alignment::Right),
        );
    }
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let rows = usize::from(inner.height);
    let window: Vec<usize> = app
        .visible
        .iter()
        .skip(app.list_offset)
        .take(rows)
        .copied()
        .collect();
    let cols = columns(app, usize::from(inner.width));
    let mut lines = Vec::with_capacity(rows);
    if app.visible.is_empty() {
        let text = empty_text(app);
        lines.push(Line::styled(text, theme::muted()));
    }
    for (n, i) in window.iter().enumerate() {
        let Some(c) = app.conversations.get(*i) else {
            continue;
        };
        let selected = app.list_offset + n == app.selected;
        let peer_symbol = if c.peer().is_group() { "#" } else { "@" };
        // chosen with `v`: a symbol, not colour alone
        let chosen = !app.selection.is_empty() && app.selection.contains(c.peer());
        let mut line = Line::from(vec![
            Span::raw(if selected { "›" } else { " " }),
            Span::styled(if c.server.pinned { "↑" } else { " " }, theme::guidance()),
            Span::styled(peer_symbol, theme::muted()),
            if chosen {
                Span::styled("◆", theme::guidance())
            } else {
                Span::raw(" ")
            },
            Span::raw(fit(c.peer().id(), cols.id)),
            Span::raw(" "),
            Span::raw(mark_symbols(c)),
            Span::raw(" "),
            Span::styled(if c.staged.is_empty() { " " } else { "*" }, theme::staged()),
        ]);
        if cols.result > 0 {
            line.push_span(result_cell(c));
        }
        if cols.time > 0 {
            line.push_span(Span::raw(" "));
            line.push_span(Span::styled(
                fit(&short_time(c.server.msg_time), cols.time),
                theme::muted(),
            ));
        }
        if cols.groups > 0 {
            line.push_span(Span::raw(" "));
            line.push_span(Span::styled(
                fit(&app.group_names_of(c).join(","), cols.groups),
                theme::muted(),
            ));
        }
        if cols.custom > 0 {
            line.push_span(Span::raw(" "));
            line.push_span(Span::raw(fit(c.effective_custom(), cols.custom)));
        }
        if selected {
            // the bar runs the whole width of the list, not only the cells with text
            let used = line.width();
            let full = usize::from(inner.width);
            if used < full {
                line.push_span(Span::raw(" ".repeat(full - used)));
            }
            line = line.style(if focused {
                theme::selected()
            } else {
                theme::title()
            });
        }
        lines.push(line);
    }
    frame.render_widget(Paragraph::new(lines), inner);
    if app.visible.len() > rows {
        let mut state =
            ScrollbarState::new(app.visible.len().saturating_sub(rows)).position(app.list_offset);
        frame.render_stateful_widget(
            Scrollbar::new(ScrollbarOrientation::VerticalRight)
                .begin_symbol(None)
                .end_symbol(None),
            area.inner(Margin {
                vertical: 1,
                horizontal: 0,
            }),
            &mut state,
        );
    }
}

fn empty_text(app: &App) -> String {
    let key = |a| app.keys.hint(a);
    if let Some(id) = app.requests.loading() {
        let p = app
            .requests
            .get(id)
            .map(|r| r.progress.load)
            .unwrap_or_default();
        return format!(
            "loading… {} page(s), {} conversation(s)",
            p.pages,
            thousands(p.rows)
        );
    }
    if app.user.is_none() {
        format!(
            "no user open: press {}",
            key(crate::app::Action::SwitchUser)
        )
    } else if app.conversations.is_empty() {
        format!(
            "no conversations ({} adds one by ID)",
            key(crate::app::Action::Add)
        )
    } else {
        "nothing matches the filter".to_owned()
    }
}
