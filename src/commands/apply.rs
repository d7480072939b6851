//! `convmark apply`: brings the server to a marks document with the minimal calls. It
//! reads, plans (`service::apply`), shows the plan, asks (only `--yes` skips the question;
//! without a terminal it refuses at once), reads again and asks again if the plan changed
//! meanwhile, sends, reads back and prints each conversation's result. What it shares with
//! `diff` and `undo` (reading the document, the question, the result table) lives here.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;

use serde::Serialize;

use super::connect;
use super::output::{
    ErrorJson, MarkJson, Progress, Table, emit, extension_bits, internal_marks, kind, note,
    print_json, quoted, thousands,
};
use crate::api::wire::WireMark;
use crate::api::{ApiError, Client};
use crate::audit::AuditContext;
use crate::cli::ApplyArgs;
use crate::domain::Peer;
use crate::service::apply::{
    ConversationResult, Executed, Plan, PlanJson, ReadBack, execute, plan_document, prepare,
};
use crate::service::commit::CallDone;
use crate::service::document::{DocUser, Document};
use crate::service::groups::{GroupOp, GroupOutcome};

/// Reads and checks a document; `-` is stdin. Errors name the file and what is wrong.
pub fn read_document(path: &Path) -> Result<Document, String> {
    let (name, text) = if path.as_os_str() == "-" {
        let text = std::io::read_to_string(std::io::stdin())
            .map_err(|e| format!("stdin: cannot read it: {e}"))?;
        ("stdin".to_owned(), text)
    } else {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{}: cannot read it: {e}", path.display()))?;
        (path.display().to_string(), text)
    };
    Document::parse(&name, &text).map_err(|e| e.to_string())
}

/// The extension-bit labels of the config file (none when it has none or cannot be read:
/// the client is built from it too and says what is wrong with it).
pub fn labels() -> BTreeMap<u8, String> {
    crate::config::load_file(&crate::config::config_path())
        .map(|f| crate::config::labels(&f))
        .unwrap_or_default()
}

/// `{"ok": false, "error": {...}}` on stdout with `--json`.
#[derive(Debug, Serialize)]
pub struct FailedJson {
    pub ok: bool,
    pub error: ErrorJson,
}

/// Says an input error (exit 2): with `--json` also as JSON on stdout.
pub fn refuse(json: bool, message: String) -> Result<ExitCode, String> {
    if json {
        let _ = print_json(&FailedJson {
            ok: false,
            error: ErrorJson {
                code: None,
                message: message.clone(),
            },
        });
    }
    Err(message)
}

/// A read that failed before anything was sent (exit 1: a request went out and failed).
pub fn read_failed(json: bool, user: &str, err: &ApiError) -> ExitCode {
    if json {
        let _ = print_json(&FailedJson {
            ok: false,
            error: ErrorJson::from(err),
        });
    }
    super::output::error(&format!(
        "cannot read {user:?}: {}; nothing was sent",
        err.describe()
    ));
    ExitCode::FAILURE
}

/// Without `--yes`, the question needs a terminal on stdin: refuse at once (never wait).
pub fn check_can_ask(command: &str, yes: bool, file_is_stdin: bool) -> Result<(), String> {
    if yes {
        return Ok(());
    }
    if file_is_stdin {
        return Err(format!(
            "{command} -: the document comes from stdin, so the question cannot be asked there; add --yes to {command} without asking"
        ));
    }
    if !std::io::stdin().is_terminal() {
        let see = if command == "apply" {
            " (convmark diff FILE shows the plan)"
        } else {
            ""
        };
        return Err(format!(
            "{command} asks before it changes anything, and stdin is not a terminal; nothing was sent: add --yes to {command} without asking{see}"
        ));
    }
    Ok(())
}

/// Asks on the terminal (the question on stderr, the answer from stdin); only `y` or
/// `yes` is yes.
pub fn ask(question: &str) -> Result<bool, String> {
    use std::io::Write;
    {
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "{question} [y/N] ");
        let _ = err.flush();
    }
    let mut line = String::new();
    let n = std::io::stdin()
        .read_line(&mut line)
        .map_err(|e| format!("cannot read the answer: {e}"))?;
    if n == 0 {
        crate::stderr::line("");
    }
    let answer = line.trim().to_lowercase();
    Ok(answer == "y" || answer == "yes")
}

/// Why the question loop stopped without sending.
pub enum Stop {
    /// Exit with this code (the message was said).
    Exit(ExitCode),
    /// An input error (exit 2).
    Error(String),
}

