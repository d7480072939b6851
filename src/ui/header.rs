//! The header: app, endpoint, user, badges, connection state, marked count.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::{App, ConnState};
use crate::domain::MAX_MARKED_CONVERSATIONS;

use super::theme;

const SPINNER: [&str; 4] = ["⠋", "⠙", "⠸", "⠴"];

/// The spinner's frame: it turns on each tick while a request is in flight.
pub(super) fn spinner(app: &App) -> &'static str {
    SPINNER[app.spinner % SPINNER.len()]
}

pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let sep = || Span::styled(" │ ", theme::muted());
    let mut spans = vec![Span::raw(" ")];
    if area.width >= 100 {
        spans.push(Span::styled("convmark ", theme::title()));
    }
    if app.session.demo {
        spans.push(Span::styled("[demo]", theme::badge()));
        spans.push(Span::raw(" "));
    }
    if app.session.read_only {
        spans.push(Span::styled("[read-only]", theme::badge()));
        spans.push(Span::raw(" "));
    }
    let user = app.user.as_deref().unwrap_or("(no user)");
    spans.push(Span::styled(format!("user {user}"), theme::title()));
    spans.push(sep());
    let conn = match &app.conn {
        ConnState::Idle => Span::styled("○ idle", theme::muted()),
        ConnState::Loading => Span::styled(format!("{} loading", spinner(app)), theme::guidance()),
        ConnState::Ready if app.in_flight > 0 => {
            Span::styled(format!("{} sending", spinner(app)), theme::guidance())
        }
        ConnState::Ready => Span::styled("● ready", theme::ok()),
        ConnState::Failed(_) => Span::styled("✗ error", theme::error()),
    };
    spans.push(conn);
    spans.push(sep());
    spans.push(Span::raw(format!(
        "{}/{} marked",
        app.marked_count(),
        thousands(MAX_MARKED_CONVERSATIONS)
    )));
    spans.push(sep());
    spans.push(Span::styled(
        format!(
            "app {} {}",
            app.session.sdkappid,
            short_endpoint(&app.session.endpoint)
        ),
        theme::muted(),
    ));
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

pub fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `http://127.0.0.1:4000/` reads `127.0.0.1:4000`; a region name stays as it is.
fn short_endpoint(endpoint: &str) -> &str {
    let e = endpoint
        .strip_prefix("https://")
        .or_else(|| endpoint.strip_prefix("http://"))
        .unwrap_or(endpoint);
    e.strip_suffix('/').unwrap_or(e)
}
