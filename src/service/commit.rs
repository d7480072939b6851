//! Committing planned mark changes: one mark_contact call per user per 100 conversations,
//! up to [`CONCURRENT_CALLS`] in flight, all through the client's one pacer (so many users
//! together still stay under 200 calls/s); each answered conversation is audited; the
//! progress is told per call; a cancelled commit sends no further call.

use std::collections::HashMap;
use std::path::Path;

use futures::StreamExt;

use crate::api::wire::{MarkContactRequest, MarkItem};
use crate::api::{ApiError, Client};
use crate::audit::{AuditContext, AuditMark, AuditRecord};
use crate::domain::{BitIndex, MAX_MARK_ITEMS, Peer, batches};

use super::outcome::{ItemOutcome, all_failed, outcomes_of};
use super::plan::{MarkPlan, MarkState, PlannedChange};

/// Calls in flight at once; the pacer keeps the rate under the limit. At 200 calls/s the
/// calls in flight must cover a round trip, or they, not the pacer, set the pace: 16 kept
/// 1,000 users' calls at 155/s with 100 ms round trips (6.6 s, not 5); 32 keep the pacer
/// the bound up to 160 ms round trips.
pub const CONCURRENT_CALLS: usize = 32;

/// One mark_contact call came back (or was skipped after a cancel).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallDone {
    /// Conversations it carried.
    pub items: usize,
    /// Whether it was sent (false: cancelled before it went out).
    pub sent: bool,
}

/// One conversation of a commit and what became of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitItem {
    pub user: String,
    pub planned: PlannedChange,
    pub outcome: ItemOutcome,
}

/// What a commit did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitReport {
    /// The audit log's id of this commit.
    pub id: String,
    /// Every planned conversation, in plan order.
    pub items: Vec<CommitItem>,
    /// Calls that reached the server (not cancelled, not refused at connect).
    pub calls_sent: usize,
    /// Calls not sent because the commit was cancelled.
    pub calls_not_sent: usize,
    /// Why the audit log could not be written, if it could not.
    pub audit_error: Option<String>,
}

impl CommitReport {
    pub fn succeeded(&self) -> usize {
        self.items.iter().filter(|i| i.outcome.is_ok()).count()
    }

    pub fn failed(&self) -> usize {
        self.items.len() - self.succeeded()
    }

    pub fn not_sent(&self) -> usize {
        self.items
            .iter()
            .filter(|i| i.outcome == ItemOutcome::NotSent)
            .count()
    }

    /// The outcome of each conversation of one user.
    pub fn outcomes(&self, user: &str) -> HashMap<&Peer, &ItemOutcome> {
        self.items
            .iter()
            .filter(|i| i.user == user)
            .map(|i| (&i.planned.change.peer, &i.outcome))
            .collect()
    }
}

/// The mark_contact request of one batch: the right OptType and only the changed bits.
pub fn request(user: &str, batch: &[PlannedChange]) -> MarkContactRequest {
    MarkContactRequest {
        from_account: user.to_owned(),
        mark_item: batch
            .iter()
            .filter_map(|p| MarkItem::from_change(&p.change))
            .collect(),
    }
}

/// The calls of a commit: (index of the plan, its batch).
pub fn calls(plans: &[MarkPlan]) -> Vec<(usize, &[PlannedChange])> {
    plans
        .iter()
        .enumerate()
        .flat_map(|(i, plan)| batches(&plan.changes, MAX_MARK_ITEMS).map(move |b| (i, b)))
        .collect()
}

/// Sends every plan's changes. `client` may carry a cancel token
/// ([`Client::with_cancel`]): calls not yet sent then come back `NotSent`. With
/// `audit_dir`, every conversation the server answered for is appended to the audit log.
pub async fn commit(
    client: &Client,
    plans: &[MarkPlan],
    audit_dir: Option<&Path>,
    on_call: impl Fn(CallDone) + Sync,
) -> CommitReport {
    let config = client.config();
    let ctx = AuditContext::new(config.sdkappid, &config.identifier);
    commit_as(client, plans, audit_dir, &ctx, on_call).await
}

