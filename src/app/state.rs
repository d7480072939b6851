//! The state of the TUI. One task owns it; `update` changes it; `ui` only reads it.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;

use tui_input::Input;

use crate::api::wire::{ContactRecord, GroupItem, SessionItem, WireMark};
use crate::domain::{BitIndex, MarkSet, Peer, StagedEdit, format_standard_mark};

use super::keys::KeyMap;

/// The outcome of the last commit for one conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowResult {
    /// ResultCode 0.
    Ok,
    /// A per-item ResultCode or a top-level failure; the edit stays staged.
    Failed { code: Option<i64>, reason: String },
}

/// One conversation of the inspected user: what the server holds plus what is staged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conversation {
    pub peer: Peer,
    /// The lowercased conversation ID, precomputed so filtering stays fast.
    pub search_key: String,
    pub pinned: bool,
    pub msg_time: u64,
    /// In the recent-conversation list (get_list).
    pub recent: bool,
    /// The standard mark as the server last sent it.
    pub mark: WireMark,
    pub custom: String,
    pub groups: Vec<u64>,
    pub staged: StagedEdit,
    pub result: Option<RowResult>,
}

impl Conversation {
    pub fn new(peer: Peer) -> Self {
        Conversation {
            search_key: peer.conversation_id().to_lowercase(),
            peer,
            pinned: false,
            msg_time: 0,
            recent: false,
            mark: WireMark::default(),
            custom: String::new(),
            groups: Vec::new(),
            staged: StagedEdit::default(),
            result: None,
        }
    }

    /// Counts against the 1,000 marked-or-grouped limit.
    pub fn is_marked_or_grouped(&self) -> bool {
        !self.mark.value.is_empty() || !self.custom.is_empty() || !self.groups.is_empty()
    }

    /// The value after the staged edit.
    pub fn effective(&self) -> MarkSet {
        self.staged.apply(self.mark.value)
    }

    /// The custom mark after the staged edit.
    pub fn effective_custom(&self) -> &str {
        self.staged
            .custom
            .as_ref()
            .map_or(self.custom.as_str(), |c| c.as_str())
    }

    /// Takes a search / get_contact_group record as the server's truth.
    pub fn apply_record(&mut self, record: &ContactRecord) {
        self.mark = record.standard_mark.clone();
        self.custom = record.custom_mark.clone().unwrap_or_default();
        self.groups = record.contact_group_id.clone().unwrap_or_default();
        self.staged.rebase(self.mark.value, &self.custom);
    }

    /// After a ResultCode 0: the server now holds what was sent (until the read-back says
    /// otherwise); drops what was sent from the stage, keeps anything staged since.
    pub fn apply_success(&mut self, sent: &StagedEdit) {
        let value = sent.apply(self.mark.value);
        self.mark = WireMark {
            value,
            raw: format_standard_mark(value),
        };
        if let Some(custom) = &sent.custom {
            self.custom = custom.as_str().to_owned();
        }
        self.staged.rebase(self.mark.value, &self.custom);
    }
}

/// The loaded data of one user, as the runtime hands it over.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserData {
    pub sessions: Vec<SessionItem>,
    pub records: Vec<ContactRecord>,
    pub groups: Vec<GroupItem>,
}

/// Which pane has the focus.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    List,
    Grid,
    Custom,
}

impl Focus {
    pub fn next(self) -> Focus {
        match self {
            Focus::List => Focus::Grid,
            Focus::Grid => Focus::Custom,
            Focus::Custom => Focus::List,
        }
    }

    pub fn prev(self) -> Focus {
        match self {
            Focus::List => Focus::Custom,
            Focus::Grid => Focus::List,
            Focus::Custom => Focus::Grid,
        }
    }
}

/// What a confirmation asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confirm {
    /// Quit although edits are staged or in flight.
    Quit,
    /// Flip a bit reserved for Chat (4..=31).
    ToggleReserved(BitIndex),
    /// Stage again the edits the journal kept from an earlier session (`journal_offer`).
    RestoreJournal,
    /// Delete the conversation group with this ID (sent at once, not staged).
    DeleteGroup(u64),
}

/// What a one-line prompt asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptKind {
    User,
    AddConversation,
    /// The name of a new conversation group (groups popup, `n`).
    NewGroup,
    /// The new name of the conversation group with this ID (groups popup, `R`).
    RenameGroup(u64),
}

/// The groups popup (`o`): the user's conversation groups, a cursor among them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct GroupsPopup {
    /// Position in [`App::group_list`].
    pub selected: usize,
}

/// Something drawn over the panes that takes the keys first.
#[derive(Debug, Clone)]
pub enum Overlay {
    Help,
    /// The request preview, scrolled down by this many lines.
    Preview {
        scroll: u16,
    },
    Confirm(Confirm),
    Prompt {
        kind: PromptKind,
        input: Input,
    },
}

