//! Reverting an audited commit: for each conversation it changed, the minimal edit back to
//! what it held before, but only where the server still holds what that commit wrote. A
//! conversation changed since (by someone else, or a later commit) is a conflict and left
//! alone, unless forced. Group operations are reverted by their opposites.

use crate::audit::{AuditRecord, GroupAction};
use crate::domain::{CustomMark, MarkSet, Peer, StagedEdit};

use super::groups::GroupOp;
use super::plan::MarkState;

/// A conversation that changed since the commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    pub peer: Peer,
    pub reason: String,
}

/// What reverting a commit takes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Inverse {
    /// Per conversation: what is wanted of it (made minimal by `plan_marks`).
    pub marks: Vec<(Peer, StagedEdit)>,
    /// Group operations that revert the commit's, in reverse order.
    pub groups: Vec<GroupOp>,
    pub conflicts: Vec<Conflict>,
    /// Lines that cannot be reverted (written before convmark recorded the state before).
    pub unknown: usize,
}

/// The inverse of a commit's lines, against `current` (what the server holds now). With
/// `force`, conflicts are reverted too.
pub fn inverse(
    lines: &[AuditRecord],
    current: impl Fn(&Peer) -> MarkState,
    force: bool,
) -> Inverse {
    let mut out = Inverse::default();
    for line in lines.iter().filter(|l| l.result_code == 0) {
        let peer = line
            .conversation
            .as_deref()
            .and_then(|c| Peer::parse(c).ok());
        match line.kind.as_str() {
            "mark" => {
                let (Some(peer), Some(before), Some(after)) = (peer, &line.before, &line.after)
                else {
                    out.unknown += 1;
                    continue;
                };
                let now = current(&peer);
                // the bits this commit changed, and whether they still read as it wrote them
                let changed = MarkSet(before.value().0 ^ after.value().0);
                let bits_moved = (now.value.0 ^ after.value().0) & changed.0;
                let custom_sent = line.custom_mark.is_some();
                let custom_moved = custom_sent && now.custom != after.custom_mark;
                // already as it was before the commit (undone already, or changed back): no
                // conflict, nothing to send; the plan finds it in sync
                let reverted = (now.value.0 ^ before.value().0) & changed.0 == 0
                    && (!custom_sent || now.custom == before.custom_mark);
                if (bits_moved != 0 || custom_moved) && !force && !reverted {
                    let mut why = Vec::new();
                    if bits_moved != 0 {
                        let bits: Vec<String> = MarkSet(bits_moved)
                            .indices()
                            .map(|b| b.get().to_string())
                            .collect();
                        why.push(format!("bit {} changed since", bits.join(",")));
                    }
                    if custom_moved {
                        why.push("the custom mark changed since".to_owned());
                    }
                    let reason = why.join(" and ");
                    out.conflicts.push(Conflict { peer, reason });
                    continue;
                }
                let before_value = before.value();
                let want = StagedEdit {
                    set: MarkSet(before_value.0 & changed.0),
                    clear: MarkSet(!before_value.0 & changed.0),
                    custom: if custom_sent {
                        CustomMark::new(before.custom_mark.clone()).ok()
                    } else {
                        None
                    },
                };
                out.marks.push((peer, want));
            }
            "group" => {
                let (Some(op), Some(name)) = (line.op, line.group.clone()) else {
                    out.unknown += 1;
                    continue;
                };
                let members = |list: &[String]| -> Vec<Peer> {
                    list.iter().filter_map(|m| Peer::parse(m).ok()).collect()
                };
                let back = match op {
                    GroupAction::Create => GroupOp::Delete { name },
                    GroupAction::Delete => GroupOp::Create {
                        name,
                        peers: members(&line.members),
                    },
                    GroupAction::Rename => match &line.new_name {
                        Some(new) => GroupOp::Rename {
                            old: new.clone(),
                            new: name,
                        },
                        None => {
                            out.unknown += 1;
                            continue;
                        }
                    },
                    GroupAction::Add => match peer {
                        Some(p) => GroupOp::Remove {
                            name,
                            peers: vec![p],
                        },
                        None => continue,
                    },
                    GroupAction::Remove => match peer {
                        Some(p) => GroupOp::Add {
                            name,
                            peers: vec![p],
                        },
                        None => continue,
                    },
                };
                out.groups.push(back);
            }
            _ => out.unknown += 1,
        }
    }
    out.groups.reverse();
    merge_member_ops(&mut out.groups);
    out
}

/// Adjacent adds (or removes) of one group become one operation.
fn merge_member_ops(ops: &mut Vec<GroupOp>) {
    let mut merged: Vec<GroupOp> = Vec::new();
    for op in ops.drain(..) {
        match (merged.last_mut(), op) {
            (
                Some(GroupOp::Add { name: a, peers }),
                GroupOp::Add {
                    name: b,
                    peers: more,
                },
            ) if *a == b => peers.extend(more),
            (
                Some(GroupOp::Remove { name: a, peers }),
                GroupOp::Remove {
                    name: b,
                    peers: more,
                },
            ) if *a == b => peers.extend(more),
            (_, op) => merged.push(op),
        }
    }
    *ops = merged;
}

