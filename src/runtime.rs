//! The loop: terminal events and API results become messages; `update` changes the state and
//! returns commands; commands run as tokio tasks (calling the service layer) that send their
//! results back. The screen is drawn only when something changed and no message is waiting;
//! a spinner ticks only while a request is in flight.
//!
//! The backend and the input stream are parameters, so tests run this very loop on a
//! `TestBackend` with scripted keys against the emulator.

use std::collections::HashMap;
use std::io;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::Poll;
use std::time::Duration;

use crossterm::event::Event;
use futures::{Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend;
use tokio::sync::{mpsc, watch};
use tokio::task::AbortHandle;
use tokio_util::sync::CancellationToken;

use crate::api::{Client, tagged};
use crate::app::{App, Cmd, JournalFound, Msg, Records, RequestId, update};
use crate::domain::MarkChange;
use crate::service;

const SPINNER_TICK: Duration = Duration::from_millis(120);

#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    #[error("terminal error: {0}")]
    Terminal(String),
}

/// One write of the journal: the whole stage of one user.
#[derive(Debug, Clone)]
struct JournalJob {
    version: u64,
    dir: PathBuf,
    sdkappid: u64,
    user: String,
    changes: Vec<MarkChange>,
}

/// Writes the journal off the UI task: staging never waits for the disk, and a burst of
/// changes is one write of the last (a watch channel keeps only the newest job).
struct JournalWriter {
    jobs: watch::Sender<Option<JournalJob>>,
    version: u64,
    written: Arc<AtomicU64>,
}

impl JournalWriter {
    fn start(tx: mpsc::UnboundedSender<Msg>) -> JournalWriter {
        let (jobs, mut rx) = watch::channel::<Option<JournalJob>>(None);
        let written = Arc::new(AtomicU64::new(0));
        let done = written.clone();
        tokio::spawn(async move {
            while rx.changed().await.is_ok() {
                let Some(job) = rx.borrow_and_update().clone() else {
                    continue;
                };
                let version = job.version;
                let result = tokio::task::spawn_blocking(move || write_journal(&job)).await;
                match result {
                    Ok(Err(text)) => {
                        let _ = tx.send(Msg::LocalFailed(text));
                    }
                    Err(e) => {
                        let _ = tx.send(Msg::LocalFailed(format!(
                            "Journal not saved, staged edits are only in memory: {e}"
                        )));
                    }
                    Ok(Ok(())) => {}
                }
                done.fetch_max(version, Ordering::SeqCst);
            }
        });
        JournalWriter {
            jobs,
            version: 0,
            written,
        }
    }

    fn save(&mut self, dir: PathBuf, sdkappid: u64, user: String, changes: Vec<MarkChange>) {
        self.version += 1;
        let _ = self.jobs.send(Some(JournalJob {
            version: self.version,
            dir,
            sdkappid,
            user,
            changes,
        }));
    }

    /// At quit: the last job is on disk before the process ends.
    fn flush(&self) {
        if self.written.load(Ordering::SeqCst) >= self.version {
            return;
        }
        if let Some(job) = self.jobs.borrow().clone()
            && let Err(e) = write_journal(&job)
        {
            tracing::warn!(error = %e, "journal at quit");
        }
    }
}

fn write_journal(job: &JournalJob) -> Result<(), String> {
    crate::journal::save(&job.dir, job.sdkappid, &job.user, &job.changes).map_err(|e| {
        tracing::warn!(error = %e, "journal");
        format!("Journal not saved, staged edits are only in memory: {e}")
    })
}

/// What commands need: the client (with the retry observer), the channel back, the tasks
/// by request id, the journal writer.
struct Executor<W> {
    client: Client,
    tx: mpsc::UnboundedSender<Msg>,
    tasks: HashMap<RequestId, (AbortHandle, Option<CancellationToken>)>,
    journal: JournalWriter,
    clipboard: W,
}

impl<W: io::Write> Executor<W> {
    fn spawn<F>(&mut self, id: RequestId, cancel: Option<CancellationToken>, f: F)
    where
        F: std::future::Future<Output = Msg> + Send + 'static,
    {
        let tx = self.tx.clone();
        self.tasks.retain(|_, (h, _)| !h.is_finished());
        let handle = tokio::spawn(async move {
            let msg = tagged(id, f).await;
            let _ = tx.send(msg);
        });
        self.tasks.insert(id, (handle.abort_handle(), cancel));
    }

