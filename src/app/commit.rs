//! Committing the stage: every staged edit becomes a planned change (against what the
//! server held when the row was last read), checked against the 1,000 limit, sent by the
//! service; the answers are shown per row and read back. Esc during a commit cancels the
//! calls not yet sent.

use crate::api::ApiError;
use crate::api::codes;
use crate::domain::Peer;
use crate::service::ItemOutcome;
use crate::service::commit::{CallDone, CommitReport, request};
use crate::service::plan::{MarkPlan, check_mark_limit, plan_marks};
use crate::text::thousands;

use super::keys::Action;
use super::msg::{Cmd, Records};
use super::requests::{RequestId, RequestKind};
use super::state::{App, CommitProgress, StatusKind};
use super::update::set_status;

/// Every staged edit of every conversation, in list order, planned by the service against
/// what the server last said of each.
pub fn staged_plan(app: &App) -> Option<MarkPlan> {
    let user = app.user.as_deref()?;
    let wants = app
        .conversations
        .iter()
        .filter(|c| !c.staged.is_empty())
        .map(|c| (c.peer().clone(), c.staged.clone()));
    Some(plan_marks(user, |p| app.mark_state_of(p), wants))
}

/// The request preview: URL and JSON of every call a commit would send.
pub fn preview(app: &App) -> String {
    let Some(plan) = staged_plan(app) else {
        return "No user is open: nothing to commit.".into();
    };
    if plan.changes.is_empty() {
        return format!(
            "Nothing is staged: a commit would send nothing.\n\nStage a bit with {} or a custom mark with {}, then press {} again.",
            app.keys.hint(Action::Toggle),
            app.keys.hint(Action::EditCustom),
            app.keys.hint(Action::Preview)
        );
    }
    let url = &app.session.mark_contact_url;
    let (path, query) = url.split_once('?').unwrap_or((url.as_str(), ""));
    let plans = std::slice::from_ref(&plan);
    let calls = crate::service::commit::calls(plans);
    let mut out = String::new();
    for (n, (_, batch)) in calls.iter().enumerate() {
        let req = request(&plan.user, batch);
        out.push_str(&format!(
            "# call {} of {}: {} conversation(s)\nPOST {path}\n  ?{query}\n",
            n + 1,
            calls.len(),
            batch.len(),
        ));
        // The body as sent (compact JSON), one MarkItem per line.
        let from = serde_json::to_string(&req.from_account).unwrap_or_default();
        out.push_str(&format!("{{\"From_Account\":{from},\"MarkItem\":[\n"));
        let items: Vec<String> = req
            .mark_item
            .iter()
            .map(|item| {
                serde_json::to_string(item).unwrap_or_else(|e| format!("cannot serialize: {e}"))
            })
            .collect();
        out.push_str(&items.join(",\n"));
        out.push_str("\n]}\n\n");
    }
    // the last line is the last call's `]}`: scrolling to the end shows no blank rows
    out.truncate(out.trim_end().len());
    out
}

/// The JSON bodies of the calls, one a line (`y` in the preview).
pub fn bodies(app: &App) -> Vec<String> {
    let Some(plan) = staged_plan(app) else {
        return Vec::new();
    };
    crate::service::commit::calls(std::slice::from_ref(&plan))
        .into_iter()
        .filter_map(|(_, batch)| serde_json::to_string(&request(&plan.user, batch)).ok())
        .collect()
}

