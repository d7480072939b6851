//! Conversation-group operations, for `convmark groups`, the TUI's groups popup, `apply`
//! and `undo`: one way to send them, one way to read their answers, and the truth after an
//! answer that was lost.
//!
//! Creating, renaming and deleting a group are not safe to repeat, so the client does not
//! retry them once they may have been applied (a timeout, a connection lost mid-answer, a
//! gateway fault). Instead the groups are re-read and the outcome is what the server holds:
//! a group that exists after a lost "create" answer was created. Adding and removing
//! conversations are safe to repeat and are retried; if they still fail ambiguously, each
//! conversation's membership is re-read too.

use std::collections::BTreeSet;
use std::path::Path;

use crate::api::wire::{ContactOptType, ContactRecord, GroupItem};
use crate::api::{ApiError, Client, groups as requests};
use crate::audit::{AuditContext, AuditRecord, GroupAction};
use crate::domain::{MAX_GROUP_CONTACT_ITEMS, Peer, batches};

use super::load::contact_groups;
use super::outcome::{ItemOutcome, all_failed, outcomes_of};

/// A change to a user's conversation groups, sent at once (not staged).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupOp {
    Create { name: String, peers: Vec<Peer> },
    Rename { old: String, new: String },
    Delete { name: String },
    Add { name: String, peers: Vec<Peer> },
    Remove { name: String, peers: Vec<Peer> },
}

impl GroupOp {
    pub fn action(&self) -> GroupAction {
        match self {
            GroupOp::Create { .. } => GroupAction::Create,
            GroupOp::Rename { .. } => GroupAction::Rename,
            GroupOp::Delete { .. } => GroupAction::Delete,
            GroupOp::Add { .. } => GroupAction::Add,
            GroupOp::Remove { .. } => GroupAction::Remove,
        }
    }

    /// `create`, `rename`, ... as the CLI and JSON name them.
    pub fn verb(&self) -> &'static str {
        match self.action() {
            GroupAction::Create => "create",
            GroupAction::Rename => "rename",
            GroupAction::Delete => "delete",
            GroupAction::Add => "add",
            GroupAction::Remove => "remove",
        }
    }

    /// The group's name as the operation addresses it (the old name for a rename).
    pub fn name(&self) -> &str {
        match self {
            GroupOp::Create { name, .. }
            | GroupOp::Delete { name }
            | GroupOp::Add { name, .. }
            | GroupOp::Remove { name, .. } => name,
            GroupOp::Rename { old, .. } => old,
        }
    }

    pub fn peers(&self) -> &[Peer] {
        match self {
            GroupOp::Create { peers, .. }
            | GroupOp::Add { peers, .. }
            | GroupOp::Remove { peers, .. } => peers,
            GroupOp::Rename { .. } | GroupOp::Delete { .. } => &[],
        }
    }
}

/// Every record and group of a user, as get_contact_group lists them.
pub type GroupsRead = (Vec<ContactRecord>, Vec<GroupItem>);

/// What a group operation did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupOutcome {
    pub op: GroupOp,
    /// The group acted on, as the server names it (its new name after a rename); `None`
    /// when the operation failed.
    pub group: Option<GroupItem>,
    /// One per conversation of the operation.
    pub items: Vec<(Peer, ItemOutcome)>,
    /// A call that failed as a whole (when a re-read did not show it applied).
    pub error: Option<ApiError>,
    /// When an answer was lost: what the re-read of the groups showed.
    pub recovered: Option<String>,
    /// The user's records and groups read after the operation, when asked for.
    pub refreshed: Option<Result<GroupsRead, ApiError>>,
    /// Why the audit log could not be written, if it could not.
    pub audit_error: Option<String>,
}

impl GroupOutcome {
    fn new(op: GroupOp) -> Self {
        GroupOutcome {
            op,
            group: None,
            items: Vec::new(),
            error: None,
            recovered: None,
            refreshed: None,
            audit_error: None,
        }
    }

    /// The operation and every conversation succeeded.
    pub fn ok(&self) -> bool {
        self.error.is_none() && self.items.iter().all(|(_, o)| o.is_ok())
    }
}

/// The records and groups, read to settle an ambiguous failure.
struct Reread {
    records: Vec<ContactRecord>,
    groups: Vec<GroupItem>,
}

impl Reread {
    fn group(&self, name: &str) -> Option<&GroupItem> {
        self.groups.iter().find(|g| g.group_name == name)
    }

    fn members(&self, id: u64) -> BTreeSet<&Peer> {
        self.records
            .iter()
            .filter(|r| r.contact_group_id.iter().flatten().any(|g| *g == id))
            .map(|r| &r.contact.0)
            .collect()
    }
}

/// Runs one operation. With `refresh`, the groups are read afterwards (the TUI shows them);
/// with `audit_dir`, what the server applied is appended to the audit log.
pub async fn run(
    client: &Client,
    user: &str,
    op: GroupOp,
    refresh: bool,
    audit_dir: Option<&Path>,
) -> GroupOutcome {
    let config = client.config();
    let ctx = AuditContext::new(config.sdkappid, &config.identifier);
    run_as(client, user, op, refresh, audit_dir, &ctx).await
}

