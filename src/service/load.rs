//! Reading a user: every page of get_list (AssistFlags 63) and of get_contact_group, both at
//! once, each page handed on as it arrives (the TUI shows rows while the rest loads); and
//! search_contact_group for chosen conversations.
//!
//! Paging always ends. A cursor seen before is a protocol error (a server that cycles, or
//! repeats itself, would otherwise be read forever), and the page count is bounded by what
//! the service can hold: see [`MAX_LIST_PAGES`] and [`MAX_RECORD_PAGES`].

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use crate::api::wire::{
    ASSIST_FLAGS_ALL, ContactRecord, GetContactGroupRequest, GetListRequest, GroupItem,
    SearchContactGroupRequest, SessionItem,
};
use crate::api::{ApiError, Client};
use crate::domain::{MAX_MARKED_CONVERSATIONS, MAX_SEARCH_ITEMS, Peer, batches};

use super::user::{Merger, UserSnapshot};

/// get_list answers 100 conversations a page. convmark is built for users with up to
/// 100,000 recent conversations (1,000 pages); twice that many pages is more than any real
/// list and still ends a broken server's paging in seconds at the rate limit.
pub const MAX_LIST_PAGES: usize = 2_000;

/// A user has at most 1,000 mark and group records; even at one record a page (the service
/// sends 100) that is 1,000 pages, plus the last.
pub const MAX_RECORD_PAGES: usize = MAX_MARKED_CONVERSATIONS + 1;

/// Concurrent search_contact_group calls of one read-back.
const SEARCH_CONCURRENCY: usize = 16;

/// One page of either list, as it arrives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoadPage {
    /// A get_list page.
    Sessions(Vec<SessionItem>),
    /// A get_contact_group page, with all the user's groups.
    Records {
        records: Vec<ContactRecord>,
        groups: Vec<GroupItem>,
    },
}

impl LoadPage {
    /// Conversations on this page.
    pub fn rows(&self) -> usize {
        match self {
            LoadPage::Sessions(items) => items.len(),
            LoadPage::Records { records, .. } => records.len(),
        }
    }
}

/// How far a load has got: pages and conversations received, both lists together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LoadProgress {
    pub pages: usize,
    pub rows: usize,
}

impl LoadProgress {
    pub fn add(&mut self, page: &LoadPage) {
        self.pages += 1;
        self.rows += page.rows();
    }
}

fn cursor_repeated(endpoint: &str, page: usize) -> ApiError {
    ApiError::Protocol(format!(
        "{endpoint} page {page} answered a cursor it had already given; its paging would never end, so the load stopped"
    ))
}

/// Every page of get_list, each handed to `on_page`.
pub async fn recent_list(
    client: &Client,
    user: &str,
    on_page: impl Fn(LoadPage),
) -> Result<(), ApiError> {
    let mut req = GetListRequest {
        from_account: user.to_owned(),
        assist_flags: ASSIST_FLAGS_ALL,
        ..Default::default()
    };
    let mut seen = HashSet::new();
    seen.insert((0, 0, 0, 0));
    for page in 1..=MAX_LIST_PAGES {
        let answer = client.get_list(&req).await?;
        let complete = answer.complete_flag == 1;
        let next = (
            answer.time_stamp,
            answer.start_index,
            answer.top_time_stamp,
            answer.top_start_index,
        );
        on_page(LoadPage::Sessions(answer.session_item));
        if complete {
            return Ok(());
        }
        if !seen.insert(next) {
            return Err(cursor_repeated("get_list", page));
        }
        (
            req.time_stamp,
            req.start_index,
            req.top_time_stamp,
            req.top_start_index,
        ) = next;
    }
    Err(ApiError::Protocol(format!(
        "get_list did not complete after {MAX_LIST_PAGES} pages, more than the service holds; the load stopped"
    )))
}

