//! `update()` without a terminal: key handling, staging, commit building, results.
#![allow(clippy::unwrap_used)]

mod tui_support;

use std::time::Instant;

use convmark::api::ApiError;
use convmark::api::wire::ContactItem;
use convmark::app::{Cmd, Confirm, KeyMap, Msg, Overlay, StatusKind, bit, commit, update};
use convmark::domain::{OptType, Peer};
use convmark::service::ItemOutcome;
use convmark::service::commit::request;
use convmark::service::groups::{GroupOp, GroupOutcome};
use crossterm::event::KeyCode;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tui_support::*;

#[test]
fn space_on_bit_32_then_c_sends_set_mark_32_only() {
    let mut app = loaded_app(0);
    // bob is selected; Tab to the grid, down 4 rows to bit 32
    keys(
        &mut app,
        [key(KeyCode::Tab), ch('j'), ch('j'), ch('j'), ch('j')],
    );
    assert_eq!(app.cursor, bit(32));
    keys(&mut app, [ch(' ')]);
    let batches = commit_cmd(keys(&mut app, [ch('c')]));
    let req = request("alice", &batches[0]);
    assert_eq!(req.mark_item.len(), 1);
    let item = &req.mark_item[0];
    assert_eq!(item.opt_type, OptType::Standard);
    assert_eq!(item.contact_item, ContactItem(Peer::User("bob".into())));
    assert_eq!(item.set_mark, Some(vec![32]));
    assert_eq!(item.clear_mark, None, "never the whole mask");
    assert_eq!(item.custom_mark, None);
    assert!(app.requests.committing().is_some());
    // a second c while in flight sends nothing
    assert!(keys(&mut app, [ch('c')]).is_empty());
}

#[test]
fn clearing_a_set_bit_and_a_custom_mark_make_opt_type_both() {
    let mut app = loaded_app(0);
    // bob has bit 0 on: Space clears it
    keys(&mut app, [ch(' '), key(KeyCode::Enter)]);
    keys(&mut app, typed("vip"));
    keys(&mut app, [key(KeyCode::Enter)]);
    let batches = commit_cmd(keys(&mut app, [ctrl('s')]));
    let item = &request("alice", &batches[0]).mark_item[0];
    assert_eq!(item.opt_type, OptType::Both);
    assert_eq!(item.clear_mark, Some(vec![0]));
    assert_eq!(item.set_mark, None);
    assert_eq!(item.custom_mark.as_deref(), Some("vip"));
}

#[test]
fn toggling_twice_unstages_and_nothing_is_committed() {
    let mut app = loaded_app(0);
    keys(&mut app, [ch(' '), ch(' ')]);
    assert_eq!(app.staged_count(), 0);
    assert!(keys(&mut app, [ch('c')]).is_empty());
    assert_eq!(app.status.as_ref().unwrap().text, "Nothing is staged");
}

#[test]
fn staged_edits_of_250_conversations_go_out_in_batches_of_100() {
    let mut app = loaded_app(300);
    for _ in 0..250 {
        keys(&mut app, [ch(' '), ch('j')]);
    }
    assert_eq!(app.staged_count(), 250);
    let batches = commit_cmd(keys(&mut app, [ch('c')]));
    let sizes: Vec<usize> = batches.iter().map(Vec::len).collect();
    assert_eq!(sizes, vec![100, 100, 50]);
}

#[test]
fn a_reserved_bit_asks_first() {
    let mut app = loaded_app(0);
    keys(&mut app, [key(KeyCode::Tab)]);
    keys(&mut app, [ch('l'), ch('l'), ch('l'), ch('l'), ch('l')]);
    assert_eq!(app.cursor, bit(5));
    keys(&mut app, [ch(' ')]);
    assert!(matches!(
        app.overlay(),
        Some(Overlay::Confirm(Confirm::ToggleReserved(b))) if *b == bit(5)
    ));
    keys(&mut app, [ch('n')]);
    assert_eq!(app.staged_count(), 0);
    keys(&mut app, [ch(' '), ch('y')]);
    assert!(app.current().unwrap().staged.set.contains(bit(5)));
}

#[test]
fn read_only_refuses_to_stage_and_says_why() {
    let mut app = loaded_app(0);
    app.session.read_only = true;
    keys(&mut app, [ch(' ')]);
    let status = app.status.clone().unwrap();
    assert_eq!(status.kind, StatusKind::Error);
    assert!(status.text.contains("--read-only"), "{}", status.text);
    keys(&mut app, [key(KeyCode::Enter)]);
    assert!(!app.editing_custom());
    assert_eq!(app.staged_count(), 0);
}

#[test]
fn while_editing_printable_keys_type_and_never_trigger_commands() {
    let mut app = loaded_app(0);
    keys(&mut app, [key(KeyCode::Enter)]);
    assert!(app.editing_custom());
    let cmds = keys(&mut app, typed("qc/?pu"));
    assert!(cmds.is_empty());
    assert!(!app.quit && app.overlay().is_none());
    assert_eq!(app.custom_input.value(), "qc/?pu");
    // Esc leaves without staging
    keys(&mut app, [key(KeyCode::Esc)]);
    assert!(!app.editing_custom());
    assert_eq!(app.staged_count(), 0);
}

