//! `convmark mark`: set or clear standard mark bits and set the custom mark of one or many
//! conversations, of one user or of many (`--from` with `USER CONVERSATION` lines), without
//! the TUI. Everything is checked before anything is sent; each user is read first, so only
//! the bits that change are sent, nothing for a conversation already as asked, and a change
//! that would take a user over the 1,000 limit is refused for that user; the calls of all
//! users go out concurrently through one pacer; what was sent is read back and audited.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::process::ExitCode;

use futures::StreamExt;
use serde::Serialize;

use super::connect;
use super::output::{
    ErrorJson, MarkJson, Progress, Table, emit, extension_bits, internal_marks, kind, print_json,
    quoted, thousands,
};
use crate::api::wire::ContactRecord;
use crate::api::{ApiError, Client};
use crate::cli::MarkArgs;
use crate::domain::{BitIndex, CustomMark, MarkSet, Peer, StagedEdit, validate_id};
use crate::service::commit::{CallDone, CommitReport, commit};
use crate::service::load::{contact_groups, search};
use crate::service::outcome::ItemOutcome;
use crate::service::plan::{MarkPlan, MarkState, OverLimit, check_mark_limit, plan_marks};

/// Users read (and read back) at once.
const CONCURRENT_USERS: usize = crate::service::commit::CONCURRENT_CALLS;

/// The change every conversation gets, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub set: Vec<u8>,
    pub clear: Vec<u8>,
    pub custom: Option<CustomMark>,
}

impl Change {
    /// What is wanted of each conversation, before it is made minimal against the server.
    pub fn want(&self) -> StagedEdit {
        let set = |bits: &[u8]| MarkSet::from_indices(bits.iter().map(|b| i64::from(*b)));
        StagedEdit {
            set: set(&self.set).unwrap_or_default(),
            clear: set(&self.clear).unwrap_or_default(),
            custom: self.custom.clone(),
        }
    }

    fn describe(&self) -> String {
        let mut what = Vec::new();
        if !self.set.is_empty() {
            what.push(format!("set {:?}", self.set));
        }
        if !self.clear.is_empty() {
            what.push(format!("clear {:?}", self.clear));
        }
        if let Some(c) = &self.custom {
            what.push(format!("custom mark {}", quoted(c.as_str())));
        }
        what.join(", ")
    }
}

/// Whose conversations: one user (`--user`), or many (`USER CONVERSATION` lines).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Targets {
    /// Each user once, in the order first named, with its conversations (each once).
    pub users: Vec<(String, Vec<Peer>)>,
    /// `--from` gave `USER CONVERSATION` lines (no `--user`).
    pub many: bool,
}

impl Targets {
    pub fn conversations(&self) -> usize {
        self.users.iter().map(|(_, p)| p.len()).sum()
    }
}

/// Parses `--set` / `--clear` values into sorted, distinct wire indices.
pub fn parse_bits(flag: &str, values: &[String]) -> Result<Vec<u8>, String> {
    let mut bits = Vec::new();
    for value in values {
        let text = value.trim();
        if text.is_empty() {
            return Err(format!(
                "{flag}: an empty bit number; give wire indices 0..=63, e.g. {flag} 0,32"
            ));
        }
        let n: i64 = text.parse().map_err(|_| {
            format!("{flag}: {text:?} is not a bit number; give wire indices 0..=63")
        })?;
        let bit = BitIndex::new(n).map_err(|e| format!("{flag}: {e}"))?;
        bits.push(bit.get());
    }
    bits.sort_unstable();
    bits.dedup();
    Ok(bits)
}

/// `--to`: a user, written `c2c_USERID` or bare (a `group_` ID is refused: use `--group`).
fn parse_to(text: &str) -> Result<Peer, String> {
    match Peer::parse(text).map_err(|e| format!("--to: {e}"))? {
        Peer::Group(id) => Err(format!(
            "--to: {text:?} is a group conversation; give it with --group {id}"
        )),
        user => Ok(user),
    }
}

/// `--group`: a group, written `group_GROUPID` or bare.
fn parse_group(text: &str) -> Result<Peer, String> {
    let id = text.strip_prefix("group_").unwrap_or(text);
    validate_id(id).map_err(|e| format!("--group: {e}"))?;
    Ok(Peer::Group(id.to_owned()))
}