/// Read, plan, show, ask, read again: the plans to send (`None`: nothing to send). With
/// `yes` one read; without, after the answer the server is read again, and a plan that
/// changed meanwhile is shown and asked about again. `show` prints a plan set; `words`
/// is what is compared.
pub fn settle<T>(
    yes: bool,
    question: &str,
    mut read: impl FnMut() -> Result<T, Stop>,
    words: impl Fn(&T) -> String,
    in_sync: impl Fn(&T) -> bool,
    show: impl Fn(&str),
) -> Result<(T, bool), Stop> {
    let mut plans = read()?;
    show(&words(&plans));
    if in_sync(&plans) {
        return Ok((plans, false));
    }
    if yes {
        return Ok((plans, true));
    }
    loop {
        if !ask(question).map_err(Stop::Error)? {
            note("nothing was sent");
            return Err(Stop::Exit(ExitCode::from(2)));
        }
        let fresh = read()?;
        if in_sync(&fresh) {
            note("the server came to this state meanwhile: nothing to send");
            return Ok((fresh, false));
        }
        if words(&fresh) == words(&plans) {
            return Ok((fresh, true));
        }
        note("the server changed since it was read; the plan is now:");
        show(&words(&fresh));
        plans = fresh;
    }
}

/// `bob`, or `bob (alice's part of the document)` when copying.
pub fn who(target: &str, source: &str) -> String {
    if target == source {
        target.to_owned()
    } else {
        format!("{target} ({source}'s part of the document)")
    }
}

/// Reads and plans every part (users at once); the first read that fails stops it.
pub async fn plan_parts(
    client: &Client,
    parts: &[(String, &DocUser)],
    prune: bool,
) -> Result<Vec<Plan>, (String, ApiError)> {
    let reads = parts.iter().map(|(target, part)| {
        let peers: Vec<Peer> = part.conversations.iter().map(|c| c.peer.clone()).collect();
        async move {
            let peers = (!prune).then_some(peers.as_slice());
            prepare(client, target, peers, |current| {
                plan_document(part, target, current, prune)
            })
            .await
            .map_err(|e| (target.clone(), e))
        }
    });
    futures::future::join_all(reads).await.into_iter().collect()
}

/// Refuses plans that must not be sent: over the limits, or reserved bits without
/// `--allow-reserved`.
pub fn check_plans(plans: &[Plan], allow_reserved: bool) -> Result<(), String> {
    for plan in plans {
        if let Some(why) = plan.refusal() {
            return Err(format!("{}: {why}", plan.user));
        }
        let reserved = plan.reserved();
        if !allow_reserved && let Some((peer, bits)) = reserved.first() {
            let list: Vec<String> = bits.indices().map(|b| b.to_string()).collect();
            return Err(format!(
                "{}: the plan changes bits reserved for Chat's internal use (wire indices 4..=31) on {} conversation(s), e.g. bit {} of {}; changing them may break clients; add --allow-reserved to send it anyway; nothing was sent",
                plan.user,
                reserved.len(),
                list.join(","),
                peer.conversation_id()
            ));
        }
    }
    Ok(())
}

/// One part of a change as it went: its plan and what became of it.
pub struct Done<'a> {
    pub plan: &'a Plan,
    /// `(target, source)` for the words.
    pub source: &'a str,
}

/// The result table and lines of an executed change, for people.
pub fn results_text(executed: &Executed, parts: &[Done]) -> String {
    let many = parts.len() > 1;
    let mut header = vec![
        "CONVERSATION",
        "RESULT",
        "MARKS",
        "EXT BITS",
        "CUSTOM",
        "GROUPS",
    ];
    if many {
        header.insert(0, "USER");
    }
    let mut table = Table::new(&header);
    let mut failures = String::new();
    let mut lines = String::new();
    let (mut ok, mut failed) = (0, 0);
    for part in parts {
        let user = &part.plan.user;
        let back = executed.read_back.get(user).and_then(|r| r.as_ref().ok());
        for result in executed.results(part.plan) {
            let mut row = Vec::new();
            if many {
                row.push(user.clone());
            }
            row.push(result.peer.conversation_id());
            row.push(result_cell(&result));
            if result.ok() {
                ok += 1;
            } else {
                failed += 1;
            }
            row.extend(value_cells(back, &result.peer));
            table.row(row);
            for (what, outcome) in result.parts.iter().filter(|(_, o)| !o.is_ok()) {
                let whose = if many {
                    format!("{user} {}", result.peer.conversation_id())
                } else {
                    result.peer.conversation_id()
                };
                failures.push_str(&format!("{whose}: {what}: {}\n", outcome.describe()));
            }
        }
        for out in executed.groups_of(user) {
            if let Some(line) = group_line(out) {
                let line = if many {
                    format!("{user}: {line}")
                } else {
                    line
                };
                lines.push_str(&line);
                lines.push('\n');
            }
        }
    }
    let mut out = String::new();
    if !table.is_empty() {
        out.push_str(&table.render());
    }
    if !lines.is_empty() {
        out.push('\n');
        out.push_str(&lines);
    }
    out.push_str(&format!(
        "\n{} ok, {} failed\n",
        thousands(ok),
        thousands(failed)
    ));
    if !failures.is_empty() {
        out.push_str("\nfailed:\n");
        out.push_str(&failures);
    }
    out
}

