//! Bulk changes against the embedded emulator with 100 ms of latency per call (product.md
//! section 7): 1,000 conversations of one user cost about one round trip plus pacing, not
//! one round trip per batch; the same change for many users runs within 10% of the rate
//! limit's bound (N users take N/200 s). Prints a table; asserts only correctness.
//!
//! The one-user change goes through both real paths: `commands::service::commit::commit` (what
//! `convmark mark` runs) and the TUI's commit in the real loop (`runtime::run`, Space on
//! 1,000 rows, then `c`). The end-to-end `convmark mark` process, read-back included, is
//! timed by `tests/cli_bench.rs`.
//!
//! Run with `cargo bench --bench bulk`.

#![allow(clippy::unwrap_used)]

#[path = "../tests/tui_support/mod.rs"]
mod tui_support;

mod common;

use std::io;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{Stats, ms, row, table_header};
use convmark::api::Client;
use convmark::api::wire::{ContactItem, MarkContactRequest, MarkItem};
use convmark::app::{KeyMap, Session};
use convmark::domain::{
    BitIndex, MAX_MARK_ITEMS, MarkSet, OptType, Peer, RATE_LIMIT_PER_SECOND, StagedEdit,
};
use convmark::emulator::{self, EmulatorConfig, RunningEmulator, Seed};
use convmark::service::ItemOutcome;
use convmark::service::commit::{CommitReport, commit};
use convmark::service::plan::{MarkPlan, MarkState, plan_marks};
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const LATENCY: Duration = Duration::from_millis(100);
const USER: &str = "bulk";
const CONVERSATIONS: usize = 1000;
const MANY_USERS: [usize; 2] = [400, 1000];

fn main() {
    if !common::benching("bulk") {
        return;
    }
    // the CLI's runtime: two workers
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let emu = emulator::spawn(EmulatorConfig {
            seed: Seed::Demo { conversations: 10 },
            latency: LATENCY,
            ..Default::default()
        })
        .await
        .unwrap();
        let most = MANY_USERS.iter().copied().max().unwrap_or(0);
        emu.with_state(|s| {
            s.accounts.insert(USER.to_owned());
            s.accounts
                .extend((0..most).map(|i| format!("{USER}_{i:04}")));
        });
        let client = Client::new(emu.client_config()).unwrap();
        let pacing = Duration::from_secs(1) / client.config().calls_per_second.max(1);
        table_header(&format!(
            "Bulk changes (embedded emulator, {} ms latency per call, pacer {}/s)",
            LATENCY.as_millis(),
            client.config().calls_per_second
        ));
        let rtt = round_trip(&client).await;
        one_user_cli(&client, rtt, pacing).await;
        one_user_tui(&emu, &client, rtt, pacing).await;
        for n in MANY_USERS {
            many_users(&client, n).await;
        }
        emu.shutdown().await;
    });
}

fn group(i: usize) -> Peer {
    Peer::Group(format!("@TGS#BENCH{i:04}"))
}

/// One mark_contact call with one item, one after another: the round trip.
async fn round_trip(client: &Client) -> Duration {
    let mut samples = Vec::new();
    for i in 0..10 {
        let req = MarkContactRequest {
            from_account: USER.to_owned(),
            mark_item: vec![MarkItem {
                opt_type: OptType::Standard,
                contact_item: ContactItem(group(0)),
                set_mark: (i % 2 == 0).then(|| vec![40]),
                clear_mark: (i % 2 == 1).then(|| vec![40]),
                custom_mark: None,
            }],
        };
        let t = Instant::now();
        let resp = client.mark_contact(&req).await.unwrap();
        samples.push(t.elapsed());
        assert_eq!(resp.result_item[0].result_code, 0);
    }
    let s = Stats::of(&samples);
    row(
        &format!("one round trip: mark_contact of 1 conversation (n={})", s.n),
        &format!("median {}, max {}", ms(s.p50), ms(s.max)),
        "-",
        None,
    );
    s.p50
}

fn assert_all_ok(report: &CommitReport, expected: usize) {
    assert_eq!(report.items.len(), expected);
    for item in &report.items {
        assert!(
            matches!(item.outcome, ItemOutcome::Answered { code: 0, .. }),
            "{}: {:?}",
            item.planned.change.peer,
            item.outcome
        );
    }
}

