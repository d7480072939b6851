//! `convmark groups`: list, create, rename, delete a user's conversation groups and add or
//! remove conversations. Names and conversations are checked before anything is sent.

use std::collections::BTreeMap;
use std::process::ExitCode;

use serde::Serialize;

use super::connect;
use super::load::contact_groups;
use super::output::{
    ErrorJson, ItemOutcome, Table, emit, failure_lines, kind, outcomes_of, print_json, quoted,
};
use crate::api::wire::{ContactOptType, GroupItem};
use crate::api::{ApiError, Client, groups};
use crate::cli::{GroupsAction, GroupsArgs};
use crate::domain::{MAX_GROUP_CONTACT_ITEMS, MAX_GROUPS, Peer, batches};

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

/// What an action did: the group, the old name, per-conversation outcomes, a failed call.
struct Done {
    action: &'static str,
    group: Option<GroupItem>,
    old_name: Option<String>,
    items: Vec<(Peer, ItemOutcome)>,
    error: Option<ApiError>,
}

impl Done {
    fn new(action: &'static str) -> Self {
        Done {
            action,
            group: None,
            old_name: None,
            items: Vec::new(),
            error: None,
        }
    }

    fn ok(&self) -> bool {
        self.error.is_none() && self.items.iter().all(|(_, o)| o.is_ok())
    }

    fn json(&self, user: &str) -> GroupsJson {
        GroupsJson {
            user: user.to_owned(),
            action: self.action,
            group: self.group.as_ref().map(|g| GroupJson {
                name: g.group_name.clone(),
                id: g.group_id,
            }),
            old_name: self.old_name.clone(),
            ok: self.ok(),
            results: self
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
            error: self.error.as_ref().map(ErrorJson::from),
        }
    }

    fn text(&self, user: &str) -> String {
        let mut out = String::new();
        if let Some(g) = &self.group {
            let name = quoted(&g.group_name);
            let id = g.group_id;
            let line = match (self.action, &self.old_name) {
                ("create", _) => format!("{user}: created group {name} (id {id})"),
                ("rename", Some(old)) => {
                    format!("{user}: renamed group {} to {name} (id {id})", quoted(old))
                }
                ("add", _) => format!("{user}: added to group {name} (id {id})"),
                ("remove", _) => format!("{user}: removed from group {name} (id {id})"),
                ("delete", _) => format!("{user}: deleted group {name} (id {id})"),
                _ => format!("{user}: {} group {name} (id {id})", self.action),
            };
            out.push_str(&line);
            out.push('\n');
        }
        if !self.items.is_empty() {
            let mut table = Table::new(&["CONVERSATION", "RESULT"]);
            for (peer, o) in &self.items {
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
            let failures = failure_lines(self.items.iter().map(|(p, o)| (p, o)));
            if !failures.is_empty() {
                out.push_str("\nfailed:\n");
                out.push_str(&failures);
            }
        }
        out
    }
}

async fn create(client: &Client, user: &str, name: &str, peers: &[Peer]) -> Done {
    let mut done = Done::new("create");
    let mut chunks = batches(peers, MAX_GROUP_CONTACT_ITEMS);
    let first = chunks.next().unwrap_or(&[]);
    let req = groups::create_request(user, name, first);
    match client.create_contact_group(&req).await {
        Ok(resp) => {
            let (group, answers) = match resp.group_result_item.into_iter().next() {
                Some(result) => (result.group_item, result.result_item),
                None => (
                    GroupItem {
                        group_name: name.to_owned(),
                        group_id: 0,
                    },
                    Vec::new(),
                ),
            };
            done.group = Some(group);
            done.items.extend(outcomes_of(
                first,
                answers
                    .into_iter()
                    .map(|r| (r.contact_item.0, r.result_code, r.result_info)),
            ));
        }
        Err(err) => {
            done.error = Some(err);
            return done;
        }
    }
    // more than 100 initial conversations: the rest are added like `groups add`
    for chunk in chunks {
        let more = members(client, user, name, chunk, ContactOptType::Add).await;
        done.items.extend(more.items);
        if more.error.is_some() {
            done.error = more.error;
        }
    }
    done
}

async fn members(
    client: &Client,
    user: &str,
    name: &str,
    peers: &[Peer],
    op: ContactOptType,
) -> Done {
    let mut done = Done::new(match op {
        ContactOptType::Add => "add",
        ContactOptType::Remove => "remove",
    });
    for chunk in batches(peers, MAX_GROUP_CONTACT_ITEMS) {
        let req = groups::members_request(user, name, chunk, op);
        match client.update_contact_group(&req).await {
            Ok(resp) => {
                let result = resp.update_group_result;
                done.group = Some(GroupItem {
                    group_name: result.group_name,
                    group_id: result.group_id,
                });
                done.items.extend(outcomes_of(
                    chunk,
                    result
                        .contact_result_item
                        .into_iter()
                        .map(|r| (r.contact_item.0, r.result_code, r.result_info)),
                ));
            }
            Err(err) => {
                for peer in chunk {
                    done.items
                        .push((peer.clone(), ItemOutcome::CallFailed(err.clone())));
                }
                done.error = Some(err);
            }
        }
    }
    done
}

async fn rename(client: &Client, user: &str, old: &str, new: &str) -> Done {
    let mut done = Done::new("rename");
    done.old_name = Some(old.to_owned());
    let req = groups::rename_request(user, old, new);
    match client.update_contact_group(&req).await {
        Ok(resp) => {
            done.group = Some(GroupItem {
                group_name: resp.update_group_result.group_name,
                group_id: resp.update_group_result.group_id,
            });
        }
        Err(err) => done.error = Some(err),
    }
    done
}

async fn delete(client: &Client, user: &str, name: &str) -> Done {
    let mut done = Done::new("delete");
    let req = groups::delete_request(user, name);
    match client.del_contact_group(&req).await {
        Ok(resp) => {
            done.group = Some(resp.group_item.into_iter().next().unwrap_or(GroupItem {
                group_name: name.to_owned(),
                group_id: 0,
            }));
        }
        Err(err) => done.error = Some(err),
    }
    done
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

pub fn run(args: GroupsArgs) -> Result<ExitCode, String> {
    let user = connect::user_id(&args.user)?;
    // check every input before anything is sent
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
                eprintln!(
                    "convmark: cannot list the groups of {user:?}: {}",
                    err.describe()
                );
                Ok(ExitCode::FAILURE)
            }
        };
    }

    let done = rt.block_on(async {
        match &args.action {
            GroupsAction::Create { name, .. } => create(&client, &user, name, &peers).await,
            GroupsAction::Rename { old, new } => rename(&client, &user, old, new).await,
            GroupsAction::Add { name, .. } => {
                members(&client, &user, name, &peers, ContactOptType::Add).await
            }
            GroupsAction::Remove { name, .. } => {
                members(&client, &user, name, &peers, ContactOptType::Remove).await
            }
            GroupsAction::Delete { name } => delete(&client, &user, name).await,
            GroupsAction::List => Done::new("list"),
        }
    });
    if args.json {
        print_json(&done.json(&user))?;
    } else {
        emit(&done.text(&user))?;
    }
    if let Some(err) = &done.error {
        eprintln!(
            "convmark: groups {} failed: {}",
            done.action,
            err.describe()
        );
    }
    let failed = done.items.iter().filter(|(_, o)| !o.is_ok()).count();
    if failed > 0 {
        eprintln!(
            "convmark: {failed} of {} conversation(s) failed",
            done.items.len()
        );
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
