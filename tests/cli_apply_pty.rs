//! `convmark apply` and `undo` asking on a terminal: the real binary in a pseudo-terminal
//! against the real emulator. "n" sends nothing; "y" sends; a plan that changed between
//! the question and the answer is shown and asked again.

#![allow(clippy::unwrap_used)]

mod cli_support;

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cli_support::World;
use convmark::domain::Peer;
use portable_pty::{CommandBuilder, PtySize, native_pty_system};

struct Pty {
    child: Box<dyn portable_pty::Child + Send + Sync>,
    writer: Box<dyn Write + Send>,
    output: Arc<Mutex<String>>,
    _pair: portable_pty::PtyPair,
}

impl Pty {
    fn spawn(world: &World, args: &[&str]) -> Pty {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: 50,
                cols: 200,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_convmark"));
        cmd.args(args);
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("CONVMARK_") {
                cmd.env_remove(name);
            }
        }
        for (name, value) in world.env() {
            cmd.env(name, value);
        }
        cmd.env("TERM", "xterm-256color");
        let child = pair.slave.spawn_command(cmd).unwrap();
        let mut reader = pair.master.try_clone_reader().unwrap();
        let writer = pair.master.take_writer().unwrap();
        let output = Arc::new(Mutex::new(String::new()));
        let feed = Arc::clone(&output);
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                feed.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        Pty {
            child,
            writer,
            output,
            _pair: pair,
        }
    }

    /// Waits until the output holds `text` `times` times.
    fn wait_for(&self, text: &str, times: usize) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let out = self.output.lock().unwrap().clone();
            if out.matches(text).count() >= times {
                return out;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {text:?}:\n{out}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn answer(&mut self, text: &str) {
        self.writer.write_all(text.as_bytes()).unwrap();
        self.writer.flush().unwrap();
    }

    fn exit_code(&mut self) -> u32 {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.exit_code();
            }
            assert!(Instant::now() < deadline, "convmark did not exit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

fn changing(world: &World) -> usize {
    world
        .take_calls()
        .iter()
        .filter(|c| {
            ["mark_contact", "contact_group"]
                .iter()
                .any(|e| c.path.ends_with(e))
                && !c.path.ends_with("get_contact_group")
                && !c.path.ends_with("search_contact_group")
        })
        .count()
}

fn document(world: &World) -> String {
    let text = r#"{"format": "convmark-marks", "version": 1, "users": [
  {"user": "bob", "groups": [], "conversations": [
    {"conversation": "c2c_carol", "bits": [1, 3, 40], "custom_mark": "", "groups": []}
  ]}
]}"#;
    world.file("bob.json", text).display().to_string()
}

#[test]
fn apply_asks_and_no_sends_nothing_yes_sends() {
    let world = World::demo();
    let file = document(&world);
    world.take_calls();
    let mut pty = Pty::spawn(&world, &["apply", &file]);
    let out = pty.wait_for("Apply? [y/N] ", 1);
    assert!(out.contains("  c2c_carol: set 40\r\n"), "{out}");
    pty.answer("n\r");
    assert_eq!(pty.exit_code(), 2);
    assert!(
        pty.wait_for("nothing was sent", 1)
            .contains("nothing was sent")
    );
    assert_eq!(changing(&world), 0);

    let mut pty = Pty::spawn(&world, &["apply", &file]);
    pty.wait_for("Apply? [y/N] ", 1);
    pty.answer("y\r");
    assert_eq!(pty.exit_code(), 0);
    let out = pty.wait_for("1 ok, 0 failed", 1);
    assert!(out.contains("audit id "), "{out}");
    assert_eq!(changing(&world), 1);
}

#[test]
fn a_plan_that_changed_before_the_answer_is_shown_and_asked_again() {
    let world = World::demo();
    let file = document(&world);
    let mut pty = Pty::spawn(&world, &["apply", &file]);
    pty.wait_for("Apply? [y/N] ", 1);
    // meanwhile someone sets bit 2 of carol
    world.emulator.as_ref().unwrap().with_state(|s| {
        let bob = s.users.get_mut("bob").unwrap();
        bob.update_record(&Peer::User("carol".into()), 9, |r| r.mark |= 1 << 2)
            .unwrap();
    });
    world.take_calls();
    pty.answer("y\r");
    let out = pty.wait_for("Apply? [y/N] ", 2);
    assert!(
        out.contains("the server changed since it was read; the plan is now:"),
        "{out}"
    );
    assert!(
        out.contains("  c2c_carol: set 40; clear 2 (collapsed)\r\n"),
        "{out}"
    );
    assert_eq!(changing(&world), 0, "nothing sent before the second answer");
    pty.answer("y\r");
    assert_eq!(pty.exit_code(), 0);
    assert_eq!(changing(&world), 1);
}

#[test]
fn undo_asks_as_apply_does() {
    let world = World::demo();
    assert_eq!(
        world
            .run(&["mark", "--user", "bob", "--to", "carol", "--set", "40"])
            .code,
        0
    );
    world.take_calls();
    let mut pty = Pty::spawn(&world, &["undo", "--user", "bob", "--last"]);
    let out = pty.wait_for("Undo? [y/N] ", 1);
    assert!(out.contains("  c2c_carol: clear 40\r\n"), "{out}");
    pty.answer("\r");
    assert_eq!(pty.exit_code(), 2, "Enter alone is no");
    assert_eq!(changing(&world), 0);
    let mut pty = Pty::spawn(&world, &["undo", "--user", "bob", "--last"]);
    pty.wait_for("Undo? [y/N] ", 1);
    pty.answer("yes\r");
    assert_eq!(pty.exit_code(), 0);
    assert_eq!(changing(&world), 1);
}
