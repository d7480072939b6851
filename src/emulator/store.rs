//! The emulator's state and the rules of mark_contact, delete and the account and message
//! endpoints, without HTTP. The read endpoints are in `lists.rs`, the conversation-group
//! endpoints in `groups.rs`.
//!
//! Marks and groups ("records") are kept apart from the recent-conversation list, as on the
//! real service: deleting a conversation leaves its marks, and a record can exist for a
//! conversation that is not in the list. A record disappears when it holds no standard
//! mark, no custom mark and no group.
//!
//! Every operation takes a wire request and returns a wire response, or a [`Refusal`] of
//! the whole request; malformed requests are refused before anything is applied.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::fmt::Display;

use crate::api::codes;
use crate::api::wire::*;
use crate::domain::{
    MAX_CUSTOM_MARK_BYTES, MAX_MARK_ITEMS, MAX_MARKED_CONVERSATIONS, OptType, Peer, validate_id,
};

use super::Edition;
use super::lists::ListSnapshot;

/// Most accounts in one multiaccount_import call (the real service's limit).
const MAX_IMPORT_ACCOUNTS: usize = 100;

/// A refusal of the whole request: top-level `ActionStatus: "FAIL"`, nothing applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub code: i64,
    pub info: String,
}

impl Refusal {
    /// The code's meaning from the one code table, then what exactly was wrong.
    pub fn new(code: i64, detail: impl Display) -> Self {
        Refusal {
            code,
            info: format!("{}: {detail}", codes::meaning(code)),
        }
    }
}

/// The `ResultInfo` of a per-item code: `""` for success, else the code's meaning.
pub fn result_info(code: i64) -> String {
    if code == 0 {
        String::new()
    } else {
        codes::meaning(code).to_owned()
    }
}

/// One recent conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Conversation {
    pub msg_time: u64,
    pub pinned: bool,
}

/// Marks and groups of one conversation.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Record {
    /// Creation sequence, immutable: get_contact_group pages by it.
    pub seq: u64,
    pub mark: u64,
    pub custom: String,
    pub groups: BTreeSet<u64>,
    /// Unix seconds of the last change.
    pub timestamp: u64,
}

impl Record {
    pub fn is_empty(&self) -> bool {
        self.mark == 0 && self.custom.is_empty() && self.groups.is_empty()
    }

    fn same_content(&self, other: &Record) -> bool {
        self.mark == other.mark && self.custom == other.custom && self.groups == other.groups
    }
}

/// A conversation group of one user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactGroup {
    pub id: u64,
    pub name: String,
}

/// Everything one user has.
#[derive(Debug, Clone, Default)]
pub struct UserData {
    pub conversations: HashMap<Peer, Conversation>,
    records: HashMap<Peer, Record>,
    by_seq: BTreeMap<u64, Peer>,
    pub groups: Vec<ContactGroup>,
    pub next_seq: u64,
    pub next_group_id: u64,
}

impl UserData {
    pub fn record(&self, peer: &Peer) -> Option<&Record> {
        self.records.get(peer)
    }

    pub fn records(&self) -> impl Iterator<Item = (&Peer, &Record)> {
        self.records.iter()
    }

    /// Records in creation order, from sequence `from` on.
    pub fn records_from_seq(&self, from: u64) -> impl Iterator<Item = (u64, &Peer, &Record)> {
        self.by_seq
            .range(from..)
            .filter_map(|(seq, peer)| Some((*seq, peer, self.records.get(peer)?)))
    }

    pub fn record_count(&self) -> usize {
        self.records.len()
    }

    /// Puts a record back as it was persisted (keeps its sequence number).
    pub fn restore_record(&mut self, peer: Peer, record: Record) {
        self.next_seq = self.next_seq.max(record.seq + 1);
        self.by_seq.insert(record.seq, peer.clone());
        self.records.insert(peer, record);
    }