/// One line of a `--from` file: a conversation, or a user and a conversation.
enum Line {
    One(Peer),
    Two(String, Peer),
}

/// Reads a `--from` file: blank lines and `#` comments are skipped; each other line is one
/// conversation (with `--user`) or `USER CONVERSATION` (without). A bad line is an error
/// naming its number.
pub fn parse_lines(
    name: &str,
    text: &str,
    with_user: bool,
) -> Result<Vec<(Option<String>, Peer)>, String> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let at = format!("{name}:{}", n + 1);
        let fields: Vec<&str> = line.split_whitespace().collect();
        let parsed = match fields.as_slice() {
            [conv] => Line::One(Peer::parse(conv).map_err(|e| format!("{at}: {e}"))?),
            [user, conv] => Line::Two(
                connect::user_id(user).map_err(|e| format!("{at}: {e}"))?,
                Peer::parse(conv).map_err(|e| format!("{at}: {e}"))?,
            ),
            _ => {
                return Err(format!(
                    "{at}: {} fields; a line is one conversation (with --user) or USER CONVERSATION (without)",
                    fields.len()
                ));
            }
        };
        out.push(match (parsed, with_user) {
            (Line::One(peer), true) => (None, peer),
            (Line::Two(user, peer), false) => (Some(user), peer),
            (Line::Two(..), true) => {
                return Err(format!(
                    "{at}: two fields, but --user is given; with --user each line is one conversation (USER CONVERSATION lines are for many users, without --user)"
                ));
            }
            (Line::One(_), false) => {
                return Err(format!(
                    "{at}: one field; without --user each line is USER CONVERSATION (or give --user USER)"
                ));
            }
        });
    }
    if out.is_empty() {
        return Err(format!("{name}: no conversations in it"));
    }
    Ok(out)
}

fn read_from(path: &Path, with_user: bool) -> Result<Vec<(Option<String>, Peer)>, String> {
    if path.as_os_str() == "-" {
        let text = std::io::read_to_string(std::io::stdin())
            .map_err(|e| format!("--from -: cannot read stdin: {e}"))?;
        parse_lines("stdin", &text, with_user)
    } else {
        let text =
            std::fs::read_to_string(path).map_err(|e| format!("--from {}: {e}", path.display()))?;
        parse_lines(&path.display().to_string(), &text, with_user)
    }
}

/// Checks the change: bits in range, not both set and cleared, reserved bits only with
/// `--allow-reserved`, a custom mark that fits.
pub fn parse_change(args: &MarkArgs) -> Result<Change, String> {
    let set = parse_bits("--set", &args.set)?;
    let clear = parse_bits("--clear", &args.clear)?;
    if let Some(both) = set.iter().find(|b| clear.contains(b)) {
        return Err(format!(
            "bit {both} is in both --set and --clear; give it in one of them"
        ));
    }
    if !args.allow_reserved
        && let Some(r) = set
            .iter()
            .chain(&clear)
            .find(|b| BitIndex::new(i64::from(**b)).is_ok_and(BitIndex::is_reserved))
    {
        return Err(format!(
            "bit {r} is reserved for Chat's internal use (wire indices 4..=31); changing it may break clients; add --allow-reserved to send it anyway"
        ));
    }
    let custom = match &args.custom {
        Some(text) => Some(CustomMark::new(text.as_str()).map_err(|e| format!("--custom: {e}"))?),
        None => None,
    };
    if set.is_empty() && clear.is_empty() && custom.is_none() {
        return Err("nothing to change: give --set BITS, --clear BITS or --custom TEXT".into());
    }
    Ok(Change { set, clear, custom })
}

