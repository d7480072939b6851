//! TUI performance (the targets of the README's Benchmarks section): frame cost with 100 and 100,000 conversations,
//! filtering 100,000 conversations per keystroke, bytes written for one bit toggle, and
//! redraws and CPU while idle. Prints a table; asserts only correctness, never a time.
//!
//! Run with `cargo bench --bench tui`.

#![allow(clippy::unwrap_used)]

#[path = "../tests/tui_support/mod.rs"]
mod tui_support;

mod common;

use std::cell::Cell;
use std::io;
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{Samples, Stats, ms, row, row_result, table_header};
use convmark::api::Client;
use convmark::app::{App, ConnState, KeyMap, Msg, update};
use convmark::emulator::{self, DEMO_USER, EmulatorConfig, Seed};
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::{CrosstermBackend, TestBackend};
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};
use tui_support::{ch, key, loaded_app};

const FRAME_TARGET: Duration = Duration::from_millis(1);
const FILTER_TARGET: Duration = Duration::from_millis(10);

fn main() {
    if !common::benching("tui") {
        return;
    }
    table_header("TUI");
    let small = render_cost(100);
    let large = render_cost(100_000);
    let ratio = large.mean.as_secs_f64() / small.mean.as_secs_f64();
    row(
        "frame cost, large / small (mean)",
        &format!("{ratio:.2}x"),
        "the same with 100,000 as with 100",
        Some(ratio < 1.5),
    );
    filter_cost();
    toggle_bytes();
    idle();
    stage_on_selection();
}

fn resize(app: &mut App, width: u16, height: u16) {
    update(app, Msg::Resize { width, height });
}

/// Frame cost at 120x40 through the real `ui::render` on a TestBackend: a redraw of the same
/// state, a `j`/`k` (next/previous row) followed by a redraw, and a `G`/`g` (last/first row)
/// followed by a redraw. Returns the redraw statistics.
fn render_cost(extra: usize) -> Stats {
    const FRAMES: usize = 2_000;
    let mut app = loaded_app(extra);
    resize(&mut app, 120, 40);
    let loaded = app.conversations.len();
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    for _ in 0..100 {
        terminal.draw(|f| convmark::ui::render(f, &app)).unwrap();
    }
    let mut draw = Samples::default();
    for _ in 0..FRAMES {
        draw.time(|| {
            terminal.draw(|f| convmark::ui::render(f, &app)).unwrap();
        });
    }
    // j down 50 rows, k back up, so the list window scrolls too
    let mut key_draw = Samples::default();
    for i in 0..FRAMES {
        let k = if (i / 50) % 2 == 0 { 'j' } else { 'k' };
        key_draw.time(|| {
            update(&mut app, ch(k));
            terminal.draw(|f| convmark::ui::render(f, &app)).unwrap();
        });
    }
    // G (last row) and g (first row) in turn: the window jumps across the whole list
    let mut jump_draw = Samples::default();
    for i in 0..FRAMES {
        let k = if i % 2 == 0 { 'G' } else { 'g' };
        jump_draw.time(|| {
            update(&mut app, ch(k));
            terminal.draw(|f| convmark::ui::render(f, &app)).unwrap();
        });
        let want = if i % 2 == 0 { app.visible.len() - 1 } else { 0 };
        assert_eq!(app.selected, want, "{k} moved to the end");
    }
    let target = format!("≤ {} per frame (p99)", ms(FRAME_TARGET));
    for (what, samples) in [
        ("redraw", &draw),
        ("j/k + redraw", &key_draw),
        ("G/g (last/first row) + redraw", &jump_draw),
    ] {
        row_result(
            &format!("frame 120x40, {loaded} conversations, {what} (n={FRAMES})"),
            &samples.describe(),
            &target,
            samples.result(FRAME_TARGET, |s| s.p99),
        );
    }
    Stats::of(&draw.all)
}