/// Bit `bit` set (or cleared) on every conversation, planned against the opposite value,
/// so every conversation gets an item.
fn plan(user: &str, peers: Vec<Peer>, set: bool, bit: u8) -> MarkPlan {
    let b = BitIndex::new(i64::from(bit)).unwrap();
    let mut want = StagedEdit::default();
    if set {
        want.set.insert(b);
    } else {
        want.clear.insert(b);
    }
    let before = MarkState {
        value: if set {
            MarkSet::EMPTY
        } else {
            MarkSet(b.mask())
        },
        ..Default::default()
    };
    plan_marks(
        user,
        |_| before.clone(),
        peers.into_iter().map(|p| (p, want.clone())),
    )
}

/// What `convmark mark` sends, through the service layer.
async fn send(client: &Client, plans: &[MarkPlan]) -> CommitReport {
    commit(client, plans, None, |_| {}).await
}

/// How the one-user change compares with one round trip plus pacing.
fn one_user_rows(what: &str, samples: &[Duration], calls: usize, rtt: Duration, pacing: Duration) {
    let s = Stats::of(samples);
    let bound = rtt + pacing * (calls as u32 - 1);
    let sequential = rtt * calls as u32;
    row(
        &format!("{what} (n={})", s.n),
        &format!(
            "median {} ({:.2} round trips), max {}",
            ms(s.p50),
            s.p50.as_secs_f64() / rtt.as_secs_f64(),
            ms(s.max)
        ),
        &format!(
            "about 1 round trip + pacing = {} (≤ 1.5x: {}); one per batch would be {}",
            ms(bound),
            ms(bound.mul_f64(1.5)),
            ms(sequential)
        ),
        Some(s.p50 <= bound.mul_f64(1.5)),
    );
}

/// 1,000 conversations of one user through `commands::service::commit::commit`: alternately set and
/// clear bit 32, so every run changes every conversation.
async fn one_user_cli(client: &Client, rtt: Duration, pacing: Duration) {
    let peers: Vec<Peer> = (0..CONVERSATIONS).map(group).collect();
    let mut samples = Vec::new();
    let mut calls = 0;
    for i in 0..7 {
        let plan = plan(USER, peers.clone(), i % 2 == 0, 32);
        let t = Instant::now();
        let report = send(client, std::slice::from_ref(&plan)).await;
        let elapsed = t.elapsed();
        assert_all_ok(&report, CONVERSATIONS);
        calls = report.calls_sent;
        // the first run also warms up the connection pool
        if i > 0 {
            samples.push(elapsed);
        }
    }
    assert_eq!(calls, CONVERSATIONS.div_ceil(MAX_MARK_ITEMS));
    one_user_rows(
        &format!(
            "{CONVERSATIONS} conversations of one user, service::commit::commit, {calls} calls"
        ),
        &samples,
        calls,
        rtt,
        pacing,
    );
    // leave them marked, so the TUI loads them
    let report = send(client, &[plan(USER, peers, true, 32)]).await;
    assert_all_ok(&report, CONVERSATIONS);
}

#[derive(Default)]
struct Seen {
    loaded: usize,
    staged: usize,
    in_flight: usize,
    committing: bool,
    status: String,
    committed_at: Option<Instant>,
}

