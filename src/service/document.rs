//! The marks document of `convmark export`, `diff` and `apply`: for each user, the
//! standard mark (wire indices), custom mark and group names of every conversation with a
//! mark or a group, and the user's groups. Versioned, in a stable order (users as given,
//! conversations by ID, groups by name) and written so that `diff` of two exports shows one
//! line per changed conversation:
//!
//! ```text
//! {
//!   "format": "convmark-marks",
//!   "version": 1,
//!   "sdkappid": 1400000000,
//!   "exported_at": "2026-11-26T01:05:09Z",
//!   "users": [
//!     {
//!       "user": "alice",
//!       "groups": ["Customers", "家人"],
//!       "conversations": [
//!         {"conversation":"c2c_bob","bits":[0,32],"custom_mark":"vip","groups":["家人"]}
//!       ]
//!     }
//!   ]
//! }
//! ```
//!
//! Pure: it reads and writes text; the commands do the I/O. A document that does not hold
//! (a hand-edited one) is refused with the file, the place and what is wrong.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::api::groups::check_name;
use crate::domain::{BitIndex, CustomMark, MAX_GROUPS, MarkSet, Peer, validate_id};

use super::plan::MarkState;
use super::user::UserSnapshot;

/// The value of the document's `"format"` field.
pub const FORMAT: &str = "convmark-marks";
/// The version this convmark writes and reads.
pub const VERSION: u64 = 1;

/// A marks document.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Document {
    /// The app it was exported from (informational: a document may be applied to another).
    pub sdkappid: Option<u64>,
    /// When it was exported, RFC 3339 (informational).
    pub exported_at: Option<String>,
    /// Each user once, in the order written.
    pub users: Vec<DocUser>,
}

/// One user's part of a document.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DocUser {
    pub user: String,
    /// The user's conversation groups by name, sorted, each once.
    pub groups: Vec<String>,
    /// Sorted by conversation ID, each once.
    pub conversations: Vec<DocConversation>,
}

/// What a conversation should hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocConversation {
    pub peer: Peer,
    pub mark: MarkSet,
    pub custom: CustomMark,
    /// Names of its groups, sorted, each one listed in the user's `groups`.
    pub groups: Vec<String>,
}

impl DocConversation {
    /// The marks it should hold, as the planner compares them.
    pub fn state(&self) -> MarkState {
        MarkState {
            value: self.mark,
            custom: self.custom.as_str().to_owned(),
            grouped: !self.groups.is_empty(),
        }
    }

    /// Whether it counts against the 1,000 marked-or-grouped limit.
    pub fn has_record(&self) -> bool {
        self.state().has_record()
    }
}

impl DocUser {
    /// A user's part from what the server holds: every conversation with a mark or a group.
    /// A group ID the user's group list does not name is left out (there is no name to
    /// write); [`unnamed_groups`] tells which.
    pub fn from_snapshot(snapshot: &UserSnapshot) -> DocUser {
        let names = snapshot.group_names();
        let mut conversations: Vec<DocConversation> = snapshot
            .conversations
            .iter()
            .filter(|c| c.is_marked_or_grouped())
            .map(|c| {
                let groups: BTreeSet<String> = c
                    .groups
                    .iter()
                    .filter_map(|id| names.get(id).cloned())
                    .collect();
                DocConversation {
                    peer: c.peer.clone(),
                    mark: c.mark.value,
                    // the server holds at most 256 bytes; a longer one is cut at a char
                    custom: CustomMark::new(c.custom.clone())
                        .unwrap_or_else(|_| truncated(&c.custom)),
                    groups: groups.into_iter().collect(),
                }
            })
            .collect();
        conversations.sort_by_key(|c| c.peer.conversation_id());
        let groups: BTreeSet<String> = names.into_values().collect();
        DocUser {
            user: snapshot.user.clone(),
            groups: groups.into_iter().collect(),
            conversations,
        }
    }

    /// The conversation of a peer, if the document lists it.
    pub fn find(&self, peer: &Peer) -> Option<&DocConversation> {
        self.conversations.iter().find(|c| &c.peer == peer)
    }

    /// How many conversations of this part count against the 1,000 limit.
    pub fn records(&self) -> usize {
        self.conversations.iter().filter(|c| c.has_record()).count()
    }
}

fn truncated(text: &str) -> CustomMark {
    let mut end = crate::domain::MAX_CUSTOM_MARK_BYTES.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    CustomMark::new(&text[..end]).unwrap_or_default()
}

