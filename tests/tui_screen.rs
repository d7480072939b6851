//! The TUI as a user sees it: messages that fit, keys named from the live key map, wording
//! true to the state, the custom mark with CJK and emoji, the filter and its quick words,
//! the row position, jumps, the preview's end, the staged-changes overlay, the header at 80
//! columns, read-only, and a too-small terminal.
#![allow(clippy::unwrap_used)]

mod tui_support;

use convmark::app::{Confirm, KeyMap, Mode, Msg, Overlay, StatusKind, bit, update};
use convmark::domain::Peer;
use convmark::service::ItemOutcome;
use crossterm::event::KeyCode;
use tui_support::*;

fn status(app: &convmark::app::App) -> String {
    app.status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default()
}

fn last_lines(screen: &str, n: usize) -> Vec<String> {
    let lines: Vec<&str> = screen.lines().collect();
    lines[lines.len().saturating_sub(n)..]
        .iter()
        .map(|s| (*s).to_owned())
        .collect()
}

#[test]
fn a_long_message_is_one_line_ending_in_an_ellipsis_and_the_log_has_all_of_it() {
    let mut app = loaded_app(30);
    // a bulk stage: a long message
    keys(
        &mut app,
        [
            ch('V'),
            key(KeyCode::Tab),
            ch('j'),
            ch('j'),
            ch('j'),
            ch('j'),
            ch(' '),
        ],
    );
    let full = status(&app);
    let s = screen(&mut app, 80, 24);
    let [status_row, hints] = last_lines(&s, 2).try_into().unwrap();
    assert!(
        status_row.ends_with("(m shows all)") || !status_row.contains('…'),
        "{s}"
    );
    assert!(status_row.chars().count() <= 80);
    assert!(
        hints.trim_start().starts_with("Esc unselect"),
        "the hint row stays: {s}"
    );
    // the log keeps the whole message, newest first, with its time
    keys(&mut app, [ch('m')]);
    assert!(matches!(app.overlay(), Some(Overlay::Messages { .. })));
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("Messages of this session"), "{s}");
    let first_words: String = full.chars().take(40).collect();
    assert!(s.contains(&first_words), "{s}");
    // the clock of the test session: 1_795_000_000 is 11:06 UTC
    assert!(s.contains("11:06"), "{s}");
    keys(&mut app, [key(KeyCode::Esc)]);
    assert!(app.overlay().is_none());
}

#[test]
fn messages_hints_and_help_name_the_live_key_map() {
    let file = convmark::config::parse_file(
        "[keys]\ncommit = \"ctrl-k\"\npreview = \"P\"\ngroup_new = \"N\"\n",
    )
    .unwrap();
    let mut app = loaded_app(0);
    app.keys = KeyMap::with_patch(&file.keys).unwrap();
    keys(&mut app, [ch(' ')]);
    let text = status(&app);
    assert!(text.contains("Ctrl-k commits, P previews"), "{text}");
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("Ctrl-k commit"), "hints: {s}");
    assert!(s.contains("1 staged · Ctrl-k commits"), "{s}");
    assert!(!s.contains(" c commit"), "{s}");
    keys(&mut app, [ch('?')]);
    let help = screen(&mut app, 120, 40);
    assert!(help.contains("nothing is sent until Ctrl-k"), "{help}");
    keys(&mut app, [key(KeyCode::Esc), ch('o')]);
    let popup = screen(&mut app, 120, 40);
    assert!(
        popup.contains("N new"),
        "the popup's keys from the map: {popup}"
    );
    keys(&mut app, [ch('N')]);
    assert!(matches!(app.overlay(), Some(Overlay::Prompt { .. })));
}

#[test]
fn quitting_with_only_a_read_back_in_flight_does_not_speak_of_staged_edits() {
    let mut app = loaded_app(0);
    keys(&mut app, [ch(' ')]);
    let (id, plan, _) = commit_of(keys(&mut app, [ch('c')]));
    let cmds = update(&mut app, committed(id, &plan, |_| ItemOutcome::ok()));
    assert_eq!(cmds.len(), 1, "the read-back is in flight");
    assert_eq!(app.staged_count(), 0);
    keys(&mut app, [ch('q')]);
    assert!(matches!(
        app.overlay(),
        Some(Overlay::Confirm(Confirm::Quit))
    ));
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("A request is still in flight."), "{s}");
    assert!(!s.contains("staged edits"), "{s}");
}

