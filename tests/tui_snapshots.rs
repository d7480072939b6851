//! Whole-screen snapshots at 80x24 and 120x40 and of the too-small message.
#![allow(clippy::unwrap_used)]

mod tui_support;

use convmark::app::{KeyMap, Msg, update};
use convmark::service::commit::CallDone;
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
    // dave: bit 33 too; the commit answers 51013 for carol and 0 for dave
    keys(
        &mut app,
        [
            key(KeyCode::BackTab),
            key(KeyCode::BackTab),
            ch('j'),
            ch(' '),
        ],
    );
    let (id, plan, _) = commit_of(keys(&mut app, [ch('c')]));
    update(
        &mut app,
        committed(id, &plan, |p| {
            answer(if p.id() == "carol" { 51013 } else { 0 })
        }),
    );
    keys(&mut app, [ch('k')]);
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

/// The demo seed is deterministic, so the demo user's first screen is too (the endpoint is
/// given a fixed label: the port changes from run to run).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_user_at_80x24() {
    let emu = convmark::emulator::spawn(Default::default()).await.unwrap();
    let client = convmark::api::Client::new(emu.client_config()).unwrap();
    let mut s = session();
    s.endpoint = "http://127.0.0.1:PORT".into();
    s.demo = true;
    s.edition = Some("ultimate".into());
    let mut app = convmark::app::App::new(s, KeyMap::default(), labels());
    load_from(&client, &mut app, "alice").await;
    insta::assert_snapshot!(screen(&mut app, 80, 24));
    emu.shutdown().await;
}

#[test]
fn selected_rows_and_a_commit_in_progress_at_80x24() {
    // 206 conversations, all selected: bit 40 on all of them is 3 calls
    let mut app = loaded_app(200);
    keys(&mut app, [ch('v'), ch('j'), ch('v'), ch('V')]);
    keys(
        &mut app,
        [
            key(KeyCode::Tab),
            ch('j'),
            ch('j'),
            ch('j'),
            ch('j'),
            ch('j'),
            ch(' '),
        ],
    );
    let (id, _, _) = commit_of(keys(&mut app, [ch('c')]));
    update(
        &mut app,
        Msg::CommitProgress {
            id,
            call: CallDone {
                items: 100,
                sent: true,
            },
        },
    );
    insta::assert_snapshot!(screen(&mut app, 80, 24));
}

#[test]
fn the_groups_popup_at_80x24() {
    let mut app = loaded_app(30);
    // carol: in Customers and Escalations; the cursor on Escalations
    keys(&mut app, [ch('j'), ch('j'), ch('o'), ch('j')]);
    insta::assert_snapshot!(screen(&mut app, 80, 24));
}

#[test]
fn the_group_name_prompt_over_the_popup_at_80x24() {
    let mut app = loaded_app(30);
    keys(&mut app, [ch('o'), ch('n')]);
    keys(&mut app, typed("Key accounts 重要客户 (APAC) x"));
    insta::assert_snapshot!(screen(&mut app, 80, 24));
}
