//! The audit log: one JSON line per committed change, in the data dir (`audit.jsonl`): time,
//! app, operator identifier, user, conversation, bits set/cleared, custom mark, ResultCode.
//! It never holds the secret key or a UserSig.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::domain::{BitIndex, MarkChange};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditRecord {
    /// Unix seconds.
    pub time: u64,
    pub sdkappid: u64,
    pub operator: String,
    pub user: String,
    pub conversation: String,
    pub set: Vec<u8>,
    pub clear: Vec<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_mark: Option<String>,
    pub result_code: i64,
    pub result_info: String,
}

impl AuditRecord {
    pub fn new(
        sdkappid: u64,
        operator: &str,
        user: &str,
        change: &MarkChange,
        result_code: i64,
        result_info: &str,
    ) -> Self {
        AuditRecord {
            time: crate::api::usersig::unix_now(),
            sdkappid,
            operator: operator.to_owned(),
            user: user.to_owned(),
            conversation: change.peer.conversation_id(),
            set: change.edit.set.indices().map(BitIndex::get).collect(),
            clear: change.edit.clear.indices().map(BitIndex::get).collect(),
            custom_mark: change.edit.custom.as_ref().map(|c| c.as_str().to_owned()),
            result_code,
            result_info: result_info.to_owned(),
        }
    }
}

/// One record per conversation the server answered for (a ResultCode, success or not), as
/// the CLI and the TUI both write them. A call that failed as a whole changed nothing and
/// is not a commit, so its conversations are not in `answered`.
pub fn answered<'a>(
    sdkappid: u64,
    operator: &str,
    user: &str,
    answered: impl IntoIterator<Item = (&'a MarkChange, i64, &'a str)>,
) -> Vec<AuditRecord> {
    answered
        .into_iter()
        .map(|(change, code, info)| AuditRecord::new(sdkappid, operator, user, change, code, info))
        .collect()
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{MarkSet, Peer, StagedEdit};

    #[test]
    fn appends_one_line_per_change() {
        let dir = tempfile::tempdir().unwrap();
        let change = MarkChange {
            peer: Peer::User("bob".into()),
            edit: StagedEdit {
                set: MarkSet(1 << 32),
                clear: MarkSet(1),
                custom: None,
            },
        };
        let rec = AuditRecord::new(1400000000, "administrator", "alice", &change, 0, "");
        append(dir.path(), std::slice::from_ref(&rec)).unwrap();
        append(dir.path(), &[rec]).unwrap();
        let text = std::fs::read_to_string(path(dir.path())).unwrap();
        assert_eq!(text.lines().count(), 2);
        let v: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
        assert_eq!(v["conversation"], "c2c_bob");
        assert_eq!(v["set"], serde_json::json!([32]));
        assert_eq!(v["clear"], serde_json::json!([0]));
        assert_eq!(v["result_code"], 0);
    }
}
