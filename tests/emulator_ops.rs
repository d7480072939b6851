#![allow(clippy::unwrap_used)]
//! The emulator under load and failure: concurrent writers, paging while data changes, the
//! rate limit, injected faults, TLS, the state file, and 100,000 conversations.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use convmark::api::wire::*;
use convmark::api::{ApiError, Client, RetryPolicy};
use convmark::domain::{MarkSet, OptType, Peer};
use convmark::emulator::{self, DEMO_USER, EmulatorConfig, RunningEmulator, Seed};

fn client(emu: &RunningEmulator) -> Client {
    let mut cc = emu.client_config();
    cc.retry = RetryPolicy::none();
    cc.calls_per_second = 100_000;
    Client::new(cc).unwrap()
}

fn user(id: &str) -> ContactItem {
    ContactItem(Peer::User(id.into()))
}

fn set_bit(to: &str, bit: u8) -> MarkContactRequest {
    MarkContactRequest {
        from_account: DEMO_USER.into(),
        mark_item: vec![MarkItem {
            opt_type: OptType::Standard,
            contact_item: user(to),
            set_mark: Some(vec![bit]),
            clear_mark: None,
            custom_mark: None,
        }],
    }
}

async fn mark_of(client: &Client, to: &str) -> ContactRecord {
    client
        .search_contact_group(&SearchContactGroupRequest {
            from_account: DEMO_USER.into(),
            contact_item: vec![user(to)],
        })
        .await
        .unwrap()
        .contact_result_item
        .remove(0)
}