#[test]
fn a_journal_the_server_already_has_is_cleared_not_restored() {
    let mut app = loaded_app(0);
    app.session.data_dir = Some(std::env::temp_dir());
    // bob has bit 0 on: a journalled "set bit 0" is already on the server
    let mut edit = convmark::domain::StagedEdit::default();
    edit.set.insert(bit(0));
    update(
        &mut app,
        Msg::JournalLoaded {
            user: "alice".into(),
            result: Ok(Some(convmark::app::JournalFound {
                changes: vec![convmark::domain::MarkChange {
                    peer: Peer::User("bob".into()),
                    edit,
                }],
                saved_at: None,
            })),
        },
    );
    assert!(app.overlay().is_none(), "nothing to offer");
    assert!(
        status(&app).contains("already on the server"),
        "{}",
        status(&app)
    );
    assert!(app.journal_active);
}

#[test]
fn the_detail_tells_a_failed_edit_that_is_no_longer_staged() {
    let mut app = loaded_app(0);
    keys(&mut app, [ch(' ')]);
    let (id, plan, _) = commit_of(keys(&mut app, [ch('c')]));
    update(&mut app, committed(id, &plan, |_| answer(51008)));
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("still staged"), "{s}");
    keys(&mut app, [ch('x')]);
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("no longer staged"), "{s}");
    assert!(!s.contains("; still staged"), "{s}");
}

#[test]
fn with_no_conversation_under_the_cursor_the_detail_says_so() {
    let mut app = loaded_app(0);
    keys(&mut app, [ch('/')]);
    keys(&mut app, typed("no-such-thing"));
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("nothing matches the filter"), "{s}");
    assert!(s.contains("no conversation"), "{s}");
    assert!(!s.contains("·  ·"), "no empty field: {s}");
}

#[test]
fn read_only_advertises_no_editing() {
    let mut app = loaded_app(0);
    app.session.read_only = true;
    let s = screen(&mut app, 120, 40);
    let hints = last_lines(&s, 1).remove(0);
    for word in ["flip", "commit", "select", "staged"] {
        assert!(!hints.contains(word), "{word}: {hints}");
    }
    keys(&mut app, [ch('j')]); // the group without a custom mark
    let s = screen(&mut app, 120, 40);
    assert!(!s.contains("Enter edits"), "{s}");
    assert!(s.contains("[read-only]"), "{s}");
    keys(&mut app, [ch('o')]);
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("read-only: viewing only"), "{s}");
    assert!(!s.contains("add/remove"), "{s}");
    // the history can be read, but offers no inverse to stage
    keys(&mut app, [key(KeyCode::Esc)]);
    update(
        &mut app,
        Msg::HistoryLoaded {
            user: "alice".into(),
            result: Ok(Vec::new()),
        },
    );
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("History of alice"), "{s}");
    assert!(!s.contains("stages the inverse"), "{s}");
}

#[test]
fn the_editor_keeps_the_end_and_the_cursor_in_view_with_cjk_and_emoji() {
    let mut app = loaded_app(0);
    keys(&mut app, [key(KeyCode::Enter)]);
    keys(&mut app, [ctrl('u')]);
    update(&mut app, Msg::Paste("客".repeat(40) + "🎉"));
    assert_eq!(app.custom_input.value().len(), 124);
    let s = screen(&mut app, 80, 24);
    let row = s
        .lines()
        .find(|l| l.contains("客客") || l.contains("🎉"))
        .unwrap_or_else(|| panic!("{s}"));
    assert!(row.contains("🎉"), "the end of the text shows: {s}");
    assert!(s.contains("124/256 bytes"), "{s}");
    insta::assert_snapshot!(s);
}

