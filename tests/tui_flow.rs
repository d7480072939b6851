//! The real loop on a TestBackend with scripted keys, against the real emulator on a loopback
//! port: load a user, flip a bit, edit the custom mark, commit, see the result inline and the
//! emulator holding the new value; and the failure paths, with nothing lost.
#![allow(clippy::unwrap_used)]

mod tui_support;

use std::io;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use convmark::api::wire::{ContactItem, SearchContactGroupRequest};
use convmark::api::{Auth, Client, ClientConfig, usersig};
use convmark::app::{App, Cmd, KeyMap, Session};
use convmark::domain::{MarkSet, Peer};
use convmark::emulator::{self, DEMO_USER, Edition, EmulatorConfig, RunningEmulator, Seed};
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use futures::channel::mpsc;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio::sync::watch;

struct Frame {
    /// Frames drawn so far.
    count: u64,
    screen: String,
    in_flight: usize,
    staged: usize,
}

/// The terminal output the runtime writes OSC 52 sequences to.
#[derive(Clone, Default)]
struct SharedBuf(Arc<Mutex<Vec<u8>>>);

impl io::Write for SharedBuf {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Waits (up to 10 s) until `cond` holds: for what the runtime does off the UI task.
async fn eventually(what: &str, cond: impl Fn() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !cond() {
        assert!(tokio::time::Instant::now() < deadline, "timed out: {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

struct Harness {
    keys: mpsc::UnboundedSender<io::Result<Event>>,
    clipboard: SharedBuf,
    frames: watch::Receiver<Frame>,
    task: tokio::task::JoinHandle<App>,
}

impl Harness {
    fn start(client: Client, app: App, initial: Vec<Cmd>, width: u16, height: u16) -> Harness {
        let (keys, events) = mpsc::unbounded();
        let (tx, frames) = watch::channel(Frame {
            count: 0,
            screen: String::new(),
            in_flight: 1,
            staged: 0,
        });
        let clipboard = SharedBuf::default();
        let clip = clipboard.clone();
        let task = tokio::spawn(async move {
            let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
            let mut count = 0;
            convmark::runtime::run(
                &mut terminal,
                events,
                app,
                client,
                initial,
                clip,
                |t, app| {
                    count += 1;
                    tx.send_replace(Frame {
                        count,
                        // the screen, then the whole status message (the status line
                        // shows one line of it; the message log keeps all)
                        screen: format!(
                            "{}STATUS: {}",
                            convmark::ui::buffer_text(t.backend().buffer()),
                            app.status.as_ref().map_or("", |s| s.text.as_str())
                        ),
                        in_flight: app.requests.len(),
                        staged: app.staged_count(),
                    });
                },
            )
            .await
            .unwrap()
        });
        Harness {
            keys,
            clipboard,
            frames,
            task,
        }
    }

    fn send(&self, code: KeyCode, modifiers: KeyModifiers) {
        self.keys
            .unbounded_send(Ok(Event::Key(KeyEvent::new(code, modifiers))))
            .unwrap();
    }

    fn key(&self, code: KeyCode) {
        self.send(code, KeyModifiers::NONE);
    }

    fn type_text(&self, text: &str) {
        for c in text.chars() {
            self.key(KeyCode::Char(c));
        }
    }

    fn paste(&self, text: &str) {
        self.keys
            .unbounded_send(Ok(Event::Paste(text.to_owned())))
            .unwrap();
    }

    /// Waits until a drawn frame satisfies `pred` (with no request in flight) and returns
    /// its screen.
    async fn wait_for(&mut self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            {
                let f = self.frames.borrow_and_update();
                if f.in_flight == 0 && pred(&f.screen) {
                    return f.screen.clone();
                }
            }
            let last = self.frames.borrow().screen.clone();
            tokio::time::timeout_at(deadline, self.frames.changed())
                .await
                .unwrap_or_else(|_| panic!("timed out waiting for {what}; screen:\n{last}"))
                .unwrap();
        }
    }

    async fn staged(&self) -> usize {
        self.frames.borrow().staged
    }

    async fn quit(self) -> App {
        self.send(KeyCode::Char('c'), KeyModifiers::CONTROL);
        tokio::time::timeout(Duration::from_secs(10), self.task)
            .await
            .unwrap()
            .unwrap()
    }
}

async fn emulator(edition: Edition) -> RunningEmulator {
    emulator::spawn(EmulatorConfig {
        seed: Seed::Demo {
            conversations: 1000,
        },
        edition,
        ..Default::default()
    })
    .await
    .unwrap()
}

fn session(emu: &RunningEmulator) -> Session {
    Session {
        sdkappid: emu.config.sdkappid,
        endpoint: emu.base_url.to_string(),
        demo: true,
        ..Default::default()
    }
}

fn selected_peer(screen: &str) -> Peer {
    let title = screen
        .lines()
        .find_map(|l| l.split("Bits of ").nth(1))
        .unwrap();
    Peer::parse(title.split_whitespace().next().unwrap()).unwrap()
}

async fn server_marks(client: &Client, peer: &Peer) -> (MarkSet, String) {
    let resp = client
        .search_contact_group(&SearchContactGroupRequest {
            from_account: DEMO_USER.into(),
            contact_item: vec![ContactItem(peer.clone())],
        })
        .await
        .unwrap();
    let r = &resp.contact_result_item[0];
    (
        r.standard_mark.value,
        r.custom_mark.clone().unwrap_or_default(),
    )
}

fn start_demo(emu: &RunningEmulator, client: &Client, width: u16, height: u16) -> Harness {
    let (app, cmds) = convmark::tui::build_app(
        session(emu),
        client,
        KeyMap::default(),
        tui_support::labels(),
        Some(DEMO_USER.into()),
    );
    Harness::start(client.clone(), app, cmds, width, height)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn space_on_bit_40_and_a_custom_mark_then_c_commits_and_the_emulator_holds_them() {
    let emu = emulator(Edition::Ultimate).await;
    let client = Client::new(emu.client_config()).unwrap();
    let mut h = start_demo(&emu, &client, 80, 24);
    let screen = h.wait_for("alice loaded", |s| s.contains("Loaded")).await;
    assert!(screen.contains("user alice"), "{screen}");
    let peer = selected_peer(&screen);
    let (before, _) = server_marks(&client, &peer).await;
    let bit40 = convmark::app::bit(40);

    // `y` writes the conversation as OSC 52 to the terminal
    h.key(KeyCode::Char('y'));
    h.wait_for("copied", |s| s.contains("(OSC 52")).await;
    let written = String::from_utf8(h.clipboard.0.lock().unwrap().clone()).unwrap();
    let payload = written
        .strip_prefix("\x1b]52;c;")
        .and_then(|s| s.strip_suffix('\x07'))
        .unwrap();
    use base64::Engine;
    let json = base64::engine::general_purpose::STANDARD
        .decode(payload)
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(v["conversation"], peer.conversation_id());
    assert_eq!(v["standard_mark"]["hex"], before.hex());

    // to the grid, down 5 rows to bit 40, flip it
    h.key(KeyCode::Tab);
    for _ in 0..5 {
        h.key(KeyCode::Char('j'));
    }
    h.key(KeyCode::Char(' '));
    let screen = h
        .wait_for("bit 40 staged", |s| s.contains("Staged: bit 40"))
        .await;
    assert!(
        screen.contains("40●+") || screen.contains("40○-"),
        "{screen}"
    );
    assert_eq!(h.staged().await, 1);

    // edit the custom mark: typing `q` and `c` types them, it does not quit or commit
    h.key(KeyCode::Enter);
    h.send(KeyCode::Char('u'), KeyModifiers::CONTROL);
    h.type_text("vip qc 客户");
    let screen = h
        .wait_for("typed text", |s| s.contains("vip qc 客户"))
        .await;
    assert!(screen.contains("13/256 bytes"), "{screen}");
    h.key(KeyCode::Enter);
    h.wait_for("custom staged", |s| s.contains("Staged the custom mark"))
        .await;

    h.key(KeyCode::Char('c'));
    let screen = h
        .wait_for("the commit result", |s| s.contains("read back 1"))
        .await;
    assert!(screen.contains("ResultCode 0: success"), "{screen}");
    assert!(screen.contains("✓ 0"), "row shows its result: {screen}");
    assert_eq!(h.staged().await, 0);

    let (after, custom) = server_marks(&client, &peer).await;
    assert_eq!(after.contains(bit40), !before.contains(bit40));
    assert_eq!(
        after.0 & !bit40.mask(),
        before.0 & !bit40.mask(),
        "only bit 40 changed"
    );
    assert_eq!(custom, "vip qc 客户");

    let app = h.quit().await;
    assert_eq!(app.staged_count(), 0);
    let c = app.current().unwrap();
    assert_eq!(
        c.server.mark.value, after,
        "the grid shows what the server holds"
    );
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_257_byte_custom_mark_is_refused_locally_and_nothing_is_sent() {
    let emu = emulator(Edition::Ultimate).await;
    let client = Client::new(emu.client_config()).unwrap();
    let mut h = start_demo(&emu, &client, 80, 24);
    let screen = h.wait_for("alice loaded", |s| s.contains("Loaded")).await;
    let peer = selected_peer(&screen);
    let before = server_marks(&client, &peer).await;

    h.key(KeyCode::Enter);
    h.send(KeyCode::Char('u'), KeyModifiers::CONTROL);
    h.paste(&"a".repeat(257));
    let screen = h
        .wait_for("257 bytes", |s| s.contains("257/256 bytes"))
        .await;
    assert!(screen.contains("too long"), "{screen}");
    h.key(KeyCode::Enter);
    let screen = h
        .wait_for("the refusal", |s| s.contains("Not staged"))
        .await;
    assert!(screen.contains("257 bytes"), "{screen}");
    assert_eq!(h.staged().await, 0);
    // still editing: one character less and it stages
    h.key(KeyCode::Backspace);
    h.key(KeyCode::Enter);
    h.wait_for("staged", |s| s.contains("Staged the custom mark"))
        .await;
    assert_eq!(h.staged().await, 1);
    // quitting with a staged edit asks first; n stays
    h.key(KeyCode::Char('q'));
    h.wait_for("the quit question", |s| s.contains("Quit anyway?"))
        .await;
    h.key(KeyCode::Char('n'));
    h.wait_for("cancelled", |s| s.contains("Cancelled")).await;
    let app = h.quit().await;
    assert_eq!(app.staged_count(), 1);
    assert_eq!(
        server_marks(&client, &peer).await,
        before,
        "nothing was sent"
    );
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pro_edition_answers_51013_inline_and_the_edit_stays_staged() {
    let emu = emulator(Edition::Pro).await;
    let client = Client::new(emu.client_config()).unwrap();
    let mut h = start_demo(&emu, &client, 80, 24);
    let screen = h.wait_for("alice loaded", |s| s.contains("Loaded")).await;
    let peer = selected_peer(&screen);
    let before = server_marks(&client, &peer).await;

    h.key(KeyCode::Tab);
    for _ in 0..4 {
        h.key(KeyCode::Char('j'));
    }
    h.key(KeyCode::Char(' '));
    h.wait_for("bit 32 staged", |s| s.contains("Staged: bit 32"))
        .await;
    h.key(KeyCode::Char('c'));
    let screen = h
        .wait_for("51013", |s| s.contains("ResultCode 51013"))
        .await;
    assert!(screen.contains("1 failed (still staged)"), "{screen}");
    assert!(screen.contains("✗51013"), "row shows its code: {screen}");
    assert_eq!(h.staged().await, 1);
    let app = h.quit().await;
    assert_eq!(app.staged_count(), 1);
    assert!(
        app.current()
            .unwrap()
            .staged
            .set
            .contains(convmark::app::bit(32))
            || app
                .current()
                .unwrap()
                .staged
                .clear
                .contains(convmark::app::bit(32))
    );
    assert_eq!(server_marks(&client, &peer).await, before);
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_usersig_answers_70001_inline_and_nothing_is_lost() {
    let emu = emulator(Edition::Ultimate).await;
    let good = Client::new(emu.client_config()).unwrap();
    // alice is loaded with a good signature; the session then runs with an expired one
    let mut config: ClientConfig = emu.client_config();
    let expired = usersig::generate(
        emu.config.sdkappid,
        &emu.config.secret_key,
        &emu.config.admins[0],
        60,
        1_600_000_000,
    );
    config.auth = Auth::UserSig(expired);
    let bad = Client::new(config).unwrap();
    let (mut app, cmds) = convmark::tui::build_app(
        session(&emu),
        &bad,
        KeyMap::default(),
        tui_support::labels(),
        None,
    );
    // alice is loaded with a good signature; the session then runs with an expired one
    tui_support::load_from(&good, &mut app, DEMO_USER).await;
    app.mode = convmark::app::Mode::Normal;
    assert!(cmds.is_empty());
    let mut h = Harness::start(bad, app, Vec::new(), 80, 24);
    let screen = h.wait_for("alice shown", |s| s.contains("Loaded")).await;
    let peer = selected_peer(&screen);
    let before = server_marks(&good, &peer).await;

    h.key(KeyCode::Char(' '));
    h.key(KeyCode::Enter);
    h.type_text("!");
    h.key(KeyCode::Enter);
    h.wait_for("staged", |s| s.contains("Staged the custom mark"))
        .await;
    h.key(KeyCode::Char('c'));
    let screen = h
        .wait_for("70001", |s| s.contains("ResultCode 70001"))
        .await;
    assert!(screen.contains("1 failed (still staged)"), "{screen}");
    assert_eq!(h.staged().await, 1);
    let app = h.quit().await;
    let c = app.current().unwrap();
    assert!(c.staged.custom.is_some() && !c.staged.set.is_empty() || !c.staged.clear.is_empty());
    assert_eq!(server_marks(&good, &peer).await, before);
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filter_add_by_id_preview_and_switch_user() {
    let emu = emulator(Edition::Ultimate).await;
    let client = Client::new(emu.client_config()).unwrap();
    let mut h = start_demo(&emu, &client, 120, 40);
    h.wait_for("alice loaded", |s| s.contains("Loaded")).await;

    // `/` filters by substring; typed `q` and `c` go into the filter
    h.key(KeyCode::Char('/'));
    h.type_text("bob");
    let screen = h
        .wait_for("filtered", |s| s.contains("Bits of c2c_bob"))
        .await;
    assert!(screen.contains("/ bob"), "{screen}");
    h.key(KeyCode::Esc);

    // `a` adds a conversation that is in neither list, read with search_contact_group
    h.key(KeyCode::Char('a'));
    h.wait_for("the prompt", |s| s.contains("Add conversation"))
        .await;
    h.type_text("c2c_bob");
    h.key(KeyCode::Enter);
    h.wait_for("already listed", |s| s.contains("already in the list"))
        .await;
    h.key(KeyCode::Char('a'));
    h.type_text("group_@TGS#not-seen-yet");
    h.key(KeyCode::Enter);
    let screen = h
        .wait_for("added", |s| s.contains("Added group_@TGS#not-seen-yet"))
        .await;
    assert!(
        screen.contains("Bits of group_@TGS#not-seen-yet"),
        "{screen}"
    );

    // `p` previews the exact request: URL with the UserSig redacted, only changed bits
    h.key(KeyCode::Char(' '));
    h.key(KeyCode::Char('p'));
    let screen = h
        .wait_for("the preview", |s| s.contains("Request preview"))
        .await;
    assert!(screen.contains("usersig=<redacted>"), "{screen}");
    assert!(
        screen.contains(
            r#"{"OptType":1,"ContactItem":{"Type":2,"ToGroupId":"@TGS#not-seen-yet"},"SetMark":[0]}"#
        ),
        "{screen}"
    );
    h.key(KeyCode::Esc);

    // `u` refuses while edits are staged; after `x` it asks for a user and loads it
    h.key(KeyCode::Char('u'));
    h.wait_for("refusal", |s| s.contains("before switching user"))
        .await;
    h.key(KeyCode::Char('x'));
    h.key(KeyCode::Char('u'));
    h.wait_for("the user prompt", |s| s.contains("Open user"))
        .await;
    h.type_text("bob");
    h.key(KeyCode::Enter);
    let screen = h
        .wait_for("bob loaded", |s| {
            s.contains("Loaded") && s.contains("user bob")
        })
        .await;
    assert!(!screen.contains("not-seen-yet"), "{screen}");
    let app = h.quit().await;
    assert_eq!(app.user.as_deref(), Some("bob"));
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_draws_nothing_and_one_key_draws_one_frame() {
    let emu = emulator(Edition::Ultimate).await;
    let client = Client::new(emu.client_config()).unwrap();
    let mut h = start_demo(&emu, &client, 80, 24);
    h.wait_for("alice loaded", |s| s.contains("Loaded")).await;
    let idle = h.frames.borrow().count;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        h.frames.borrow().count,
        idle,
        "no redraw while nothing changes"
    );
    h.key(KeyCode::Char('j'));
    h.wait_for("the next row", |s| {
        s.lines().nth(3).is_some_and(|l| l.starts_with("│›"))
    })
    .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(h.frames.borrow().count, idle + 1);
    h.quit().await;
    emu.shutdown().await;
}

fn start_with_data_dir(emu: &RunningEmulator, client: &Client, dir: &std::path::Path) -> Harness {
    let mut s = session(emu);
    s.data_dir = Some(dir.to_path_buf());
    let (app, cmds) = convmark::tui::build_app(
        s,
        client,
        KeyMap::default(),
        tui_support::labels(),
        Some(DEMO_USER.into()),
    );
    Harness::start(client.clone(), app, cmds, 80, 24)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staged_edits_survive_a_crash_are_offered_back_committed_and_audited() {
    let emu = emulator(Edition::Ultimate).await;
    let client = Client::new(emu.client_config()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let sdkappid = emu.config.sdkappid;
    let bit40 = convmark::app::bit(40);

    // stage bit 40 on the first two conversations
    let mut h = start_with_data_dir(&emu, &client, dir.path());
    let screen = h.wait_for("alice loaded", |s| s.contains("Loaded")).await;
    let first = selected_peer(&screen);
    h.key(KeyCode::Tab);
    for _ in 0..5 {
        h.key(KeyCode::Char('j'));
    }
    h.key(KeyCode::Char(' '));
    h.key(KeyCode::BackTab);
    h.key(KeyCode::Char('j'));
    h.key(KeyCode::Tab);
    h.key(KeyCode::Char(' '));
    let screen = h.wait_for("two staged", |s| s.contains("2 staged")).await;
    let second = selected_peer(&screen);
    let before = [
        server_marks(&client, &first).await.0,
        server_marks(&client, &second).await.0,
    ];
    // the journal is written off the UI task, moments after the frame that shows the edit
    eventually("both edits journalled", || {
        convmark::journal::load(dir.path(), sdkappid, DEMO_USER).is_ok_and(|j| j.len() == 2)
    })
    .await;
    // a crash: the app is gone without quitting or committing
    h.task.abort();
    let _ = h.task.await;

    // a new app on the same data dir offers the edits back
    let mut h = start_with_data_dir(&emu, &client, dir.path());
    let screen = h
        .wait_for("the offer", |s| s.contains("Restore 2 staged edit(s) from"))
        .await;
    assert!(screen.contains("UTC?"), "{screen}");
    h.key(KeyCode::Esc); // only y or n answers it
    h.key(KeyCode::Char('y'));
    let screen = h
        .wait_for("restored", |s| s.contains("Restored the staged edits of 2"))
        .await;
    assert!(screen.contains("2 staged"), "{screen}");
    assert_eq!(h.staged().await, 2);

    h.key(KeyCode::Char('c'));
    h.wait_for("committed", |s| s.contains("read back 2")).await;
    assert_eq!(h.staged().await, 0);
    let app = h.quit().await;
    let progress = app.progress.unwrap();
    assert_eq!((progress.done_items, progress.done_calls), (2, 1));
    for (peer, before) in [&first, &second].into_iter().zip(before) {
        let (after, _) = server_marks(&client, peer).await;
        assert_eq!(after.contains(bit40), !before.contains(bit40), "{peer}");
    }
    assert!(
        convmark::journal::load(dir.path(), sdkappid, DEMO_USER)
            .unwrap()
            .is_empty()
    );
    assert!(!convmark::journal::path(dir.path(), sdkappid, DEMO_USER).exists());

    // the audit log has one line per committed conversation, with its ResultCode
    let text = std::fs::read_to_string(convmark::audit::path(dir.path())).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{text}");
    for (line, peer) in lines.iter().zip([&first, &second]) {
        assert_eq!(line["conversation"], peer.conversation_id());
        assert_eq!(line["user"], DEMO_USER);
        assert_eq!(line["sdkappid"], sdkappid);
        assert_eq!(line["operator"], emu.config.admins[0].as_str());
        assert_eq!(line["result_code"], 0);
        let bits = [line["set"].clone(), line["clear"].clone()];
        assert!(bits.contains(&serde_json::json!([40])), "{line}");
        assert!(line["time"].as_u64().unwrap() > 1_700_000_000);
    }
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn declining_the_offer_deletes_the_journal_and_a_journal_write_failure_is_shown() {
    let emu = emulator(Edition::Ultimate).await;
    let client = Client::new(emu.client_config()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let sdkappid = emu.config.sdkappid;

    let mut h = start_with_data_dir(&emu, &client, dir.path());
    h.wait_for("alice loaded", |s| s.contains("Loaded")).await;
    h.key(KeyCode::Char(' '));
    h.wait_for("staged", |s| s.contains("1 staged")).await;
    h.quit().await;
    assert_eq!(
        convmark::journal::load(dir.path(), sdkappid, DEMO_USER)
            .unwrap()
            .len(),
        1
    );

    let mut h = start_with_data_dir(&emu, &client, dir.path());
    h.wait_for("the offer", |s| s.contains("Restore 1 staged edit(s)"))
        .await;
    h.key(KeyCode::Char('n'));
    h.wait_for("declined", |s| s.contains("the journal is deleted"))
        .await;
    assert_eq!(h.staged().await, 0);
    // the journal is written off the UI task, moments later
    let path = convmark::journal::path(dir.path(), sdkappid, DEMO_USER);
    eventually("the journal is deleted", || !path.exists()).await;

    // the journal's folder is taken by a file: staging says so and goes on in memory
    std::fs::remove_dir(dir.path().join("journal")).unwrap();
    std::fs::write(dir.path().join("journal"), "not a folder").unwrap();
    h.key(KeyCode::Char(' '));
    let screen = h
        .wait_for("the failure", |s| s.contains("Journal not saved"))
        .await;
    assert!(screen.contains("only in memory"), "{screen}");
    assert_eq!(h.staged().await, 1);
    h.quit().await;
    emu.shutdown().await;
}

/// Rows the list shows as chosen (`◆` after the peer symbol).
fn chosen_rows(screen: &str) -> usize {
    screen.matches("@◆").count() + screen.matches("#◆").count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn v_selects_five_space_stages_bit_40_on_all_and_c_commits_them_with_progress() {
    let emu = emulator(Edition::Ultimate).await;
    let client = Client::new(emu.client_config()).unwrap();
    let mut h = start_demo(&emu, &client, 80, 24);
    h.wait_for("alice loaded", |s| s.contains("Loaded")).await;
    for _ in 0..5 {
        h.key(KeyCode::Char('v'));
    }
    let screen = h
        .wait_for("five selected", |s| s.contains("◆ 5 selected"))
        .await;
    assert_eq!(chosen_rows(&screen), 5, "{screen}");
    // back to the first selected row, to bit 40 in the grid
    for _ in 0..5 {
        h.key(KeyCode::Char('k'));
    }
    h.key(KeyCode::Tab);
    for _ in 0..5 {
        h.key(KeyCode::Char('j'));
    }
    h.key(KeyCode::Char(' '));
    let screen = h.wait_for("bulk staged", |s| s.contains("Bit 40 o")).await;
    let on = screen.contains("Bit 40 on for");
    let app_peers: Vec<Peer> = {
        h.key(KeyCode::Char('c'));
        h.wait_for("committed", |s| s.contains("read back")).await;
        let app = h.quit().await;
        let p = app.progress.unwrap();
        assert_eq!(p.done_items, p.total_items, "progress reached the total");
        assert_eq!(p.done_calls, p.total_calls);
        assert!(p.total_items <= 5 && p.total_items > 0);
        assert_eq!(app.staged_count(), 0);
        app.selection.iter().cloned().collect()
    };
    assert_eq!(app_peers.len(), 5);
    for peer in &app_peers {
        let (mark, _) = server_marks(&client, peer).await;
        assert_eq!(
            mark.contains(convmark::app::bit(40)),
            on,
            "{peer} holds the cursor's new value"
        );
    }
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn select_all_1004_conversations_and_commit_bit_40_in_paced_concurrent_batches() {
    let emu = emulator(Edition::Ultimate).await;
    let client = Client::new(emu.client_config()).unwrap();
    let mut h = start_demo(&emu, &client, 80, 24);
    h.wait_for("alice loaded", |s| s.contains("Loaded")).await;
    // all 1,004: bit 40 on every one would make over 1,000 marked: refused before sending
    h.key(KeyCode::Char('V'));
    h.key(KeyCode::Tab);
    for _ in 0..5 {
        h.key(KeyCode::Char('j'));
    }
    h.key(KeyCode::Char(' '));
    h.wait_for("bulk staged", |s| s.contains("Bit 40 on for"))
        .await;
    h.key(KeyCode::Char('c'));
    let screen = h.wait_for("refused", |s| s.contains("Not committed")).await;
    assert!(screen.contains("more than the 1,000"), "{screen}");
    assert!(
        h.staged().await > 900,
        "nothing was sent, everything stays staged"
    );
    // the conversations that are already marked or grouped: bit 40 makes no new record
    h.key(KeyCode::Char('X'));
    h.key(KeyCode::Char('y'));
    h.key(KeyCode::Esc);
    h.key(KeyCode::BackTab);
    h.key(KeyCode::Char('/'));
    h.type_text("is:marked");
    h.key(KeyCode::Enter);
    h.key(KeyCode::Char('V'));
    h.key(KeyCode::Tab);
    h.key(KeyCode::Char(' '));
    h.wait_for("bulk staged", |s| s.contains("Bit 40 on for 332 selected"))
        .await;
    let staged = h.staged().await;
    assert!(staged > 300, "{staged}");
    let started = std::time::Instant::now();
    h.key(KeyCode::Char('c'));
    // "Committed N" or "N failed (still staged), M committed"; in_flight 0 = read back
    let screen = h.wait_for("committed", |s| s.contains("ommitted")).await;
    // informational only (no timing assertion): one round trip plus pacing
    eprintln!(
        "bulk commit of {staged} conversations (with read-back): {:?}",
        started.elapsed()
    );
    let app = h.quit().await;
    let p = app.progress.unwrap();
    assert_eq!((p.done_items, p.total_items), (staged, staged), "{screen}");
    assert_eq!(p.total_calls, staged.div_ceil(100));
    assert_eq!(p.done_calls, p.total_calls);
    // every row that reports ResultCode 0 holds the bit as read back; the rest stay staged
    // with their code
    let mut ok = 0;
    for c in &app.conversations {
        match &c.result {
            Some(o) if o.is_ok() => {
                ok += 1;
                assert!(
                    c.server.mark.value.contains(convmark::app::bit(40)),
                    "{}",
                    c.peer()
                );
            }
            Some(o) => {
                // 51007 for the demo's disbanded groups
                let code = o.code();
                assert!(matches!(code, Some(51007)), "{}: {code:?}", c.peer());
                assert!(!c.staged.is_empty());
            }
            None => {}
        }
    }
    assert!(ok > 0);
    emu.shutdown().await;
}

// ---------------------------------------------------------------------------------------
// the groups popup (o): sent at once, re-read after each change

/// The emulator's groups of alice: (id, name) and the groups of one conversation.
async fn server_groups(client: &Client, peer: &Peer) -> (Vec<(u64, String)>, Vec<u64>) {
    let (records, groups) = convmark::service::load::contact_groups(client, DEMO_USER)
        .await
        .unwrap();
    let of = records
        .iter()
        .find(|r| r.contact.0 == *peer)
        .and_then(|r| r.contact_group_id.clone())
        .unwrap_or_default();
    (
        groups
            .into_iter()
            .map(|g| (g.group_id, g.group_name))
            .collect(),
        of,
    )
}

fn groups_line(screen: &str) -> String {
    screen
        .lines()
        .find(|l| l.contains("groups:"))
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn groups_popup_creates_adds_renames_removes_and_deletes_against_the_emulator() {
    let emu = emulator(Edition::Ultimate).await;
    let client = Client::new(emu.client_config()).unwrap();
    let mut h = start_demo(&emu, &client, 80, 24);
    let screen = h.wait_for("alice loaded", |s| s.contains("Loaded")).await;
    let peer = selected_peer(&screen);
    let (before, member_of) = server_groups(&client, &peer).await;

    h.key(KeyCode::Char('o'));
    let screen = h
        .wait_for("the popup", |s| s.contains("Groups of alice"))
        .await;
    assert!(
        screen.contains(&format!("Groups of alice ({}/20)", before.len())),
        "{screen}"
    );

    // create: q and R type into the name, they neither quit nor rename
    h.key(KeyCode::Char('n'));
    h.type_text("Flow 测试 qR");
    let screen = h
        .wait_for("the typed name", |s| s.contains("› Flow 测试 qR"))
        .await;
    assert!(screen.contains("name: 14/32 bytes"), "{screen}");
    h.key(KeyCode::Enter);
    let screen = h
        .wait_for("created", |s| {
            s.contains("✓ Created group \"Flow 测试 qR\"")
        })
        .await;
    assert!(screen.contains("ResultCode 0: success"), "{screen}");
    let (after, _) = server_groups(&client, &peer).await;
    assert_eq!(after.len(), before.len() + 1);
    let (id, _) = after
        .iter()
        .find(|(_, n)| n == "Flow 测试 qR")
        .cloned()
        .unwrap();
    assert!(
        screen.contains(&format!("Groups of alice ({}/20)", after.len())),
        "{screen}"
    );

    // the new group is under the cursor: Space adds the conversation
    h.key(KeyCode::Char(' '));
    let screen = h
        .wait_for("added", |s| s.contains(&format!("✓ Added {peer} to")))
        .await;
    assert!(groups_line(&screen).contains("Flow 测试 qR"), "{screen}");
    let (_, of) = server_groups(&client, &peer).await;
    assert!(of.contains(&id), "the emulator holds it: {of:?}");

    // rename, prefilled: Ctrl-U clears it
    h.key(KeyCode::Char('R'));
    h.wait_for("prefilled", |s| s.contains("› Flow 测试 qR"))
        .await;
    h.send(KeyCode::Char('u'), KeyModifiers::CONTROL);
    h.type_text("Renamed");
    h.key(KeyCode::Enter);
    let screen = h
        .wait_for("renamed", |s| s.contains("✓ Renamed \"Flow 测试 qR\""))
        .await;
    assert!(groups_line(&screen).contains("Renamed"), "{screen}");
    let (groups, _) = server_groups(&client, &peer).await;
    assert!(groups.contains(&(id, "Renamed".to_owned())), "{groups:?}");

    // Enter removes it again
    h.key(KeyCode::Enter);
    let screen = h
        .wait_for("removed", |s| s.contains(&format!("✓ Removed {peer} from")))
        .await;
    assert!(!groups_line(&screen).contains("Renamed"), "{screen}");
    let (_, of) = server_groups(&client, &peer).await;
    assert_eq!(of, member_of);

    // a 33-byte name is refused before anything is sent
    h.key(KeyCode::Char('n'));
    h.paste(&"a".repeat(33));
    let screen = h.wait_for("33 bytes", |s| s.contains("33/32 bytes")).await;
    assert!(screen.contains("too long"), "{screen}");
    h.key(KeyCode::Enter);
    let screen = h.wait_for("refused", |s| s.contains("Not sent")).await;
    assert!(screen.contains("33 bytes"), "{screen}");
    assert_eq!(server_groups(&client, &peer).await.0.len(), after.len());
    h.key(KeyCode::Esc);
    h.wait_for("cancelled", |s| s.contains("Cancelled")).await;

    // delete asks first and says the marks are kept
    h.key(KeyCode::Char('D'));
    let screen = h
        .wait_for("the question", |s| s.contains("Delete group \"Renamed\""))
        .await;
    assert!(screen.contains("marks are kept"), "{screen}");
    h.key(KeyCode::Char('y'));
    h.wait_for("deleted", |s| s.contains("✓ Deleted group \"Renamed\""))
        .await;
    let (groups, _) = server_groups(&client, &peer).await;
    assert_eq!(groups, before);

    h.key(KeyCode::Esc);
    let screen = h
        .wait_for("closed", |s| !s.contains("Groups of alice"))
        .await;
    assert!(screen.contains("Bits of"), "{screen}");
    h.quit().await;
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn groups_on_the_pro_edition_answer_51013_inline_and_the_name_stays() {
    let emu = emulator(Edition::Pro).await;
    let client = Client::new(emu.client_config()).unwrap();
    let mut h = start_demo(&emu, &client, 80, 24);
    h.wait_for("alice loaded", |s| s.contains("Loaded")).await;
    h.key(KeyCode::Char('o'));
    h.key(KeyCode::Char('n'));
    h.type_text("VIP");
    h.key(KeyCode::Enter);
    let screen = h
        .wait_for("51013", |s| s.contains("ResultCode 51013"))
        .await;
    assert!(screen.contains("Cannot create \"VIP\""), "{screen}");
    assert!(
        screen.contains("› VIP"),
        "the name is still there: {screen}"
    );
    h.quit().await;
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_shows_the_groups_but_sends_nothing() {
    let emu = emulator(Edition::Ultimate).await;
    let client = Client::new(emu.client_config()).unwrap();
    let (app, cmds) = convmark::tui::build_app(
        Session {
            read_only: true,
            ..session(&emu)
        },
        &client,
        KeyMap::default(),
        tui_support::labels(),
        Some(DEMO_USER.into()),
    );
    let mut h = Harness::start(client.clone(), app, cmds, 80, 24);
    let screen = h.wait_for("alice loaded", |s| s.contains("Loaded")).await;
    let peer = selected_peer(&screen);
    let before = server_groups(&client, &peer).await;
    h.key(KeyCode::Char('o'));
    let screen = h
        .wait_for("the popup", |s| s.contains("Groups of alice"))
        .await;
    assert!(screen.contains("read-only"), "{screen}");
    for c in [' ', 'n', 'D'] {
        h.key(KeyCode::Char('j'));
        h.key(KeyCode::Char(c));
    }
    let screen = h
        .wait_for("the refusal", |s| {
            s.contains("groups can be viewed but not")
        })
        .await;
    assert!(!screen.contains("New group"), "{screen}");
    let app = h.quit().await;
    assert!(!app.busy());
    assert_eq!(server_groups(&client, &peer).await, before);
    emu.shutdown().await;
}

// ---------------------------------------------------------------------------------------
// history (H), loading a large user, opening a user that does not exist

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_history_overlay_stages_the_inverse_of_a_commit_which_restores_the_server() {
    let emu = emulator(Edition::Ultimate).await;
    let client = Client::new(emu.client_config()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut h = start_with_data_dir(&emu, &client, dir.path());
    let screen = h.wait_for("alice loaded", |s| s.contains("Loaded")).await;
    let peer = selected_peer(&screen);
    let before = server_marks(&client, &peer).await;
    // bit 40 and a custom mark, committed
    h.key(KeyCode::Tab);
    for _ in 0..5 {
        h.key(KeyCode::Char('j'));
    }
    h.key(KeyCode::Char(' '));
    h.key(KeyCode::Enter);
    h.type_text(" undo me");
    h.key(KeyCode::Enter);
    h.key(KeyCode::Char('c'));
    h.wait_for("committed", |s| s.contains("read back")).await;
    assert_ne!(server_marks(&client, &peer).await, before);
    // H lists it, newest first; Enter stages its inverse
    h.key(KeyCode::Char('H'));
    let screen = h
        .wait_for("history", |s| s.contains("History of alice"))
        .await;
    assert!(screen.contains("1 conversation(s)"), "{screen}");
    h.key(KeyCode::Enter);
    let screen = h
        .wait_for("inverse staged", |s| {
            s.contains("Staged the inverse of commit")
        })
        .await;
    assert!(screen.contains("1 staged"), "{screen}");
    // committed like any other edit: the server holds what it held before
    h.key(KeyCode::Char('c'));
    h.wait_for("committed", |s| s.contains("read back")).await;
    assert_eq!(server_marks(&client, &peer).await, before);
    h.quit().await;
    emu.shutdown().await;
}

/// 3,004 conversations of alice and 150 ms a call: 30 pages of get_list, so the first rows
/// show long before the last page.
async fn slow_large_emulator() -> RunningEmulator {
    emulator::spawn(EmulatorConfig {
        seed: Seed::Demo {
            conversations: 3000,
        },
        latency: Duration::from_millis(150),
        ..Default::default()
    })
    .await
    .unwrap()
}

/// Waits for a frame with rows and the load's progress while the load is still in flight.
async fn rows_while_loading(h: &Harness) -> String {
    let mut frames = h.frames.clone();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        {
            let f = frames.borrow_and_update();
            if f.in_flight > 0 && f.screen.contains("page(s)") && f.screen.contains("@ ") {
                return f.screen.clone();
            }
        }
        tokio::time::timeout_at(deadline, frames.changed())
            .await
            .expect("rows while loading")
            .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_user_is_browsable_while_it_loads_and_staging_waits_for_the_end() {
    let emu = slow_large_emulator().await;
    let client = Client::new(emu.client_config()).unwrap();
    let h = start_demo(&emu, &client, 80, 24);
    // rows and the progress while the load is in flight
    let screen = rows_while_loading(&h).await;
    let mut frames = h.frames.clone();
    assert!(screen.contains("loading"), "{screen}");
    assert!(!screen.contains("no conversations"), "{screen}");
    // a key that would stage says why it waits
    h.key(KeyCode::Char(' '));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        {
            let f = frames.borrow_and_update();
            if f.screen.contains("Still loading alice") {
                assert_eq!(f.staged, 0);
                break;
            }
        }
        tokio::time::timeout_at(deadline, frames.changed())
            .await
            .expect("the refusal")
            .unwrap();
    }
    let mut h = h;
    let screen = h
        .wait_for("loaded", |s| s.contains("Loaded 3,004 conversations"))
        .await;
    assert!(screen.contains("3,004"), "{screen}");
    h.key(KeyCode::Char(' '));
    h.wait_for("staged now", |s| s.contains("1 staged")).await;
    h.quit().await;
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edits_staged_after_a_stopped_load_are_journalled() {
    let emu = slow_large_emulator().await;
    let client = Client::new(emu.client_config()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let sdkappid = emu.config.sdkappid;
    let mut h = start_with_data_dir(&emu, &client, dir.path());
    rows_while_loading(&h).await;
    h.key(KeyCode::Esc);
    h.wait_for("stopped", |s| s.contains("Stopped loading alice"))
        .await;
    h.key(KeyCode::Char(' '));
    h.wait_for("staged", |s| s.contains("1 staged")).await;
    eventually("the edit journalled", || {
        convmark::journal::load(dir.path(), sdkappid, DEMO_USER).is_ok_and(|j| j.len() == 1)
    })
    .await;
    h.quit().await;
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_that_cannot_be_opened_leaves_the_open_one_on_screen() {
    let emu = emulator(Edition::Ultimate).await;
    let client = Client::new(emu.client_config()).unwrap();
    let mut h = start_demo(&emu, &client, 120, 40);
    h.wait_for("alice loaded", |s| s.contains("Loaded")).await;
    h.key(KeyCode::Char('u'));
    h.type_text("nobody-at-all");
    h.key(KeyCode::Enter);
    let screen = h
        .wait_for("the refusal", |s| s.contains("Cannot open nobody-at-all"))
        .await;
    assert!(screen.contains("ResultCode 50001"), "{screen}");
    assert!(screen.contains("alice stays open"), "{screen}");
    assert!(screen.contains("user alice"), "{screen}");
    assert!(screen.contains("Conversations 1,004"), "{screen}");
    // and c2c_bob opens bob
    h.key(KeyCode::Char('u'));
    h.type_text("c2c_bob");
    h.key(KeyCode::Enter);
    h.wait_for("bob", |s| s.contains("Loaded") && s.contains("user bob"))
        .await;
    h.quit().await;
    emu.shutdown().await;
}