fn result_cell(result: &ConversationResult) -> String {
    match result.parts.iter().find(|(_, o)| !o.is_ok()) {
        None => "ok".into(),
        Some((what, o)) if result.parts.len() > 1 => format!("FAILED {what}: {}", o.short()),
        Some((_, o)) => format!("FAILED {}", o.short()),
    }
}

fn value_cells(back: Option<&ReadBack>, peer: &Peer) -> Vec<String> {
    match back.and_then(|b| b.of(peer)) {
        Some((state, groups)) => {
            let mark = WireMark::from(state.value);
            vec![
                internal_marks(&mark),
                extension_bits(&mark),
                if state.custom.is_empty() {
                    "-".into()
                } else {
                    quoted(&state.custom)
                },
                if groups.is_empty() {
                    "-".into()
                } else {
                    groups
                        .iter()
                        .map(|g| quoted(g))
                        .collect::<Vec<_>>()
                        .join(",")
                },
            ]
        }
        None => vec!["(not read back)".into()],
    }
}

/// `created group "Friends" (id 4)`; `FAILED to delete group "Old": ...`; `None` for
/// membership changes (each conversation's row says those).
fn group_line(out: &GroupOutcome) -> Option<String> {
    let name = out.op.name();
    let done = match &out.op {
        GroupOp::Create { .. } => "created",
        GroupOp::Delete { .. } => "deleted",
        GroupOp::Rename { .. } => "renamed",
        GroupOp::Add { .. } | GroupOp::Remove { .. } => {
            return match (&out.error, out.items.is_empty()) {
                (Some(e), true) => Some(format!(
                    "FAILED to {} conversations of group {name:?}: {}",
                    out.op.verb(),
                    e.describe()
                )),
                _ => None,
            };
        }
    };
    let mut line = match (&out.error, &out.group) {
        (None, Some(g)) => match &out.op {
            GroupOp::Rename { new, .. } => {
                format!("renamed group {name:?} to {new:?} (id {})", g.group_id)
            }
            GroupOp::Delete { .. } => format!("deleted group {name:?}"),
            _ => format!("{done} group {name:?} (id {})", g.group_id),
        },
        (Some(e), _) => format!(
            "FAILED to {} group {name:?}: {}",
            out.op.verb(),
            e.describe()
        ),
        (None, None) => format!("{done} group {name:?}"),
    };
    if let Some(r) = &out.recovered {
        line.push_str(&format!(" ({r})"));
    }
    Some(line)
}

/// Whether every part succeeded, and how many conversations failed.
pub fn failures(executed: &Executed, parts: &[Done]) -> (bool, usize) {
    let plans: Vec<Plan> = parts.iter().map(|p| p.plan.clone()).collect();
    let failed = parts
        .iter()
        .map(|p| executed.results(p.plan).iter().filter(|r| !r.ok()).count())
        .sum();
    (executed.ok(&plans), failed)
}

/// One changed conversation in JSON.
#[derive(Debug, Serialize)]
pub struct ResultJson {
    pub conversation: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub ok: bool,
    /// Each part of its change (`mark`, `join "X"`, `leave "X"`) and its outcome.
    pub parts: Vec<PartJson>,
    /// The values read back; null when they could not be read.
    pub standard_mark: Option<MarkJson>,
    pub custom_mark: Option<String>,
    pub groups: Option<Vec<String>>,
}

#[derive(Debug, Serialize)]
pub struct PartJson {
    pub what: String,
    pub ok: bool,
    pub result_code: Option<i64>,
    pub result_info: String,
    pub meaning: String,
}

