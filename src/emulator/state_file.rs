//! `--state FILE`: the state as JSON, written atomically (temp file, fsync, rename) after
//! mutations and at shutdown, and reloaded at start. A file that cannot be read or parsed
//! is an error at start, never silently replaced.

use std::collections::BTreeSet;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::domain::Peer;

use super::store::{ContactGroup, Conversation, Record, State};

const FORMAT_VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
struct StateFile {
    version: u32,
    accounts: BTreeSet<String>,
    disbanded_groups: BTreeSet<String>,
    users: Vec<UserFile>,
}

#[derive(Serialize, Deserialize)]
struct UserFile {
    id: String,
    next_seq: u64,
    next_group_id: u64,
    groups: Vec<GroupFile>,
    records: Vec<RecordFile>,
    conversations: Vec<ConversationFile>,
}

#[derive(Serialize, Deserialize)]
struct GroupFile {
    id: u64,
    name: String,
}

#[derive(Serialize, Deserialize)]
struct RecordFile {
    peer: Peer,
    seq: u64,
    mark: u64,
    #[serde(default)]
    custom: String,
    #[serde(default)]
    groups: BTreeSet<u64>,
    timestamp: u64,
}

#[derive(Serialize, Deserialize)]
struct ConversationFile {
    peer: Peer,
    msg_time: u64,
    #[serde(default)]
    pinned: bool,
}

/// The state as the JSON the file holds.
pub fn to_json(state: &State) -> Result<Vec<u8>, String> {
    let mut users: Vec<UserFile> = state
        .users
        .iter()
        .map(|(id, u)| {
            let mut records: Vec<RecordFile> = u
                .records()
                .map(|(peer, r)| RecordFile {
                    peer: peer.clone(),
                    seq: r.seq,
                    mark: r.mark,
                    custom: r.custom.clone(),
                    groups: r.groups.clone(),
                    timestamp: r.timestamp,
                })
                .collect();
            records.sort_by_key(|r| r.seq);
            let mut conversations: Vec<ConversationFile> = u
                .conversations
                .iter()
                .map(|(peer, c)| ConversationFile {
                    peer: peer.clone(),
                    msg_time: c.msg_time,
                    pinned: c.pinned,
                })
                .collect();
            conversations.sort_by(|a, b| a.peer.cmp(&b.peer));
            UserFile {
                id: id.clone(),
                next_seq: u.next_seq,
                next_group_id: u.next_group_id,
                groups: u
                    .groups
                    .iter()
                    .map(|g| GroupFile {
                        id: g.id,
                        name: g.name.clone(),
                    })
                    .collect(),
                records,
                conversations,
            }
        })
        .collect();
    users.sort_by(|a, b| a.id.cmp(&b.id));
    let file = StateFile {
        version: FORMAT_VERSION,
        accounts: state.accounts.iter().cloned().collect(),
        disbanded_groups: state.disbanded.iter().cloned().collect(),
        users,
    };
    serde_json::to_vec(&file).map_err(|e| format!("cannot serialize the state: {e}"))
}

/// Rebuilds the state from the file's JSON.
pub fn from_json(bytes: &[u8]) -> Result<State, String> {
    let file: StateFile =
        serde_json::from_slice(bytes).map_err(|e| format!("it is not a convmark state: {e}"))?;
    if file.version != FORMAT_VERSION {
        return Err(format!(
            "it has format version {}, this convmark reads version {FORMAT_VERSION}",
            file.version
        ));
    }
    let mut state = State::new(&[]);
    state.accounts = file.accounts.into_iter().collect();
    state.disbanded = file.disbanded_groups.into_iter().collect();
    for u in file.users {
        let user = state.user_mut(&u.id);
        user.next_seq = u.next_seq;
        user.next_group_id = u.next_group_id;
        user.groups = u
            .groups
            .into_iter()
            .map(|g| ContactGroup {
                id: g.id,
                name: g.name,
            })
            .collect();
        for r in u.records {
            let record = Record {
                seq: r.seq,
                mark: r.mark,
                custom: r.custom,
                groups: r.groups,
                timestamp: r.timestamp,
            };
            if !record.is_empty() {
                user.restore_record(r.peer, record);
            }
        }
        for c in u.conversations {
            user.conversations.insert(
                c.peer,
                Conversation {
                    msg_time: c.msg_time,
                    pinned: c.pinned,
                },
            );
        }
    }
    Ok(state)
}

/// Loads the state file: `None` when it does not exist yet.
pub fn load(path: &Path) -> Result<Option<State>, String> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(format!(
                "cannot read the state file {}: {e}",
                path.display()
            ));
        }
    };
    from_json(&bytes).map(Some).map_err(|e| {
        format!(
            "the state file {} is unreadable: {e}; fix it or move it away (it is never replaced silently)",
            path.display()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emulator::seed;

    #[test]
    fn seeded_state_round_trips() {
        let mut state = State::new(&["administrator".to_owned()]);
        seed::demo(&mut state, 300);
        let bytes = to_json(&state).unwrap();
        let back = from_json(&bytes).unwrap();
        assert_eq!(to_json(&back).unwrap(), bytes);
    }

    #[test]
    fn corrupt_or_missing_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        assert!(load(&path).unwrap().is_none());
        std::fs::write(&path, b"{not json").unwrap();
        let err = load(&path).err().unwrap();
        assert!(err.contains("unreadable"), "{err}");
        crate::atomic_file::write(&path, &to_json(&State::default()).unwrap()).unwrap();
        assert!(load(&path).unwrap().is_some());
        assert!(!crate::atomic_file::temp_path(&path).exists());
    }
}