/// Filtering 100,000 conversations through `update` with the filter keys: `/`, a needle typed
/// key by key (each key narrows), Backspace key by key (each key widens: a full scan), Esc
/// (back to all rows). Each keystroke is timed alone.
fn filter_cost() {
    const ROUNDS: usize = 20;
    const NEEDLE: &str = "user_0999";
    let mut app = loaded_app(100_000);
    resize(&mut app, 120, 40);
    let loaded = app.conversations.len();
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    let mut narrow = Samples::default();
    let mut widen = Samples::default();
    let mut other = Samples::default();
    let mut frames = Samples::default();
    let mut step = |app: &mut App, msg: Msg, into: &mut Samples| {
        into.time(|| {
            update(app, msg);
        });
        frames.time(|| {
            terminal.draw(|f| convmark::ui::render(f, app)).unwrap();
        });
    };
    for _ in 0..ROUNDS {
        step(&mut app, ch('/'), &mut other);
        assert!(app.filtering());
        for c in NEEDLE.chars() {
            step(&mut app, ch(c), &mut narrow);
        }
        // user_09990..=user_09999
        assert_eq!(app.visible.len(), 10);
        for _ in NEEDLE.chars() {
            step(&mut app, key(KeyCode::Backspace), &mut widen);
        }
        assert_eq!(app.visible.len(), loaded);
        for c in NEEDLE.chars() {
            step(&mut app, ch(c), &mut narrow);
        }
        step(&mut app, key(KeyCode::Esc), &mut other);
        assert!(!app.filtering());
        assert_eq!(app.visible.len(), loaded);
    }
    let target = format!("≤ {} per keystroke (max)", ms(FILTER_TARGET));
    for (what, samples) in [
        ("typing (narrows)", &narrow),
        ("Backspace (widens: full scan)", &widen),
        ("/ and Esc (Esc: all rows back)", &other),
    ] {
        row_result(
            &format!(
                "filter {loaded} conversations, {what} (n={})",
                samples.all.len()
            ),
            &samples.describe(),
            &target,
            samples.result(FILTER_TARGET, |s| s.max),
        );
    }
    row_result(
        &format!(
            "frame after a filter keystroke, {loaded} conversations (n={})",
            frames.all.len()
        ),
        &frames.describe(),
        &format!("≤ {} per frame (p99)", ms(FRAME_TARGET)),
        frames.result(FRAME_TARGET, |s| s.p99),
    );
}

/// A terminal that counts the bytes written to it.
struct Counter(Rc<Cell<usize>>);

impl io::Write for Counter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.set(self.0.get() + buf.len());
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Bytes a crossterm backend writes for one bit toggle at 80x24: the first (full) frame, then
/// Space on the selected conversation (stages bit 0) and the frame after it.
fn toggle_bytes() {
    const FEW_HUNDRED: usize = 1_000;
    let mut app = loaded_app(100);
    resize(&mut app, 80, 24);
    let written = Rc::new(Cell::new(0usize));
    let backend = CrosstermBackend::new(Counter(written.clone()));
    let mut terminal = Terminal::with_options(
        backend,
        TerminalOptions {
            viewport: Viewport::Fixed(Rect::new(0, 0, 80, 24)),
        },
    )
    .unwrap();
    let frame_bytes = |terminal: &mut Terminal<CrosstermBackend<Counter>>, app: &App| {
        let before = written.get();
        terminal.draw(|f| convmark::ui::render(f, app)).unwrap();
        written.get() - before
    };
    let full = frame_bytes(&mut terminal, &app);
    let staged_before = app.staged_count();
    update(&mut app, ch(' '));
    assert_eq!(app.staged_count(), staged_before + 1, "Space staged a bit");
    let toggle = frame_bytes(&mut terminal, &app);
    update(&mut app, ch(' '));
    assert_eq!(app.staged_count(), staged_before, "Space again unstaged it");
    let untoggle = frame_bytes(&mut terminal, &app);
    let same = frame_bytes(&mut terminal, &app);
    update(&mut app, ch('j'));
    let next_row = frame_bytes(&mut terminal, &app);
    let target = format!("a few hundred (≤ {FEW_HUNDRED}), not a full screen");
    row(
        "bytes to the terminal, first frame 80x24 (full screen)",
        &format!("{full} B"),
        "-",
        None,
    );
    row(
        "bytes to the terminal, frame after Space (stage a bit)",
        &format!("{toggle} B"),
        &target,
        Some(toggle <= FEW_HUNDRED && toggle < full),
    );
    row(
        "bytes to the terminal, frame after Space again (unstage)",
        &format!("{untoggle} B"),
        &target,
        Some(untoggle <= FEW_HUNDRED && untoggle < full),
    );
    row(
        "bytes to the terminal, redraw with nothing changed",
        &format!("{same} B"),
        "-",
        None,
    );
    row(
        "bytes to the terminal, frame after j (next row)",
        &format!("{next_row} B"),
        "-",
        None,
    );
}