/// [`commit`] as part of a larger commit `ctx` (its audit lines carry `ctx.id`): `apply`
/// and `undo` write their mark and group lines under one id, so one undo reverts them all.
pub async fn commit_as(
    client: &Client,
    plans: &[MarkPlan],
    audit_dir: Option<&Path>,
    ctx: &AuditContext,
    on_call: impl Fn(CallDone) + Sync,
) -> CommitReport {
    // each call owns what it sends, so the stream is `Send` (the TUI spawns it)
    let jobs: Vec<(usize, Vec<Peer>, MarkContactRequest)> = calls(plans)
        .into_iter()
        .map(|(plan, batch)| {
            let peers = batch.iter().map(|p| p.change.peer.clone()).collect();
            (plan, peers, request(&plans[plan].user, batch))
        })
        .collect();
    let mut answers = futures::stream::iter(jobs.into_iter().map(|(plan, peers, req)| {
        let client = client.clone();
        async move {
            let result = client.mark_contact(&req).await;
            tracing::info!(
                user = %req.from_account,
                items = req.mark_item.len(),
                result = ?result.as_ref().map(|r| r.result_item.iter().map(|i| i.result_code).collect::<Vec<_>>()),
                "mark_contact"
            );
            (plan, peers, result)
        }
    }))
    .buffer_unordered(CONCURRENT_CALLS);
    let mut outcomes: HashMap<(usize, Peer), ItemOutcome> = HashMap::new();
    let (mut sent, mut not_sent) = (0, 0);
    while let Some((plan, peers, result)) = answers.next().await {
        // a cancelled call never went out; nor did one whose connection was refused (it
        // is done, and failed, but was not sent)
        let was_sent = !matches!(result, Err(ApiError::Cancelled));
        match &result {
            Err(ApiError::Cancelled) => not_sent += 1,
            Err(ApiError::Connect(_)) => {}
            _ => sent += 1,
        }
        let items = match result {
            Ok(resp) => outcomes_of(
                &peers,
                resp.result_item
                    .into_iter()
                    .map(|r| (r.contact_item.0, r.result_code, r.result_info)),
            ),
            Err(err) => all_failed(&peers, &err),
        };
        outcomes.extend(items.into_iter().map(|(peer, o)| ((plan, peer), o)));
        on_call(CallDone {
            items: peers.len(),
            sent: was_sent,
        });
    }
    drop(answers);
    confirm_lost_answers(client, plans, &mut outcomes).await;
    let items: Vec<CommitItem> = plans
        .iter()
        .enumerate()
        .flat_map(|(i, plan)| {
            let outcomes = &outcomes;
            plan.changes.iter().map(move |p| CommitItem {
                user: plan.user.clone(),
                planned: p.clone(),
                outcome: outcomes
                    .get(&(i, p.change.peer.clone()))
                    .cloned()
                    .unwrap_or(ItemOutcome::NotSent),
            })
        })
        .collect();
    let audit_error = audit_dir.and_then(|dir| {
        let records: Vec<AuditRecord> = items.iter().filter_map(|i| audit_line(ctx, i)).collect();
        crate::audit::write(dir, &records).err()
    });
    CommitReport {
        id: ctx.id.clone(),
        items,
        calls_sent: sent,
        calls_not_sent: not_sent,
        audit_error,
    }
}

/// What a lost answer's re-read says when the server holds what was sent.
pub const APPLIED_ANSWER_LOST: &str =
    "the answer was lost, but a re-read shows the change on the server";

