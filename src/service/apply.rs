//! A change as data, planned against a fresh read and sent as the minimal calls: a marks
//! document (`convmark apply`, `diff`) or the inverse of an audited commit (`convmark
//! undo`). One [`Plan`] per user: the mark deltas (only the bits that change, nothing for a
//! conversation already as wanted) and the group operations in the order they go out
//! (creates with their first members, then the marks, then membership, then deletes), the
//! words that say it, and the 1,000-limit check counting group memberships too. The front
//! ends only parse, ask and print; the TUI could use the same plans.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::api::wire::ContactRecord;
use crate::api::{ApiError, Client};
use crate::audit::AuditRecord;
use crate::domain::{CustomMark, MAX_GROUP_CONTACT_ITEMS, MAX_GROUPS, MarkSet, Peer, StagedEdit};

use super::document::DocUser;
use super::groups::GroupOp;
use super::load::{contact_groups, search};
use super::plan::{MarkPlan, MarkState, OverLimit, check_limit, plan_marks};
use super::undo::{Conflict, inverse};
use super::user::{Merger, UserSnapshot};

mod send;
mod words;

pub use send::{ConversationResult, Executed, ReadBack, execute};
pub use words::{
    CustomChangeJson, DiffJson, GroupOpJson, PlanJson, bit_name, diff_words, op_words,
};

/// What the server holds of a user, read for planning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Current {
    pub snapshot: UserSnapshot,
    /// Every record was read (get_contact_group). Otherwise only chosen conversations were
    /// (search_contact_group, one round trip for 300 of them), with all the groups.
    pub complete: bool,
}

impl Current {
    /// A conversation's marks as the server holds them (none when it has no record).
    pub fn state(&self, peer: &Peer) -> MarkState {
        self.snapshot
            .find(peer)
            .map_or_else(MarkState::default, |c| MarkState {
                value: c.mark.value,
                custom: c.custom.clone(),
                grouped: !c.groups.is_empty(),
            })
    }

    /// Names of the user's groups.
    pub fn group_names(&self) -> BTreeSet<String> {
        self.snapshot
            .groups
            .iter()
            .map(|g| g.group_name.clone())
            .collect()
    }

    /// Names of the groups each known conversation is in.
    pub fn memberships(&self) -> HashMap<Peer, BTreeSet<String>> {
        let names = self.snapshot.group_names();
        self.snapshot
            .conversations
            .iter()
            .map(|c| {
                let groups = c.groups.iter().filter_map(|id| names.get(id).cloned());
                (c.peer.clone(), groups.collect())
            })
            .collect()
    }

    /// The known members of a group, by name.
    pub fn members(&self, name: &str) -> BTreeSet<Peer> {
        self.memberships()
            .into_iter()
            .filter(|(_, groups)| groups.contains(name))
            .map(|(peer, _)| peer)
            .collect()
    }
}

/// Reads a user for planning: with `peers`, only those conversations (search_contact_group)
/// and the groups; without (or with none), every record (get_contact_group, every page).
pub async fn read(
    client: &Client,
    user: &str,
    peers: Option<&[Peer]>,
) -> Result<Current, ApiError> {
    let mut merger = Merger::default();
    let complete = match peers {
        Some(peers) if !peers.is_empty() => {
            let (records, groups) = search(client, user, peers).await?;
            let records: Vec<ContactRecord> = peers
                .iter()
                .filter_map(|p| records.get(p).cloned())
                .collect();
            merger.add_records(&records, &groups);
            false
        }
        _ => {
            let (records, groups) = contact_groups(client, user).await?;
            merger.add_records(&records, &groups);
            true
        }
    };
    Ok(Current {
        snapshot: merger.finish(user),
        complete,
    })
}

/// Reads `user` (only `peers` when given) and plans with `planner`; when the plan gives
/// conversations a record and only some were read, everything is read and planned again,
/// so the 1,000 limit is counted on the whole.
pub async fn prepare<T: AsRef<Plan>>(
    client: &Client,
    user: &str,
    peers: Option<&[Peer]>,
    planner: impl Fn(&Current) -> T,
) -> Result<T, ApiError> {
    let current = read(client, user, peers).await?;
    let plan = planner(&current);
    if plan.as_ref().limit == Limit::Unknown {
        let current = read(client, user, None).await?;
        return Ok(planner(&current));
    }
    Ok(plan)
}

