//! Every request the TUI sends has an id and an entry here, from the command that starts it
//! to the message that ends it. "Busy" (the spinner, "a commit is in flight", "a group
//! request is in flight") is derived from this registry, never counted by hand, and an
//! answer whose id is no longer here (a load of a user that was switched away from) is
//! stale and ignored.

use std::collections::BTreeMap;

use crate::domain::Peer;
use crate::service::commit::CallDone;
use crate::service::groups::GroupOp;
use crate::service::load::{LoadPage, LoadProgress};

pub type RequestId = u64;

/// What a request is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestKind {
    /// get_list and get_contact_group, every page.
    Load,
    /// mark_contact calls of the staged edits.
    Commit,
    /// search_contact_group of what a commit changed (or a restored journal).
    ReadBack,
    /// search_contact_group of one conversation added by ID.
    LookUp(Peer),
    /// One group operation (sent at once) and the re-read of the groups.
    Group(GroupOp),
}

/// How far a request has got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Progress {
    /// Load: pages and rows received.
    pub load: LoadProgress,
    /// Load: distinct conversations this load has listed so far (a reload keeps the rows
    /// of the one before; only these are confirmed by it).
    pub arrived: usize,
    /// Commit: calls and conversations answered, of how many.
    pub done_calls: usize,
    pub total_calls: usize,
    pub done_items: usize,
    pub total_items: usize,
    /// Commit: calls skipped after a cancel.
    pub skipped_calls: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub kind: RequestKind,
    pub user: String,
    pub progress: Progress,
    /// The last retry notice ("attempt 2 of 4: HTTP 502 ..."), while it retries.
    pub retrying: Option<String>,
    /// Esc asked to cancel it (a commit).
    pub cancelling: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Registry {
    next: RequestId,
    open: BTreeMap<RequestId, Request>,
}

impl Registry {
    /// Registers a request and returns its id.
    pub fn start(&mut self, kind: RequestKind, user: &str) -> RequestId {
        self.next += 1;
        self.open.insert(
            self.next,
            Request {
                kind,
                user: user.to_owned(),
                progress: Progress::default(),
                retrying: None,
                cancelling: false,
            },
        );
        self.next
    }

    /// Ends a request; `None` when it is not open (a stale answer).
    pub fn finish(&mut self, id: RequestId) -> Option<Request> {
        self.open.remove(&id)
    }

    pub fn get(&self, id: RequestId) -> Option<&Request> {
        self.open.get(&id)
    }

    pub fn get_mut(&mut self, id: RequestId) -> Option<&mut Request> {
        self.open.get_mut(&id)
    }

    pub fn is_empty(&self) -> bool {
        self.open.is_empty()
    }

    pub fn len(&self) -> usize {
        self.open.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = (RequestId, &Request)> {
        self.open.iter().map(|(id, r)| (*id, r))
    }

    fn find(&self, pred: impl Fn(&Request) -> bool) -> Option<RequestId> {
        self.open.iter().find(|(_, r)| pred(r)).map(|(id, _)| *id)
    }

    /// The open load, if any.
    pub fn loading(&self) -> Option<RequestId> {
        self.find(|r| r.kind == RequestKind::Load)
    }

    /// The commit in flight, if any.
    pub fn committing(&self) -> Option<RequestId> {
        self.find(|r| r.kind == RequestKind::Commit)
    }

    /// A group request is in flight.
    pub fn group_busy(&self) -> bool {
        self.find(|r| matches!(r.kind, RequestKind::Group(_)))
            .is_some()
    }

    /// Removes the reads (loads, read-backs, look-ups) and returns their ids, to abort them
    /// (opening another user, reloading). Commits and group requests are left to finish.
    pub fn take_reads(&mut self) -> Vec<RequestId> {
        let ids: Vec<RequestId> = self
            .open
            .iter()
            .filter(|(_, r)| {
                matches!(
                    r.kind,
                    RequestKind::Load | RequestKind::ReadBack | RequestKind::LookUp(_)
                )
            })
            .map(|(id, _)| *id)
            .collect();
        for id in &ids {
            self.open.remove(id);
        }
        ids
    }

    /// Counts one page of a load.
    /// Counts a conversation a load lists for the first time.
    pub fn arrived(&mut self, id: RequestId) {
        if let Some(r) = self.open.get_mut(&id) {
            r.progress.arrived += 1;
        }
    }

    pub fn page(&mut self, id: RequestId, page: &LoadPage) -> Option<LoadProgress> {
        let r = self.open.get_mut(&id)?;
        r.progress.load.add(page);
        r.retrying = None;
        Some(r.progress.load)
    }

    /// Counts one call of a commit.
    pub fn call(&mut self, id: RequestId, call: CallDone) {
        if let Some(r) = self.open.get_mut(&id) {
            if call.sent {
                r.progress.done_calls += 1;
                r.progress.done_items += call.items;
            } else {
                r.progress.skipped_calls += 1;
            }
            r.retrying = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn busy_is_derived_and_stale_ids_are_told_apart() {
        let mut r = Registry::default();
        let load = r.start(RequestKind::Load, "alice");
        let group = r.start(
            RequestKind::Group(GroupOp::Delete { name: "x".into() }),
            "alice",
        );
        assert_eq!(r.loading(), Some(load));
        assert!(r.group_busy());
        // a reload takes the reads and leaves the group request
        assert_eq!(r.take_reads(), vec![load]);
        assert!(r.finish(load).is_none(), "stale");
        assert!(r.group_busy());
        assert!(r.finish(group).is_some());
        assert!(!r.group_busy() && r.is_empty());
    }
}