/// What the observer of the real loop saw last.
#[derive(Default)]
struct Seen {
    frames: u64,
    in_flight: usize,
    ready: bool,
}

/// The real loop (`runtime::run`) on a TestBackend against the embedded emulator: load the
/// demo user, then no input for 2 s; count frames and CPU time; then one key.
fn idle() {
    const IDLE: Duration = Duration::from_secs(2);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let emu = emulator::spawn(EmulatorConfig {
            seed: Seed::Demo {
                conversations: 1000,
            },
            ..Default::default()
        })
        .await
        .unwrap();
        let client = Client::new(emu.client_config()).unwrap();
        let session = convmark::app::Session {
            sdkappid: emu.config.sdkappid,
            endpoint: emu.base_url.to_string(),
            demo: true,
            ..Default::default()
        };
        let (app, cmds) = convmark::tui::build_app(
            session,
            &client,
            KeyMap::default(),
            tui_support::labels(),
            Some(DEMO_USER.into()),
        );
        let (keys, events) = futures::channel::mpsc::unbounded::<io::Result<Event>>();
        let seen = Arc::new(Mutex::new(Seen::default()));
        let observed = seen.clone();
        let task = tokio::spawn(async move {
            let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
            convmark::runtime::run(
                &mut terminal,
                events,
                app,
                client,
                cmds,
                std::io::sink(),
                |_, app| {
                    let mut s = observed.lock().unwrap();
                    s.frames += 1;
                    s.in_flight = app.requests.len();
                    s.ready = app.conn == ConnState::Ready;
                },
            )
            .await
            .unwrap()
        });
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            {
                let s = seen.lock().unwrap();
                if s.ready && s.in_flight == 0 {
                    break;
                }
            }
            assert!(Instant::now() < deadline, "the demo user did not load");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let frames_loaded = seen.lock().unwrap().frames;
        let cpu_before = common::process_cpu_time();
        tokio::time::sleep(IDLE).await;
        let cpu_after = common::process_cpu_time();
        let idle_frames = seen.lock().unwrap().frames - frames_loaded;
        let send = |code, modifiers| {
            keys.unbounded_send(Ok(Event::Key(KeyEvent::new(code, modifiers))))
                .unwrap();
        };
        send(KeyCode::Char('j'), KeyModifiers::NONE);
        tokio::time::sleep(Duration::from_millis(300)).await;
        let key_frames = seen.lock().unwrap().frames - frames_loaded - idle_frames;
        send(KeyCode::Char('c'), KeyModifiers::CONTROL);
        tokio::time::timeout(Duration::from_secs(10), task)
            .await
            .unwrap()
            .unwrap();
        emu.shutdown().await;
        row(
            &format!(
                "idle {} s after loading (real loop, TestBackend 120x40): frames drawn",
                IDLE.as_secs()
            ),
            &format!("{idle_frames} (loading drew {frames_loaded})"),
            "0: no redraws when nothing changes",
            Some(idle_frames == 0),
        );
        let cpu = match (cpu_before, cpu_after) {
            (Some(a), Some(b)) => Some(b.saturating_sub(a)),
            _ => None,
        };
        row(
            &format!(
                "idle {} s: CPU time of the whole process (loop + emulator)",
                IDLE.as_secs()
            ),
            &cpu.map_or("n/a (no /proc)".to_owned(), ms),
            "no CPU when nothing changes",
            cpu.map(|c| c < Duration::from_millis(10)),
        );
        row(
            "one key (j) after idling: frames drawn",
            &key_frames.to_string(),
            "1",
            Some(key_frames == 1),
        );
    });
}

