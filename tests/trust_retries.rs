//! Safe retries, against the emulator's hardest fault: the change is applied, then the
//! answer is lost (`applied-drop`: the connection dropped mid-answer; `applied-timeout`:
//! silence past the client's timeout). mark_contact is retried and applied once; create,
//! rename and delete are never sent twice, and the groups are re-read so that the outcome is
//! what the server holds; add and remove are retried, and re-read when every try was lost.
//! Through `convmark` as a process and through the TUI (the real loop, and the real binary in
//! a pty for the log and the message log). A recording proxy in front of the emulator counts
//! the calls.
#![allow(clippy::unwrap_used)]

mod trust_support;

use std::path::Path;
use std::time::Duration;

use convmark::api::Client;
use convmark::app::Session;
use convmark::domain::Peer;
use convmark::emulator::{self, EmulatorConfig, Endpoint, Fault, RunningEmulator};
use crossterm::event::KeyCode;
use trust_support::tui::Harness;
use trust_support::*;

const FAULTS: [Fault; 2] = [Fault::AppliedDrop, Fault::AppliedTimeout];

/// The emulator with a short fault delay, and a recording proxy in front of it.
async fn world() -> (RunningEmulator, Hostile) {
    let emu = emulator::spawn(EmulatorConfig {
        fault_delay: Duration::from_millis(1500),
        ..emulator_config()
    })
    .await
    .unwrap();
    let proxy = Hostile::spawn(Some(&emu)).await;
    (emu, proxy)
}

/// The variables of a run through the proxy: a timeout well under the fault delay.
fn vars(proxy: &Hostile) -> Vec<(String, String)> {
    let mut v = env(&proxy.url, Cred::SecretKey, "", Path::new("/x"));
    v.push(("CONVMARK_TIMEOUT".into(), "0.5".into()));
    v
}

async fn cli(proxy: &Hostile, args: &[&str]) -> Run {
    let vars = vars(proxy);
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let run = tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run_cli(&args.join(" "), &vars, &args)
    })
    .await
    .unwrap();
    // TRUST_SHOW=1 prints every run
    if std::env::var_os("TRUST_SHOW").is_some() {
        println!("{run}\n");
    }
    run
}

fn calls(proxy: &Hostile, endpoint: &str) -> usize {
    proxy
        .seen()
        .iter()
        .filter(|s| s.path.ends_with(endpoint))
        .count()
}

/// alice's groups in the emulator: (id, name).
fn groups(emu: &RunningEmulator) -> Vec<(u64, String)> {
    emu.with_state(|s| {
        s.user("alice")
            .unwrap()
            .groups
            .iter()
            .map(|g| (g.id, g.name.clone()))
            .collect()
    })
}

fn member(emu: &RunningEmulator, peer: &Peer, group: u64) -> bool {
    emu.with_state(|s| {
        s.user("alice")
            .unwrap()
            .record(peer)
            .is_some_and(|r| r.groups.contains(&group))
    })
}

fn audit_lines(run: &Run) -> Vec<serde_json::Value> {
    run.files
        .iter()
        .filter(|(p, _)| p.ends_with("audit.jsonl"))
        .flat_map(|(_, t)| t.lines().map(|l| serde_json::from_str(l).unwrap()))
        .collect()
}