/// Checks the targets; nothing is sent when this fails.
pub fn parse_targets(args: &MarkArgs) -> Result<Targets, String> {
    let user = args.user.as_deref().map(connect::user_id).transpose()?;
    let mut named: Vec<(Option<String>, Peer)> = Vec::new();
    for to in &args.to {
        named.push((None, parse_to(to)?));
    }
    for group in &args.group {
        named.push((None, parse_group(group)?));
    }
    if user.is_none() && !named.is_empty() {
        return Err("--to and --group need --user USER (whose conversations they are)".into());
    }
    if let Some(path) = &args.from {
        named.extend(read_from(path, user.is_some())?);
    }
    if named.is_empty() {
        return Err("no conversation: give --to USER, --group GROUP or --from FILE".into());
    }
    let mut users: Vec<(String, Vec<Peer>)> = Vec::new();
    let mut seen = HashSet::new();
    for (line_user, peer) in named {
        let Some(u) = line_user.or_else(|| user.clone()) else {
            continue;
        };
        if !seen.insert((u.clone(), peer.clone())) {
            continue;
        }
        match users.iter_mut().find(|(x, _)| *x == u) {
            Some((_, peers)) => peers.push(peer),
            None => users.push((u, vec![peer])),
        }
    }
    Ok(Targets {
        users,
        many: user.is_none(),
    })
}

/// What happened to one user.
#[derive(Debug)]
enum UserStage {
    /// The user could not be read first: nothing was sent.
    ReadFailed(ApiError),
    /// The change would take the user over the limit: nothing was sent.
    OverLimit(OverLimit),
    /// Planned (and sent where something changes).
    Planned(MarkPlan),
}

/// One conversation's result, as `mark` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum RowResult {
    /// It already held what was asked: nothing was sent.
    Unchanged,
    Sent(ItemOutcome),
    /// Not sent, for this reason (the user could not be read, or is over the limit).
    Refused {
        code: Option<i64>,
        reason: String,
    },
}

impl RowResult {
    fn is_ok(&self) -> bool {
        match self {
            RowResult::Unchanged => true,
            RowResult::Sent(o) => o.is_ok(),
            RowResult::Refused { .. } => false,
        }
    }
}

/// Everything `mark` did, for the table and the JSON.
struct Report<'a> {
    change: &'a Change,
    targets: &'a Targets,
    stages: HashMap<String, UserStage>,
    commit: CommitReport,
    /// Per user: the conversations' values after (read back, or the fresh read for those
    /// that did not change), or why they could not be read back.
    values: HashMap<String, Result<HashMap<Peer, MarkState>, ApiError>>,
}