#[test]
fn a_pasted_line_break_or_tab_becomes_a_space() {
    let mut app = loaded_app(0);
    keys(&mut app, [key(KeyCode::Enter)]);
    update(&mut app, Msg::Paste("line1\r\nline2\ttab\u{7}!".into()));
    assert_eq!(app.custom_input.value(), "line1 line2 tab!");
}

#[test]
fn a_257_byte_custom_mark_is_not_staged() {
    let mut app = loaded_app(0);
    keys(&mut app, [key(KeyCode::Enter)]);
    update(&mut app, Msg::Paste("é".repeat(128) + "x"));
    keys(&mut app, [key(KeyCode::Enter)]);
    assert!(app.editing_custom(), "stays in the editor");
    let status = app.status.clone().unwrap();
    assert!(status.text.contains("257 bytes"), "{}", status.text);
    assert_eq!(app.staged_count(), 0);
    // one character off: the refusal leaves the status line, and Enter stages it
    keys(&mut app, [key(KeyCode::Backspace)]);
    assert!(
        app.status
            .as_ref()
            .is_none_or(|s| s.kind != StatusKind::Error),
        "{:?}",
        app.status
    );
    keys(&mut app, [key(KeyCode::Enter)]);
    assert_eq!(app.staged_count(), 1);
}

#[test]
fn filter_types_into_the_filter_and_keeps_the_selection_visible() {
    let mut app = loaded_app(100);
    keys(&mut app, [ch('/')]);
    keys(&mut app, typed("CAROL"));
    assert_eq!(app.visible.len(), 1);
    assert_eq!(app.current().unwrap().peer(), &Peer::User("carol".into()));
    keys(&mut app, [key(KeyCode::Enter)]);
    assert!(!app.filtering());
    keys(&mut app, [ch('/'), key(KeyCode::Esc)]);
    assert_eq!(app.visible.len(), app.conversations.len());
    assert_eq!(app.current().unwrap().peer(), &Peer::User("carol".into()));
}

#[test]
fn deleting_a_half_typed_quick_filter_brings_the_rows_back() {
    // a row whose ID holds the word a quick filter begins with
    let mut data = tui_support::user_data(100);
    data.sessions.push(tui_support::session_item(
        Peer::User("rabbit".into()),
        1_700_000_000,
        false,
        0,
        "",
        &[],
    ));
    let mut app = convmark::app::App::new(
        tui_support::session(),
        KeyMap::default(),
        tui_support::labels(),
    );
    let cmds = update::open_user(&mut app, "alice".into());
    tui_support::deliver(&mut app, tui_support::load_id(&cmds), data);
    // after every key, the rows shown are those a search of all rows finds
    let check = |app: &mut convmark::app::App| {
        let after = app.filter.value().to_owned();
        let shown = app.visible.clone();
        app.refilter_all();
        assert_eq!(shown, app.visible, "after {after:?}");
    };
    keys(&mut app, [ch('/')]);
    for text in ["bit:", "car is:", "car bit:99", "is:"] {
        for c in text.chars() {
            keys(&mut app, [ch(c)]);
            check(&mut app);
        }
        for _ in text.chars() {
            keys(&mut app, [key(KeyCode::Backspace)]);
            check(&mut app);
        }
        assert_eq!(app.visible.len(), app.conversations.len());
    }
    // "bit" (once "bit:" lost its colon) is a plain word again: rabbit is found
    keys(&mut app, typed("bit:"));
    assert!(app.visible.is_empty());
    keys(&mut app, [key(KeyCode::Backspace)]);
    assert_eq!(app.filter.value(), "bit");
    assert_eq!(app.visible.len(), 1);
}

#[test]
fn the_list_merges_both_sources_pinned_first_each_once() {
    let app = loaded_app(0);
    let ids: Vec<String> = app
        .conversations
        .iter()
        .map(|c| c.peer().conversation_id())
        .collect();
    assert_eq!(ids[0], "c2c_bob");
    assert_eq!(ids[1], "group_@TGS#team-standup");
    assert!(
        ids.contains(&"c2c_frank_archived".to_owned()),
        "marked but not recent"
    );
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), ids.len());
    assert_eq!(app.marked_count(), 5);
}

#[test]
fn quit_with_staged_edits_asks_and_ctrl_c_forces() {
    let mut app = loaded_app(0);
    keys(&mut app, [ch(' ')]);
    assert!(keys(&mut app, [ch('q')]).is_empty());
    assert!(matches!(
        app.overlay(),
        Some(Overlay::Confirm(Confirm::Quit))
    ));
    keys(&mut app, [key(KeyCode::Esc)]);
    assert!(!app.quit);
    assert_eq!(keys(&mut app, [ctrl('c')]), vec![Cmd::Quit]);
    assert!(app.quit);
}

