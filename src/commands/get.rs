//! `convmark get`: a user's conversations, marks and groups.

use std::collections::BTreeMap;
use std::process::ExitCode;

use serde::Serialize;

use super::connect;
use super::load::{UserView, load_user};
use super::output::{
    ErrorJson, MarkJson, Table, emit, extension_bits, internal_marks, kind, print_json, quoted,
};
use crate::cli::GetArgs;
use crate::domain::MAX_MARKED_CONVERSATIONS;

/// `get --json`: the whole answer.
#[derive(Debug, Serialize)]
pub struct GetJson {
    pub user: String,
    pub conversations: Vec<ConversationJson>,
    pub groups: Vec<GroupJson>,
}

#[derive(Debug, Serialize)]
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
    /// Names of the conversation groups it belongs to (`#ID` for a group ID without a name).
    pub groups: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct GroupJson {
    pub name: String,
    pub id: u64,
}

/// `get --json` when the load failed: `{user, error: {code, message}}`.
#[derive(Debug, Serialize)]
struct GetErrorJson<'a> {
    user: &'a str,
    error: ErrorJson,
}

fn group_names(ids: &[u64], names: &BTreeMap<u64, String>) -> Vec<String> {
    ids.iter()
        .map(|id| names.get(id).cloned().unwrap_or_else(|| format!("#{id}")))
        .collect()
}

pub fn to_json(view: &UserView) -> GetJson {
    let names = view.group_names();
    GetJson {
        user: view.user.clone(),
        conversations: view
            .conversations
            .iter()
            .map(|c| ConversationJson {
                conversation: c.peer.conversation_id(),
                kind: kind(&c.peer),
                pinned: c.pinned,
                msg_time: c.msg_time,
                standard_mark: MarkJson::from(&c.mark),
                custom_mark: c.custom_mark.clone(),
                groups: group_names(&c.group_ids, &names),
            })
            .collect(),
        groups: view
            .groups
            .iter()
            .map(|g| GroupJson {
                name: g.group_name.clone(),
                id: g.group_id,
            })
            .collect(),
    }
}

/// `1 conversation`, `2 conversations`.
fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// The human form: a summary line, the groups, and an aligned table.
pub fn to_text(view: &UserView) -> String {
    let names = view.group_names();
    let pinned = view.conversations.iter().filter(|c| c.pinned).count();
    let mut out = format!(
        "{}: {} ({pinned} pinned), {}/{MAX_MARKED_CONVERSATIONS} marked or grouped, {}\n",
        view.user,
        count(view.conversations.len(), "conversation"),
        view.marked_count(),
        count(view.groups.len(), "group"),
    );
    if !view.groups.is_empty() {
        let list: Vec<String> = view
            .groups
            .iter()
            .map(|g| format!("{} (id {})", quoted(&g.group_name), g.group_id))
            .collect();
        out.push_str(&format!("groups: {}\n", list.join(", ")));
    }
    if view.conversations.is_empty() {
        out.push_str("no conversations\n");
        return out;
    }
    out.push('\n');
    let mut table = Table::new(&[
        "CONVERSATION",
        "PIN",
        "MARKS",
        "EXT BITS",
        "GROUPS",
        "STANDARD",
        "RAW",
        "CUSTOM",
    ]);
    for c in &view.conversations {
        let groups = group_names(&c.group_ids, &names);
        table.row(vec![
            c.peer.conversation_id(),
            if c.pinned { "pin" } else { "-" }.into(),
            internal_marks(&c.mark),
            extension_bits(&c.mark),
            if groups.is_empty() {
                "-".into()
            } else {
                groups
                    .iter()
                    .map(|g| quoted(g))
                    .collect::<Vec<_>>()
                    .join(",")
            },
            c.mark.value.hex(),
            quoted(&c.mark.raw),
            if c.custom_mark.is_empty() {
                "-".into()
            } else {
                quoted(&c.custom_mark)
            },
        ]);
    }
    out.push_str(&table.render());
    out
}

pub fn run(args: GetArgs) -> Result<ExitCode, String> {
    let user = connect::user_id(&args.user)?;
    let client = connect::client(&args.conn)?;
    let rt = connect::runtime()?;
    match rt.block_on(load_user(&client, &user)) {
        Ok(view) => {
            if args.json {
                print_json(&to_json(&view))?;
            } else {
                emit(&to_text(&view))?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(err) => {
            if args.json {
                print_json(&GetErrorJson {
                    user: &user,
                    error: ErrorJson::from(&err),
                })?;
            }
            eprintln!("convmark: cannot load {user:?}: {}", err.describe());
            Ok(ExitCode::FAILURE)
        }
    }
}
