//! `convmark get`, the real binary against the real emulator.

#![allow(clippy::unwrap_used)]

mod cli_support;

use std::collections::BTreeSet;

use cli_support::{World, bare_command, bits, conversation};
use convmark::api::wire::{ASSIST_FLAGS_ALL, GetContactGroupRequest, GetListRequest};
use convmark::emulator::DEMO_USER;

/// The conversations the two endpoints know, paged by the test itself.
fn union_from_the_api(world: &World, user: &str) -> BTreeSet<String> {
    let client = world.client();
    world.rt.block_on(async {
        let mut ids = BTreeSet::new();
        let mut req = GetListRequest {
            from_account: user.into(),
            assist_flags: ASSIST_FLAGS_ALL,
            ..Default::default()
        };
        loop {
            let page = client.get_list(&req).await.unwrap();
            ids.extend(page.session_item.iter().map(|s| s.peer.0.conversation_id()));
            if page.complete_flag == 1 {
                break;
            }
            req.time_stamp = page.time_stamp;
            req.start_index = page.start_index;
            req.top_time_stamp = page.top_time_stamp;
            req.top_start_index = page.top_start_index;
        }
        let mut req = GetContactGroupRequest {
            from_account: user.into(),
            start_index: 0,
        };
        loop {
            let page = client.get_contact_group(&req).await.unwrap();
            ids.extend(
                page.contact_item
                    .iter()
                    .map(|c| c.contact.0.conversation_id()),
            );
            if page.complete_flag == 1 {
                break;
            }
            req.start_index = page.next_cursor();
        }
        ids
    })
}

#[test]
fn get_json_lists_every_conversation_once_pinned_first_with_marks_and_groups() {
    let world = World::demo();
    let (run, get) = world.run_json(&["get", "--user", DEMO_USER]);
    assert_eq!(run.code, 0, "{run}");
    assert_eq!(get["user"], DEMO_USER);

    let conversations = get["conversations"].as_array().unwrap();
    let ids: Vec<String> = conversations
        .iter()
        .map(|c| c["conversation"].as_str().unwrap().to_owned())
        .collect();
    let unique: BTreeSet<String> = ids.iter().cloned().collect();
    assert_eq!(unique.len(), ids.len(), "a conversation appears twice");
    assert_eq!(unique, union_from_the_api(&world, DEMO_USER));

    // every page of both endpoints was read
    let calls = world.take_calls();
    let pages = |path: &str| calls.iter().filter(|c| c.path.ends_with(path)).count();
    assert!(pages("get_list") >= 1 && pages("get_contact_group") >= 1);
    for call in calls.iter().filter(|c| c.path.ends_with("get_list")) {
        assert_eq!(call.body["AssistFlags"], 63);
    }

    // pinned first
    let pinned: Vec<bool> = conversations
        .iter()
        .map(|c| c["pinned"].as_bool().unwrap())
        .collect();
    assert!(
        pinned.iter().any(|p| *p),
        "the demo user has pinned conversations"
    );
    let first_unpinned = pinned.iter().position(|p| !p).unwrap();
    assert!(pinned[first_unpinned..].iter().all(|p| !p), "pinned first");

    // every field is there and consistent
    for c in conversations {
        let id = c["conversation"].as_str().unwrap();
        let kind = c["type"].as_str().unwrap();
        assert!(
            (kind == "c2c" && id.starts_with("c2c_"))
                || (kind == "group" && id.starts_with("group_")),
            "{c}"
        );
        assert!(c["msg_time"].is_u64());
        assert!(c["custom_mark"].is_string());
        let mark = &c["standard_mark"];
        let hex = u64::from_str_radix(mark["hex"].as_str().unwrap().trim_start_matches("0x"), 16)
            .unwrap();
        let from_bits = bits(mark).iter().fold(0u64, |v, b| v | 1 << b);
        assert_eq!(hex, from_bits, "{c}");
        let raw = mark["raw"].as_str().unwrap();
        let from_raw = if raw.is_empty() {
            0
        } else {
            u64::from_str_radix(raw, 2).unwrap()
        };
        assert_eq!(from_raw, hex, "{c}");
    }

    // groups map ids to names, and conversations name their groups
    let group_names: BTreeSet<String> = get["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            assert!(g["id"].is_u64());
            g["name"].as_str().unwrap().to_owned()
        })
        .collect();
    assert!(!group_names.is_empty(), "the demo user has groups");
    let grouped: Vec<&serde_json::Value> = conversations
        .iter()
        .filter(|c| !c["groups"].as_array().unwrap().is_empty())
        .collect();
    assert!(!grouped.is_empty());
    for c in grouped {
        for g in c["groups"].as_array().unwrap() {
            assert!(group_names.contains(g.as_str().unwrap()), "{c}");
        }
    }
    // some marks and custom marks exist in the demo data and are shown
    assert!(
        conversations
            .iter()
            .any(|c| !bits(&c["standard_mark"]).is_empty())
    );
    assert!(conversations.iter().any(|c| c["custom_mark"] != ""));
}

