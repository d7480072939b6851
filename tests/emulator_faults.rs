#![allow(clippy::unwrap_used)]
//! The hardest real fault: the change is applied and then the answer is lost. For every
//! mutating endpoint and both `applied-*` kinds, over a real socket: the state holds the
//! change exactly once, the state file is written, and the client got no complete answer.
//! Then the scripted faults themselves: which call gets which, in order.

mod emulator_support;

use std::time::Duration;

use convmark::api::paths;
use convmark::domain::{MarkSet, Peer};
use convmark::emulator::store::State;
use convmark::emulator::{
    self, DEMO_USER, EmulatorConfig, Endpoint, Fault, FaultTarget, RunningEmulator, Seed,
};
use emulator_support::{envelope, exchange, parse, post};
use serde_json::json;

/// What one mutating call does, and how to see in the state that it happened once.
struct Case {
    endpoint: Endpoint,
    body: serde_json::Value,
    /// Checks the state after the call against the state before (as numbers it counts).
    applied_once: fn(&Counts, &State),
}

/// What the state held before the call.
#[derive(Debug)]
struct Counts {
    accounts: usize,
    records: usize,
    next_seq: u64,
    groups: usize,
    next_group_id: u64,
}

fn counts(s: &State) -> Counts {
    let alice = s.user(DEMO_USER).unwrap();
    Counts {
        accounts: s.accounts.len(),
        records: alice.record_count(),
        next_seq: alice.next_seq,
        groups: alice.groups.len(),
        next_group_id: alice.next_group_id,
    }
}

fn group_id(s: &State, name: &str) -> Option<u64> {
    let ids: Vec<u64> = s
        .user(DEMO_USER)
        .unwrap()
        .groups
        .iter()
        .filter(|g| g.name == name)
        .map(|g| g.id)
        .collect();
    assert!(ids.len() <= 1, "two groups named {name}");
    ids.first().copied()
}

fn c2c(id: &str) -> serde_json::Value {
    json!({"Type": 1, "To_Account": id})
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            endpoint: Endpoint::MarkContact,
            body: json!({"From_Account": DEMO_USER, "MarkItem": [
                {"OptType": 3, "ContactItem": {"Type": 2, "ToGroupId": "@TGS#applied"},
                 "SetMark": [40], "CustomMark": "once"}]}),
            applied_once: |before, s| {
                let alice = s.user(DEMO_USER).unwrap();
                let r = alice.record(&Peer::Group("@TGS#applied".into())).unwrap();
                assert_eq!(MarkSet(r.mark), MarkSet(1 << 40));
                assert_eq!(r.custom, "once");
                assert_eq!(r.seq, before.next_seq, "one new record");
                assert_eq!(alice.next_seq, before.next_seq + 1);
                assert_eq!(alice.record_count(), before.records + 1);
            },
        },
        Case {
            endpoint: Endpoint::CreateContactGroup,
            body: json!({"From_Account": DEMO_USER, "GroupContactItem": [
                {"GroupName": "Applied", "ContactItem": [c2c("bob")]}]}),
            applied_once: |before, s| {
                let id = group_id(s, "Applied").expect("the group exists");
                assert_eq!(id, before.next_group_id);
                let alice = s.user(DEMO_USER).unwrap();
                assert_eq!(alice.groups.len(), before.groups + 1);
                assert_eq!(alice.next_group_id, before.next_group_id + 1);
                let bob = alice.record(&Peer::User("bob".into())).unwrap();
                assert!(bob.groups.contains(&id));
            },
        },
        Case {
            endpoint: Endpoint::UpdateContactGroup,
            body: json!({"From_Account": DEMO_USER, "UpdateType": 1, "UpdateGroup": {
                "UpdateGroupType": 1, "OldGroupName": "Suppliers", "NewGroupName": "Vendors"}}),
            applied_once: |before, s| {
                assert_eq!(group_id(s, "Suppliers"), None);
                assert_eq!(group_id(s, "Vendors"), Some(2), "same group, new name");
                let alice = s.user(DEMO_USER).unwrap();
                assert_eq!(alice.groups.len(), before.groups);
                assert_eq!(alice.next_group_id, before.next_group_id);
            },
        },
        Case {
            endpoint: Endpoint::DelContactGroup,
            body: json!({"From_Account": DEMO_USER, "GroupName": ["Customers"]}),
            applied_once: |before, s| {
                assert_eq!(group_id(s, "Customers"), None);
                let alice = s.user(DEMO_USER).unwrap();
                assert_eq!(alice.groups.len(), before.groups - 1);
                assert!(alice.records().all(|(_, r)| !r.groups.contains(&1)));
            },
        },
        Case {
            endpoint: Endpoint::Delete,
            body: json!({"From_Account": DEMO_USER, "Type": 1, "To_Account": "bob"}),
            applied_once: |before, s| {
                let alice = s.user(DEMO_USER).unwrap();
                let bob = Peer::User("bob".into());
                assert!(!alice.conversations.contains_key(&bob));
                assert!(alice.record(&bob).is_some(), "marks stay");
                assert_eq!(alice.record_count(), before.records);
            },
        },
        Case {
            endpoint: Endpoint::AccountImport,
            body: json!({"UserID": "applied-user"}),
            applied_once: |before, s| {
                assert!(s.accounts.contains("applied-user"));
                assert_eq!(s.accounts.len(), before.accounts + 1);
            },
        },
        Case {
            endpoint: Endpoint::MultiAccountImport,
            body: json!({"Accounts": ["applied-a", "applied-b"]}),
            applied_once: |before, s| {
                assert!(s.accounts.contains("applied-a") && s.accounts.contains("applied-b"));
                assert_eq!(s.accounts.len(), before.accounts + 2);
            },
        },
        Case {
            endpoint: Endpoint::SendMsg,
            body: json!({"SyncOtherMachine": 2, "From_Account": "oscar", "To_Account": "zoe",
                         "MsgRandom": 7, "MsgBody": []}),
            applied_once: |_, s| {
                let oscar = s.user("oscar").unwrap();
                let zoe = s.user("zoe").unwrap();
                assert_eq!(oscar.conversations.len(), 1);
                assert!(oscar.conversations.contains_key(&Peer::User("zoe".into())));
                assert_eq!(zoe.conversations.len(), 1);
                assert!(zoe.conversations.contains_key(&Peer::User("oscar".into())));
            },
        },
    ]
}

