//! `convmark export`, `diff`, `apply` and `undo`, the real binary against the real emulator
//! (through the recording proxy, so each test sees exactly which calls went out).

#![allow(clippy::unwrap_used)]

mod cli_support;

use cli_support::{Call, World, bits, conversation};
use convmark::domain::Peer;

const MUTATING: [&str; 4] = [
    "mark_contact",
    "create_contact_group",
    "update_contact_group",
    "del_contact_group",
];

fn count(calls: &[Call], endpoint: &str) -> usize {
    calls.iter().filter(|c| c.path.ends_with(endpoint)).count()
}

fn changing(calls: &[Call]) -> usize {
    MUTATING.iter().map(|e| count(calls, e)).sum()
}

/// An export with the parts that differ between users and runs taken out.
fn normalized(text: &str) -> serde_json::Value {
    let mut v: serde_json::Value = serde_json::from_str(text).unwrap();
    v.as_object_mut().unwrap().remove("exported_at");
    for u in v["users"].as_array_mut().unwrap() {
        u["user"] = "X".into();
    }
    v
}

/// A document of one user, as a person would write it.
fn doc(user: &str, groups: &[&str], conversations: &[serde_json::Value]) -> String {
    serde_json::to_string_pretty(&serde_json::json!({
        "format": "convmark-marks",
        "version": 1,
        "users": [{"user": user, "groups": groups, "conversations": conversations}]
    }))
    .unwrap()
}

fn conv(id: &str, bits: &[u8], custom: &str, groups: &[&str]) -> serde_json::Value {
    serde_json::json!({"conversation": id, "bits": bits, "custom_mark": custom, "groups": groups})
}

fn path(world: &World, name: &str) -> String {
    world.dir.path().join(name).display().to_string()
}

#[test]
fn export_then_apply_to_another_user_reproduces_the_marks_exactly_and_twice_sends_nothing() {
    let world = World::demo();
    let file = path(&world, "alice.json");
    let run = world.run(&["export", "--user", "alice", "--out", &file]);
    assert_eq!(run.code, 0, "{run}");
    assert!(
        run.stderr
            .contains("wrote 332 conversation(s) and 3 group(s) of alice"),
        "{run}"
    );
    let alice = std::fs::read_to_string(&file).unwrap();
    // one conversation per line
    assert!(alice.contains(
        "\n        {\"conversation\":\"c2c_bob\",\"bits\":[0,3],\"custom_mark\":\"\",\"groups\":[\"家人\"]},\n"
    ));
    world.take_calls();

    let run = world.run(&["apply", &file, "--user", "zoe", "--yes"]);
    assert_eq!(run.code, 0, "{run}");
    assert!(
        run.stdout.starts_with(
            "zoe (alice's part of the document): 332 conversation(s) to change, 0 already as wanted; 7 call(s): 4 mark_contact, 3 group\n  create group \"Customers\" with 15 conversation(s)\n"
        ),
        "{run}"
    );
    assert!(run.stdout.contains("332 ok, 0 failed"), "{run}");
    let calls = world.take_calls();
    assert_eq!(count(&calls, "mark_contact"), 4);
    assert_eq!(count(&calls, "create_contact_group"), 3);
    assert_eq!(changing(&calls), 7);
    // groups are created with their members before the marks go out
    let first_mark = calls.iter().position(|c| c.path.ends_with("mark_contact"));
    let last_create = calls
        .iter()
        .rposition(|c| c.path.ends_with("create_contact_group"));
    assert!(last_create < first_mark);

    let zoe = world.run(&["export", "--user", "zoe"]);
    assert_eq!(zoe.code, 0, "{zoe}");
    assert_eq!(normalized(&zoe.stdout), normalized(&alice));
    world.take_calls();

    // the second time: in sync, only reads
    let run = world.run(&["apply", &file, "--user", "zoe", "--yes"]);
    assert_eq!(run.code, 0, "{run}");
    assert_eq!(
        run.stdout,
        "zoe (alice's part of the document): in sync, nothing to send (332 conversation(s) already as wanted)\n"
    );
    let calls = world.take_calls();
    assert_eq!(changing(&calls), 0, "{calls:?}");
    // the fresh read is one search_contact_group round (332 conversations: 2 calls)
    assert_eq!(count(&calls, "search_contact_group"), 2, "{calls:?}");
}

