//! `convmark groups`, the real binary against the real emulator.

#![allow(clippy::unwrap_used)]

mod cli_support;

use cli_support::World;
use convmark::api::codes;
use convmark::emulator::DEMO_USER;

fn listed<'a>(list: &'a serde_json::Value, name: &str) -> Option<&'a serde_json::Value> {
    list["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == name)
}

fn members(group: &serde_json::Value) -> Vec<String> {
    group["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn create_add_remove_rename_delete_and_list() {
    let world = World::demo();
    let u = DEMO_USER;

    let (run, created) = world.run_json(&["groups", "--user", u, "create", "cli test", "c2c_bob"]);
    assert_eq!(run.code, 0, "{run}");
    assert_eq!(created["action"], "create");
    assert_eq!(created["ok"], true);
    assert_eq!(created["group"]["name"], "cli test");
    let id = created["group"]["id"].as_u64().unwrap();
    assert_eq!(created["results"][0]["conversation"], "c2c_bob");
    assert_eq!(created["results"][0]["user"], created["user"]);
    assert_eq!(created["results"][0]["result_code"], 0);

    let run = world.run(&[
        "groups",
        "--user",
        u,
        "add",
        "cli test",
        "group_@TGS#1CLIGRP",
        "carol",
    ]);
    assert_eq!(run.code, 0, "{run}");
    assert!(run.stdout.contains("added to group \"cli test\""), "{run}");
    assert_eq!(run.stdout.matches("ResultCode 0").count(), 2, "{run}");

    let (_, list) = world.run_json(&["groups", "--user", u, "list"]);
    let g = listed(&list, "cli test").unwrap();
    assert_eq!(g["id"].as_u64().unwrap(), id);
    let mut m = members(g);
    m.sort();
    assert_eq!(m, vec!["c2c_bob", "c2c_carol", "group_@TGS#1CLIGRP"]);

    let (run, removed) = world.run_json(&["groups", "--user", u, "remove", "cli test", "bob"]);
    assert_eq!(run.code, 0, "{run}");
    assert_eq!(removed["action"], "remove");
    assert_eq!(removed["results"][0]["result_code"], 0);

    let (run, renamed) = world.run_json(&["groups", "--user", u, "rename", "cli test", "renamed"]);
    assert_eq!(run.code, 0, "{run}");
    assert_eq!(renamed["old_name"], "cli test");
    assert_eq!(renamed["group"]["name"], "renamed");
    assert_eq!(renamed["group"]["id"].as_u64().unwrap(), id);

    let run = world.run(&["groups", "--user", u, "list"]);
    assert_eq!(run.code, 0, "{run}");
    assert!(run.stdout.contains("\"renamed\""), "{run}");
    assert!(!run.stdout.contains("\"cli test\""), "{run}");
    let row = run
        .stdout
        .lines()
        .find(|l| l.starts_with("\"renamed\""))
        .unwrap();
    assert!(
        row.contains("c2c_carol") && !row.contains("c2c_bob"),
        "{row}"
    );

    // get names the group on the conversation
    let (_, get) = world.run_json(&["get", "--user", u]);
    let carol = cli_support::conversation(&get, "c2c_carol");
    assert!(
        carol["groups"]
            .as_array()
            .unwrap()
            .contains(&"renamed".into()),
        "{carol}"
    );

    let run = world.run(&["groups", "--user", u, "delete", "renamed"]);
    assert_eq!(run.code, 0, "{run}");
    assert!(run.stdout.contains("deleted group \"renamed\""), "{run}");
    let (_, list) = world.run_json(&["groups", "--user", u, "list"]);
    assert!(listed(&list, "renamed").is_none());
}

#[test]
fn an_unknown_group_exits_1_with_51009_and_its_meaning() {
    let world = World::demo();
    let run = world.run(&["groups", "--user", DEMO_USER, "delete", "no such group"]);
    assert_eq!(run.code, 1, "{run}");
    assert!(run.stderr.contains("51009"), "{run}");
    assert!(run.stderr.contains(codes::meaning(51009)), "{run}");
    let (run, json) =
        world.run_json(&["groups", "--user", DEMO_USER, "add", "no such group", "bob"]);
    assert_eq!(run.code, 1, "{run}");
    assert_eq!(json["ok"], false);
    assert_eq!(json["error"]["code"], 51009);
}

#[test]
fn oversize_and_empty_names_are_refused_before_sending() {
    let world = World::without_server();
    let long = "x".repeat(33);
    let run = world.run(&["groups", "--user", "alice", "create", &long]);
    assert_eq!(run.code, 2, "{run}");
    assert!(run.stderr.contains("33 bytes"), "{run}");
    assert!(run.stderr.contains("32"), "{run}");
    let run = world.run(&["groups", "--user", "alice", "rename", "ok", ""]);
    assert_eq!(run.code, 2, "{run}");
    assert!(run.stderr.contains("empty"), "{run}");
    let run = world.run(&["groups", "--user", "alice", "add", "ok", "group_"]);
    assert_eq!(run.code, 2, "{run}");
    assert!(world.take_calls().is_empty());
}

#[test]
fn list_shows_the_demo_groups_with_their_conversations() {
    let world = World::demo();
    let (run, list) = world.run_json(&["groups", "--user", DEMO_USER, "list"]);
    assert_eq!(run.code, 0, "{run}");
    let groups = list["groups"].as_array().unwrap();
    assert!(!groups.is_empty());
    assert!(groups.iter().any(|g| !members(g).is_empty()));
    let run = world.run(&["groups", "--user", DEMO_USER, "list"]);
    assert!(
        run.stdout.lines().nth(2).unwrap().starts_with("GROUP"),
        "{run}"
    );
}

#[test]
fn create_with_150_conversations_sends_100_then_adds_50() {
    let world = World::demo();
    let convs: Vec<String> = (0..150).map(|i| format!("group_@TGS#GRP{i:04}")).collect();
    let mut args = vec!["groups", "--user", DEMO_USER, "create", "big"];
    args.extend(convs.iter().map(String::as_str));
    let (run, json) = world.run_json(&args);
    assert_eq!(run.code, 0, "{run}");
    assert_eq!(json["results"].as_array().unwrap().len(), 150);
    assert!(
        json["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["result_code"] == 0)
    );
    let calls = world.take_calls();
    let creates: Vec<usize> = calls
        .iter()
        .filter(|c| c.path.ends_with("create_contact_group"))
        .map(|c| {
            c.body["GroupContactItem"][0]["ContactItem"]
                .as_array()
                .unwrap()
                .len()
        })
        .collect();
    assert_eq!(creates, vec![100]);
    let adds: Vec<usize> = calls
        .iter()
        .filter(|c| c.path.ends_with("update_contact_group"))
        .map(|c| {
            c.body["UpdateGroup"]["ContactUpdateItem"]
                .as_array()
                .unwrap()
                .len()
        })
        .collect();
    assert_eq!(adds, vec![50]);
    let (_, list) = world.run_json(&["groups", "--user", DEMO_USER, "list"]);
    assert_eq!(members(listed(&list, "big").unwrap()).len(), 150);
}