#[derive(Debug, Serialize)]
pub struct GroupResultJson {
    pub op: &'static str,
    pub group: String,
    /// The group's id as the server answered; null when the call failed.
    pub id: Option<u64>,
    pub ok: bool,
    pub error: Option<ErrorJson>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recovered: Option<String>,
}

/// One user's part in JSON.
#[derive(Debug, Serialize)]
pub struct UserJson {
    pub user: String,
    /// Whose part of the document (or whose commit) it was.
    pub source: String,
    pub plan: PlanJson,
    pub results: Vec<ResultJson>,
    pub group_results: Vec<GroupResultJson>,
    pub read_back_error: Option<ErrorJson>,
}

pub fn user_json(executed: Option<&Executed>, part: &Done) -> UserJson {
    let plan = part.plan;
    let (results, group_results, read_back_error) = match executed {
        None => (Vec::new(), Vec::new(), None),
        Some(ex) => {
            let back = ex.read_back.get(&plan.user);
            let ok_back = back.and_then(|r| r.as_ref().ok());
            let results = ex
                .results(plan)
                .iter()
                .map(|r| {
                    let value = ok_back.and_then(|b| b.of(&r.peer));
                    ResultJson {
                        conversation: r.peer.conversation_id(),
                        kind: kind(&r.peer),
                        ok: r.ok(),
                        parts: r
                            .parts
                            .iter()
                            .map(|(what, o)| PartJson {
                                what: what.clone(),
                                ok: o.is_ok(),
                                result_code: o.code(),
                                result_info: o.info(),
                                meaning: o.meaning(),
                            })
                            .collect(),
                        standard_mark: value
                            .as_ref()
                            .map(|(s, _)| MarkJson::from(&WireMark::from(s.value))),
                        custom_mark: value.as_ref().map(|(s, _)| s.custom.clone()),
                        groups: value.map(|(_, g)| g),
                    }
                })
                .collect();
            let groups = ex
                .groups_of(&plan.user)
                .map(|o| GroupResultJson {
                    op: o.op.verb(),
                    group: o.op.name().to_owned(),
                    id: o.group.as_ref().map(|g| g.group_id),
                    ok: o.ok(),
                    error: o.error.as_ref().map(ErrorJson::from),
                    recovered: o.recovered.clone(),
                })
                .collect();
            let err = back.and_then(|r| r.as_ref().err()).map(ErrorJson::from);
            (results, groups, err)
        }
    };
    UserJson {
        user: plan.user.clone(),
        source: part.source.to_owned(),
        plan: plan.json(),
        results,
        group_results,
        read_back_error,
    }
}

/// `apply --json`.
#[derive(Debug, Serialize)]
pub struct ApplyJson {
    /// True when everything sent succeeded and was read back (exit 0).
    pub ok: bool,
    /// Nothing needed to be sent.
    pub in_sync: bool,
    /// The commit's id in the audit log (`convmark undo ID`); null when nothing was sent.
    pub audit_id: Option<String>,
    pub users: Vec<UserJson>,
}

/// Sends the plans with a progress line, under one audit id.
pub fn send(client: &Client, rt: &tokio::runtime::Runtime, plans: &[Plan]) -> Executed {
    let config = client.config();
    let ctx = AuditContext::new(config.sdkappid, &config.identifier);
    let data_dir = crate::config::data_dir();
    let progress = Progress::new();
    let total: usize = plans.iter().map(Plan::mark_calls).sum();
    let done = std::sync::Mutex::new(0usize);
    let executed = rt.block_on(execute(
        client,
        plans,
        Some(&data_dir),
        &ctx,
        |_: CallDone| {
            if let Ok(mut d) = done.lock() {
                *d += 1;
                progress.show(&format!(
                    "marking: {}/{} calls",
                    thousands(*d),
                    thousands(total)
                ));
            }
        },
    ));
    progress.finish();
    if let Some(e) = &executed.commit.audit_error {
        super::output::warning(e);
    }
    for (_, out) in &executed.groups {
        if let Some(e) = &out.audit_error {
            super::output::warning(e);
        }
    }
    executed
}