async fn start(dir: &std::path::Path) -> RunningEmulator {
    emulator::spawn(EmulatorConfig {
        seed: Seed::Demo { conversations: 50 },
        state_file: Some(dir.join("state.json")),
        fault_delay: Duration::from_millis(100),
        ..Default::default()
    })
    .await
    .unwrap()
}

/// Waits until the state file differs from `before`: the change was persisted on its own,
/// not only at shutdown.
async fn written(path: &std::path::Path, before: &[u8]) {
    for _ in 0..200 {
        if std::fs::read(path).unwrap() != before {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the state file was not written after the applied call");
}

#[tokio::test]
async fn applied_faults_apply_exactly_once_and_lose_the_answer_on_every_mutating_endpoint() {
    let mut seen = Vec::new();
    for fault in [Fault::AppliedDrop, Fault::AppliedTimeout] {
        for case in cases() {
            let dir = tempfile::tempdir().unwrap();
            let emu = start(dir.path()).await;
            let state_path = dir.path().join("state.json");
            let file_before = std::fs::read(&state_path).unwrap();
            let before = emu.with_state(|s| counts(s));
            emu.inject_fault(case.endpoint, fault);

            let raw = exchange(
                emu.addr,
                &post(case.endpoint.path(), case.body.to_string().as_bytes()),
            )
            .await;
            let what = format!("{fault} on {}", case.endpoint);
            match fault {
                Fault::AppliedTimeout => {
                    assert!(raw.is_empty(), "{what}: the client got {raw:?}")
                }
                _ => {
                    let answer = parse(&raw).unwrap_or_else(|| panic!("{what}: {raw:?}"));
                    assert_eq!(answer.status, 200, "{what}");
                    assert!(!answer.complete, "{what}: the answer was complete");
                    assert!(
                        serde_json::from_slice::<serde_json::Value>(&answer.body).is_err(),
                        "{what}: the cut body is not JSON"
                    );
                }
            }
            assert_eq!(emu.scripted_faults_left(), 0, "{what}: the fault was used");
            emu.with_state(|s| (case.applied_once)(&before, s));
            written(&state_path, &file_before).await;

            // the same call once more (as a blind retry would send it) answers normally
            let again = envelope(
                &exchange(
                    emu.addr,
                    &post(case.endpoint.path(), case.body.to_string().as_bytes()),
                )
                .await,
            );
            seen.push(format!("{what}: retry answers {}", again["ErrorCode"]));
            emu.shutdown().await;
        }
    }
    assert_eq!(seen.len(), 16);
    println!("{}", seen.join("\n"));
}

#[tokio::test]
async fn faults_that_change_nothing_leave_the_state_alone() {
    let dir = tempfile::tempdir().unwrap();
    let emu = start(dir.path()).await;
    let body = json!({"From_Account": DEMO_USER, "GroupContactItem": [
        {"GroupName": "Never", "ContactItem": []}]})
    .to_string();
    for fault in [
        Fault::Internal,
        Fault::Timeout,
        Fault::BadGateway,
        Fault::Drop,
        Fault::Slow,
    ] {
        emu.inject_fault(Endpoint::CreateContactGroup, fault);
        let raw = exchange(
            emu.addr,
            &post(paths::CREATE_CONTACT_GROUP, body.as_bytes()),
        )
        .await;
        let answer = parse(&raw).unwrap();
        match fault {
            Fault::Internal => assert_eq!(envelope(&raw)["ErrorCode"], 50004),
            Fault::Timeout | Fault::Slow => assert_eq!(envelope(&raw)["ErrorCode"], 50005),
            Fault::BadGateway => assert_eq!(answer.status, 502),
            _ => assert!(!answer.complete, "{answer:?}"),
        }
        assert_eq!(emu.with_state(|s| group_id(s, "Never")), None, "{fault}");
    }
    emu.shutdown().await;
}

#[tokio::test]
async fn scripted_faults_go_to_the_first_matching_call_that_passes_auth() {
    let emu = emulator::spawn(EmulatorConfig {
        seed: Seed::Demo { conversations: 10 },
        scripted_faults: ["mark_contact=internal", "*=timeout"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect(),
        ..Default::default()
    })
    .await
    .unwrap();
    emu.inject_fault(FaultTarget::Any, Fault::BadGateway);
    let list = json!({"From_Account": DEMO_USER}).to_string();
    let mark = json!({"From_Account": DEMO_USER, "MarkItem": [
        {"OptType": 1, "ContactItem": {"Type": 1, "To_Account": "bob"}, "SetMark": [5]}]})
    .to_string();

    // refused before the faults: a bad UserSig, an unknown path
    let bad_sig = format!(
        "POST /{}?sdkappid=1400000000&identifier=administrator&usersig=x HTTP/1.1\r\nHost: h\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{list}",
        paths::GET_LIST,
        list.len()
    );
    assert_eq!(
        envelope(&exchange(emu.addr, bad_sig.as_bytes()).await)["ErrorCode"],
        70003
    );
    assert_eq!(
        envelope(&exchange(emu.addr, &post("v4/recentcontact/nope", list.as_bytes())).await)["ErrorCode"],
        60009
    );
    assert_eq!(emu.scripted_faults_left(), 3, "no fault was used");

    // get_list: the first fault that matches it is "*=timeout"
    let code = |raw: Vec<u8>| envelope(&raw)["ErrorCode"].as_i64().unwrap();
    assert_eq!(
        code(exchange(emu.addr, &post(paths::GET_LIST, list.as_bytes())).await),
        50005
    );
    assert_eq!(
        code(exchange(emu.addr, &post(paths::MARK_CONTACT, mark.as_bytes())).await),
        50004
    );
    let raw = exchange(emu.addr, &post(paths::MARK_CONTACT, mark.as_bytes())).await;
    assert_eq!(
        parse(&raw).unwrap().status,
        502,
        "the injected one comes last"
    );
    assert_eq!(emu.scripted_faults_left(), 0);
    let bob_mark = |emu: &RunningEmulator| {
        emu.with_state(|s| {
            s.user(DEMO_USER)
                .unwrap()
                .record(&Peer::User("bob".into()))
                .map(|r| r.mark)
        })
    };
    assert_eq!(
        bob_mark(&emu).unwrap_or(0) & (1 << 5),
        0,
        "faulted calls changed nothing"
    );
    assert_eq!(
        code(exchange(emu.addr, &post(paths::MARK_CONTACT, mark.as_bytes())).await),
        0
    );
    assert_ne!(bob_mark(&emu).unwrap() & (1 << 5), 0);
    emu.shutdown().await;
}