/// Where a plan leaves a user against the 1,000 marked-or-grouped limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// Only some conversations were read, and none gains a record: the count cannot grow.
    NoNewRecords,
    /// Counted on every record: now and after.
    Within { now: usize, after: usize },
    /// Over the limit: refused before sending.
    Over { now: usize, over: OverLimit },
    /// Conversations gain a record but only some were read ([`prepare`] reads the rest).
    Unknown,
}

/// What one conversation's change is, in words and as JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversationDiff {
    pub peer: Peer,
    pub set: MarkSet,
    pub clear: MarkSet,
    /// The custom mark, old and new, when it changes.
    pub custom: Option<(String, String)>,
    /// Groups it joins and leaves, by name.
    pub join: Vec<String>,
    pub leave: Vec<String>,
    /// Not in the document: `--prune` clears it.
    pub pruned: bool,
}

/// The plan for one user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Whose conversations change.
    pub user: String,
    pub marks: MarkPlan,
    /// Group operations sent before the marks (creates, with their first members).
    pub groups_first: Vec<GroupOp>,
    /// Group operations sent after the marks (membership, then deletes).
    pub groups_last: Vec<GroupOp>,
    /// Every conversation that changes, by conversation ID.
    pub diffs: Vec<ConversationDiff>,
    /// Conversations named (in the document, or by the commit) that are already as wanted.
    pub unchanged: usize,
    pub limit: Limit,
    /// The most groups the user has while the plan runs (creates come before deletes).
    pub groups_peak: usize,
}

impl AsRef<Plan> for Plan {
    fn as_ref(&self) -> &Plan {
        self
    }
}

/// Calls a group operation takes (100 conversations a call).
pub fn op_calls(op: &GroupOp) -> usize {
    match op {
        GroupOp::Create { peers, .. } => {
            1 + peers
                .len()
                .saturating_sub(MAX_GROUP_CONTACT_ITEMS)
                .div_ceil(MAX_GROUP_CONTACT_ITEMS)
        }
        GroupOp::Add { peers, .. } | GroupOp::Remove { peers, .. } => {
            peers.len().div_ceil(MAX_GROUP_CONTACT_ITEMS)
        }
        GroupOp::Rename { .. } | GroupOp::Delete { .. } => 1,
    }
}

impl Plan {
    /// Nothing to send.
    pub fn in_sync(&self) -> bool {
        self.marks.changes.is_empty() && self.groups_first.is_empty() && self.groups_last.is_empty()
    }

    pub fn group_ops(&self) -> impl Iterator<Item = &GroupOp> {
        self.groups_first.iter().chain(&self.groups_last)
    }

    pub fn mark_calls(&self) -> usize {
        self.marks.calls()
    }

    pub fn group_calls(&self) -> usize {
        self.group_ops().map(op_calls).sum()
    }

    /// Changing calls the plan sends (reads not counted).
    pub fn calls(&self) -> usize {
        self.mark_calls() + self.group_calls()
    }

    /// Conversations whose reserved bits (4..=31) the plan sets or clears, with those bits.
    pub fn reserved(&self) -> Vec<(Peer, MarkSet)> {
        const RESERVED: u64 = 0xFFFF_FFF0;
        self.marks
            .changes
            .iter()
            .filter_map(|p| {
                let bits = (p.change.edit.set.0 | p.change.edit.clear.0) & RESERVED;
                (bits != 0).then(|| (p.change.peer.clone(), MarkSet(bits)))
            })
            .collect()
    }

    /// Why the plan cannot be sent as it is (the limits), if it cannot.
    pub fn refusal(&self) -> Option<String> {
        if let Limit::Over { over, .. } = self.limit {
            return Some(over.to_string());
        }
        if self.groups_peak > MAX_GROUPS {
            return Some(format!(
                "the plan would give {} groups while it runs (groups are created before others are deleted); a user may have at most {MAX_GROUPS}; nothing was sent for this user",
                self.groups_peak
            ));
        }
        None
    }
}

