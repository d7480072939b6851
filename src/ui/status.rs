//! The status line (the last message, cut to one line with `…`; the whole of it is in the
//! message log) and the key hints of the current mode, from `app::hints` and the live key
//! map. The hint row is never overwritten.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::symbols;
use ratatui::text::{Line, Span};
use ratatui::widgets::{LineGauge, Paragraph};

use crate::app::{Action, App, StatusKind};
use crate::text::{ellipsize, thousands, width};

use super::theme;

pub fn render(frame: &mut Frame, status: Rect, hints: Rect, app: &App) {
    frame.render_widget(
        Paragraph::new(hint_line(app, usize::from(hints.width))),
        hints,
    );
    // While a commit runs, its progress takes the status row: calls that came back.
    if let Some(id) = app.requests.committing()
        && let Some(r) = app.requests.get(id)
    {
        let p = r.progress;
        let ratio = if p.total_items == 0 {
            0.0
        } else {
            (p.done_items as f64 / p.total_items as f64).clamp(0.0, 1.0)
        };
        let mut label = format!(
            " Committing {}/{} conversations · {}/{} calls ",
            thousands(p.done_items),
            thousands(p.total_items),
            p.done_calls,
            p.total_calls
        );
        if r.cancelling {
            label.push_str("· cancelling ");
        } else if let Some(retry) = &r.retrying {
            label.push_str(&format!("· {retry} "));
        }
        let label = ellipsize(&label, usize::from(status.width).saturating_sub(8));
        frame.render_widget(
            LineGauge::default()
                .ratio(ratio)
                .label(Span::styled(label, theme::guidance()))
                .filled_symbol(symbols::line::THICK_HORIZONTAL)
                .unfilled_symbol(symbols::line::HORIZONTAL)
                .filled_style(theme::ok())
                .unfilled_style(theme::muted()),
            status,
        );
        return;
    }
    let Some(s) = &app.status else {
        return;
    };
    let (icon, style) = match s.kind {
        StatusKind::Info => ("›", theme::guidance()),
        StatusKind::Ok => ("✓", theme::ok()),
        StatusKind::Error => ("✗", theme::error()),
    };
    let room = usize::from(status.width).saturating_sub(3);
    let mut text = s.text.replace('\n', " ");
    // the whole message is in the log: say which key opens it, where that key works
    let log_key_works = matches!(
        app.mode,
        crate::app::Mode::Normal | crate::app::Mode::Groups { over: None, .. }
    );
    if width(&text) > room && !log_key_works {
        text = ellipsize(&text, room);
    } else if width(&text) > room {
        let more = format!(" ({} shows all)", app.keys.hint(Action::Messages));
        text = format!(
            "{}{more}",
            ellipsize(&text, room.saturating_sub(width(&more)))
        );
    }
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(format!(" {icon} "), style),
            Span::styled(text, style),
        ])),
        status,
    );
}

fn hint_line(app: &App, width_cols: usize) -> Line<'static> {
    let mut spans = vec![Span::raw(" ")];
    let mut used = 1;
    for (key, what) in crate::app::hints::hints(app) {
        let cost = width(&key) + width(what) + 2;
        if used + cost > width_cols {
            break;
        }
        used += cost;
        spans.push(Span::styled(key, theme::guidance()));
        spans.push(Span::styled(format!(" {what} "), theme::muted()));
    }
    Line::from(spans)
}