/// A call that failed after it was sent (timeout, connection lost, gateway fault) may have
/// been applied. Its conversations are read again: where the server holds what was sent,
/// the change is applied (and audited, so it can be undone); where it does not, it was not
/// applied and the failure stands; where the re-read fails too, the outcome is unknown.
async fn confirm_lost_answers(
    client: &Client,
    plans: &[MarkPlan],
    outcomes: &mut HashMap<(usize, Peer), ItemOutcome>,
) {
    for (i, plan) in plans.iter().enumerate() {
        let lost: Vec<&PlannedChange> = plan
            .changes
            .iter()
            .filter(|p| {
                matches!(
                    outcomes.get(&(i, p.change.peer.clone())),
                    Some(ItemOutcome::CallFailed(e)) if e.may_have_applied()
                )
            })
            .collect();
        if lost.is_empty() {
            continue;
        }
        let peers: Vec<Peer> = lost.iter().map(|p| p.change.peer.clone()).collect();
        let read = super::load::search(client, &plan.user, &peers).await;
        tracing::info!(
            user = %plan.user,
            conversations = peers.len(),
            read = read.is_ok(),
            "mark_contact answer lost: re-read"
        );
        for p in lost {
            let key = (i, p.change.peer.clone());
            let Some(ItemOutcome::CallFailed(call)) = outcomes.get(&key).cloned() else {
                continue;
            };
            let outcome = match &read {
                Err(e) => ItemOutcome::Unknown {
                    call,
                    read: e.clone(),
                },
                Ok((records, _)) => {
                    let now = MarkState::of_record(records.get(&p.change.peer));
                    let mut left = p.change.edit.clone();
                    left.rebase(now.value, &now.custom);
                    if left.is_empty() {
                        ItemOutcome::Answered {
                            code: 0,
                            info: APPLIED_ANSWER_LOST.into(),
                        }
                    } else {
                        // not applied: "not changed" is true
                        ItemOutcome::CallFailed(call)
                    }
                }
            };
            outcomes.insert(key, outcome);
        }
    }
}

/// The audit line of one conversation the server answered for; `None` for the others (a
/// call that failed as a whole, or was not sent, changed nothing).
fn audit_line(ctx: &AuditContext, item: &CommitItem) -> Option<AuditRecord> {
    let ItemOutcome::Answered { code, info } = &item.outcome else {
        return None;
    };
    let edit = &item.planned.change.edit;
    let mut r = ctx.record(&item.user, "mark");
    r.conversation = Some(item.planned.change.peer.conversation_id());
    r.set = edit.set.indices().map(BitIndex::get).collect();
    r.clear = edit.clear.indices().map(BitIndex::get).collect();
    r.custom_mark = edit.custom.as_ref().map(|c| c.as_str().to_owned());
    r.before = Some(AuditMark::from(&item.planned.before));
    // what the commit wrote; a refused item left the conversation as it was
    r.after = Some(AuditMark::from(&if *code == 0 {
        item.planned.after()
    } else {
        item.planned.before.clone()
    }));
    r.result_code = *code;
    r.result_info = info.clone();
    Some(r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::client::{Auth, ClientConfig, RetryPolicy};
    use crate::domain::{MarkChange, StagedEdit};

    #[tokio::test]
    async fn a_call_whose_connection_is_refused_is_not_counted_as_sent() {
        // nothing listens on port 1 of the loopback
        let mut config = ClientConfig::new(
            1_400_000_000,
            "administrator",
            "http://127.0.0.1:1/".parse().unwrap(),
            Auth::SecretKey("k".into()),
        );
        config.retry = RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        };
        let client = Client::new(config).unwrap();
        let mut edit = StagedEdit::default();
        edit.want_bit(crate::app::bit(40), true, crate::domain::MarkSet::EMPTY);
        let plan = MarkPlan {
            user: "alice".into(),
            changes: vec![PlannedChange {
                change: MarkChange {
                    peer: Peer::User("bob".into()),
                    edit,
                },
                before: MarkState::default(),
            }],
            unchanged: Vec::new(),
        };
        let report = commit(&client, &[plan], None, |_| {}).await;
        assert_eq!(report.calls_sent, 0);
        assert_eq!(report.calls_not_sent, 0, "not cancelled either");
        assert!(matches!(
            report.items[0].outcome,
            ItemOutcome::CallFailed(ApiError::Connect(_))
        ));
    }
}