/// `c`: commits every staged edit.
pub(super) fn start(app: &mut App) -> Vec<Cmd> {
    if app.session.read_only {
        set_status(app, StatusKind::Error, super::input::READ_ONLY);
        return Vec::new();
    }
    if app.requests.committing().is_some() {
        set_status(app, StatusKind::Error, "A commit is already in flight");
        return Vec::new();
    }
    if let Some(why) = super::loading::still_loading(app) {
        set_status(app, StatusKind::Error, why);
        return Vec::new();
    }
    let Some(plan) = staged_plan(app) else {
        return Vec::new();
    };
    if plan.changes.is_empty() {
        set_status(app, StatusKind::Info, "Nothing is staged");
        return Vec::new();
    }
    if let Err(over) = check_mark_limit(app.marked_count(), &plan) {
        set_status(app, StatusKind::Error, format!("Not committed: {over}"));
        return Vec::new();
    }
    let total = plan.changes.len();
    let calls = plan.calls();
    app.progress = Some(CommitProgress {
        done_items: 0,
        total_items: total,
        done_calls: 0,
        total_calls: calls,
    });
    let id = app.requests.start(RequestKind::Commit, &plan.user);
    if let Some(r) = app.requests.get_mut(id) {
        r.progress.total_calls = calls;
        r.progress.total_items = total;
    }
    // after a stopped load the marked count is a lower bound: the server has the last word
    let partly = if app.conn == super::state::ConnState::Partial {
        "; the user is partly loaded, so the server checks the 1,000 limit (51008 beyond it)"
    } else {
        ""
    };
    set_status(
        app,
        StatusKind::Info,
        format!(
            "Committing {} conversation(s) in {calls} call(s)… ({} cancels the calls not yet sent){partly}",
            thousands(total),
            app.keys.hint(Action::Back)
        ),
    );
    vec![Cmd::Commit {
        id,
        plan,
        audit_dir: app.session.data_dir.clone(),
    }]
}

/// Esc during a commit: the calls not yet sent are not sent.
pub(super) fn cancel(app: &mut App, id: RequestId) -> Vec<Cmd> {
    if let Some(r) = app.requests.get_mut(id) {
        if r.cancelling {
            return Vec::new();
        }
        r.cancelling = true;
    }
    set_status(
        app,
        StatusKind::Info,
        "Cancelling the commit: calls not yet sent will not be sent; calls in flight finish",
    );
    vec![Cmd::Cancel { id }]
}

pub(super) fn on_call(app: &mut App, id: RequestId, call: CallDone) {
    app.requests.call(id, call);
    if let (Some(p), Some(r)) = (&mut app.progress, app.requests.get(id)) {
        p.done_items = r.progress.done_items;
        p.done_calls = r.progress.done_calls;
    }
}