#[test]
fn a_long_custom_mark_is_shown_whole_at_200x50_and_a_staged_one_shows_old_and_new() {
    let mut app = loaded_app(0);
    let long = "客户 VIP ⭐ ".repeat(14); // 224 bytes
    keys(&mut app, [ch('j'), ch('j'), key(KeyCode::Enter), ctrl('u')]);
    update(&mut app, Msg::Paste(long.clone()));
    keys(&mut app, [key(KeyCode::Enter)]);
    assert_eq!(app.staged_count(), 1);
    let s = screen(&mut app, 200, 50);
    assert!(s.contains("\"waiting on refund\""), "old: {s}");
    assert!(s.contains("→ \"客户 VIP"), "new: {s}");
    // every word of the new mark is on the s: nothing cut
    let shown: String = s.split_whitespace().collect();
    assert!(shown.matches('⭐').count() >= 14, "{s}");
    insta::assert_snapshot!(s);
}

#[test]
fn esc_clears_a_kept_filter_and_the_cursor_stays_on_its_row() {
    let mut app = loaded_app(30);
    keys(&mut app, [ch('/')]);
    keys(&mut app, typed("dave"));
    keys(&mut app, [key(KeyCode::Enter)]);
    assert_eq!(app.visible.len(), 1);
    keys(&mut app, [key(KeyCode::Esc)]);
    assert_eq!(app.visible.len(), app.conversations.len());
    assert_eq!(app.current().unwrap().peer(), &Peer::User("dave".into()));
    assert!(matches!(app.mode, Mode::Normal));
}

#[test]
fn the_filter_matches_custom_marks_group_names_and_quick_words() {
    let mut app = loaded_app(30);
    let shown = |app: &mut convmark::app::App, text: &str| -> Vec<String> {
        keys(app, [ch('/'), ctrl('u')]);
        keys(app, typed(text));
        keys(app, [key(KeyCode::Enter)]);
        app.visible
            .iter()
            .map(|i| app.conversations[*i].peer().id().to_owned())
            .collect()
    };
    assert_eq!(shown(&mut app, "REFUND"), ["carol"], "a custom mark");
    let escalations = shown(&mut app, "escalat");
    assert_eq!(escalations, ["carol", "@TGS#support-emea"], "a group name");
    assert_eq!(shown(&mut app, "bit:33"), ["@TGS#support-emea"]);
    assert_eq!(shown(&mut app, "is:group").len(), 2);
    assert_eq!(shown(&mut app, "is:pinned"), ["bob", "@TGS#team-standup"]);
    assert_eq!(shown(&mut app, "is:marked -is:group").len(), 9);
    assert!(shown(&mut app, "is:staged").is_empty());
    // stage one, fail one
    keys(&mut app, [key(KeyCode::Esc)]);
    keys(&mut app, [ch(' ')]);
    assert_eq!(shown(&mut app, "is:staged"), ["bob"]);
    let (id, plan, _) = commit_of(keys(&mut app, [key(KeyCode::Esc), ch('c')]));
    update(&mut app, committed(id, &plan, |_| answer(51013)));
    assert_eq!(shown(&mut app, "is:failed"), ["bob"]);
    // a word that is not a filter is said, and matches nothing
    keys(&mut app, [ch('/'), ctrl('u')]);
    keys(&mut app, typed("is:nope"));
    assert!(app.visible.is_empty());
    assert_eq!(app.status.as_ref().unwrap().kind, StatusKind::Error);
    assert!(status(&app).contains("is:staged"), "{}", status(&app));
}

#[test]
fn n_and_f_jump_to_the_next_staged_and_failed_rows_and_the_position_shows() {
    let mut app = loaded_app(30);
    keys(&mut app, [ch('j'), ch('j'), ch('j'), ch(' ')]); // dave staged
    keys(&mut app, [ch('g')]);
    keys(&mut app, [ch('n')]);
    assert_eq!(app.current().unwrap().peer(), &Peer::User("dave".into()));
    assert_eq!(status(&app), "Next staged: c2c_dave");
    keys(&mut app, [ch('n')]);
    assert_eq!(
        app.current().unwrap().peer(),
        &Peer::User("dave".into()),
        "wraps to itself"
    );
    assert_eq!(
        status(&app),
        "c2c_dave is the only staged conversation shown"
    );
    keys(&mut app, [ch('f')]);
    assert!(
        status(&app).contains("No failed conversation"),
        "{}",
        status(&app)
    );
    let s = screen(&mut app, 80, 24);
    assert!(s.contains(" 4/37 "), "the row position: {s}");
}

