//! `convmark groups`: list, create, rename, delete a user's conversation groups and add or
//! remove conversations. Names and conversations are checked before anything is sent.

use std::collections::BTreeMap;
use std::process::ExitCode;

use serde::Serialize;

use super::connect;
use super::output::{ErrorJson, Table, emit, failure_lines, kind, print_json, quoted};
use crate::api::{ApiError, Client, groups};
use crate::cli::{GroupsAction, GroupsArgs};
use crate::domain::{MAX_GROUPS, Peer};
use crate::service;
use crate::service::groups::{GroupOp, GroupOutcome};
use crate::service::load::contact_groups;

/// Checks a group name: 1..=32 bytes of UTF-8, no control characters.
pub fn validate_name(what: &str, name: &str) -> Result<(), String> {
    groups::check_name(name).map_err(|e| format!("{what}: {e}"))
}

fn parse_peers(texts: &[String]) -> Result<Vec<Peer>, String> {
    let mut peers: Vec<Peer> = Vec::new();
    for text in texts {
        let peer = Peer::parse(text).map_err(|e| format!("conversation {text:?}: {e}"))?;
        if !peers.contains(&peer) {
            peers.push(peer);
        }
    }
    Ok(peers)
}

/// `groups --json` for every action but `list`.
#[derive(Debug, Serialize)]
pub struct GroupsJson {
    pub user: String,
    /// `create`, `rename`, `add`, `remove` or `delete`.
    pub action: &'static str,
    /// The group acted on (after a rename: its new name); null when the call failed.
    pub group: Option<GroupJson>,
    /// `rename` only: the old name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_name: Option<String>,
    /// True when the call and every item succeeded.
    pub ok: bool,
    /// One per conversation given.
    pub results: Vec<ItemJson>,
    /// A call that failed as a whole.
    pub error: Option<ErrorJson>,
    /// When the answer was lost: what re-reading the groups showed (the outcome above is
    /// that truth).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recovered: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct GroupJson {
    pub name: String,
    pub id: u64,
}

#[derive(Debug, Serialize)]
pub struct ItemJson {
    /// The user whose conversation this is, on every item as in `mark --json`.
    pub user: String,
    pub conversation: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub ok: bool,
    pub result_code: Option<i64>,
    pub result_info: String,
    pub meaning: String,
}

/// `groups list --json`.
#[derive(Debug, Serialize)]
pub struct ListJson {
    pub user: String,
    pub groups: Vec<ListGroupJson>,
}

#[derive(Debug, Serialize)]
pub struct ListGroupJson {
    pub name: String,
    pub id: u64,
    pub conversations: Vec<String>,
}

/// The JSON of an operation's outcome.
fn json_of(user: &str, done: &GroupOutcome) -> GroupsJson {
    GroupsJson {
        user: user.to_owned(),
        action: done.op.verb(),
        group: done.group.as_ref().map(|g| GroupJson {
            name: g.group_name.clone(),
            id: g.group_id,
        }),
        old_name: match &done.op {
            GroupOp::Rename { old, .. } => Some(old.clone()),
            _ => None,
        },
        ok: done.ok(),
        results: done
            .items
            .iter()
            .map(|(peer, o)| ItemJson {
                user: user.to_owned(),
                conversation: peer.conversation_id(),
                kind: kind(peer),
                ok: o.is_ok(),
                result_code: o.code(),
                result_info: o.info(),
                meaning: o.meaning(),
            })
            .collect(),
        error: done.error.as_ref().map(ErrorJson::from),
        recovered: done.recovered.clone(),
    }
}

/// The human form of an operation's outcome.
fn text_of(user: &str, done: &GroupOutcome) -> String {
    let mut out = String::new();
    if let Some(g) = &done.group {
        let name = quoted(&g.group_name);
        let id = if g.group_id == 0 {
            String::new()
        } else {
            format!(" (id {})", g.group_id)
        };
        let line = match &done.op {
            GroupOp::Create { .. } => format!("{user}: created group {name}{id}"),
            GroupOp::Rename { old, .. } => {
                format!("{user}: renamed group {} to {name}{id}", quoted(old))
            }
            GroupOp::Add { .. } => format!("{user}: added to group {name}{id}"),
            GroupOp::Remove { .. } => format!("{user}: removed from group {name}{id}"),
            GroupOp::Delete { .. } => format!("{user}: deleted group {name}{id}"),
        };
        out.push_str(&line);
        out.push('\n');
    }
    if let Some(r) = &done.recovered {
        out.push_str(&format!("note: {r}\n"));
    }
    if !done.items.is_empty() {
        let mut table = Table::new(&["CONVERSATION", "RESULT"]);
        for (peer, o) in &done.items {
            table.row(vec![
                peer.conversation_id(),
                if o.is_ok() {
                    "ok (ResultCode 0)".into()
                } else {
                    format!("FAILED {}", o.short())
                },
            ]);
        }
        out.push_str(&table.render());
        let failures = failure_lines(done.items.iter().map(|(p, o)| (p, o)));
        if !failures.is_empty() {
            out.push_str("\nfailed:\n");
            out.push_str(&failures);
        }
    }
    out
}