#[test]
fn apply_sends_only_the_changed_bits_and_nothing_for_the_rest() {
    let world = World::demo();
    let file = path(&world, "bob.json");
    assert_eq!(
        world.run(&["export", "--user", "bob", "--out", &file]).code,
        0
    );
    // carol holds bits 1 and 3 in bob's export; ask for 1 and 32 instead
    let text = std::fs::read_to_string(&file).unwrap().replace(
        "{\"conversation\":\"c2c_carol\",\"bits\":[1,3]",
        "{\"conversation\":\"c2c_carol\",\"bits\":[1,32]",
    );
    std::fs::write(&file, text).unwrap();
    world.take_calls();
    let (run, json) = world.run_json(&["apply", &file, "--yes"]);
    assert_eq!(run.code, 0, "{run}");
    let calls = world.take_calls();
    let marks: Vec<&Call> = calls
        .iter()
        .filter(|c| c.path.ends_with("mark_contact"))
        .collect();
    assert_eq!(marks.len(), 1);
    assert_eq!(
        marks[0].body["MarkItem"],
        serde_json::json!([{"OptType":1,"ContactItem":{"Type":1,"To_Account":"carol"},
            "SetMark":[32],"ClearMark":[3]}])
    );
    let user = &json["users"][0];
    assert_eq!(user["plan"]["changed"], 1);
    assert_eq!(user["plan"]["unchanged"], 2);
    assert_eq!(user["results"][0]["conversation"], "c2c_carol");
    assert_eq!(user["results"][0]["ok"], true);
    assert_eq!(
        user["results"][0]["standard_mark"]["bits"],
        serde_json::json!([1, 32])
    );
    assert!(json["audit_id"].as_str().unwrap().len() > 10);
}

#[test]
fn diff_exits_0_in_sync_1_with_differences_2_on_trouble() {
    let world = World::demo();
    let file = path(&world, "bob.json");
    assert_eq!(
        world.run(&["export", "--user", "bob", "--out", &file]).code,
        0
    );
    let run = world.run(&["diff", &file]);
    assert_eq!(run.code, 0, "{run}");
    assert!(run.stdout.starts_with("bob: in sync"), "{run}");

    let run = world.run(&["diff", &file, "--user", "carol"]);
    assert_eq!(run.code, 1, "{run}");
    assert!(
        run.stdout
            .contains("  c2c_carol: set 1 (unread), 3 (hidden)\n"),
        "{run}"
    );
    assert!(
        run.stdout.contains(
            "c2c_erin: clear 1 (unread), 2 (collapsed), 59; custom mark \"\" -> \"invoice #4471 overdue\""
        ),
        "{run}"
    );
    let (run, json) = world.run_json(&["diff", &file, "--user", "carol"]);
    assert_eq!(run.code, 1, "{run}");
    assert_eq!(json["in_sync"], false);
    let carol = &json["users"][0];
    assert_eq!(carol["source"], "bob");
    assert_eq!(carol["calls"], 1);
    let erin = &carol["conversations"][1];
    assert_eq!(erin["clear"], serde_json::json!([1, 2, 59]));
    assert_eq!(
        erin["custom_mark"],
        serde_json::json!({"old": "", "new": "invoice #4471 overdue"})
    );
    // diff sends nothing
    assert_eq!(changing(&world.take_calls()), 0);

    // trouble: a user never imported, a missing file, a bad document
    let run = world.run(&["diff", &file, "--user", "nobody"]);
    assert_eq!(run.code, 2, "{run}");
    assert!(run.stderr.contains("cannot read \"nobody\""), "{run}");
    let run = world.run(&["diff", &path(&world, "absent.json")]);
    assert_eq!(run.code, 2, "{run}");
    assert!(run.stderr.contains("absent.json: cannot read it"), "{run}");
    let bad = world.file(
        "bad.json",
        "{\"format\": \"convmark-marks\", \"version\": 1}",
    );
    let run = world.run(&["diff", bad.to_str().unwrap()]);
    assert_eq!(run.code, 2, "{run}");
    assert!(
        run.stderr.contains("bad.json:1: missing field `users`"),
        "{run}"
    );
}