    fn execute(&mut self, cmd: Cmd) {
        let client = self.client.clone();
        let tx = self.tx.clone();
        match cmd {
            Cmd::Quit => {}
            Cmd::SaveJournal {
                dir,
                sdkappid,
                user,
                changes,
            } => self.journal.save(dir, sdkappid, user, changes),
            Cmd::LoadJournal {
                dir,
                sdkappid,
                user,
            } => {
                let result = crate::journal::load(&dir, sdkappid, &user)
                    .map(|changes| {
                        (!changes.is_empty()).then(|| JournalFound {
                            changes,
                            saved_at: crate::journal::saved_at(&dir, sdkappid, &user),
                        })
                    })
                    .map_err(|e| e.to_string());
                let _ = tx.send(Msg::JournalLoaded { user, result });
            }
            Cmd::LoadHistory {
                dir,
                sdkappid,
                user,
            } => {
                tokio::task::spawn_blocking(move || {
                    let result = crate::audit::read(&dir)
                        .map(|(records, _)| crate::audit::commits(&records, sdkappid, &user));
                    let _ = tx.send(Msg::HistoryLoaded { user, result });
                });
            }
            Cmd::Copy { text } => {
                let sequence = crate::terminal::osc52(&text);
                if let Err(e) = self
                    .clipboard
                    .write_all(sequence.as_bytes())
                    .and_then(|()| self.clipboard.flush())
                {
                    let _ = tx.send(Msg::LocalFailed(format!(
                        "Cannot write to the terminal to copy: {e}"
                    )));
                }
            }
            Cmd::LoadUser { id, user } => {
                let pages = tx.clone();
                self.spawn(id, None, async move {
                    let started = std::time::Instant::now();
                    let result = service::load::user_pages(&client, &user, |page| {
                        let _ = pages.send(Msg::LoadPage { id, page });
                    })
                    .await;
                    tracing::info!(
                        user = %user,
                        ms = started.elapsed().as_millis() as u64,
                        ok = result.is_ok(),
                        "loaded user"
                    );
                    Msg::Loaded { id, result }
                });
            }
            Cmd::Commit {
                id,
                plan,
                audit_dir,
            } => {
                let cancel = CancellationToken::new();
                let client = client.with_cancel(cancel.clone());
                let progress = tx.clone();
                self.spawn(id, Some(cancel), async move {
                    let report = service::commit::commit(
                        &client,
                        std::slice::from_ref(&plan),
                        audit_dir.as_deref(),
                        |call| {
                            let _ = progress.send(Msg::CommitProgress { id, call });
                        },
                    )
                    .await;
                    Msg::Committed { id, report }
                });
            }
            Cmd::ReadBack { id, user, peers } => {
                self.spawn(id, None, async move {
                    let result = search(&client, &user, &peers).await;
                    Msg::ReadBack { id, result }
                });
            }
            Cmd::LookUp { id, user, peer } => {
                self.spawn(id, None, async move {
                    let result = search(&client, &user, std::slice::from_ref(&peer)).await;
                    Msg::LookedUp { id, peer, result }
                });
            }
            Cmd::Group {
                id,
                user,
                op,
                audit_dir,
            } => {
                self.spawn(id, None, async move {
                    let outcome =
                        service::groups::run(&client, &user, op, true, audit_dir.as_deref()).await;
                    tracing::info!(user = %user, op = ?outcome.op, ok = outcome.ok(), "group request");
                    Msg::GroupDone { id, outcome }
                });
            }
            Cmd::Cancel { id } => {
                if let Some((_, Some(cancel))) = self.tasks.get(&id) {
                    cancel.cancel();
                }
            }
            Cmd::Abort { ids } => {
                for id in ids {
                    if let Some((handle, _)) = self.tasks.remove(&id) {
                        handle.abort();
                    }
                }
            }
        }
    }
}

