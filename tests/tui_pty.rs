//! The real binary (`convmark demo`) in a pseudo-terminal: it draws the demo user's
//! conversations at 80x24, takes keys, quits with q and leaves the alternate screen.
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
}

fn spawn_demo() -> Running {
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
    cmd.env("CONVMARK_CONFIG", dir.path().join("none.toml"));
    cmd.env("CONVMARK_DATA_DIR", dir.path());
    cmd.env("TERM", "xterm-256color");
    let child = pair.slave.spawn_command(cmd).unwrap();
    let mut reader = pair.master.try_clone_reader().unwrap();
    let writer = pair.master.take_writer().unwrap();
    let bytes = Arc::new(Mutex::new(0usize));
    let counted = Arc::clone(&bytes);
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
        }
    });
    Running {
        _dir: dir,
        pair,
        child,
        writer,
        parser,
        bytes,
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
    let screen = wait_for(&parser, "help", |s| s.contains("force quit"));
    assert!(screen.contains("convmark.log"), "{screen}");
    writer.write_all(b"\x1b").unwrap();
    writer.flush().unwrap();
    wait_for(&parser, "help closed", |s| !s.contains("force quit"));

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

#[cfg(unix)]
#[test]
fn sigterm_restores_the_terminal() {
    let mut run = spawn_demo();
    wait_for(&run.parser, "alice loaded", |s| s.contains("Loaded"));
    assert!(run.parser.lock().unwrap().screen().alternate_screen());
    let pid = run.child.process_id().unwrap();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let _ = wait_exit(&mut run.child);
    std::thread::sleep(Duration::from_millis(100));
    let screen = run.parser.lock().unwrap().screen().clone();
    assert!(!screen.alternate_screen(), "the terminal is restored");
    run.writer.flush().unwrap();
}
