//! The detail of the bit under the cursor: wire index, the docs' name, mask, meaning; the
//! conversation's last commit result; the 64-bit value in hex and the raw StandardMark
//! string with the cursor's digit highlighted; the SDK constant. Most wanted first: when a
//! long custom mark takes rows, the last lines go.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use crate::app::App;
use crate::domain::BitIndex;

use super::theme;
use crate::text::{width, wrap_columns, wrap_words};

pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let b = app.cursor;
    let block = Block::default()
        .borders(Borders::LEFT | Borders::RIGHT | Borders::TOP)
        .border_style(theme::border(false))
        .title(super::title(
            vec![
                Span::styled(format!(" bit {} ", b.get()), theme::title()),
                Span::styled(format!("· the docs' {} ", b.docs_name()), theme::title()),
            ],
            area.width,
        ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let wide = inner.width >= 60;
    let first = bit_line(app, b, wide);
    let cols = usize::from(inner.width);
    let first_rows = wrap_words(&line_text(&first), cols).len();
    let mut lines = vec![first];
    if let Some(c) = app.current() {
        match &c.result {
            Some(o) if o.is_ok() => lines.push(Line::styled(
                format!("✓ last commit: {}", crate::api::codes::describe(0)),
                theme::ok(),
            )),
            Some(o) => {
                let staged = if c.staged.is_empty() {
                    "; the edit is no longer staged"
                } else {
                    "; still staged"
                };
                // wrapped here, so that where the pane is too short its last row says
                // where the whole text is (the message log), instead of the text just ending
                let mut rows =
                    wrap_words(&format!("✗ last commit: {}{staged}", o.describe()), cols);
                let room = usize::from(inner.height).saturating_sub(first_rows).max(1);
                if rows.len() > room {
                    rows.truncate(room);
                    let tail = format!(
                        "… ({} shows all)",
                        app.keys.hint(crate::app::Action::Messages)
                    );
                    if let Some(last) = rows.last_mut() {
                        let keep = cols.saturating_sub(width(&tail)).max(1);
                        let head = wrap_columns(last, keep).swap_remove(0);
                        *last = format!("{}{tail}", head.trim_end());
                    }
                }
                lines.extend(rows.into_iter().map(|r| Line::styled(r, theme::error())));
            }
            None => {}
        }
        let hex = |v: u64| {
            if wide {
                format!("0x{v:016X}")
            } else {
                format!("0x{v:X}")
            }
        };
        let mut value = vec![
            Span::styled("value ", theme::muted()),
            Span::raw(hex(c.server.mark.value.0)),
        ];
        if !(c.staged.set.is_empty() && c.staged.clear.is_empty()) {
            value.push(Span::styled(" → ", theme::staged()));
            value.push(Span::styled(hex(c.effective().0), theme::staged()));
            value.push(Span::styled(" staged", theme::staged()));
        }
        lines.push(Line::from(value));
        lines.push(raw_line(&c.server.mark.raw, b));
    } else {
        lines.push(Line::styled("no conversation selected", theme::muted()));
    }
    lines.push(Line::from(vec![
        Span::styled("SDK ", theme::muted()),
        Span::raw(b.sdk_constant()),
    ]));
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

/// The text of a line, without its styles.
fn line_text(line: &Line) -> String {
    line.spans.iter().map(|s| s.content.as_ref()).collect()
}

fn bit_line(app: &App, b: BitIndex, wide: bool) -> Line<'static> {
    let state = match app.current() {
        Some(c) => {
            let before = c.server.mark.value.contains(b);
            let after = c.effective().contains(b);
            let word = |on: bool| if on { "on" } else { "off" };
            if before == after {
                Span::styled(
                    word(after).to_owned(),
                    if after { theme::on() } else { theme::base() },
                )
            } else {
                Span::styled(format!("{}→{}", word(before), word(after)), theme::staged())
            }
        }
        None => Span::raw("no conversation"),
    };
    let mut meaning = match b.kind() {
        crate::domain::BitKind::Extension if !wide => "extension bit".to_owned(),
        _ => b.meaning().to_owned(),
    };
    if let Some(label) = app.labels.get(&b.get()) {
        meaning.push_str(&format!(" \"{label}\""));
    }
    let meaning_style = if b.is_reserved() {
        theme::error()
    } else {
        theme::base()
    };
    Line::from(vec![
        Span::styled("mask ", theme::muted()),
        Span::raw(format!("0x{:X}", b.mask())),
        Span::styled(" · ", theme::muted()),
        state,
        Span::styled(" · ", theme::muted()),
        Span::styled(meaning, meaning_style),
    ])
}

/// `raw "1000"` with the digit of bit `b` highlighted: the string is most significant digit
/// first, so bit `b` is the `b`-th digit from the right.
fn raw_line(raw: &str, b: BitIndex) -> Line<'static> {
    let digits: Vec<char> = raw.chars().collect();
    let n = digits.len();
    let i = usize::from(b.get());
    let mut spans = vec![Span::styled("raw \"", theme::muted())];
    if i < n {
        let pos = n - 1 - i;
        let before: String = digits[..pos].iter().collect();
        let after: String = digits[pos + 1..].iter().collect();
        spans.push(Span::raw(before));
        spans.push(Span::styled(
            digits[pos].to_string(),
            theme::highlight_digit(),
        ));
        spans.push(Span::raw(after));
        spans.push(Span::styled("\"", theme::muted()));
    } else {
        spans.push(Span::raw(raw.to_owned()));
        spans.push(Span::styled("\"", theme::muted()));
        spans.push(Span::styled(
            format!(" (bit {i}: a leading 0, not sent)"),
            theme::muted(),
        ));
    }
    Line::from(spans)
}