/// Exactly these bits and this custom mark, whatever the conversation holds.
fn exactly(value: MarkSet, custom: CustomMark) -> StagedEdit {
    StagedEdit {
        set: value,
        clear: MarkSet(!value.0),
        custom: Some(custom),
    }
}

/// The plan that brings `target`'s conversations to a document's part: the conversations
/// it lists get exactly their bits, custom mark and groups; its groups are created when
/// missing; with `prune`, conversations it does not list are cleared (bits, custom mark,
/// groups) and groups it does not list are deleted. Without `prune` the rest is left
/// alone (a conversation it lists still leaves a group it is not in there).
pub fn plan_document(part: &DocUser, target: &str, current: &Current, prune: bool) -> Plan {
    let mut wants: Vec<(Peer, StagedEdit)> = part
        .conversations
        .iter()
        .map(|c| (c.peer.clone(), exactly(c.mark, c.custom.clone())))
        .collect();
    let mut pruned = BTreeSet::new();
    if prune {
        for c in &current.snapshot.conversations {
            if c.is_marked_or_grouped() && part.find(&c.peer).is_none() {
                pruned.insert(c.peer.clone());
                wants.push((
                    c.peer.clone(),
                    exactly(MarkSet::EMPTY, CustomMark::default()),
                ));
            }
        }
    }
    let marks = plan_marks(target, |p| current.state(p), wants);
    let server_groups = current.group_names();
    let memberships = current.memberships();
    let member_of = |peer: &Peer, name: &str| {
        memberships
            .get(peer)
            .is_some_and(|groups| groups.contains(name))
    };
    let (mut creates, mut removes, mut adds, mut deletes) = (vec![], vec![], vec![], vec![]);
    for name in &part.groups {
        let wanted: Vec<Peer> = part
            .conversations
            .iter()
            .filter(|c| c.groups.contains(name))
            .map(|c| c.peer.clone())
            .collect();
        if !server_groups.contains(name) {
            creates.push(GroupOp::Create {
                name: name.clone(),
                peers: wanted,
            });
            continue;
        }
        let add: Vec<Peer> = wanted.into_iter().filter(|p| !member_of(p, name)).collect();
        let remove: Vec<Peer> = current
            .members(name)
            .into_iter()
            .filter(|p| match part.find(p) {
                Some(c) => !c.groups.contains(name),
                None => pruned.contains(p),
            })
            .collect();
        if !remove.is_empty() {
            removes.push(GroupOp::Remove {
                name: name.clone(),
                peers: remove,
            });
        }
        if !add.is_empty() {
            adds.push(GroupOp::Add {
                name: name.clone(),
                peers: add,
            });
        }
    }
    for name in server_groups.iter().filter(|g| !part.groups.contains(g)) {
        if prune {
            deletes.push(GroupOp::Delete { name: name.clone() });
            continue;
        }
        let remove: Vec<Peer> = current
            .members(name)
            .into_iter()
            .filter(|p| part.find(p).is_some())
            .collect();
        if !remove.is_empty() {
            removes.push(GroupOp::Remove {
                name: name.clone(),
                peers: remove,
            });
        }
    }
    let mut last = removes;
    last.extend(adds);
    last.extend(deletes);
    let named: BTreeSet<&Peer> = part.conversations.iter().map(|c| &c.peer).collect();
    finish(target, current, marks, creates, last, pruned, |changed| {
        named.iter().filter(|p| !changed.contains(**p)).count()
    })
}

