//! Planning a change: what is wanted of each conversation, against what the server holds,
//! becomes the minimal mark_contact items (only the bits that change, nothing for a
//! conversation already as wanted), checked against the 1,000 marked-or-grouped limit
//! before anything is sent.

use std::collections::HashMap;

use crate::domain::{
    MAX_MARK_ITEMS, MAX_MARKED_CONVERSATIONS, MarkChange, MarkSet, Peer, StagedEdit, batches,
};

/// A conversation's marks as the server held them when the plan was made (what undo needs).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MarkState {
    pub value: MarkSet,
    pub custom: String,
    /// In at least one conversation group (a record exists even without marks).
    pub grouped: bool,
}

impl MarkState {
    /// What a get_contact_group / search_contact_group record says (nothing without one).
    pub fn of_record(record: Option<&crate::api::wire::ContactRecord>) -> MarkState {
        record.map_or_else(MarkState::default, |r| MarkState {
            value: r.standard_mark.value,
            custom: r.custom_mark.clone().unwrap_or_default(),
            grouped: r.contact_group_id.as_ref().is_some_and(|g| !g.is_empty()),
        })
    }

    /// Whether the conversation counts against the 1,000 limit.
    pub fn has_record(&self) -> bool {
        !self.value.is_empty() || !self.custom.is_empty() || self.grouped
    }

    /// The state once `edit` is applied.
    pub fn after(&self, edit: &StagedEdit) -> MarkState {
        MarkState {
            value: edit.apply(self.value),
            custom: edit
                .custom
                .as_ref()
                .map_or_else(|| self.custom.clone(), |c| c.as_str().to_owned()),
            grouped: self.grouped,
        }
    }
}

/// One conversation's minimal change and the state it was planned against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedChange {
    pub change: MarkChange,
    pub before: MarkState,
}

impl PlannedChange {
    pub fn after(&self) -> MarkState {
        self.before.after(&self.change.edit)
    }
}

/// The mark part of a plan for one user.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MarkPlan {
    pub user: String,
    /// Conversations that change, in the order given.
    pub changes: Vec<PlannedChange>,
    /// Conversations that already hold what is wanted: nothing is sent for them.
    pub unchanged: Vec<Peer>,
}

impl MarkPlan {
    /// mark_contact calls the plan needs (100 conversations each).
    pub fn calls(&self) -> usize {
        batches(&self.changes, MAX_MARK_ITEMS).count()
    }

    pub fn changes(&self) -> Vec<MarkChange> {
        self.changes.iter().map(|p| p.change.clone()).collect()
    }

    pub fn before(&self) -> HashMap<Peer, MarkState> {
        self.changes
            .iter()
            .map(|p| (p.change.peer.clone(), p.before.clone()))
            .collect()
    }
}

/// Plans `wants` (per conversation: bits to have set, bits to have clear, a custom mark)
/// against `current` (the server's state; a conversation it does not return has none).
pub fn plan_marks(
    user: &str,
    current: impl Fn(&Peer) -> MarkState,
    wants: impl IntoIterator<Item = (Peer, StagedEdit)>,
) -> MarkPlan {
    let mut plan = MarkPlan {
        user: user.to_owned(),
        ..Default::default()
    };
    for (peer, want) in wants {
        let before = current(&peer);
        let mut edit = want;
        edit.rebase(before.value, &before.custom);
        if edit.is_empty() {
            plan.unchanged.push(peer);
        } else {
            plan.changes.push(PlannedChange {
                change: MarkChange { peer, edit },
                before,
            });
        }
    }
    plan
}

/// A change that would take a user over the 1,000 marked-or-grouped conversations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "the change would give {after} marked or grouped conversations, {over} more than the 1,000 the service allows (it answers 51008); nothing was sent for this user: clear marks elsewhere or change fewer conversations",
    after = crate::text::thousands(*.after),
    over = crate::text::thousands(*.over)
)]
pub struct OverLimit {
    /// Records the user would have.
    pub after: usize,
    /// By how many that is over the limit.
    pub over: usize,
}

/// Checks the records a user would have: `records_now` today, changed by the conversations
/// whose presence changes (`(before, after)` of each changed conversation).
pub fn check_limit(
    records_now: usize,
    changes: impl IntoIterator<Item = (bool, bool)>,
) -> Result<usize, OverLimit> {
    let mut after = records_now;
    for (before, now) in changes {
        match (before, now) {
            (false, true) => after += 1,
            (true, false) => after = after.saturating_sub(1),
            _ => {}
        }
    }
    if after > MAX_MARKED_CONVERSATIONS {
        Err(OverLimit {
            after,
            over: after - MAX_MARKED_CONVERSATIONS,
        })
    } else {
        Ok(after)
    }
}

/// [`check_limit`] for a mark plan.
pub fn check_mark_limit(records_now: usize, plan: &MarkPlan) -> Result<usize, OverLimit> {
    check_limit(
        records_now,
        plan.changes
            .iter()
            .map(|p| (p.before.has_record(), p.after().has_record())),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{BitIndex, CustomMark};

    fn b(i: i64) -> BitIndex {
        BitIndex::new(i).unwrap()
    }

    fn want(set: &[i64], clear: &[i64], custom: Option<&str>) -> StagedEdit {
        let mut e = StagedEdit::default();
        for i in set {
            e.set.insert(b(*i));
        }
        for i in clear {
            e.clear.insert(b(*i));
        }
        e.custom = custom.map(|c| CustomMark::new(c).unwrap());
        e
    }

    #[test]
    fn only_what_differs_is_planned() {
        let bob = Peer::User("bob".into());
        let carol = Peer::User("carol".into());
        let current = |p: &Peer| MarkState {
            value: if p.id() == "bob" {
                MarkSet(0b11)
            } else {
                MarkSet(0)
            },
            custom: String::new(),
            grouped: false,
        };
        let plan = plan_marks(
            "alice",
            current,
            [
                (bob.clone(), want(&[0, 32], &[1], None)),
                (carol.clone(), want(&[], &[3], Some(""))),
            ],
        );
        assert_eq!(plan.unchanged, vec![carol]);
        assert_eq!(plan.changes.len(), 1);
        let edit = &plan.changes[0].change.edit;
        assert_eq!(edit.set, MarkSet(1 << 32), "bit 0 is already on");
        assert_eq!(edit.clear, MarkSet(0b10));
        assert_eq!(plan.changes[0].after().value, MarkSet((1 << 32) | 1));
    }

    #[test]
    fn the_limit_counts_new_and_freed_records() {
        assert_eq!(check_limit(998, [(false, true), (false, true)]), Ok(1000));
        assert_eq!(
            check_limit(999, [(false, true), (false, true), (true, true)]),
            Err(OverLimit {
                after: 1001,
                over: 1
            })
        );
        assert_eq!(check_limit(1000, [(true, false), (false, true)]), Ok(1000));
    }
}
