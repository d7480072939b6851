//! The real binary (`convmark demo`) in a pseudo-terminal: it draws the demo user's
//! conversations at 80x24, takes keys, quits with q and leaves the alternate screen; and
//! every signal that ends it (SIGINT, SIGQUIT, SIGHUP, SIGTERM, even in its first
//! milliseconds) leaves the terminal as it found it: `stty -a` run afterwards in the same
//! pty shows canonical mode and echo, the output has left the alternate screen and shown the
//! cursor. The exit code is 128 + the signal's number when edits were left unsent, else 0.
#![allow(clippy::unwrap_used)]

use std::io::{Read, Write};
use std::num::NonZeroU16;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};

fn wait_for(parser: &Arc<Mutex<vt100::Parser>>, what: &str, pred: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let screen = parser.lock().unwrap().screen().contents();
        if pred(&screen) {
            return screen;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}; screen:\n{screen}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

struct Running {
    _dir: tempfile::TempDir,
    pair: portable_pty::PtyPair,
    child: Box<dyn portable_pty::Child + Send + Sync>,
    writer: Box<dyn Write + Send>,
    parser: Arc<Mutex<vt100::Parser>>,
    bytes: Arc<Mutex<usize>>,
    /// Everything the pty printed, raw.
    raw: Arc<Mutex<Vec<u8>>>,
}

fn spawn_demo() -> Running {
    spawn_demo_with(&[])
}

fn spawn_demo_with(args: &[&str]) -> Running {
    let dir = tempfile::tempdir().unwrap();
    let pair = native_pty_system()
        .openpty(PtySize {
            rows: 24,
            cols: 80,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_convmark"));
    cmd.arg("demo");
    cmd.args(args);
    cmd.env("CONVMARK_CONFIG", dir.path().join("none.toml"));
    cmd.env("CONVMARK_DATA_DIR", dir.path());
    cmd.env("TERM", "xterm-256color");
    let child = pair.slave.spawn_command(cmd).unwrap();
    let mut reader = pair.master.try_clone_reader().unwrap();
    let writer = pair.master.take_writer().unwrap();
    let bytes = Arc::new(Mutex::new(0usize));
    let counted = Arc::clone(&bytes);
    let raw = Arc::new(Mutex::new(Vec::new()));
    let kept = Arc::clone(&raw);
    let parser = Arc::new(Mutex::new(vt100::Parser::new(
        NonZeroU16::new(24).unwrap(),
        NonZeroU16::new(80).unwrap(),
        0,
    )));
    let feed = Arc::clone(&parser);
    std::thread::spawn(move || {
        let mut buf = [0u8; 8192];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            feed.lock().unwrap().process(&buf[..n]);
            *counted.lock().unwrap() += n;
            kept.lock().unwrap().extend_from_slice(&buf[..n]);
        }
    });
    Running {
        _dir: dir,
        pair,
        child,
        writer,
        parser,
        bytes,
        raw,
    }
}

fn wait_exit(child: &mut Box<dyn portable_pty::Child + Send + Sync>) -> portable_pty::ExitStatus {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(Instant::now() < deadline, "convmark did not exit");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn convmark_demo_in_a_pty_shows_alice_and_quits_with_q() {
    let Running {
        _dir,
        pair,
        mut child,
        mut writer,
        parser,
        bytes,
        raw: _,
    } = spawn_demo();
    let screen = wait_for(&parser, "alice loaded", |s| s.contains("Loaded"));
    assert!(screen.contains("[demo]"), "{screen}");
    assert!(screen.contains("user alice"), "{screen}");
    assert!(screen.contains("Conversations"), "{screen}");
    assert!(screen.contains("0 fav 1 unrd 2 fold 3 hide"), "{screen}");
    assert!(parser.lock().unwrap().screen().alternate_screen());

    // one toggle redraws only the changed cells: a few hundred bytes, not a full screen
    std::thread::sleep(Duration::from_millis(200));
    let before = *bytes.lock().unwrap();
    writer.write_all(b" ").unwrap();
    writer.flush().unwrap();
    wait_for(&parser, "the staged bit", |s| s.contains("Staged: bit 0"));
    std::thread::sleep(Duration::from_millis(200));
    let toggle_bytes = *bytes.lock().unwrap() - before;
    println!("bytes written for one toggle at 80x24: {toggle_bytes}");
    assert!(toggle_bytes < 1500, "{toggle_bytes} bytes for one toggle");
    writer.write_all(b" ").unwrap();
    writer.flush().unwrap();
    wait_for(&parser, "unstaged", |s| s.contains("Unstaged bit 0"));

    // the help overlay comes from the key map; Esc closes it
    writer.write_all(b"?").unwrap();
    writer.flush().unwrap();
    let screen = wait_for(&parser, "help", |s| s.contains("Help ·"));
    assert!(screen.contains("convmark.log"), "{screen}");
    writer.write_all(b"\x1b").unwrap();
    writer.flush().unwrap();
    wait_for(&parser, "help closed", |s| !s.contains("Help ·"));

    // resizing redraws: too small says how big it must be, bigger shows the panes again
    for (rows, cols, expect) in [(20u16, 60u16, "at least 80x24"), (30, 100, "Conversations")] {
        parser.lock().unwrap().screen_mut().set_size(
            NonZeroU16::new(rows).unwrap(),
            NonZeroU16::new(cols).unwrap(),
        );
        pair.master
            .resize(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        wait_for(&parser, expect, |s| s.contains(expect));
    }

    writer.write_all(b"q").unwrap();
    writer.flush().unwrap();
    let status = wait_exit(&mut child);
    assert!(status.success(), "{status:?}");
    std::thread::sleep(Duration::from_millis(100));
    assert!(
        !parser.lock().unwrap().screen().alternate_screen(),
        "the terminal is restored"
    );
}

#[test]
fn demo_user_takes_the_same_id_forms_as_the_cli() {
    let mut run = spawn_demo_with(&["--user", "c2c_bob"]);
    let screen = wait_for(&run.parser, "bob loaded", |s| s.contains("Loaded"));
    assert!(screen.contains("user bob"), "c2c_bob opens bob: {screen}");
    run.writer.write_all(b"q").unwrap();
    run.writer.flush().unwrap();
    assert!(wait_exit(&mut run.child).success());

    // a group conversation names no user: refused before the terminal is touched
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_convmark"))
        .args(["demo", "--user", "group_@TGS#1ABC"])
        .env("CONVMARK_CONFIG", "/nonexistent/convmark.toml")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--user: \"group_@TGS#1ABC\" names a group, not a user"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
}

/// Sends a signal with kill(1), as another process would.
#[cfg(unix)]
fn kill(signal: &str, pid: u32) {
    let killed = std::process::Command::new("kill")
        .args([&format!("-{signal}"), &pid.to_string()])
        .status()
        .unwrap();
    assert!(killed.success(), "kill -{signal} {pid}");
}

/// `stty -a` run in the pty after convmark exited, as a shell would run the next command:
/// its settings words (`icanon`, `-echo`, ...).
#[cfg(unix)]
fn stty_words(run: &Running) -> Vec<String> {
    let before = run.raw.lock().unwrap().len();
    let mut cmd = CommandBuilder::new("stty");
    cmd.arg("-a");
    let mut stty = run.pair.slave.spawn_command(cmd).unwrap();
    let status = wait_exit(&mut stty);
    assert!(status.success(), "stty -a: {status:?}");
    // the reader thread may still be copying stty's last bytes
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let text = String::from_utf8_lossy(&run.raw.lock().unwrap()[before..]).into_owned();
        if text.contains("icanon") {
            return text
                .split(|c: char| c.is_whitespace() || c == ';')
                .filter(|w| !w.is_empty())
                .map(str::to_owned)
                .collect();
        }
        assert!(Instant::now() < deadline, "no stty output: {text:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The terminal is as a shell needs it: cooked (canonical mode, echo), the main screen,
/// the cursor shown.
#[cfg(unix)]
fn assert_restored(run: &Running, what: &str) {
    let words = stty_words(run);
    for word in ["icanon", "echo", "isig"] {
        assert!(
            words.iter().any(|w| w == word),
            "{what}: the terminal was left without {word}: {}",
            words.join(" ")
        );
    }
    let screen = run.parser.lock().unwrap().screen().clone();
    assert!(
        !screen.alternate_screen(),
        "{what}: left on the alternate screen"
    );
    assert!(!screen.hide_cursor(), "{what}: the cursor was left hidden");
}

/// The demo with alice loaded, optionally with one staged edit (Space on the first bit).
#[cfg(unix)]
fn demo_loaded(stage: bool) -> Running {
    let mut run = spawn_demo_with(&["--conversations", "20"]);
    wait_for(&run.parser, "alice loaded", |s| s.contains("Loaded"));
    assert!(run.parser.lock().unwrap().screen().alternate_screen());
    if stage {
        run.writer.write_all(b" ").unwrap();
        run.writer.flush().unwrap();
        wait_for(&run.parser, "the staged bit", |s| {
            s.contains("Staged: bit 0")
        });
    }
    run
}

/// A signal to the loaded demo: the terminal comes back and the exit code follows the
/// convention.
#[cfg(unix)]
fn signal_quits(signal: &str, stage: bool, expected_code: u32) {
    let mut run = demo_loaded(stage);
    kill(signal, run.child.process_id().unwrap());
    let status = wait_exit(&mut run.child);
    assert_eq!(
        status.signal(),
        None,
        "SIG{signal}: killed, not handled: {status:?}"
    );
    assert_eq!(
        status.exit_code(),
        expected_code,
        "SIG{signal}, staged edit: {stage}: {status:?}"
    );
    assert_restored(&run, &format!("SIG{signal}"));
    if stage {
        let text = String::from_utf8_lossy(&run.raw.lock().unwrap()).into_owned();
        assert!(text.contains("still staged (not sent)"), "{text}");
    }
}

#[cfg(unix)]
#[test]
fn sigint_from_another_process_restores_the_terminal_and_exits_130_with_a_staged_edit() {
    signal_quits("INT", true, 130);
}

#[cfg(unix)]
#[test]
fn sigint_without_unsent_edits_exits_0() {
    signal_quits("INT", false, 0);
}

#[cfg(unix)]
#[test]
fn sigquit_restores_the_terminal_and_exits_131_with_a_staged_edit() {
    signal_quits("QUIT", true, 131);
}

#[cfg(unix)]
#[test]
fn sighup_restores_the_terminal_and_exits_129_with_a_staged_edit() {
    signal_quits("HUP", true, 129);
}

#[cfg(unix)]
#[test]
fn sigterm_restores_the_terminal_and_exits_143_with_a_staged_edit() {
    signal_quits("TERM", true, 143);
}

#[cfg(unix)]
#[test]
fn sigterm_without_unsent_edits_exits_0() {
    signal_quits("TERM", false, 0);
}

/// After SIGTERM, the terminal is cooked and on the main screen, whenever it landed.
#[cfg(unix)]
fn assert_never_raw(run: &mut Running, when: &str, handled: bool) {
    let status = wait_exit(&mut run.child);
    // exit 0 (handled, nothing staged), or killed before the handlers were in place
    assert!(
        status.success() || (!handled && status.signal().is_some()),
        "SIGTERM {when}: {status:?}"
    );
    let words = stty_words(run);
    for word in ["icanon", "echo"] {
        assert!(
            words.iter().any(|w| w == word),
            "SIGTERM {when} left the terminal without {word}: {}",
            words.join(" ")
        );
    }
    let screen = run.parser.lock().unwrap().screen().clone();
    assert!(
        !screen.alternate_screen(),
        "SIGTERM {when}: left on the alternate screen"
    );
}

/// SIGTERM in the first milliseconds after start, at 16 moments from 0 to 15 ms: whether it
/// lands before the handlers (the default action, the terminal not touched yet) or after
/// (the loop restores it), the terminal is never left raw.
#[cfg(unix)]
#[test]
fn sigterm_in_the_first_milliseconds_never_leaves_the_terminal_raw() {
    for delay_ms in 0..16u64 {
        let mut run = spawn_demo_with(&["--conversations", "20"]);
        std::thread::sleep(Duration::from_millis(delay_ms));
        kill("TERM", run.child.process_id().unwrap());
        assert_never_raw(&mut run, &format!("after {delay_ms} ms"), false);
    }
}

/// SIGTERM the moment the terminal turns raw (the alternate screen's sequence is the first
/// thing convmark prints after raw mode), 16 times: the handlers are already in place, so
/// the loop restores the terminal.
#[cfg(unix)]
#[test]
fn sigterm_as_raw_mode_begins_never_leaves_the_terminal_raw() {
    const ALTERNATE_SCREEN: &[u8] = b"\x1b[?1049h";
    for attempt in 0..16 {
        let mut run = spawn_demo_with(&["--conversations", "20"]);
        let deadline = Instant::now() + Duration::from_secs(30);
        while !run
            .raw
            .lock()
            .unwrap()
            .windows(ALTERNATE_SCREEN.len())
            .any(|w| w == ALTERNATE_SCREEN)
        {
            assert!(Instant::now() < deadline, "the TUI never started");
            std::thread::sleep(Duration::from_micros(200));
        }
        kill("TERM", run.child.process_id().unwrap());
        assert_never_raw(
            &mut run,
            &format!("as raw mode began (attempt {attempt})"),
            true,
        );
    }
}
