//! One conversation as the server holds it, and the one rule that merges the two lists a
//! user is read from: get_list (recent conversations) and get_contact_group (every mark and
//! group record, which may be missing from the recent list).
//!
//! The rule: each conversation once; listed twice in get_list, it keeps the newest
//! `MsgTime` and is pinned if either entry is; the mark record is the authority on marks
//! and groups (it is what mark_contact and the group calls change), whichever list arrived
//! first; the order is pinned first, then newest message first, then by conversation.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};

use crate::api::wire::{ContactRecord, GroupItem, SessionItem, WireMark};
use crate::domain::{MAX_MARKED_CONVERSATIONS, MarkSet, Peer};

/// One conversation of a user, as the server last said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conversation {
    pub peer: Peer,
    pub pinned: bool,
    /// Time of the last message (get_list); 0 when not in the recent list.
    pub msg_time: u64,
    /// Listed by get_list.
    pub recent: bool,
    /// Listed by get_contact_group or search with content: it has a mark or a group.
    pub record: bool,
    /// The standard mark, with the string exactly as the server sent it.
    pub mark: WireMark,
    /// `""` when none.
    pub custom: String,
    /// IDs of the conversation groups it is in.
    pub groups: Vec<u64>,
}

impl Conversation {
    pub fn new(peer: Peer) -> Self {
        Conversation {
            peer,
            pinned: false,
            msg_time: 0,
            recent: false,
            record: false,
            mark: WireMark::default(),
            custom: String::new(),
            groups: Vec::new(),
        }
    }

    /// Counts against the 1,000 marked-or-grouped limit.
    pub fn is_marked_or_grouped(&self) -> bool {
        !self.mark.value.is_empty() || !self.custom.is_empty() || !self.groups.is_empty()
    }

    /// A get_list entry. Its marks (present with AssistFlags) count only until the record
    /// is known.
    pub fn apply_session(&mut self, item: &SessionItem) {
        self.recent = true;
        self.pinned |= item.top_flag == 1;
        self.msg_time = self.msg_time.max(item.msg_time);
        if self.record {
            return;
        }
        if let Some(mark) = &item.standard_mark {
            self.mark = mark.clone();
        }
        if let Some(custom) = &item.custom_mark {
            self.custom = custom.clone();
        }
        if let Some(groups) = &item.contact_group_id {
            self.groups = groups.clone();
        }
    }

    /// A get_contact_group or search_contact_group record: the truth about marks and groups.
    pub fn apply_record(&mut self, record: &ContactRecord) {
        self.mark = record.standard_mark.clone();
        self.custom = record.custom_mark.clone().unwrap_or_default();
        self.groups = record.contact_group_id.clone().unwrap_or_default();
        self.record = self.is_marked_or_grouped();
    }

    /// The value and custom mark, for planning changes.
    pub fn value(&self) -> (MarkSet, &str) {
        (self.mark.value, self.custom.as_str())
    }
}

/// The display and processing order: pinned first, then newest message, then by peer.
pub fn order(a: &Conversation, b: &Conversation) -> Ordering {
    b.pinned
        .cmp(&a.pinned)
        .then(b.msg_time.cmp(&a.msg_time))
        .then_with(|| a.peer.cmp(&b.peer))
}

/// Everything about one user.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UserSnapshot {
    pub user: String,
    /// Each conversation once, in [`order`].
    pub conversations: Vec<Conversation>,
    /// The user's conversation groups, as get_contact_group lists them.
    pub groups: Vec<GroupItem>,
}

impl UserSnapshot {
    /// Group ID -> name.
    pub fn group_names(&self) -> BTreeMap<u64, String> {
        self.groups
            .iter()
            .map(|g| (g.group_id, g.group_name.clone()))
            .collect()
    }

    /// How many conversations count against the 1,000 marked-or-grouped limit.
    pub fn marked_count(&self) -> usize {
        self.conversations
            .iter()
            .filter(|c| c.is_marked_or_grouped())
            .count()
    }

    /// The conversation of a peer, if the user has it.
    pub fn find(&self, peer: &Peer) -> Option<&Conversation> {
        self.conversations.iter().find(|c| &c.peer == peer)
    }

