//! The journal of staged edits: every staged change is written to the data dir, so a quit,
//! a crash or an SSH disconnect loses nothing; the next start offers the edits back.
//!
//! One JSON file per app and user, replaced atomically (temp file, fsync, rename).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::domain::{BitIndex, CustomMark, MarkChange, MarkSet, Peer, StagedEdit};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct JournalFile {
    sdkappid: u64,
    user: String,
    edits: Vec<JournalEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct JournalEntry {
    conversation: String,
    #[serde(default)]
    set: Vec<u8>,
    #[serde(default)]
    clear: Vec<u8>,
    #[serde(default)]
    custom: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("cannot write the journal {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot read the journal {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "the journal {path} is damaged ({message}); it was left in place, move it away to start fresh"
    )]
    Damaged { path: PathBuf, message: String },
}

/// Where the journal of one app and user lives.
pub fn path(data_dir: &Path, sdkappid: u64, user: &str) -> PathBuf {
    // user IDs may hold characters that are not safe in file names
    let safe: String = user
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '%'
            }
        })
        .collect();
    let digest = short_hash(user);
    data_dir
        .join("journal")
        .join(format!("{sdkappid}-{safe}-{digest:08x}.json"))
}

fn short_hash(text: &str) -> u32 {
    // FNV-1a: stable across runs and platforms, enough to tell apart IDs that map to the same safe name
    text.bytes().fold(0x811c_9dc5u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

/// Writes the staged edits of one user, or removes the file when nothing is staged.
pub fn save(
    data_dir: &Path,
    sdkappid: u64,
    user: &str,
    changes: &[MarkChange],
) -> Result<(), JournalError> {
    let path = path(data_dir, sdkappid, user);
    let werr = |source| JournalError::Write {
        path: path.clone(),
        source,
    };
    let edits: Vec<JournalEntry> = changes
        .iter()
        .filter(|c| !c.edit.is_empty())
        .map(|c| JournalEntry {
            conversation: c.peer.conversation_id(),
            set: c.edit.set.indices().map(BitIndex::get).collect(),
            clear: c.edit.clear.indices().map(BitIndex::get).collect(),
            custom: c.edit.custom.as_ref().map(|m| m.as_str().to_owned()),
        })
        .collect();
    if edits.is_empty() {
        return match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(werr(e)),
            _ => Ok(()),
        };
    }
    let body = serde_json::to_vec_pretty(&JournalFile {
        sdkappid,
        user: user.to_owned(),
        edits,
    })
    .map_err(|e| werr(std::io::Error::other(e)))?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(werr)?;
    }
    crate::atomic_file::write(&path, &body).map_err(werr)
}

/// When the journal of one user was last written (Unix seconds), if it exists.
pub fn saved_at(data_dir: &Path, sdkappid: u64, user: &str) -> Option<u64> {
    let modified = std::fs::metadata(path(data_dir, sdkappid, user))
        .ok()?
        .modified()
        .ok()?;
    Some(
        modified
            .duration_since(std::time::UNIX_EPOCH)
            .ok()?
            .as_secs(),
    )
}

/// Reads the staged edits journalled for one user (empty when there are none).
pub fn load(data_dir: &Path, sdkappid: u64, user: &str) -> Result<Vec<MarkChange>, JournalError> {
    let path = path(data_dir, sdkappid, user);
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => return Err(JournalError::Read { path, source }),
    };
    let damaged = |message: String| JournalError::Damaged {
        path: path.clone(),
        message,
    };
    let file: JournalFile = serde_json::from_slice(&bytes).map_err(|e| damaged(e.to_string()))?;
    file.edits
        .into_iter()
        .map(|entry| {
            let peer = Peer::parse(&entry.conversation).map_err(|e| damaged(e.to_string()))?;
            let bits = |v: Vec<u8>| {
                MarkSet::from_indices(v.into_iter().map(i64::from))
                    .map_err(|e| damaged(e.to_string()))
            };
            let custom = entry
                .custom
                .map(CustomMark::new)
                .transpose()
                .map_err(|e| damaged(e.to_string()))?;
            Ok(MarkChange {
                peer,
                edit: StagedEdit {
                    set: bits(entry.set)?,
                    clear: bits(entry.clear)?,
                    custom,
                },
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(peer: Peer, set: u64, clear: u64, custom: Option<&str>) -> MarkChange {
        MarkChange {
            peer,
            edit: StagedEdit {
                set: MarkSet(set),
                clear: MarkSet(clear),
                custom: custom.map(|c| CustomMark::new(c).unwrap()),
            },
        }
    }

    #[test]
    fn staged_edits_survive_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let changes = vec![
            change(Peer::User("bob".into()), 1, 2, None),
            change(Peer::Group("@TGS#1".into()), 1 << 40, 0, Some("客户 ⭐")),
        ];
        save(dir.path(), 1400000000, "alice", &changes).unwrap();
        assert_eq!(load(dir.path(), 1400000000, "alice").unwrap(), changes);
        assert!(load(dir.path(), 1400000000, "carol").unwrap().is_empty());
        assert!(load(dir.path(), 1, "alice").unwrap().is_empty());
    }

    #[test]
    fn nothing_staged_removes_the_file() {
        let dir = tempfile::tempdir().unwrap();
        save(
            dir.path(),
            1,
            "a/b",
            &[change(Peer::User("x".into()), 1, 0, None)],
        )
        .unwrap();
        assert!(path(dir.path(), 1, "a/b").exists());
        save(dir.path(), 1, "a/b", &[]).unwrap();
        assert!(!path(dir.path(), 1, "a/b").exists());
    }

    #[test]
    fn a_damaged_journal_is_reported_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let p = path(dir.path(), 1, "alice");
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, "{not json").unwrap();
        let err = load(dir.path(), 1, "alice").unwrap_err().to_string();
        assert!(err.contains("damaged"), "{err}");
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "{not json");
    }
}
