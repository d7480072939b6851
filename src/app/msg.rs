//! Messages (what happened) and commands (what the runtime should do).

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
    Committed {
        generation: u64,
        outcomes: Vec<BatchOutcome>,
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
    /// One mark_contact call per batch (at most 100 conversations each).
    Commit {
        generation: u64,
        user: String,
        batches: Vec<Vec<MarkChange>>,
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
    Quit,
}