fn quiet() -> EmulatorConfig {
    EmulatorConfig {
        rate_limit: 100_000,
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_never_lose_a_bit() {
    let emu = emulator::spawn(quiet()).await.unwrap();
    let c = client(&emu);
    // clear erin first, then 64 clients each set a different bit of the same conversation
    c.mark_contact(&MarkContactRequest {
        from_account: DEMO_USER.into(),
        mark_item: vec![MarkItem {
            opt_type: OptType::Both,
            contact_item: user("erin"),
            set_mark: None,
            clear_mark: Some((0..64).collect()),
            custom_mark: Some(String::new()),
        }],
    })
    .await
    .unwrap();
    let tasks: Vec<_> = (0..64u8)
        .map(|bit| {
            let c = client(&emu);
            tokio::spawn(async move { c.mark_contact(&set_bit("erin", bit)).await })
        })
        .collect();
    for t in tasks {
        let r = t.await.unwrap().unwrap();
        assert_eq!(r.result_item[0].result_code, 0);
    }
    assert_eq!(
        mark_of(&c, "erin").await.standard_mark.value,
        MarkSet(u64::MAX)
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn get_contact_group_pages_exactly_once_while_records_change() {
    let emu = emulator::spawn(quiet()).await.unwrap();
    let c = client(&emu);
    let mut req = GetContactGroupRequest {
        from_account: DEMO_USER.into(),
        start_index: 0,
    };
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let page = c.get_contact_group(&req).await.unwrap();
        pages += 1;
        let next = page.next_cursor();
        seen.extend(page.contact_item.into_iter().map(|r| r.contact.0));
        if page.complete_flag == 1 {
            break;
        }
        // between pages: change records already seen and not yet seen, and add new ones
        c.mark_contact(&set_bit("bob", 50)).await.unwrap();
        c.mark_contact(&set_bit(seen[0].id(), 51)).await.unwrap();
        c.mark_contact(&set_bit(&format!("user{:06}", 990 - pages * 4), 52))
            .await
            .unwrap();
        req.start_index = next;
    }
    assert!(pages >= 3, "{pages} pages");
    let unique: HashSet<_> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "a record came twice");
    let now: HashSet<Peer> = emu.with_state(|s| {
        s.user(DEMO_USER)
            .unwrap()
            .records()
            .map(|(p, _)| p.clone())
            .collect()
    });
    let missing: Vec<_> = now.iter().filter(|p| !unique.contains(p)).collect();
    // only records created after the walk passed their position may be missing
    assert!(missing.len() <= pages, "{missing:?}");
    emu.shutdown().await;
}

#[tokio::test]
async fn get_list_pages_exactly_once_while_conversations_change() {
    let emu = emulator::spawn(quiet()).await.unwrap();
    let c = client(&emu);
    let mut req = GetListRequest {
        from_account: DEMO_USER.into(),
        assist_flags: ASSIST_FLAGS_ALL,
        ..Default::default()
    };
    let mut seen = Vec::new();
    let mut page_no = 0;
    loop {
        let page = c.get_list(&req).await.unwrap();
        page_no += 1;
        seen.extend(page.session_item.iter().map(|i| i.peer.0.clone()));
        if page.complete_flag == 1 {
            break;
        }
        // a message moves an old conversation to the top; a deleted one disappears
        let old = format!("user{:06}", 998 - page_no * 4);
        c.sendmsg(&SendMsgRequest {
            sync_other_machine: None,
            from_account: Some(DEMO_USER.into()),
            to_account: old,
            msg_random: page_no as u32,
            msg_body: serde_json::json!([]),
        })
        .await
        .unwrap();
        req.time_stamp = page.time_stamp;
        req.start_index = page.start_index;
        req.top_time_stamp = page.top_time_stamp;
        req.top_start_index = page.top_start_index;
    }
    assert_eq!(page_no, 10);
    let unique: HashSet<_> = seen.iter().collect();
    assert_eq!(unique.len(), 1000);
    assert_eq!(seen.len(), 1000);
    emu.shutdown().await;
}

#[tokio::test]
async fn more_calls_than_the_rate_limit_get_60007_and_change_nothing() {
    let emu = emulator::spawn(EmulatorConfig {
        rate_limit: 3,
        ..Default::default()
    })
    .await
    .unwrap();
    let c = client(&emu);
    let before = emu.with_state(|s| s.user(DEMO_USER).unwrap().record_count());
    let mut limited = 0;
    let mut passed = 0;
    for i in 0..30 {
        match c
            .mark_contact(&set_bit(&format!("user{:06}", 998 - i * 4), 40))
            .await
        {
            Ok(_) => passed += 1,
            Err(ApiError::Server { code: 60007, info }) => {
                assert!(info.contains("3 calls"), "{info}");
                limited += 1;
            }
            Err(e) => panic!("{e:?}"),
        }
    }
    assert!(limited > 0, "no 60007 in 30 calls with a limit of 3/s");
    let after = emu.with_state(|s| s.user(DEMO_USER).unwrap().record_count());
    assert!(after - before <= passed, "a limited call changed something");
    // the next window lets calls through again
    tokio::time::sleep(Duration::from_millis(1100)).await;
    c.get_contact_group(&GetContactGroupRequest {
        from_account: DEMO_USER.into(),
        start_index: 0,
    })
    .await
    .unwrap();
    emu.shutdown().await;
}

#[tokio::test]
async fn every_kind_of_fault_and_none_changes_anything() {
    let emu = emulator::spawn(EmulatorConfig {
        fault_rate: 1.0,
        fault_seed: 11,
        rate_limit: 100_000,
        ..Default::default()
    })
    .await
    .unwrap();
    let c = client(&emu);
    let before = emu.with_state(|s| s.user(DEMO_USER).unwrap().record_count());
    let calls = (0..16).map(|i| {
        let c = c.clone();
        async move {
            c.mark_contact(&set_bit(&format!("user{:06}", 998 - i * 4), 41))
                .await
        }
    });
    let results = futures::future::join_all(calls).await;
    let mut kinds = HashSet::new();
    for r in results {
        let kind = match r {
            Ok(r) => panic!("a call went through: {r:?}"),
            Err(ApiError::Server { code, .. }) => format!("code {code}"),
            Err(ApiError::HttpStatus { status }) => format!("http {status}"),
            Err(ApiError::Network(_)) => "dropped".to_owned(),
            Err(e) => panic!("{e:?}"),
        };
        kinds.insert(kind);
    }
    for k in ["code 50004", "code 50005", "http 502", "dropped"] {
        assert!(kinds.contains(k), "{k} missing from {kinds:?}");
    }
    let after = emu.with_state(|s| s.user(DEMO_USER).unwrap().record_count());
    assert_eq!(before, after, "a faulted call changed something");
    emu.shutdown().await;
}

#[tokio::test]
async fn tls_with_the_written_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let cert = dir.path().join("emulator.pem");
    let emu = emulator::spawn(EmulatorConfig {
        tls: true,
        tls_cert_out: Some(cert.clone()),
        ..Default::default()
    })
    .await
    .unwrap();
    assert_eq!(emu.base_url.scheme(), "https");
    let written = std::fs::read(&cert).unwrap();
    assert_eq!(Some(&written), emu.ca_pem.as_ref());
    assert!(String::from_utf8_lossy(&written).contains("BEGIN CERTIFICATE"));
    let mut cc = emu.client_config();
    cc.ca_pem = Some(written);
    let r = Client::new(cc)
        .unwrap()
        .get_contact_group(&GetContactGroupRequest {
            from_account: DEMO_USER.into(),
            start_index: 0,
        })
        .await
        .unwrap();
    assert!(!r.contact_item.is_empty());
    // without the certificate the connection is refused
    let mut untrusting = emu.client_config();
    untrusting.ca_pem = None;
    untrusting.retry = RetryPolicy::none();
    let err = Client::new(untrusting)
        .unwrap()
        .get_contact_group(&GetContactGroupRequest {
            from_account: DEMO_USER.into(),
            start_index: 0,
        })
        .await
        .unwrap_err();
    // an untrusted certificate is a TLS error, and it says what to do
    assert!(matches!(err, ApiError::Tls(_)), "{err:?}");
    assert!(err.describe().contains("--ca-cert"), "{}", err.describe());
    emu.shutdown().await;
}

#[tokio::test]
async fn state_file_is_reloaded_and_a_corrupt_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let config = EmulatorConfig {
        seed: Seed::None,
        state_file: Some(path.clone()),
        ..Default::default()
    };
    let emu = emulator::spawn(config.clone()).await.unwrap();
    assert!(path.exists(), "written at start");
    let c = client(&emu);
    c.multiaccount_import(&MultiAccountImportRequest {
        accounts: vec!["p".into(), "q".into()],
    })
    .await
    .unwrap();
    c.mark_contact(&MarkContactRequest {
        from_account: "p".into(),
        mark_item: vec![MarkItem {
            opt_type: OptType::Both,
            contact_item: user("q"),
            set_mark: Some(vec![0, 63]),
            clear_mark: None,
            custom_mark: Some("保存 💾".into()),
        }],
    })
    .await
    .unwrap();
    c.create_contact_group(&CreateContactGroupRequest {
        from_account: "p".into(),
        group_contact_item: vec![GroupContactItem {
            group_name: "G".into(),
            contact_item: vec![user("q")],
        }],
    })
    .await
    .unwrap();
    emu.shutdown().await;

    // a demo seed is ignored when the file exists
    let emu = emulator::spawn(EmulatorConfig {
        seed: Seed::Demo { conversations: 10 },
        ..config.clone()
    })
    .await
    .unwrap();
    let c = client(&emu);
    let r = c
        .search_contact_group(&SearchContactGroupRequest {
            from_account: "p".into(),
            contact_item: vec![user("q")],
        })
        .await
        .unwrap();
    let q = &r.contact_result_item[0];
    assert_eq!(q.standard_mark.value, MarkSet(1 | 1 << 63));
    assert_eq!(q.custom_mark.as_deref(), Some("保存 💾"));
    assert_eq!(r.group_item[0].group_name, "G");
    assert_eq!(q.contact_group_id, Some(vec![r.group_item[0].group_id]));
    let err = c
        .get_list(&GetListRequest {
            from_account: DEMO_USER.into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(50001), "the seed did not run");
    emu.shutdown().await;

    std::fs::write(&path, b"{\"version\":1,\"accounts\":[").unwrap();
    let err = emulator::spawn(config).await.err().unwrap().to_string();
    assert!(err.contains("state.json"), "{err}");
    assert!(err.contains("unreadable"), "{err}");
    assert_eq!(
        std::fs::read(&path).unwrap(),
        b"{\"version\":1,\"accounts\":[",
        "never replaced"
    );
}

#[tokio::test]
async fn state_is_written_after_mutations_before_shutdown() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.json");
    let emu = emulator::spawn(EmulatorConfig {
        seed: Seed::None,
        state_file: Some(path.clone()),
        ..Default::default()
    })
    .await
    .unwrap();
    client(&emu)
        .account_import(&AccountImportRequest {
            user_id: "written-soon".into(),
            nick: None,
            face_url: None,
        })
        .await
        .unwrap();
    let mut found = false;
    for _ in 0..100 {
        if String::from_utf8_lossy(&std::fs::read(&path).unwrap()).contains("written-soon") {
            found = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(found, "the state file was not written after the change");
    emu.shutdown().await;
}

#[tokio::test]
async fn non_loopback_addresses_are_refused() {
    let err = emulator::spawn(EmulatorConfig {
        addr: "0.0.0.0:0".parse().unwrap(),
        ..Default::default()
    })
    .await
    .err()
    .unwrap()
    .to_string();
    assert!(err.contains("--allow-remote"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_thousand_conversations_page_exactly_once() {
    let started = Instant::now();
    let emu = emulator::spawn(EmulatorConfig {
        seed: Seed::Demo {
            conversations: 100_000,
        },
        rate_limit: 1_000_000,
        ..Default::default()
    })
    .await
    .unwrap();
    let seeded = started.elapsed();
    let c = client(&emu);
    let mut req = GetListRequest {
        from_account: DEMO_USER.into(),
        assist_flags: ASSIST_FLAGS_ALL,
        ..Default::default()
    };
    let mut seen = HashSet::new();
    let mut pages = 0;
    let walk = Instant::now();
    let mut first = Duration::ZERO;
    loop {
        let t = Instant::now();
        let page = c.get_list(&req).await.unwrap();
        if pages == 0 {
            first = t.elapsed();
        }
        pages += 1;
        for i in &page.session_item {
            assert!(seen.insert(i.peer.0.clone()), "twice: {:?}", i.peer);
        }
        if page.complete_flag == 1 {
            break;
        }
        req.time_stamp = page.time_stamp;
        req.start_index = page.start_index;
        req.top_time_stamp = page.top_time_stamp;
        req.top_start_index = page.top_start_index;
    }
    assert_eq!(seen.len(), 100_000);
    println!(
        "100,000 conversations: seed+spawn {seeded:?}, first page {first:?}, {pages} pages in {:?} ({:?}/page)",
        walk.elapsed(),
        walk.elapsed() / pages
    );
    emu.shutdown().await;
}
