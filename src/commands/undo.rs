//! `convmark undo`: reverts a commit from the audit log (`--user U --last`, or its id) with
//! the minimal deltas against a fresh read, only where the server still holds what that
//! commit wrote; a conversation changed since is a conflict, left alone unless `--force`.
//! Group operations are reverted by their opposites. Asks as `apply` does; the undo is a
//! commit of its own in the audit log, so it can be undone too.

use std::process::ExitCode;

use serde::Serialize;

use super::apply::{
    Done, Stop, UserJson, check_can_ask, finish, labels, read_failed, refuse, send, settle,
    user_json,
};
use super::connect;
use super::output::{Progress, note, print_json};
use crate::api::Client;
use crate::audit::{self, AuditRecord};
use crate::cli::UndoArgs;
use crate::service::apply::{UndoPlan, plan_undo, prepare, undo_peers};
use crate::service::undo::summary;

/// The commit to revert: its id and each user's lines of it, in the order written.
struct Target {
    id: String,
    users: Vec<(String, Vec<AuditRecord>)>,
}

/// Finds the commit: the newest of `user` in app `app`, or the one with `id` (only
/// `user`'s lines of it when given). A missing id names the ids near it.
fn find(
    records: &[AuditRecord],
    app: u64,
    user: Option<&str>,
    id: Option<&str>,
    log: &str,
) -> Result<Target, String> {
    let lines: Vec<&AuditRecord> = match (id, user) {
        (None, Some(user)) => {
            let commits = audit::commits(records, app, user);
            let Some((id, _)) = commits.first() else {
                return Err(format!(
                    "--last: the audit log {log} has no commit of {user:?} in app {app}"
                ));
            };
            records
                .iter()
                .filter(|r| r.id == *id && r.sdkappid == app && r.user == user)
                .collect()
        }
        (Some(id), _) => {
            let of_app: Vec<&AuditRecord> = records
                .iter()
                .filter(|r| r.id == id && r.sdkappid == app)
                .collect();
            if of_app.is_empty() {
                return Err(missing(records, app, id, log));
            }
            let lines: Vec<&AuditRecord> = of_app
                .iter()
                .copied()
                .filter(|r| user.is_none_or(|u| r.user == u))
                .collect();
            if lines.is_empty() {
                let mut users: Vec<&str> = of_app.iter().map(|r| r.user.as_str()).collect();
                users.dedup();
                return Err(format!(
                    "commit {id} changed no conversation of {:?}; it changed: {}",
                    user.unwrap_or_default(),
                    users.join(", ")
                ));
            }
            lines
        }
        (None, None) => return Err("give an AUDIT-ID, or --user USER --last".into()),
    };
    let mut users: Vec<(String, Vec<AuditRecord>)> = Vec::new();
    for r in lines {
        match users.iter_mut().find(|(u, _)| *u == r.user) {
            Some((_, l)) => l.push(r.clone()),
            None => users.push((r.user.clone(), vec![r.clone()])),
        }
    }
    Ok(Target {
        id: users
            .first()
            .and_then(|(_, l)| l.first())
            .map(|r| r.id.clone())
            .unwrap_or_default(),
        users,
    })
}

/// "no commit X ...; the ids near it: ...".
fn missing(records: &[AuditRecord], app: u64, id: &str, log: &str) -> String {
    let elsewhere: Vec<u64> = records
        .iter()
        .filter(|r| r.id == id)
        .map(|r| r.sdkappid)
        .collect();
    if let Some(other) = elsewhere.first() {
        return format!(
            "commit {id} is of app {other}, not of app {app} (this connection); connect to app {other} to undo it"
        );
    }
    let mut ids: Vec<&str> = records
        .iter()
        .filter(|r| r.sdkappid == app && !r.id.is_empty())
        .map(|r| r.id.as_str())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return format!("no commit {id} in the audit log {log}: it has no commits of app {app}");
    }
    let at = ids.partition_point(|x| *x < id);
    let near = &ids[at.saturating_sub(2)..(at + 2).min(ids.len())];
    format!(
        "no commit {id} in the audit log {log} (app {app}); the ids near it: {}",
        near.join(", ")
    )
}

/// Reads and plans each user's part.
async fn plan_all(
    client: &Client,
    target: &Target,
    force: bool,
) -> Result<Vec<UndoPlan>, (String, crate::api::ApiError)> {
    let reads = target.users.iter().map(|(user, lines)| async move {
        let peers = undo_peers(lines);
        prepare(client, user, Some(&peers), |current| {
            plan_undo(user, lines, current, force)
        })
        .await
        .map_err(|e| (user.clone(), e))
    });
    futures::future::join_all(reads).await.into_iter().collect()
}

/// What is left undone: conflicts, group operations that cannot be reverted, old lines.
fn left(plan: &UndoPlan) -> usize {
    plan.conflicts.len() + plan.group_conflicts.len() + plan.unknown
}

fn words(
    target: &Target,
    plans: &[UndoPlan],
    labels: &std::collections::BTreeMap<u8, String>,
) -> String {
    let mut out = String::new();
    for (plan, (user, lines)) in plans.iter().zip(&target.users) {
        let when = lines.first().map_or(0, |l| l.time);
        let by = lines.first().map_or("", |l| l.operator.as_str());
        out.push_str(&format!(
            "undo of {} ({}, by {by}): {}\n",
            target.id,
            crate::time::utc(when),
            summary(lines)
        ));
        out.push_str(&plan.plan.words(user, labels));
        for c in &plan.conflicts {
            out.push_str(&format!(
                "  conflict, left alone: {}: {} (--force reverts it)\n",
                c.peer.conversation_id(),
                c.reason
            ));
        }
        for g in &plan.group_conflicts {
            out.push_str(&format!("  cannot be reverted: {g}\n"));
        }
        if plan.unknown > 0 {
            out.push_str(&format!(
                "  cannot be reverted: {} line(s) written before convmark recorded the state before\n",
                plan.unknown
            ));
        }
    }
    out
}

