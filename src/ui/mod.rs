//! Drawing: one file per pane plus overlays and the theme. Render reads the state only.

pub mod custom;
pub mod detail;
pub mod grid;
pub mod groups;
pub mod header;
pub use crate::layout;
pub mod list;
pub mod overlay;
pub mod status;
pub mod theme;

use ratatui::Frame;
use ratatui::layout::Alignment;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use crate::app::App;

pub fn render(frame: &mut Frame, app: &App) {
    let area = frame.area();
    if layout::too_small(area) {
        let quit = app.keys.hint(crate::app::Action::Quit);
        let mut text = vec![
            Line::from("convmark needs a bigger terminal"),
            Line::from(format!(
                "at least {}x{}, this one is {}x{}",
                layout::MIN_WIDTH,
                layout::MIN_HEIGHT,
                area.width,
                area.height
            )),
        ];
        if matches!(
            app.overlay(),
            Some(crate::app::Overlay::Confirm(crate::app::Confirm::Quit))
        ) {
            text.extend(overlay::quit_reasons(app).into_iter().map(Line::from));
            text.push(Line::from(format!("press {quit} again to quit")));
        } else {
            text.push(Line::from(format!("resize it, or press {quit} to quit")));
        }
        frame.render_widget(
            Paragraph::new(text)
                .alignment(Alignment::Center)
                .wrap(Wrap { trim: true }),
            area,
        );
        return;
    }
    let a = layout::areas(area, app.custom_lines());
    header::render(frame, a.header, app);
    list::render(frame, a.list, app);
    grid::render(frame, a.grid, app);
    detail::render(frame, a.detail, app);
    custom::render(frame, a.custom, app);
    status::render(frame, a.status, a.hints, app);
    groups::render(frame, area, app);
    overlay::render(frame, area, app);
}

/// The screen as plain text, one line per row (for tests and snapshots).
pub fn buffer_text(buffer: &ratatui::buffer::Buffer) -> String {
    let area = buffer.area;
    let mut out = String::new();
    for y in area.top()..area.bottom() {
        let mut line = String::new();
        let mut skip = 0usize;
        for x in area.left()..area.right() {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            if let Some(cell) = buffer.cell((x, y)) {
                let s = cell.symbol();
                line.push_str(s);
                skip = unicode_width(s).saturating_sub(1);
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn unicode_width(s: &str) -> usize {
    use ratatui::text::Span;
    Span::raw(s).width()
}

/// A box title of `spans` within a box `box_width` columns wide: the spans that fit, whole
/// and in order (the ones after the first that does not fit are left out, so no word is
/// cut); the first span alone is ellipsized if even it does not fit.
pub fn title(spans: Vec<ratatui::text::Span<'static>>, box_width: u16) -> Line<'static> {
    use crate::text::{ellipsize, width};
    let room = usize::from(box_width.saturating_sub(2));
    let mut used = 0;
    let mut kept = Vec::new();
    for (i, span) in spans.into_iter().enumerate() {
        let w = width(&span.content);
        if used + w <= room {
            used += w;
            kept.push(span);
        } else {
            if i == 0 {
                let text = ellipsize(span.content.trim_end(), room.saturating_sub(1)) + " ";
                kept.push(ratatui::text::Span::styled(text, span.style));
            }
            break;
        }
    }
    Line::from(kept)
}
