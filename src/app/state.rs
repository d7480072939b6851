//! The state of the TUI. One task owns it; `update` changes it; `ui` only reads it.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;

use tui_input::Input;

use crate::api::wire::{ContactRecord, GroupItem, WireMark};
use crate::domain::{BitIndex, MarkChange, MarkSet, Peer, StagedEdit};
use crate::service::ItemOutcome;
use crate::service::plan::MarkState;
use crate::service::user::{Conversation, order};

use super::filter::Filter;
use super::keys::KeyMap;
use super::mode::{GroupsPopup, Mode, Overlay};
use super::requests::{Registry, RequestId};

/// One row of the list: the conversation as the server holds it, plus what is staged and
/// what the last commit said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub server: Conversation,
    /// Lowercased conversation ID, custom mark and group names, for the filter.
    pub search_key: String,
    pub staged: StagedEdit,
    /// The last commit's outcome for this conversation.
    pub result: Option<ItemOutcome>,
    /// The load that last listed it (a reload drops rows it did not list, unless staged).
    pub seen: RequestId,
}

impl Row {
    pub fn new(peer: Peer) -> Self {
        Row {
            search_key: peer.conversation_id().to_lowercase(),
            server: Conversation::new(peer),
            staged: StagedEdit::default(),
            result: None,
            seen: 0,
        }
    }

    pub fn peer(&self) -> &Peer {
        &self.server.peer
    }

    /// The value after the staged edit.
    pub fn effective(&self) -> MarkSet {
        self.staged.apply(self.server.mark.value)
    }

    /// The custom mark after the staged edit.
    pub fn effective_custom(&self) -> &str {
        self.staged
            .custom
            .as_ref()
            .map_or(self.server.custom.as_str(), |c| c.as_str())
    }

    /// The state the staged edit is planned against.
    pub fn mark_state(&self) -> MarkState {
        MarkState {
            value: self.server.mark.value,
            custom: self.server.custom.clone(),
            grouped: !self.server.groups.is_empty(),
        }
    }

    /// The last commit failed for it.
    pub fn failed(&self) -> bool {
        self.result.as_ref().is_some_and(|r| !r.is_ok())
    }

    /// Takes a search / get_contact_group record as the server's truth.
    pub fn apply_record(&mut self, record: &ContactRecord) {
        self.server.apply_record(record);
        self.staged
            .rebase(self.server.mark.value, &self.server.custom);
    }

    /// After a ResultCode 0: the server now holds what was sent (until the read-back says
    /// otherwise); drops what was sent from the stage, keeps anything staged since.
    pub fn apply_success(&mut self, sent: &StagedEdit) {
        self.server.mark = WireMark::from(sent.apply(self.server.mark.value));
        if let Some(custom) = &sent.custom {
            self.server.custom = custom.as_str().to_owned();
        }
        self.server.record = self.server.is_marked_or_grouped();
        self.staged
            .rebase(self.server.mark.value, &self.server.custom);
    }
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

/// One entry of the message log: every status the session showed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    /// Unix seconds.
    pub time: u64,
    pub kind: StatusKind,
    pub text: String,
}

/// The most messages the log keeps (the oldest go first).
pub const MESSAGE_LOG_LEN: usize = 500;

/// The connection as the header shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnState {
    Idle,
    Loading,
    Ready,
    /// A load was stopped (Esc): what arrived is shown, the rest was not read.
    Partial,
    Failed(String),
}

/// The time, for the message log: a plain function so tests can fix it.
#[derive(Clone, Copy)]
pub struct Clock(pub fn() -> u64);

impl Default for Clock {
    fn default() -> Self {
        Clock(crate::api::usersig::unix_now)
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Clock")
    }
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
    /// The app's edition, when known (`ultimate`, `pro`): the demo and `serve` know it, a
    /// 51013 answer tells it for a real app.
    pub edition: Option<String>,
    /// Warnings from start-up (a config file readable by others, a broken one the demo
    /// does without): shown on the status line once the first user has loaded, and kept
    /// in the message log. Printed to stderr before the alternate screen they would not be
    /// seen until quit.
    pub warnings: Vec<String>,
    pub clock: Clock,
}

