//! Requests with identity, through the real loop (`runtime::run` on a TestBackend) against
//! the emulator behind a proxy that can slow one endpoint or one user down: a reload while a
//! group change is in flight leaves no request behind; Esc during a bulk commit cancels the
//! calls not yet sent and says exactly how many conversations changed and how many stay
//! staged, which is what the emulator holds; opening another user (or reloading) while a
//! slow load is in flight drops the old load's answers.
#![allow(clippy::unwrap_used)]

mod trust_support;

use std::path::Path;
use std::time::Duration;

use convmark::api::{Auth, Client, ClientConfig};
use convmark::app::Session;
use convmark::domain::Peer;
use convmark::emulator::{self, EmulatorConfig, RunningEmulator, Seed};
use crossterm::event::KeyCode;
use trust_support::tui::Harness;
use trust_support::*;

async fn world(conversations: usize) -> (RunningEmulator, Hostile) {
    let emu = emulator::spawn(EmulatorConfig {
        seed: Seed::Demo { conversations },
        ..emulator_config()
    })
    .await
    .unwrap();
    let proxy = Hostile::spawn(Some(&emu)).await;
    (emu, proxy)
}

fn client(proxy: &Hostile, calls_per_second: u32) -> Client {
    let mut config = ClientConfig::new(
        SDKAPPID,
        ADMIN,
        convmark::api::client::base_url(&proxy.url).unwrap(),
        Auth::SecretKey(SECRET_KEY.into()),
    );
    config.calls_per_second = calls_per_second;
    Client::new(config).unwrap()
}

fn session(proxy: &Hostile, dir: &Path) -> Session {
    Session {
        sdkappid: SDKAPPID,
        endpoint: proxy.url.clone(),
        data_dir: Some(dir.to_path_buf()),
        ..Default::default()
    }
}

fn calls(proxy: &Hostile, endpoint: &str) -> usize {
    proxy
        .seen()
        .iter()
        .filter(|s| s.path.ends_with(endpoint))
        .count()
}

/// The conversation under the cursor (the title of the bits pane).
fn selected_peer(screen: &str) -> Peer {
    let title = screen
        .lines()
        .find_map(|l| l.split("Bits of ").nth(1))
        .unwrap();
    Peer::parse(title.split_whitespace().next().unwrap()).unwrap()
}

