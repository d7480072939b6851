//! The one JSON shape of a conversation and of a standard mark, for `get --json`, `mark
//! --json`, the TUI's copy (`y`) and anything else that prints one.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::api::wire::WireMark;
use crate::domain::{BitIndex, Peer};

use super::user::Conversation;

/// `"c2c"` or `"group"`.
pub fn kind(peer: &Peer) -> &'static str {
    match peer {
        Peer::User(_) => "c2c",
        Peer::Group(_) => "group",
    }
}

/// A standard mark: `{hex, raw, bits}`; `raw` is the string the server sent.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct MarkJson {
    pub hex: String,
    pub raw: String,
    pub bits: Vec<u8>,
}

impl From<&WireMark> for MarkJson {
    fn from(mark: &WireMark) -> Self {
        MarkJson {
            hex: mark.value.hex(),
            raw: mark.raw.clone(),
            bits: mark.value.indices().map(BitIndex::get).collect(),
        }
    }
}

/// A conversation.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ConversationJson {
    /// `c2c_USERID` or `group_GROUPID`.
    pub conversation: String,
    /// `"c2c"` or `"group"`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub pinned: bool,
    /// Time of the last message; 0 when the conversation is not in the recent list.
    pub msg_time: u64,
    pub standard_mark: MarkJson,
    /// `""` when none.
    pub custom_mark: String,
    /// Names of the conversation groups it is in (`#ID` for an ID without a name).
    pub groups: Vec<String>,
}

impl ConversationJson {
    pub fn new(c: &Conversation, group_names: &BTreeMap<u64, String>) -> Self {
        ConversationJson {
            conversation: c.peer.conversation_id(),
            kind: kind(&c.peer),
            pinned: c.pinned,
            msg_time: c.msg_time,
            standard_mark: MarkJson::from(&c.mark),
            custom_mark: c.custom.clone(),
            groups: group_names_of(&c.groups, group_names),
        }
    }
}

/// Group IDs as names (`#ID` for an ID the user's group list does not name).
pub fn group_names_of(ids: &[u64], names: &BTreeMap<u64, String>) -> Vec<String> {
    ids.iter()
        .map(|id| names.get(id).cloned().unwrap_or_else(|| format!("#{id}")))
        .collect()
}