#[test]
fn the_preview_stops_scrolling_at_its_end_and_page_up_brings_it_back() {
    let mut app = loaded_app(300);
    for _ in 0..150 {
        keys(&mut app, [ch(' '), ch('j')]);
    }
    update(
        &mut app,
        Msg::Resize {
            width: 80,
            height: 24,
        },
    );
    keys(&mut app, [ch('p')]);
    for _ in 0..50 {
        keys(&mut app, [key(KeyCode::PageDown)]);
    }
    let Some(Overlay::Preview { text, scroll }) = app.overlay() else {
        panic!()
    };
    let rows = convmark::layout::wrapped_rows(text, convmark::layout::preview_width(80));
    let max = rows - convmark::layout::preview_rows(24);
    assert_eq!(usize::from(*scroll), max, "at the end, not past it");
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("]}"), "the last lines show: {s}");
    // and the last one is the box's last row: no blank rows after the end
    let lines: Vec<&str> = s.lines().collect();
    let end = lines.iter().rposition(|l| l.contains("]}")).unwrap();
    assert!(
        lines[end + 1].contains('└'),
        "the border follows the end: {s}"
    );
    keys(&mut app, [key(KeyCode::PageUp)]);
    let Some(Overlay::Preview { scroll, .. }) = app.overlay() else {
        panic!()
    };
    assert!(usize::from(*scroll) < max);
    keys(&mut app, [ch('g')]);
    assert!(matches!(
        app.overlay(),
        Some(Overlay::Preview { scroll: 0, .. })
    ));
}

#[test]
fn the_staged_overlay_lists_old_and_new_in_words_and_drops_one_or_all() {
    let mut app = loaded_app(0);
    // bob: clear bit 0; carol: set bit 33 and a custom mark
    keys(&mut app, [ch(' '), ch('j'), ch('j'), key(KeyCode::Tab)]);
    keys(
        &mut app,
        [ch('j'), ch('j'), ch('j'), ch('j'), ch('l'), ch(' ')],
    );
    keys(&mut app, [key(KeyCode::Enter), ctrl('u')]);
    keys(&mut app, typed("paid"));
    keys(
        &mut app,
        [
            key(KeyCode::Enter),
            key(KeyCode::BackTab),
            key(KeyCode::BackTab),
        ],
    );
    assert_eq!(app.staged_count(), 2);
    keys(&mut app, [ch('s')]);
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("Staged changes: 2 conversation(s)"), "{s}");
    assert!(s.contains("c2c_bob: bit 0 (fav) on → off"), "{s}");
    assert!(
        s.contains(
            "c2c_carol: bit 33 (support) off → on · custom \"waiting on refund\" → \"paid\""
        ),
        "{s}"
    );
    // at 80 columns the rows wrap at word boundaries rather than being cut
    let narrow = screen(&mut app, 80, 24);
    let text: String = narrow
        .lines()
        .map(|l| {
            l.chars()
                .skip(4)
                .take(72)
                .collect::<String>()
                .trim()
                .to_owned()
                + " "
        })
        .collect();
    assert!(
        text.contains(
            "c2c_carol: bit 33 (support) off → on · custom \"waiting on refund\" → \"paid\""
        ),
        "{narrow}"
    );
    assert!(!narrow.contains('…'), "{narrow}");
    // x drops the one under the cursor
    keys(&mut app, [ch('x')]);
    assert_eq!(app.staged_count(), 1);
    // X asks first; n goes back to the overlay, y drops all
    keys(&mut app, [ch('X')]);
    assert!(matches!(
        app.overlay(),
        Some(Overlay::Confirm(Confirm::DropAll { .. }))
    ));
    keys(&mut app, [ch('n')]);
    assert!(matches!(app.overlay(), Some(Overlay::Staged { .. })));
    assert_eq!(app.staged_count(), 1);
    keys(&mut app, [ch('X')]);
    keys(&mut app, [ch('y')]);
    assert_eq!(app.staged_count(), 0);
}

