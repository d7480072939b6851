//! A plan in words (what `diff`, `apply` and `undo` show before sending) and as JSON.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::domain::{BitIndex, BitKind, MAX_MARKED_CONVERSATIONS, MarkSet, Peer};
use crate::service::groups::GroupOp;
use crate::text::thousands;

use super::{ConversationDiff, Limit, Plan};

impl Plan {
    /// The plan in words: a summary line for `who`, then one line per group created or
    /// deleted and per conversation that changes. `labels` name extension bits.
    pub fn words(&self, who: &str, labels: &BTreeMap<u8, String>) -> String {
        let mut out = String::new();
        if self.in_sync() {
            out.push_str(&format!(
                "{who}: in sync, nothing to send ({} conversation(s) already as wanted)\n",
                thousands(self.unchanged)
            ));
        } else {
            out.push_str(&format!(
                "{who}: {} conversation(s) to change, {} already as wanted; {} call(s): {} mark_contact, {} group\n",
                thousands(self.diffs.len()),
                thousands(self.unchanged),
                thousands(self.calls()),
                thousands(self.mark_calls()),
                thousands(self.group_calls()),
            ));
        }
        for op in &self.groups_first {
            out.push_str(&format!("  {}\n", op_words(op)));
        }
        for d in &self.diffs {
            out.push_str(&format!("  {}\n", diff_words(d, labels)));
        }
        for op in self
            .groups_last
            .iter()
            .filter(|op| matches!(op, GroupOp::Delete { .. } | GroupOp::Rename { .. }))
        {
            out.push_str(&format!("  {}\n", op_words(op)));
        }
        match self.limit {
            Limit::Within { now, after } if now != after => out.push_str(&format!(
                "  marked or grouped: {} -> {} of {}\n",
                thousands(now),
                thousands(after),
                thousands(MAX_MARKED_CONVERSATIONS)
            )),
            _ => {}
        }
        if let Some(why) = self.refusal() {
            out.push_str(&format!("  refused: {why}\n"));
        }
        out
    }

    /// The plan as JSON.
    pub fn json(&self) -> PlanJson {
        let (records_before, records_after) = match self.limit {
            Limit::Within { now, after } => (Some(now), Some(after)),
            Limit::Over { now, over } => (Some(now), Some(over.after)),
            _ => (None, None),
        };
        PlanJson {
            user: self.user.clone(),
            in_sync: self.in_sync(),
            calls: self.calls(),
            mark_calls: self.mark_calls(),
            group_calls: self.group_calls(),
            changed: self.diffs.len(),
            unchanged: self.unchanged,
            records_before,
            records_after,
            refused: self.refusal(),
            group_ops: self.group_ops().map(GroupOpJson::from).collect(),
            conversations: self.diffs.iter().map(DiffJson::from).collect(),
        }
    }
}

/// A bit as people read it: `0 (favorite)`, `5 (reserved)`, `32 (VIP)` with a label, `40`.
pub fn bit_name(bit: BitIndex, labels: &BTreeMap<u8, String>) -> String {
    let word = match bit.kind() {
        BitKind::Favorite => Some("favorite".to_owned()),
        BitKind::Unread => Some("unread".to_owned()),
        BitKind::Collapsed => Some("collapsed".to_owned()),
        BitKind::Hidden => Some("hidden".to_owned()),
        BitKind::Reserved => Some("reserved".to_owned()),
        BitKind::Extension => labels.get(&bit.get()).map(|l| l.escape_debug().to_string()),
    };
    match word {
        Some(w) => format!("{bit} ({w})"),
        None => bit.to_string(),
    }
}

fn bits_words(bits: MarkSet, labels: &BTreeMap<u8, String>) -> String {
    let names: Vec<String> = bits.indices().map(|b| bit_name(b, labels)).collect();
    names.join(", ")
}

fn names_words(names: &[String]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("{n:?}")).collect();
    quoted.join(", ")
}

