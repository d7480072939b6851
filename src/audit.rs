//! The audit log: one JSON line per committed change, in the data dir (`audit.jsonl`). A
//! commit's lines share its `id`. Mark lines hold the bits set and cleared, the custom mark
//! sent, and the standard and custom mark before and after, which is what `undo` and the
//! TUI's history need; group lines hold the group operation. Every line has the
//! ResultCode. It never holds the secret key or a UserSig.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::domain::{BitIndex, MarkSet};
use crate::service::plan::MarkState;

/// A standard and custom mark as the audit log writes them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditMark {
    /// The 64-bit value in hex.
    pub hex: String,
    /// The wire indices that are set.
    pub bits: Vec<u8>,
    pub custom_mark: String,
}

impl AuditMark {
    pub fn value(&self) -> MarkSet {
        MarkSet::from_indices(self.bits.iter().map(|b| i64::from(*b))).unwrap_or_default()
    }
}

impl From<&MarkState> for AuditMark {
    fn from(s: &MarkState) -> Self {
        AuditMark {
            hex: s.value.hex(),
            bits: s.value.indices().map(BitIndex::get).collect(),
            custom_mark: s.custom.clone(),
        }
    }
}

/// What a group line did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GroupAction {
    Create,
    Rename,
    Delete,
    Add,
    Remove,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    /// The commit this line belongs to (`convmark undo ID`); empty in lines written before
    /// convmark recorded it.
    #[serde(default)]
    pub id: String,
    /// Unix seconds.
    pub time: u64,
    pub sdkappid: u64,
    pub operator: String,
    pub user: String,
    /// `mark` or `group`.
    #[serde(default = "mark_kind")]
    pub kind: String,
    /// The conversation (mark lines; group add and remove).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation: Option<String>,
    /// Mark lines: the bits set and cleared (empty lists for group lines).
    #[serde(default)]
    pub set: Vec<u8>,
    #[serde(default)]
    pub clear: Vec<u8>,
    /// The custom mark sent, when one was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_mark: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<AuditMark>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<AuditMark>,
    /// Group lines: the operation, the group's name (the old one for a rename), the new
    /// name, and for delete the conversations that were in it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub op: Option<GroupAction>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_name: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<String>,
    pub result_code: i64,
    #[serde(default)]
    pub result_info: String,
}

fn mark_kind() -> String {
    "mark".into()
}

/// Who made a commit and where its lines go.
#[derive(Debug, Clone)]
pub struct AuditContext {
    pub id: String,
    pub time: u64,
    pub sdkappid: u64,
    pub operator: String,
}

impl AuditContext {
    /// A new commit id: its UTC time and four random hex digits, `20261201-211745-3fa2`.
    pub fn new(sdkappid: u64, operator: &str) -> Self {
        let time = crate::api::usersig::unix_now();
        AuditContext {
            id: format!(
                "{}-{:04x}",
                crate::time::compact(time),
                rand::random::<u16>()
            ),
            time,
            sdkappid,
            operator: operator.to_owned(),
        }
    }

    /// An empty line of this commit for `user`.
    pub fn record(&self, user: &str, kind: &str) -> AuditRecord {
        AuditRecord {
            id: self.id.clone(),
            time: self.time,
            sdkappid: self.sdkappid,
            operator: self.operator.clone(),
            user: user.to_owned(),
            kind: kind.to_owned(),
            conversation: None,
            set: Vec::new(),
            clear: Vec::new(),
            custom_mark: None,
            before: None,
            after: None,
            op: None,
            group: None,
            new_name: None,
            members: Vec::new(),
            result_code: 0,
            result_info: String::new(),
        }
    }
}

/// Appends the records; a failure is worded for the user, with the path.
pub fn write(data_dir: &Path, records: &[AuditRecord]) -> Result<(), String> {
    append(data_dir, records).map_err(|e| {
        format!(
            "cannot write the audit log {}: {e}",
            path(data_dir).display()
        )
    })
}