/// How the status line reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusKind {
    Info,
    Ok,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub kind: StatusKind,
    pub text: String,
}

/// The connection as the header shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnState {
    Idle,
    Loading,
    Ready,
    Failed(String),
}

/// Fixed facts about the session, shown in the header and help.
#[derive(Debug, Clone, Default)]
pub struct Session {
    pub sdkappid: u64,
    pub endpoint: String,
    pub demo: bool,
    pub read_only: bool,
    pub config_path: String,
    pub log_path: String,
    /// The mark_contact URL with the UserSig redacted, for the preview.
    pub mark_contact_url: String,
    /// Where the journal of staged edits and the audit log go; `None` keeps neither
    /// (unit tests of `update`).
    pub data_dir: Option<PathBuf>,
}

/// How far a commit has got: counted as each mark_contact call comes back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CommitProgress {
    pub done_items: usize,
    pub total_items: usize,
    pub done_calls: usize,
    pub total_calls: usize,
}

pub struct App {
    pub session: Session,
    pub keys: KeyMap,
    pub labels: BTreeMap<u8, String>,
    pub user: Option<String>,
    /// Bumped on every load, so that a late answer for another user is ignored.
    pub generation: u64,
    pub conn: ConnState,
    pub conversations: Vec<Conversation>,
    pub index: HashMap<Peer, usize>,
    pub group_names: BTreeMap<u64, String>,
    /// Rows (indices into `conversations`) that match the filter, in display order.
    pub visible: Vec<usize>,
    /// Position in `visible`.
    pub selected: usize,
    /// First visible row of the list window.
    pub list_offset: usize,
    /// Rows the list window shows (from the last resize).
    pub list_rows: usize,
    /// The terminal size (from the last resize), for mouse clicks.
    pub size: (u16, u16),
    pub filter: Input,
    /// The lowercased needle `visible` was computed for (typing narrows from there).
    pub filter_needle: String,
    pub filtering: bool,
    pub focus: Focus,
    pub cursor: BitIndex,
    pub custom_input: Input,
    pub editing_custom: bool,
    pub overlay: Option<Overlay>,
    pub status: Option<Status>,
    /// Requests in flight (the spinner runs while this is not zero).
    pub in_flight: usize,
    pub committing: bool,
    pub spinner: usize,
    pub quit: bool,
    /// The last commit's progress (kept after it finishes).
    pub progress: Option<CommitProgress>,
    /// Conversations chosen with `v`; Space and the custom mark then apply to all of them.
    pub selection: HashSet<Peer>,
    /// The journal is written only once the opened user's old journal was offered back (or
    /// there was none), so an unanswered offer is never overwritten.
    pub journal_active: bool,
    /// Set by whatever changes a stage; `update` then writes the journal.
    pub stage_changed: bool,
    /// Edits found in the journal, while the restore question is open.
    pub journal_offer: Option<super::msg::JournalFound>,
    /// The groups popup, under any overlay (its prompts and confirmation are overlays).
    pub groups_popup: Option<GroupsPopup>,
    /// A group request (create, rename, delete, add, remove) is in flight.
    pub group_busy: bool,
    /// (staged, marked or grouped, with a result), see `recount`.
    counts: (usize, usize, usize),
    /// Loaded conversations per group ID, see `recount`.
    group_members: HashMap<u64, usize>,
    /// Set by whatever changes a stage, a mark or a result; `update` then recounts.
    pub counts_stale: bool,
}

impl App {
    pub fn new(session: Session, keys: KeyMap, labels: BTreeMap<u8, String>) -> Self {
        App {
            session,
            keys,
            labels,
            user: None,
            generation: 0,
            conn: ConnState::Idle,
            conversations: Vec::new(),
            index: HashMap::new(),
            group_names: BTreeMap::new(),
            visible: Vec::new(),
            selected: 0,
            list_offset: 0,
            list_rows: 10,
            size: (80, 24),
            filter: Input::default(),
            filter_needle: String::new(),
            filtering: false,
            focus: Focus::List,
            cursor: bit(0),
            custom_input: Input::default(),
            editing_custom: false,
            overlay: None,
            status: None,
            in_flight: 0,
            committing: false,
            spinner: 0,
            quit: false,
            progress: None,
            selection: HashSet::new(),
            journal_active: false,
            stage_changed: false,
            journal_offer: None,
            groups_popup: None,
            group_busy: false,
            counts: (0, 0, 0),
            group_members: HashMap::new(),
            counts_stale: false,
        }
    }

    /// The selected conversation, if any.
    pub fn current(&self) -> Option<&Conversation> {
        self.visible
            .get(self.selected)
            .and_then(|i| self.conversations.get(*i))
    }

    pub fn current_mut(&mut self) -> Option<&mut Conversation> {
        let i = *self.visible.get(self.selected)?;
        self.conversations.get_mut(i)
    }