    /// Changes the record of `peer` (an empty one when it has none). A new record counts
    /// against the 1,000 limit (51008); a record left empty is removed.
    pub fn update_record(
        &mut self,
        peer: &Peer,
        now: u64,
        change: impl FnOnce(&mut Record),
    ) -> Result<(), i64> {
        if let Some(record) = self.records.get_mut(peer) {
            let before = record.clone();
            change(record);
            if record.is_empty() {
                let seq = record.seq;
                self.records.remove(peer);
                self.by_seq.remove(&seq);
            } else if !record.same_content(&before) {
                record.timestamp = now;
            }
            return Ok(());
        }
        let mut record = Record::default();
        change(&mut record);
        if record.is_empty() {
            return Ok(());
        }
        if self.records.len() >= MAX_MARKED_CONVERSATIONS {
            return Err(51008);
        }
        self.next_seq = self.next_seq.max(1);
        record.seq = self.next_seq;
        record.timestamp = now;
        self.next_seq += 1;
        self.by_seq.insert(record.seq, peer.clone());
        self.records.insert(peer.clone(), record);
        Ok(())
    }

    pub fn group_by_name(&self, name: &str) -> Option<&ContactGroup> {
        self.groups.iter().find(|g| g.name == name)
    }

    pub fn group_items(&self) -> Vec<GroupItem> {
        self.groups
            .iter()
            .map(|g| GroupItem {
                group_name: g.name.clone(),
                group_id: g.id,
            })
            .collect()
    }

    /// Adds a group and returns its new ID (IDs count from 1 and are never reused).
    pub fn add_group(&mut self, name: &str) -> u64 {
        self.next_group_id = self.next_group_id.max(1);
        let id = self.next_group_id;
        self.next_group_id += 1;
        self.groups.push(ContactGroup {
            id,
            name: name.to_owned(),
        });
        id
    }
}

/// The whole emulated app.
#[derive(Debug, Default)]
pub struct State {
    /// Imported users (and the admins).
    pub accounts: HashSet<String>,
    pub users: HashMap<String, UserData>,
    /// Group IDs the store knows as disbanded (51007 when marked).
    pub disbanded: HashSet<String>,
    /// get_list orderings kept for paging (see `lists`).
    pub(super) snapshots: VecDeque<ListSnapshot>,
    pub(super) next_snapshot: u64,
}

impl State {
    /// An empty app where only the admins exist.
    pub fn new(admins: &[String]) -> Self {
        State {
            accounts: admins.iter().cloned().collect(),
            ..Default::default()
        }
    }

    pub fn require_account(&self, id: &str) -> Result<(), Refusal> {
        if self.accounts.contains(id) {
            Ok(())
        } else {
            Err(Refusal::new(
                50001,
                format!("From_Account {id:?} was never imported (account_import)"),
            ))
        }
    }

    /// The per-item check of a peer: a C2C peer must exist (50001), a group must not be
    /// disbanded (51007).
    fn check_peer(accounts: &HashSet<String>, disbanded: &HashSet<String>, peer: &Peer) -> i64 {
        match peer {
            Peer::User(id) if !accounts.contains(id) => 50001,
            Peer::Group(id) if disbanded.contains(id) => 51007,
            _ => 0,
        }
    }

    pub fn user(&self, id: &str) -> Option<&UserData> {
        self.users.get(id)
    }

    pub fn user_mut(&mut self, id: &str) -> &mut UserData {
        self.users.entry(id.to_owned()).or_default()
    }

    /// Splits the borrows a per-item operation needs.
    pub(super) fn parts(
        &mut self,
        user: &str,
    ) -> (&HashSet<String>, &HashSet<String>, &mut UserData) {
        let data = self.users.entry(user.to_owned()).or_default();
        (&self.accounts, &self.disbanded, data)
    }

    pub(super) fn item_code(
        accounts: &HashSet<String>,
        disbanded: &HashSet<String>,
        peer: &Peer,
    ) -> i64 {
        Self::check_peer(accounts, disbanded, peer)
    }

    // -----------------------------------------------------------------------------------
    // mark_contact

