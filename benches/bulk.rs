//! Bulk changes against the embedded emulator with 100 ms of latency per call (product.md
//! section 7): 1,000 conversations of one user cost about one round trip plus pacing, not
//! one round trip per batch; the same change for many users runs within 10% of the rate
//! limit's bound (N users take N/200 s); apply of a 1,000-conversation document where 10%
//! differ sends only those, in about two round trips plus pacing. Prints a table; asserts
//! only correctness.
//!
//! The one-user change goes through both real paths: `service::commit::commit` (what
//! `convmark mark` runs) and the TUI's commit in the real loop (`runtime::run`, Space on
//! 1,000 rows, then `c`). The apply goes through `service::apply` (what `convmark apply`
//! runs: the fresh read, the plan, the send and the read-back). The many-users `mark --from`
//! goes through the CLI's own code (`commands::mark::parse_targets` on a file of `USER
//! CONVERSATION` lines, then `commands::mark::run_quiet`: read each user, send, read back),
//! behind a small timing proxy that tells each phase's calls and time. The end-to-end
//! `convmark mark` process, read-back included, is timed by `tests/cli_bench.rs`.
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
use convmark::audit::AuditContext;
use convmark::cli::MarkArgs;
use convmark::commands::mark;
use convmark::domain::{
    BitIndex, MAX_MARK_ITEMS, MarkSet, OptType, Peer, RATE_LIMIT_PER_SECOND, StagedEdit,
};
use convmark::emulator::{self, EmulatorConfig, RunningEmulator, Seed};
use convmark::service::ItemOutcome;
use convmark::service::apply::{execute, plan_document, prepare, read};
use convmark::service::commit::{CommitReport, commit};
use convmark::service::document::DocUser;
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
        apply_document(&client, rtt, pacing).await;
        many_users_cli(&emu, 1000).await;
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
        assert!(status.starts_with("Committed 1,000 "), "{status}");
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

/// `rounds` round trips one after another, plus the pacer's spacing of the other calls.
fn paced(rounds: u32, calls: usize, rtt: Duration, pacing: Duration) -> Duration {
    rtt * rounds + pacing * (calls as u32).saturating_sub(rounds)
}

fn compare(what: &str, samples: &[Duration], bound: Duration, bound_words: &str) {
    let s = Stats::of(samples);
    row(
        &format!("{what} (n={})", s.n),
        &format!("median {}, max {}", ms(s.p50), ms(s.max)),
        &format!(
            "{bound_words} = {} (≤ 1.5x: {})",
            ms(bound),
            ms(bound.mul_f64(1.5))
        ),
        Some(s.p50 <= bound.mul_f64(1.5)),
    );
}

/// `convmark apply` of a document of the bench user's 1,000 conversations where 100 differ
/// (bit 33 on every tenth, then off again): the fresh read (search_contact_group, 300 a
/// call, concurrently), the plan, one mark_contact call and the read-back.
async fn apply_document(client: &Client, rtt: Duration, pacing: Duration) {
    let current = read(client, USER, None).await.unwrap();
    let base = DocUser::from_snapshot(&current.snapshot);
    assert_eq!(base.conversations.len(), CONVERSATIONS);
    let mut changed = base.clone();
    let bit = BitIndex::new(33).unwrap();
    for c in changed.conversations.iter_mut().step_by(10) {
        c.mark.insert(bit);
    }
    let audit = tempfile::tempdir().unwrap();
    let config = client.config();
    let (mut reads, mut sends, mut wholes) = (Vec::new(), Vec::new(), Vec::new());
    let (mut read_calls, mut sent_calls, mut back_calls) = (0, 0, 0);
    for i in 0..7 {
        let doc = if i % 2 == 0 { &changed } else { &base };
        let peers: Vec<Peer> = doc.conversations.iter().map(|c| c.peer.clone()).collect();
        let t = Instant::now();
        let plan = prepare(client, USER, Some(&peers), |cur| {
            plan_document(doc, USER, cur, false)
        })
        .await
        .unwrap();
        let read_done = t.elapsed();
        assert_eq!(plan.diffs.len(), CONVERSATIONS / 10);
        assert_eq!(plan.unchanged, CONVERSATIONS - CONVERSATIONS / 10);
        let ctx = AuditContext::new(config.sdkappid, &config.identifier);
        let t2 = Instant::now();
        let executed = execute(
            client,
            std::slice::from_ref(&plan),
            Some(audit.path()),
            &ctx,
            |_| {},
        )
        .await;
        let sent = t2.elapsed();
        assert!(executed.ok(std::slice::from_ref(&plan)));
        assert_eq!(executed.commit.items.len(), CONVERSATIONS / 10);
        read_calls = CONVERSATIONS.div_ceil(convmark::domain::MAX_SEARCH_ITEMS);
        sent_calls = executed.commit.calls_sent + executed.groups.len();
        back_calls = (CONVERSATIONS / 10).div_ceil(convmark::domain::MAX_SEARCH_ITEMS);
        if i > 0 {
            reads.push(read_done);
            sends.push(sent);
            wholes.push(t.elapsed());
        }
    }
    row(
        &format!("apply of a {CONVERSATIONS}-conversation document, 10% differ: calls sent"),
        &format!(
            "{sent_calls} mark_contact call ({} conversations); reads: {read_calls} search_contact_group before, {back_calls} after",
            CONVERSATIONS / 10
        ),
        "only the conversations that differ are sent",
        Some(sent_calls == 1),
    );
    compare(
        "apply: send + read-back (2 calls)",
        &sends,
        paced(2, sent_calls + back_calls, rtt, pacing),
        "2 round trips + pacing",
    );
    compare(
        &format!("apply: the fresh read ({read_calls} calls at once)"),
        &reads,
        paced(1, read_calls, rtt, pacing),
        "1 round trip + pacing",
    );
    compare(
        "apply: the whole (read, plan, send, read back)",
        &wholes,
        paced(3, read_calls + sent_calls + back_calls, rtt, pacing),
        "3 round trips + pacing",
    );
}

