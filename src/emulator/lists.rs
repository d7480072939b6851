//! The read endpoints: get_list (the recent list, paged over a snapshot of its ordering),
//! get_contact_group (every record, paged by creation sequence) and search_contact_group.
//!
//! Paging conventions (the docs leave them open):
//! - get_list orders the list once at the first page (pinned first, newest first, then by
//!   peer) and keeps that ordering under an ID. `TimeStamp` and `TopTimeStamp` carry the ID,
//!   `StartIndex` the position of the next page in it and `TopStartIndex` the same position
//!   counted within the pinned part. Later pages show the current data of the conversations
//!   in that ordering: one that was deleted meanwhile is skipped, one that was added meanwhile
//!   waits for the next first page. An unknown ID (too old, or the emulator restarted) takes
//!   a new snapshot and continues at `StartIndex`.
//! - get_contact_group pages by each record's creation sequence, which never changes:
//!   `NextStartIndex` and `CompleteTime` both carry the sequence of the next record (0 on the
//!   last page, as in the docs). A record that is changed between pages keeps its place; one
//!   created meanwhile comes last.

use std::sync::Arc;

use crate::api::wire::*;
use crate::domain::{MAX_SEARCH_ITEMS, MarkSet, Peer};

use super::store::{Conversation, Record, Refusal, State, UserData, check_id};

/// Items per get_list page.
pub const LIST_PAGE: usize = 100;
/// Records per get_contact_group page.
pub const RECORD_PAGE: usize = 100;
/// get_list snapshots kept for paging; older cursors start a fresh snapshot.
const MAX_SNAPSHOTS: usize = 8;

/// The ordering of one user's recent list taken at a get_list first page.
#[derive(Debug)]
pub(super) struct ListSnapshot {
    id: u64,
    user: String,
    order: Arc<Vec<Peer>>,
    pinned: usize,
}

impl State {
    pub fn get_list(&mut self, req: &GetListRequest) -> Result<GetListResponse, Refusal> {
        self.require_account(&req.from_account)?;
        let cursor = if req.time_stamp != 0 {
            req.time_stamp
        } else {
            req.top_time_stamp
        };
        let first_page = cursor == 0 && req.start_index == 0;
        let known = self
            .snapshots
            .iter()
            .position(|s| s.id == cursor && s.user == req.from_account);
        let index = match known {
            Some(i) if !first_page => i,
            _ => self.take_snapshot(&req.from_account),
        };
        let Some(snapshot) = self.snapshots.get(index) else {
            return Err(Refusal::new(50004, "list snapshot lost"));
        };
        let (id, order, pinned) = (snapshot.id, snapshot.order.clone(), snapshot.pinned);
        let start = usize::try_from(req.start_index)
            .unwrap_or(usize::MAX)
            .min(order.len());
        let end = start.saturating_add(LIST_PAGE).min(order.len());
        let flags = req.assist_flags;
        let user = self.users.get(&req.from_account);
        let items = order[start..end]
            .iter()
            .filter_map(|peer| {
                let user = user?;
                let conv = user.conversations.get(peer)?;
                let record = user.record(peer);
                Some(session_item(peer, conv, record, flags))
            })
            .collect();
        let next = end as u64;
        Ok(GetListResponse {
            session_item: items,
            complete_flag: u8::from(end >= order.len()),
            time_stamp: id,
            start_index: next,
            top_time_stamp: id,
            top_start_index: next.min(pinned as u64),
            envelope: Envelope::ok(),
        })
    }

    /// Orders the user's list once (pinned first, newest first, then by peer) and keeps
    /// the ordering for the following pages. Returns its index in `snapshots`.
    fn take_snapshot(&mut self, user: &str) -> usize {
        let mut entries: Vec<(&Peer, Conversation)> = self
            .users
            .get(user)
            .map(|u| u.conversations.iter().map(|(p, c)| (p, *c)).collect())
            .unwrap_or_default();
        entries.sort_unstable_by(|a, b| {
            b.1.pinned
                .cmp(&a.1.pinned)
                .then(b.1.msg_time.cmp(&a.1.msg_time))
                .then(a.0.cmp(b.0))
        });
        let pinned = entries.iter().take_while(|e| e.1.pinned).count();
        let order: Vec<Peer> = entries.into_iter().map(|(p, _)| p.clone()).collect();
        self.next_snapshot += 1;
        if self.snapshots.len() >= MAX_SNAPSHOTS {
            self.snapshots.pop_front();
        }
        self.snapshots.push_back(ListSnapshot {
            id: self.next_snapshot,
            user: user.to_owned(),
            order: Arc::new(order),
            pinned,
        });
        self.snapshots.len() - 1
    }