fn list_text(list: &ListJson) -> String {
    let mut out = format!(
        "{}: {} group(s) (at most {MAX_GROUPS})\n",
        list.user,
        list.groups.len()
    );
    if list.groups.is_empty() {
        return out;
    }
    out.push('\n');
    let mut table = Table::new(&["GROUP", "ID", "COUNT", "CONVERSATIONS"]);
    for g in &list.groups {
        table.row(vec![
            quoted(&g.name),
            g.id.to_string(),
            g.conversations.len().to_string(),
            if g.conversations.is_empty() {
                "-".into()
            } else {
                g.conversations.join(" ")
            },
        ]);
    }
    out.push_str(&table.render());
    out
}

async fn list(client: &Client, user: &str) -> Result<ListJson, ApiError> {
    let (records, groups) = contact_groups(client, user).await?;
    let mut members: BTreeMap<u64, Vec<String>> = BTreeMap::new();
    for r in &records {
        for id in r.contact_group_id.iter().flatten() {
            members
                .entry(*id)
                .or_default()
                .push(r.contact.0.conversation_id());
        }
    }
    Ok(ListJson {
        user: user.to_owned(),
        groups: groups
            .into_iter()
            .map(|g| ListGroupJson {
                conversations: members.remove(&g.group_id).unwrap_or_default(),
                name: g.group_name,
                id: g.group_id,
            })
            .collect(),
    })
}

/// `groups list --json` when the load failed.
#[derive(Debug, Serialize)]
struct ListErrorJson<'a> {
    user: &'a str,
    error: ErrorJson,
}

/// Checks every input before anything is sent: the user, the names, the conversations.
fn check(args: &GroupsArgs) -> Result<(String, Vec<Peer>), String> {
    let user = connect::user_id(&args.user)?;
    let peers = match &args.action {
        GroupsAction::List => Vec::new(),
        GroupsAction::Create {
            name,
            conversations,
        } => {
            validate_name("create", name)?;
            parse_peers(conversations)?
        }
        GroupsAction::Rename { old, new } => {
            validate_name("rename OLD", old)?;
            validate_name("rename NEW", new)?;
            Vec::new()
        }
        GroupsAction::Add {
            name,
            conversations,
        }
        | GroupsAction::Remove {
            name,
            conversations,
        } => {
            validate_name("group", name)?;
            let peers = parse_peers(conversations)?;
            if peers.is_empty() {
                return Err("give at least one conversation (c2c_USERID or group_GROUPID)".into());
            }
            peers
        }
        GroupsAction::Delete { name } => {
            validate_name("delete", name)?;
            Vec::new()
        }
    };
    Ok((user, peers))
}

/// An input error with `--json`: the error on stdout too.
#[derive(Debug, Serialize)]
struct InputErrorJson<'a> {
    user: &'a str,
    ok: bool,
    error: ErrorJson,
}

pub fn run(args: GroupsArgs) -> Result<ExitCode, String> {
    let (user, peers) = match check(&args) {
        Ok(checked) => checked,
        Err(message) => {
            if args.json {
                let _ = print_json(&InputErrorJson {
                    user: &args.user,
                    ok: false,
                    error: ErrorJson {
                        code: None,
                        message: message.clone(),
                    },
                });
            }
            return Err(message);
        }
    };
    let client = connect::client(&args.conn)?;
    let rt = connect::runtime()?;

    if let GroupsAction::List = args.action {
        return match rt.block_on(list(&client, &user)) {
            Ok(listing) => {
                if args.json {
                    print_json(&listing)?;
                } else {
                    emit(&list_text(&listing))?;
                }
                Ok(ExitCode::SUCCESS)
            }
            Err(err) => {
                if args.json {
                    print_json(&ListErrorJson {
                        user: &user,
                        error: ErrorJson::from(&err),
                    })?;
                }
                super::output::error(&format!(
                    "cannot list the groups of {user:?}: {}",
                    err.describe()
                ));
                Ok(ExitCode::FAILURE)
            }
        };
    }

    let op = match args.action {
        GroupsAction::Create { name, .. } => GroupOp::Create { name, peers },
        GroupsAction::Rename { old, new } => GroupOp::Rename { old, new },
        GroupsAction::Add { name, .. } => GroupOp::Add { name, peers },
        GroupsAction::Remove { name, .. } => GroupOp::Remove { name, peers },
        GroupsAction::Delete { name } => GroupOp::Delete { name },
        GroupsAction::List => return Ok(ExitCode::SUCCESS),
    };
    let data_dir = crate::config::data_dir();
    let done = rt.block_on(service::groups::run(
        &client,
        &user,
        op,
        false,
        Some(&data_dir),
    ));
    if args.json {
        print_json(&json_of(&user, &done))?;
    } else {
        emit(&text_of(&user, &done))?;
    }
    if let Some(e) = &done.audit_error {
        super::output::warning(e);
    }
    if let Some(err) = &done.error {
        super::output::error(&format!(
            "groups {} failed: {}",
            done.op.verb(),
            err.describe()
        ));
    }
    let failed = done.items.iter().filter(|(_, o)| !o.is_ok()).count();
    if failed > 0 {
        super::output::error(&format!(
            "{failed} of {} conversation(s) failed",
            done.items.len()
        ));
    }
    Ok(if done.ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_names_are_checked_in_bytes() {
        assert!(validate_name("create", "work").is_ok());
        assert!(validate_name("create", &"x".repeat(32)).is_ok());
        let e = validate_name("create", &"é".repeat(17)).unwrap_err();
        assert!(e.contains("34 bytes"), "{e}");
        assert!(validate_name("create", "").unwrap_err().contains("empty"));
        assert!(validate_name("create", "a\nb").is_err());
    }
}