/// One call through the timing proxy: its endpoint and when it went and came back.
struct Timed {
    endpoint: String,
    start: Instant,
    end: Instant,
    /// The answer's ErrorCode (0 for success), when it had one.
    code: Option<i64>,
}

#[derive(Clone)]
struct Proxy {
    log: Arc<Mutex<Vec<Timed>>>,
    upstream: String,
    http: reqwest::Client,
}

async fn forward(
    axum::extract::State(p): axum::extract::State<Proxy>,
    uri: axum::http::Uri,
    body: axum::body::Bytes,
) -> (axum::http::StatusCode, Vec<u8>) {
    let start = Instant::now();
    let url = format!(
        "{}{}",
        p.upstream.trim_end_matches('/'),
        uri.path_and_query().map_or("/", |q| q.as_str())
    );
    let answer = match p.http.post(url).body(body).send().await {
        Ok(resp) => {
            let status = axum::http::StatusCode::from_u16(resp.status().as_u16()).unwrap();
            (status, resp.bytes().await.unwrap_or_default().to_vec())
        }
        Err(_) => (axum::http::StatusCode::BAD_GATEWAY, Vec::new()),
    };
    let code = serde_json::from_slice::<serde_json::Value>(&answer.1)
        .ok()
        .and_then(|v| v["ErrorCode"].as_i64());
    p.log.lock().unwrap().push(Timed {
        endpoint: uri.path().rsplit('/').next().unwrap_or_default().to_owned(),
        start,
        end: Instant::now(),
        code,
    });
    answer
}

/// A proxy in front of `upstream` that logs every call; its URL and the log.
async fn timing_proxy(upstream: String) -> (String, Arc<Mutex<Vec<Timed>>>) {
    let log = Arc::new(Mutex::new(Vec::new()));
    let state = Proxy {
        log: log.clone(),
        upstream,
        http: reqwest::Client::builder().no_proxy().build().unwrap(),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new().fallback(forward).with_state(state);
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}/"), log)
}

/// The many-users form of `convmark mark --from` through the CLI's code: a file of `n`
/// `USER CONVERSATION` lines, parsed by `parse_targets`, run by `run_quiet` (each user read
/// with get_contact_group, one mark_contact call each, read back with search_contact_group),
/// every phase against its own bound (its calls / 200 s) and the whole against all calls.
async fn many_users_cli(emu: &RunningEmulator, n: usize) {
    let (proxy, log) = timing_proxy(emu.base_url.to_string()).await;
    let mut config = emu.client_config();
    config.base_url = url::Url::parse(&proxy).unwrap();
    let client = Client::new(config).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let lines: String = (0..n)
        .map(|i| format!("{USER}_{i:04} {}\n", group(1).conversation_id()))
        .collect();
    let path = dir.path().join("many.txt");
    std::fs::write(&path, lines).unwrap();
    let args = MarkArgs {
        user: None,
        to: Vec::new(),
        group: Vec::new(),
        from: Some(path),
        set: vec!["34".into()],
        clear: Vec::new(),
        custom: None,
        allow_reserved: false,
        json: false,
        conn: Default::default(),
    };
    let change = mark::parse_change(&args).unwrap();
    let targets = mark::parse_targets(&args).unwrap();
    assert_eq!(targets.users.len(), n);
    // a fresh one-second window of the emulator's rate limiter
    tokio::time::sleep(Duration::from_millis(1100)).await;
    log.lock().unwrap().clear();
    let t = Instant::now();
    let summary = mark::run_quiet(&client, &change, &targets, dir.path()).await;
    let elapsed = t.elapsed();
    assert_eq!((summary.failed, summary.calls_sent), (0, n));
    let log = log.lock().unwrap();
    let per_second = f64::from(RATE_LIMIT_PER_SECOND);
    let mut total = 0;
    for (phase, endpoint) in [
        ("read each user", "get_contact_group"),
        ("send", "mark_contact"),
        ("read back", "search_contact_group"),
    ] {
        let calls: Vec<&Timed> = log.iter().filter(|c| c.endpoint == endpoint).collect();
        total += calls.len();
        let (Some(start), Some(end)) = (
            calls.iter().map(|c| c.start).min(),
            calls.iter().map(|c| c.end).max(),
        ) else {
            continue;
        };
        let took = end.duration_since(start);
        let bound = Duration::from_secs_f64(calls.len() as f64 / per_second);
        let over = (took.as_secs_f64() / bound.as_secs_f64() - 1.0) * 100.0;
        let limited = calls.iter().filter(|c| c.code == Some(60007)).count();
        row(
            &format!(
                "mark --from, {n} users: {phase} ({} {endpoint} calls)",
                calls.len()
            ),
            &format!(
                "{} = {over:+.1}% of the bound; {limited} answered 60007 (retried)",
                ms(took)
            ),
            &format!(
                "within 10% of calls/{RATE_LIMIT_PER_SECOND} s = {}",
                ms(bound)
            ),
            Some(over <= 10.0),
        );
    }
    let bound = Duration::from_secs_f64(total as f64 / per_second);
    let over = (elapsed.as_secs_f64() / bound.as_secs_f64() - 1.0) * 100.0;
    row(
        &format!("mark --from, {n} users: the whole ({total} calls)"),
        &format!("{} = {over:+.1}% of the bound", ms(elapsed)),
        &format!(
            "within 10% of calls/{RATE_LIMIT_PER_SECOND} s = {}",
            ms(bound)
        ),
        Some(over <= 10.0),
    );
}