#[test]
fn per_item_results_clear_successes_keep_failures_and_read_back() {
    let mut app = loaded_app(0);
    keys(&mut app, [ch(' '), ch('j'), ch('j'), ch(' ')]); // bob and carol
    let (id, plan, _) = commit_of(keys(&mut app, [ch('c')]));
    let cmds = update(
        &mut app,
        committed(id, &plan, |p| {
            answer(if p.id() == "bob" { 0 } else { 51008 })
        }),
    );
    let bob = &app.conversations[app.index[&Peer::User("bob".into())]];
    assert!(bob.staged.is_empty());
    assert_eq!(bob.result, Some(ItemOutcome::ok()));
    assert!(!bob.server.mark.value.contains(bit(0)), "bit 0 was cleared");
    let carol = &app.conversations[app.index[&Peer::User("carol".into())]];
    assert!(!carol.staged.is_empty());
    let result = carol.result.clone().unwrap();
    assert_eq!(result.code(), Some(51008));
    assert!(result.describe().contains("1,000"), "{}", result.describe());
    let status = app.status.clone().unwrap();
    assert!(status.text.contains("ResultCode 51008"), "{}", status.text);
    assert!(app.requests.committing().is_none());
    let read_back = match cmds.as_slice() {
        [Cmd::ReadBack { id, peers, .. }] => {
            assert_eq!(peers.len(), 2);
            *id
        }
        other => panic!("{other:?}"),
    };
    // the read-back's count joins the result, on the status line and in the message log
    update(
        &mut app,
        Msg::ReadBack {
            id: read_back,
            result: Ok(convmark::app::Records {
                records: Vec::new(),
                groups: Vec::new(),
            }),
        },
    );
    let status = app.status.clone().unwrap().text;
    assert!(status.ends_with(" · read back 0"), "{status}");
    assert_eq!(app.messages.last().unwrap().text, status);
}

#[test]
fn a_top_level_failure_leaves_everything_staged() {
    let mut app = loaded_app(0);
    keys(&mut app, [ch(' ')]);
    let (id, plan, _) = commit_of(keys(&mut app, [ch('c')]));
    let cmds = update(
        &mut app,
        committed(id, &plan, |_| {
            ItemOutcome::CallFailed(ApiError::Server {
                code: 60007,
                info: String::new(),
            })
        }),
    );
    assert!(cmds.is_empty(), "nothing was answered: no read-back");
    assert_eq!(app.staged_count(), 1);
    assert!(app.requests.committing().is_none());
    let text = app.status.clone().unwrap().text;
    assert!(text.contains("ResultCode 60007"), "{text}");
}

#[test]
fn esc_during_a_commit_cancels_the_calls_not_yet_sent_and_says_what_changed() {
    let mut app = loaded_app(300);
    for _ in 0..250 {
        keys(&mut app, [ch(' '), ch('j')]);
    }
    let (id, plan, _) = commit_of(keys(&mut app, [ch('c')]));
    assert_eq!(
        keys(&mut app, [key(KeyCode::Esc)]),
        vec![Cmd::Cancel { id }]
    );
    // a second Esc sends no second cancel
    assert!(keys(&mut app, [key(KeyCode::Esc)]).is_empty());
    // the first call (100) went through, the other two were not sent
    let first: Vec<Peer> = plan.changes[..100]
        .iter()
        .map(|p| p.change.peer.clone())
        .collect();
    update(
        &mut app,
        committed(id, &plan, |p| {
            if first.contains(p) {
                ItemOutcome::ok()
            } else {
                ItemOutcome::NotSent
            }
        }),
    );
    assert_eq!(app.staged_count(), 150);
    let text = app.status.clone().unwrap().text;
    assert!(
        text.starts_with("Cancelled: 100 conversation(s) changed, 150 stay staged"),
        "{text}"
    );
}

#[test]
fn the_config_keys_table_patches_the_defaults() {
    let file = convmark::config::parse_file("[keys]\ncommit = \"ctrl-w\"\n").unwrap();
    let mut app = loaded_app(0);
    app.keys = KeyMap::with_patch(&file.keys).unwrap();
    keys(&mut app, [ch(' ')]);
    assert!(keys(&mut app, [ch('c')]).is_empty());
    assert_eq!(commit_cmd(keys(&mut app, [ctrl('w')])).len(), 1);
}

/// (draw only, key + draw) per frame at 120x40.
fn frame_time(extra: usize) -> (std::time::Duration, std::time::Duration) {
    let mut app = loaded_app(extra);
    update(
        &mut app,
        Msg::Resize {
            width: 120,
            height: 40,
        },
    );
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    terminal.draw(|f| convmark::ui::render(f, &app)).unwrap();
    let started = Instant::now();
    for _ in 0..20 {
        terminal.draw(|f| convmark::ui::render(f, &app)).unwrap();
    }
    let draw = started.elapsed() / 20;
    let started = Instant::now();
    for _ in 0..20 {
        keys(&mut app, [ch('j')]);
        terminal.draw(|f| convmark::ui::render(f, &app)).unwrap();
    }
    (draw, started.elapsed() / 20)
}