    /// Every staged edit, in list order (for the commit and the journal).
    pub fn staged_changes(&self) -> Vec<crate::domain::MarkChange> {
        self.conversations
            .iter()
            .filter(|c| !c.staged.is_empty())
            .map(|c| crate::domain::MarkChange {
                peer: c.peer.clone(),
                edit: c.staged.clone(),
            })
            .collect()
    }

    /// The conversations an edit applies to: the selection, else the one under the cursor.
    pub fn targets(&self) -> Vec<usize> {
        if self.selection.is_empty() {
            return self
                .visible
                .get(self.selected)
                .copied()
                .into_iter()
                .collect();
        }
        let mut v: Vec<usize> = self
            .selection
            .iter()
            .filter_map(|p| self.index.get(p).copied())
            .collect();
        v.sort_unstable();
        v
    }

    /// Conversations with a staged edit (counted after every `update`, so drawing a frame
    /// costs the same with 100 or 100,000 conversations).
    pub fn staged_count(&self) -> usize {
        self.counts.0
    }

    /// Conversations that count against the 1,000 marked-or-grouped limit.
    pub fn marked_count(&self) -> usize {
        self.counts.1
    }

    /// Conversations that show a commit result.
    pub fn result_count(&self) -> usize {
        self.counts.2
    }

    pub fn recount(&mut self) {
        let (mut staged, mut marked, mut results) = (0, 0, 0);
        self.group_members.clear();
        for c in &self.conversations {
            staged += usize::from(!c.staged.is_empty());
            marked += usize::from(c.is_marked_or_grouped());
            results += usize::from(c.result.is_some());
            for id in &c.groups {
                *self.group_members.entry(*id).or_default() += 1;
            }
        }
        self.counts = (staged, marked, results);
        self.counts_stale = false;
    }

    /// Replaces the conversations with a freshly loaded user: get_list merged with
    /// get_contact_group, each conversation once, pinned first, then most recent.
    pub fn load(&mut self, data: UserData) {
        let mut conversations: Vec<Conversation> = Vec::new();
        let mut index: HashMap<Peer, usize> = HashMap::new();
        for item in &data.sessions {
            let peer = item.peer.0.clone();
            let i = *index.entry(peer.clone()).or_insert_with(|| {
                conversations.push(Conversation::new(peer));
                conversations.len() - 1
            });
            let c = &mut conversations[i];
            c.recent = true;
            c.pinned |= item.top_flag == 1;
            c.msg_time = c.msg_time.max(item.msg_time);
            if let Some(mark) = &item.standard_mark {
                c.mark = mark.clone();
            }
            if let Some(custom) = &item.custom_mark {
                c.custom = custom.clone();
            }
            if let Some(groups) = &item.contact_group_id {
                c.groups = groups.clone();
            }
        }
        for record in &data.records {
            let peer = record.contact.0.clone();
            let i = *index.entry(peer.clone()).or_insert_with(|| {
                conversations.push(Conversation::new(peer));
                conversations.len() - 1
            });
            // get_contact_group is the authority on marks and groups.
            let c = &mut conversations[i];
            c.mark = record.standard_mark.clone();
            c.custom = record.custom_mark.clone().unwrap_or_default();
            c.groups = record.contact_group_id.clone().unwrap_or_default();
        }
        // Keep staged edits of conversations that are still there (a reload).
        for old in self.conversations.drain(..) {
            if old.staged.is_empty() && old.result.is_none() {
                continue;
            }
            let i = *index.entry(old.peer.clone()).or_insert_with(|| {
                conversations.push(Conversation::new(old.peer.clone()));
                conversations.len() - 1
            });
            let c = &mut conversations[i];
            c.staged = old.staged;
            c.staged.rebase(c.mark.value, &c.custom);
            c.result = old.result;
        }
        conversations.sort_by(|a, b| {
            b.pinned
                .cmp(&a.pinned)
                .then(b.msg_time.cmp(&a.msg_time))
                .then_with(|| a.peer.cmp(&b.peer))
        });
        self.index = conversations
            .iter()
            .enumerate()
            .map(|(i, c)| (c.peer.clone(), i))
            .collect();
        self.conversations = conversations;
        self.group_names = data
            .groups
            .iter()
            .map(|g| (g.group_id, g.group_name.clone()))
            .collect();
        self.filter_needle.clear();
        self.refilter();
    }

    /// The position of a conversation, added (empty, unfiltered) when it is not listed yet.
    pub fn index_or_add(&mut self, peer: &Peer) -> usize {
        if let Some(i) = self.index.get(peer) {
            return *i;
        }
        self.conversations.push(Conversation::new(peer.clone()));
        let i = self.conversations.len() - 1;
        self.index.insert(peer.clone(), i);
        i
    }

