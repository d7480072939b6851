//! `convmark mark`, the real binary against the real emulator (through a recording proxy).

#![allow(clippy::unwrap_used)]

mod cli_support;

use cli_support::{World, bits, conversation};
use convmark::api::codes;
use convmark::emulator::{DEMO_USER, Edition, EmulatorConfig};

const GROUP: &str = "group_@TGS#1CLITEST01";

fn mark_calls(world: &World) -> Vec<serde_json::Value> {
    world
        .take_calls()
        .into_iter()
        .filter(|c| c.path.ends_with("mark_contact"))
        .map(|c| c.body)
        .collect()
}

#[test]
fn set_clear_and_custom_on_c2c_and_group_then_get_shows_it() {
    let world = World::demo();
    let run = world.run(&[
        "mark", "--user", DEMO_USER, "--to", "c2c_bob", "--set", "1,33", "--custom", "vip ✓",
    ]);
    assert_eq!(run.code, 0, "{run}");
    assert!(run.stdout.contains("1 ok, 0 failed"), "{run}");
    assert!(run.stdout.contains("\"vip ✓\""), "read back: {run}");
    let sent = mark_calls(&world);
    assert_eq!(sent.len(), 1);
    assert_eq!(
        sent[0]["MarkItem"],
        serde_json::json!([{"OptType":3,"ContactItem":{"Type":1,"To_Account":"bob"},
            "SetMark":[1,33],"CustomMark":"vip ✓"}])
    );

    // a group and a user in one call
    let run = world.run(&[
        "mark", "--user", DEMO_USER, "--group", GROUP, "--to", "carol", "--set", "0,40",
    ]);
    assert_eq!(run.code, 0, "{run}");
    assert!(run.stdout.contains("2 ok, 0 failed"), "{run}");
    let sent = mark_calls(&world);
    assert_eq!(sent.len(), 1);
    // carol has bit 0 already: only bit 40 is sent for her
    assert_eq!(
        sent[0]["MarkItem"],
        serde_json::json!([
            {"OptType":1,"ContactItem":{"Type":1,"To_Account":"carol"},"SetMark":[40]},
            {"OptType":1,"ContactItem":{"Type":2,"ToGroupId":"@TGS#1CLITEST01"},"SetMark":[0,40]}
        ])
    );

    // the same again: nothing is sent, and there is no commit to undo
    let (run, json) = world.run_json(&[
        "mark", "--user", DEMO_USER, "--to", "c2c_bob", "--set", "1,33",
    ]);
    assert_eq!(run.code, 0, "{run}");
    assert_eq!(json["calls"], 0, "{run}");
    assert!(json["audit_id"].is_null(), "{run}");
    assert!(mark_calls(&world).is_empty());

    let (_, get) = world.run_json(&["get", "--user", DEMO_USER]);
    let bob = conversation(&get, "c2c_bob");
    assert!(bits(&bob["standard_mark"]).contains(&1), "{bob}");
    assert!(bits(&bob["standard_mark"]).contains(&33), "{bob}");
    assert_eq!(bob["custom_mark"], "vip ✓");
    // a marked group conversation outside the recent list still shows up
    let group = conversation(&get, GROUP);
    assert_eq!(bits(&group["standard_mark"]), vec![0, 40]);
    assert_eq!(group["standard_mark"]["raw"].as_str().unwrap().len(), 41);

    // clear one bit, set another, and one that is set already: only the changes go out;
    // the custom mark stays
    let (run, json) = world.run_json(&[
        "mark", "--user", DEMO_USER, "--to", "bob", "--clear", "1", "--set", "0,2",
    ]);
    assert_eq!(run.code, 0, "{run}");
    let sent = mark_calls(&world);
    assert_eq!(
        sent[0]["MarkItem"][0],
        serde_json::json!({"OptType":1,"ContactItem":{"Type":1,"To_Account":"bob"},
            "SetMark":[2],"ClearMark":[1]})
    );
    let item = &json["results"][0];
    assert_eq!(item["user"], DEMO_USER);
    assert_eq!(item["conversation"], "c2c_bob");
    assert_eq!(item["result_code"], 0);
    assert_eq!(item["ok"], true);
    let after = bits(&item["standard_mark"]);
    assert!(
        after.contains(&0) && after.contains(&2) && after.contains(&33) && !after.contains(&1),
        "{item}"
    );
    assert_eq!(item["custom_mark"], "vip ✓");

    // "" clears the custom mark, OptType 2
    let run = world.run(&["mark", "--user", DEMO_USER, "--to", "bob", "--custom", ""]);
    assert_eq!(run.code, 0, "{run}");
    let sent = mark_calls(&world);
    assert_eq!(sent[0]["MarkItem"][0]["OptType"], 2);
    assert_eq!(sent[0]["MarkItem"][0]["CustomMark"], "");
    let (_, get) = world.run_json(&["get", "--user", DEMO_USER]);
    assert_eq!(conversation(&get, "c2c_bob")["custom_mark"], "");
}