/// Builds the plan: what each conversation ends as (marks, then the group operations in
/// order), the words, the limit.
fn finish(
    user: &str,
    current: &Current,
    marks: MarkPlan,
    groups_first: Vec<GroupOp>,
    groups_last: Vec<GroupOp>,
    pruned: BTreeSet<Peer>,
    unchanged: impl Fn(&BTreeSet<Peer>) -> usize,
) -> Plan {
    let before = current.memberships();
    let mut after = before.clone();
    let mut join: BTreeMap<Peer, Vec<String>> = BTreeMap::new();
    let mut leave: BTreeMap<Peer, Vec<String>> = BTreeMap::new();
    let mut groups: BTreeSet<String> = current.group_names();
    let mut peak = groups.len();
    for op in groups_first.iter().chain(&groups_last) {
        match op {
            GroupOp::Create { name, peers } | GroupOp::Add { name, peers } => {
                groups.insert(name.clone());
                for p in peers {
                    after.entry(p.clone()).or_default().insert(name.clone());
                    join.entry(p.clone()).or_default().push(name.clone());
                }
            }
            GroupOp::Remove { name, peers } => {
                for p in peers {
                    after.entry(p.clone()).or_default().remove(name);
                    leave.entry(p.clone()).or_default().push(name.clone());
                }
            }
            GroupOp::Delete { name } => {
                groups.remove(name);
                for (p, set) in after.iter_mut() {
                    if set.remove(name) {
                        leave.entry(p.clone()).or_default().push(name.clone());
                    }
                }
            }
            GroupOp::Rename { old, new } => {
                groups.remove(old);
                groups.insert(new.clone());
                for set in after.values_mut() {
                    if set.remove(old) {
                        set.insert(new.clone());
                    }
                }
            }
        }
        peak = peak.max(groups.len());
    }
    let by_mark: HashMap<&Peer, &super::plan::PlannedChange> =
        marks.changes.iter().map(|p| (&p.change.peer, p)).collect();
    let mut changed: BTreeSet<Peer> = by_mark.keys().map(|p| (*p).clone()).collect();
    changed.extend(join.keys().cloned());
    changed.extend(leave.keys().cloned());
    let mut transitions = Vec::new();
    let mut diffs = Vec::new();
    for peer in &changed {
        let now = current.state(peer);
        let marks_after = by_mark.get(peer).map_or_else(|| now.clone(), |p| p.after());
        let grouped_after = after.get(peer).is_some_and(|g| !g.is_empty());
        let has_after =
            !marks_after.value.is_empty() || !marks_after.custom.is_empty() || grouped_after;
        transitions.push((now.has_record(), has_after));
        let edit = by_mark.get(peer).map(|p| &p.change.edit);
        diffs.push(ConversationDiff {
            peer: peer.clone(),
            set: edit.map_or(MarkSet::EMPTY, |e| e.set),
            clear: edit.map_or(MarkSet::EMPTY, |e| e.clear),
            custom: edit
                .and_then(|e| e.custom.as_ref())
                .map(|c| (now.custom.clone(), c.as_str().to_owned())),
            join: join.remove(peer).unwrap_or_default(),
            leave: leave.remove(peer).unwrap_or_default(),
            pruned: pruned.contains(peer),
        });
    }
    diffs.sort_by_key(|d| d.peer.conversation_id());
    let gains = transitions.iter().any(|(b, a)| !b && *a);
    let limit = if current.complete {
        let now = current.snapshot.marked_count();
        match check_limit(now, transitions) {
            Ok(after) => Limit::Within { now, after },
            Err(over) => Limit::Over { now, over },
        }
    } else if gains {
        Limit::Unknown
    } else {
        Limit::NoNewRecords
    };
    Plan {
        user: user.to_owned(),
        unchanged: unchanged(&changed),
        marks,
        groups_first,
        groups_last,
        diffs,
        limit,
        groups_peak: peak,
    }
}

/// The plan that reverts an audited commit's lines of one user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UndoPlan {
    pub plan: Plan,
    /// Conversations changed since the commit, left alone (none with `force`).
    pub conflicts: Vec<Conflict>,
    /// Group operations that cannot be reverted as the groups are now.
    pub group_conflicts: Vec<String>,
    /// Lines that cannot be reverted (written before convmark recorded the state before).
    pub unknown: usize,
}

impl AsRef<Plan> for UndoPlan {
    fn as_ref(&self) -> &Plan {
        &self.plan
    }
}

