//! Messages (what happened) and commands (what the runtime should do).

use std::path::PathBuf;

use crossterm::event::{KeyEvent, MouseEvent};

use crate::api::ApiError;
use crate::api::wire::{ContactRecord, GroupItem, MarkContactResponse};
use crate::domain::{MarkChange, Peer};

use super::state::UserData;

/// Everything that can change the state: terminal input and API results.
#[derive(Debug, Clone)]
pub enum Msg {
    Key(KeyEvent),
    /// Only with `--mouse` (or `mouse = true`): clicks select rows and cells.
    Mouse(MouseEvent),
    Paste(String),
    Resize {
        width: u16,
        height: u16,
    },
    /// Spinner tick while a request is in flight.
    Tick,
    Loaded {
        generation: u64,
        user: String,
        result: Result<UserData, ApiError>,
    },
    /// One mark_contact call of a commit came back (success or not) with this many items.
    CommitProgress {
        generation: u64,
        items: usize,
    },
    Committed {
        generation: u64,
        outcomes: Vec<BatchOutcome>,
        /// Why the audit log could not be written, if it could not.
        audit_error: Option<String>,
    },
    ReadBack {
        generation: u64,
        result: Result<Records, ApiError>,
    },
    LookedUp {
        generation: u64,
        peer: Peer,
        result: Result<Records, ApiError>,
    },
    /// The journal of the opened user was read: edits to offer back, or none.
    JournalLoaded {
        generation: u64,
        result: Result<Option<JournalFound>, String>,
    },
    /// A local side effect (journal write, clipboard) failed; shown on the status line.
    LocalFailed(String),
    /// A group request of the groups popup came back.
    GroupDone {
        generation: u64,
        op: GroupOp,
        result: Result<GroupAnswer, ApiError>,
    },
}

/// A change to the user's conversation groups, sent at once (not staged), as the CLI's
/// `convmark groups` does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupOp {
    Create { name: String },
    Rename { old: String, new: String },
    Delete { name: String },
    Add { name: String, peer: Peer },
    Remove { name: String, peer: Peer },
}

/// What a group request answered, and the groups re-read after it.
#[derive(Debug, Clone)]
pub struct GroupAnswer {
    /// The group acted on, as the server names it (its new name after a rename).
    pub group: GroupItem,
    /// For add and remove: the conversation's own ResultCode and ResultInfo, if reported.
    pub item: Option<(i64, String)>,
    /// get_contact_group after the change: every grouped record and every group.
    pub refreshed: Result<Records, ApiError>,
}

/// Staged edits found in the journal, offered back when the user is opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalFound {
    pub changes: Vec<MarkChange>,
    /// When the journal was last written (Unix seconds), if the file system says.
    pub saved_at: Option<u64>,
}

/// Records of chosen conversations (search_contact_group) with the user's group names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Records {
    pub records: Vec<ContactRecord>,
    pub groups: Vec<GroupItem>,
}

/// One mark_contact call: what was sent and what came back.
#[derive(Debug, Clone)]
pub struct BatchOutcome {
    pub sent: Vec<MarkChange>,
    pub result: Result<MarkContactResponse, ApiError>,
}

/// Side effects the runtime executes; their results come back as [`Msg`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cmd {
    LoadUser {
        generation: u64,
        user: String,
    },
    /// One mark_contact call per batch (at most 100 conversations each); every answered
    /// item is appended to the audit log in `audit_dir`.
    Commit {
        generation: u64,
        user: String,
        batches: Vec<Vec<MarkChange>>,
        audit_dir: Option<PathBuf>,
    },
    /// search_contact_group for these conversations (at most 300 per call).
    ReadBack {
        generation: u64,
        user: String,
        peers: Vec<Peer>,
    },
    /// search_contact_group for one conversation added by ID.
    LookUp {
        generation: u64,
        user: String,
        peer: Peer,
    },
    /// Reads the journal of staged edits of this app and user.
    LoadJournal {
        generation: u64,
        dir: PathBuf,
        sdkappid: u64,
        user: String,
    },
    /// Replaces the journal with the current stage (removes it when nothing is staged).
    SaveJournal {
        dir: PathBuf,
        sdkappid: u64,
        user: String,
        changes: Vec<MarkChange>,
    },
    /// One group request (create_contact_group, update_contact_group or
    /// del_contact_group), then get_contact_group to re-read the groups.
    Group {
        generation: u64,
        user: String,
        op: GroupOp,
    },
    /// Puts text on the terminal's clipboard (OSC 52).
    Copy {
        text: String,
    },
    Quit,
}