#[test]
fn the_header_never_cuts_a_value_at_80_columns_and_shows_the_edition() {
    let mut app = loaded_app(0);
    app.session.endpoint = "http://127.0.0.1:45799/".into();
    app.session.demo = true;
    app.session.edition = Some("ultimate".into());
    let s = screen(&mut app, 80, 24);
    let header = s.lines().next().unwrap();
    assert!(
        header.contains("127.0.0.1:45799") || !header.contains("127"),
        "a whole value or none: {header}"
    );
    assert!(
        !header.contains("4579") || header.contains("127.0.0.1:45799"),
        "{header}"
    );
    assert!(header.contains("edition ultimate"), "{header}");
    let wide = screen(&mut app, 200, 50);
    assert!(
        wide.lines().next().unwrap().contains("127.0.0.1:45799"),
        "{wide}"
    );
}

#[test]
fn in_a_terminal_too_small_keys_do_only_what_the_small_screen_says() {
    let mut app = loaded_app(0);
    keys(&mut app, [key(KeyCode::Enter)]);
    assert!(app.editing_custom());
    update(
        &mut app,
        Msg::Resize {
            width: 60,
            height: 16,
        },
    );
    // typing goes nowhere: the editor is not shown
    keys(&mut app, typed("zz"));
    assert_eq!(app.custom_input.value(), "");
    // q quits: nothing is staged
    let cmds = keys(&mut app, [ch('q')]);
    assert_eq!(cmds, vec![convmark::app::Cmd::Quit]);

    // with a staged edit, the small s says a second q quits
    let mut app = loaded_app(0);
    keys(&mut app, [ch(' ')]);
    update(
        &mut app,
        Msg::Resize {
            width: 60,
            height: 16,
        },
    );
    assert!(keys(&mut app, [ch('q')]).is_empty());
    let s = screen(&mut app, 60, 16);
    assert!(s.contains("press q again to quit"), "{s}");
    // the same words as the full-size question: the count, and no journal it does not have
    assert!(s.contains("1 conversation(s) have staged edits"), "{s}");
    assert!(!s.contains("journal"), "no journal in this test: {s}");
    assert_eq!(keys(&mut app, [ch('q')]), vec![convmark::app::Cmd::Quit]);
}

#[test]
fn u_accepts_the_cli_id_forms() {
    let mut app = loaded_app(0);
    keys(&mut app, [ch('u')]);
    keys(&mut app, typed("c2c_bob"));
    let cmds = keys(&mut app, [key(KeyCode::Enter)]);
    assert!(
        matches!(cmds.last(), Some(convmark::app::Cmd::LoadUser { user, .. }) if user == "bob"),
        "{cmds:?}"
    );
}

#[test]
fn the_main_screen_at_200x50() {
    let mut app = loaded_app(60);
    keys(&mut app, [ch('j'), ch('j')]);
    insta::assert_snapshot!(screen(&mut app, 200, 50));
}

#[test]
fn after_a_commit_the_names_keep_their_width_and_the_result_takes_the_free_room() {
    let mut app = loaded_app(0);
    // frank_archived (14) is the longest ID; stage and fail one row
    keys(&mut app, [ch(' ')]);
    let (id, plan, _) = commit_of(keys(&mut app, [ch('c')]));
    update(&mut app, committed(id, &plan, |_| answer(51013)));
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("frank_archived"), "whole: {s}");
    assert!(s.contains("@TGS#team-standup"), "whole: {s}");
    assert!(s.contains("✗51013"), "{s}");
    assert!(!s.contains("team-st…"), "{s}");
}

#[test]
fn the_help_starts_below_the_header_and_its_scrolling_stops_at_its_last_line() {
    for (width, height) in [(80, 24), (120, 40), (200, 50)] {
        let mut app = loaded_app(0);
        screen(&mut app, width, height);
        keys(&mut app, [ch('?')]);
        let top = screen(&mut app, width, height);
        let lines: Vec<&str> = top.lines().collect();
        assert!(lines[0].contains("user alice"), "the header stays: {top}");
        assert!(lines[1].contains("Help"), "{top}");
        // End, then further downs, stop where the last line is the box's last row
        let help_scroll = |app: &convmark::app::App| match app.overlay() {
            Some(Overlay::Help { scroll }) => *scroll,
            other => panic!("not the help: {other:?}"),
        };
        keys(&mut app, [key(KeyCode::End)]);
        let end = help_scroll(&app);
        keys(&mut app, [ch('j'), ch('j'), key(KeyCode::PageDown)]);
        assert_eq!(help_scroll(&app), end, "{width}x{height}");
        let s = screen(&mut app, width, height);
        let lines: Vec<&str> = s.lines().collect();
        let last_inside = lines[lines.len() - 4];
        assert!(
            s.contains("sent at once, not staged"),
            "{width}x{height}: {s}"
        );
        if end > 0 {
            assert!(
                last_inside.contains("sent at once, not staged"),
                "{width}x{height}: {s}"
            );
        }
        // one up shows one row less of the end
        keys(&mut app, [ch('k')]);
        if end > 0 {
            assert_eq!(help_scroll(&app), end - 1);
        }
        // every row fits the box
        for line in s.lines() {
            assert!(convmark::text::width(line) <= usize::from(width), "{line}");
        }
    }
}