/// Group IDs that conversations of the snapshot are in but its group list does not name.
pub fn unnamed_groups(snapshot: &UserSnapshot) -> Vec<u64> {
    let names = snapshot.group_names();
    let ids: BTreeSet<u64> = snapshot
        .conversations
        .iter()
        .flat_map(|c| c.groups.iter().copied())
        .filter(|id| !names.contains_key(id))
        .collect();
    ids.into_iter().collect()
}

/// One conversation as a line of the document.
#[derive(Serialize)]
struct LineOut<'a> {
    conversation: String,
    bits: Vec<u8>,
    custom_mark: &'a str,
    groups: &'a [String],
}

fn json_string(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_owned())
}

impl Document {
    /// The document of these users' parts.
    pub fn new(sdkappid: u64, exported_at: u64, users: Vec<DocUser>) -> Document {
        Document {
            sdkappid: Some(sdkappid),
            exported_at: Some(crate::time::rfc3339(exported_at)),
            users,
        }
    }

    /// The user's part, by user ID.
    pub fn user(&self, user: &str) -> Option<&DocUser> {
        self.users.iter().find(|u| u.user == user)
    }

    /// Which part goes to which user: without `user` and `source`, each part to its own
    /// user; `source` picks one part (needed when there are several and `user` is given);
    /// `user` applies that part to another user (copying marks between users). Errors name
    /// the users the document holds.
    pub fn parts(
        &self,
        user: Option<&str>,
        source: Option<&str>,
    ) -> Result<Vec<(String, &DocUser)>, String> {
        let part = match source {
            Some(s) => Some(self.user(s).ok_or_else(|| {
                format!(
                    "--source {s}: the document has no part for {s:?}; it holds {}",
                    self.user_list()
                )
            })?),
            None => None,
        };
        Ok(match (user, part) {
            (Some(u), Some(p)) => vec![(u.to_owned(), p)],
            (None, Some(p)) => vec![(p.user.clone(), p)],
            (Some(u), None) => match self.users.as_slice() {
                [p] => vec![(u.to_owned(), p)],
                _ => {
                    return Err(format!(
                        "the document holds {} users ({}): give --source USER to say whose part to apply to {u:?}",
                        self.users.len(),
                        self.user_list()
                    ));
                }
            },
            (None, None) => self.users.iter().map(|p| (p.user.clone(), p)).collect(),
        })
    }

    /// The user IDs, in order, for messages: `alice, bob`.
    pub fn user_list(&self) -> String {
        let names: Vec<String> = self.users.iter().map(|u| format!("{:?}", u.user)).collect();
        names.join(", ")
    }

    /// The text of the document: the top level indented, one conversation per line.
    pub fn to_text(&self) -> String {
        let mut out = String::from("{\n");
        out.push_str(&format!("  \"format\": {},\n", json_string(FORMAT)));
        out.push_str(&format!("  \"version\": {VERSION},\n"));
        if let Some(app) = self.sdkappid {
            out.push_str(&format!("  \"sdkappid\": {app},\n"));
        }
        if let Some(at) = &self.exported_at {
            out.push_str(&format!("  \"exported_at\": {},\n", json_string(at)));
        }
        if self.users.is_empty() {
            out.push_str("  \"users\": []\n}\n");
            return out;
        }
        out.push_str("  \"users\": [\n");
        for (u, user) in self.users.iter().enumerate() {
            out.push_str("    {\n");
            out.push_str(&format!("      \"user\": {},\n", json_string(&user.user)));
            let groups: Vec<String> = user.groups.iter().map(|g| json_string(g)).collect();
            out.push_str(&format!("      \"groups\": [{}],\n", groups.join(", ")));
            if user.conversations.is_empty() {
                out.push_str("      \"conversations\": []\n");
            } else {
                out.push_str("      \"conversations\": [\n");
                for (i, c) in user.conversations.iter().enumerate() {
                    let line = LineOut {
                        conversation: c.peer.conversation_id(),
                        bits: c.mark.indices().map(BitIndex::get).collect(),
                        custom_mark: c.custom.as_str(),
                        groups: &c.groups,
                    };
                    let text = serde_json::to_string(&line).unwrap_or_default();
                    let comma = if i + 1 < user.conversations.len() {
                        ","
                    } else {
                        ""
                    };
                    out.push_str(&format!("        {text}{comma}\n"));
                }
                out.push_str("      ]\n");
            }
            let comma = if u + 1 < self.users.len() { "," } else { "" };
            out.push_str(&format!("    }}{comma}\n"));
        }
        out.push_str("  ]\n}\n");
        out
    }