    // -----------------------------------------------------------------------------------
    // get_contact_group and search_contact_group

    pub fn get_contact_group(
        &self,
        req: &GetContactGroupRequest,
    ) -> Result<GetContactGroupResponse, Refusal> {
        self.require_account(&req.from_account)?;
        let Some(user) = self.users.get(&req.from_account) else {
            return Ok(contact_group_page(Vec::new(), Vec::new(), None));
        };
        let mut page = user.records_from_seq(req.start_index);
        let mut items = Vec::with_capacity(RECORD_PAGE);
        let mut last_seq = None;
        for (seq, peer, record) in page.by_ref().take(RECORD_PAGE) {
            items.push(contact_record(peer, Some(record)));
            last_seq = Some(seq);
        }
        let more = page.next().is_some();
        let next = if more { last_seq.map(|s| s + 1) } else { None };
        Ok(contact_group_page(items, user.group_items(), next))
    }

    pub fn search_contact_group(
        &self,
        req: &SearchContactGroupRequest,
    ) -> Result<SearchContactGroupResponse, Refusal> {
        self.require_account(&req.from_account)?;
        let n = req.contact_item.len();
        if n == 0 || n > MAX_SEARCH_ITEMS {
            return Err(Refusal::new(
                50002,
                format!("ContactItem holds {n} items; 1..={MAX_SEARCH_ITEMS} are allowed"),
            ));
        }
        for (i, item) in req.contact_item.iter().enumerate() {
            check_id(&format!("ContactItem[{i}]"), &item.0)?;
        }
        let user = self.users.get(&req.from_account);
        let items = req
            .contact_item
            .iter()
            .map(|c| contact_record(&c.0, user.and_then(|u| u.record(&c.0))))
            .collect();
        Ok(SearchContactGroupResponse {
            contact_result_item: items,
            group_item: user.map(UserData::group_items).unwrap_or_default(),
            envelope: Envelope::ok(),
        })
    }
}

/// A record as get_contact_group and search send it.
pub(super) fn contact_record(peer: &Peer, record: Option<&Record>) -> ContactRecord {
    let empty = Record::default();
    let r = record.unwrap_or(&empty);
    ContactRecord {
        contact: ContactItem(peer.clone()),
        standard_mark: WireMark::from(MarkSet(r.mark)),
        custom_mark: (!r.custom.is_empty()).then(|| r.custom.clone()),
        contact_group_id: (!r.groups.is_empty()).then(|| r.groups.iter().copied().collect()),
        timestamp: r.timestamp,
    }
}

fn session_item(
    peer: &Peer,
    conv: &Conversation,
    record: Option<&Record>,
    flags: u32,
) -> SessionItem {
    let wants = |bit: u32| flags & bit != 0;
    SessionItem {
        peer: SessionPeer(peer.clone()),
        msg_time: conv.msg_time,
        top_flag: u8::from(conv.pinned),
        standard_mark: record
            .filter(|_| wants(8))
            .map(|r| WireMark::from(MarkSet(r.mark))),
        custom_mark: record
            .filter(|r| wants(16) && !r.custom.is_empty())
            .map(|r| r.custom.clone()),
        contact_group_id: record
            .filter(|r| wants(32) && !r.groups.is_empty())
            .map(|r| r.groups.iter().copied().collect()),
    }
}