    /// Peer -> conversation, for planning.
    pub fn by_peer(&self) -> HashMap<&Peer, &Conversation> {
        self.conversations.iter().map(|c| (&c.peer, c)).collect()
    }

    /// Room left under the 1,000 limit.
    pub fn room(&self) -> usize {
        MAX_MARKED_CONVERSATIONS.saturating_sub(self.marked_count())
    }
}

/// Builds a [`UserSnapshot`] from pages of both lists, in any order of arrival.
#[derive(Debug, Default)]
pub struct Merger {
    conversations: Vec<Conversation>,
    index: HashMap<Peer, usize>,
    groups: Vec<GroupItem>,
}

impl Merger {
    fn entry(&mut self, peer: &Peer) -> &mut Conversation {
        let i = match self.index.get(peer) {
            Some(i) => *i,
            None => {
                self.conversations.push(Conversation::new(peer.clone()));
                let i = self.conversations.len() - 1;
                self.index.insert(peer.clone(), i);
                i
            }
        };
        &mut self.conversations[i]
    }

    pub fn add_sessions(&mut self, items: &[SessionItem]) {
        for item in items {
            self.entry(&item.peer.0).apply_session(item);
        }
    }

    pub fn add_records(&mut self, records: &[ContactRecord], groups: &[GroupItem]) {
        for record in records {
            self.entry(&record.contact.0).apply_record(record);
        }
        merge_groups(&mut self.groups, groups);
    }

    pub fn finish(mut self, user: &str) -> UserSnapshot {
        self.conversations.sort_by(order);
        UserSnapshot {
            user: user.to_owned(),
            conversations: self.conversations,
            groups: self.groups,
        }
    }
}

/// Adds the groups of one more page (every page lists all of them; a group renamed between
/// pages keeps its ID and takes the newer name).
pub fn merge_groups(into: &mut Vec<GroupItem>, page: &[GroupItem]) {
    for g in page {
        match into.iter_mut().find(|x| x.group_id == g.group_id) {
            Some(x) => x.group_name = g.group_name.clone(),
            None => into.push(g.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::wire::{ContactItem, SessionPeer};

    fn session(peer: &str, time: u64, top: bool, mark: Option<u64>) -> SessionItem {
        SessionItem {
            peer: SessionPeer(Peer::User(peer.into())),
            msg_time: time,
            top_flag: u8::from(top),
            standard_mark: mark.map(|m| WireMark::from(MarkSet(m))),
            custom_mark: None,
            contact_group_id: None,
        }
    }

    fn record(peer: &str, mark: u64) -> ContactRecord {
        ContactRecord {
            contact: ContactItem(Peer::User(peer.into())),
            standard_mark: WireMark::from(MarkSet(mark)),
            custom_mark: None,
            contact_group_id: None,
            timestamp: 1,
        }
    }

    #[test]
    fn the_record_wins_in_either_order_and_duplicates_merge() {
        let mut a = Merger::default();
        a.add_sessions(&[
            session("bob", 5, false, Some(1)),
            session("bob", 9, true, None),
        ]);
        a.add_records(&[record("bob", 8)], &[]);
        let mut b = Merger::default();
        b.add_records(&[record("bob", 8)], &[]);
        b.add_sessions(&[
            session("bob", 5, false, Some(1)),
            session("bob", 9, true, None),
        ]);
        let (a, b) = (a.finish("u"), b.finish("u"));
        assert_eq!(a, b);
        let bob = &a.conversations[0];
        assert_eq!(
            (bob.msg_time, bob.pinned, bob.mark.value),
            (9, true, MarkSet(8))
        );
        assert!(bob.recent && bob.record);
    }

    #[test]
    fn pinned_first_then_newest_then_by_peer() {
        let mut m = Merger::default();
        m.add_sessions(&[
            session("old", 1, false, None),
            session("new", 9, false, None),
            session("pin", 2, true, None),
        ]);
        m.add_records(&[record("archived", 1), record("also", 2)], &[]);
        let ids: Vec<String> = m
            .finish("u")
            .conversations
            .iter()
            .map(|c| c.peer.id().to_owned())
            .collect();
        assert_eq!(ids, ["pin", "new", "old", "also", "archived"]);
    }
}
