//! Serde types for every request and response of `v4/recentcontact/*` and the account and
//! message endpoints the emulator needs. Field names are the wire's, exactly.
//!
//! The conversation is modelled once, as [`Peer`]; the wire's four spellings of a group ID
//! (`ToGroupId`, `GroupId` in get_list answers, `ToGroupid` in delete requests) are mapped
//! here and nowhere else.
//!
//! Responses are parsed leniently where real servers differ (absent optional keys, `""`
//! StandardMark, `CompleteTime` instead of `NextStartIndex`, unknown extra fields) and
//! strictly where a wrong value would mislead (types, enums, the StandardMark digits).

use serde::{Deserialize, Serialize};

use crate::domain::{
    MarkChange, MarkSet, OptType, Peer, format_standard_mark, parse_standard_mark,
};

/// Conversation type on the wire: 1 = one-to-one (C2C), 2 = group.
pub const TYPE_C2C: u8 = 1;
pub const TYPE_GROUP: u8 = 2;

/// AssistFlags for get_list: pinned, empty conversations, paged pinned, marks, custom mark
/// and group IDs.
pub const ASSIST_FLAGS_ALL: u32 = 63;

macro_rules! peer_spelling {
    ($(#[$doc:meta])* $name:ident, $raw:ident, $raw_name:literal, $group_key:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(try_from = $raw_name, into = $raw_name)]
        pub struct $name(pub Peer);

        #[derive(Serialize, Deserialize)]
        struct $raw {
            #[serde(rename = "Type")]
            kind: u8,
            #[serde(rename = "To_Account", skip_serializing_if = "Option::is_none", default)]
            to_account: Option<String>,
            #[serde(rename = $group_key, skip_serializing_if = "Option::is_none", default)]
            group: Option<String>,
        }

        impl TryFrom<$raw> for $name {
            type Error = String;
            fn try_from(raw: $raw) -> Result<Self, String> {
                match raw.kind {
                    TYPE_C2C => raw
                        .to_account
                        .map(|id| $name(Peer::User(id)))
                        .ok_or_else(|| "Type 1 (C2C) needs To_Account".to_owned()),
                    TYPE_GROUP => raw
                        .group
                        .map(|id| $name(Peer::Group(id)))
                        .ok_or_else(|| concat!("Type 2 (group) needs ", $group_key).to_owned()),
                    other => Err(format!(
                        "Type {other} is not a conversation type: 1 is C2C, 2 is group"
                    )),
                }
            }
        }

        impl From<$name> for $raw {
            fn from(value: $name) -> Self {
                match value.0 {
                    Peer::User(id) => $raw { kind: TYPE_C2C, to_account: Some(id), group: None },
                    Peer::Group(id) => $raw { kind: TYPE_GROUP, to_account: None, group: Some(id) },
                }
            }
        }

        impl From<Peer> for $name {
            fn from(peer: Peer) -> Self {
                $name(peer)
            }
        }
    };
}

peer_spelling!(
    /// `{Type, To_Account | ToGroupId}`: mark_contact, the contact-group endpoints, search.
    ContactItem,
    RawContactItem,
    "RawContactItem",
    "ToGroupId"
);
peer_spelling!(
    /// `{Type, To_Account | GroupId}`: get_list answers.
    SessionPeer,
    RawSessionPeer,
    "RawSessionPeer",
    "GroupId"
);
peer_spelling!(
    /// `{Type, To_Account | ToGroupid}`: delete requests.
    DeletePeer,
    RawDeletePeer,
    "RawDeletePeer",
    "ToGroupid"
);

/// A `StandardMark` string as the server sent it, with its decoded value. Decoding uses the
/// one codec in `domain::marks`; a string with other characters fails to parse.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WireMark {
    pub value: MarkSet,
    pub raw: String,
}

impl From<MarkSet> for WireMark {
    fn from(value: MarkSet) -> Self {
        WireMark {
            value,
            raw: format_standard_mark(value),
        }
    }
}

impl Serialize for WireMark {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.raw)
    }
}

impl<'de> Deserialize<'de> for WireMark {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        let value = parse_standard_mark(&raw).map_err(serde::de::Error::custom)?;
        Ok(WireMark { value, raw })
    }
}

/// `ActionStatus`, `ErrorCode`, `ErrorInfo`, `ErrorDisplay`: on every response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Envelope {
    pub action_status: String,
    pub error_code: i64,
    #[serde(default)]
    pub error_info: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_display: Option<String>,
}