/// A get_contact_group page. `NextStartIndex` and `CompleteTime` carry the same cursor (the
/// creation sequence of the next record); both are 0 on the last page, as in the docs.
fn contact_group_page(
    items: Vec<ContactRecord>,
    groups: Vec<GroupItem>,
    next: Option<u64>,
) -> GetContactGroupResponse {
    let cursor = next.unwrap_or(0);
    GetContactGroupResponse {
        contact_item: items,
        group_item: groups,
        complete_flag: u8::from(next.is_none()),
        next_start_index: Some(cursor),
        complete_time: Some(cursor),
        envelope: Envelope::ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::OptType;
    use crate::emulator::Edition;
    use std::collections::HashSet;

    use crate::emulator::test_support::*;

    #[test]
    fn get_list_pages_over_a_snapshot_pinned_first() {
        let mut s = state();
        for i in 0..250u64 {
            s.touch("alice", Peer::User(format!("u{i:03}")), 1000 + i);
        }
        s.user_mut("alice")
            .conversations
            .get_mut(&Peer::User("u000".into()))
            .unwrap()
            .pinned = true;
        let mut req = GetListRequest {
            from_account: "alice".into(),
            assist_flags: ASSIST_FLAGS_ALL,
            ..Default::default()
        };
        let mut seen = Vec::new();
        loop {
            let page = s.get_list(&req).unwrap();
            if seen.is_empty() {
                assert_eq!(page.session_item[0].top_flag, 1);
                // a change between pages: a new conversation and a refreshed one
                s.touch("alice", Peer::User("late".into()), 99_999);
                s.touch("alice", Peer::User("u010".into()), 99_999);
            }
            seen.extend(page.session_item.iter().map(|i| i.peer.0.clone()));
            if page.complete_flag == 1 {
                break;
            }
            req.time_stamp = page.time_stamp;
            req.start_index = page.start_index;
            req.top_time_stamp = page.top_time_stamp;
            req.top_start_index = page.top_start_index;
        }
        assert_eq!(seen.len(), 250);
        let unique: HashSet<_> = seen.iter().collect();
        assert_eq!(unique.len(), 250);
    }

    #[test]
    fn get_contact_group_pages_by_creation_sequence() {
        let mut s = state();
        let u = s.user_mut("alice");
        for i in 0..230 {
            u.update_record(&Peer::Group(format!("g{i}")), NOW, |r| r.mark = 1)
                .unwrap();
        }
        let mut req = GetContactGroupRequest {
            from_account: "alice".into(),
            start_index: 0,
        };
        let mut seen = HashSet::new();
        let mut pages = 0;
        loop {
            let page = s.get_contact_group(&req).unwrap();
            pages += 1;
            for r in &page.contact_item {
                assert!(seen.insert(r.contact.0.clone()), "twice: {:?}", r.contact);
                assert_eq!(r.standard_mark.raw, "1");
            }
            if pages == 1 {
                let u = s.user_mut("alice");
                u.update_record(&Peer::Group("g0".into()), NOW + 1, |r| r.mark = 0)
                    .unwrap();
                u.update_record(&Peer::Group("g150".into()), NOW + 1, |r| r.mark = 0)
                    .unwrap();
            }
            if page.complete_flag == 1 {
                assert_eq!(page.next_start_index, Some(0));
                break;
            }
            assert_eq!(page.next_start_index, page.complete_time);
            req.start_index = page.next_cursor();
        }
        assert_eq!(pages, 3);
        assert_eq!(seen.len(), 229, "g150 was removed before its page");
    }

    #[test]
    fn search_answers_in_request_order_with_empty_unknowns() {
        let mut s = state();
        mark(
            &mut s,
            vec![item(OptType::Standard, "bob", &[1], &[], None)],
            Edition::Ultimate,
        )
        .unwrap();
        let req = SearchContactGroupRequest {
            from_account: "alice".into(),
            contact_item: vec![user("carol"), user("bob")],
        };
        let r = s.search_contact_group(&req).unwrap();
        assert_eq!(r.contact_result_item[0].contact, user("carol"));
        assert_eq!(r.contact_result_item[0].standard_mark.raw, "");
        assert_eq!(r.contact_result_item[0].timestamp, 0);
        assert_eq!(r.contact_result_item[1].standard_mark.raw, "10");
        let too_many = SearchContactGroupRequest {
            from_account: "alice".into(),
            contact_item: vec![user("bob"); 301],
        };
        assert_eq!(s.search_contact_group(&too_many).unwrap_err().code, 50002);
    }

    #[test]
    fn unknown_from_account_is_50001() {
        let mut s = state();
        let req = GetListRequest {
            from_account: "ghost".into(),
            ..Default::default()
        };
        assert_eq!(s.get_list(&req).unwrap_err().code, 50001);
    }
}