/// The conversations a commit's lines name (and the members of a group it deleted): what
/// an undo reads.
pub fn undo_peers(lines: &[AuditRecord]) -> Vec<Peer> {
    let mut peers = BTreeSet::new();
    for line in lines {
        let named = line.conversation.iter().chain(&line.members);
        peers.extend(named.filter_map(|c| Peer::parse(c).ok()));
    }
    peers.into_iter().collect()
}

/// The plan that reverts `lines` (one user's lines of one commit) against the server now:
/// the marks only where the server still holds what the commit wrote (all with `force`),
/// the group operations by their opposites, each only where it is still needed.
pub fn plan_undo(user: &str, lines: &[AuditRecord], current: &Current, force: bool) -> UndoPlan {
    let inv = inverse(lines, |p| current.state(p), force);
    let marks = plan_marks(user, |p| current.state(p), inv.marks.iter().cloned());
    let mut groups = current.group_names();
    let mut members: HashMap<String, BTreeSet<Peer>> = HashMap::new();
    for (peer, names) in current.memberships() {
        for name in names {
            members.entry(name).or_default().insert(peer.clone());
        }
    }
    let mut group_conflicts = Vec::new();
    let (mut first, mut last) = (Vec::new(), Vec::new());
    for (i, op) in inv.groups.iter().enumerate() {
        let deleted_later = inv.groups[i + 1..]
            .iter()
            .any(|later| matches!(later, GroupOp::Delete { name } if name == op.name()));
        let known = members.entry(op.name().to_owned()).or_default().clone();
        let missing = |peers: &[Peer]| -> Vec<Peer> {
            peers
                .iter()
                .filter(|p| !known.contains(*p))
                .cloned()
                .collect()
        };
        match op {
            GroupOp::Create { name, peers } => {
                if groups.contains(name) {
                    let add = missing(peers);
                    if !add.is_empty() {
                        first.push(GroupOp::Add {
                            name: name.clone(),
                            peers: add,
                        });
                    }
                } else {
                    groups.insert(name.clone());
                    first.push(op.clone());
                }
                members
                    .entry(name.clone())
                    .or_default()
                    .extend(peers.iter().cloned());
            }
            GroupOp::Delete { name } => {
                if groups.remove(name) {
                    last.push(op.clone());
                }
            }
            GroupOp::Rename { old, new } => {
                let (has_old, has_new) = (groups.contains(old), groups.contains(new));
                if has_old && !has_new {
                    groups.remove(old);
                    groups.insert(new.clone());
                    first.push(op.clone());
                } else if !has_new || has_old {
                    // (only `new` there: already renamed back, nothing to do)
                    group_conflicts.push(format!(
                        "group {old:?} cannot be renamed back to {new:?}: {}",
                        if has_new {
                            format!("a group {new:?} exists again")
                        } else {
                            format!("there is no group {old:?} now")
                        }
                    ));
                }
            }
            GroupOp::Add { name, peers } if !deleted_later => {
                if groups.contains(name) {
                    let add = missing(peers);
                    if !add.is_empty() {
                        first.push(GroupOp::Add {
                            name: name.clone(),
                            peers: add,
                        });
                    }
                    members
                        .entry(name.clone())
                        .or_default()
                        .extend(peers.iter().cloned());
                } else {
                    group_conflicts.push(format!(
                        "{} cannot be put back in group {name:?}: there is no such group now",
                        names_of(peers)
                    ));
                }
            }
            GroupOp::Remove { name, peers } if !deleted_later => {
                let present: Vec<Peer> = peers
                    .iter()
                    .filter(|p| known.contains(*p))
                    .cloned()
                    .collect();
                if groups.contains(name) && !present.is_empty() {
                    if let Some(set) = members.get_mut(name) {
                        for p in &present {
                            set.remove(p);
                        }
                    }
                    first.push(GroupOp::Remove {
                        name: name.clone(),
                        peers: present,
                    });
                }
            }
            GroupOp::Add { .. } | GroupOp::Remove { .. } => {}
        }
    }
    let named: BTreeSet<Peer> = inv.marks.iter().map(|(p, _)| p.clone()).collect();
    let plan = finish(
        user,
        current,
        marks,
        first,
        last,
        BTreeSet::new(),
        |changed| named.iter().filter(|p| !changed.contains(*p)).count(),
    );
    UndoPlan {
        plan,
        conflicts: inv.conflicts,
        group_conflicts,
        unknown: inv.unknown,
    }
}