#[test]
fn cjk_and_emoji_labels_are_cut_by_display_width_in_the_grid() {
    let mut app = loaded_app(0);
    app.labels.insert(32, "重要客户重要客户".into());
    app.labels.insert(33, "🎉🎉🎉🎉🎉🎉".into());
    keys(&mut app, [key(KeyCode::Tab)]);
    for (width, height) in [(80, 24), (120, 40), (200, 50)] {
        let s = screen(&mut app, width, height);
        // a row that ends in a right border ends at the screen's edge: no label pushed it
        for line in s.lines().filter(|l| l.ends_with(['│', '┐', '┘'])) {
            assert_eq!(
                convmark::text::width(line),
                usize::from(width),
                "{width}x{height}: {line}\n{s}"
            );
        }
        if height >= 36 {
            // the labels row under the cells: bit 33's label starts under bit 33
            let lines: Vec<&str> = s.lines().collect();
            let at = |line: &str, what: &str| {
                convmark::text::width(
                    &line[..line.find(what).unwrap_or_else(|| panic!("{what}: {s}"))],
                )
            };
            let row = lines.iter().position(|l| l.contains("32○")).unwrap();
            assert_eq!(at(lines[row + 1], "🎉"), at(lines[row], "33○"), "{s}");
            assert!(lines[row + 1].contains('…'), "{s}");
        }
    }
}

#[test]
fn the_list_bar_runs_its_whole_width_and_the_bottom_border_drops_whole_parts() {
    use ratatui::{Terminal, backend::TestBackend};
    let mut app = loaded_app(1000);
    update(
        &mut app,
        Msg::Resize {
            width: 80,
            height: 24,
        },
    );
    // the cursor row is reversed up to the list's right edge, not only where it has text
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    terminal.draw(|f| convmark::ui::render(f, &app)).unwrap();
    let buffer = terminal.backend().buffer().clone();
    let text = convmark::ui::buffer_text(&buffer);
    let row = text.lines().position(|l| l.contains('›')).unwrap() as u16;
    let list_edge = (1..80u16)
        .find(|x| ["│", "║", "█"].contains(&buffer[(*x, row)].symbol()))
        .unwrap();
    let bar = convmark::ui::theme::selected();
    for x in 1..list_edge {
        assert!(
            buffer[(x, row)]
                .style()
                .add_modifier
                .contains(bar.add_modifier),
            "cell {x} of the cursor row: {text}"
        );
    }
    // a selection of every row with many staged: the border keeps whole words
    keys(&mut app, [ch('V'), key(KeyCode::Tab), ch(' ')]);
    let s = screen(&mut app, 80, 24);
    let border = s.lines().find(|l| l.contains("selected")).unwrap();
    assert!(border.contains("◆ 1,007 selected"), "{border}");
    assert!(border.contains(" 1/1,007 "), "{border}");
    let words: Vec<&str> = border.split_whitespace().collect();
    assert!(
        words.iter().all(|w| !["sta", "stag", "stage"].contains(w)),
        "no word is cut: {border}"
    );
}

