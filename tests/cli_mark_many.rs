//! `convmark mark --from FILE` with `USER CONVERSATION` lines (the same change for many
//! users) and the 1,000 limit checked before sending, the real binary against the real
//! emulator through the recording proxy.

#![allow(clippy::unwrap_used)]

mod cli_support;

use cli_support::World;
use convmark::domain::Peer;

fn mark_calls(world: &World) -> Vec<serde_json::Value> {
    world
        .take_calls()
        .into_iter()
        .filter(|c| c.path.ends_with("mark_contact"))
        .map(|c| c.body)
        .collect()
}

#[test]
fn many_users_with_one_never_imported_fail_only_for_that_user() {
    let world = World::demo();
    let file = world.file(
        "many.txt",
        "# user conversation\nbob c2c_carol\nnobody c2c_carol\ncarol c2c_bob\nbob group_@TGS#1MANY\nnobody c2c_bob\n",
    );
    world.take_calls();
    let (run, json) = world.run_json(&["mark", "--from", file.to_str().unwrap(), "--set", "40"]);
    assert_eq!(run.code, 1, "{run}");
    assert!(
        run.stderr.contains("2 of 5 conversation(s) failed"),
        "{run}"
    );
    // one call per user that could be read, none for nobody
    let sent = mark_calls(&world);
    let mut users: Vec<&str> = sent
        .iter()
        .map(|b| b["From_Account"].as_str().unwrap())
        .collect();
    users.sort_unstable();
    assert_eq!(users, ["bob", "carol"]);
    let bob = sent.iter().find(|b| b["From_Account"] == "bob").unwrap();
    assert_eq!(bob["MarkItem"].as_array().unwrap().len(), 2);
    assert_eq!(json["user"], serde_json::Value::Null);
    assert_eq!(json["users"], 3);
    assert_eq!(
        (json["succeeded"].as_u64(), json["failed"].as_u64()),
        (Some(3), Some(2))
    );
    for r in json["results"].as_array().unwrap() {
        if r["user"] == "nobody" {
            assert_eq!(r["ok"], false, "{r}");
            assert_eq!(r["sent"], false, "{r}");
            assert_eq!(r["result_code"], 50001, "{r}");
            assert!(
                r["result_info"]
                    .as_str()
                    .unwrap()
                    .starts_with("not sent: the user could not be read first"),
                "{r}"
            );
        } else {
            assert_eq!(r["ok"], true, "{r}");
            assert!(
                r["standard_mark"]["bits"]
                    .as_array()
                    .unwrap()
                    .contains(&40.into()),
                "{r}"
            );
        }
    }
    // the table names the user of each row
    let run = world.run(&["mark", "--from", file.to_str().unwrap(), "--set", "41"]);
    assert_eq!(run.code, 1, "{run}");
    assert!(
        run.stdout
            .starts_with("set [41] for 3 user(s), 5 conversation(s) in 2 call(s)\n"),
        "{run}"
    );
    assert!(run.stdout.contains("\nUSER    CONVERSATION"), "{run}");
    assert!(
        run.stdout.contains(
            "2 conversation(s) not sent: the user could not be read first: ResultCode 50001"
        ),
        "{run}"
    );
}

/// Gives `user` `n` records (group conversations with bit 32).
fn fill(world: &World, user: &str, n: usize) {
    world.emulator.as_ref().unwrap().with_state(|s| {
        s.accounts.insert(user.to_owned());
        let data = s.users.entry(user.to_owned()).or_default();
        for i in 0..n {
            data.update_record(&Peer::Group(format!("@TGS#FULL{i:04}")), 1, |r| {
                r.mark = 1 << 32
            })
            .unwrap();
        }
    });
}

#[test]
fn the_1000_limit_is_refused_before_sending_for_that_user_only() {
    let world = World::demo();
    fill(&world, "full", 1000);
    world.take_calls();
    let run = world.run(&["mark", "--user", "full", "--to", "bob", "--set", "33"]);
    assert_eq!(run.code, 1, "{run}");
    assert!(
        run.stdout.contains(
            "1 conversation(s) not sent: the change would give 1,001 marked or grouped conversations, 1 more than the 1,000 the service allows"
        ),
        "{run}"
    );
    assert!(
        mark_calls(&world).is_empty(),
        "no mark_contact for a user over the limit"
    );

    // a conversation already counted may change: no new record
    let run = world.run(&[
        "mark",
        "--user",
        "full",
        "--group",
        "@TGS#FULL0001",
        "--set",
        "33",
    ]);
    assert_eq!(run.code, 0, "{run}");
    assert_eq!(mark_calls(&world).len(), 1);

    // many users: the one over the limit is refused, the others are sent
    let file = world.file("two.txt", "full c2c_bob\nbob c2c_carol\n");
    let (run, json) = world.run_json(&["mark", "--from", file.to_str().unwrap(), "--set", "34"]);
    assert_eq!(run.code, 1, "{run}");
    let sent = mark_calls(&world);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["From_Account"], "bob");
    let full = json["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["user"] == "full")
        .unwrap();
    assert_eq!(full["sent"], false);
    assert!(
        full["result_info"]
            .as_str()
            .unwrap()
            .contains("1 more than the 1,000"),
        "{full}"
    );
}