/// A short summary of a commit's lines for lists: `2 conversation(s) changed: set 32, clear 1;
/// custom mark on 1 · group "x" created`.
pub fn summary(lines: &[AuditRecord]) -> String {
    let ok: Vec<&AuditRecord> = lines.iter().filter(|l| l.result_code == 0).collect();
    let marks = ok.iter().filter(|l| l.kind == "mark").count();
    let failed = lines.len() - ok.len();
    let mut parts = Vec::new();
    if marks > 0 {
        let mut bits_set: Vec<u8> = ok.iter().flat_map(|l| l.set.iter().copied()).collect();
        bits_set.sort_unstable();
        bits_set.dedup();
        let mut bits_clear: Vec<u8> = ok.iter().flat_map(|l| l.clear.iter().copied()).collect();
        bits_clear.sort_unstable();
        bits_clear.dedup();
        let customs = ok.iter().filter(|l| l.custom_mark.is_some()).count();
        let mut what = Vec::new();
        let list = |v: &[u8]| v.iter().map(u8::to_string).collect::<Vec<_>>().join(",");
        if !bits_set.is_empty() {
            what.push(format!("set {}", list(&bits_set)));
        }
        if !bits_clear.is_empty() {
            what.push(format!("clear {}", list(&bits_clear)));
        }
        if customs > 0 {
            what.push(format!("custom mark on {customs}"));
        }
        parts.push(format!(
            "{marks} conversation(s) changed: {}",
            what.join(", ")
        ));
    }
    for l in ok.iter().filter(|l| l.kind == "group") {
        let name = l.group.clone().unwrap_or_default();
        let what = match l.op {
            Some(GroupAction::Create) => format!("group {name:?} created"),
            Some(GroupAction::Delete) => format!("group {name:?} deleted"),
            Some(GroupAction::Rename) => format!(
                "group {name:?} renamed to {:?}",
                l.new_name.clone().unwrap_or_default()
            ),
            Some(GroupAction::Add) => format!(
                "{} added to {name:?}",
                l.conversation.clone().unwrap_or_default()
            ),
            Some(GroupAction::Remove) => format!(
                "{} removed from {name:?}",
                l.conversation.clone().unwrap_or_default()
            ),
            None => continue,
        };
        parts.push(what);
    }
    if failed > 0 {
        parts.push(format!("{failed} failed"));
    }
    if parts.is_empty() {
        "nothing applied".into()
    } else {
        parts.join(" · ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::{AuditContext, AuditMark};

    fn line(conv: &str, before: u64, after: u64, custom: Option<(&str, &str)>) -> AuditRecord {
        let ctx = AuditContext::new(1, "admin");
        let mut r = ctx.record("alice", "mark");
        r.conversation = Some(conv.into());
        let mark = |v: u64, c: &str| {
            AuditMark::from(&MarkState {
                value: MarkSet(v),
                custom: c.into(),
                grouped: false,
            })
        };
        let (cb, ca) = custom.unwrap_or(("", ""));
        r.before = Some(mark(before, cb));
        r.after = Some(mark(after, ca));
        r.custom_mark = custom.map(|(_, a)| a.to_owned());
        r
    }

    #[test]
    fn reverts_only_what_still_reads_as_written() {
        let lines = vec![
            line("c2c_bob", 0b01, 0b11, Some(("old", "new"))),
            line("c2c_carol", 0b000, 0b110, None),
        ];
        let current = |p: &Peer| match p.id() {
            // bob: bit 1 as written, bit 5 set by someone else (not a conflict)
            "bob" => MarkState {
                value: MarkSet(0b100011),
                custom: "new".into(),
                grouped: false,
            },
            // carol: bit 1 as written, bit 2 cleared since: a conflict
            _ => MarkState {
                value: MarkSet(0b010),
                ..MarkState::default()
            },
        };
        let inv = inverse(&lines, current, false);
        assert_eq!(inv.marks.len(), 1);
        let (peer, want) = &inv.marks[0];
        assert_eq!(peer.id(), "bob");
        assert_eq!((want.set, want.clear), (MarkSet(0), MarkSet(0b10)));
        assert_eq!(want.custom.as_ref().unwrap().as_str(), "old");
        assert_eq!(inv.conflicts[0].peer.id(), "carol");
        assert!(inv.conflicts[0].reason.contains("bit 2"));
        let forced = inverse(&lines, current, true);
        assert_eq!(forced.marks.len(), 2);
        assert!(forced.conflicts.is_empty());
        // back as it was before the commit (an undo run twice): no conflict, in sync
        let back = |_: &Peer| MarkState::default();
        let inv = inverse(&lines[1..], back, false);
        assert!(inv.conflicts.is_empty());
        assert_eq!(
            inv.marks.len(),
            1,
            "wanted, and already so: the plan sends nothing"
        );
    }

    #[test]
    fn group_operations_are_reverted_in_reverse_order() {
        let ctx = AuditContext::new(1, "admin");
        let mut create = ctx.record("alice", "group");
        create.op = Some(GroupAction::Create);
        create.group = Some("g".into());
        let mut add = ctx.record("alice", "group");
        add.op = Some(GroupAction::Add);
        add.group = Some("g".into());
        add.conversation = Some("c2c_bob".into());
        let inv = inverse(&[create, add], |_| MarkState::default(), false);
        assert_eq!(
            inv.groups,
            vec![
                GroupOp::Remove {
                    name: "g".into(),
                    peers: vec![Peer::User("bob".into())]
                },
                GroupOp::Delete { name: "g".into() }
            ]
        );
    }
}
