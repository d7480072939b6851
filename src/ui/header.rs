//! The header: badges, the user, the connection state (with a load's progress), the marked
//! count, the edition when known, the app and the endpoint. A segment that does not fit is
//! left out whole, never cut in the middle.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::{App, ConnState, RequestKind};
use crate::domain::MAX_MARKED_CONVERSATIONS;
use crate::text::width;

use super::theme;

pub use crate::text::thousands;

const SPINNER: [&str; 4] = ["⠋", "⠙", "⠸", "⠴"];

/// The spinner's frame: it turns on each tick while a request is in flight.
pub(super) fn spinner(app: &App) -> &'static str {
    SPINNER[app.spinner % SPINNER.len()]
}

fn conn(app: &App) -> (String, Style) {
    if let Some(id) = app.requests.loading()
        && let Some(r) = app.requests.get(id)
    {
        let p = r.progress.load;
        let (what, rows) = if app.user.as_deref() == Some(r.user.as_str()) {
            ("loading".to_owned(), r.progress.arrived)
        } else {
            (format!("opening {}", r.user), p.rows)
        };
        return (
            format!(
                "{} {what}: {} page(s), {} conversations",
                spinner(app),
                p.pages,
                thousands(rows)
            ),
            theme::guidance(),
        );
    }
    match &app.conn {
        ConnState::Idle => ("○ idle".into(), theme::muted()),
        ConnState::Loading => (format!("{} loading", spinner(app)), theme::guidance()),
        ConnState::Ready if app.busy() => {
            let what = app
                .requests
                .iter()
                .next()
                .map_or("sending", |(_, r)| match r.kind {
                    RequestKind::Commit => "committing",
                    RequestKind::ReadBack => "reading back",
                    RequestKind::Group(_) => "changing groups",
                    _ => "sending",
                });
            (format!("{} {what}", spinner(app)), theme::guidance())
        }
        ConnState::Ready => ("● ready".into(), theme::ok()),
        ConnState::Partial => ("◐ partly loaded".into(), theme::staged()),
        ConnState::Failed(_) => ("✗ error".into(), theme::error()),
    }
}

/// `http://127.0.0.1:4000/` reads `127.0.0.1:4000`; a region name stays as it is.
fn short_endpoint(endpoint: &str) -> &str {
    let e = endpoint
        .strip_prefix("https://")
        .or_else(|| endpoint.strip_prefix("http://"))
        .unwrap_or(endpoint);
    e.strip_suffix('/').unwrap_or(e)
}

pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    // (priority: lower stays longer, text, style)
    let mut segments: Vec<(u8, String, Style)> = Vec::new();
    if app.session.demo {
        segments.push((0, "[demo]".into(), theme::badge()));
    }
    if app.session.read_only {
        segments.push((0, "[read-only]".into(), theme::badge()));
    }
    let user = app.user.as_deref().unwrap_or("(no user)");
    segments.push((0, format!("user {user}"), theme::title()));
    let (text, style) = conn(app);
    segments.push((0, text, style));
    // while a load is in flight or after it was stopped, the count is only a lower bound
    let partial = matches!(app.conn, ConnState::Loading | ConnState::Partial)
        || app.requests.loading().is_some();
    segments.push((
        1,
        format!(
            "{}{}/{} marked",
            if partial { "≥" } else { "" },
            thousands(app.marked_count()),
            thousands(MAX_MARKED_CONVERSATIONS)
        ),
        theme::base(),
    ));
    if let Some(edition) = &app.session.edition {
        segments.push((2, format!("edition {edition}"), theme::muted()));
    }
    segments.push((3, format!("app {}", app.session.sdkappid), theme::muted()));
    segments.push((
        4,
        short_endpoint(&app.session.endpoint).to_owned(),
        theme::muted(),
    ));
    let prefix = if area.width >= 100 { "convmark " } else { "" };
    let room = usize::from(area.width).saturating_sub(1 + prefix.len());
    let cost = |s: &[(u8, String, Style)]| -> usize {
        s.iter().map(|(_, t, _)| width(t)).sum::<usize>() + 3 * s.len().saturating_sub(1)
    };
    // drop the least important segments, whole, until the rest fits
    while cost(&segments) > room {
        let Some((i, _)) = segments
            .iter()
            .enumerate()
            .filter(|(_, s)| s.0 > 0)
            .max_by_key(|(i, s)| (s.0, *i))
        else {
            break;
        };
        segments.remove(i);
    }
    let mut spans = vec![Span::raw(" "), Span::styled(prefix, theme::title())];
    for (n, (_, text, style)) in segments.into_iter().enumerate() {
        if n > 0 {
            spans.push(Span::styled(" │ ", theme::muted()));
        }
        spans.push(Span::styled(text, style));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