#[test]
fn a_failure_too_long_for_the_detail_pane_ends_by_saying_where_it_is_whole() {
    let mut app = loaded_app(0);
    keys(&mut app, [ch(' '), ch('j'), ch(' ')]); // bob and the standup group
    let (id, plan, _) = commit_of(keys(&mut app, [ch('c')]));
    update(
        &mut app,
        committed(id, &plan, |p| {
            answer(if p.is_group() { 51007 } else { 50001 })
        }),
    );
    // two kinds of failure: the status names both, the log has each whole
    let status = app.status.clone().unwrap().text;
    assert!(
        status.contains("ResultCode 50001 on 1, ResultCode 51007 on 1 (f goes to each failed row)"),
        "{status}"
    );
    let logged: Vec<&str> = app.messages.iter().map(|m| m.text.as_str()).collect();
    assert!(
        logged
            .iter()
            .any(|t| t.starts_with("1 conversation(s) failed (c2c_bob): ResultCode 50001")),
        "{logged:?}"
    );
    // at 80x24 bob's failure does not fit the detail pane: its last row says so
    keys(&mut app, [ch('g')]);
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("✗ last commit: ResultCode 50001"), "{s}");
    assert!(s.contains("… (m shows all)"), "{s}");
    // at 200x50 it is whole
    let s = screen(&mut app, 200, 50);
    assert!(!s.contains("… (m shows all)"), "{s}");
    assert!(s.contains("still staged"), "{s}");
}

#[test]
fn a_wide_character_next_to_a_popup_never_covers_its_border() {
    use ratatui::{Terminal, backend::TestBackend};
    let mut data = user_data(0);
    // rows of CJK custom marks, half of them one column off
    for i in 0..40u64 {
        let offset = if i % 2 == 0 { "" } else { "a" };
        data.sessions.push(session_item(
            Peer::User(format!("cjk{i:02}")),
            1_700_001_000 + i,
            false,
            0,
            &format!("{offset}{}", "中文".repeat(60)),
            &[],
        ));
    }
    for width in 196..=203u16 {
        let mut app = convmark::app::App::new(session(), KeyMap::default(), labels());
        let cmds = update::open_user(&mut app, "alice".into());
        deliver(&mut app, load_id(&cmds), data_clone(&data));
        update(&mut app, Msg::Resize { width, height: 50 });
        keys(&mut app, [ch('o')]);
        // the frame as drawn (before the diff to the terminal, which skips the cell after a
        // wide character, so that a border there would never reach the screen)
        let mut terminal = Terminal::new(TestBackend::new(width, 50)).unwrap();
        let frame = terminal.draw(|f| convmark::ui::render(f, &app)).unwrap();
        let buffer = frame.buffer;
        let shown = convmark::ui::buffer_text(buffer);
        for y in 0..50 {
            for x in 0..width - 1 {
                if convmark::text::width(buffer[(x, y)].symbol()) == 2 {
                    let next = buffer[(x + 1, y)].symbol();
                    assert!(
                        next.trim().is_empty(),
                        "at {width} columns, ({x},{y}) covers {next:?}:\n{shown}"
                    );
                }
            }
        }
    }
}

fn data_clone(d: &UserData) -> UserData {
    UserData {
        sessions: d.sessions.clone(),
        records: d.records.clone(),
        groups: d.groups.clone(),
    }
}

#[test]
fn the_groups_popup_keeps_its_columns_with_cjk_names_and_shows_where_it_is() {
    use convmark::api::wire::GroupItem;
    let mut data = user_data(0);
    data.groups = (1..=20u64)
        .map(|id| GroupItem {
            group_name: if id == 3 {
                "重要客户".repeat(8)
            } else {
                format!("group {id}")
            },
            group_id: id,
        })
        .collect();
    let mut app = convmark::app::App::new(session(), KeyMap::default(), labels());
    let cmds = update::open_user(&mut app, "alice".into());
    deliver(&mut app, load_id(&cmds), data);
    keys(&mut app, [ch('o')]);
    let s = screen(&mut app, 80, 24);
    // the CJK name is cut by display width: its ID and count stay in their columns
    let cjk = s.lines().find(|l| l.contains("重要客户")).unwrap();
    let other = s.lines().find(|l| l.contains("group 2 ")).unwrap();
    let col = |l: &str, from: &str| convmark::text::width(&l[..l.find(from).unwrap() + from.len()]);
    assert!(cjk.contains('…'), "{s}");
    assert_eq!(
        col(cjk, "       3"),
        col(other, "       2"),
        "the ID column lines up:\n{s}"
    );
    // 20 groups in fewer rows: a scrollbar on the popup's border
    assert!(s.contains('█') || s.contains('║'), "{s}");
}
