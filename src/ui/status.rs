//! The status line (the last result, with its ResultCode and what to do) and the key hints
//! of the focused pane, generated from the live key map.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::symbols;
use ratatui::text::{Line, Span};
use ratatui::widgets::{LineGauge, Paragraph, Wrap};

use crate::app::{Action, App, Confirm, Focus, Overlay, StatusKind};

use super::header::thousands;
use super::theme;

pub fn render(frame: &mut Frame, status: Rect, hints: Rect, app: &App) {
    // While a commit runs, its progress takes the status row: calls that came back.
    if app.committing
        && let Some(p) = app.progress
    {
        let ratio = if p.total_items == 0 {
            0.0
        } else {
            (p.done_items as f64 / p.total_items as f64).clamp(0.0, 1.0)
        };
        let label = format!(
            " Committing {}/{} conversations · {}/{} calls ",
            thousands(p.done_items),
            thousands(p.total_items),
            p.done_calls,
            p.total_calls
        );
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
        frame.render_widget(
            Paragraph::new(hint_line(app, usize::from(hints.width))),
            hints,
        );
        return;
    }
    let line = match &app.status {
        Some(s) => {
            let (icon, style) = match s.kind {
                StatusKind::Info => ("›", theme::guidance()),
                StatusKind::Ok => ("✓", theme::ok()),
                StatusKind::Error => ("✗", theme::error()),
            };
            Line::from(vec![
                Span::styled(format!(" {icon} "), style),
                Span::styled(s.text.clone(), style),
            ])
        }
        None => Line::from(""),
    };
    // A long result (a ResultCode with its meaning and what to do) takes the hints' row too.
    if line.width() > usize::from(status.width) {
        let both = Rect::new(
            status.x,
            status.y,
            status.width,
            status.height + hints.height,
        );
        frame.render_widget(Paragraph::new(line).wrap(Wrap { trim: false }), both);
    } else {
        frame.render_widget(Paragraph::new(line), status);
        frame.render_widget(
            Paragraph::new(hint_line(app, usize::from(hints.width))),
            hints,
        );
    }
}

fn hint_line(app: &App, width: usize) -> Line<'static> {
    let k = |a: Action| app.keys.hint(a);
    let pairs: Vec<(String, &str)> = if let Some(overlay) = &app.overlay {
        match overlay {
            Overlay::Confirm(Confirm::RestoreJournal) => {
                vec![("y".into(), "restore"), ("n".into(), "delete journal")]
            }
            Overlay::Confirm(_) => vec![("y".into(), "yes"), ("n/Esc".into(), "no")],
            Overlay::Prompt { .. } => vec![("Enter".into(), "ok"), ("Esc".into(), "cancel")],
            Overlay::Help => vec![("Esc".into(), "close")],
            Overlay::Preview { .. } => {
                vec![
                    ("↑↓ PgUp PgDn".into(), "scroll"),
                    (k(Action::Copy), "copy JSON"),
                    ("Esc".into(), "close"),
                ]
            }
        }
    } else if app.groups_popup.is_some() {
        vec![
            ("Space/Enter".into(), "add/remove"),
            ("n".into(), "new"),
            ("R".into(), "rename"),
            ("D".into(), "delete"),
            ("Esc".into(), "close"),
        ]
    } else if app.editing_custom {
        vec![
            ("Enter".into(), "stage"),
            ("Esc".into(), "cancel"),
            ("typing".into(), "edits the text"),
        ]
    } else if app.filtering {
        vec![
            ("Enter".into(), "keep filter"),
            ("Esc".into(), "clear"),
            ("↑↓".into(), "move"),
        ]
    } else {
        let mut v: Vec<(String, &str)> = Vec::new();
        if !app.selection.is_empty() {
            v.push(("Esc".into(), "unselect"));
        }
        v.extend(match app.focus {
            Focus::List => vec![
                (format!("{}{}", k(Action::Up), k(Action::Down)), "move"),
                (k(Action::Toggle), "flip"),
                (k(Action::Select), "select"),
                (k(Action::Filter), "filter"),
            ],
            Focus::Grid => vec![
                ("hjkl".into(), "move"),
                (k(Action::Toggle), "flip"),
                (k(Action::EditCustom), "custom"),
            ],
            Focus::Custom => vec![
                (k(Action::EditCustom), "edit"),
                (k(Action::Unstage), "unstage"),
            ],
        });
        v.extend([
            (k(Action::Commit), "commit"),
            (k(Action::Preview), "preview"),
            (k(Action::Help), "help"),
            (k(Action::Quit), "quit"),
            (k(Action::NextPane), "pane"),
            (k(Action::Add), "add"),
            (k(Action::SwitchUser), "user"),
            (k(Action::Reload), "reload"),
            (k(Action::Copy), "copy"),
        ]);
        v
    };
    let mut spans = vec![Span::raw(" ")];
    let mut used = 1;
    for (key, what) in pairs {
        let cost = key.chars().count() + what.chars().count() + 2;
        if used + cost > width {
            break;
        }
        used += cost;
        spans.push(Span::styled(key, theme::guidance()));
        spans.push(Span::styled(format!(" {what} "), theme::muted()));
    }
    Line::from(spans)
}