    pub fn mark_contact(
        &mut self,
        req: &MarkContactRequest,
        edition: Edition,
        now: u64,
    ) -> Result<MarkContactResponse, Refusal> {
        self.require_account(&req.from_account)?;
        let n = req.mark_item.len();
        if n == 0 || n > MAX_MARK_ITEMS {
            return Err(Refusal::new(
                51006,
                format!("MarkItem holds {n} items; 1..={MAX_MARK_ITEMS} are allowed"),
            ));
        }
        for (i, item) in req.mark_item.iter().enumerate() {
            validate_mark_item(i, item)?;
        }
        let (accounts, disbanded, user) = self.parts(&req.from_account);
        let mut results = Vec::with_capacity(n);
        for item in &req.mark_item {
            let code = apply_mark_item(accounts, disbanded, user, item, edition, now);
            results.push(MarkResultItem {
                opt_type: item.opt_type,
                contact_item: item.contact_item.clone(),
                result_code: code,
                result_info: result_info(code),
            });
        }
        Ok(MarkContactResponse {
            result_item: results,
            envelope: Envelope::ok(),
        })
    }

    // -----------------------------------------------------------------------------------
    // delete, accounts, messages

    pub fn delete(&mut self, req: &DeleteRequest) -> Result<EmptyResponse, Refusal> {
        self.require_account(&req.from_account)?;
        check_id("the conversation", &req.peer.0)?;
        if let Some(user) = self.users.get_mut(&req.from_account) {
            user.conversations.remove(&req.peer.0);
        }
        Ok(EmptyResponse::default())
    }

    pub fn account_import(&mut self, req: &AccountImportRequest) -> Result<EmptyResponse, Refusal> {
        validate_id(&req.user_id).map_err(|e| Refusal::new(50002, format!("UserID: {e}")))?;
        self.accounts.insert(req.user_id.clone());
        Ok(EmptyResponse::default())
    }

    pub fn multiaccount_import(
        &mut self,
        req: &MultiAccountImportRequest,
    ) -> Result<MultiAccountImportResponse, Refusal> {
        let n = req.accounts.len();
        if n == 0 || n > MAX_IMPORT_ACCOUNTS {
            return Err(Refusal::new(
                50002,
                format!("Accounts holds {n} IDs; 1..={MAX_IMPORT_ACCOUNTS} are allowed"),
            ));
        }
        let mut failed = Vec::new();
        for id in &req.accounts {
            if validate_id(id).is_ok() {
                self.accounts.insert(id.clone());
            } else {
                failed.push(id.clone());
            }
        }
        Ok(MultiAccountImportResponse {
            fail_accounts: failed,
            envelope: Envelope::ok(),
        })
    }

    /// A message creates or refreshes the C2C conversation on both sides.
    pub fn sendmsg(
        &mut self,
        req: &SendMsgRequest,
        admin: &str,
        now: u64,
    ) -> Result<SendMsgResponse, Refusal> {
        let from = req.from_account.as_deref().unwrap_or(admin);
        self.require_account(from)?;
        if !self.accounts.contains(&req.to_account) {
            return Err(Refusal::new(
                50001,
                format!("To_Account {:?} was never imported", req.to_account),
            ));
        }
        self.touch(from, Peer::User(req.to_account.clone()), now);
        self.touch(&req.to_account, Peer::User(from.to_owned()), now);
        Ok(SendMsgResponse {
            msg_time: now,
            msg_key: format!("{}_{}_{now}", req.msg_random, self.accounts.len()),
            envelope: Envelope::ok(),
        })
    }

    /// Creates or refreshes a recent conversation (keeps its pinned flag).
    pub fn touch(&mut self, user: &str, peer: Peer, msg_time: u64) {
        let conv = self.user_mut(user).conversations.entry(peer).or_default();
        conv.msg_time = msg_time;
    }
}

/// Refuses an empty or odd peer ID as a malformed request.
pub(super) fn check_id(what: &str, peer: &Peer) -> Result<(), Refusal> {
    validate_id(peer.id()).map_err(|e| Refusal::new(50002, format!("{what}: {e}")))
}