/// Every page of get_contact_group, each handed to `on_page`.
pub async fn contact_group_pages(
    client: &Client,
    user: &str,
    on_page: impl Fn(LoadPage),
) -> Result<(), ApiError> {
    let mut req = GetContactGroupRequest {
        from_account: user.to_owned(),
        start_index: 0,
    };
    let mut seen = HashSet::from([0u64]);
    for page in 1..=MAX_RECORD_PAGES {
        let answer = client.get_contact_group(&req).await?;
        let complete = answer.complete_flag == 1;
        let next = answer.next_cursor();
        on_page(LoadPage::Records {
            records: answer.contact_item,
            groups: answer.group_item,
        });
        if complete {
            return Ok(());
        }
        if !seen.insert(next) {
            return Err(cursor_repeated("get_contact_group", page));
        }
        req.start_index = next;
    }
    Err(ApiError::Protocol(format!(
        "get_contact_group did not complete after {MAX_RECORD_PAGES} pages, more than a user's 1,000 records fill; the load stopped"
    )))
}

/// Every record and group of a user (get_contact_group, every page).
pub async fn contact_groups(
    client: &Client,
    user: &str,
) -> Result<(Vec<ContactRecord>, Vec<GroupItem>), ApiError> {
    let acc = Mutex::new((Vec::new(), Vec::new()));
    contact_group_pages(client, user, |page| {
        if let LoadPage::Records { records, groups } = page
            && let Ok(mut acc) = acc.lock()
        {
            acc.0.extend(records);
            super::user::merge_groups(&mut acc.1, &groups);
        }
    })
    .await?;
    Ok(acc.into_inner().unwrap_or_else(|e| e.into_inner()))
}

/// Both lists at once, every page of each handed to `on_page` as it arrives.
pub async fn user_pages(
    client: &Client,
    user: &str,
    on_page: impl Fn(LoadPage) + Sync,
) -> Result<(), ApiError> {
    let (list, records) = tokio::join!(
        recent_list(client, user, &on_page),
        contact_group_pages(client, user, &on_page)
    );
    list.and(records)
}

/// A user's conversations, marks and groups, merged by the one rule of [`super::user`].
/// `progress` is told after every page.
pub async fn load_user(
    client: &Client,
    user: &str,
    progress: impl Fn(LoadProgress) + Sync,
) -> Result<UserSnapshot, ApiError> {
    let state = Mutex::new((Merger::default(), LoadProgress::default()));
    user_pages(client, user, |page| {
        let Ok(mut state) = state.lock() else {
            return;
        };
        state.1.add(&page);
        match &page {
            LoadPage::Sessions(items) => state.0.add_sessions(items),
            LoadPage::Records { records, groups } => state.0.add_records(records, groups),
        }
        progress(state.1);
    })
    .await?;
    let (merger, _) = state.into_inner().unwrap_or_else(|e| e.into_inner());
    Ok(merger.finish(user))
}

/// The records of chosen conversations (search_contact_group, at most 300 per call, calls
/// sent concurrently), keyed by conversation, with the user's groups.
pub async fn search(
    client: &Client,
    user: &str,
    peers: &[Peer],
) -> Result<(HashMap<Peer, ContactRecord>, Vec<GroupItem>), ApiError> {
    use futures::StreamExt;
    // Each call owns its request and a handle on the client, so the future is `Send`.
    let calls: Vec<_> = batches(peers, MAX_SEARCH_ITEMS)
        .map(|chunk| {
            let req = SearchContactGroupRequest {
                from_account: user.to_owned(),
                contact_item: chunk.iter().cloned().map(Into::into).collect(),
            };
            let client = client.clone();
            async move { client.search_contact_group(&req).await }
        })
        .collect();
    let answers: Vec<_> = futures::stream::iter(calls)
        .buffer_unordered(SEARCH_CONCURRENCY)
        .collect()
        .await;
    let mut records = HashMap::new();
    let mut groups = Vec::new();
    for answer in answers {
        let answer = answer?;
        for record in answer.contact_result_item {
            records.insert(record.contact.0.clone(), record);
        }
        groups = answer.group_item;
    }
    Ok((records, groups))
}
