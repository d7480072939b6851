//! Where each pane goes, and what a click hits: the layout arithmetic that `app` (keeping
//! the selection in view, mouse clicks, scroll bounds) and `ui` (drawing) both need.

use ratatui::layout::{Constraint, Layout, Rect};

/// The smallest terminal the layout works in.
pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;

pub struct Areas {
    pub header: Rect,
    pub list: Rect,
    pub grid: Rect,
    pub detail: Rect,
    pub custom: Rect,
    pub status: Rect,
    pub hints: Rect,
}

pub fn too_small(area: Rect) -> bool {
    area.width < MIN_WIDTH || area.height < MIN_HEIGHT
}

/// The list's width: room for a 16-character ID, the marks and a commit result at 80
/// columns; half the screen from 120 columns, where it shows more columns.
fn list_width(width: u16) -> u16 {
    if width >= 120 {
        width / 2
    } else if width >= 110 {
        width * 2 / 5
    } else {
        38
    }
}

/// Cells of the grid are two lines tall when there is room for labels under them.
pub fn tall_grid(height: u16) -> bool {
    height >= 36
}

/// Rows the detail pane keeps however long the custom mark is.
const MIN_DETAIL_ROWS: u16 = 6;

/// The panes, with `custom_lines` lines of text wanted for the custom mark pane (it grows
/// for a long mark as far as the detail pane can give).
pub fn areas(area: Rect, custom_lines: usize) -> Areas {
    let [header, body, status, hints] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    let [list, right] = Layout::horizontal([
        Constraint::Length(list_width(area.width)),
        Constraint::Min(1),
    ])
    .areas(body);
    let grid_height = if tall_grid(area.height) { 18 } else { 10 };
    let most = right
        .height
        .saturating_sub(grid_height + MIN_DETAIL_ROWS)
        .max(3);
    let custom_height = (u16::try_from(custom_lines)
        .unwrap_or(u16::MAX)
        .saturating_add(2))
    .clamp(3, most);
    let [grid, detail, custom] = Layout::vertical([
        Constraint::Length(grid_height),
        Constraint::Min(1),
        Constraint::Length(custom_height),
    ])
    .areas(right);
    Areas {
        header,
        list,
        grid,
        detail,
        custom,
        status,
        hints,
    }
}

/// Columns of text inside the custom mark pane.
pub fn custom_width(width: u16) -> usize {
    usize::from(width.saturating_sub(list_width(width)).saturating_sub(2))
}

/// Rows of conversations the list shows at this terminal size.
pub fn list_rows(width: u16, height: u16) -> usize {
    let a = areas(Rect::new(0, 0, width, height), 1);
    usize::from(a.list.height.saturating_sub(2))
}

/// What a click at a screen position hits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hit {
    /// The n-th row of the list window (0 = the top row shown).
    ListRow(usize),
    /// The grid cell of this wire index.
    GridCell(u8),
    Custom,
    Nothing,
}

/// The area inside a bordered pane.
fn inner(r: Rect) -> Rect {
    Rect::new(
        r.x + 1,
        r.y + 1,
        r.width.saturating_sub(2),
        r.height.saturating_sub(2),
    )
}

/// What a click at (`column`, `row`) of a terminal of `size` hits (with the custom mark
/// pane as tall as `custom_lines` make it).
pub fn hit(size: (u16, u16), custom_lines: usize, column: u16, row: u16) -> Hit {
    let area = Rect::new(0, 0, size.0, size.1);
    if too_small(area) {
        return Hit::Nothing;
    }
    let a = areas(area, custom_lines);
    let at = ratatui::layout::Position::new(column, row);
    let list = inner(a.list);
    let grid = inner(a.grid);
    if list.contains(at) {
        Hit::ListRow(usize::from(at.y - list.y))
    } else if grid.contains(at) {
        let cell_width = (grid.width / 8).max(1);
        let cell_height = if tall_grid(size.1) { 2 } else { 1 };
        let col = (at.x - grid.x) / cell_width;
        let r = (at.y - grid.y) / cell_height;
        if col < 8 && r < 8 {
            Hit::GridCell(u8::try_from(r * 8 + col).unwrap_or(0))
        } else {
            Hit::Nothing
        }
    } else if a.custom.contains(at) {
        Hit::Custom
    } else {
        Hit::Nothing
    }
}

/// The box of the full-screen overlays (preview, messages, staged, history): below the
/// header, above the status line and the hints, two columns in from each side.
pub fn overlay_box(area: Rect) -> Rect {
    Rect::new(
        area.x.saturating_add(2),
        area.y.saturating_add(1),
        area.width.saturating_sub(4),
        area.height.saturating_sub(3),
    )
}

/// The help's box: below the header, above the status line and the hints, at most 96
/// columns wide, centred.
pub fn help_box(area: Rect) -> Rect {
    let width = area.width.saturating_sub(4).min(96);
    Rect::new(
        area.x + (area.width - width) / 2,
        area.y.saturating_add(1),
        width,
        area.height.saturating_sub(3),
    )
}

/// Columns and rows of text inside the help's box.
pub fn help_text_size(width: u16, height: u16) -> (usize, usize) {
    let boxed = help_box(Rect::new(0, 0, width, height));
    (
        usize::from(boxed.width.saturating_sub(2)),
        usize::from(boxed.height.saturating_sub(2)),
    )
}

/// Columns of text inside the overlay box.
pub fn preview_width(width: u16) -> usize {
    usize::from(width.saturating_sub(6))
}

/// Rows of text inside the overlay box.
pub fn preview_rows(height: u16) -> usize {
    usize::from(height.saturating_sub(5))
}

/// Rows a text takes wrapped at `width` columns, as the overlays and the custom mark pane
/// draw it ([`crate::text::wrap_columns`]).
pub fn wrapped_rows(text: &str, width: usize) -> usize {
    crate::text::wrap_columns(text, width).len()
}

/// Rows a prose text takes wrapped at word boundaries ([`crate::text::wrap_words`]), as the
/// message log draws a message.
pub fn wrapped_word_rows(text: &str, width: usize) -> usize {
    crate::text::wrap_words(text, width).len()
}