/// How far the last commit got (kept after it finishes, for the status line).
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
    pub conn: ConnState,
    pub conversations: Vec<Row>,
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
    /// The terminal size (from the last resize).
    pub size: (u16, u16),
    pub filter: Input,
    /// The filter `visible` was computed for (typing plain words narrows from there).
    pub filter_applied: Filter,
    pub mode: Mode,
    pub focus: Focus,
    pub cursor: BitIndex,
    pub custom_input: Input,
    pub status: Option<Status>,
    /// Every status of the session, oldest first (the log shows them newest first).
    pub messages: Vec<LogEntry>,
    /// The status line shows the filter's error (cleared once the filter is valid).
    pub filter_error_shown: bool,
    /// Every request in flight.
    pub requests: Registry,
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
    /// (staged, marked or grouped, with a result), see `recount`.
    counts: (usize, usize, usize),
    /// Loaded conversations per group ID, see `recount`.
    group_members: HashMap<u64, usize>,
    /// Display width of the longest conversation ID, see `recount`.
    longest_id: usize,
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
            filter_applied: Filter::default(),
            mode: Mode::Normal,
            focus: Focus::List,
            cursor: bit(0),
            custom_input: Input::default(),
            status: None,
            messages: Vec::new(),
            filter_error_shown: false,
            requests: Registry::default(),
            spinner: 0,
            quit: false,
            progress: None,
            selection: HashSet::new(),
            journal_active: false,
            stage_changed: false,
            journal_offer: None,
            counts: (0, 0, 0),
            group_members: HashMap::new(),
            longest_id: 0,
            counts_stale: false,
        }
    }

    /// A request is in flight (the spinner turns).
    pub fn busy(&self) -> bool {
        !self.requests.is_empty()
    }

    /// The open overlay, if any.
    pub fn overlay(&self) -> Option<&Overlay> {
        self.mode.overlay()
    }

    pub fn groups_popup(&self) -> Option<GroupsPopup> {
        self.mode.groups_popup()
    }

    pub fn editing_custom(&self) -> bool {
        matches!(self.mode, Mode::EditCustom)
    }

    pub fn filtering(&self) -> bool {
        matches!(self.mode, Mode::Filter)
    }

    /// What the server last said of a conversation (nothing, for one not in the list).
    pub fn mark_state_of(&self, peer: &Peer) -> crate::service::plan::MarkState {
        self.index
            .get(peer)
            .and_then(|i| self.conversations.get(*i))
            .map(Row::mark_state)
            .unwrap_or_default()
    }

    /// The selected conversation, if any.
    pub fn current(&self) -> Option<&Row> {
        self.visible
            .get(self.selected)
            .and_then(|i| self.conversations.get(*i))
    }

    pub fn current_mut(&mut self) -> Option<&mut Row> {
        let i = *self.visible.get(self.selected)?;
        self.conversations.get_mut(i)
    }

    /// Every staged edit, in list order (for the commit and the journal).
    pub fn staged_changes(&self) -> Vec<MarkChange> {
        self.conversations
            .iter()
            .filter(|c| !c.staged.is_empty())
            .map(|c| MarkChange {
                peer: c.peer().clone(),
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

    /// Columns the longest conversation ID takes (the list's name column).
    pub fn longest_id(&self) -> usize {
        self.longest_id
    }

    pub fn recount(&mut self) {
        let (mut staged, mut marked, mut results) = (0, 0, 0);
        self.group_members.clear();
        self.longest_id = 0;
        for c in &self.conversations {
            self.longest_id = self.longest_id.max(crate::text::width(c.peer().id()));
            staged += usize::from(!c.staged.is_empty());
            marked += usize::from(c.server.is_marked_or_grouped());
            results += usize::from(c.result.is_some());
            for id in &c.server.groups {
                *self.group_members.entry(*id).or_default() += 1;
            }
        }
        self.counts = (staged, marked, results);
        self.counts_stale = false;
    }

    /// The lowercased text the filter's plain words search: ID, custom mark, group names.
    pub fn search_key(&self, c: &Conversation) -> String {
        let mut key = c.peer.conversation_id();
        if !c.custom.is_empty() {
            key.push('\u{1}');
            key.push_str(&c.custom);
        }
        for id in &c.groups {
            if let Some(name) = self.group_names.get(id) {
                key.push('\u{1}');
                key.push_str(name);
            }
        }
        key.to_lowercase()
    }

    /// Recomputes the search key of one row (after its custom mark or groups changed).
    pub fn rekey(&mut self, i: usize) {
        if let Some(c) = self.conversations.get(i) {
            let key = self.search_key(&c.server);
            if let Some(c) = self.conversations.get_mut(i) {
                c.search_key = key;
            }
        }
    }

    pub fn rekey_all(&mut self) {
        for i in 0..self.conversations.len() {
            self.rekey(i);
        }
    }

    /// The position of a conversation, added (empty, unfiltered) when it is not listed yet.
    pub fn index_or_add(&mut self, peer: &Peer) -> usize {
        if let Some(i) = self.index.get(peer) {
            return *i;
        }
        self.conversations.push(Row::new(peer.clone()));
        let i = self.conversations.len() - 1;
        self.index.insert(peer.clone(), i);
        i
    }

    /// Sorts the rows by the service's order (pinned, newest, peer), keeping the selection.
    pub fn sort_rows(&mut self) {
        let keep = self.current().map(|c| c.peer().clone());
        self.conversations
            .sort_by(|a, b| order(&a.server, &b.server));
        self.index = self
            .conversations
            .iter()
            .enumerate()
            .map(|(i, c)| (c.peer().clone(), i))
            .collect();
        self.filter_applied = Filter::default();
        self.visible.clear();
        self.refilter();
        if let Some(peer) = keep {
            self.select_peer(&peer);
        }
    }

    /// Moves the cursor to a conversation, if it is shown.
    pub fn select_peer(&mut self, peer: &Peer) -> bool {
        let Some(i) = self.index.get(peer).copied() else {
            return false;
        };
        match self.visible.iter().position(|v| *v == i) {
            Some(pos) => {
                self.selected = pos;
                self.scroll_to_selected();
                true
            }
            None => false,
        }
    }

    /// Adds one conversation (from `a`) or updates it from a search record; selects it.
    pub fn upsert(&mut self, record: &ContactRecord) {
        let i = self.index_or_add(&record.contact.0);
        if let Some(c) = self.conversations.get_mut(i) {
            c.apply_record(record);
        }
        self.rekey(i);
        self.refilter_all();
        let peer = record.contact.0.clone();
        if !self.select_peer(&peer) {
            // not matching the filter: clear it so the added row shows
            self.filter.reset();
            self.refilter_all();
            self.select_peer(&peer);
        }
    }

    pub fn merge_group_names(&mut self, groups: &[GroupItem]) {
        for g in groups {
            self.group_names.insert(g.group_id, g.group_name.clone());
        }
    }

    /// Recomputes the visible rows from scratch (rows were added or changed).
    pub fn refilter_all(&mut self) {
        self.filter_applied = Filter::default();
        self.refilter();
    }

    /// Recomputes the visible rows for the filter text, keeping the selection when it
    /// still matches. Typing more of a plain word only narrows, so only the rows that
    /// matched before are searched.
    pub fn refilter(&mut self) {
        let keep = self.visible.get(self.selected).copied();
        let filter = Filter::parse(self.filter.value());
        let narrowing = |old: &Filter| {
            filter.text_only() && old.text_only() && !old.is_empty() && filter_narrows(old, &filter)
        };
        self.visible = if filter.is_empty() {
            (0..self.conversations.len()).collect()
        } else if narrowing(&self.filter_applied) {
            let conversations = &self.conversations;
            std::mem::take(&mut self.visible)
                .into_iter()
                .filter(|i| conversations.get(*i).is_some_and(|c| filter.matches(c)))
                .collect()
        } else {
            self.conversations
                .iter()
                .enumerate()
                .filter(|(_, c)| filter.matches(c))
                .map(|(i, _)| i)
                .collect()
        };
        self.filter_applied = filter;
        self.selected = keep
            .and_then(|k| self.visible.iter().position(|v| *v == k))
            .unwrap_or(0);
        self.scroll_to_selected();
    }

    /// Shows rows added at the end (a page of a load) without rescanning the others.
    pub fn show_new_rows(&mut self, from: usize) {
        let filter = &self.filter_applied;
        let new: Vec<usize> = (from..self.conversations.len())
            .filter(|i| {
                filter.is_empty()
                    || self
                        .conversations
                        .get(*i)
                        .is_some_and(|c| filter.matches(c))
            })
            .collect();
        self.visible.extend(new);
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
        let i = self
            .groups_popup()?
            .selected
            .min(list.len().checked_sub(1)?);
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
            c.server.groups = of.get(c.peer()).map(|g| (*g).clone()).unwrap_or_default();
            c.server.record = c.server.is_marked_or_grouped();
        }
        self.rekey_all();
        self.counts_stale = true;
    }

    /// The custom mark pane's text: the mark, or `old` and `→ new` when one is staged.
    pub fn custom_text(&self) -> String {
        match self.current() {
            Some(c) => match &c.staged.custom {
                Some(new) => format!("{:?}\n→ {:?}", c.server.custom, new.as_str()),
                None => c.server.custom.clone(),
            },
            None => String::new(),
        }
    }

    /// Lines the custom mark pane wants at this terminal size (one while editing).
    pub fn custom_lines(&self) -> usize {
        if self.editing_custom() {
            return 1;
        }
        crate::layout::wrapped_rows(
            &self.custom_text(),
            crate::layout::custom_width(self.size.0),
        )
    }

    /// The names of the groups of a conversation.
    pub fn group_names_of(&self, c: &Row) -> Vec<String> {
        crate::service::json::group_names_of(&c.server.groups, &self.group_names)
    }

    /// Appends a message to the log (and makes it the status).
    pub fn say(&mut self, kind: StatusKind, text: String) {
        self.filter_error_shown = false;
        self.log(kind, text.clone());
        self.status = Some(Status { kind, text });
    }

    /// Adds to the message on the status line (a read-back after a commit's result), in the
    /// message log too.
    pub fn extend_status(&mut self, more: &str) {
        let Some(status) = &mut self.status else {
            return;
        };
        if let Some(entry) = self.messages.last_mut()
            && entry.text == status.text
        {
            entry.text.push_str(more);
        }
        status.text.push_str(more);
    }

    /// Appends a message to the log only, leaving the status line as it is.
    pub fn log(&mut self, kind: StatusKind, text: String) {
        if self.messages.len() >= MESSAGE_LOG_LEN {
            self.messages.remove(0);
        }
        self.messages.push(LogEntry {
            time: (self.session.clock.0)(),
            kind,
            text,
        });
    }
}

/// Whether plain-word filter `new` can only match rows that `old` matched: each of old's
/// words is contained in one of new's.
fn filter_narrows(old: &Filter, new: &Filter) -> bool {
    let n = new.text_words();
    old.text_words()
        .iter()
        .all(|w| n.iter().any(|x| x.contains(w)))
}

/// The bit with wire index `i & 63` (always in range).
pub fn bit(i: u8) -> BitIndex {
    BitIndex::new(i64::from(i & 63)).expect("i & 63 is within 0..=63")
}