#[test]
fn from_file_with_250_lines_makes_3_calls_and_all_succeed() {
    let world = World::demo();
    let mut text = String::from("# conversations to flag\n\nbob\nc2c_carol\n");
    for i in 0..248 {
        text.push_str(&format!("group_@TGS#BULK{i:04}\n"));
        if i % 50 == 0 {
            text.push_str("\n# a comment\n");
        }
    }
    let file = world.file("convs.txt", &text);
    let (run, json) = world.run_json(&[
        "mark",
        "--user",
        DEMO_USER,
        "--from",
        file.to_str().unwrap(),
        "--set",
        "36",
    ]);
    assert_eq!(run.code, 0, "{run}");
    assert_eq!(json["calls"], 3);
    assert_eq!(json["ok"], true);
    assert_eq!(json["succeeded"], 250);
    assert_eq!(json["failed"], 0);
    let results = json["results"].as_array().unwrap();
    assert_eq!(results.len(), 250);
    for r in results {
        assert_eq!(r["result_code"], 0, "{r}");
        assert!(bits(&r["standard_mark"]).contains(&36), "read back: {r}");
    }

    let calls = world.take_calls();
    let mut sizes: Vec<usize> = calls
        .iter()
        .filter(|c| c.path.ends_with("mark_contact"))
        .map(|c| c.body["MarkItem"].as_array().unwrap().len())
        .collect();
    sizes.sort_unstable();
    assert_eq!(sizes, vec![50, 100, 100]);
    // read back in one search call (up to 300 per call)
    let searches: Vec<usize> = calls
        .iter()
        .filter(|c| c.path.ends_with("search_contact_group"))
        .map(|c| c.body["ContactItem"].as_array().unwrap().len())
        .collect();
    assert_eq!(searches, vec![250]);
}

#[test]
fn a_bad_bit_is_refused_with_exit_2_and_nothing_is_sent() {
    let world = World::without_server();
    let run = world.run(&["mark", "--user", "alice", "--to", "bob", "--set", "0,64"]);
    assert_eq!(run.code, 2, "{run}");
    assert!(run.stderr.contains("--set"), "{run}");
    assert!(run.stderr.contains("64"), "{run}");
    assert!(run.stderr.contains("0..=63"), "{run}");
    let run = world.run(&["mark", "--user", "alice", "--to", "bob", "--clear", "one"]);
    assert_eq!(run.code, 2, "{run}");
    assert!(run.stderr.contains("\"one\""), "{run}");
    assert!(world.take_calls().is_empty());
}

#[test]
fn a_257_byte_custom_mark_is_refused_with_its_byte_count_and_nothing_is_sent() {
    let world = World::without_server();
    let text = "é".repeat(128) + "x"; // 257 bytes, 129 characters
    let run = world.run(&["mark", "--user", "alice", "--to", "bob", "--custom", &text]);
    assert_eq!(run.code, 2, "{run}");
    assert!(run.stderr.contains("257 bytes"), "{run}");
    assert!(run.stderr.contains("256"), "{run}");
    assert!(world.take_calls().is_empty());
}

#[test]
fn nothing_to_change_and_bad_ids_are_refused_before_sending() {
    let world = World::without_server();
    let run = world.run(&["mark", "--user", "alice", "--to", "bob"]);
    assert_eq!(run.code, 2, "{run}");
    assert!(run.stderr.contains("--set"), "{run}");
    let run = world.run(&["mark", "--user", "alice", "--to", "c2c_", "--set", "0"]);
    assert_eq!(run.code, 2, "{run}");
    assert!(run.stderr.contains("empty"), "{run}");
    let file = world.file("bad.txt", "bob\n# fine\n\ngroup_\ncarol\n");
    let run = world.run(&[
        "mark",
        "--user",
        "alice",
        "--from",
        file.to_str().unwrap(),
        "--set",
        "0",
    ]);
    assert_eq!(run.code, 2, "{run}");
    assert!(run.stderr.contains("bad.txt:4:"), "names the line: {run}");
    // spaces around an ID are refused, not trimmed into another conversation
    for args in [
        &["mark", "--user", "alice", "--to", " carol", "--set", "1"][..],
        &[
            "mark", "--user", "alice", "--group", "@TGS#1 ", "--set", "1",
        ],
        &["groups", "--user", "alice", "add", "Customers", " carol"],
    ] {
        let run = world.run(args);
        assert_eq!(run.code, 2, "{run}");
        assert!(run.stderr.contains("surrounding spaces"), "{run}");
    }
    assert!(world.take_calls().is_empty());
}