#[test]
fn filtering_100000_rows_prints_its_time() {
    let mut app = loaded_app(100_000);
    keys(&mut app, [ch('/')]);
    let started = Instant::now();
    keys(&mut app, typed("user_0999"));
    let per_key = started.elapsed() / 9;
    // user_09990..=user_09999
    assert_eq!(app.visible.len(), 10);
    println!("filter over 100,006 rows: {per_key:?} per keystroke");
    for rows in [100, 100_000] {
        let (draw, key_and_draw) = frame_time(rows);
        println!("{rows} rows at 120x40: draw {draw:?}, key + draw {key_and_draw:?}");
    }
}

#[test]
fn clicks_select_a_row_and_a_bit() {
    use crossterm::event::{KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
    let click = |column, row| {
        Msg::Mouse(MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column,
            row,
            modifiers: KeyModifiers::NONE,
        })
    };
    let mut app = loaded_app(0);
    update(
        &mut app,
        Msg::Resize {
            width: 80,
            height: 24,
        },
    );
    // third row of the list (header 1 line, border 1)
    update(&mut app, click(5, 4));
    assert_eq!(app.current().unwrap().peer(), &Peer::User("carol".into()));
    // grid: x = 38 + 1 + 5 * 3 (cell 3), y = 1 + 1 + 4 (row 4): bit 35
    update(&mut app, click(38 + 1 + 15, 6));
    assert_eq!(app.cursor, bit(35));
    assert_eq!(app.focus, convmark::app::Focus::Grid);
}

#[test]
fn reload_keeps_staged_edits_and_a_late_answer_for_another_load_is_ignored() {
    let mut app = loaded_app(0);
    keys(&mut app, [ch('j'), ch('j'), ch(' ')]); // carol
    let cmds = keys(&mut app, [ch('r')]);
    let id = load_id(&cmds);
    // a page of an earlier load arrives late: ignored
    update(
        &mut app,
        Msg::LoadPage {
            id: id - 1,
            page: convmark::service::load::LoadPage::Sessions(user_data(50).sessions),
        },
    );
    assert_eq!(app.conversations.len(), 7);
    deliver(&mut app, id, user_data(0));
    assert_eq!(app.staged_count(), 1);
    let carol = &app.conversations[app.index[&Peer::User("carol".into())]];
    assert!(carol.staged.set.contains(bit(0)));
}

#[test]
fn the_preview_scrolls_and_shows_one_call_per_100_conversations() {
    let mut app = loaded_app(300);
    for _ in 0..150 {
        keys(&mut app, [ch(' '), ch('j')]);
    }
    let text = commit::preview(&app);
    assert!(
        text.contains("# call 1 of 2: 100 conversation(s)"),
        "{text}"
    );
    assert!(text.contains("# call 2 of 2: 50 conversation(s)"), "{text}");
    assert!(text.contains("usersig=<redacted>"));
    keys(&mut app, [ch('p'), ch('j'), ch('j'), ch('j'), ch('k')]);
    assert!(matches!(
        app.overlay(),
        Some(Overlay::Preview { scroll: 2, .. })
    ));
    keys(&mut app, [key(KeyCode::Esc)]);
    assert!(app.overlay().is_none());
}

#[test]
fn y_copies_the_conversation_as_one_line_of_json_through_a_command() {
    let mut app = loaded_app(0);
    // carol: bit 1 and bit 32, a custom mark
    keys(&mut app, [ch('j'), ch('j')]);
    let cmds = keys(&mut app, [ch('y')]);
    let [Cmd::Copy { text }] = cmds.as_slice() else {
        panic!("{cmds:?}")
    };
    // the one JSON shape of a conversation, as `get --json` prints it
    let v: serde_json::Value = serde_json::from_str(text).unwrap();
    assert_eq!(v["conversation"], "c2c_carol");
    assert_eq!(v["type"], "c2c");
    assert_eq!(v["standard_mark"]["hex"], "0x0000000100000002");
    assert_eq!(v["standard_mark"]["bits"], serde_json::json!([1, 32]));
    assert_eq!(v["standard_mark"]["raw"], format!("1{}10", "0".repeat(30)));
    assert_eq!(v["custom_mark"], "waiting on refund");
    assert_eq!(v["groups"], serde_json::json!(["Customers", "Escalations"]));
    assert!(!text.contains('\n'));
    let status = app.status.clone().unwrap();
    assert!(
        status.text.starts_with("Sent c2c_carol as JSON"),
        "{status:?}"
    );
    assert!(status.text.contains("(OSC 52"), "{status:?}");
}