impl Report<'_> {
    fn result(&self, user: &str, peer: &Peer) -> RowResult {
        match self.stages.get(user) {
            Some(UserStage::ReadFailed(e)) => RowResult::Refused {
                code: e.code(),
                reason: format!(
                    "not sent: the user could not be read first: {}",
                    e.describe()
                ),
            },
            Some(UserStage::OverLimit(e)) => RowResult::Refused {
                code: None,
                reason: format!("not sent: {e}"),
            },
            Some(UserStage::Planned(plan)) => {
                if plan.unchanged.contains(peer) {
                    return RowResult::Unchanged;
                }
                match self.commit.outcomes(user).get(peer) {
                    Some(o) => RowResult::Sent((*o).clone()),
                    None => RowResult::Sent(ItemOutcome::NotSent),
                }
            }
            None => RowResult::Sent(ItemOutcome::NotSent),
        }
    }

    fn value(&self, user: &str, peer: &Peer) -> Option<&MarkState> {
        self.values.get(user)?.as_ref().ok()?.get(peer)
    }

    fn rows(&self) -> impl Iterator<Item = (&str, &Peer, RowResult)> {
        self.targets.users.iter().flat_map(move |(user, peers)| {
            peers
                .iter()
                .map(move |p| (user.as_str(), p, self.result(user, p)))
        })
    }

    fn failed(&self) -> usize {
        self.rows().filter(|(_, _, r)| !r.is_ok()).count()
    }

    fn unchanged(&self) -> usize {
        self.rows()
            .filter(|(_, _, r)| *r == RowResult::Unchanged)
            .count()
    }

    fn read_back_errors(&self) -> Vec<(&str, &ApiError)> {
        self.targets
            .users
            .iter()
            .filter_map(|(u, _)| match self.values.get(u) {
                Some(Err(e)) => Some((u.as_str(), e)),
                _ => None,
            })
            .collect()
    }

    fn json(&self) -> MarkJsonOut {
        let results: Vec<ItemJson> = self
            .rows()
            .map(|(user, peer, result)| {
                let value = self.value(user, peer);
                let (code, info, meaning) = match &result {
                    RowResult::Unchanged => (
                        None,
                        "it already held what was asked: nothing was sent".to_owned(),
                        "unchanged".to_owned(),
                    ),
                    RowResult::Sent(o) => (o.code(), o.info(), o.meaning()),
                    RowResult::Refused { code, reason } => (
                        *code,
                        reason.clone(),
                        code.map_or_else(
                            || "not sent".to_owned(),
                            |c| crate::api::codes::meaning(c).to_owned(),
                        ),
                    ),
                };
                ItemJson {
                    user: user.to_owned(),
                    conversation: peer.conversation_id(),
                    kind: kind(peer),
                    ok: result.is_ok(),
                    sent: matches!(result, RowResult::Sent(ref o) if *o != ItemOutcome::NotSent),
                    result_code: code,
                    result_info: info,
                    meaning,
                    standard_mark: value
                        .map(|v| MarkJson::from(&crate::api::wire::WireMark::from(v.value))),
                    custom_mark: value.map(|v| v.custom.clone()),
                }
            })
            .collect();
        let failed = self.failed();
        let errors = self.read_back_errors();
        MarkJsonOut {
            user: (!self.targets.many)
                .then(|| self.targets.users.first().map(|(u, _)| u.clone()))
                .flatten(),
            users: self.targets.users.len(),
            set: self.change.set.clone(),
            clear: self.change.clear.clone(),
            custom_mark: self.change.custom.as_ref().map(|c| c.as_str().to_owned()),
            calls: self.commit.calls_sent,
            ok: failed == 0 && errors.is_empty(),
            succeeded: results.len() - failed,
            failed,
            unchanged: self.unchanged(),
            results,
            read_back_error: errors.first().map(|(_, e)| ErrorJson::from(*e)),
            audit_id: self.audit_id(),
        }
    }

    /// The audit log's id of this commit, when it wrote a line there (something was
    /// answered); `None` when nothing was sent, so there is nothing to undo.
    fn audit_id(&self) -> Option<String> {
        let audited = self.commit.audit_error.is_none()
            && self.commit.items.iter().any(|i| i.outcome.is_answered());
        audited.then(|| self.commit.id.clone())
    }

    fn text(&self) -> String {
        let conversations = self.targets.conversations();
        let unchanged = self.unchanged();
        let whom = if self.targets.many {
            format!(
                "{} user(s), {} conversation(s)",
                thousands(self.targets.users.len()),
                thousands(conversations)
            )
        } else {
            format!("{} conversation(s)", thousands(conversations))
        };
        let lead = if self.targets.many {
            format!("{} for {whom}", self.change.describe())
        } else {
            let user = self.targets.users.first().map_or("", |(u, _)| u.as_str());
            format!("{user}: {} on {whom}", self.change.describe())
        };
        let calls = self.commit.calls_sent;
        let mut out = if unchanged == 0 {
            format!("{lead} in {calls} call(s)\n\n")
        } else {
            format!(
                "{lead}: {} to change in {calls} call(s), {} already so (nothing sent for them)\n\n",
                thousands(conversations - unchanged),
                thousands(unchanged)
            )
        };
        let mut header = vec![
            "CONVERSATION",
            "RESULT",
            "MARKS",
            "EXT BITS",
            "STANDARD",
            "RAW",
            "CUSTOM",
        ];
        if self.targets.many {
            header.insert(0, "USER");
        }
        let mut table = Table::new(&header);
        let mut failures = String::new();
        let mut failed_calls: Vec<(String, usize)> = Vec::new();
        for (user, peer, result) in self.rows() {
            let mut row = Vec::new();
            if self.targets.many {
                row.push(user.to_owned());
            }
            row.push(peer.conversation_id());
            row.push(match &result {
                RowResult::Unchanged => "unchanged".into(),
                RowResult::Sent(o) if o.is_ok() => "ok".into(),
                RowResult::Sent(o) => format!("FAILED {}", o.short()),
                RowResult::Refused { .. } => "NOT SENT".into(),
            });
            match self.value(user, peer) {
                Some(v) => {
                    let mark = crate::api::wire::WireMark::from(v.value);
                    row.extend([
                        internal_marks(&mark),
                        extension_bits(&mark),
                        mark.value.hex(),
                        quoted(&mark.raw),
                        if v.custom.is_empty() {
                            "-".into()
                        } else {
                            quoted(&v.custom)
                        },
                    ]);
                }
                None => row.push("(not read back)".into()),
            }
            table.row(row);
            let who = if self.targets.many {
                format!("{user} {}", peer.conversation_id())
            } else {
                peer.conversation_id()
            };
            match result {
                RowResult::Sent(ItemOutcome::CallFailed(e)) => {
                    let text = format!("not changed, the call failed: {}", e.describe());
                    match failed_calls.iter_mut().find(|(t, _)| *t == text) {
                        Some((_, n)) => *n += 1,
                        None => failed_calls.push((text, 1)),
                    }
                }
                RowResult::Sent(o) if !o.is_ok() => {
                    failures.push_str(&format!("{who}: {}\n", o.describe()));
                }
                RowResult::Refused { reason, .. } => {
                    // a user that could not be read, or is over the limit: said once
                    match failed_calls.iter_mut().find(|(t, _)| *t == reason) {
                        Some((_, n)) => *n += 1,
                        None => failed_calls.push((reason, 1)),
                    }
                }
                _ => {}
            }
        }
        for (text, n) in failed_calls {
            failures.push_str(&format!("{} conversation(s) {text}\n", thousands(n)));
        }
        out.push_str(&table.render());
        let failed = self.failed();
        out.push_str(&format!(
            "\n{} ok, {} failed\n",
            thousands(conversations - failed),
            thousands(failed)
        ));
        if !failures.is_empty() {
            out.push_str("\nfailed:\n");
            out.push_str(&failures);
        }
        out
    }
}

