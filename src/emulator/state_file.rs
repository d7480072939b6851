//! `--state FILE`: the state as JSON, written atomically (temp file, fsync, rename) after
//! mutations and at shutdown, and reloaded at start. A file that cannot be read or parsed,
//! or that holds a state the service's rules forbid ([`check`]), is an error at start,
//! never silently replaced.

use std::collections::{BTreeSet, HashSet};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::domain::{
    MAX_CUSTOM_MARK_BYTES, MAX_GROUP_NAME_BYTES, MAX_GROUPS, MAX_MARKED_CONVERSATIONS, Peer,
    validate_id,
};

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

/// Rebuilds the state from the file's JSON. The error completes "the state file FILE ...".
pub fn from_json(bytes: &[u8]) -> Result<State, String> {
    let file: StateFile = serde_json::from_slice(bytes)
        .map_err(|e| format!("is unreadable: it is not a convmark state: {e}"))?;
    if file.version != FORMAT_VERSION {
        return Err(format!(
            "is unreadable: it has format version {}, this convmark reads version {FORMAT_VERSION}",
            file.version
        ));
    }
    check(&file).map_err(|e| format!("breaks the service's rules: {e}"))?;
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

/// The rules a state must keep, as the service would: the first one broken, naming the
/// user and the item. Bit indices need no check: they are implicit in the u64.
fn check(file: &StateFile) -> Result<(), String> {
    for id in &file.accounts {
        validate_id(id).map_err(|e| format!("account {id:?}: invalid ID: {e}"))?;
    }
    for id in &file.disbanded_groups {
        validate_id(id).map_err(|e| format!("disbanded group {id:?}: invalid ID: {e}"))?;
    }
    let mut users = HashSet::new();
    for u in &file.users {
        if !users.insert(u.id.as_str()) {
            return Err(format!("user {:?} is listed twice", u.id));
        }
        if !file.accounts.contains(&u.id) {
            return Err(format!("user {:?} is not in accounts", u.id));
        }
        check_user(u).map_err(|e| format!("user {:?}: {e}", u.id))?;
    }
    Ok(())
}

fn check_peer(what: &str, peer: &Peer) -> Result<(), String> {
    validate_id(peer.id()).map_err(|e| format!("{what} {peer}: invalid ID: {e}"))
}

fn check_user(u: &UserFile) -> Result<(), String> {
    if u.groups.len() > MAX_GROUPS {
        return Err(format!(
            "{} groups; at most {MAX_GROUPS} are allowed",
            u.groups.len()
        ));
    }
    let mut ids = HashSet::new();
    let mut names = HashSet::new();
    for g in &u.groups {
        if g.name.is_empty() || g.name.len() > MAX_GROUP_NAME_BYTES {
            return Err(format!(
                "group {} is named {:?} ({} bytes); a name has 1..={MAX_GROUP_NAME_BYTES} bytes",
                g.id,
                g.name,
                g.name.len()
            ));
        }
        if g.id == 0 || g.id >= u.next_group_id {
            return Err(format!(
                "group {:?} has ID {}; IDs count from 1 and stay below next_group_id {}",
                g.name, g.id, u.next_group_id
            ));
        }
        if !ids.insert(g.id) {
            return Err(format!("group ID {} is used twice", g.id));
        }
        if !names.insert(g.name.as_str()) {
            return Err(format!("group name {:?} is used twice", g.name));
        }
    }
    if u.records.len() > MAX_MARKED_CONVERSATIONS {
        return Err(format!(
            "{} records (marked or grouped conversations); at most {MAX_MARKED_CONVERSATIONS} are allowed",
            u.records.len()
        ));
    }
    let mut peers = HashSet::new();
    let mut seqs = HashSet::new();
    for r in &u.records {
        check_peer("record", &r.peer)?;
        if !peers.insert(&r.peer) {
            return Err(format!("record {} is listed twice", r.peer));
        }
        if r.seq == 0 || r.seq >= u.next_seq {
            return Err(format!(
                "record {} has sequence {}; sequences count from 1 and stay below next_seq {}",
                r.peer, r.seq, u.next_seq
            ));
        }
        if !seqs.insert(r.seq) {
            return Err(format!(
                "record {} has sequence {}, which another record has",
                r.peer, r.seq
            ));
        }
        if r.custom.len() > MAX_CUSTOM_MARK_BYTES {
            return Err(format!(
                "record {} has a custom mark of {} bytes; at most {MAX_CUSTOM_MARK_BYTES} are allowed",
                r.peer,
                r.custom.len()
            ));
        }
        if let Some(missing) = r.groups.iter().find(|id| !ids.contains(*id)) {
            return Err(format!(
                "record {} is in group {missing}, which does not exist",
                r.peer
            ));
        }
    }
    let mut listed = HashSet::new();
    for c in &u.conversations {
        check_peer("conversation", &c.peer)?;
        if !listed.insert(&c.peer) {
            return Err(format!("conversation {} is listed twice", c.peer));
        }
    }
    Ok(())
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
            "the state file {} {e}; fix it or move it away (it is never replaced silently)",
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

    /// A small valid file as JSON: alice (an account) with groups 1 and 2, two records and
    /// one conversation.
    fn valid() -> serde_json::Value {
        let mut state = State::new(&["administrator".to_owned()]);
        state.accounts.insert("alice".into());
        state.accounts.insert("bob".into());
        let alice = state.user_mut("alice");
        let g1 = alice.add_group("one");
        alice.add_group("two");
        alice
            .update_record(&Peer::User("bob".into()), 1, |r| {
                r.mark = 1;
                r.groups.insert(g1);
            })
            .unwrap();
        alice
            .update_record(&Peer::Group("@TGS#1".into()), 1, |r| r.custom = "x".into())
            .unwrap();
        state.touch("alice", Peer::User("bob".into()), 5);
        serde_json::from_slice(&to_json(&state).unwrap()).unwrap()
    }

    fn refused(edit: impl FnOnce(&mut serde_json::Value)) -> String {
        let mut v = valid();
        edit(&mut v);
        let bytes = serde_json::to_vec(&v).unwrap();
        match from_json(&bytes) {
            Ok(_) => panic!("accepted: {v}"),
            Err(e) => {
                assert!(e.starts_with("breaks the service's rules: "), "{e}");
                e
            }
        }
    }

    fn alice(v: &mut serde_json::Value) -> &mut serde_json::Value {
        v["users"]
            .as_array_mut()
            .unwrap()
            .iter_mut()
            .find(|u| u["id"] == "alice")
            .unwrap()
    }

    #[test]
    fn a_file_that_breaks_the_rules_is_refused_naming_the_user_and_the_item() {
        assert!(from_json(&serde_json::to_vec(&valid()).unwrap()).is_ok());
        let record = |peer: String, seq: u64| serde_json::json!({"peer": {"Group": peer}, "seq": seq, "mark": 1, "timestamp": 1});
        type Edit = Box<dyn FnOnce(&mut serde_json::Value)>;
        let cases: Vec<(Edit, &str)> = vec![
            (
                Box::new(move |v| {
                    let a = alice(v);
                    a["next_seq"] = 2000.into();
                    let records = a["records"].as_array_mut().unwrap();
                    for i in 0..999 {
                        records.push(record(format!("@TGS#many{i}"), 10 + i));
                    }
                }),
                "user \"alice\": 1001 records",
            ),
            (
                Box::new(|v| {
                    let r = alice(v)["records"][0].clone();
                    let mut twin = r.clone();
                    twin["seq"] = 2.into();
                    alice(v)["next_seq"] = 9.into();
                    alice(v)["records"].as_array_mut().unwrap().push(twin);
                }),
                "user \"alice\": record c2c_bob is listed twice",
            ),
            (
                Box::new(|v| {
                    v["accounts"] = serde_json::json!(["administrator", "bob"]);
                }),
                "user \"alice\" is not in accounts",
            ),
            (
                Box::new(|v| {
                    let a = alice(v);
                    a["next_group_id"] = 100.into();
                    let groups = a["groups"].as_array_mut().unwrap();
                    for i in 10..29 {
                        groups.push(serde_json::json!({"id": i, "name": format!("g{i}")}));
                    }
                }),
                "user \"alice\": 21 groups",
            ),
            (
                Box::new(|v| alice(v)["groups"][1]["name"] = "one".into()),
                "user \"alice\": group name \"one\" is used twice",
            ),
            (
                Box::new(|v| alice(v)["groups"][1]["id"] = 1.into()),
                "user \"alice\": group ID 1 is used twice",
            ),
            (
                Box::new(|v| alice(v)["groups"][1]["name"] = "n".repeat(33).into()),
                "user \"alice\": group 2 is named",
            ),
            (
                Box::new(|v| alice(v)["groups"][1]["name"] = "".into()),
                "user \"alice\": group 2 is named \"\" (0 bytes)",
            ),
            (
                Box::new(|v| alice(v)["records"][0]["groups"] = serde_json::json!([1, 7])),
                "user \"alice\": record c2c_bob is in group 7, which does not exist",
            ),
            (
                Box::new(|v| alice(v)["records"][1]["custom"] = "星".repeat(86).into()),
                "user \"alice\": record group_@TGS#1 has a custom mark of 258 bytes",
            ),
            (
                Box::new(|v| alice(v)["records"][1]["peer"] = serde_json::json!({"User": ""})),
                "user \"alice\": record c2c_: invalid ID",
            ),
            (
                Box::new(|v| {
                    alice(v)["conversations"][0]["peer"] = serde_json::json!({"User": " bob"})
                }),
                "user \"alice\": conversation c2c_ bob: invalid ID",
            ),
            (
                Box::new(|v| {
                    let c = alice(v)["conversations"][0].clone();
                    alice(v)["conversations"].as_array_mut().unwrap().push(c);
                }),
                "user \"alice\": conversation c2c_bob is listed twice",
            ),
            (
                Box::new(|v| alice(v)["records"][1]["seq"] = 3.into()),
                "user \"alice\": record group_@TGS#1 has sequence 3; sequences count from 1 and stay below next_seq 3",
            ),
            (
                Box::new(|v| alice(v)["records"][1]["seq"] = 1.into()),
                "user \"alice\": record group_@TGS#1 has sequence 1, which another record has",
            ),
            (
                Box::new(|v| alice(v)["records"][1]["seq"] = 0.into()),
                "has sequence 0",
            ),
            (
                Box::new(|v| alice(v)["next_group_id"] = 2.into()),
                "user \"alice\": group \"two\" has ID 2; IDs count from 1 and stay below next_group_id 2",
            ),
            (
                Box::new(|v| {
                    let u = alice(v).clone();
                    v["users"].as_array_mut().unwrap().push(u);
                }),
                "user \"alice\" is listed twice",
            ),
            (
                Box::new(|v| v["accounts"].as_array_mut().unwrap().push("a\tb".into())),
                "account \"a\\tb\": invalid ID",
            ),
        ];
        for (edit, want) in cases {
            let err = refused(edit);
            assert!(err.contains(want), "{err}\n  does not say: {want}");
        }
    }

    #[test]
    fn a_refused_file_is_left_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        let mut v = valid();
        alice(&mut v)["groups"][1]["name"] = "one".into();
        let bytes = serde_json::to_vec(&v).unwrap();
        std::fs::write(&path, &bytes).unwrap();
        let err = load(&path).err().unwrap();
        assert!(
            err.contains("state.json breaks the service's rules: user \"alice\""),
            "{err}"
        );
        assert!(err.contains("never replaced silently"), "{err}");
        assert_eq!(std::fs::read(&path).unwrap(), bytes);
    }
}