impl Envelope {
    pub fn ok() -> Self {
        Envelope {
            action_status: "OK".into(),
            error_code: 0,
            error_info: String::new(),
            error_display: Some(String::new()),
        }
    }

    pub fn fail(code: i64, info: impl Into<String>) -> Self {
        Envelope {
            action_status: "FAIL".into(),
            error_code: code,
            error_info: info.into(),
            error_display: Some(String::new()),
        }
    }

    pub fn is_ok(&self) -> bool {
        self.error_code == 0
    }
}

impl Default for Envelope {
    fn default() -> Self {
        Envelope::ok()
    }
}

// ---------------------------------------------------------------------------------------
// mark_contact

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MarkContactRequest {
    #[serde(rename = "From_Account")]
    pub from_account: String,
    pub mark_item: Vec<MarkItem>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MarkItem {
    pub opt_type: OptType,
    pub contact_item: ContactItem,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub set_mark: Option<Vec<u8>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clear_mark: Option<Vec<u8>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_mark: Option<String>,
}

impl MarkItem {
    /// The item for one staged change: the right `OptType` and only the bits that change.
    /// `None` when nothing is staged.
    pub fn from_change(change: &MarkChange) -> Option<MarkItem> {
        let opt_type = change.edit.opt_type()?;
        let indices = |set: MarkSet| {
            let v: Vec<u8> = set.indices().map(|i| i.get()).collect();
            (!v.is_empty()).then_some(v)
        };
        Some(MarkItem {
            opt_type,
            contact_item: ContactItem(change.peer.clone()),
            set_mark: indices(change.edit.set),
            clear_mark: indices(change.edit.clear),
            custom_mark: change.edit.custom.as_ref().map(|c| c.as_str().to_owned()),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct MarkContactResponse {
    #[serde(default)]
    pub result_item: Vec<MarkResultItem>,
    #[serde(flatten)]
    pub envelope: Envelope,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MarkResultItem {
    pub opt_type: OptType,
    pub contact_item: ContactItem,
    pub result_code: i64,
    #[serde(default)]
    pub result_info: String,
}

// ---------------------------------------------------------------------------------------
// get_list

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct GetListRequest {
    #[serde(rename = "From_Account")]
    pub from_account: String,
    // The cursors are all 0 on the first page; a client that leaves them out means that.
    #[serde(default)]
    pub time_stamp: u64,
    #[serde(default)]
    pub start_index: u64,
    #[serde(default)]
    pub top_time_stamp: u64,
    #[serde(default)]
    pub top_start_index: u64,
    #[serde(default)]
    pub assist_flags: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct GetListResponse {
    #[serde(default)]
    pub session_item: Vec<SessionItem>,
    #[serde(default)]
    pub complete_flag: u8,
    #[serde(default)]
    pub time_stamp: u64,
    #[serde(default)]
    pub start_index: u64,
    #[serde(default)]
    pub top_time_stamp: u64,
    #[serde(default)]
    pub top_start_index: u64,
    #[serde(flatten)]
    pub envelope: Envelope,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SessionItem {
    #[serde(flatten)]
    pub peer: SessionPeer,
    #[serde(default)]
    pub msg_time: u64,
    #[serde(default)]
    pub top_flag: u8,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub standard_mark: Option<WireMark>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_mark: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_group_id: Option<Vec<u64>>,
}

// ---------------------------------------------------------------------------------------
// get_contact_group and search_contact_group

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct GetContactGroupRequest {
    #[serde(rename = "From_Account")]
    pub from_account: String,
    #[serde(default)]
    pub start_index: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct GetContactGroupResponse {
    #[serde(default)]
    pub contact_item: Vec<ContactRecord>,
    #[serde(default)]
    pub group_item: Vec<GroupItem>,
    #[serde(default)]
    pub complete_flag: u8,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_start_index: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub complete_time: Option<u64>,
    #[serde(flatten)]
    pub envelope: Envelope,
}

impl GetContactGroupResponse {
    /// The cursor for the next page: `NextStartIndex` (the docs) or `CompleteTime` (seen in
    /// a real server answer).
    pub fn next_cursor(&self) -> u64 {
        self.next_start_index.or(self.complete_time).unwrap_or(0)
    }
}

/// One conversation's marks and groups (get_contact_group and search answers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ContactRecord {
    #[serde(flatten)]
    pub contact: ContactItem,
    #[serde(default)]
    pub standard_mark: WireMark,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_mark: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_group_id: Option<Vec<u64>>,
    #[serde(default)]
    pub timestamp: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GroupItem {
    pub group_name: String,
    pub group_id: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SearchContactGroupRequest {
    #[serde(rename = "From_Account")]
    pub from_account: String,
    pub contact_item: Vec<ContactItem>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct SearchContactGroupResponse {
    #[serde(default)]
    pub contact_result_item: Vec<ContactRecord>,
    #[serde(default)]
    pub group_item: Vec<GroupItem>,
    #[serde(flatten)]
    pub envelope: Envelope,
}

// ---------------------------------------------------------------------------------------
// create / update / delete conversation groups

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateContactGroupRequest {
    #[serde(rename = "From_Account")]
    pub from_account: String,
    pub group_contact_item: Vec<GroupContactItem>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GroupContactItem {
    pub group_name: String,
    #[serde(default)]
    pub contact_item: Vec<ContactItem>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct CreateContactGroupResponse {
    #[serde(default)]
    pub group_result_item: Vec<GroupResultItem>,
    #[serde(flatten)]
    pub envelope: Envelope,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GroupResultItem {
    pub group_item: GroupItem,
    #[serde(default)]
    pub result_item: Vec<ContactResult>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ContactResult {
    pub contact_item: ContactItem,
    pub result_code: i64,
    #[serde(default)]
    pub result_info: String,
}

/// `UpdateType`: only 1 exists.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde_repr::Serialize_repr, serde_repr::Deserialize_repr,
)]
#[repr(u8)]
pub enum UpdateType {
    Group = 1,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde_repr::Serialize_repr, serde_repr::Deserialize_repr,
)]
#[repr(u8)]
pub enum UpdateGroupType {
    Rename = 1,
    Members = 2,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde_repr::Serialize_repr, serde_repr::Deserialize_repr,
)]
#[repr(u8)]
pub enum ContactOptType {
    Add = 1,
    Remove = 2,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateContactGroupRequest {
    #[serde(rename = "From_Account")]
    pub from_account: String,
    pub update_type: UpdateType,
    pub update_group: UpdateGroup,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateGroup {
    pub update_group_type: UpdateGroupType,
    pub old_group_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_group_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_update_item: Option<Vec<ContactUpdateItem>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ContactUpdateItem {
    pub contact_opt_type: ContactOptType,
    pub contact_item: ContactItem,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateContactGroupResponse {
    pub update_type: UpdateType,
    pub update_group_result: UpdateGroupResult,
    #[serde(flatten)]
    pub envelope: Envelope,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateGroupResult {
    pub update_group_type: UpdateGroupType,
    pub group_name: String,
    pub group_id: u64,
    pub old_group_name: String,
    #[serde(default)]
    pub contact_result_item: Vec<ContactUpdateResult>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ContactUpdateResult {
    pub contact_opt_type: ContactOptType,
    pub contact_item: ContactItem,
    pub result_code: i64,
    #[serde(default)]
    pub result_info: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DelContactGroupRequest {
    #[serde(rename = "From_Account")]
    pub from_account: String,
    pub group_name: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct DelContactGroupResponse {
    #[serde(default)]
    pub group_item: Vec<GroupItem>,
    #[serde(flatten)]
    pub envelope: Envelope,
}

// ---------------------------------------------------------------------------------------
// delete: remove a conversation from the recent list

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteRequest {
    #[serde(rename = "From_Account")]
    pub from_account: String,
    #[serde(flatten)]
    pub peer: DeletePeer,
    #[serde(default)]
    pub clear_ramble: u8,
}

/// Answers that carry the envelope alone (delete, account_import).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct EmptyResponse {
    #[serde(flatten)]
    pub envelope: Envelope,
}

// ---------------------------------------------------------------------------------------
// accounts and messages

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AccountImportRequest {
    #[serde(rename = "UserID")]
    pub user_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nick: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub face_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MultiAccountImportRequest {
    pub accounts: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct MultiAccountImportResponse {
    #[serde(default)]
    pub fail_accounts: Vec<String>,
    #[serde(flatten)]
    pub envelope: Envelope,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SendMsgRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sync_other_machine: Option<u8>,
    #[serde(
        rename = "From_Account",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub from_account: Option<String>,
    #[serde(rename = "To_Account")]
    pub to_account: String,
    pub msg_random: u32,
    pub msg_body: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct SendMsgResponse {
    #[serde(default)]
    pub msg_time: u64,
    #[serde(default)]
    pub msg_key: String,
    #[serde(flatten)]
    pub envelope: Envelope,
}

/// What every response type exposes so the client can check the top-level code.
pub trait HasEnvelope {
    fn envelope(&self) -> &Envelope;
}

macro_rules! has_envelope {
    ($($t:ty),* $(,)?) => { $(impl HasEnvelope for $t { fn envelope(&self) -> &Envelope { &self.envelope } })* };
}
has_envelope!(
    MarkContactResponse,
    GetListResponse,
    GetContactGroupResponse,
    SearchContactGroupResponse,
    CreateContactGroupResponse,
    UpdateContactGroupResponse,
    DelContactGroupResponse,
    EmptyResponse,
    MultiAccountImportResponse,
    SendMsgResponse,
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{BitIndex, StagedEdit};

    #[test]
    fn staged_set_0_clear_1_becomes_opt_type_1_with_only_those_bits() {
        let mut edit = StagedEdit::default();
        edit.toggle(BitIndex::new(0).unwrap(), MarkSet(0b10));
        edit.toggle(BitIndex::new(1).unwrap(), MarkSet(0b10));
        let item = MarkItem::from_change(&MarkChange {
            peer: Peer::User("user1".into()),
            edit,
        })
        .unwrap();
        assert_eq!(
            serde_json::to_value(&item).unwrap(),
            serde_json::json!({"OptType":1,"ContactItem":{"Type":1,"To_Account":"user1"},"SetMark":[0],"ClearMark":[1]})
        );
    }

    #[test]
    fn group_id_spellings_differ_by_endpoint() {
        let g = Peer::Group("@TGS#1".into());
        assert_eq!(
            serde_json::to_value(ContactItem(g.clone())).unwrap(),
            serde_json::json!({"Type":2,"ToGroupId":"@TGS#1"})
        );
        assert_eq!(
            serde_json::to_value(SessionPeer(g.clone())).unwrap(),
            serde_json::json!({"Type":2,"GroupId":"@TGS#1"})
        );
        assert_eq!(
            serde_json::to_value(DeletePeer(g)).unwrap(),
            serde_json::json!({"Type":2,"ToGroupid":"@TGS#1"})
        );
    }

    #[test]
    fn invalid_type_and_missing_peer_are_refused() {
        let e = serde_json::from_str::<ContactItem>(r#"{"Type":3,"To_Account":"a"}"#).unwrap_err();
        assert!(e.to_string().contains("Type 3"), "{e}");
        assert!(serde_json::from_str::<ContactItem>(r#"{"Type":2,"To_Account":"a"}"#).is_err());
        assert!(
            serde_json::from_str::<MarkItem>(
                r#"{"OptType":4,"ContactItem":{"Type":1,"To_Account":"a"}}"#
            )
            .is_err()
        );
    }

    #[test]
    fn wire_mark_rejects_other_characters_and_keeps_the_raw_text() {
        let m: WireMark = serde_json::from_str(r#""0110""#).unwrap();
        assert_eq!(m.value, MarkSet(0b110));
        assert_eq!(m.raw, "0110");
        assert!(serde_json::from_str::<WireMark>(r#""01x""#).is_err());
        assert!(serde_json::from_str::<WireMark>("7").is_err());
        assert_eq!(
            serde_json::to_string(&WireMark::from(MarkSet(0))).unwrap(),
            r#""""#
        );
    }

    #[test]
    fn first_page_requests_may_leave_the_cursors_out() {
        let req: GetListRequest = serde_json::from_str(r#"{"From_Account":"a"}"#).unwrap();
        assert_eq!(
            (
                req.time_stamp,
                req.start_index,
                req.top_time_stamp,
                req.top_start_index
            ),
            (0, 0, 0, 0)
        );
        let req: GetContactGroupRequest = serde_json::from_str(r#"{"From_Account":"a"}"#).unwrap();
        assert_eq!(req.start_index, 0);
        // the user is not optional
        assert!(serde_json::from_str::<GetListRequest>(r#"{"StartIndex":0}"#).is_err());
    }

    #[test]
    fn lenient_where_servers_differ() {
        let body = r#"{"ContactItem":[{"Type":1,"To_Account":"a","Timestamp":1,"Extra":true}],
            "CompleteFlag":0,"CompleteTime":7,"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","Unknown":[1]}"#;
        let r: GetContactGroupResponse = serde_json::from_str(body).unwrap();
        assert_eq!(r.next_cursor(), 7);
        assert_eq!(r.contact_item[0].standard_mark.value, MarkSet(0));
        assert!(r.group_item.is_empty());
    }
}