/// `mark --json`.
#[derive(Debug, Serialize)]
pub struct MarkJsonOut {
    /// The user; null with `USER CONVERSATION` lines (each result names its user).
    pub user: Option<String>,
    /// How many users.
    pub users: usize,
    pub set: Vec<u8>,
    pub clear: Vec<u8>,
    /// The custom mark sent, null when not changed.
    pub custom_mark: Option<String>,
    /// mark_contact calls made.
    pub calls: usize,
    /// True when every conversation succeeded and the read-back worked (exit 0).
    pub ok: bool,
    /// Conversations that succeeded (or already held what was asked) / failed.
    pub succeeded: usize,
    pub failed: usize,
    /// Conversations that already held what was asked (nothing sent for them).
    pub unchanged: usize,
    pub results: Vec<ItemJson>,
    /// Set when reading the new values back failed (for the first user it failed for).
    pub read_back_error: Option<ErrorJson>,
    /// The id of this commit in the audit log (`convmark undo ID`); `None` when nothing
    /// was written there (nothing was sent, or every call failed).
    pub audit_id: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ItemJson {
    pub user: String,
    pub conversation: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub ok: bool,
    /// Whether a call carried it (false: unchanged, or not sent).
    pub sent: bool,
    /// The item's ResultCode, or the call's error code; null when there is none.
    pub result_code: Option<i64>,
    /// The item's ResultInfo as the server wrote it, or why there is none.
    pub result_info: String,
    /// The code's meaning from the error table.
    pub meaning: String,
    /// The value after the change; null when it could not be read.
    pub standard_mark: Option<MarkJson>,
    pub custom_mark: Option<String>,
}

/// Reads each user, plans, refuses a user over the limit, commits all plans at once, reads
/// back what was sent.
async fn execute<'a>(
    client: &Client,
    change: &'a Change,
    targets: &'a Targets,
    progress: &Progress,
    audit_dir: &Path,
) -> Report<'a> {
    let want = change.want();
    let total_users = targets.users.len();
    // 1. a fresh read of every user: the current values and the record count
    let mut reads = futures::stream::iter(targets.users.iter().map(|(user, peers)| {
        let client = client.clone();
        async move { (user, peers, contact_groups(&client, user).await) }
    }))
    .buffer_unordered(CONCURRENT_USERS);
    let mut stages = HashMap::new();
    let mut fresh: HashMap<String, HashMap<Peer, MarkState>> = HashMap::new();
    let mut read = 0;
    while let Some((user, peers, result)) = reads.next().await {
        read += 1;
        if targets.many {
            progress.show(&format!("reading users: {read}/{}", thousands(total_users)));
        }
        let stage = match result {
            Err(e) => UserStage::ReadFailed(e),
            Ok((records, _)) => {
                let records_now = records.len();
                let by_peer: HashMap<&Peer, &ContactRecord> =
                    records.iter().map(|r| (&r.contact.0, r)).collect();
                let plan = plan_marks(
                    user,
                    |p| MarkState::of_record(by_peer.get(p).copied()),
                    peers.iter().map(|p| (p.clone(), want.clone())),
                );
                fresh.insert(
                    user.clone(),
                    plan.unchanged
                        .iter()
                        .map(|p| (p.clone(), MarkState::of_record(by_peer.get(p).copied())))
                        .collect(),
                );
                match check_mark_limit(records_now, &plan) {
                    Ok(_) => UserStage::Planned(plan),
                    Err(over) => UserStage::OverLimit(over),
                }
            }
        };
        stages.insert(user.clone(), stage);
    }
    drop(reads);
    // 2. every user's calls in one stream, through the one pacer
    let plans: Vec<MarkPlan> = targets
        .users
        .iter()
        .filter_map(|(u, _)| match stages.get(u) {
            Some(UserStage::Planned(p)) if !p.changes.is_empty() => Some(p.clone()),
            _ => None,
        })
        .collect();
    let total_calls: usize = plans.iter().map(MarkPlan::calls).sum();
    let total_items: usize = plans.iter().map(|p| p.changes.len()).sum();
    let done = std::sync::Mutex::new((0usize, 0usize));
    if total_calls > 0 {
        progress.show(&format!(
            "marking: 0/{} calls, 0/{} conversations",
            thousands(total_calls),
            thousands(total_items)
        ));
    }
    let report = commit(client, &plans, Some(audit_dir), |call: CallDone| {
        if let Ok(mut d) = done.lock() {
            d.0 += 1;
            d.1 += call.items;
            progress.show(&format!(
                "marking: {}/{} calls, {}/{} conversations",
                thousands(d.0),
                thousands(total_calls),
                thousands(d.1),
                thousands(total_items)
            ));
        }
    })
    .await;
    if let Some(e) = &report.audit_error {
        super::output::warning(e);
    }
    // 3. read back what the server answered for (failed items too: their value is news)
    let outcomes: HashMap<(&str, &Peer), &ItemOutcome> = report
        .items
        .iter()
        .map(|i| ((i.user.as_str(), &i.planned.change.peer), &i.outcome))
        .collect();
    let mut backs = futures::stream::iter(targets.users.iter().filter_map(|(user, peers)| {
        if !matches!(stages.get(user), Some(UserStage::Planned(_))) {
            return None;
        }
        let answered: Vec<Peer> = peers
            .iter()
            .filter(|p| {
                outcomes
                    .get(&(user.as_str(), *p))
                    .is_some_and(|o| o.is_answered())
            })
            .cloned()
            .collect();
        let client = client.clone();
        Some(async move {
            let result = if answered.is_empty() {
                Ok(HashMap::new())
            } else {
                search(&client, user, &answered).await.map(|(r, _)| r)
            };
            (user, result)
        })
    }))
    .buffer_unordered(CONCURRENT_USERS);
    let mut values = HashMap::new();
    let mut back = 0;
    while let Some((user, result)) = backs.next().await {
        back += 1;
        if targets.many {
            progress.show(&format!("reading back: {back}/{}", thousands(total_users)));
        }
        let mut states = fresh.remove(user).unwrap_or_default();
        let result = result.map(|records| {
            states.extend(
                records
                    .iter()
                    .map(|(p, r)| (p.clone(), MarkState::of_record(Some(r)))),
            );
            states
        });
        values.insert(user.clone(), result);
    }
    drop(backs);
    progress.finish();
    Report {
        change,
        targets,
        stages,
        commit: report,
        values,
    }
}