#[test]
fn prune_clears_what_the_document_does_not_list_and_deletes_its_groups() {
    let world = World::demo();
    let run = world.run(&["groups", "--user", "bob", "create", "Old", "carol", "dave"]);
    assert_eq!(run.code, 0, "{run}");
    let text = doc(
        "bob",
        &["Team"],
        &[conv("c2c_carol", &[0, 33], "kept", &["Team"])],
    );
    let file = world.file("bob.json", &text);
    let file = file.to_str().unwrap();

    // without --prune the rest is left alone (carol still leaves "Old": her groups are
    // the document's)
    let run = world.run(&["diff", file]);
    assert_eq!(run.code, 1, "{run}");
    assert!(run.stdout.contains("join \"Team\"; leave \"Old\""), "{run}");
    assert!(!run.stdout.contains("c2c_erin"), "{run}");

    let run = world.run(&["diff", file, "--prune"]);
    assert!(
        run.stdout.contains(
            "c2c_erin: clear 0 (favorite); custom mark \"invoice #4471 overdue\" -> \"\" (not in the document: --prune clears it)"
        ),
        "{run}"
    );
    assert!(run.stdout.contains("  delete group \"Old\"\n"), "{run}");
    world.take_calls();
    let run = world.run(&["apply", file, "--prune", "--yes"]);
    assert_eq!(run.code, 0, "{run}");
    assert!(run.stdout.contains("deleted group \"Old\""), "{run}");
    let calls = world.take_calls();
    // deletes come last
    assert!(calls.last().unwrap().path.ends_with("search_contact_group"));
    let del = calls
        .iter()
        .rposition(|c| c.path.ends_with("del_contact_group"))
        .unwrap();
    let mark = calls
        .iter()
        .rposition(|c| c.path.ends_with("mark_contact"))
        .unwrap();
    assert!(mark < del);

    let after = world.run(&["export", "--user", "bob"]);
    let got = normalized(&after.stdout);
    assert_eq!(got["users"][0]["groups"], serde_json::json!(["Team"]));
    assert_eq!(
        got["users"][0]["conversations"],
        serde_json::json!([conv("c2c_carol", &[0, 33], "kept", &["Team"])])
    );
    assert_eq!(world.run(&["diff", file, "--prune"]).code, 0);
}

#[test]
fn without_a_terminal_and_without_yes_apply_and_undo_refuse_at_once_and_send_nothing() {
    let world = World::demo();
    let file = world.file(
        "m.json",
        &doc("bob", &[], &[conv("c2c_carol", &[40], "", &[])]),
    );
    world.take_calls();
    let started = std::time::Instant::now();
    let run = world.run(&["apply", file.to_str().unwrap()]);
    assert_eq!(run.code, 2, "{run}");
    assert!(
        run.stderr.contains(
            "apply asks before it changes anything, and stdin is not a terminal; nothing was sent: add --yes"
        ),
        "{run}"
    );
    assert!(world.take_calls().is_empty(), "not even a read");
    let (run, json) = world.run_json(&["apply", file.to_str().unwrap()]);
    assert_eq!(run.code, 2, "{run}");
    assert_eq!(json["ok"], false);
    assert!(
        json["error"]["message"]
            .as_str()
            .unwrap()
            .contains("not a terminal")
    );
    assert_eq!(
        world
            .run(&["mark", "--user", "bob", "--to", "carol", "--set", "40"])
            .code,
        0
    );
    world.take_calls();
    let run = world.run(&["undo", "--user", "bob", "--last"]);
    assert_eq!(run.code, 2, "{run}");
    assert!(run.stderr.contains("undo asks before"), "{run}");
    assert!(world.take_calls().is_empty());
    // a document on stdin cannot share stdin with the question
    let run = world.run(&["apply", "-"]);
    assert_eq!(run.code, 2, "{run}");
    assert!(
        run.stderr
            .contains("apply -: the document comes from stdin"),
        "{run}"
    );
    // "at once": no waiting for an answer (generous: the binary starts in milliseconds)
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
}

fn carol_of_bob(world: &World) -> serde_json::Value {
    let (_, get) = world.run_json(&["get", "--user", "bob"]);
    conversation(&get, "c2c_carol").clone()
}