    /// Reads a document; `file` names it in errors (a path, or `stdin`).
    pub fn parse(file: &str, text: &str) -> Result<Document, DocumentError> {
        let err = |line: Option<usize>, message: String| DocumentError {
            file: file.to_owned(),
            line,
            message,
        };
        // the format and version first: a newer document may not have this shape
        let head: serde_json::Value =
            serde_json::from_str(text).map_err(|e| err(None, format!("not JSON: {e}")))?;
        let Some(head) = head.as_object() else {
            return Err(err(
                None,
                "not a convmark marks document: the top level is not a JSON object (convmark export writes one)".into(),
            ));
        };
        match head.get("format") {
            Some(serde_json::Value::String(f)) if f == FORMAT => {}
            Some(other) => {
                return Err(err(
                    line_of(text, "\"format\"", 0),
                    format!(
                        "\"format\" is {other}, not {FORMAT:?}: this is not a convmark marks document"
                    ),
                ));
            }
            None => {
                return Err(err(
                    None,
                    format!(
                        "no \"format\": {FORMAT:?} field: this is not a convmark marks document (convmark export writes one)"
                    ),
                ));
            }
        }
        match head.get("version") {
            Some(v) if v.as_u64() == Some(VERSION) => {}
            Some(v) => {
                return Err(err(
                    line_of(text, "\"version\"", 0),
                    format!(
                        "version {v} is unknown: this convmark reads version {VERSION} (a newer convmark may have written it)"
                    ),
                ));
            }
            None => return Err(err(None, "no \"version\" field".into())),
        }
        let raw: RawDocument = serde_json::from_str(text).map_err(|e| {
            let line = (e.line() > 0).then_some(e.line());
            err(line, strip_position(&e.to_string()))
        })?;
        raw.check(text)
            .map_err(|(line, message)| err(line, message))
    }
}

/// serde's "... at line 3 column 5": the line goes in front, as `FILE:LINE:`.
fn strip_position(text: &str) -> String {
    match text.rfind(" at line ") {
        Some(i) => text[..i].to_owned(),
        None => text.to_owned(),
    }
}

/// The 1-based number of the first line at or after line `from` (0-based) that holds
/// `needle`.
fn line_of(text: &str, needle: &str, from: usize) -> Option<usize> {
    text.lines()
        .enumerate()
        .skip(from)
        .find(|(_, l)| l.contains(needle))
        .map(|(i, _)| i + 1)
}