#[test]
fn y_in_the_request_preview_copies_the_request_bodies() {
    let mut app = loaded_app(0);
    // nothing staged: nothing to copy
    keys(&mut app, [ch('p')]);
    assert!(keys(&mut app, [ch('y')]).is_empty());
    assert!(matches!(app.overlay(), Some(Overlay::Preview { .. })));
    keys(&mut app, [key(KeyCode::Esc), ch(' '), ch('p')]);
    let cmds = keys(&mut app, [ch('y')]);
    let [Cmd::Copy { text }] = cmds.as_slice() else {
        panic!("{cmds:?}")
    };
    assert_eq!(
        text,
        r#"{"From_Account":"alice","MarkItem":[{"OptType":1,"ContactItem":{"Type":1,"To_Account":"bob"},"ClearMark":[0]}]}"#
    );
    assert!(
        matches!(app.overlay(), Some(Overlay::Preview { .. })),
        "the preview stays open"
    );
    let screen = screen(&mut app, 80, 24);
    assert!(screen.contains("Request preview"), "{screen}");
    assert!(
        screen.contains("Sent 1 mark_contact body to the clipboard"),
        "the status line shows under the preview: {screen}"
    );
}

#[test]
fn v_selects_rows_and_space_sets_the_cursor_bits_new_value_on_all_of_them() {
    let mut app = loaded_app(0);
    // bob (bit 0 on), team-standup, carol: v selects and moves down
    keys(&mut app, [ch('v'), ch('v'), ch('v')]);
    assert_eq!(app.selection.len(), 3);
    let screen = screen(&mut app, 80, 24);
    assert!(screen.contains("◆ 3 selected"), "{screen}");
    assert_eq!(
        screen.matches("@◆").count() + screen.matches("#◆").count(),
        3
    );
    // back on bob: bit 0 is on there, so the new value is off; only bob has it to clear
    keys(
        &mut app,
        [ch('k'), ch('k'), ch('k'), key(KeyCode::Tab), ch(' ')],
    );
    assert_eq!(app.staged_count(), 1);
    // bit 40 is off on bob: on for all three
    keys(
        &mut app,
        [ch('j'), ch('j'), ch('j'), ch('j'), ch('j'), ch(' ')],
    );
    assert_eq!(app.cursor, bit(40));
    assert_eq!(app.staged_count(), 3);
    assert!(
        app.status
            .as_ref()
            .unwrap()
            .text
            .contains("on for 3 selected")
    );
    // the custom mark goes to all three
    keys(&mut app, [key(KeyCode::Enter), ctrl('u')]);
    keys(&mut app, typed("bulk"));
    keys(&mut app, [key(KeyCode::Enter)]);
    let batches = commit_cmd(keys(&mut app, [ch('c')]));
    assert_eq!(batches.len(), 1);
    let req = request("alice", &batches[0]);
    assert_eq!(req.mark_item.len(), 3);
    for item in &req.mark_item {
        assert_eq!(item.set_mark, Some(vec![40]));
        assert_eq!(item.custom_mark.as_deref(), Some("bulk"));
    }
    let p = app.progress.unwrap();
    assert_eq!((p.done_items, p.total_items, p.total_calls), (0, 3, 1));
}

#[test]
fn x_drops_the_selection_stage_and_esc_clears_the_selection() {
    let mut app = loaded_app(0);
    keys(&mut app, [ch('V')]);
    assert_eq!(app.selection.len(), app.visible.len());
    keys(
        &mut app,
        [
            key(KeyCode::Tab),
            ch('j'),
            ch('j'),
            ch('j'),
            ch('j'),
            ch(' '),
        ],
    );
    // bit 32 on for all; carol already has it, so she stages nothing
    let others = app.visible.len() - 1;
    assert_eq!(app.staged_count(), others);
    // Space again: off for all; the others go back to the server's value, carol changes
    keys(&mut app, [ch(' ')]);
    assert_eq!(app.staged_count(), 1);
    let status = app.status.clone().unwrap().text;
    assert!(
        status.contains(&format!("1 change ({others} back to the server's value)")),
        "{status}"
    );
    // and a selection without carol: Space twice says it unstaged, not "already"
    keys(&mut app, [ch(' ')]);
    let status = app.status.clone().unwrap().text;
    assert!(status.contains(&format!("{others} change")), "{status}");
    keys(&mut app, [ch('x')]);
    assert_eq!(app.staged_count(), 0);
    keys(&mut app, [key(KeyCode::Esc)]);
    assert!(app.selection.is_empty());
    // without a selection Space flips the cursor conversation only
    keys(&mut app, [ch(' ')]);
    assert_eq!(app.staged_count(), 1);
}

#[test]
fn space_twice_on_a_selection_says_it_unstaged() {
    let mut app = loaded_app(0);
    keys(&mut app, [ch('V')]);
    let n = app.selection.len();
    // bit 48: no conversation of the test user has it
    keys(&mut app, [key(KeyCode::Tab)]);
    keys(&mut app, std::iter::repeat_n(ch('j'), 6));
    keys(&mut app, [ch(' ')]);
    assert_eq!(app.staged_count(), n);
    keys(&mut app, [ch(' ')]);
    assert_eq!(app.staged_count(), 0);
    let status = app.status.clone().unwrap().text;
    assert_eq!(
        status,
        format!("Unstaged bit 48 on {n} of {n} selected: back to the server's value (off)")
    );
}

