//! Whole-screen snapshots at 80x24 and 120x40 and of the too-small message.
#![allow(clippy::unwrap_used)]

mod tui_support;

use crossterm::event::KeyCode;
use tui_support::*;

#[test]
fn list_and_grid_at_80x24() {
    let mut app = loaded_app(30);
    insta::assert_snapshot!(screen(&mut app, 80, 24));
}

#[test]
fn staged_edits_and_a_failure_at_120x40() {
    let mut app = loaded_app(60);
    // carol: move down twice, to the grid, stage bit 33 and a custom mark
    keys(&mut app, [ch('j'), ch('j'), key(KeyCode::Tab)]);
    keys(
        &mut app,
        [ch('j'), ch('j'), ch('j'), ch('j'), ch('l'), ch(' ')],
    );
    keys(&mut app, [key(KeyCode::Enter)]);
    keys(&mut app, typed(" (vip)"));
    keys(&mut app, [key(KeyCode::Enter)]);
    insta::assert_snapshot!(screen(&mut app, 120, 40));
}

#[test]
fn too_small_says_how_big_it_must_be() {
    let mut app = loaded_app(0);
    insta::assert_snapshot!(screen(&mut app, 60, 16));
}

#[test]
fn help_is_generated_from_the_key_map() {
    let mut app = loaded_app(0);
    keys(&mut app, [ch('?')]);
    insta::assert_snapshot!(screen(&mut app, 80, 24));
}
