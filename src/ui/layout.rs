//! Where each pane goes. `update` uses `list_rows` too, to keep the selection in view.

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

fn list_width(width: u16) -> u16 {
    if width >= 110 { width * 2 / 5 } else { 36 }
}

/// Cells of the grid are two lines tall when there is room for labels under them.
pub fn tall_grid(height: u16) -> bool {
    height >= 36
}

pub fn areas(area: Rect) -> Areas {
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
    let [grid, detail, custom] = Layout::vertical([
        Constraint::Length(grid_height),
        Constraint::Min(1),
        Constraint::Length(3),
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

/// Rows of conversations the list shows at this terminal size.
pub fn list_rows(width: u16, height: u16) -> usize {
    let a = areas(Rect::new(0, 0, width, height));
    usize::from(a.list.height.saturating_sub(2))
}