#[test]
fn space_again_with_the_cursor_outside_the_selection_says_nothing_new() {
    let mut app = loaded_app(0);
    // bob, the standup group and carol selected; the cursor on dave, outside the selection
    keys(
        &mut app,
        [ch('g'), ch('v'), ch('v'), ch('v'), key(KeyCode::Tab)],
    );
    keys(&mut app, [ch(' ')]);
    // bit 0 on for all three: bob has it already
    assert_eq!(app.staged_count(), 2);
    keys(&mut app, [ch(' ')]);
    assert_eq!(app.staged_count(), 2);
    let status = app.status.clone().unwrap().text;
    assert!(
        status.starts_with("Bit 0 on for 3 selected: nothing new (2 staged); c commits"),
        "{status}"
    );
}

// ---------------------------------------------------------------------------------------
// the groups popup (o)

fn group_cmd(cmds: Vec<Cmd>) -> (u64, GroupOp) {
    match cmds.as_slice() {
        [Cmd::Group { id, user, op, .. }] => {
            assert_eq!(user, "alice");
            (*id, op.clone())
        }
        other => panic!("expected one group request, got {other:?}"),
    }
}

fn status_text(app: &convmark::app::App) -> String {
    app.status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default()
}

fn group(id: u64, name: &str) -> convmark::api::wire::GroupItem {
    convmark::api::wire::GroupItem {
        group_id: id,
        group_name: name.into(),
    }
}

/// A group request's answer: the group, per-conversation items, a re-read.
fn group_done(
    id: u64,
    op: GroupOp,
    group: Option<convmark::api::wire::GroupItem>,
    items: Vec<(Peer, ItemOutcome)>,
    error: Option<ApiError>,
    refreshed: Option<(
        Vec<convmark::api::wire::ContactRecord>,
        Vec<convmark::api::wire::GroupItem>,
    )>,
) -> Msg {
    Msg::GroupDone {
        id,
        outcome: GroupOutcome {
            op,
            group,
            items,
            error,
            recovered: None,
            refreshed: refreshed.map(Ok),
            audit_error: None,
        },
    }
}

#[test]
fn o_opens_the_groups_popup_and_space_adds_or_removes_the_conversation() {
    let mut app = loaded_app(0);
    // bob is selected and in group 1 (Customers), not in 2 (Escalations)
    assert!(keys(&mut app, [ch('o')]).is_empty());
    assert!(app.groups_popup().is_some());
    assert_eq!(app.selected_group(), Some((1, "Customers")));
    let bob = Peer::User("bob".into());
    let (id, op) = group_cmd(keys(&mut app, [ch(' ')]));
    assert_eq!(
        op,
        GroupOp::Remove {
            name: "Customers".into(),
            peers: vec![bob.clone()]
        }
    );
    assert!(app.requests.group_busy());
    assert!(app.busy());
    // a second request waits for the first
    assert!(keys(&mut app, [ch('j'), key(KeyCode::Enter)]).is_empty());
    assert!(
        status_text(&app).contains("in flight"),
        "{}",
        status_text(&app)
    );
    app.requests.finish(id);
    assert_eq!(app.selected_group(), Some((2, "Escalations")));
    let (id, op) = group_cmd(keys(&mut app, [key(KeyCode::Enter)]));
    assert_eq!(
        op,
        GroupOp::Add {
            name: "Escalations".into(),
            peers: vec![bob]
        }
    );
    // j/k and the arrows move within the popup, not the list; Esc closes it
    app.requests.finish(id);
    let selected = app.selected;
    keys(&mut app, [ch('k'), key(KeyCode::Down), ch('j')]);
    assert_eq!(app.selected, selected);
    keys(&mut app, [key(KeyCode::Esc)]);
    assert!(app.groups_popup().is_none());
}

#[test]
fn a_reload_while_a_group_change_is_in_flight_does_not_leave_the_popup_busy() {
    // o, Space (a group change in flight), Esc, r: the group answer still arrives and
    // ends its request; later group changes are not refused
    let mut app = loaded_app(0);
    let (gid, op) = group_cmd(keys(&mut app, [ch('o'), ch(' ')]));
    keys(&mut app, [key(KeyCode::Esc)]);
    let load = load_id(&keys(&mut app, [ch('r')]));
    assert!(
        app.requests.group_busy(),
        "the reload does not drop the group request"
    );
    update(
        &mut app,
        group_done(
            gid,
            op,
            Some(group(1, "Customers")),
            vec![(Peer::User("bob".into()), ItemOutcome::ok())],
            None,
            Some((
                Vec::new(),
                vec![group(1, "Customers"), group(2, "Escalations")],
            )),
        ),
    );
    assert!(!app.requests.group_busy());
    deliver(&mut app, load, user_data(0));
    assert!(!app.busy());
    let (_, op) = group_cmd(keys(&mut app, [ch('o'), ch(' ')]));
    assert!(matches!(op, GroupOp::Remove { .. } | GroupOp::Add { .. }));
}