    /// Adds one conversation (from `a`) or updates it from a search record; selects it.
    pub fn upsert(&mut self, record: &ContactRecord) {
        let i = self.index_or_add(&record.contact.0);
        if let Some(c) = self.conversations.get_mut(i) {
            c.apply_record(record);
        }
        self.filter_needle.clear();
        self.refilter();
        if let Some(pos) = self.visible.iter().position(|v| *v == i) {
            self.selected = pos;
        } else {
            // not matching the filter: clear it so the added row shows
            self.filter.reset();
            self.refilter();
            self.selected = self.visible.iter().position(|v| *v == i).unwrap_or(0);
        }
        self.scroll_to_selected();
    }

    pub fn merge_group_names(&mut self, groups: &[GroupItem]) {
        for g in groups {
            self.group_names.insert(g.group_id, g.group_name.clone());
        }
    }

    /// Recomputes the visible rows for the filter text, keeping the selection when it
    /// still matches.
    pub fn refilter(&mut self) {
        let keep = self.visible.get(self.selected).copied();
        let needle = self.filter.value().to_lowercase();
        self.visible = if needle.is_empty() {
            (0..self.conversations.len()).collect()
        } else if !self.filter_needle.is_empty()
            && needle.contains(self.filter_needle.as_str())
            && self.visible.len() <= self.conversations.len()
        {
            // A longer needle only narrows: search the rows that matched the shorter one.
            let conversations = &self.conversations;
            std::mem::take(&mut self.visible)
                .into_iter()
                .filter(|i| {
                    conversations
                        .get(*i)
                        .is_some_and(|c| c.search_key.contains(&needle))
                })
                .collect()
        } else {
            self.conversations
                .iter()
                .enumerate()
                .filter(|(_, c)| c.search_key.contains(&needle))
                .map(|(i, _)| i)
                .collect()
        };
        self.filter_needle = needle;
        self.selected = keep
            .and_then(|k| self.visible.iter().position(|v| *v == k))
            .unwrap_or(0);
        self.scroll_to_selected();
    }

    /// Moves the list window so the selected row is inside it.
    pub fn scroll_to_selected(&mut self) {
        let rows = self.list_rows.max(1);
        if self.selected < self.list_offset {
            self.list_offset = self.selected;
        } else if self.selected >= self.list_offset + rows {
            self.list_offset = self.selected + 1 - rows;
        }
        let max_offset = self.visible.len().saturating_sub(rows);
        self.list_offset = self.list_offset.min(max_offset);
    }

    /// The label of a bit: internal short label, the config's label, or nothing.
    pub fn bit_label(&self, bit: BitIndex) -> Option<&str> {
        bit.short_label()
            .or_else(|| self.labels.get(&bit.get()).map(String::as_str))
    }

    /// The user's groups as the popup lists them: (ID, name), by ID.
    pub fn group_list(&self) -> Vec<(u64, &str)> {
        self.group_names
            .iter()
            .map(|(id, name)| (*id, name.as_str()))
            .collect()
    }

    /// The group under the popup's cursor.
    pub fn selected_group(&self) -> Option<(u64, &str)> {
        let list = self.group_list();
        let i = self.groups_popup?.selected.min(list.len().checked_sub(1)?);
        list.get(i).copied()
    }

    /// How many of the loaded conversations are in a group (counted by `recount`, so the
    /// popup costs the same to draw with 100 or 100,000 conversations).
    pub fn group_member_count(&self, id: u64) -> usize {
        self.group_members.get(&id).copied().unwrap_or(0)
    }

    /// Takes a fresh get_contact_group as the truth about groups: the names, and the groups
    /// of every listed conversation (those it does not return are in none). Marks and
    /// staged edits are left alone.
    pub fn replace_groups(&mut self, records: &[ContactRecord], groups: &[GroupItem]) {
        self.group_names = groups
            .iter()
            .map(|g| (g.group_id, g.group_name.clone()))
            .collect();
        let of: HashMap<&Peer, &Vec<u64>> = records
            .iter()
            .filter_map(|r| r.contact_group_id.as_ref().map(|g| (&r.contact.0, g)))
            .collect();
        for c in &mut self.conversations {
            c.groups = of.get(&c.peer).map(|g| (*g).clone()).unwrap_or_default();
        }
        self.counts_stale = true;
    }

    /// The names of the groups of a conversation.
    pub fn group_names_of(&self, c: &Conversation) -> Vec<String> {
        c.groups
            .iter()
            .map(|id| {
                self.group_names
                    .get(id)
                    .cloned()
                    .unwrap_or_else(|| format!("#{id}"))
            })
            .collect()
    }
}

/// The bit with wire index `i & 63` (always in range).
pub fn bit(i: u8) -> BitIndex {
    BitIndex::new(i64::from(i & 63)).expect("i & 63 is within 0..=63")
}