/// The TUI's commit in the real loop: load the user (1,000 marked conversations), Space and
/// j (or k) over every row to stage bit 0 on each, then `c`; timed from sending `c` to the
/// frame that shows the result.
async fn one_user_tui(emu: &RunningEmulator, client: &Client, rtt: Duration, pacing: Duration) {
    let session = Session {
        sdkappid: emu.config.sdkappid,
        endpoint: emu.base_url.to_string(),
        demo: true,
        ..Default::default()
    };
    let (app, cmds) = convmark::tui::build_app(
        session,
        client,
        KeyMap::default(),
        tui_support::labels(),
        Some(USER.into()),
    );
    let (keys, events) = futures::channel::mpsc::unbounded::<io::Result<Event>>();
    let seen = Arc::new(Mutex::new(Seen::default()));
    let observed = seen.clone();
    let loop_client = client.clone();
    let task = tokio::spawn(async move {
        let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
        convmark::runtime::run(
            &mut terminal,
            events,
            app,
            loop_client,
            cmds,
            std::io::sink(),
            |_, app| {
                let mut s = observed.lock().unwrap();
                if s.committing && app.requests.committing().is_none() {
                    s.committed_at = Some(Instant::now());
                }
                s.loaded = app.conversations.len();
                s.staged = app.staged_count();
                s.in_flight = app.requests.len();
                s.committing = app.requests.committing().is_some();
                s.status = app
                    .status
                    .as_ref()
                    .map(|s| s.text.clone())
                    .unwrap_or_default();
            },
        )
        .await
        .unwrap()
    });
    let send = |code: KeyCode, modifiers| {
        keys.unbounded_send(Ok(Event::Key(KeyEvent::new(code, modifiers))))
            .unwrap();
    };
    let wait = |what: &'static str, pred: fn(&Seen) -> bool| {
        let seen = seen.clone();
        async move {
            let deadline = Instant::now() + Duration::from_secs(60);
            loop {
                {
                    let s = seen.lock().unwrap();
                    if pred(&s) {
                        return;
                    }
                    assert!(
                        Instant::now() < deadline,
                        "timed out waiting for {what}: {}",
                        s.status
                    );
                }
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        }
    };
    wait("the load", |s| {
        s.loaded == CONVERSATIONS && s.in_flight == 0
    })
    .await;
    let mut samples = Vec::new();
    let mut calls = 0;
    for round in 0..4 {
        let step = if round % 2 == 0 { 'j' } else { 'k' };
        for _ in 0..CONVERSATIONS {
            send(KeyCode::Char(' '), KeyModifiers::NONE);
            send(KeyCode::Char(step), KeyModifiers::NONE);
        }
        wait("1,000 staged", |s| s.staged == CONVERSATIONS).await;
        seen.lock().unwrap().committed_at = None;
        let t = Instant::now();
        send(KeyCode::Char('c'), KeyModifiers::NONE);
        wait("the commit", |s| s.committed_at.is_some()).await;
        let committed_at = seen
            .lock()
            .unwrap()
            .committed_at
            .unwrap_or_else(Instant::now);
        let status = seen.lock().unwrap().status.clone();
        assert!(
            status.starts_with(&format!("Committed {CONVERSATIONS} ")),
            "{status}"
        );
        // wait for the read-back, so the next round starts from the server's values
        wait("the read-back", |s| s.in_flight == 0 && s.staged == 0).await;
        calls = CONVERSATIONS.div_ceil(MAX_MARK_ITEMS);
        if round > 0 {
            samples.push(committed_at.duration_since(t));
        }
    }
    send(KeyCode::Char('c'), KeyModifiers::CONTROL);
    tokio::time::timeout(Duration::from_secs(10), task)
        .await
        .unwrap()
        .unwrap();
    one_user_rows(
        &format!(
            "{CONVERSATIONS} conversations of one user, TUI commit (c to result frame), {calls} calls"
        ),
        &samples,
        calls,
        rtt,
        pacing,
    );
}

/// The same change for `n` users at once (one conversation each, one call each), all through
/// one client and its pacer.
async fn many_users(client: &Client, n: usize) {
    let plans: Vec<MarkPlan> = (0..n)
        .map(|i| plan(&format!("{USER}_{i:04}"), vec![group(0)], true, 33))
        .collect();
    // a fresh one-second window of the emulator's rate limiter
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let t = Instant::now();
    let report = send(client, &plans).await;
    let elapsed = t.elapsed();
    assert_eq!(report.calls_sent, n);
    assert_all_ok(&report, n);
    let bound = Duration::from_secs_f64(n as f64 / f64::from(RATE_LIMIT_PER_SECOND));
    let over = (elapsed.as_secs_f64() / bound.as_secs_f64() - 1.0) * 100.0;
    row(
        &format!("same change for {n} users, 1 call each, service::commit::commit"),
        &format!("{} = {over:+.1}% of the bound", ms(elapsed)),
        &format!("within 10% of N/{RATE_LIMIT_PER_SECOND} s = {}", ms(bound)),
        Some(over.abs() <= 10.0),
    );
}