/// [`run`] as part of a larger commit `ctx` (its audit lines carry `ctx.id`), for `apply`
/// and `undo`.
pub async fn run_as(
    client: &Client,
    user: &str,
    op: GroupOp,
    refresh: bool,
    audit_dir: Option<&Path>,
    ctx: &AuditContext,
) -> GroupOutcome {
    let mut out = GroupOutcome::new(op.clone());
    // a delete remembers who was in the group, so that undo can put them back
    let mut members_before = Vec::new();
    let mut reread: Option<Reread> = None;
    match &op {
        GroupOp::Create { name, peers } => create(client, user, name, peers, &mut out).await,
        GroupOp::Rename { old, new } => {
            match client
                .update_contact_group(&requests::rename_request(user, old, new))
                .await
            {
                Ok(resp) => {
                    out.group = Some(GroupItem {
                        group_name: resp.update_group_result.group_name,
                        group_id: resp.update_group_result.group_id,
                    });
                }
                Err(e) => out.error = Some(e),
            }
        }
        GroupOp::Delete { name } => {
            if let Ok((records, groups)) = contact_groups(client, user).await {
                let before = Reread { records, groups };
                if let Some(g) = before.group(name) {
                    members_before = before
                        .members(g.group_id)
                        .into_iter()
                        .map(Peer::conversation_id)
                        .collect();
                }
            }
            match client
                .del_contact_group(&requests::delete_request(user, name))
                .await
            {
                Ok(resp) => {
                    out.group = Some(resp.group_item.into_iter().next().unwrap_or(GroupItem {
                        group_name: name.clone(),
                        group_id: 0,
                    }));
                }
                Err(e) => out.error = Some(e),
            }
        }
        GroupOp::Add { name, peers } => {
            members(client, user, name, peers, ContactOptType::Add, &mut out).await;
        }
        GroupOp::Remove { name, peers } => {
            members(client, user, name, peers, ContactOptType::Remove, &mut out).await;
        }
    }
    if out.error.as_ref().is_some_and(ApiError::may_have_applied) {
        if let Ok((records, groups)) = contact_groups(client, user).await {
            let state = Reread { records, groups };
            settle(&mut out, &state);
            reread = Some(state);
        } else {
            out.recovered = Some(
                "the answer was lost and the groups could not be re-read: the server may or may not have applied it; press r (TUI) or run `groups list` to see".into(),
            );
        }
    }
    if refresh {
        out.refreshed = Some(match reread {
            Some(r) => Ok((r.records, r.groups)),
            None => contact_groups(client, user).await,
        });
    }
    if let Some(dir) = audit_dir {
        let lines = audit_lines(ctx, user, &out, members_before);
        out.audit_error = crate::audit::write(dir, &lines).err();
    }
    out
}

async fn create(client: &Client, user: &str, name: &str, peers: &[Peer], out: &mut GroupOutcome) {
    let mut chunks = batches(peers, MAX_GROUP_CONTACT_ITEMS);
    let first = chunks.next().unwrap_or(&[]);
    match client
        .create_contact_group(&requests::create_request(user, name, first))
        .await
    {
        Ok(resp) => {
            let (group, answers) = match resp.group_result_item.into_iter().next() {
                Some(result) => (result.group_item, result.result_item),
                None => (
                    GroupItem {
                        group_name: name.to_owned(),
                        group_id: 0,
                    },
                    Vec::new(),
                ),
            };
            out.group = Some(group);
            out.items.extend(outcomes_of(
                first,
                answers
                    .into_iter()
                    .map(|r| (r.contact_item.0, r.result_code, r.result_info)),
            ));
        }
        Err(e) => {
            out.items.extend(all_failed(first, &e));
            out.items
                .extend(chunks.flat_map(|c| all_failed(c, &ApiError::Cancelled)));
            out.error = Some(e);
            return;
        }
    }
    // more than 100 initial conversations: the rest are added like `groups add`
    let rest: Vec<Peer> = chunks.flatten().cloned().collect();
    if !rest.is_empty() {
        let mut more = GroupOutcome::new(out.op.clone());
        members(client, user, name, &rest, ContactOptType::Add, &mut more).await;
        out.items.extend(more.items);
        if more.error.is_some() {
            out.error = more.error;
        }
    }
}

async fn members(
    client: &Client,
    user: &str,
    name: &str,
    peers: &[Peer],
    op: ContactOptType,
    out: &mut GroupOutcome,
) {
    for chunk in batches(peers, MAX_GROUP_CONTACT_ITEMS) {
        match client
            .update_contact_group(&requests::members_request(user, name, chunk, op))
            .await
        {
            Ok(resp) => {
                let result = resp.update_group_result;
                out.group = Some(GroupItem {
                    group_name: result.group_name,
                    group_id: result.group_id,
                });
                out.items.extend(outcomes_of(
                    chunk,
                    result
                        .contact_result_item
                        .into_iter()
                        .map(|r| (r.contact_item.0, r.result_code, r.result_info)),
                ));
            }
            Err(e) => {
                out.items.extend(all_failed(chunk, &e));
                out.error = Some(e);
            }
        }
    }
}