/// `c2c_bob: set 0 (favorite); clear 33; custom mark "" -> "vip"; join "Friends"`.
pub fn diff_words(d: &ConversationDiff, labels: &BTreeMap<u8, String>) -> String {
    let mut parts = Vec::new();
    if !d.set.is_empty() {
        parts.push(format!("set {}", bits_words(d.set, labels)));
    }
    if !d.clear.is_empty() {
        parts.push(format!("clear {}", bits_words(d.clear, labels)));
    }
    if let Some((old, new)) = &d.custom {
        parts.push(format!("custom mark {old:?} -> {new:?}"));
    }
    if !d.join.is_empty() {
        parts.push(format!("join {}", names_words(&d.join)));
    }
    if !d.leave.is_empty() {
        parts.push(format!("leave {}", names_words(&d.leave)));
    }
    let mut line = format!("{}: {}", d.peer.conversation_id(), parts.join("; "));
    if d.pruned {
        line.push_str(" (not in the document: --prune clears it)");
    }
    line
}

/// `create group "Friends" with 2 conversation(s)`, `delete group "Old"`, ...
pub fn op_words(op: &GroupOp) -> String {
    match op {
        GroupOp::Create { name, peers } if peers.is_empty() => format!("create group {name:?}"),
        GroupOp::Create { name, peers } => {
            format!("create group {name:?} with {} conversation(s)", peers.len())
        }
        GroupOp::Rename { old, new } => format!("rename group {old:?} to {new:?}"),
        GroupOp::Delete { name } => format!("delete group {name:?}"),
        GroupOp::Add { name, peers } => {
            format!("add {} conversation(s) to group {name:?}", peers.len())
        }
        GroupOp::Remove { name, peers } => {
            format!("remove {} conversation(s) from group {name:?}", peers.len())
        }
    }
}

/// A plan in JSON (`diff --json`, `apply --json`, `undo --json`).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PlanJson {
    pub user: String,
    pub in_sync: bool,
    /// Changing calls: mark_contact plus group calls.
    pub calls: usize,
    pub mark_calls: usize,
    pub group_calls: usize,
    /// Conversations that change / already as wanted.
    pub changed: usize,
    pub unchanged: usize,
    /// Marked-or-grouped conversations now and after, when every record was read.
    pub records_before: Option<usize>,
    pub records_after: Option<usize>,
    /// Why it cannot be sent (the 1,000 limit, the 20 groups), if it cannot.
    pub refused: Option<String>,
    pub group_ops: Vec<GroupOpJson>,
    pub conversations: Vec<DiffJson>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct GroupOpJson {
    /// `create`, `rename`, `add`, `remove`, `delete`.
    pub op: &'static str,
    pub group: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_name: Option<String>,
    pub conversations: Vec<String>,
}

impl From<&GroupOp> for GroupOpJson {
    fn from(op: &GroupOp) -> Self {
        GroupOpJson {
            op: op.verb(),
            group: op.name().to_owned(),
            new_name: match op {
                GroupOp::Rename { new, .. } => Some(new.clone()),
                _ => None,
            },
            conversations: op.peers().iter().map(Peer::conversation_id).collect(),
        }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CustomChangeJson {
    pub old: String,
    pub new: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct DiffJson {
    pub conversation: String,
    /// Wire indices to set and to clear.
    pub set: Vec<u8>,
    pub clear: Vec<u8>,
    /// Null when the custom mark stays.
    pub custom_mark: Option<CustomChangeJson>,
    pub join: Vec<String>,
    pub leave: Vec<String>,
    /// Not in the document: cleared by `--prune`.
    pub pruned: bool,
}

impl From<&ConversationDiff> for DiffJson {
    fn from(d: &ConversationDiff) -> Self {
        DiffJson {
            conversation: d.peer.conversation_id(),
            set: d.set.indices().map(BitIndex::get).collect(),
            clear: d.clear.indices().map(BitIndex::get).collect(),
            custom_mark: d.custom.as_ref().map(|(old, new)| CustomChangeJson {
                old: old.clone(),
                new: new.clone(),
            }),
            join: d.join.clone(),
            leave: d.leave.clone(),
            pruned: d.pruned,
        }
    }
}