#[test]
fn n_prompts_for_a_name_that_types_keys_and_refuses_33_bytes_locally() {
    use convmark::app::PromptKind;
    let mut app = loaded_app(0);
    keys(&mut app, [ch('o'), ch('n')]);
    assert!(matches!(
        app.overlay(),
        Some(Overlay::Prompt {
            kind: PromptKind::NewGroup,
            ..
        })
    ));
    // printable keys type, they do not act: q, R, D, n, o, space
    let cmds = keys(&mut app, typed("qRDno x"));
    assert!(cmds.is_empty());
    assert!(!app.quit);
    let Some(Overlay::Prompt { input, .. }) = app.overlay() else {
        panic!()
    };
    assert_eq!(input.value(), "qRDno x");
    keys(&mut app, [ctrl('u')]);
    keys(&mut app, typed(&"x".repeat(33)));
    assert!(keys(&mut app, [key(KeyCode::Enter)]).is_empty());
    let text = status_text(&app);
    assert!(
        text.contains("Not sent") && text.contains("33 bytes"),
        "{text}"
    );
    assert!(
        app.overlay().is_some(),
        "the prompt stays open with the name"
    );
    keys(&mut app, [key(KeyCode::Backspace)]);
    assert_eq!(
        group_cmd(keys(&mut app, [key(KeyCode::Enter)])).1,
        GroupOp::Create {
            name: "x".repeat(32),
            peers: Vec::new()
        }
    );
}

#[test]
fn r_renames_prefilled_and_d_deletes_after_a_yes() {
    let mut app = loaded_app(0);
    keys(&mut app, [ch('o'), ch('R')]);
    let Some(Overlay::Prompt { input, .. }) = app.overlay() else {
        panic!("{:?}", app.overlay())
    };
    assert_eq!(input.value(), "Customers");
    // unchanged: nothing sent
    assert!(keys(&mut app, [key(KeyCode::Enter)]).is_empty());
    assert!(app.overlay().is_none());
    keys(&mut app, [ch('R')]);
    keys(&mut app, typed(" 客户"));
    let (id, op) = group_cmd(keys(&mut app, [key(KeyCode::Enter)]));
    assert_eq!(
        op,
        GroupOp::Rename {
            old: "Customers".into(),
            new: "Customers 客户".into()
        }
    );
    app.requests.finish(id);
    app.mode.pop();
    keys(&mut app, [ch('D')]);
    assert!(matches!(
        app.overlay(),
        Some(Overlay::Confirm(Confirm::DeleteGroup(1)))
    ));
    assert!(keys(&mut app, [ch('n')]).is_empty());
    assert!(app.overlay().is_none());
    assert!(app.groups_popup().is_some(), "n keeps the popup");
    keys(&mut app, [ch('D')]);
    assert_eq!(
        group_cmd(keys(&mut app, [ch('y')])).1,
        GroupOp::Delete {
            name: "Customers".into()
        }
    );
}

#[test]
fn read_only_opens_the_popup_for_viewing_and_refuses_every_change() {
    let mut app = loaded_app(0);
    app.session.read_only = true;
    keys(&mut app, [ch('o')]);
    assert!(app.groups_popup().is_some());
    for c in [' ', 'n', 'R', 'D'] {
        assert!(keys(&mut app, [ch(c)]).is_empty(), "{c}");
        assert!(app.overlay().is_none(), "{c}");
        let text = status_text(&app);
        assert!(text.contains("read-only"), "{c}: {text}");
    }
    assert!(keys(&mut app, [key(KeyCode::Enter)]).is_empty());
}