pub fn path(data_dir: &Path) -> PathBuf {
    data_dir.join("audit.jsonl")
}

/// Appends records, one JSON object per line.
pub fn append(data_dir: &Path, records: &[AuditRecord]) -> std::io::Result<()> {
    if records.is_empty() {
        return Ok(());
    }
    std::fs::create_dir_all(data_dir)?;
    let mut text = String::new();
    for r in records {
        text.push_str(&serde_json::to_string(r).map_err(std::io::Error::other)?);
        text.push('\n');
    }
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path(data_dir))?;
    f.write_all(text.as_bytes())?;
    f.sync_data()
}

/// Every line of the log that parses (a damaged line is skipped and counted).
pub fn read(data_dir: &Path) -> Result<(Vec<AuditRecord>, usize), String> {
    let path = path(data_dir);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((Vec::new(), 0)),
        Err(e) => return Err(format!("cannot read the audit log {}: {e}", path.display())),
    };
    let mut records = Vec::new();
    let mut damaged = 0;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        match serde_json::from_str(line) {
            Ok(r) => records.push(r),
            Err(_) => damaged += 1,
        }
    }
    Ok((records, damaged))
}

/// The commits of one user of one app, newest first: (id, its lines).
pub fn commits(
    records: &[AuditRecord],
    sdkappid: u64,
    user: &str,
) -> Vec<(String, Vec<AuditRecord>)> {
    let mut out: Vec<(String, Vec<AuditRecord>)> = Vec::new();
    for r in records
        .iter()
        .filter(|r| r.sdkappid == sdkappid && r.user == user && !r.id.is_empty())
    {
        match out.iter_mut().find(|(id, _)| *id == r.id) {
            Some((_, lines)) => lines.push(r.clone()),
            None => out.push((r.id.clone(), vec![r.clone()])),
        }
    }
    out.reverse();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_append_and_read_back_by_commit() {
        let dir = tempfile::tempdir().unwrap();
        let ctx = AuditContext::new(1400000000, "administrator");
        let mut rec = ctx.record("alice", "mark");
        rec.conversation = Some("c2c_bob".into());
        rec.set = vec![32];
        rec.before = Some(AuditMark::from(&MarkState::default()));
        append(dir.path(), std::slice::from_ref(&rec)).unwrap();
        let mut other = AuditContext::new(1400000000, "administrator").record("alice", "group");
        other.id = "later".into();
        other.op = Some(GroupAction::Create);
        append(dir.path(), &[other]).unwrap();
        std::fs::OpenOptions::new()
            .append(true)
            .open(path(dir.path()))
            .unwrap()
            .write_all(b"{broken\n")
            .unwrap();
        let (records, damaged) = read(dir.path()).unwrap();
        assert_eq!((records.len(), damaged), (2, 1));
        assert_eq!(records[0], rec);
        let commits = commits(&records, 1400000000, "alice");
        assert_eq!(commits[0].0, "later", "newest first");
        assert_eq!(commits[1].1, vec![rec]);
        let v: serde_json::Value = serde_json::from_str(
            std::fs::read_to_string(path(dir.path()))
                .unwrap()
                .lines()
                .next()
                .unwrap(),
        )
        .unwrap();
        assert_eq!(v["conversation"], "c2c_bob");
        assert_eq!(v["set"], serde_json::json!([32]));
        assert_eq!(v["before"]["hex"], "0x0000000000000000");
    }

    #[test]
    fn old_lines_without_id_still_parse() {
        let line = r#"{"time":1,"sdkappid":1,"operator":"a","user":"u","conversation":"c2c_b","set":[0],"clear":[],"result_code":0,"result_info":""}"#;
        let r: AuditRecord = serde_json::from_str(line).unwrap();
        assert_eq!((r.id.as_str(), r.kind.as_str()), ("", "mark"));
        assert!(r.before.is_none());
    }
}
