//! Sending plans (group creates, all the marks at once, membership, deletes), every line
//! audited under one commit id, and reading the changed conversations back.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use crate::api::wire::{ContactRecord, GroupItem};
use crate::api::{ApiError, Client};
use crate::audit::AuditContext;
use crate::domain::Peer;
use crate::service::commit::{CallDone, CommitReport, commit_as};
use crate::service::groups::{GroupOp, GroupOutcome, run_as};
use crate::service::load::search;
use crate::service::outcome::ItemOutcome;
use crate::service::plan::{MarkPlan, MarkState};

use super::Plan;

/// What the server answered when a plan was read back.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReadBack {
    pub records: HashMap<Peer, ContactRecord>,
    pub groups: Vec<GroupItem>,
}

impl ReadBack {
    /// A conversation's marks and group names as read back.
    pub fn of(&self, peer: &Peer) -> Option<(MarkState, Vec<String>)> {
        let r = self.records.get(peer)?;
        let names: BTreeMap<u64, String> = self
            .groups
            .iter()
            .map(|g| (g.group_id, g.group_name.clone()))
            .collect();
        let ids = r.contact_group_id.clone().unwrap_or_default();
        Some((
            MarkState::of_record(Some(r)),
            crate::service::json::group_names_of(&ids, &names),
        ))
    }
}

/// What sending plans did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Executed {
    /// The audit log's id of this commit (every line of it, marks and groups).
    pub id: String,
    pub commit: CommitReport,
    /// Each group operation, by user, in the order sent.
    pub groups: Vec<(String, GroupOutcome)>,
    /// Per user: the changed conversations read back.
    pub read_back: HashMap<String, Result<ReadBack, ApiError>>,
}

/// One changed conversation and what became of each part of its change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversationResult {
    pub peer: Peer,
    /// `mark`, `join "X"`, `leave "X"`, each with its outcome.
    pub parts: Vec<(String, ItemOutcome)>,
}

impl ConversationResult {
    pub fn ok(&self) -> bool {
        self.parts.iter().all(|(_, o)| o.is_ok())
    }
}

impl Executed {
    /// The group operations of one user.
    pub fn groups_of<'a>(&'a self, user: &'a str) -> impl Iterator<Item = &'a GroupOutcome> {
        self.groups
            .iter()
            .filter(move |(u, _)| u == user)
            .map(|(_, o)| o)
    }

    /// Each changed conversation of `plan` with its outcomes.
    pub fn results(&self, plan: &Plan) -> Vec<ConversationResult> {
        let marks = self.commit.outcomes(&plan.user);
        plan.diffs
            .iter()
            .map(|d| {
                let mut parts = Vec::new();
                if !d.set.is_empty() || !d.clear.is_empty() || d.custom.is_some() {
                    let outcome = marks
                        .get(&d.peer)
                        .map_or(ItemOutcome::NotSent, |o| (*o).clone());
                    parts.push(("mark".to_owned(), outcome));
                }
                for out in self.groups_of(&plan.user) {
                    let name = out.op.name();
                    let what = match &out.op {
                        GroupOp::Create { .. } | GroupOp::Add { .. } => format!("join {name:?}"),
                        GroupOp::Remove { .. } | GroupOp::Delete { .. } => {
                            format!("leave {name:?}")
                        }
                        GroupOp::Rename { .. } => continue,
                    };
                    if let GroupOp::Delete { .. } = &out.op {
                        if d.leave.iter().any(|g| g == name) {
                            let outcome = match &out.error {
                                Some(e) => ItemOutcome::CallFailed(e.clone()),
                                None => ItemOutcome::ok(),
                            };
                            parts.push((what, outcome));
                        }
                        continue;
                    }
                    if let Some((_, o)) = out.items.iter().find(|(p, _)| p == &d.peer) {
                        parts.push((what, o.clone()));
                    }
                }
                ConversationResult {
                    peer: d.peer.clone(),
                    parts,
                }
            })
            .collect()
    }

    /// Everything sent succeeded and was read back.
    pub fn ok(&self, plans: &[Plan]) -> bool {
        plans
            .iter()
            .all(|p| self.results(p).iter().all(ConversationResult::ok))
            && self.groups.iter().all(|(_, o)| o.ok())
            && self.read_back.values().all(Result::is_ok)
    }
}

/// Sends the plans: every user's group creates, then all the marks at once (through the
/// one pacer), then membership and deletes; then reads the changed conversations back.
/// Every line goes to the audit log under `ctx`'s id.
pub async fn execute(
    client: &Client,
    plans: &[Plan],
    audit_dir: Option<&Path>,
    ctx: &AuditContext,
    on_call: impl Fn(CallDone) + Sync,
) -> Executed {
    let mut groups = Vec::new();
    for plan in plans {
        for op in &plan.groups_first {
            let out = run_as(client, &plan.user, op.clone(), false, audit_dir, ctx).await;
            groups.push((plan.user.clone(), out));
        }
    }
    let mark_plans: Vec<MarkPlan> = plans
        .iter()
        .filter(|p| !p.marks.changes.is_empty())
        .map(|p| p.marks.clone())
        .collect();
    let commit = commit_as(client, &mark_plans, audit_dir, ctx, on_call).await;
    for plan in plans {
        for op in &plan.groups_last {
            let out = run_as(client, &plan.user, op.clone(), false, audit_dir, ctx).await;
            groups.push((plan.user.clone(), out));
        }
    }
    let backs = plans.iter().map(|plan| {
        let peers: Vec<Peer> = plan.diffs.iter().map(|d| d.peer.clone()).collect();
        let client = client.clone();
        let user = plan.user.clone();
        async move {
            let result = if peers.is_empty() {
                Ok(ReadBack::default())
            } else {
                search(&client, &user, &peers)
                    .await
                    .map(|(records, groups)| ReadBack { records, groups })
            };
            (user, result)
        }
    });
    let read_back = futures::future::join_all(backs).await.into_iter().collect();
    Executed {
        id: ctx.id.clone(),
        commit,
        groups,
        read_back,
    }
}