/// One Space with every conversation of the demo user selected (1,004), through the real
/// loop with the journal on: the time from the key to the next frame. The journal is written
/// off the UI task, so this is the cost of staging and drawing only.
fn stage_on_selection() {
    const ROUNDS: usize = 40;
    const TARGET: Duration = Duration::from_millis(16);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let emu = emulator::spawn(EmulatorConfig {
            seed: Seed::Demo {
                conversations: 1000,
            },
            ..Default::default()
        })
        .await
        .unwrap();
        let client = Client::new(emu.client_config()).unwrap();
        let dir = std::env::temp_dir().join(format!("convmark-bench-{}", std::process::id()));
        let session = convmark::app::Session {
            sdkappid: emu.config.sdkappid,
            endpoint: emu.base_url.to_string(),
            demo: true,
            data_dir: Some(dir.clone()),
            ..Default::default()
        };
        let (app, cmds) = convmark::tui::build_app(
            session,
            &client,
            KeyMap::default(),
            tui_support::labels(),
            Some(DEMO_USER.into()),
        );
        let (keys, events) = futures::channel::mpsc::unbounded::<io::Result<Event>>();
        let frames = Arc::new(Mutex::new((0u64, 0usize, false)));
        let observed = frames.clone();
        let task = tokio::spawn(async move {
            let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
            convmark::runtime::run(
                &mut terminal,
                events,
                app,
                client,
                cmds,
                std::io::sink(),
                |_, app| {
                    let mut f = observed.lock().unwrap();
                    f.0 += 1;
                    f.1 = app.staged_count();
                    f.2 = app.conn == ConnState::Ready && !app.busy() && app.journal_active;
                },
            )
            .await
            .unwrap()
        });
        let send = |code| {
            keys.unbounded_send(Ok(Event::Key(KeyEvent::new(code, KeyModifiers::NONE))))
                .unwrap();
        };
        let wait_frame = |after: u64| {
            let frames = frames.clone();
            async move {
                let deadline = Instant::now() + Duration::from_secs(30);
                loop {
                    if frames.lock().unwrap().0 > after {
                        return Instant::now();
                    }
                    assert!(Instant::now() < deadline, "no frame");
                    tokio::task::yield_now().await;
                }
            }
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while !frames.lock().unwrap().2 {
            assert!(Instant::now() < deadline, "the demo user did not load");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        send(KeyCode::Char('V'));
        send(KeyCode::Tab);
        tokio::time::sleep(Duration::from_millis(200)).await;
        let mut samples = Vec::new();
        let mut staged = 0;
        for _ in 0..ROUNDS {
            let before = frames.lock().unwrap().0;
            let t = Instant::now();
            send(KeyCode::Char(' '));
            let drawn = wait_frame(before).await;
            samples.push(drawn.duration_since(t));
            staged = staged.max(frames.lock().unwrap().1);
            // let the journal writer catch up, as a person pressing keys would
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        send(KeyCode::Char('X'));
        send(KeyCode::Char('y'));
        tokio::time::sleep(Duration::from_millis(200)).await;
        keys.unbounded_send(Ok(Event::Key(KeyEvent::new(
            KeyCode::Char('c'),
            KeyModifiers::CONTROL,
        ))))
        .unwrap();
        tokio::time::timeout(Duration::from_secs(10), task)
            .await
            .unwrap()
            .unwrap();
        emu.shutdown().await;
        let _ = std::fs::remove_dir_all(&dir);
        assert!(staged > 500, "{staged} staged");
        let s = Stats::of(&samples);
        row(
            &format!(
                "Space with all 1,004 rows selected ({staged} staged), journal on: key to next frame (real loop, n={})",
                s.n
            ),
            &format!("median {}, p99 {}, max {}", ms(s.p50), ms(s.p99), ms(s.max)),
            &format!("at most {} (a frame)", ms(TARGET)),
            Some(s.p99 <= TARGET),
        );
    });
}