fn groups_of(emu: &RunningEmulator, peer: &Peer) -> Vec<u64> {
    emu.with_state(|s| {
        s.user("alice")
            .unwrap()
            .record(peer)
            .map(|r| r.groups.iter().copied().collect())
            .unwrap_or_default()
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reload_while_a_group_change_is_in_flight_then_another_group_change_works() {
    let (emu, proxy) = world(20).await;
    let dir = tempfile::tempdir().unwrap();
    let c = client(&proxy, 200);
    let mut h = Harness::open(&c, session(&proxy, dir.path()), "alice");
    h.wait_for("alice loaded", |s| s.contains("Loaded")).await;
    let peer = selected_peer(&h.frames.borrow().screen);
    let before = groups_of(&emu, &peer);

    // o, Space: a group change, slowed down so that it is still in flight
    proxy.set(
        Scope::Endpoint("update_contact_group"),
        Act::Slow(Duration::from_millis(800), None),
    );
    h.ch('o');
    h.wait_until("the popup", |f| f.screen.contains("Groups of alice"))
        .await;
    h.ch(' ');
    h.wait_until("the change in flight", |f| f.in_flight == 1)
        .await;
    // Esc closes the popup, r reloads alice while the change is out
    h.key(KeyCode::Esc);
    h.ch('r');
    // the reload ends, the group answer arrives, nothing stays in flight
    let status = h
        .wait_for("the group answer", |s| {
            s.starts_with("Added ") || s.starts_with("Removed ")
        })
        .await;
    assert!(status.contains("ResultCode 0"), "{status}");
    let first = groups_of(&emu, &peer);
    assert_ne!(first, before, "the change was applied");

    // another group change is sent and works
    proxy.set(Scope::All, Act::Forward);
    let sent = calls(&proxy, "update_contact_group");
    h.ch('o');
    h.wait_until("the popup", |f| f.screen.contains("Groups of alice"))
        .await;
    h.ch(' ');
    let status = h
        .wait_for("the second change", |s| {
            (s.starts_with("Added ") || s.starts_with("Removed ")) && s != status
        })
        .await;
    assert!(status.contains("ResultCode 0"), "{status}");
    assert_eq!(calls(&proxy, "update_contact_group"), sent + 1);
    // "Added c2c_x to "G" (id N): ..." or "Removed c2c_x from "G" (id N): ...": so it is
    let words: Vec<&str> = status.split_whitespace().collect();
    let peer = Peer::parse(words[1]).unwrap();
    let id: u64 = status
        .split("(id ")
        .nth(1)
        .and_then(|r| r.split(')').next())
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(
        groups_of(&emu, &peer).contains(&id),
        words[0] == "Added",
        "{status}"
    );
    let app = h.quit().await;
    assert!(!app.busy(), "no request left behind");
    assert!(!app.requests.group_busy());
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn esc_during_a_bulk_commit_cancels_the_calls_not_yet_sent() {
    let (emu, proxy) = world(250).await;
    let bit40 = 1u64 << 40;
    // bit 40 off everywhere, so that what is on afterwards is what the commit changed
    emu.with_state(|s| {
        let alice = s.user_mut("alice");
        let peers: Vec<Peer> = alice.records().map(|(p, _)| p.clone()).collect();
        for p in peers {
            let _ = alice.update_record(&p, 1, |r| r.mark &= !bit40);
        }
    });
    let dir = tempfile::tempdir().unwrap();
    // two calls a second: a commit of three calls has calls queued behind the pacer
    let c = client(&proxy, 2);
    let mut h = Harness::open(&c, session(&proxy, dir.path()), "alice");
    h.wait_for("alice loaded", |s| s.contains("Loaded")).await;
    // every row, bit 40 on
    h.ch('V');
    h.key(KeyCode::Tab);
    for _ in 0..5 {
        h.ch('j');
    }
    h.ch(' ');
    h.wait_for("bulk staged", |s| s.contains("Bit 40 on for"))
        .await;
    let staged = h.staged();
    assert!(staged > 200, "{staged}");
    h.ch('c');
    // Esc once the first call is answered: the others wait for the pacer
    h.wait_until("the first call", |f| {
        f.status.contains("Committing") && f.in_flight == 1
    })
    .await;
    let mut progress = h.frames.clone();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        if calls(&proxy, "mark_contact") >= 1 {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline);
        let _ = tokio::time::timeout(Duration::from_millis(20), progress.changed()).await;
    }
    h.key(KeyCode::Esc);
    let status = h
        .wait_for("cancelled", |s| s.starts_with("Cancelled: "))
        .await;
    println!("{status}");
    let app = h.quit().await;
    let sent = calls(&proxy, "mark_contact");
    let total_calls = staged.div_ceil(100);
    assert!(
        sent < total_calls,
        "{sent} of {total_calls} calls sent: the cancel stopped none"
    );
    // what the emulator holds: bit 40 on for exactly the conversations the status counts
    let on: Vec<Peer> = emu.with_state(|s| {
        s.user("alice")
            .unwrap()
            .records()
            .filter(|(_, r)| r.mark & bit40 != 0)
            .map(|(p, _)| p.clone())
            .collect()
    });
    let still = app.staged_count();
    assert!(
        status.starts_with(&format!(
            "Cancelled: {} conversation(s) changed, {still} stay staged ({} call(s) not sent",
            on.len(),
            total_calls - sent
        )),
        "{status}"
    );
    assert_eq!(on.len() + still, staged, "{status}");
    for c in &app.conversations {
        let held = on.contains(c.peer());
        assert_eq!(
            held,
            c.staged.is_empty(),
            "{}: the emulator holds it exactly when it is no longer staged",
            c.peer()
        );
    }
    // the audit log has a line for every conversation answered, none for those not sent
    let audit = std::fs::read_to_string(convmark::audit::path(dir.path())).unwrap();
    let ok_lines = audit
        .lines()
        .filter(|l| l.contains("\"result_code\":0"))
        .count();
    assert_eq!(ok_lines, on.len(), "{audit}");
    emu.shutdown().await;
}

/// alice's first load (or her reload) is slow; bob is opened meanwhile: what arrives of
/// alice's load afterwards (nothing: it is aborted) changes nothing on screen.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opening_another_user_during_a_slow_load_drops_the_old_loads_answers() {
    let (emu, proxy) = world(250).await;
    let dir = tempfile::tempdir().unwrap();
    let c = client(&proxy, 200);
    let bob_count = convmark::service::load::load_user(&c, "bob", |_| {})
        .await
        .unwrap()
        .conversations
        .len();
    for reload in [false, true] {
        let slow = Act::Slow(Duration::from_millis(1200), Some("alice".into()));
        if reload {
            proxy.set(Scope::All, Act::Forward);
        } else {
            proxy.set(Scope::All, slow.clone());
        }
        let alice_lists = || {
            proxy
                .seen()
                .iter()
                .filter(|s| s.path.ends_with("get_list") && s.body.contains("\"alice\""))
                .count()
        };
        let mut sent = 0;
        let mut h = Harness::open(&c, session(&proxy, dir.path()), "alice");
        if reload {
            h.wait_for("alice loaded", |s| s.contains("Loaded")).await;
            sent = alice_lists();
            proxy.set(Scope::All, slow.clone());
            h.ch('r');
        }
        // alice's load is out (and slow); u opens bob
        tokio::time::sleep(Duration::from_millis(200)).await;
        h.ch('u');
        h.wait_until("the prompt", |f| f.screen.contains("Open user"))
            .await;
        h.type_text("bob");
        h.key(KeyCode::Enter);
        h.wait_for("bob loaded", |s| {
            s.contains("Loaded") && s.contains("of bob")
        })
        .await;
        // long enough for alice's slow answers, had her load not been aborted
        tokio::time::sleep(Duration::from_millis(1600)).await;
        let f = h.frames.borrow();
        assert!(f.status.contains("of bob"), "{}", f.status);
        assert!(f.screen.contains("user bob"), "{}", f.screen);
        drop(f);
        assert!(alice_lists() > sent, "alice's load was sent");
        let app = h.quit().await;
        assert_eq!(app.user.as_deref(), Some("bob"));
        assert_eq!(app.conversations.len(), bob_count, "only bob's rows");
        assert!(!app.busy(), "reload {reload}");
    }
    emu.shutdown().await;
}