pub(super) fn on_committed(app: &mut App, id: RequestId, report: CommitReport) -> Vec<Cmd> {
    // A commit's answers are always recorded, even if the request was somehow forgotten.
    let cancelled = app.requests.finish(id).is_some_and(|r| r.cancelling);
    app.stage_changed = true;
    let mut answered = Vec::new();
    let mut failures: Vec<Failure> = Vec::new();
    let mut pro = false;
    for item in &report.items {
        let peer = &item.planned.change.peer;
        if app.user.as_deref() != Some(item.user.as_str()) {
            continue;
        }
        let Some(i) = app.index.get(peer).copied() else {
            continue;
        };
        let Some(row) = app.conversations.get_mut(i) else {
            continue;
        };
        match &item.outcome {
            ItemOutcome::NotSent => {
                row.result = Some(ItemOutcome::NotSent);
                continue;
            }
            o if o.is_ok() => row.apply_success(&item.planned.change.edit),
            o => {
                let text = o.describe();
                match failures.iter_mut().find(|f| f.text == text) {
                    Some(f) => f.peers.push(peer.clone()),
                    None => failures.push(Failure {
                        short: o.short(),
                        text,
                        peers: vec![peer.clone()],
                    }),
                }
            }
        }
        pro |= item.outcome.code() == Some(51013);
        row.result = Some(item.outcome.clone());
        if item.outcome.is_answered() {
            answered.push(peer.clone());
        }
    }
    for p in &answered {
        if let Some(i) = app.index.get(p).copied() {
            app.rekey(i);
        }
    }
    if pro && app.session.edition.is_none() {
        app.session.edition = Some("not Ultimate".into());
    }
    let ok = report.succeeded();
    let not_sent = report.not_sent();
    let failed = report.failed() - not_sent;
    let (kind, mut text) = if not_sent > 0 {
        (
            StatusKind::Info,
            format!(
                "Cancelled: {} conversation(s) changed, {} stay staged ({} call(s) not sent{})",
                thousands(ok),
                thousands(not_sent + failed),
                report.calls_not_sent,
                if failed > 0 {
                    format!(", {failed} failed")
                } else {
                    String::new()
                }
            ),
        )
    } else if failed == 0 {
        (
            StatusKind::Ok,
            format!(
                "Committed {} conversation(s): {}",
                thousands(ok),
                codes::describe(0)
            ),
        )
    } else {
        let why = match failures.as_slice() {
            [one] => one.text.clone(),
            many => {
                // several kinds: the status names each by its code, the message log has
                // each whole, with the conversations it hit (one kind: the status says it)
                for f in many {
                    let shown: Vec<String> =
                        f.peers.iter().take(3).map(ToString::to_string).collect();
                    let more = f.peers.len().saturating_sub(shown.len());
                    app.log(
                        StatusKind::Error,
                        format!(
                            "{} conversation(s) failed ({}{}): {}",
                            thousands(f.peers.len()),
                            shown.join(", "),
                            if more > 0 {
                                format!(" and {} more", thousands(more))
                            } else {
                                String::new()
                            },
                            f.text
                        ),
                    );
                }
                format!(
                    "{} ({} goes to each failed row)",
                    many.iter()
                        .map(|f| format!("{} on {}", f.short, thousands(f.peers.len())))
                        .collect::<Vec<_>>()
                        .join(", "),
                    app.keys.hint(Action::NextFailed)
                )
            }
        };
        (
            StatusKind::Error,
            format!(
                "{} failed (still staged), {} committed: {why}",
                thousands(failed),
                thousands(ok)
            ),
        )
    };
    if cancelled && not_sent == 0 {
        text.push_str(" (the cancel came after the last call was sent)");
    }
    if let Some(e) = &report.audit_error {
        text.push_str(&format!(" · {e}"));
    }
    set_status(
        app,
        if report.audit_error.is_some() {
            StatusKind::Error
        } else {
            kind
        },
        text,
    );
    read_back(app, answered)
}

/// One kind of failure of a commit: its text and the conversations it hit.
struct Failure {
    short: String,
    text: String,
    peers: Vec<Peer>,
}

/// Reads `peers` of the open user back from the server (nothing when there are none).
pub(super) fn read_back(app: &mut App, peers: Vec<Peer>) -> Vec<Cmd> {
    if peers.is_empty() {
        return Vec::new();
    }
    let Some(user) = app.user.clone() else {
        return Vec::new();
    };
    let id = app.requests.start(RequestKind::ReadBack, &user);
    vec![Cmd::ReadBack { id, user, peers }]
}

pub(super) fn on_read_back(app: &mut App, id: RequestId, result: Result<Records, ApiError>) {
    if app.requests.finish(id).is_none() {
        return;
    }
    match result {
        Ok(Records { records, groups }) => {
            app.stage_changed = true;
            app.merge_group_names(&groups);
            for r in &records {
                if let Some(i) = app.index.get(&r.contact.0).copied() {
                    if let Some(c) = app.conversations.get_mut(i) {
                        c.apply_record(r);
                    }
                    app.rekey(i);
                }
            }
            app.extend_status(&format!(" · read back {}", records.len()));
        }
        Err(e) => {
            let reload = app.keys.hint(Action::Reload);
            set_status(
                app,
                StatusKind::Error,
                format!(
                    "The read-back failed: {}; the list may not show what the server holds now; press {reload} to reload",
                    e.describe()
                ),
            );
        }
    }
}