/// What [`run_quiet`] did, in numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkSummary {
    pub conversations: usize,
    pub failed: usize,
    pub unchanged: usize,
    /// mark_contact calls sent.
    pub calls_sent: usize,
    /// The audit log's id of the commit, when it wrote there (as `mark --json` says).
    pub audit_id: Option<String>,
}

/// The whole of `mark` (read each user, plan, refuse a user over the limit, send, read
/// back, audit into `audit_dir`) without printing anything: for benches and library users.
pub async fn run_quiet(
    client: &Client,
    change: &Change,
    targets: &Targets,
    audit_dir: &Path,
) -> MarkSummary {
    let report = execute(client, change, targets, &Progress::hidden(), audit_dir).await;
    MarkSummary {
        conversations: targets.conversations(),
        failed: report.failed(),
        unchanged: report.unchanged(),
        calls_sent: report.commit.calls_sent,
        audit_id: report.audit_id(),
    }
}

pub fn run(args: MarkArgs) -> Result<ExitCode, String> {
    let parsed = parse_change(&args).and_then(|c| Ok((c, parse_targets(&args)?)));
    let (change, targets) = match parsed {
        Ok(p) => p,
        Err(message) => return super::apply::refuse(args.json, message),
    };
    let client = connect::client(&args.conn)?;
    let rt = connect::runtime()?;
    let progress = Progress::new();
    let data_dir = crate::config::data_dir();
    let report = rt.block_on(execute(&client, &change, &targets, &progress, &data_dir));
    let printed = if args.json {
        print_json(&report.json())
    } else {
        emit(&report.text())
    };
    for (user, err) in report.read_back_errors() {
        super::output::error(&format!(
            "cannot read the new values of {user} back: {}",
            err.describe()
        ));
    }
    let failed = report.failed();
    if failed > 0 {
        super::output::error(&format!(
            "{} of {} conversation(s) failed",
            thousands(failed),
            thousands(targets.conversations())
        ));
    }
    if let Err(e) = &printed {
        // the calls went out: this is not "bad input, nothing sent" (exit 2)
        super::output::error(&format!("{e}; the changes were sent, see the audit log"));
    }
    Ok(
        if failed > 0 || !report.read_back_errors().is_empty() || printed.is_err() {
            ExitCode::FAILURE
        } else {
            ExitCode::SUCCESS
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_are_checked_and_named() {
        assert_eq!(
            parse_bits("--set", &["32".into(), " 0".into(), "32".into()]).unwrap(),
            vec![0, 32]
        );
        let e = parse_bits("--set", &["64".into()]).unwrap_err();
        assert!(
            e.contains("--set") && e.contains("64") && e.contains("0..=63"),
            "{e}"
        );
        let e = parse_bits("--clear", &["x".into()]).unwrap_err();
        assert!(e.contains("\"x\""), "{e}");
        assert!(parse_bits("--set", &["".into()]).is_err());
        assert!(parse_bits("--set", &["-1".into()]).is_err());
    }

    #[test]
    fn lines_are_one_conversation_with_a_user_and_two_fields_without() {
        let peers = parse_lines("f", "# header\n\nc2c_bob\n  group_g1 \nbare\n", true).unwrap();
        let peers: Vec<Peer> = peers.into_iter().map(|(_, p)| p).collect();
        assert_eq!(
            peers,
            vec![
                Peer::User("bob".into()),
                Peer::Group("g1".into()),
                Peer::User("bare".into())
            ]
        );
        let e = parse_lines("f", "bob\n\ngroup_\n", true).unwrap_err();
        assert!(e.starts_with("f:3:"), "{e}");
        assert!(parse_lines("f", "# only a comment\n", true).is_err());
        let many = parse_lines("f", "alice c2c_bob\nc2c_carol group_g1\n", false).unwrap();
        assert_eq!(many[0], (Some("alice".into()), Peer::User("bob".into())));
        assert_eq!(
            many[1].0.as_deref(),
            Some("carol"),
            "c2c_ is dropped from a user"
        );
        assert!(
            parse_lines("f", "alice bob\n", true)
                .unwrap_err()
                .contains("f:1")
        );
        assert!(
            parse_lines("f", "bob\n", false)
                .unwrap_err()
                .contains("USER CONVERSATION")
        );
        assert!(
            parse_lines("f", "a b c\n", false)
                .unwrap_err()
                .contains("3 fields")
        );
    }

    #[test]
    fn the_want_carries_exactly_what_was_asked() {
        let change = Change {
            set: vec![0, 32],
            clear: vec![1],
            custom: Some(CustomMark::new("vip").unwrap()),
        };
        let want = change.want();
        assert_eq!(want.set, MarkSet(1 | 1 << 32));
        assert_eq!(want.clear, MarkSet(0b10));
        assert_eq!(want.custom.unwrap().as_str(), "vip");
    }
}