/// A document that cannot be used: the file, the line when it is known, what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}{}: {message}", line.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct DocumentError {
    pub file: String,
    pub line: Option<usize>,
    pub message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDocument {
    #[allow(dead_code)]
    format: String,
    #[allow(dead_code)]
    version: u64,
    #[serde(default)]
    sdkappid: Option<u64>,
    #[serde(default)]
    exported_at: Option<String>,
    users: Vec<RawUser>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawUser {
    user: String,
    #[serde(default)]
    groups: Vec<String>,
    #[serde(default)]
    conversations: Vec<RawConversation>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConversation {
    conversation: String,
    #[serde(default)]
    bits: Vec<i64>,
    #[serde(default)]
    custom_mark: String,
    #[serde(default)]
    groups: Vec<String>,
}

type Problem = (Option<usize>, String);

impl RawDocument {
    fn check(self, text: &str) -> Result<Document, Problem> {
        if self.users.is_empty() {
            return Err((
                line_of(text, "\"users\"", 0),
                "\"users\" is empty: the document holds no user".into(),
            ));
        }
        let mut users: Vec<DocUser> = Vec::new();
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        for (n, raw) in self.users.into_iter().enumerate() {
            let at_user = line_of(text, &format!("\"user\": {}", json_string(&raw.user)), 0)
                .or_else(|| line_of(text, &json_string(&raw.user), 0));
            let who = format!("user {:?}", raw.user);
            validate_id(&raw.user).map_err(|e| (at_user, format!("users[{n}]: {e}")))?;
            if let Some(first) = seen.insert(raw.user.clone(), n) {
                return Err((
                    at_user,
                    format!(
                        "{who} is in the document twice (users[{first}] and users[{n}]); give each user once"
                    ),
                ));
            }
            users.push(raw.check(&who, text, at_user)?);
        }
        Ok(Document {
            sdkappid: self.sdkappid,
            exported_at: self.exported_at,
            users,
        })
    }
}

impl RawUser {
    fn check(self, who: &str, text: &str, at_user: Option<usize>) -> Result<DocUser, Problem> {
        let from = at_user.map_or(0, |l| l - 1);
        let at_groups = line_of(text, "\"groups\"", from).or(at_user);
        let mut groups = BTreeSet::new();
        for g in &self.groups {
            check_name(g).map_err(|e| (at_groups, format!("{who}, \"groups\": {e}")))?;
            if !groups.insert(g.clone()) {
                return Err((
                    at_groups,
                    format!("{who}, \"groups\": group {g:?} is listed twice"),
                ));
            }
        }
        if groups.len() > MAX_GROUPS {
            return Err((
                at_groups,
                format!(
                    "{who}, \"groups\": {} groups; a user may have at most {MAX_GROUPS}",
                    groups.len()
                ),
            ));
        }
        let mut conversations: Vec<DocConversation> = Vec::new();
        let mut seen = BTreeSet::new();
        for raw in self.conversations {
            let at = line_of(text, &json_string(&raw.conversation), from).or(at_user);
            let name = format!("{who}, conversation {:?}", raw.conversation);
            let peer =
                parse_conversation(&raw.conversation).map_err(|e| (at, format!("{name}: {e}")))?;
            if !seen.insert(peer.clone()) {
                return Err((at, format!("{name} is listed twice")));
            }
            let mut mark = MarkSet::EMPTY;
            for b in &raw.bits {
                let bit = BitIndex::new(*b).map_err(|e| (at, format!("{name}: {e}")))?;
                mark.insert(bit);
            }
            let custom = CustomMark::new(raw.custom_mark)
                .map_err(|e| (at, format!("{name}, \"custom_mark\": {e}")))?;
            let mut in_groups = BTreeSet::new();
            for g in raw.groups {
                if !groups.contains(&g) {
                    return Err((
                        at,
                        format!(
                            "{name} is in group {g:?}, which the user's \"groups\" does not list; add it there or take it off here"
                        ),
                    ));
                }
                in_groups.insert(g);
            }
            conversations.push(DocConversation {
                peer,
                mark,
                custom,
                groups: in_groups.into_iter().collect(),
            });
        }
        conversations.sort_by_key(|c| c.peer.conversation_id());
        Ok(DocUser {
            user: self.user,
            groups: groups.into_iter().collect(),
            conversations,
        })
    }
}

/// A conversation ID as the document writes it: `c2c_USERID` or `group_GROUPID`, exactly.
fn parse_conversation(text: &str) -> Result<Peer, String> {
    let peer = if let Some(id) = text.strip_prefix("c2c_") {
        Peer::User(id.to_owned())
    } else if let Some(id) = text.strip_prefix("group_") {
        Peer::Group(id.to_owned())
    } else {
        return Err("not a conversation ID: write c2c_USERID or group_GROUPID".into());
    };
    validate_id(peer.id()).map_err(|e| e.to_string())?;
    Ok(peer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::wire::{ContactItem, ContactRecord, GroupItem, WireMark};
    use crate::service::user::Merger;

    fn snapshot() -> UserSnapshot {
        let record =
            |peer: Peer, mark: u64, custom: Option<&str>, groups: Option<Vec<u64>>| ContactRecord {
                contact: ContactItem(peer),
                standard_mark: WireMark::from(MarkSet(mark)),
                custom_mark: custom.map(str::to_owned),
                contact_group_id: groups,
                timestamp: 1,
            };
        let mut m = Merger::default();
        m.add_records(
            &[
                record(
                    Peer::User("zoe".into()),
                    1 | 1 << 32,
                    Some("vip \"x\""),
                    None,
                ),
                record(Peer::Group("@TGS#1".into()), 0, None, Some(vec![2, 1])),
                record(Peer::User("bob".into()), 0b10, None, Some(vec![1])),
                record(Peer::User("empty".into()), 0, None, None),
            ],
            &[
                GroupItem {
                    group_name: "家人".into(),
                    group_id: 1,
                },
                GroupItem {
                    group_name: "Work".into(),
                    group_id: 2,
                },
            ],
        );
        m.finish("alice")
    }

    #[test]
    fn written_in_a_stable_order_one_conversation_per_line() {
        let doc = Document::new(
            1400000000,
            1_795_654_809,
            vec![DocUser::from_snapshot(&snapshot())],
        );
        let text = doc.to_text();
        assert_eq!(
            text,
            r#"{
  "format": "convmark-marks",
  "version": 1,
  "sdkappid": 1400000000,
  "exported_at": "2026-11-26T01:00:09Z",
  "users": [
    {
      "user": "alice",
      "groups": ["Work", "家人"],
      "conversations": [
        {"conversation":"c2c_bob","bits":[1],"custom_mark":"","groups":["家人"]},
        {"conversation":"c2c_zoe","bits":[0,32],"custom_mark":"vip \"x\"","groups":[]},
        {"conversation":"group_@TGS#1","bits":[],"custom_mark":"","groups":["Work","家人"]}
      ]
    }
  ]
}
"#
        );
        let back = Document::parse("f.json", &text).unwrap();
        assert_eq!(back, doc);
        assert_eq!(back.to_text(), text);
    }

    fn doc_with(conversation_line: &str, groups: &str) -> String {
        format!(
            "{{\n  \"format\": \"convmark-marks\",\n  \"version\": 1,\n  \"users\": [\n    {{\n      \"user\": \"alice\",\n      \"groups\": [{groups}],\n      \"conversations\": [\n        {conversation_line}\n      ]\n    }}\n  ]\n}}\n"
        )
    }

    fn parse_err(text: &str) -> String {
        Document::parse("marks.json", text).unwrap_err().to_string()
    }

    #[test]
    fn a_hand_edited_document_is_refused_with_file_line_and_what() {
        let ok = doc_with(
            r#"{"conversation":"c2c_bob","bits":[0],"custom_mark":"","groups":["A"]}"#,
            r#""A""#,
        );
        assert!(Document::parse("marks.json", &ok).is_ok());

        let e = parse_err(&ok.replace("\"version\": 1", "\"version\": 2"));
        assert!(e.starts_with("marks.json:3: version 2 is unknown"), "{e}");
        let e = parse_err(&doc_with(r#"{"conversation":"bob","bits":[]}"#, ""));
        assert!(
            e.starts_with(
                "marks.json:9: user \"alice\", conversation \"bob\": not a conversation ID"
            ),
            "{e}"
        );
        let e = parse_err(&doc_with(r#"{"conversation":"c2c_","bits":[]}"#, ""));
        assert!(e.contains("the ID is empty"), "{e}");
        let e = parse_err(&doc_with(r#"{"conversation":"c2c_bob","bits":[64]}"#, ""));
        assert!(
            e.starts_with("marks.json:9: ") && e.contains("bit index 64 is out of range"),
            "{e}"
        );
        let long = "é".repeat(129);
        let e = parse_err(&doc_with(
            &format!(r#"{{"conversation":"c2c_bob","custom_mark":"{long}"}}"#),
            "",
        ));
        assert!(
            e.contains("\"custom_mark\": the custom mark is 258 bytes"),
            "{e}"
        );
        let e = parse_err(&doc_with(
            r#"{"conversation":"c2c_bob"}"#,
            &format!("\"{}\"", "x".repeat(33)),
        ));
        assert!(
            e.starts_with("marks.json:7: user \"alice\", \"groups\": the group name")
                && e.contains("33 bytes"),
            "{e}"
        );
        let e = parse_err(&doc_with(
            r#"{"conversation":"c2c_bob","groups":["B"]}"#,
            r#""A""#,
        ));
        assert!(
            e.contains("is in group \"B\", which the user's \"groups\" does not list"),
            "{e}"
        );
        let e = parse_err(&doc_with(r#"{"conversation":"c2c_bob","bits":"0"}"#, ""));
        assert!(e.starts_with("marks.json:9: invalid type"), "{e}");
        let e = parse_err(&doc_with(r#"{"conversation":"c2c_bob","colour":1}"#, ""));
        assert!(e.contains("unknown field `colour`"), "{e}");
        let e = parse_err(&doc_with(
            r#"{"conversation":"c2c_bob"},{"conversation":"c2c_bob"}"#,
            "",
        ));
        assert!(e.contains("\"c2c_bob\" is listed twice"), "{e}");

        let twice = ok.replace("  ]\n}", "  ,{\"user\": \"alice\"}]\n}");
        let e = parse_err(&twice);
        assert!(
            e.contains("user \"alice\" is in the document twice (users[0] and users[1])"),
            "{e}"
        );
        let e = parse_err("{\"format\": \"other\"}");
        assert!(e.contains("not a convmark marks document"), "{e}");
        let e = parse_err("[1,2");
        assert!(e.starts_with("marks.json: not JSON"), "{e}");
    }

    #[test]
    fn an_unnamed_group_id_is_left_out_and_told() {
        let mut s = snapshot();
        s.conversations[0].groups.push(9);
        assert_eq!(unnamed_groups(&s), vec![9]);
        let part = DocUser::from_snapshot(&s);
        assert!(
            part.conversations
                .iter()
                .all(|c| !c.groups.iter().any(|g| g.starts_with('#')))
        );
    }
}