#[derive(Debug, Serialize)]
struct ConflictJson {
    conversation: String,
    reason: String,
}

#[derive(Debug, Serialize)]
struct UndoUserJson {
    #[serde(flatten)]
    user: UserJson,
    /// Conversations changed since the commit, left alone.
    conflicts: Vec<ConflictJson>,
    /// Group operations that cannot be reverted as the groups are now.
    group_conflicts: Vec<String>,
    /// Lines that cannot be reverted (written before convmark recorded the state before).
    unknown: usize,
}

/// `undo --json`.
#[derive(Debug, Serialize)]
struct UndoJson {
    /// Everything of the commit reverted (or already so) and read back (exit 0).
    ok: bool,
    /// The commit reverted.
    undone: String,
    in_sync: bool,
    /// This undo's own id in the audit log; null when nothing was sent.
    audit_id: Option<String>,
    users: Vec<UndoUserJson>,
}

fn undo_json(
    target: &Target,
    plans: &[UndoPlan],
    executed: Option<&crate::service::apply::Executed>,
    ok: bool,
) -> UndoJson {
    UndoJson {
        ok,
        undone: target.id.clone(),
        in_sync: plans.iter().all(|p| p.plan.in_sync()),
        audit_id: executed.map(|e| e.id.clone()),
        users: plans
            .iter()
            .zip(&target.users)
            .map(|(p, (user, _))| UndoUserJson {
                user: user_json(
                    executed,
                    &Done {
                        plan: &p.plan,
                        source: user,
                    },
                ),
                conflicts: p
                    .conflicts
                    .iter()
                    .map(|c| ConflictJson {
                        conversation: c.peer.conversation_id(),
                        reason: c.reason.clone(),
                    })
                    .collect(),
                group_conflicts: p.group_conflicts.clone(),
                unknown: p.unknown,
            })
            .collect(),
    }
}

pub fn run(args: UndoArgs) -> Result<ExitCode, String> {
    let json = args.json;
    let user = match args.user.as_deref().map(connect::user_id).transpose() {
        Ok(u) => u,
        Err(message) => return refuse(json, message),
    };
    let data_dir = crate::config::data_dir();
    let log = audit::path(&data_dir).display().to_string();
    let (records, damaged) = match audit::read(&data_dir) {
        Ok(r) => r,
        Err(message) => return refuse(json, message),
    };
    if damaged > 0 {
        super::output::warning(&format!(
            "the audit log {log} has {damaged} damaged line(s); they were skipped"
        ));
    }
    let client = connect::client(&args.conn)?;
    let app = client.config().sdkappid;
    let target = match find(
        &records,
        app,
        user.as_deref(),
        args.audit_id.as_deref(),
        &log,
    ) {
        Ok(t) => t,
        Err(message) => return refuse(json, message),
    };
    if let Err(message) = check_can_ask("undo", args.yes, false) {
        return refuse(json, message);
    }
    let rt = connect::runtime()?;
    let labels = labels();
    let progress = Progress::new();
    let read = || -> Result<Vec<UndoPlan>, Stop> {
        progress.show("reading the server");
        let plans = rt.block_on(plan_all(&client, &target, args.force));
        progress.finish();
        let plans = plans.map_err(|(user, e)| Stop::Exit(read_failed(json, &user, &e)))?;
        for p in &plans {
            if let Some(why) = p.plan.refusal() {
                return Err(Stop::Error(format!("{}: {why}", p.plan.user)));
            }
        }
        Ok(plans)
    };
    let yes = args.yes;
    let show = |text: &str| {
        if !json {
            let _ = super::output::emit(text);
        } else if !yes {
            for line in text.lines() {
                crate::stderr::line(line);
            }
        }
    };
    let settled = settle(
        yes,
        "Undo?",
        read,
        |plans| words(&target, plans, &labels),
        |plans| plans.iter().all(|p| p.plan.in_sync()),
        show,
    );
    let (plans, go) = match settled {
        Ok(s) => s,
        Err(Stop::Exit(code)) => return Ok(code),
        Err(Stop::Error(message)) => return refuse(json, message),
    };
    let left_alone: usize = plans.iter().map(left).sum();
    let tell_left = || {
        if left_alone > 0 {
            super::output::error(&format!(
                "{left_alone} change(s) of commit {} left as they are (see above); --force reverts conflicts",
                target.id
            ));
        }
    };
    if !go {
        if json {
            print_json(&undo_json(&target, &plans, None, left_alone == 0))?;
        } else if left_alone == 0 {
            note(&format!(
                "commit {} is already reverted: nothing to send",
                target.id
            ));
        }
        tell_left();
        return Ok(if left_alone == 0 {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        });
    }
    let flat: Vec<crate::service::apply::Plan> = plans.iter().map(|p| p.plan.clone()).collect();
    let executed = send(&client, &rt, &flat);
    let done: Vec<Done> = flat
        .iter()
        .zip(&target.users)
        .map(|(plan, (user, _))| Done { plan, source: user })
        .collect();
    let (ok, _) = super::apply::failures(&executed, &done);
    let out = undo_json(&target, &plans, Some(&executed), ok && left_alone == 0);
    let code = finish(json, &executed, &done, out);
    tell_left();
    Ok(if left_alone > 0 {
        ExitCode::FAILURE
    } else {
        code
    })
}