/// Runs the TUI until quit. `clipboard` receives the OSC 52 sequences of `y` (the
/// terminal's output; tests pass a buffer). `observe` is called after every drawn frame
/// (tests read the screen through it). Returns the final state.
pub async fn run<B, S, W, F>(
    terminal: &mut Terminal<B>,
    mut events: S,
    mut app: App,
    client: Client,
    initial: Vec<Cmd>,
    clipboard: W,
    mut observe: F,
) -> Result<App, RuntimeError>
where
    B: Backend,
    S: Stream<Item = io::Result<Event>> + Unpin,
    W: io::Write,
    F: FnMut(&Terminal<B>, &App),
{
    let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
    let retries = tx.clone();
    let client = client.with_observer(Arc::new(move |notice| {
        let _ = retries.send(Msg::Retrying(notice.clone()));
    }));
    let mut exec = Executor {
        client,
        journal: JournalWriter::start(tx.clone()),
        tx,
        tasks: HashMap::new(),
        clipboard,
    };
    let size = terminal
        .size()
        .map_err(|e| RuntimeError::Terminal(e.to_string()))?;
    update(
        &mut app,
        Msg::Resize {
            width: size.width,
            height: size.height,
        },
    );
    for cmd in initial {
        exec.execute(cmd);
    }
    let mut ticker = tokio::time::interval(SPINNER_TICK);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    draw(terminal, &app, &mut observe)?;
    let result = loop {
        // Wait for something to happen (the spinner ticks only while a request is out).
        let spinning = app.busy();
        let first = tokio::select! {
            event = events.next() => match event {
                Some(Ok(event)) => event_msg(event),
                Some(Err(e)) => break Err(RuntimeError::Terminal(e.to_string())),
                None => break Ok(()),
            },
            Some(msg) = rx.recv() => Some(msg),
            _ = ticker.tick(), if spinning => Some(Msg::Tick),
        };
        let mut dirty = false;
        let mut next = first;
        // Handle it and everything else already waiting, then draw once.
        let ended = loop {
            if let Some(msg) = next.take() {
                dirty = true;
                for cmd in update(&mut app, msg) {
                    exec.execute(cmd);
                }
                if app.quit {
                    break Some(Ok(()));
                }
            }
            if let Ok(msg) = rx.try_recv() {
                next = Some(msg);
                continue;
            }
            // Poll with this task's own waker (a no-op waker would lose the wake-up of
            // crossterm's EventStream).
            match std::future::poll_fn(|cx| Poll::Ready(events.poll_next_unpin(cx))).await {
                Poll::Ready(Some(Ok(event))) => next = event_msg(event),
                Poll::Ready(Some(Err(e))) => {
                    break Some(Err(RuntimeError::Terminal(e.to_string())));
                }
                Poll::Ready(None) => break Some(Ok(())),
                Poll::Pending => break None,
            }
        };
        if let Some(end) = ended {
            break end;
        }
        if dirty {
            draw(terminal, &app, &mut observe)?;
        }
    };
    exec.journal.flush();
    result.map(|()| app)
}

fn draw<B: Backend>(
    terminal: &mut Terminal<B>,
    app: &App,
    observe: &mut impl FnMut(&Terminal<B>, &App),
) -> Result<(), RuntimeError> {
    terminal
        .autoresize()
        .map_err(|e| RuntimeError::Terminal(e.to_string()))?;
    terminal
        .draw(|frame| crate::ui::render(frame, app))
        .map_err(|e| RuntimeError::Terminal(e.to_string()))?;
    observe(terminal, app);
    Ok(())
}

fn event_msg(event: Event) -> Option<Msg> {
    match event {
        Event::Key(key) => Some(Msg::Key(key)),
        Event::Paste(text) => Some(Msg::Paste(text)),
        // Only clicks: mouse moves would redraw for nothing.
        Event::Mouse(mouse) if matches!(mouse.kind, crossterm::event::MouseEventKind::Down(_)) => {
            Some(Msg::Mouse(mouse))
        }
        Event::Resize(width, height) => Some(Msg::Resize { width, height }),
        _ => None,
    }
}

/// search_contact_group in calls of at most 300 conversations.
pub async fn search(
    client: &Client,
    user: &str,
    peers: &[crate::domain::Peer],
) -> Result<Records, crate::api::ApiError> {
    let (records, groups) = service::load::search(client, user, peers).await?;
    Ok(Records {
        records: records.into_values().collect(),
        groups,
    })
}