#[test]
fn undo_restores_bits_and_custom_mark_and_is_itself_undoable() {
    let world = World::demo();
    let before = carol_of_bob(&world);
    let (run, json) = world.run_json(&[
        "mark", "--user", "bob", "--to", "carol", "--set", "0,40", "--clear", "1", "--custom",
        "vip",
    ]);
    assert_eq!(run.code, 0, "{run}");
    let id = json["audit_id"].as_str().unwrap().to_owned();
    assert_ne!(
        carol_of_bob(&world)["standard_mark"],
        before["standard_mark"]
    );
    world.take_calls();

    let run = world.run(&["undo", "--user", "bob", "--last", "--yes"]);
    assert_eq!(run.code, 0, "{run}");
    assert!(run.stdout.starts_with(&format!("undo of {id} (")), "{run}");
    assert!(
        run.stdout.contains(
            "  c2c_carol: set 1 (unread); clear 0 (favorite), 40; custom mark \"vip\" -> \"\"\n"
        ),
        "{run}"
    );
    let calls = world.take_calls();
    assert_eq!(count(&calls, "mark_contact"), 1);
    let after = carol_of_bob(&world);
    assert_eq!(
        bits(&after["standard_mark"]),
        bits(&before["standard_mark"])
    );
    assert_eq!(after["custom_mark"], before["custom_mark"]);

    // the undo is a commit of its own: undoing it puts the change back
    let run = world.run(&["undo", "--user", "bob", "--last", "--yes"]);
    assert_eq!(run.code, 0, "{run}");
    let again = carol_of_bob(&world);
    assert!(bits(&again["standard_mark"]).contains(&40));
    assert_eq!(again["custom_mark"], "vip");

    // by id: reverted again; a second time carol already holds what she held before the
    // commit: no conflict, nothing is sent, and it is a success (already as it was)
    let run = world.run(&["undo", &id, "--yes"]);
    assert_eq!(run.code, 0, "{run}");
    world.take_calls();
    let run = world.run(&["undo", &id, "--yes"]);
    assert_eq!(run.code, 0, "{run}");
    assert!(
        run.stdout.contains("(1 conversation(s) already as wanted)"),
        "{run}"
    );
    assert!(
        run.stderr.contains("is already reverted: nothing to send"),
        "{run}"
    );
    assert!(!run.stdout.contains("conflict"), "{run}");
    assert_eq!(changing(&world.take_calls()), 0);
}

#[test]
fn undo_leaves_a_conflict_alone_and_force_reverts_it() {
    let world = World::demo();
    let (run, json) = world.run_json(&[
        "mark", "--user", "bob", "--to", "carol", "--to", "grace", "--set", "40", "--custom", "x",
    ]);
    assert_eq!(run.code, 0, "{run}");
    let id = json["audit_id"].as_str().unwrap().to_owned();
    // someone else changes carol's custom mark since (not through convmark)
    world.emulator.as_ref().unwrap().with_state(|s| {
        let bob = s.users.get_mut("bob").unwrap();
        bob.update_record(&Peer::User("carol".into()), 9, |r| r.custom = "y".into())
            .unwrap();
    });
    world.take_calls();
    let run = world.run(&["undo", "--user", "bob", "--last", "--yes"]);
    assert_eq!(run.code, 1, "{run}");
    assert!(
        run.stdout.contains(
            "  conflict, left alone: c2c_carol: the custom mark changed since (--force reverts it)\n"
        ),
        "{run}"
    );
    assert!(
        run.stdout
            .contains("  c2c_grace: clear 40; custom mark \"x\" -> \"\"\n"),
        "{run}"
    );
    assert!(run.stderr.contains("left as they are"), "{run}");
    let calls = world.take_calls();
    let sent = &calls
        .iter()
        .find(|c| c.path.ends_with("mark_contact"))
        .unwrap()
        .body["MarkItem"];
    assert_eq!(sent.as_array().unwrap().len(), 1, "only grace: {sent}");
    let carol = carol_of_bob(&world);
    assert!(bits(&carol["standard_mark"]).contains(&40));
    assert_eq!(carol["custom_mark"], "y");

    // --force reverts carol as well (grace is already as she was: nothing for her)
    let run = world.run(&["undo", &id, "--force", "--yes"]);
    assert_eq!(run.code, 0, "{run}");
    assert!(
        run.stdout
            .contains("  c2c_carol: clear 40; custom mark \"y\" -> \"\"\n"),
        "{run}"
    );
    assert!(!run.stdout.contains("c2c_grace"), "{run}");
    let carol = carol_of_bob(&world);
    assert!(!bits(&carol["standard_mark"]).contains(&40));
    assert_eq!(carol["custom_mark"], "");
}