#[test]
fn a_failing_item_exits_1_and_shows_the_code_and_meaning() {
    let world = World::with_emulator(EmulatorConfig {
        edition: Edition::Pro,
        ..Default::default()
    });
    let meaning = codes::meaning(51013);

    // bob has bits 0 and 3: bit 1 is a change
    let run = world.run(&["mark", "--user", DEMO_USER, "--to", "bob", "--set", "1"]);
    assert_eq!(run.code, 1, "{run}");
    assert!(run.stdout.contains("51013"), "{run}");
    assert!(run.stdout.contains(meaning), "{run}");
    assert!(run.stdout.contains("c2c_bob: ResultCode 51013"), "{run}");
    assert!(run.stderr.contains("1 of 1"), "{run}");

    let (run, json) = world.run_json(&["mark", "--user", DEMO_USER, "--to", "bob", "--set", "1"]);
    assert_eq!(run.code, 1, "{run}");
    assert_eq!(json["failed"], 1);
    let item = &json["results"][0];
    assert_eq!(item["user"], DEMO_USER);
    assert_eq!(item["conversation"], "c2c_bob");
    assert_eq!(item["ok"], false);
    assert_eq!(item["result_code"], 51013);
    assert!(item["result_info"].is_string());
    assert_eq!(item["meaning"], meaning);

    // custom marks need no edition
    let run = world.run(&["mark", "--user", DEMO_USER, "--to", "bob", "--custom", "ok"]);
    assert_eq!(run.code, 0, "{run}");
}

#[test]
fn a_partial_failure_applies_the_rest_and_exits_1() {
    let world = World::demo();
    let file = world.file("mixed.txt", "bob\nno-such-user-x\ncarol\n");
    let (run, json) = world.run_json(&[
        "mark",
        "--user",
        DEMO_USER,
        "--from",
        file.to_str().unwrap(),
        "--set",
        "34",
    ]);
    assert_eq!(run.code, 1, "{run}");
    assert_eq!(json["ok"], false);
    assert_eq!(json["succeeded"], 2);
    assert_eq!(json["failed"], 1);
    let results = json["results"].as_array().unwrap();
    assert_eq!(results[0]["result_code"], 0);
    assert_eq!(results[1]["conversation"], "c2c_no-such-user-x");
    assert_eq!(results[1]["result_code"], 50001);
    assert_eq!(results[1]["meaning"], codes::meaning(50001));
    assert_eq!(results[2]["result_code"], 0);
    assert!(bits(&results[2]["standard_mark"]).contains(&34));

    // every answered item is in the audit log, with its ResultCode, and no secret
    let text = std::fs::read_to_string(world.dir.path().join("audit.jsonl")).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3, "{text}");
    let emu = world.emulator.as_ref().unwrap();
    for (line, (conv, code)) in lines.iter().zip([
        ("c2c_bob", 0),
        ("c2c_no-such-user-x", 50001),
        ("c2c_carol", 0),
    ]) {
        assert_eq!(line["conversation"], conv);
        assert_eq!(line["result_code"], code);
        assert_eq!(line["user"], DEMO_USER);
        assert_eq!(line["operator"], emu.config.admins[0].as_str());
        assert_eq!(line["sdkappid"], emu.config.sdkappid);
        assert_eq!(line["set"], serde_json::json!([34]));
        assert_eq!(line["clear"], serde_json::json!([]));
    }
    assert!(!text.contains(&emu.config.secret_key));
}

#[test]
fn a_failed_call_exits_1_with_its_description() {
    // the proxy answers 502 to everything: after the client's retries the user cannot be
    // read first, so nothing is sent
    let world = World::without_server();
    let (run, json) = world.run_json(&["mark", "--user", "alice", "--to", "bob", "--set", "0"]);
    assert_eq!(run.code, 1, "{run}");
    assert_eq!(json["results"][0]["ok"], false);
    assert_eq!(json["results"][0]["sent"], false);
    assert!(json["results"][0]["result_code"].is_null());
    assert!(
        json["results"][0]["result_info"]
            .as_str()
            .unwrap()
            .contains("HTTP 502"),
        "{json}"
    );
    assert!(json["read_back_error"].is_null());
    let calls = world.take_calls();
    assert_eq!(calls.len(), 4, "one read, retried: {calls:?}");
    assert!(
        calls.iter().all(|c| c.path.ends_with("get_contact_group")),
        "{calls:?}"
    );
}

