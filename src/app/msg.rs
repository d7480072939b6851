//! Messages (what happened) and commands (what the runtime should do). Every request's
//! command and messages carry its id (see `requests`).

use std::path::PathBuf;

use crossterm::event::{KeyEvent, MouseEvent};

use crate::api::wire::{ContactRecord, GroupItem};
use crate::api::{ApiError, RetryNotice};
use crate::audit::AuditRecord;
use crate::domain::{MarkChange, Peer};
use crate::service::commit::{CallDone, CommitReport};
use crate::service::groups::{GroupOp, GroupOutcome};
use crate::service::load::LoadPage;
use crate::service::plan::MarkPlan;

use super::requests::RequestId;

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
    /// One page of a load.
    LoadPage {
        id: RequestId,
        page: LoadPage,
    },
    /// A load ended: every page arrived, or it failed.
    Loaded {
        id: RequestId,
        result: Result<(), ApiError>,
    },
    /// One mark_contact call of a commit came back (or was skipped after a cancel).
    CommitProgress {
        id: RequestId,
        call: CallDone,
    },
    Committed {
        id: RequestId,
        report: CommitReport,
    },
    ReadBack {
        id: RequestId,
        result: Result<Records, ApiError>,
    },
    LookedUp {
        id: RequestId,
        peer: Peer,
        result: Result<Records, ApiError>,
    },
    /// A group operation of the groups popup came back.
    GroupDone {
        id: RequestId,
        outcome: GroupOutcome,
    },
    /// A call of a request is being retried (`notice.tag` is the request's id).
    Retrying(RetryNotice),
    /// The journal of a user was read: edits to offer back, or none.
    JournalLoaded {
        user: String,
        result: Result<Option<JournalFound>, String>,
    },
    /// The audit log was read for the history overlay: this user's commits, newest first.
    HistoryLoaded {
        user: String,
        result: Result<Vec<(String, Vec<AuditRecord>)>, String>,
    },
    /// A local side effect (journal write, clipboard) failed; shown on the status line.
    LocalFailed(String),
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

/// Side effects the runtime executes; their results come back as [`Msg`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cmd {
    /// Every page of both lists, each sent back as it arrives.
    LoadUser {
        id: RequestId,
        user: String,
    },
    /// The planned changes: one mark_contact call per 100 conversations, concurrently;
    /// every answered conversation is appended to the audit log in `audit_dir`.
    Commit {
        id: RequestId,
        plan: MarkPlan,
        audit_dir: Option<PathBuf>,
    },
    /// search_contact_group for these conversations (at most 300 per call).
    ReadBack {
        id: RequestId,
        user: String,
        peers: Vec<Peer>,
    },
    /// search_contact_group for one conversation added by ID.
    LookUp {
        id: RequestId,
        user: String,
        peer: Peer,
    },
    /// One group operation, then get_contact_group to re-read the groups.
    Group {
        id: RequestId,
        user: String,
        op: GroupOp,
        audit_dir: Option<PathBuf>,
    },
    /// Calls of this request not yet sent are not sent (Esc during a commit).
    Cancel {
        id: RequestId,
    },
    /// These requests' tasks are stopped (a switched-away user's loads).
    Abort {
        ids: Vec<RequestId>,
    },
    /// Reads the journal of staged edits of this app and user.
    LoadJournal {
        dir: PathBuf,
        sdkappid: u64,
        user: String,
    },
    /// Replaces the journal with the current stage (removes it when nothing is staged).
    /// Written off the UI task; a burst of these is one write of the last.
    SaveJournal {
        dir: PathBuf,
        sdkappid: u64,
        user: String,
        changes: Vec<MarkChange>,
    },
    /// Reads this user's commits from the audit log (the history overlay).
    LoadHistory {
        dir: PathBuf,
        sdkappid: u64,
        user: String,
    },
    /// Puts text on the terminal's clipboard (OSC 52).
    Copy {
        text: String,
    },
    Quit,
}
