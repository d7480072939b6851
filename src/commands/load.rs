//! Loading everything about one user: the recent-conversation list (get_list, every page)
//! merged with every mark and group record (get_contact_group, every page). Shared by
//! `convmark get`, `convmark groups list` and the TUI.

use std::collections::{BTreeMap, HashMap};

use crate::api::wire::{
    ASSIST_FLAGS_ALL, ContactRecord, GetContactGroupRequest, GetListRequest, GroupItem,
    SearchContactGroupRequest, SessionItem, WireMark,
};
use crate::api::{ApiError, Client};
use crate::domain::{MAX_SEARCH_ITEMS, Peer, batches};

/// More pages than any real user has; a server that never says "complete" is a protocol
/// error rather than an endless loop.
const MAX_PAGES: usize = 100_000;

/// One conversation as `get` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversationView {
    pub peer: Peer,
    pub pinned: bool,
    /// Time of the last message (get_list), 0 when the conversation is not in the recent list.
    pub msg_time: u64,
    /// The standard mark, with the string exactly as the server sent it.
    pub mark: WireMark,
    /// The custom mark, `""` when none.
    pub custom_mark: String,
    /// IDs of the conversation groups it belongs to.
    pub group_ids: Vec<u64>,
    /// Whether get_list listed it (recent conversation).
    pub in_recent_list: bool,
    /// Whether get_contact_group listed it (it has a mark or a group).
    pub has_record: bool,
}

impl ConversationView {
    fn from_session(item: SessionItem) -> Self {
        ConversationView {
            peer: item.peer.0,
            pinned: item.top_flag == 1,
            msg_time: item.msg_time,
            mark: item.standard_mark.unwrap_or_default(),
            custom_mark: item.custom_mark.unwrap_or_default(),
            group_ids: item.contact_group_id.unwrap_or_default(),
            in_recent_list: true,
            has_record: false,
        }
    }

    /// The mark record is the authority on marks and groups: it is what mark_contact and
    /// the group calls change.
    fn apply_record(&mut self, record: ContactRecord) {
        self.mark = record.standard_mark;
        self.custom_mark = record.custom_mark.unwrap_or_default();
        self.group_ids = record.contact_group_id.unwrap_or_default();
        self.has_record = true;
    }

    fn from_record(record: ContactRecord) -> Self {
        let mut view = ConversationView {
            peer: record.contact.0.clone(),
            pinned: false,
            msg_time: 0,
            mark: WireMark::default(),
            custom_mark: String::new(),
            group_ids: Vec::new(),
            in_recent_list: false,
            has_record: false,
        };
        view.apply_record(record);
        view
    }
}

/// Everything about one user.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UserView {
    pub user: String,
    /// Each conversation once: pinned first, then the recent list in its order, then the
    /// marked or grouped conversations that are not in the recent list.
    pub conversations: Vec<ConversationView>,
    /// The user's conversation groups, as get_contact_group lists them.
    pub groups: Vec<GroupItem>,
}

impl UserView {
    /// Group ID -> name.
    pub fn group_names(&self) -> BTreeMap<u64, String> {
        self.groups
            .iter()
            .map(|g| (g.group_id, g.group_name.clone()))
            .collect()
    }

    /// How many conversations count against the 1,000 marked-or-grouped limit.
    pub fn marked_count(&self) -> usize {
        self.conversations.iter().filter(|c| c.has_record).count()
    }
}

/// Every page of get_list with AssistFlags 63.
pub async fn recent_list(client: &Client, user: &str) -> Result<Vec<SessionItem>, ApiError> {
    let mut req = GetListRequest {
        from_account: user.to_owned(),
        assist_flags: ASSIST_FLAGS_ALL,
        ..Default::default()
    };
    let mut items = Vec::new();
    for _ in 0..MAX_PAGES {
        let page = client.get_list(&req).await?;
        items.extend(page.session_item);
        if page.complete_flag == 1 {
            return Ok(items);
        }
        let next = (
            page.time_stamp,
            page.start_index,
            page.top_time_stamp,
            page.top_start_index,
        );
        if next
            == (
                req.time_stamp,
                req.start_index,
                req.top_time_stamp,
                req.top_start_index,
            )
        {
            return Err(ApiError::Protocol(
                "get_list answered CompleteFlag 0 without moving its cursors".into(),
            ));
        }
        req.time_stamp = next.0;
        req.start_index = next.1;
        req.top_time_stamp = next.2;
        req.top_start_index = next.3;
    }
    Err(ApiError::Protocol(format!(
        "get_list did not complete after {MAX_PAGES} pages"
    )))
}

/// Every page of get_contact_group: the mark and group records and the groups.
pub async fn contact_groups(
    client: &Client,
    user: &str,
) -> Result<(Vec<ContactRecord>, Vec<GroupItem>), ApiError> {
    let mut req = GetContactGroupRequest {
        from_account: user.to_owned(),
        start_index: 0,
    };
    let mut records = Vec::new();
    let mut groups: Vec<GroupItem> = Vec::new();
    for _ in 0..MAX_PAGES {
        let page = client.get_contact_group(&req).await?;
        records.extend(page.contact_item.iter().cloned());
        for g in &page.group_item {
            if !groups.contains(g) {
                groups.push(g.clone());
            }
        }
        if page.complete_flag == 1 {
            return Ok((records, groups));
        }
        let next = page.next_cursor();
        if next == req.start_index {
            return Err(ApiError::Protocol(
                "get_contact_group answered CompleteFlag 0 without a new NextStartIndex".into(),
            ));
        }
        req.start_index = next;
    }
    Err(ApiError::Protocol(format!(
        "get_contact_group did not complete after {MAX_PAGES} pages"
    )))
}

/// Loads a user's conversations, marks and groups: get_list and get_contact_group, every
/// page of each, merged so each conversation appears once, pinned first.
pub async fn load_user(client: &Client, user: &str) -> Result<UserView, ApiError> {
    let (sessions, contacts) =
        tokio::join!(recent_list(client, user), contact_groups(client, user));
    let sessions = sessions?;
    let (records, groups) = contacts?;

    let mut conversations: Vec<ConversationView> = Vec::new();
    let mut index: HashMap<Peer, usize> = HashMap::new();
    for item in sessions {
        let view = ConversationView::from_session(item);
        if !index.contains_key(&view.peer) {
            index.insert(view.peer.clone(), conversations.len());
            conversations.push(view);
        }
    }
    for record in records {
        match index.get(&record.contact.0) {
            Some(&i) => {
                if let Some(view) = conversations.get_mut(i) {
                    view.apply_record(record);
                }
            }
            None => {
                index.insert(record.contact.0.clone(), conversations.len());
                conversations.push(ConversationView::from_record(record));
            }
        }
    }
    // stable: keeps the server's order within pinned and unpinned
    conversations.sort_by_key(|c| !c.pinned);
    Ok(UserView {
        user: user.to_owned(),
        conversations,
        groups,
    })
}

/// Reads chosen conversations back (search_contact_group, at most 300 per call, calls sent
/// concurrently). Answers are keyed by conversation; the groups of the last answer are
/// returned too.
pub async fn search(
    client: &Client,
    user: &str,
    peers: &[Peer],
) -> Result<(HashMap<Peer, ContactRecord>, Vec<GroupItem>), ApiError> {
    use futures::StreamExt;
    // Each call owns its request and a handle on the client, so the future is `Send` and
    // can run in a spawned task (the TUI's read-back).
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
        .buffer_unordered(16)
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
