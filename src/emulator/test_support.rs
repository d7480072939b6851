//! Helpers shared by the unit tests of the emulator's store and lists.

use crate::api::wire::{ContactItem, MarkContactRequest, MarkItem};
use crate::domain::{OptType, Peer};

use super::Edition;
use super::store::{Refusal, State};

pub const NOW: u64 = 1_700_000_000;

/// An app with one admin and the users alice, bob and carol.
pub fn state() -> State {
    let mut s = State::new(&["admin".to_owned()]);
    for id in ["alice", "bob", "carol"] {
        s.accounts.insert(id.to_owned());
    }
    s
}

pub fn user(id: &str) -> ContactItem {
    ContactItem(Peer::User(id.into()))
}

pub fn item(opt: OptType, to: &str, set: &[u8], clear: &[u8], custom: Option<&str>) -> MarkItem {
    MarkItem {
        opt_type: opt,
        contact_item: user(to),
        set_mark: (!set.is_empty()).then(|| set.to_vec()),
        clear_mark: (!clear.is_empty()).then(|| clear.to_vec()),
        custom_mark: custom.map(str::to_owned),
    }
}

/// alice's mark_contact with these items: the per-item codes, or the refusal of the call.
pub fn mark(s: &mut State, items: Vec<MarkItem>, edition: Edition) -> Result<Vec<i64>, Refusal> {
    let req = MarkContactRequest {
        from_account: "alice".into(),
        mark_item: items,
    };
    s.mark_contact(&req, edition, NOW)
        .map(|r| r.result_item.iter().map(|i| i.result_code).collect())
}
