//! The help overlay's text, laid out for a width: one pure function that the renderer
//! draws and the key handler measures, so scrolling stops at the last line.

use super::keys::{Action, Scope};
use super::state::App;
use crate::text::{ellipsize, wrap_words};

/// Columns of the keys before each description.
pub const KEYS_WIDTH: usize = 14;
/// Columns of a description.
const DESCRIPTION_WIDTH: usize = 25;

/// What a help row is, for its style.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// `label` muted, then the text.
    Path(&'static str),
    Title,
    /// Key/description pairs side by side.
    Keys,
    Note,
}

/// One row of the help, already fitted to the width: for [`Part::Keys`], `cells` holds
/// (keys, description) pairs, else one text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelpRow {
    pub part: Part,
    pub cells: Vec<(String, String)>,
}

impl HelpRow {
    fn text(part: Part, text: String) -> HelpRow {
        HelpRow {
            part,
            cells: vec![(String::new(), text)],
        }
    }
}

/// The help for an inside width of `width` columns: the config and log paths, every action
/// of the key map by scope (two columns from 80), the symbols and the editing model, each
/// note wrapped at word boundaries.
pub fn rows(app: &App, width: usize) -> Vec<HelpRow> {
    let mut rows = Vec::new();
    for (label, path) in [
        ("config ", &app.session.config_path),
        ("log    ", &app.session.log_path),
    ] {
        let wrapped = crate::text::wrap_columns(path, width.saturating_sub(label.len()).max(1));
        for (i, piece) in wrapped.into_iter().enumerate() {
            rows.push(HelpRow::text(
                Part::Path(if i == 0 { label } else { "       " }),
                piece,
            ));
        }
    }
    let two_columns = width >= 2 * (KEYS_WIDTH + DESCRIPTION_WIDTH) + 2;
    let entry = |a: Action| {
        (
            ellipsize(&app.keys.all_keys(a), KEYS_WIDTH - 1),
            a.description().to_owned(),
        )
    };
    for (scope, title) in [
        (Scope::Nav, "Moving (everywhere)"),
        (Scope::Main, "The main screen"),
        (Scope::Groups, "The groups popup"),
    ] {
        rows.push(HelpRow::text(Part::Title, title.to_owned()));
        let entries: Vec<(String, String)> = Action::ALL
            .iter()
            .filter(|a| a.scope() == scope)
            .map(|a| entry(*a))
            .collect();
        if two_columns {
            let half = entries.len().div_ceil(2);
            for row in 0..half {
                let mut cells = vec![entries[row].clone()];
                cells.extend(entries.get(row + half).cloned());
                rows.push(HelpRow {
                    part: Part::Keys,
                    cells,
                });
            }
        } else {
            rows.extend(entries.into_iter().map(|cell| HelpRow {
                part: Part::Keys,
                cells: vec![cell],
            }));
        }
    }
    rows.push(HelpRow {
        part: Part::Keys,
        cells: vec![("Ctrl-C".to_owned(), "force quit (always)".to_owned())],
    });
    rows.push(HelpRow::text(Part::Note, String::new()));
    let k = |a| app.keys.hint(a);
    for text in [
        "Rows: ↑ pinned · @ user, # group · S U F H star unread fold hide · x extension bit · m custom mark · * staged · ✓/✗ last commit · ⊘ not sent".to_owned(),
        format!(
            "Grid: ● on ○ off · reserved 4-31: ■ on · off · + will be set, - will be cleared · {} at the first column goes back to the list",
            k(Action::Left)
        ),
        format!(
            "Editing: {} stages a flip, {} edits the custom mark ({} in the custom mark pane too), on every selected row (◆) if any; nothing is sent until {}.",
            k(Action::Toggle),
            k(Action::EditCustom),
            k(Action::Toggle),
            k(Action::Commit)
        ),
        format!(
            "Filter ({}): words must all match the ID, custom mark or a group name; is:staged is:failed is:marked is:pinned is:group is:c2c, bit:N, -WORD negates.",
            k(Action::Filter)
        ),
        format!(
            "Groups ({}): changes are sent at once, not staged.",
            k(Action::Groups)
        ),
    ] {
        rows.extend(
            wrap_words(&text, width.max(1))
                .into_iter()
                .map(|line| HelpRow::text(Part::Note, line)),
        );
    }
    rows
}

/// Columns of a key/description pair, with the gap after it.
pub fn pair_width() -> usize {
    KEYS_WIDTH + DESCRIPTION_WIDTH + 2
}
