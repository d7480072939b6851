//! Bad input is refused before anything is sent, with exit 2, one line on stderr, and with
//! `--json` the same error as JSON on stdout.

#![allow(clippy::unwrap_used)]

mod cli_support;

use cli_support::World;

#[test]
fn json_input_errors_are_json_on_stdout_too() {
    let world = World::without_server();
    for args in [
        &["mark", "--user", "alice", "--to", "carol", "--set", "64"][..],
        &[
            "mark",
            "--user",
            "alice",
            "--from",
            "/nonexistent/file",
            "--set",
            "1",
        ],
        &[
            "mark", "--user", "alice", "--to", "carol", "--set", "3", "--clear", "3",
        ],
        &["groups", "--user", "alice", "create", ""],
        &["get", "--user", ""],
    ] {
        let (run, json) = world.run_json(args);
        assert_eq!(run.code, 2, "{args:?}: {run}");
        let message = json["error"]["message"].as_str().unwrap();
        assert!(json["error"]["code"].is_null(), "{json}");
        assert!(run.stderr.contains(message), "stderr says the same: {run}");
    }
    assert!(world.take_calls().is_empty(), "nothing was sent");
}

#[test]
fn a_bit_both_set_and_cleared_and_a_reserved_bit_without_the_flag_are_refused() {
    let world = World::without_server();
    let run = world.run(&[
        "mark", "--user", "alice", "--to", "carol", "--set", "3", "--clear", "3",
    ]);
    assert_eq!(run.code, 2, "{run}");
    assert!(
        run.stderr.contains("bit 3 is in both --set and --clear"),
        "{run}"
    );
    let run = world.run(&["mark", "--user", "alice", "--to", "carol", "--set", "4"]);
    assert_eq!(run.code, 2, "{run}");
    assert!(run.stderr.contains("reserved"), "{run}");
    assert!(run.stderr.contains("--allow-reserved"), "{run}");
    assert!(world.take_calls().is_empty());
}

#[test]
fn a_reserved_bit_goes_out_with_allow_reserved() {
    let world = World::demo();
    let (run, json) = world.run_json(&[
        "mark",
        "--user",
        "alice",
        "--to",
        "grace",
        "--set",
        "4",
        "--allow-reserved",
    ]);
    assert_eq!(run.code, 0, "{run}");
    assert!(
        cli_support::bits(&json["results"][0]["standard_mark"]).contains(&4),
        "{json}"
    );
}