#[test]
fn undo_reverts_group_operations() {
    let world = World::demo();
    let groups = |world: &World| {
        let (_, json) = world.run_json(&["groups", "--user", "bob", "list"]);
        json["groups"].clone()
    };
    assert_eq!(
        world
            .run(&["groups", "--user", "bob", "create", "Team", "carol", "dave"])
            .code,
        0
    );
    assert_eq!(
        world
            .run(&["groups", "--user", "bob", "delete", "Team"])
            .code,
        0
    );
    assert_eq!(groups(&world), serde_json::json!([]));
    // undo the delete: the group comes back with its members
    let run = world.run(&["undo", "--user", "bob", "--last", "--yes"]);
    assert_eq!(run.code, 0, "{run}");
    assert!(
        run.stdout
            .contains("create group \"Team\" with 2 conversation(s)"),
        "{run}"
    );
    let back = groups(&world);
    assert_eq!(back[0]["name"], "Team");
    let mut members: Vec<String> = back[0]["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    members.sort();
    assert_eq!(members, ["c2c_carol", "c2c_dave"]);

    // an apply that creates groups and marks, undone as one commit
    let file = path(&world, "alice.json");
    assert_eq!(
        world
            .run(&["export", "--user", "alice", "--out", &file])
            .code,
        0
    );
    assert_eq!(
        world.run(&["apply", &file, "--user", "zoe", "--yes"]).code,
        0
    );
    let run = world.run(&["undo", "--user", "zoe", "--last", "--yes"]);
    assert_eq!(run.code, 0, "{run}");
    assert!(run.stdout.contains("  delete group \"家人\"\n"), "{run}");
    let zoe = world.run(&["export", "--user", "zoe"]);
    let zoe = normalized(&zoe.stdout);
    assert_eq!(zoe["users"][0]["groups"], serde_json::json!([]));
    assert_eq!(zoe["users"][0]["conversations"], serde_json::json!([]));
}

#[test]
fn a_document_over_the_limit_is_refused_before_sending() {
    let world = World::demo();
    // zoe has 999 records; two new conversations in a group would make 1,001
    world.emulator.as_ref().unwrap().with_state(|s| {
        let zoe = s.users.entry("zoe".into()).or_default();
        for i in 0..999 {
            zoe.update_record(&Peer::Group(format!("@TGS#L{i:04}")), 1, |r| {
                r.mark = 1 << 32
            })
            .unwrap();
        }
    });
    let text = doc(
        "zoe",
        &["G"],
        &[
            conv("c2c_bob", &[], "", &["G"]),
            conv("c2c_carol", &[], "", &["G"]),
        ],
    );
    let file = world.file("zoe.json", &text);
    let file = file.to_str().unwrap();
    let run = world.run(&["diff", file]);
    assert_eq!(run.code, 1, "{run}");
    assert!(
        run.stdout
            .contains("  refused: the change would give 1,001"),
        "{run}"
    );
    world.take_calls();
    let run = world.run(&["apply", file, "--yes"]);
    assert_eq!(run.code, 2, "{run}");
    assert!(
        run.stderr.contains(
            "zoe: the change would give 1,001 marked or grouped conversations, 1 more than the 1,000"
        ),
        "{run}"
    );
    let calls = world.take_calls();
    assert_eq!(changing(&calls), 0, "{calls:?}");
    // the partial read could not count: everything was read
    assert!(count(&calls, "get_contact_group") >= 10, "{calls:?}");
}

#[test]
fn reserved_bits_need_allow_reserved() {
    let world = World::demo();
    let file = world.file(
        "b.json",
        &doc("bob", &[], &[conv("c2c_carol", &[1, 3, 5], "", &[])]),
    );
    let file = file.to_str().unwrap();
    world.take_calls();
    let run = world.run(&["apply", file, "--yes"]);
    assert_eq!(run.code, 2, "{run}");
    assert!(
        run.stderr.contains("bits reserved for Chat's internal use"),
        "{run}"
    );
    assert!(run.stderr.contains("bit 5 of c2c_carol"), "{run}");
    assert_eq!(changing(&world.take_calls()), 0);
    let run = world.run(&["apply", file, "--yes", "--allow-reserved"]);
    assert_eq!(run.code, 0, "{run}");
}

#[test]
fn a_hand_edited_bad_document_is_refused_naming_the_file_and_what_is_wrong() {
    let world = World::demo();
    let file = path(&world, "bob.json");
    assert_eq!(
        world.run(&["export", "--user", "bob", "--out", &file]).code,
        0
    );
    let good = std::fs::read_to_string(&file).unwrap();
    let cases = [
        (
            good.replace("\"version\": 1", "\"version\": 7"),
            "bob.json:3: version 7 is unknown",
        ),
        (
            good.replace("\"bits\":[1,3]", "\"bits\":[1,64]"),
            "bob.json:11: user \"bob\", conversation \"c2c_carol\": bit index 64 is out of range",
        ),
        (
            good.replace("\"c2c_carol\"", "\"carol\""),
            "conversation \"carol\": not a conversation ID",
        ),
        (
            good.replace("\"groups\":[]}", "\"groups\":[\"Nowhere\"]}"),
            "is in group \"Nowhere\", which the user's \"groups\" does not list",
        ),
        (
            good.replace(
                "\"custom_mark\":\"\"",
                &format!("\"custom_mark\":\"{}\"", "x".repeat(257)),
            ),
            "the custom mark is 257 bytes",
        ),
        (
            good.replace(
                "\"groups\": []",
                &format!("\"groups\": [\"{}\"]", "g".repeat(33)),
            ),
            "33 bytes of UTF-8",
        ),
        (
            good.replace("  ]\n}", "  ,{\"user\": \"bob\"}]\n}"),
            "user \"bob\" is in the document twice",
        ),
    ];
    world.take_calls();
    for (text, expected) in cases {
        std::fs::write(&file, &text).unwrap();
        for cmd in ["diff", "apply"] {
            let args = [cmd, file.as_str(), "--yes"];
            let run = world.run(&args[..if cmd == "diff" { 2 } else { 3 }]);
            assert_eq!(run.code, 2, "{run}");
            assert!(run.stderr.contains(&file), "{run}");
            assert!(run.stderr.contains(expected), "{expected}: {run}");
        }
    }
    assert!(
        world.take_calls().is_empty(),
        "nothing sent, not even a read"
    );
}

#[test]
fn several_users_need_source_with_user_and_each_part_goes_to_its_user() {
    let world = World::demo();
    let file = path(&world, "two.json");
    assert_eq!(
        world
            .run(&["export", "--user", "bob", "--user", "carol", "--out", &file])
            .code,
        0
    );
    let run = world.run(&["diff", &file]);
    assert_eq!(run.code, 0, "{run}");
    assert_eq!(
        run.stdout,
        "bob: in sync, nothing to send (3 conversation(s) already as wanted)\ncarol: in sync, nothing to send (3 conversation(s) already as wanted)\n"
    );
    let run = world.run(&["apply", &file, "--user", "dave", "--yes"]);
    assert_eq!(run.code, 2, "{run}");
    assert!(
        run.stderr.contains(
            "the document holds 2 users (\"bob\", \"carol\"): give --source USER to say whose part to apply to \"dave\""
        ),
        "{run}"
    );
    let run = world.run(&[
        "apply", &file, "--user", "dave", "--source", "erin", "--yes",
    ]);
    assert_eq!(run.code, 2, "{run}");
    assert!(run.stderr.contains("holds \"bob\", \"carol\""), "{run}");
    let run = world.run(&[
        "apply", &file, "--user", "dave", "--source", "carol", "--yes",
    ]);
    assert_eq!(run.code, 0, "{run}");
    assert!(
        run.stdout
            .starts_with("dave (carol's part of the document): "),
        "{run}"
    );
}

#[test]
fn undo_of_an_id_that_does_not_exist_names_the_ids_near_it() {
    let world = World::demo();
    let mut ids = Vec::new();
    for bit in ["40", "41", "42"] {
        let (_, json) = world.run_json(&["mark", "--user", "bob", "--to", "carol", "--set", bit]);
        ids.push(json["audit_id"].as_str().unwrap().to_owned());
    }
    ids.sort();
    world.take_calls();
    let missing = format!("{}x", ids[1]);
    let run = world.run(&["undo", &missing, "--yes"]);
    assert_eq!(run.code, 2, "{run}");
    assert!(
        run.stderr
            .contains(&format!("no commit {missing} in the audit log")),
        "{run}"
    );
    for id in &ids {
        assert!(run.stderr.contains(id.as_str()), "{id}: {run}");
    }
    assert!(world.take_calls().is_empty());
    let run = world.run(&["undo", "--user", "zoe", "--last", "--yes"]);
    assert_eq!(run.code, 2, "{run}");
    assert!(run.stderr.contains("has no commit of \"zoe\""), "{run}");
}