/// Prints the outcome (table or JSON) and says failures on stderr; the exit code.
pub fn finish(json: bool, executed: &Executed, parts: &[Done], extra: impl Serialize) -> ExitCode {
    let (ok, failed) = failures(executed, parts);
    let printed = if json {
        print_json(&extra)
    } else {
        let calls = executed.commit.calls_sent
            + executed
                .groups
                .iter()
                .map(|(_, o)| crate::service::apply::op_calls(&o.op))
                .sum::<usize>();
        emit(&format!(
            "\nsent {} call(s); audit id {} (`convmark undo {}` reverts it)\n\n{}",
            thousands(calls),
            executed.id,
            executed.id,
            results_text(executed, parts)
        ))
    };
    for (user, back) in &executed.read_back {
        if let Err(e) = back {
            super::output::error(&format!(
                "cannot read the new values of {user} back: {}",
                e.describe()
            ));
        }
    }
    if failed > 0 {
        super::output::error(&format!("{} conversation(s) failed", thousands(failed)));
    } else if !ok {
        super::output::error("a group operation failed");
    }
    if let Err(e) = &printed {
        super::output::error(&format!("{e}; the changes were sent, see the audit log"));
    }
    if ok && printed.is_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// The parts of the document at `file` to bring about: each target user with the part of
/// the document it gets (`--user` and `--source` checked as user IDs first). For `apply`
/// and `diff`.
pub fn document_parts(
    file: &Path,
    user: Option<&str>,
    source: Option<&str>,
) -> Result<Vec<(String, DocUser)>, String> {
    let doc = read_document(file)?;
    let user = user.map(connect::user_id).transpose()?;
    let source = source.map(connect::user_id).transpose()?;
    Ok(doc
        .parts(user.as_deref(), source.as_deref())?
        .into_iter()
        .map(|(t, p)| (t, p.clone()))
        .collect())
}

pub fn run(args: ApplyArgs) -> Result<ExitCode, String> {
    let file_is_stdin = args.file.as_os_str() == "-";
    // a document on stdin: the question cannot be asked there, so say so before reading it
    let stdin_first = if file_is_stdin {
        check_can_ask("apply", args.yes, true)
    } else {
        Ok(())
    };
    let checked = stdin_first
        .and_then(|()| document_parts(&args.file, args.user.as_deref(), args.source.as_deref()))
        .and_then(|parts| {
            check_can_ask("apply", args.yes, file_is_stdin)?;
            Ok(parts)
        });
    let owned = match checked {
        Ok(p) => p,
        Err(message) => return refuse(args.json, message),
    };
    let parts: Vec<(String, &DocUser)> = owned.iter().map(|(t, p)| (t.clone(), p)).collect();
    let client = connect::client(&args.conn)?;
    let rt = connect::runtime()?;
    let labels = labels();
    let json = args.json;
    let yes = args.yes;
    let progress = Progress::new();
    let read = || -> Result<Vec<Plan>, Stop> {
        progress.show("reading the server");
        let plans = rt.block_on(plan_parts(&client, &parts, args.prune));
        progress.finish();
        let plans = plans.map_err(|(user, e)| Stop::Exit(read_failed(json, &user, &e)))?;
        check_plans(&plans, args.allow_reserved).map_err(Stop::Error)?;
        Ok(plans)
    };
    let words = |plans: &Vec<Plan>| -> String {
        plans
            .iter()
            .zip(&parts)
            .map(|(p, (target, part))| p.words(&who(target, &part.user), &labels))
            .collect()
    };
    let show = |text: &str| {
        if !json {
            let _ = emit(text);
        } else if !yes {
            for line in text.lines() {
                crate::stderr::line(line);
            }
        }
    };
    let settled = settle(
        yes,
        "Apply?",
        read,
        words,
        |plans| plans.iter().all(Plan::in_sync),
        show,
    );
    let (plans, go) = match settled {
        Ok(s) => s,
        Err(Stop::Exit(code)) => return Ok(code),
        Err(Stop::Error(message)) => return refuse(json, message),
    };
    let done: Vec<Done> = plans
        .iter()
        .zip(&parts)
        .map(|(plan, (_, part))| Done {
            plan,
            source: &part.user,
        })
        .collect();
    if !go {
        if json {
            print_json(&ApplyJson {
                ok: true,
                in_sync: true,
                audit_id: None,
                users: done.iter().map(|d| user_json(None, d)).collect(),
            })?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    let executed = send(&client, &rt, &plans);
    let (ok, _) = failures(&executed, &done);
    let out = ApplyJson {
        ok,
        in_sync: false,
        audit_id: Some(executed.id.clone()),
        users: done.iter().map(|d| user_json(Some(&executed), d)).collect(),
    };
    Ok(finish(json, &executed, &done, out))
}