#[test]
fn get_prints_an_aligned_table_with_one_row_per_conversation() {
    let world = World::demo();
    let (_, get) = world.run_json(&["get", "--user", DEMO_USER]);
    let run = world.run(&["get", "--user", DEMO_USER]);
    assert_eq!(run.code, 0, "{run}");
    let lines: Vec<&str> = run.stdout.lines().collect();
    let count = get["conversations"].as_array().unwrap().len();
    assert!(
        lines[0].starts_with(&format!("{DEMO_USER}: {count} conversations")),
        "{}",
        lines[0]
    );
    let header = lines
        .iter()
        .position(|l| l.starts_with("CONVERSATION"))
        .unwrap();
    let rows = &lines[header + 1..];
    assert_eq!(rows.len(), count);
    // aligned: the STANDARD column starts at the same terminal column on every row, CJK
    // group names and emoji (two columns wide) included
    let width = |text: &str| ratatui::text::Span::raw(text).width();
    let at = |line: &str, what: &str| width(&line[..line.find(what).unwrap()]);
    let col = at(lines[header], "STANDARD");
    for row in rows {
        assert_eq!(at(row, " 0x") + 1, col, "misaligned row: {row}");
    }
    assert!(
        rows.iter().any(|r| r.contains("家人")),
        "a CJK group name is shown"
    );
    // the first row is the first conversation of the JSON, and shows its marks
    let first = &get["conversations"][0];
    assert!(rows[0].starts_with(first["conversation"].as_str().unwrap()));
    assert!(rows[0].contains(first["standard_mark"]["hex"].as_str().unwrap()));
    // internal marks as words somewhere
    assert!(rows.iter().any(|r| r.contains("fav")));
}

#[test]
fn get_for_an_unknown_user_exits_1_with_the_code_and_its_meaning() {
    let world = World::demo();
    let run = world.run(&["get", "--user", "nobody-such"]);
    assert_eq!(run.code, 1, "{run}");
    assert!(run.stderr.contains("50001"), "{run}");
    assert!(
        run.stderr.contains(convmark::api::codes::meaning(50001)),
        "{run}"
    );
    let (run, json) = world.run_json(&["get", "--user", "nobody-such"]);
    assert_eq!(run.code, 1);
    assert_eq!(json["error"]["code"], 50001);
}

#[test]
fn missing_credentials_name_the_file_the_variables_and_the_demo() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("nope.toml");
    let out = bare_command(&config)
        .args(["get", "--user", "alice"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no credentials"), "{err}");
    assert!(err.contains(&config.display().to_string()), "{err}");
    assert!(err.contains("CONVMARK_SECRET_KEY"), "{err}");
    assert!(err.contains("CONVMARK_BASE_URL"), "{err}");
    assert!(err.contains("convmark demo"), "{err}");
    assert!(out.stdout.is_empty());
}

#[test]
fn plain_http_to_a_remote_host_is_refused_before_sending() {
    let world = World::without_server();
    let run = world
        .command(&["get", "--user", "alice"])
        .env("CONVMARK_BASE_URL", "http://example.com/")
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&run.stderr).contains("https://"));
    assert!(world.take_calls().is_empty());
}

#[test]
fn a_user_id_that_is_empty_is_refused() {
    let world = World::without_server();
    let run = world.run(&["get", "--user", ""]);
    assert_eq!(run.code, 2, "{run}");
    assert!(run.stderr.contains("--user"), "{run}");
    assert!(world.take_calls().is_empty());
}

#[test]
fn get_shows_a_conversation_by_its_sdk_id() {
    let world = World::demo();
    let (_, get) = world.run_json(&["get", "--user", DEMO_USER]);
    // every demo user's one-to-one conversation is written c2c_ID
    let bob = conversation(&get, "c2c_bob");
    assert_eq!(bob["type"], "c2c");
}

#[test]
fn credentials_from_flags_work_without_any_variable() {
    let world = World::demo();
    let emu = world.emulator.as_ref().unwrap();
    let out = bare_command(&world.dir.path().join("absent.toml"))
        .args(["get", "--user", DEMO_USER, "--json"])
        .args(["--base-url", &world.proxy_url])
        .args(["--sdkappid", &emu.config.sdkappid.to_string()])
        .args(["--identifier", &emu.config.admins[0]])
        .args(["--secret-key", &emu.config.secret_key])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["user"], DEMO_USER);
    assert!(!world.take_calls().is_empty());
}

#[cfg(unix)]
#[test]
fn a_config_file_profile_works_and_a_readable_secret_is_warned_about() {
    use std::os::unix::fs::PermissionsExt;
    let world = World::demo();
    let emu = world.emulator.as_ref().unwrap();
    let config = world.file(
        "config.toml",
        &format!(
            "[profile.default]\nsdkappid = {}\nidentifier = {:?}\nsecret_key = {:?}\nbase_url = {:?}\n",
            emu.config.sdkappid, emu.config.admins[0], emu.config.secret_key, world.proxy_url
        ),
    );
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = bare_command(&config)
        .args(["groups", "--user", DEMO_USER, "list"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("warning") && err.contains("chmod 600"),
        "{err}"
    );
    assert!(!err.contains(&emu.config.secret_key), "{err}");

    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o600)).unwrap();
    let out = bare_command(&config)
        .args(["groups", "--user", DEMO_USER, "list"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
