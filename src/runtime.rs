//! The loop: terminal events and API results become messages; `update` changes the state and
//! returns commands; commands run as tokio tasks that send their results back. The screen is
//! drawn only when something changed and no message is waiting; a spinner ticks only while a
//! request is in flight.
//!
//! The backend and the input stream are parameters, so tests run this very loop on a
//! `TestBackend` with scripted keys against the emulator.

use std::io;
use std::task::Poll;
use std::time::Duration;

use crossterm::event::Event;
use futures::{Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend;
use tokio::sync::mpsc;

use crate::api::wire::{ContactOptType, GroupItem};
use crate::api::{ApiError, Client};
use crate::app::{
    App, BatchOutcome, Cmd, GroupAnswer, GroupOp, JournalFound, Msg, Records, UserData, commit,
    update,
};
use crate::commands::load;
use crate::domain::Peer;

const SPINNER_TICK: Duration = Duration::from_millis(120);

#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    #[error("terminal error: {0}")]
    Terminal(String),
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
    mut clipboard: W,
    mut observe: F,
) -> Result<App, RuntimeError>
where
    B: Backend,
    S: Stream<Item = io::Result<Event>> + Unpin,
    W: io::Write,
    F: FnMut(&Terminal<B>, &App),
{
    let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
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
        execute(cmd, &client, &tx, &mut clipboard);
    }
    let mut ticker = tokio::time::interval(SPINNER_TICK);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    draw(terminal, &app, &mut observe)?;
    loop {
        // Wait for something to happen (the spinner ticks only while a request is out).
        let spinning = app.in_flight > 0;
        let first = tokio::select! {
            event = events.next() => match event {
                Some(Ok(event)) => event_msg(event),
                Some(Err(e)) => return Err(RuntimeError::Terminal(e.to_string())),
                None => return Ok(app),
            },
            Some(msg) = rx.recv() => Some(msg),
            _ = ticker.tick(), if spinning => Some(Msg::Tick),
        };
        let mut dirty = false;
        let mut next = first;
        // Handle it and everything else already waiting, then draw once.
        loop {
            if let Some(msg) = next.take() {
                dirty = true;
                for cmd in update(&mut app, msg) {
                    execute(cmd, &client, &tx, &mut clipboard);
                }
                if app.quit {
                    return Ok(app);
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
                Poll::Ready(Some(Err(e))) => return Err(RuntimeError::Terminal(e.to_string())),
                Poll::Ready(None) => return Ok(app),
                Poll::Pending => break,
            }
        }
        if dirty {
            draw(terminal, &app, &mut observe)?;
        }
    }
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

/// Starts the side effect of a command; its result arrives later as a message. The journal
/// and the clipboard are written at once (small writes, in order), so a journal is on disk
/// before the frame that shows its edit is drawn.
fn execute(
    cmd: Cmd,
    client: &Client,
    tx: &mpsc::UnboundedSender<Msg>,
    clipboard: &mut impl io::Write,
) {
    let client = client.clone();
    let tx = tx.clone();
    match cmd {
        Cmd::Quit => {}
        Cmd::SaveJournal {
            dir,
            sdkappid,
            user,
            changes,
        } => {
            if let Err(e) = crate::journal::save(&dir, sdkappid, &user, &changes) {
                tracing::warn!(error = %e, "journal");
                let _ = tx.send(Msg::LocalFailed(format!(
                    "Journal not saved, staged edits are only in memory: {e}"
                )));
            }
        }
        Cmd::LoadJournal {
            generation,
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
            let _ = tx.send(Msg::JournalLoaded { generation, result });
        }
        Cmd::Copy { text } => {
            let sequence = crate::terminal::osc52(&text);
            if let Err(e) = clipboard
                .write_all(sequence.as_bytes())
                .and_then(|()| clipboard.flush())
            {
                let _ = tx.send(Msg::LocalFailed(format!(
                    "Cannot write to the terminal to copy: {e}"
                )));
            }
        }
        Cmd::LoadUser { generation, user } => {
            tokio::spawn(async move {
                let started = std::time::Instant::now();
                let result = load_user(&client, &user).await;
                tracing::info!(
                    user = %user,
                    ms = started.elapsed().as_millis() as u64,
                    ok = result.is_ok(),
                    "loaded user"
                );
                let _ = tx.send(Msg::Loaded {
                    generation,
                    user,
                    result,
                });
            });
        }
        Cmd::Commit {
            generation,
            user,
            batches,
            audit_dir,
        } => {
            tokio::spawn(async move {
                // Batches go out concurrently; the client's pacer keeps them under the limit.
                let calls = batches.into_iter().map(|batch| {
                    let client = client.clone();
                    let user = user.clone();
                    let tx = tx.clone();
                    async move {
                        let req = commit::request(&user, &batch);
                        let result = client.mark_contact(&req).await;
                        tracing::info!(
                            user = %user,
                            items = req.mark_item.len(),
                            result = ?result.as_ref().map(|r| r.result_item.iter().map(|i| i.result_code).collect::<Vec<_>>()),
                            "mark_contact"
                        );
                        let _ = tx.send(Msg::CommitProgress {
                            generation,
                            items: batch.len(),
                        });
                        BatchOutcome {
                            sent: batch,
                            result,
                        }
                    }
                });
                let outcomes = futures::future::join_all(calls).await;
                let audit_error = audit_dir.and_then(|dir| {
                    let config = client.config();
                    let records = crate::audit::answered(
                        config.sdkappid,
                        &config.identifier,
                        &user,
                        outcomes.iter().flat_map(commit::answered),
                    );
                    crate::audit::write(&dir, &records).err()
                });
                let _ = tx.send(Msg::Committed {
                    generation,
                    outcomes,
                    audit_error,
                });
            });
        }
        Cmd::ReadBack {
            generation,
            user,
            peers,
        } => {
            tokio::spawn(async move {
                let result = search(&client, &user, &peers).await;
                let _ = tx.send(Msg::ReadBack { generation, result });
            });
        }
        Cmd::Group {
            generation,
            user,
            op,
        } => {
            tokio::spawn(async move {
                let result = group(&client, &user, &op).await;
                tracing::info!(user = %user, op = ?op, ok = result.is_ok(), "group request");
                let _ = tx.send(Msg::GroupDone {
                    generation,
                    op,
                    result,
                });
            });
        }
        Cmd::LookUp {
            generation,
            user,
            peer,
        } => {
            tokio::spawn(async move {
                let result = search(&client, &user, std::slice::from_ref(&peer)).await;
                let _ = tx.send(Msg::LookedUp {
                    generation,
                    peer,
                    result,
                });
            });
        }
    }
}

/// Reads every page of get_list (AssistFlags 63) and of get_contact_group, as `convmark get`
/// does.
pub async fn load_user(client: &Client, user: &str) -> Result<UserData, ApiError> {
    let (sessions, (records, groups)) = futures::try_join!(
        load::recent_list(client, user),
        load::contact_groups(client, user)
    )?;
    Ok(UserData {
        sessions,
        records,
        groups,
    })
}

/// One group request (built as the CLI builds it), then get_contact_group (every page) to
/// re-read the groups and who is in them.
pub async fn group(client: &Client, user: &str, op: &GroupOp) -> Result<GroupAnswer, ApiError> {
    use crate::api::groups;
    let named = |name: &str| GroupItem {
        group_name: name.to_owned(),
        group_id: 0,
    };
    let (group, item) = match op {
        GroupOp::Create { name } => {
            let resp = client
                .create_contact_group(&groups::create_request(user, name, &[]))
                .await?;
            let group = resp
                .group_result_item
                .into_iter()
                .next()
                .map_or_else(|| named(name), |r| r.group_item);
            (group, None)
        }
        GroupOp::Rename { old, new } => {
            let resp = client
                .update_contact_group(&groups::rename_request(user, old, new))
                .await?;
            let r = resp.update_group_result;
            (
                GroupItem {
                    group_name: r.group_name,
                    group_id: r.group_id,
                },
                None,
            )
        }
        GroupOp::Delete { name } => {
            let resp = client
                .del_contact_group(&groups::delete_request(user, name))
                .await?;
            let group = resp
                .group_item
                .into_iter()
                .next()
                .unwrap_or_else(|| named(name));
            (group, None)
        }
        GroupOp::Add { name, peer } | GroupOp::Remove { name, peer } => {
            let opt = if matches!(op, GroupOp::Add { .. }) {
                ContactOptType::Add
            } else {
                ContactOptType::Remove
            };
            let req = groups::members_request(user, name, std::slice::from_ref(peer), opt);
            let resp = client.update_contact_group(&req).await?;
            let r = resp.update_group_result;
            let item = r
                .contact_result_item
                .iter()
                .find(|i| i.contact_item.0 == *peer)
                .map(|i| (i.result_code, i.result_info.clone()));
            (
                GroupItem {
                    group_name: r.group_name,
                    group_id: r.group_id,
                },
                item,
            )
        }
    };
    let refreshed = load::contact_groups(client, user)
        .await
        .map(|(records, groups)| Records { records, groups });
    Ok(GroupAnswer {
        group,
        item,
        refreshed,
    })
}

/// search_contact_group in calls of at most 300 conversations, as the CLI reads back.
pub async fn search(client: &Client, user: &str, peers: &[Peer]) -> Result<Records, ApiError> {
    let (records, groups) = load::search(client, user, peers).await?;
    Ok(Records {
        records: records.into_values().collect(),
        groups,
    })
}
