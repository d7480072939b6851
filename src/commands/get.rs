//! `convmark get`: a user's conversations, marks and groups.

use std::process::ExitCode;

use serde::Serialize;

use super::connect;
use super::output::{
    ErrorJson, Progress, Table, emit, extension_bits, internal_marks, print_json, quoted, thousands,
};
use crate::cli::GetArgs;
use crate::domain::MAX_MARKED_CONVERSATIONS;
use crate::service::json::{ConversationJson, group_names_of};
use crate::service::load::load_user;
use crate::service::user::UserSnapshot;

/// `get --json`: the whole answer.
#[derive(Debug, Serialize)]
pub struct GetJson {
    pub user: String,
    /// The counts the table's header line shows.
    pub pinned: usize,
    /// Conversations that count against the limit (a mark or a group), and the limit.
    pub marked: usize,
    pub marked_limit: usize,
    pub conversations: Vec<ConversationJson>,
    pub groups: Vec<GroupJson>,
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

pub fn to_json(view: &UserSnapshot) -> GetJson {
    let names = view.group_names();
    GetJson {
        user: view.user.clone(),
        pinned: view.conversations.iter().filter(|c| c.pinned).count(),
        marked: view.marked_count(),
        marked_limit: MAX_MARKED_CONVERSATIONS,
        conversations: view
            .conversations
            .iter()
            .map(|c| ConversationJson::new(c, &names))
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
pub fn to_text(view: &UserSnapshot) -> String {
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
        let groups = group_names_of(&c.groups, &names);
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
            if c.custom.is_empty() {
                "-".into()
            } else {
                quoted(&c.custom)
            },
        ]);
    }
    out.push_str(&table.render());
    out
}

pub fn run(args: GetArgs) -> Result<ExitCode, String> {
    let user = match connect::user_id(&args.user) {
        Ok(user) => user,
        Err(message) => {
            if args.json {
                let _ = print_json(&GetErrorJson {
                    user: &args.user,
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
    let progress = Progress::new();
    let loaded = rt.block_on(load_user(&client, &user, |p| {
        progress.show(&format!(
            "loading {user}: {} page(s), {} conversation(s)",
            p.pages,
            thousands(p.rows)
        ));
    }));
    progress.finish();
    match loaded {
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
            super::output::error(&format!("cannot load {user:?}: {}", err.describe()));
            Ok(ExitCode::FAILURE)
        }
    }
}