/// What went wrong, without the advice `describe` adds ("retry later", "check the
/// endpoint"): after a re-read, what to do follows from what it showed.
fn cause(err: &ApiError) -> String {
    match err {
        ApiError::Timeout => "the request timed out".into(),
        ApiError::Network(text) => format!("network error: {text}"),
        ApiError::HttpStatus { status } => format!("HTTP {status} from the server"),
        ApiError::Server { code, .. } => {
            format!("ResultCode {code}: {}", crate::api::codes::meaning(*code))
        }
        other => other.describe(),
    }
}

/// After an ambiguous failure: the outcome is what the re-read shows.
fn settle(out: &mut GroupOutcome, state: &Reread) {
    let Some(err) = out.error.clone() else {
        return;
    };
    let lost = format!("the answer was lost ({})", cause(&err));
    let (applied, text) = match &out.op {
        GroupOp::Create { name, .. } => match state.group(name) {
            Some(g) => {
                out.group = Some(g.clone());
                (
                    true,
                    format!(
                        "{lost}; the re-read shows group {name:?} (id {}): it was created",
                        g.group_id
                    ),
                )
            }
            None => (
                false,
                format!("{lost}; the re-read shows no group {name:?}: it was not created"),
            ),
        },
        GroupOp::Rename { old, new } => match (state.group(old), state.group(new)) {
            (None, Some(g)) => {
                out.group = Some(g.clone());
                (
                    true,
                    format!("{lost}; the re-read shows {new:?} and no {old:?}: it was renamed"),
                )
            }
            _ => (
                false,
                format!("{lost}; the re-read shows {old:?} not renamed to {new:?}"),
            ),
        },
        GroupOp::Delete { name } => match state.group(name) {
            None => {
                out.group = Some(GroupItem {
                    group_name: name.clone(),
                    group_id: 0,
                });
                (
                    true,
                    format!("{lost}; the re-read shows no group {name:?}: it was deleted"),
                )
            }
            Some(_) => (
                false,
                format!("{lost}; the re-read still shows {name:?}: it was not deleted"),
            ),
        },
        GroupOp::Add { name, .. } | GroupOp::Remove { name, .. } => {
            let adding = matches!(out.op, GroupOp::Add { .. });
            let Some(g) = state.group(name) else {
                out.recovered = Some(format!("{lost}; the re-read shows no group {name:?}"));
                return;
            };
            let members = state.members(g.group_id);
            for (peer, outcome) in &mut out.items {
                if matches!(outcome, ItemOutcome::CallFailed(e) if e.may_have_applied())
                    && members.contains(peer) == adding
                {
                    *outcome = ItemOutcome::ok();
                }
            }
            out.group = Some(g.clone());
            let all = out.items.iter().all(|(_, o)| o.is_ok());
            (
                all,
                format!("{lost}; the re-read shows each conversation's membership of {name:?}"),
            )
        }
    };
    if applied {
        out.error = None;
        if let GroupOp::Create { .. } = &out.op {
            // the initial conversations: members now, or not
            if let Some(id) = out.group.as_ref().map(|g| g.group_id) {
                let members = state.members(id);
                for (peer, outcome) in &mut out.items {
                    if !outcome.is_ok() && members.contains(peer) {
                        *outcome = ItemOutcome::ok();
                    }
                }
            }
        }
    }
    out.recovered = Some(text);
}

/// The audit lines of what the server applied: the operation, or per conversation for add
/// and remove (with each one's ResultCode).
fn audit_lines(
    ctx: &AuditContext,
    user: &str,
    out: &GroupOutcome,
    members_before: Vec<String>,
) -> Vec<AuditRecord> {
    if out.group.is_none() {
        return Vec::new();
    }
    let line = |conversation: Option<&Peer>, code: i64, info: &str| {
        let mut r = ctx.record(user, "group");
        r.op = Some(out.op.action());
        r.group = Some(out.op.name().to_owned());
        r.conversation = conversation.map(Peer::conversation_id);
        r.result_code = code;
        r.result_info = info.to_owned();
        r
    };
    match &out.op {
        GroupOp::Create { .. } => {
            let mut r = line(None, 0, "");
            r.members = out
                .items
                .iter()
                .filter(|(_, o)| o.is_ok())
                .map(|(p, _)| p.conversation_id())
                .collect();
            vec![r]
        }
        GroupOp::Rename { new, .. } => {
            let mut r = line(None, 0, "");
            r.new_name = Some(new.clone());
            vec![r]
        }
        GroupOp::Delete { .. } => {
            let mut r = line(None, 0, "");
            r.members = members_before;
            vec![r]
        }
        GroupOp::Add { .. } | GroupOp::Remove { .. } => out
            .items
            .iter()
            .filter_map(|(peer, o)| match o {
                ItemOutcome::Answered { code, info } => Some(line(Some(peer), *code, info)),
                _ => None,
            })
            .collect(),
    }
}