#[test]
fn a_top_level_failure_names_the_code_once_and_exits_1() {
    let world = World::demo();
    let run = world.run(&[
        "mark",
        "--user",
        "never-imported",
        "--to",
        "bob",
        "--to",
        "carol",
        "--set",
        "0",
    ]);
    assert_eq!(run.code, 1, "{run}");
    assert!(
        run.stdout.contains(
            "2 conversation(s) not sent: the user could not be read first: ResultCode 50001"
        ),
        "{run}"
    );
    assert!(run.stdout.contains(codes::meaning(50001)), "{run}");
    let (run, json) = world.run_json(&[
        "mark",
        "--user",
        "never-imported",
        "--to",
        "bob",
        "--set",
        "0",
    ]);
    assert_eq!(run.code, 1, "{run}");
    assert_eq!(json["results"][0]["result_code"], 50001);
    assert_eq!(json["results"][0]["meaning"], codes::meaning(50001));
    assert!(json["results"][0]["standard_mark"].is_null());
}

fn bulk_file(world: &World, n: usize) -> std::path::PathBuf {
    let text: String = (0..n).map(|i| format!("group_@TGS#PROG{i:04}\n")).collect();
    world.file("bulk.txt", &text)
}

#[test]
fn progress_shows_on_stderr_only_when_it_is_a_terminal() {
    use portable_pty::{CommandBuilder, NativePtySystem, PtySize, PtySystem};
    use std::io::Read;

    let world = World::demo();
    let file = bulk_file(&world, 250);
    let args = [
        "mark",
        "--user",
        DEMO_USER,
        "--from",
        file.to_str().unwrap(),
        "--set",
        "36",
    ];

    // not a terminal: no progress, clean stderr
    let run = world.run(&args);
    assert_eq!(run.code, 0, "{run}");
    assert!(!run.stderr.contains("marking"), "{run}");
    // the terminal run clears the bit again, so it has 250 changes too
    let args = [
        "mark",
        "--user",
        DEMO_USER,
        "--from",
        file.to_str().unwrap(),
        "--clear",
        "36",
    ];

    // a terminal: a live count of conversations done, ending at 250/250
    let pair = match NativePtySystem::default().openpty(PtySize {
        rows: 24,
        cols: 120,
        pixel_width: 0,
        pixel_height: 0,
    }) {
        Ok(pair) => pair,
        Err(e) => {
            eprintln!("SKIPPED the terminal half: this machine cannot open a pseudo-terminal: {e}");
            return;
        }
    };
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_convmark"));
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("CONVMARK_") {
            cmd.env_remove(name);
        }
    }
    for (name, value) in world.env() {
        cmd.env(name, value);
    }
    cmd.args(args);
    let mut child = pair.slave.spawn_command(cmd).unwrap();
    drop(pair.slave);
    let mut reader = pair.master.try_clone_reader().unwrap();
    let collector = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let mut buf = [0u8; 4096];
        // Linux answers EIO instead of EOF once the child has gone
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            bytes.extend_from_slice(&buf[..n]);
        }
        String::from_utf8_lossy(&bytes).into_owned()
    });
    let status = child.wait().unwrap();
    drop(pair.master);
    let screen = collector.join().unwrap();
    assert!(status.success(), "{screen}");
    assert!(
        screen.contains("marking: 0/3 calls, 0/250 conversations"),
        "{screen:?}"
    );
    assert!(
        screen.contains("marking: 3/3 calls, 250/250 conversations"),
        "{screen:?}"
    );
    assert!(screen.contains("250 ok, 0 failed"), "{screen:?}");
}

#[test]
fn from_stdin_reads_conversations_from_a_pipe() {
    use std::io::Write;
    let world = World::demo();
    let mut child = world
        .command(&[
            "mark", "--user", DEMO_USER, "--from", "-", "--custom", "piped", "--json",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"# from a pipe\nbob\ngroup_@TGS#1PIPE\n")
        .unwrap();
    let run = cli_support::Run::from(child.wait_with_output().unwrap());
    assert_eq!(run.code, 0, "{run}");
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["succeeded"], 2);
    assert_eq!(json["results"][1]["conversation"], "group_@TGS#1PIPE");
    assert_eq!(json["results"][1]["custom_mark"], "piped");
}