fn validate_mark_item(i: usize, item: &MarkItem) -> Result<(), Refusal> {
    check_id(&format!("MarkItem[{i}].ContactItem"), &item.contact_item.0)?;
    for (field, indices) in [("SetMark", &item.set_mark), ("ClearMark", &item.clear_mark)] {
        if let Some(bad) = indices.iter().flatten().find(|i| **i > 63) {
            return Err(Refusal::new(
                50002,
                format!("MarkItem[{i}].{field} holds bit index {bad}; indices are 0..=63"),
            ));
        }
    }
    if let Some(custom) = &item.custom_mark
        && custom.len() > MAX_CUSTOM_MARK_BYTES
    {
        return Err(Refusal::new(
            50002,
            format!(
                "MarkItem[{i}].CustomMark is {} bytes; at most {MAX_CUSTOM_MARK_BYTES} are allowed",
                custom.len()
            ),
        ));
    }
    if item.opt_type != OptType::Standard && item.custom_mark.is_none() {
        return Err(Refusal::new(
            50002,
            format!("MarkItem[{i}] has OptType 2 or 3 but no CustomMark (\"\" clears it)"),
        ));
    }
    Ok(())
}

fn mask(indices: &Option<Vec<u8>>) -> u64 {
    indices
        .iter()
        .flatten()
        .filter(|i| **i <= 63)
        .fold(0, |m, i| m | (1u64 << i))
}