fn lost_text(fault: Fault) -> &'static str {
    match fault {
        Fault::AppliedTimeout => "the answer was lost (the request timed out",
        _ => "the answer was lost (network error",
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mark_contact_is_retried_after_a_lost_answer_and_applied_once() {
    let (emu, proxy) = world().await;
    let bob = Peer::User("bob".into());
    for (n, fault) in FAULTS.into_iter().enumerate() {
        for json in [false, true] {
            // bit 40 off, so that every run sets it
            emu.with_state(|s| {
                let _ = s
                    .user_mut("alice")
                    .update_record(&bob, 1, |r| r.mark &= !(1 << 40));
            });
            let before = calls(&proxy, "mark_contact");
            emu.inject_fault(Endpoint::MarkContact, fault);
            let custom = format!("retried {n} {json}");
            let mut args = vec![
                "mark", "--user", "alice", "--to", "bob", "--set", "40", "--custom", &custom,
            ];
            if json {
                args.push("--json");
            }
            let run = cli(&proxy, &args).await;
            assert_eq!(run.code, 0, "{fault}: {run}");
            if json {
                let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
                assert_eq!(v["ok"], true, "{run}");
                assert_eq!(v["results"][0]["result_code"], 0, "{run}");
            } else {
                assert!(
                    run.stdout.contains("ok (ResultCode 0)") || run.stdout.contains("1 ok"),
                    "{run}"
                );
            }
            // sent twice (the first answer was lost), and the state is the change, once
            assert_eq!(calls(&proxy, "mark_contact") - before, 2, "{fault}: {run}");
            let (mark, held) = emu.with_state(|s| {
                let r = s.user("alice").unwrap().record(&bob).unwrap();
                (r.mark, r.custom.clone())
            });
            assert!(mark & (1 << 40) != 0, "{fault}");
            assert_eq!(held, custom);
            // one audit line, with the answer the retry got
            let lines = audit_lines(&run);
            assert_eq!(lines.len(), 1, "{run}");
            let line = &lines[0];
            assert_eq!(line["conversation"], "c2c_bob");
            assert_eq!(line["result_code"], 0);
            assert_eq!(line["set"], serde_json::json!([40]));
            assert_eq!(line["custom_mark"], custom.as_str());
            assert!(
                line["after"]["bits"]
                    .as_array()
                    .unwrap()
                    .contains(&serde_json::json!(40)),
                "{line}"
            );
        }
    }
    emu.shutdown().await;
}

/// One group operation through `convmark groups`, with `fault` on its first call; the
/// outcome as the output reports it is checked by `check`.
struct GroupCase {
    args: Vec<String>,
    endpoint: Endpoint,
    path: &'static str,
    /// Calls the operation makes to its endpoint: 1 (not retried) or 2 (retried).
    calls: usize,
    /// The output says what the re-read showed (the operation was not retried).
    reread: Option<String>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_group_operation_after_a_lost_answer_reports_what_the_server_holds() {
    let (emu, proxy) = world().await;
    let carol = Peer::User("carol".into());
    for (n, fault) in FAULTS.into_iter().enumerate() {
        let json = n == 1;
        let name = format!("Lost {n}");
        let renamed = format!("Found {n}");
        let before = groups(&emu);
        let case = |args: &[&str], endpoint, path, calls, reread: Option<String>| GroupCase {
            args: args.iter().map(|s| s.to_string()).collect(),
            endpoint,
            path,
            calls,
            reread,
        };
        let cases = [
            case(
                &["create", &name, "c2c_carol"],
                Endpoint::CreateContactGroup,
                "create_contact_group",
                1,
                Some(format!("the re-read shows group {name:?} (id ")),
            ),
            case(
                &["add", &name, "c2c_bob"],
                Endpoint::UpdateContactGroup,
                "update_contact_group",
                2,
                None,
            ),
            case(
                &["rename", &name, &renamed],
                Endpoint::UpdateContactGroup,
                "update_contact_group",
                1,
                Some(format!(
                    "the re-read shows {renamed:?} and no {name:?}: it was renamed"
                )),
            ),
            case(
                &["remove", &renamed, "c2c_carol"],
                Endpoint::UpdateContactGroup,
                "update_contact_group",
                2,
                None,
            ),
            case(
                &["delete", &renamed],
                Endpoint::DelContactGroup,
                "del_contact_group",
                1,
                Some(format!(
                    "the re-read shows no group {renamed:?}: it was deleted"
                )),
            ),
        ];
        let mut id = 0;
        for c in cases {
            let sent = calls(&proxy, c.path);
            emu.inject_fault(c.endpoint, fault);
            let mut args = vec!["groups", "--user", "alice"];
            args.extend(c.args.iter().map(String::as_str));
            if json {
                args.push("--json");
            }
            let run = cli(&proxy, &args).await;
            let what = format!("{fault} {}", c.args.join(" "));
            assert_eq!(run.code, 0, "{what}: {run}");
            assert_eq!(calls(&proxy, c.path) - sent, c.calls, "{what}: {run}");
            if let Some(reread) = &c.reread {
                let text = if json {
                    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
                    assert_eq!(v["ok"], true, "{run}");
                    assert_eq!(v["error"], serde_json::Value::Null, "{run}");
                    v["recovered"].as_str().unwrap_or_default().to_owned()
                } else {
                    run.stdout.clone()
                };
                assert!(text.contains(lost_text(fault)), "{what}: {run}");
                assert!(text.contains(reread.as_str()), "{what}: {run}");
                // what to do follows from the re-read, not from the lost answer
                assert!(!text.contains("retry later"), "{what}: {run}");
                assert!(!text.contains("check the endpoint"), "{what}: {run}");
                assert!(!run.stdout.contains("50002"), "{what}: {run}");
            }
            // the outcome is what the server holds
            let now = groups(&emu);
            match c.args[0].as_str() {
                "create" => {
                    let made: Vec<_> = now.iter().filter(|(_, n)| *n == name).collect();
                    assert_eq!(made.len(), 1, "created once: {now:?}");
                    id = made[0].0;
                    assert_eq!(now.len(), before.len() + 1);
                    assert!(member(&emu, &carol, id), "its initial conversation");
                    let shown = if json {
                        let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
                        assert_eq!(v["group"]["id"], id, "{run}");
                        assert_eq!(v["results"][0]["ok"], true, "{run}");
                        format!("(id {id})")
                    } else {
                        format!("alice: created group \"{name}\" (id {id})")
                    };
                    assert!(run.stdout.contains(&shown), "{what}: {run}");
                }
                "add" => assert!(member(&emu, &Peer::User("bob".into()), id)),
                "rename" => {
                    assert!(now.contains(&(id, renamed.clone())), "{now:?}");
                    assert!(!now.iter().any(|(_, n)| *n == name), "{now:?}");
                }
                "remove" => assert!(!member(&emu, &carol, id)),
                "delete" => assert_eq!(now, before, "deleted"),
                _ => unreachable!(),
            }
            // the audit log has what was applied, once
            let lines = audit_lines(&run);
            assert!(!lines.is_empty(), "{what}: {run}");
            for line in &lines {
                assert_eq!(line["op"], c.args[0].as_str(), "{line}");
                assert_eq!(line["result_code"], 0, "{line}");
            }
        }
    }
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_add_whose_every_answer_is_lost_is_settled_by_a_re_read() {
    let (emu, proxy) = world().await;
    // every try of the add is applied and its answer lost: the retries run out
    for _ in 0..4 {
        emu.inject_fault(Endpoint::UpdateContactGroup, Fault::AppliedDrop);
    }
    let run = cli(
        &proxy,
        &["groups", "--user", "alice", "add", "Customers", "c2c_heidi"],
    )
    .await;
    assert_eq!(calls(&proxy, "update_contact_group"), 4, "{run}");
    assert_eq!(run.code, 0, "{run}");
    assert!(
        run.stdout
            .contains("the re-read shows each conversation's membership of \"Customers\""),
        "{run}"
    );
    assert!(run.stdout.contains("ok (ResultCode 0)"), "{run}");
    let id = groups(&emu)
        .into_iter()
        .find(|(_, n)| n == "Customers")
        .unwrap()
        .0;
    assert!(member(&emu, &Peer::User("heidi".into()), id));
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mark_whose_every_answer_is_lost_is_settled_by_a_re_read() {
    let (emu, proxy) = world().await;
    let bob = Peer::User("bob".into());
    let bits = |emu: &RunningEmulator| {
        emu.with_state(|s| s.user("alice").unwrap().record(&bob).map_or(0, |r| r.mark))
    };
    // every try is applied and its answer lost: the re-read shows the change, so it is
    // reported as applied, and audited (so that undo can revert it)
    assert_eq!(bits(&emu) & (1 << 41), 0);
    for _ in 0..4 {
        emu.inject_fault(Endpoint::MarkContact, Fault::AppliedDrop);
    }
    let run = cli(
        &proxy,
        &[
            "mark", "--user", "alice", "--to", "bob", "--set", "41", "--json",
        ],
    )
    .await;
    assert_eq!(calls(&proxy, "mark_contact"), 4, "{run}");
    assert_eq!(run.code, 0, "{run}");
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v["ok"], true, "{run}");
    assert_eq!(
        v["results"][0]["result_info"],
        convmark::service::commit::APPLIED_ANSWER_LOST,
        "{run}"
    );
    assert_ne!(bits(&emu) & (1 << 41), 0);
    let lines = audit_lines(&run);
    assert_eq!(lines.len(), 1, "{run}");
    assert_eq!(lines[0]["set"], serde_json::json!([41]));

    // every try times out and none is applied: the re-read shows it unchanged, and only
    // then does the output say "not changed"
    for _ in 0..4 {
        emu.inject_fault(Endpoint::MarkContact, Fault::Slow);
    }
    let run = cli(
        &proxy,
        &["mark", "--user", "alice", "--to", "bob", "--set", "42"],
    )
    .await;
    assert_eq!(run.code, 1, "{run}");
    assert!(
        run.stdout
            .contains("1 conversation(s) not changed, the call failed: the request timed out"),
        "{run}"
    );
    assert_eq!(bits(&emu) & (1 << 42), 0);
    assert!(audit_lines(&run).is_empty(), "{run}");
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_create_that_timed_out_unapplied_is_reported_as_not_created() {
    let (emu, proxy) = world().await;
    let before = groups(&emu);
    // silence past the timeout, and nothing applied
    emu.inject_fault(Endpoint::CreateContactGroup, Fault::Slow);
    for json in [false, true] {
        let mut args = vec!["groups", "--user", "alice", "create", "Never", "c2c_bob"];
        if json {
            args.push("--json");
        }
        if json {
            emu.inject_fault(Endpoint::CreateContactGroup, Fault::Slow);
        }
        let run = cli(&proxy, &args).await;
        assert_eq!(run.code, 1, "{run}");
        assert!(
            run.stdout
                .contains("the re-read shows no group \\\"Never\\\": it was not created")
                || run
                    .stdout
                    .contains("the re-read shows no group \"Never\": it was not created"),
            "{run}"
        );
        assert!(
            run.stderr
                .contains("groups create failed: the request timed out"),
            "{run}"
        );
        assert_eq!(groups(&emu), before);
    }
    assert_eq!(
        calls(&proxy, "create_contact_group"),
        2,
        "one call a run, not retried"
    );
    emu.shutdown().await;
}

// ---------------------------------------------------------------------------------------
// the TUI

fn session(proxy: &Hostile, dir: &Path) -> Session {
    Session {
        sdkappid: SDKAPPID,
        endpoint: proxy.url.clone(),
        data_dir: Some(dir.to_path_buf()),
        ..Default::default()
    }
}

fn client(proxy: &Hostile) -> Client {
    let mut config = convmark::api::ClientConfig::new(
        SDKAPPID,
        ADMIN,
        convmark::api::client::base_url(&proxy.url).unwrap(),
        convmark::api::Auth::SecretKey(SECRET_KEY.into()),
    );
    config.timeout = Duration::from_millis(500);
    Client::new(config).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_groups_popup_after_lost_answers_shows_what_the_server_holds() {
    let (emu, proxy) = world().await;
    let dir = tempfile::tempdir().unwrap();
    let c = client(&proxy);
    let mut h = Harness::open(&c, session(&proxy, dir.path()), "alice");
    h.wait_for("alice loaded", |s| s.contains("Loaded")).await;
    h.ch('o');
    h.wait_for("the popup", |s| s.contains("Groups of alice"))
        .await;
    for (n, fault) in FAULTS.into_iter().enumerate() {
        let name = format!("Popup {n}");
        let renamed = format!("Moved {n}");
        let before = groups(&emu);

        // n: create, the answer lost: created, with its id, not 50002
        emu.inject_fault(Endpoint::CreateContactGroup, fault);
        h.ch('n');
        h.type_text(&name);
        h.key(KeyCode::Enter);
        let status = h
            .wait_for("created", |s| {
                s.contains(&format!("Created group {name:?}"))
            })
            .await;
        let (id, _) = groups(&emu).into_iter().find(|(_, g)| *g == name).unwrap();
        assert!(status.contains(&format!("(id {id})")), "{status}");
        assert!(status.contains(lost_text(fault)), "{status}");
        assert!(
            status.contains(&format!(
                "the re-read shows group {name:?} (id {id}): it was created"
            )),
            "{status}"
        );
        assert_eq!(groups(&emu).len(), before.len() + 1);
        assert_eq!(
            calls(&proxy, "create_contact_group"),
            n + 1,
            "never sent twice"
        );

        // Space: add the selected conversation, the answer lost: retried, added once
        emu.inject_fault(Endpoint::UpdateContactGroup, fault);
        h.ch(' ');
        let status = h
            .wait_for("added", |s| s.starts_with("Added ") && s.contains(&name))
            .await;
        assert!(status.contains("ResultCode 0"), "{status}");
        let retried = h.messages();
        assert!(
            retried
                .iter()
                .any(|m| m.starts_with("Retrying update_contact_group (attempt 2 of 4)")),
            "the message log tells the retry: {retried:?}"
        );

        // R: rename, the answer lost: renamed
        emu.inject_fault(Endpoint::UpdateContactGroup, fault);
        h.ch('R');
        h.send(KeyCode::Char('u'), crossterm::event::KeyModifiers::CONTROL);
        h.type_text(&renamed);
        h.key(KeyCode::Enter);
        let status = h
            .wait_for("renamed", |s| s.starts_with(&format!("Renamed {name:?}")))
            .await;
        assert!(
            status.contains(&format!(
                "the re-read shows {renamed:?} and no {name:?}: it was renamed"
            )),
            "{status}"
        );
        assert!(groups(&emu).contains(&(id, renamed.clone())));

        // Enter: remove it again, the answer lost: retried, removed
        emu.inject_fault(Endpoint::UpdateContactGroup, fault);
        h.key(KeyCode::Enter);
        let status = h.wait_for("removed", |s| s.starts_with("Removed ")).await;
        assert!(status.contains("ResultCode 0"), "{status}");

        // D, y: delete, the answer lost: deleted
        emu.inject_fault(Endpoint::DelContactGroup, fault);
        h.ch('D');
        h.wait_for("the question", |s| {
            s.contains(&format!("Delete group {renamed:?}"))
        })
        .await;
        h.ch('y');
        let status = h
            .wait_for("deleted", |s| {
                s.starts_with(&format!("Deleted group {renamed:?}"))
            })
            .await;
        assert!(
            status.contains(&format!(
                "the re-read shows no group {renamed:?}: it was deleted"
            )),
            "{status}"
        );
        assert_eq!(groups(&emu), before);
    }
    assert_eq!(calls(&proxy, "del_contact_group"), 2, "never sent twice");
    let app = h.quit().await;
    assert!(!app.busy());
    emu.shutdown().await;
}

/// The real binary in a pty, its commit's answer lost once: retried, committed, and both the
/// log and the message log say that a call is being retried, why and the attempt.
#[test]
fn the_tui_logs_and_shows_a_retry() {
    let rt = runtime();
    let (emu, proxy) = rt.block_on(world());
    emu.inject_fault(Endpoint::MarkContact, Fault::AppliedDrop);
    let mut pty = Pty::spawn(
        &env(&proxy.url, Cred::SecretKey, "", Path::new("/x")),
        &["tui", "--user", "alice"],
    );
    pty.wait_for("alice loaded", |s| s.contains("Loaded"));
    pty.keys(b" ");
    pty.wait_for("staged", |s| s.contains("Staged"));
    pty.keys(b"c");
    pty.wait_for("committed", |s| s.contains("Committed 1 conversation"));
    pty.keys(b"m");
    let screen = pty.wait_for("the message log", |s| s.contains("Retrying mark_contact"));
    assert!(
        screen.contains("Retrying mark_contact (attempt 2 of 4) in"),
        "{screen}"
    );
    assert!(screen.contains("network error"), "why: {screen}");
    pty.keys(b"\x03");
    assert!(pty.wait_exit().success());
    let log = pty.log().expect("the TUI writes convmark.log");
    let line = log
        .lines()
        .find(|l| l.contains("retrying"))
        .unwrap_or_else(|| panic!("no retry line in the log:\n{log}"));
    println!("{line}\n{screen}");
    for part in [
        "path=\"v4/recentcontact/mark_contact\"",
        "attempt=2",
        "of=4",
        "reason=network error",
    ] {
        assert!(
            line.contains(part) || line.replace('"', "").contains(&part.replace('"', "")),
            "{part} in {line}"
        );
    }
    assert_eq!(calls(&proxy, "mark_contact"), 2);
    rt.block_on(emu.shutdown());
}