#[test]
fn a_refused_create_keeps_the_name_and_a_success_updates_the_groups_line() {
    use convmark::api::wire::{ContactRecord, WireMark};
    let mut app = loaded_app(0);
    keys(&mut app, [ch('o'), ch('n')]);
    keys(&mut app, typed("VIP"));
    let (id, op) = group_cmd(keys(&mut app, [key(KeyCode::Enter)]));
    update(
        &mut app,
        group_done(
            id,
            op,
            None,
            Vec::new(),
            Some(ApiError::Server {
                code: 51013,
                info: String::new(),
            }),
            None,
        ),
    );
    let text = status_text(&app);
    assert!(text.contains("ResultCode 51013"), "{text}");
    assert_eq!(app.status.as_ref().unwrap().kind, StatusKind::Error);
    assert!(!app.requests.group_busy());
    assert!(!app.busy());
    let Some(Overlay::Prompt { input, .. }) = app.overlay() else {
        panic!("the prompt stays: {:?}", app.overlay())
    };
    assert_eq!(input.value(), "VIP", "nothing typed is lost");
    assert_eq!(app.session.edition.as_deref(), Some("not Ultimate"));

    // again, and this time the server takes it; bob is re-read in groups 1 and 7
    let (id, op) = group_cmd(keys(&mut app, [key(KeyCode::Enter)]));
    let bob = Peer::User("bob".into());
    update(
        &mut app,
        group_done(
            id,
            op,
            Some(group(7, "VIP")),
            Vec::new(),
            None,
            Some((
                vec![ContactRecord {
                    contact: ContactItem(bob.clone()),
                    standard_mark: WireMark::default(),
                    custom_mark: None,
                    contact_group_id: Some(vec![1, 7]),
                    timestamp: 0,
                }],
                vec![group(1, "Customers"), group(7, "VIP")],
            )),
        ),
    );
    let text = status_text(&app);
    assert!(
        text.contains("Created group \"VIP\" (id 7): ResultCode 0"),
        "{text}"
    );
    assert!(app.overlay().is_none(), "the prompt closes");
    assert_eq!(app.selected_group(), Some((7, "VIP")));
    let names = app.group_names_of(app.current().unwrap());
    assert_eq!(names, ["Customers", "VIP"]);
    // carol was in 1 and 2: not returned any more, so in none; group 2 is gone
    let carol = app.index[&Peer::User("carol".into())];
    assert!(app.conversations[carol].server.groups.is_empty());
    assert!(!app.group_names.contains_key(&2));
    let screen = screen(&mut app, 80, 24);
    assert!(screen.contains("groups: Customers, VIP"), "{screen}");
}

#[test]
fn a_per_item_result_code_of_add_is_shown_with_its_meaning() {
    let mut app = loaded_app(0);
    keys(&mut app, [ch('o'), ch('j')]);
    let (id, op) = group_cmd(keys(&mut app, [ch(' ')]));
    update(
        &mut app,
        group_done(
            id,
            op,
            Some(group(2, "Escalations")),
            vec![(Peer::User("bob".into()), answer(51008))],
            None,
            Some((Vec::new(), Vec::new())),
        ),
    );
    let status = app.status.clone().unwrap();
    assert_eq!(status.kind, StatusKind::Error);
    assert!(
        status
            .text
            .starts_with("c2c_bob not added to \"Escalations\": ResultCode 51008"),
        "{}",
        status.text
    );
}

#[test]
fn an_unreadable_audit_log_is_an_error_not_an_empty_history() {
    let mut app = loaded_app(0);
    update(
        &mut app,
        Msg::HistoryLoaded {
            user: "alice".into(),
            result: Err("cannot read the audit log /x/audit.jsonl: Permission denied".into()),
        },
    );
    let status = app.status.clone().unwrap();
    assert_eq!(status.kind, StatusKind::Error);
    assert_eq!(
        status.text,
        "Cannot read the audit log /x/audit.jsonl: Permission denied"
    );
    assert!(matches!(
        app.overlay(),
        Some(Overlay::History { error: Some(_), .. })
    ));
}

#[test]
fn a_reload_counts_the_rows_it_listed_not_the_rows_it_kept() {
    let mut app = loaded_app(100);
    let before = app.conversations.len();
    let cmds = keys(&mut app, [ch('r')]);
    let id = tui_support::load_id(&cmds);
    let first_page: Vec<_> = tui_support::user_data(0)
        .sessions
        .into_iter()
        .take(2)
        .collect();
    update(
        &mut app,
        Msg::LoadPage {
            id,
            page: convmark::service::load::LoadPage::Sessions(first_page),
        },
    );
    // the rows of the load before stay shown, but only two are confirmed so far
    assert_eq!(app.conversations.len(), before);
    let header = screen(&mut app, 120, 40);
    assert!(header.contains("1 page(s), 2 conversations"), "{header}");
    keys(&mut app, [ch(' ')]);
    let status = app.status.clone().unwrap().text;
    assert!(
        status.starts_with("Still loading alice (1 page(s), 2 conversation(s) so far)"),
        "{status}"
    );
    // Esc stops the reload and says which rows are which
    keys(&mut app, [key(KeyCode::Esc)]);
    let status = app.status.clone().unwrap().text;
    assert!(
        status.contains(&format!(
            "the 2 conversation(s) that arrived are shown ({} more as the load before left them)",
            before - 2
        )),
        "{status}"
    );
}

#[test]
fn a_commit_after_a_stopped_load_says_the_server_checks_the_limit() {
    let mut app = loaded_app(0);
    app.conn = convmark::app::ConnState::Partial;
    keys(&mut app, [ch(' ')]);
    let cmds = keys(&mut app, [ch('c')]);
    assert!(matches!(cmds.as_slice(), [Cmd::Commit { .. }]), "{cmds:?}");
    let status = app.status.clone().unwrap().text;
    assert!(
        status.ends_with(
            "the user is partly loaded, so the server checks the 1,000 limit (51008 beyond it)"
        ),
        "{status}"
    );
}