/// Applies one well-formed item; returns its ResultCode.
fn apply_mark_item(
    accounts: &HashSet<String>,
    disbanded: &HashSet<String>,
    user: &mut UserData,
    item: &MarkItem,
    edition: Edition,
    now: u64,
) -> i64 {
    let touches_bits = matches!(item.opt_type, OptType::Standard | OptType::Both);
    let touches_custom = matches!(item.opt_type, OptType::Custom | OptType::Both);
    if touches_bits && edition == Edition::Pro {
        return 51013;
    }
    let peer = &item.contact_item.0;
    let code = State::check_peer(accounts, disbanded, peer);
    if code != 0 {
        return code;
    }
    let (set, clear) = (mask(&item.set_mark), mask(&item.clear_mark));
    let custom = item.custom_mark.clone().unwrap_or_default();
    let result = user.update_record(peer, now, |r| {
        if touches_bits {
            // the same index in both: clear first, then set
            r.mark = (r.mark & !clear) | set;
        }
        if touches_custom {
            r.custom = custom;
        }
    });
    result.err().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::emulator::test_support::*;

    fn record(s: &State, peer: &str) -> Option<Record> {
        s.user("alice")?.record(&Peer::User(peer.into())).cloned()
    }

    #[test]
    fn opt_type_1_touches_bits_only_and_2_custom_only() {
        let mut s = state();
        let codes = mark(
            &mut s,
            vec![item(OptType::Both, "bob", &[0, 33], &[], Some("vip"))],
            Edition::Ultimate,
        )
        .unwrap();
        assert_eq!(codes, vec![0]);
        mark(
            &mut s,
            vec![item(OptType::Standard, "bob", &[1], &[0], Some("ignored"))],
            Edition::Ultimate,
        )
        .unwrap();
        let r = record(&s, "bob").unwrap();
        assert_eq!(r.mark, (1 << 33) | 0b10);
        assert_eq!(r.custom, "vip");
        mark(
            &mut s,
            vec![item(OptType::Custom, "bob", &[5], &[1], Some("新"))],
            Edition::Ultimate,
        )
        .unwrap();
        let r = record(&s, "bob").unwrap();
        assert_eq!(r.mark, (1 << 33) | 0b10);
        assert_eq!(r.custom, "新");
    }

    #[test]
    fn same_index_in_clear_and_set_ends_set() {
        let mut s = state();
        mark(
            &mut s,
            vec![item(OptType::Standard, "bob", &[3], &[3], None)],
            Edition::Ultimate,
        )
        .unwrap();
        assert_eq!(record(&s, "bob").unwrap().mark, 0b1000);
    }

    #[test]
    fn malformed_items_refuse_the_whole_request() {
        let mut s = state();
        let good = item(OptType::Standard, "bob", &[0], &[], None);
        for bad in [
            item(OptType::Standard, "carol", &[64], &[], None),
            item(OptType::Standard, "carol", &[], &[200], None),
            item(OptType::Custom, "carol", &[], &[], Some(&"x".repeat(257))),
            item(OptType::Custom, "carol", &[], &[], None),
            item(OptType::Standard, "", &[1], &[], None),
        ] {
            let err = mark(&mut s, vec![good.clone(), bad], Edition::Ultimate).unwrap_err();
            assert_eq!(err.code, 50002, "{err:?}");
        }
        assert_eq!(record(&s, "bob"), None, "nothing applied");
        assert_eq!(
            mark(&mut s, vec![], Edition::Ultimate).unwrap_err().code,
            51006
        );
        assert_eq!(
            mark(&mut s, vec![good; 101], Edition::Ultimate)
                .unwrap_err()
                .code,
            51006
        );
        assert!(
            mark(
                &mut s,
                vec![item(
                    OptType::Custom,
                    "bob",
                    &[],
                    &[],
                    Some(&"星".repeat(85))
                )],
                Edition::Ultimate
            )
            .is_ok(),
            "255 bytes fit"
        );
    }

    #[test]
    fn per_item_codes_leave_the_other_items_applied() {
        let mut s = state();
        s.disbanded.insert("@TGS#gone".into());
        let mut group = item(OptType::Standard, "x", &[0], &[], None);
        group.contact_item = ContactItem(Peer::Group("@TGS#gone".into()));
        let codes = mark(
            &mut s,
            vec![
                item(OptType::Standard, "nobody", &[0], &[], None),
                group,
                item(OptType::Standard, "bob", &[2], &[], None),
            ],
            Edition::Ultimate,
        )
        .unwrap();
        assert_eq!(codes, vec![50001, 51007, 0]);
        assert_eq!(record(&s, "bob").unwrap().mark, 0b100);
    }

    #[test]
    fn pro_edition_refuses_standard_marks_per_item_and_keeps_custom() {
        let mut s = state();
        let codes = mark(
            &mut s,
            vec![
                item(OptType::Both, "bob", &[0], &[], Some("both")),
                item(OptType::Custom, "carol", &[], &[], Some("ok")),
            ],
            Edition::Pro,
        )
        .unwrap();
        assert_eq!(codes, vec![51013, 0]);
        assert_eq!(record(&s, "bob"), None, "the refused item changes nothing");
        assert_eq!(record(&s, "carol").unwrap().custom, "ok");
    }

    #[test]
    fn the_1001st_record_gets_51008_and_existing_ones_still_change() {
        let mut s = state();
        let u = s.user_mut("alice");
        for i in 0..MAX_MARKED_CONVERSATIONS {
            u.update_record(&Peer::Group(format!("g{i}")), NOW, |r| r.mark = 1)
                .unwrap();
        }
        assert_eq!(
            u.update_record(&Peer::Group("one-more".into()), NOW, |r| r.mark = 1),
            Err(51008)
        );
        assert_eq!(
            u.update_record(&Peer::Group("g5".into()), NOW, |r| r.mark = 3),
            Ok(())
        );
        // clearing one frees a slot
        u.update_record(&Peer::Group("g6".into()), NOW, |r| r.mark = 0)
            .unwrap();
        assert_eq!(
            u.update_record(&Peer::Group("one-more".into()), NOW, |r| r.mark = 1),
            Ok(())
        );
    }

    #[test]
    fn a_record_without_marks_or_groups_disappears() {
        let mut s = state();
        mark(
            &mut s,
            vec![item(OptType::Both, "bob", &[0], &[], Some("c"))],
            Edition::Ultimate,
        )
        .unwrap();
        mark(
            &mut s,
            vec![item(OptType::Both, "bob", &[], &[0], Some(""))],
            Edition::Ultimate,
        )
        .unwrap();
        assert_eq!(record(&s, "bob"), None);
        assert_eq!(s.user("alice").unwrap().record_count(), 0);
    }
}
