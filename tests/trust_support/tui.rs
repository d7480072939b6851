//! The real TUI loop (`runtime::run`) on a TestBackend with scripted keys, as in
//! `tests/tui_flow.rs`: every drawn frame's screen and the whole status message, the
//! requests in flight and the staged count.

use std::io;
use std::time::Duration;

use convmark::api::Client;
use convmark::app::{App, Cmd, KeyMap, Session};
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use futures::channel::mpsc;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio::sync::watch;

pub struct Frame {
    pub screen: String,
    /// The whole status message (the status line shows one line of it).
    pub status: String,
    /// Every message of the session (the message log, `m`), newest last.
    pub messages: Vec<String>,
    pub in_flight: usize,
    pub staged: usize,
}

pub struct Harness {
    keys: mpsc::UnboundedSender<io::Result<Event>>,
    pub frames: watch::Receiver<Frame>,
    task: tokio::task::JoinHandle<App>,
}

impl Harness {
    pub fn start(client: Client, app: App, initial: Vec<Cmd>) -> Harness {
        let (keys, events) = mpsc::unbounded();
        let (tx, frames) = watch::channel(Frame {
            screen: String::new(),
            status: String::new(),
            messages: Vec::new(),
            in_flight: 1,
            staged: 0,
        });
        let task = tokio::spawn(async move {
            let mut terminal = Terminal::new(TestBackend::new(100, 30)).unwrap();
            convmark::runtime::run(
                &mut terminal,
                events,
                app,
                client,
                initial,
                io::sink(),
                |t, app| {
                    tx.send_replace(Frame {
                        screen: convmark::ui::buffer_text(t.backend().buffer()),
                        status: app
                            .status
                            .as_ref()
                            .map_or(String::new(), |s| s.text.clone()),
                        messages: app.messages.iter().map(|m| m.text.clone()).collect(),
                        in_flight: app.requests.len(),
                        staged: app.staged_count(),
                    });
                },
            )
            .await
            .unwrap()
        });
        Harness { keys, frames, task }
    }

    /// The app of `session` with `user` opened at once, on `client`.
    pub fn open(client: &Client, session: Session, user: &str) -> Harness {
        let (app, cmds) = convmark::tui::build_app(
            session,
            client,
            KeyMap::default(),
            Default::default(),
            Some(user.into()),
        );
        Harness::start(client.clone(), app, cmds)
    }

    pub fn send(&self, code: KeyCode, modifiers: KeyModifiers) {
        self.keys
            .unbounded_send(Ok(Event::Key(KeyEvent::new(code, modifiers))))
            .unwrap();
    }

    pub fn key(&self, code: KeyCode) {
        self.send(code, KeyModifiers::NONE);
    }

    pub fn ch(&self, c: char) {
        self.key(KeyCode::Char(c));
    }

    pub fn type_text(&self, text: &str) {
        for c in text.chars() {
            self.ch(c);
        }
    }

    /// Waits (up to 20 s) for a frame, with nothing in flight, whose screen or status
    /// satisfies `pred`; returns the status.
    pub async fn wait_for(&mut self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        self.wait_until(what, |f| {
            f.in_flight == 0 && (pred(&f.status) || pred(&f.screen))
        })
        .await
    }

    /// Waits (up to 20 s) for a frame that satisfies `pred`, in flight or not.
    pub async fn wait_until(&mut self, what: &str, pred: impl Fn(&Frame) -> bool) -> String {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            {
                let f = self.frames.borrow_and_update();
                if pred(&f) {
                    return f.status.clone();
                }
            }
            let last = {
                let f = self.frames.borrow();
                format!("{}STATUS: {}", f.screen, f.status)
            };
            tokio::time::timeout_at(deadline, self.frames.changed())
                .await
                .unwrap_or_else(|_| panic!("timed out waiting for {what}; screen:\n{last}"))
                .unwrap();
        }
    }

    pub fn messages(&self) -> Vec<String> {
        self.frames.borrow().messages.clone()
    }

    pub fn staged(&self) -> usize {
        self.frames.borrow().staged
    }

    pub async fn quit(self) -> App {
        self.send(KeyCode::Char('c'), KeyModifiers::CONTROL);
        tokio::time::timeout(Duration::from_secs(10), self.task)
            .await
            .unwrap()
            .unwrap()
    }
}