fn names_of(peers: &[Peer]) -> String {
    let ids: Vec<String> = peers.iter().map(Peer::conversation_id).collect();
    ids.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::wire::{ContactItem, GroupItem, WireMark};
    use crate::audit::{AuditContext, AuditMark};
    use crate::service::document::DocConversation;

    fn record(peer: &str, mark: u64, custom: &str, groups: &[u64]) -> ContactRecord {
        ContactRecord {
            contact: ContactItem(Peer::parse(peer).unwrap()),
            standard_mark: WireMark::from(MarkSet(mark)),
            custom_mark: (!custom.is_empty()).then(|| custom.to_owned()),
            contact_group_id: (!groups.is_empty()).then(|| groups.to_vec()),
            timestamp: 1,
        }
    }

    fn current(records: &[ContactRecord], groups: &[(&str, u64)], complete: bool) -> Current {
        let mut m = Merger::default();
        let groups: Vec<GroupItem> = groups
            .iter()
            .map(|(n, id)| GroupItem {
                group_name: (*n).into(),
                group_id: *id,
            })
            .collect();
        m.add_records(records, &groups);
        Current {
            snapshot: m.finish("alice"),
            complete,
        }
    }

    fn conv(peer: &str, mark: u64, custom: &str, groups: &[&str]) -> DocConversation {
        DocConversation {
            peer: Peer::parse(peer).unwrap(),
            mark: MarkSet(mark),
            custom: CustomMark::new(custom).unwrap(),
            groups: groups.iter().map(|g| (*g).to_owned()).collect(),
        }
    }

    fn part(groups: &[&str], conversations: Vec<DocConversation>) -> DocUser {
        DocUser {
            user: "alice".into(),
            groups: groups.iter().map(|g| (*g).to_owned()).collect(),
            conversations,
        }
    }

    #[test]
    fn only_what_differs_is_planned_and_said() {
        let now = current(
            &[
                record("c2c_bob", 0b11, "", &[1]),
                record("c2c_carol", 1 << 32, "old", &[]),
                record("c2c_dave", 1, "", &[2]),
            ],
            &[("A", 1), ("Old", 2)],
            true,
        );
        let doc = part(
            &["A", "New"],
            vec![
                conv("c2c_bob", 0b11, "", &["A"]),
                conv("c2c_carol", 1 | 1 << 33, "new", &["New"]),
            ],
        );
        let plan = plan_document(&doc, "alice", &now, false);
        assert_eq!(plan.unchanged, 1, "bob is as wanted");
        assert_eq!(plan.marks.changes.len(), 1);
        let edit = &plan.marks.changes[0].change.edit;
        assert_eq!(
            (edit.set, edit.clear),
            (MarkSet(1 | 1 << 33), MarkSet(1 << 32))
        );
        assert_eq!(
            plan.groups_first,
            vec![GroupOp::Create {
                name: "New".into(),
                peers: vec![Peer::User("carol".into())]
            }]
        );
        assert!(
            plan.groups_last.is_empty(),
            "dave is not in the document: left alone"
        );
        assert_eq!(plan.limit, Limit::Within { now: 3, after: 3 });
        let labels = BTreeMap::from([(33u8, "VIP".to_owned())]);
        let words = plan.words("alice", &labels);
        assert!(
            words.contains(
                "c2c_carol: set 0 (favorite), 33 (VIP); clear 32; custom mark \"old\" -> \"new\"; join \"New\""
            ),
            "{words}"
        );
        assert!(
            words.contains("create group \"New\" with 1 conversation(s)"),
            "{words}"
        );
        assert!(
            words.contains("2 call(s): 1 mark_contact, 1 group"),
            "{words}"
        );

        let pruned = plan_document(&doc, "alice", &now, true);
        assert_eq!(
            pruned.groups_last,
            vec![GroupOp::Delete { name: "Old".into() }]
        );
        let dave = pruned.diffs.iter().find(|d| d.peer.id() == "dave").unwrap();
        assert!(dave.pruned && dave.clear == MarkSet(1) && dave.leave == ["Old"]);
        assert_eq!(pruned.limit, Limit::Within { now: 3, after: 2 });
    }

    #[test]
    fn a_conversation_listed_leaves_a_group_the_document_does_not_name() {
        let now = current(&[record("c2c_bob", 0, "", &[1])], &[("X", 1)], false);
        let plan = plan_document(
            &part(&[], vec![conv("c2c_bob", 1, "", &[])]),
            "alice",
            &now,
            false,
        );
        assert_eq!(
            plan.groups_last,
            vec![GroupOp::Remove {
                name: "X".into(),
                peers: vec![Peer::User("bob".into())]
            }]
        );
        assert_eq!(plan.limit, Limit::NoNewRecords);
        // a new record on a partial read: the count is not known
        let plan = plan_document(
            &part(&[], vec![conv("c2c_new", 1, "", &[])]),
            "alice",
            &now,
            false,
        );
        assert_eq!(plan.limit, Limit::Unknown);
    }

    #[test]
    fn over_the_limit_is_refused_counting_group_members() {
        let records: Vec<ContactRecord> = (0..999)
            .map(|i| record(&format!("c2c_u{i}"), 1, "", &[]))
            .collect();
        let now = current(&records, &[], true);
        let doc = part(
            &["G"],
            vec![conv("c2c_x", 0, "", &["G"]), conv("c2c_y", 0, "", &["G"])],
        );
        let plan = plan_document(&doc, "alice", &now, false);
        assert!(
            plan.marks.changes.is_empty(),
            "no marks: only group members"
        );
        assert!(matches!(plan.limit, Limit::Over { now: 999, over } if over.over == 1));
        assert!(plan.refusal().unwrap().contains("1 more than the 1,000"));
    }

    #[test]
    fn undo_reverts_groups_where_still_needed() {
        let ctx = AuditContext::new(1, "admin");
        let mut create = ctx.record("alice", "group");
        create.op = Some(crate::audit::GroupAction::Create);
        create.group = Some("G".into());
        create.members = vec!["c2c_bob".into()];
        let mut mark = ctx.record("alice", "mark");
        mark.conversation = Some("c2c_bob".into());
        mark.before = Some(AuditMark::from(&MarkState::default()));
        mark.after = Some(AuditMark::from(&MarkState {
            value: MarkSet(1),
            custom: String::new(),
            grouped: true,
        }));
        mark.set = vec![0];
        let now = current(&[record("c2c_bob", 1, "", &[4])], &[("G", 4)], false);
        let undo = plan_undo("alice", &[create, mark], &now, false);
        assert_eq!(
            undo.plan.groups_last,
            vec![GroupOp::Delete { name: "G".into() }]
        );
        assert_eq!(undo.plan.marks.changes[0].change.edit.clear, MarkSet(1));
        assert_eq!(undo.plan.limit, Limit::NoNewRecords);
        // already undone: nothing to send
        let gone = current(&[], &[], false);
        let again = plan_undo("alice", &undo_lines(), &gone, false);
        assert!(again.plan.in_sync(), "{:?}", again.plan);
    }

    fn undo_lines() -> Vec<AuditRecord> {
        let ctx = AuditContext::new(1, "admin");
        let mut create = ctx.record("alice", "group");
        create.op = Some(crate::audit::GroupAction::Create);
        create.group = Some("G".into());
        vec![create]
    }

    #[test]
    fn calls_count_100_conversations_a_call() {
        let peers: Vec<Peer> = (0..250).map(|i| Peer::User(format!("u{i}"))).collect();
        let create = GroupOp::Create {
            name: "G".into(),
            peers: peers.clone(),
        };
        assert_eq!(op_calls(&create), 3);
        assert_eq!(
            op_calls(&GroupOp::Add {
                name: "G".into(),
                peers
            }),
            3
        );
        assert_eq!(op_calls(&GroupOp::Delete { name: "G".into() }), 1);
    }
}
