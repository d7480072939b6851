//! `convmark mark`: set or clear standard mark bits and set the custom mark of one or many
//! conversations, without the TUI. Everything is checked before anything is sent; batches
//! of 100 go out concurrently under the client's pacer; the result is read back.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::process::ExitCode;

use futures::StreamExt;
use serde::Serialize;

use super::connect;
use super::load;
use super::output::{
    ErrorJson, ItemOutcome, MarkJson, Progress, Table, emit, extension_bits, failure_lines,
    internal_marks, kind, outcomes_of, print_json, quoted,
};
use crate::api::wire::{ContactRecord, MarkContactRequest, MarkItem};
use crate::api::{ApiError, Client};
use crate::cli::MarkArgs;
use crate::domain::{
    BitIndex, CustomMark, MAX_MARK_ITEMS, MarkChange, MarkSet, OptType, Peer, StagedEdit, batches,
    validate_id,
};

/// Batches in flight at once; the client's pacer keeps the call rate under the limit.
const CONCURRENT_CALLS: usize = 16;

/// What to send, checked: the conversations and one edit applied to each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkPlan {
    pub user: String,
    pub peers: Vec<Peer>,
    pub set: Vec<u8>,
    pub clear: Vec<u8>,
    pub custom: Option<CustomMark>,
}

impl MarkPlan {
    /// The staged edit every conversation gets, in the domain's terms (for the audit log).
    fn edit(&self) -> StagedEdit {
        let set = |bits: &[u8]| MarkSet::from_indices(bits.iter().map(|b| i64::from(*b)));
        StagedEdit {
            set: set(&self.set).unwrap_or_default(),
            clear: set(&self.clear).unwrap_or_default(),
            custom: self.custom.clone(),
        }
    }

    pub fn opt_type(&self) -> OptType {
        let bits = !(self.set.is_empty() && self.clear.is_empty());
        match (bits, self.custom.is_some()) {
            (true, true) => OptType::Both,
            (false, true) => OptType::Custom,
            _ => OptType::Standard,
        }
    }

    /// The wire item for one conversation: exactly the bits the user gave. The CLI does not
    /// know the current values, so it sends what was asked; the server ignores no-ops.
    pub fn item(&self, peer: &Peer) -> MarkItem {
        let list = |v: &Vec<u8>| (!v.is_empty()).then(|| v.clone());
        MarkItem {
            opt_type: self.opt_type(),
            contact_item: peer.clone().into(),
            set_mark: list(&self.set),
            clear_mark: list(&self.clear),
            custom_mark: self.custom.as_ref().map(|c| c.as_str().to_owned()),
        }
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

/// `--to`: a user, written `c2c_USERID` or bare.
fn parse_to(text: &str) -> Result<Peer, String> {
    let id = text.trim();
    let id = id.strip_prefix("c2c_").unwrap_or(id);
    validate_id(id).map_err(|e| format!("--to: {e}"))?;
    Ok(Peer::User(id.to_owned()))
}

/// `--group`: a group, written `group_GROUPID` or bare.
fn parse_group(text: &str) -> Result<Peer, String> {
    let id = text.trim();
    let id = id.strip_prefix("group_").unwrap_or(id);
    validate_id(id).map_err(|e| format!("--group: {e}"))?;
    Ok(Peer::Group(id.to_owned()))
}

/// Reads one conversation per line; blank lines and `#` comments are skipped. A bad line
/// is an error naming its number.
pub fn parse_lines(name: &str, text: &str) -> Result<Vec<Peer>, String> {
    let mut peers = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let peer = Peer::parse(line).map_err(|e| format!("{name}:{}: {e}", n + 1))?;
        peers.push(peer);
    }
    if peers.is_empty() {
        return Err(format!("{name}: no conversations in it"));
    }
    Ok(peers)
}

fn read_from(path: &Path) -> Result<Vec<Peer>, String> {
    if path.as_os_str() == "-" {
        let text = std::io::read_to_string(std::io::stdin())
            .map_err(|e| format!("--from -: cannot read stdin: {e}"))?;
        parse_lines("stdin", &text)
    } else {
        let text =
            std::fs::read_to_string(path).map_err(|e| format!("--from {}: {e}", path.display()))?;
        parse_lines(&path.display().to_string(), &text)
    }
}

/// Checks every argument; nothing is sent when this fails.
pub fn plan(args: &MarkArgs) -> Result<MarkPlan, String> {
    let user = connect::user_id(&args.user)?;
    let set = parse_bits("--set", &args.set)?;
    let clear = parse_bits("--clear", &args.clear)?;
    let custom = match &args.custom {
        Some(text) => Some(CustomMark::new(text.as_str()).map_err(|e| format!("--custom: {e}"))?),
        None => None,
    };
    if set.is_empty() && clear.is_empty() && custom.is_none() {
        return Err("nothing to change: give --set BITS, --clear BITS or --custom TEXT".into());
    }
    let mut peers = Vec::new();
    for to in &args.to {
        peers.push(parse_to(to)?);
    }
    for group in &args.group {
        peers.push(parse_group(group)?);
    }
    if let Some(path) = &args.from {
        peers.extend(read_from(path)?);
    }
    if peers.is_empty() {
        return Err("no conversation: give --to USER, --group GROUP or --from FILE".into());
    }
    let mut seen = HashSet::new();
    peers.retain(|p| seen.insert(p.clone()));
    Ok(MarkPlan {
        user,
        peers,
        set,
        clear,
        custom,
    })
}

/// The outcome of every conversation, plus the number of mark_contact calls made.
pub async fn send(client: &Client, plan: &MarkPlan) -> (HashMap<Peer, ItemOutcome>, usize) {
    let progress = Progress::new("marking", plan.peers.len());
    let chunks: Vec<&[Peer]> = batches(&plan.peers, MAX_MARK_ITEMS).collect();
    let calls = chunks.len();
    let mut answers = futures::stream::iter(chunks.into_iter().map(|chunk| {
        let req = MarkContactRequest {
            from_account: plan.user.clone(),
            mark_item: chunk.iter().map(|p| plan.item(p)).collect(),
        };
        async move { (chunk, client.mark_contact(&req).await) }
    }))
    .buffer_unordered(CONCURRENT_CALLS);
    let mut outcomes = HashMap::new();
    let mut done = 0;
    progress.update(done);
    while let Some((chunk, answer)) = answers.next().await {
        match answer {
            Ok(resp) => {
                outcomes.extend(outcomes_of(
                    chunk,
                    resp.result_item
                        .into_iter()
                        .map(|r| (r.contact_item.0, r.result_code, r.result_info)),
                ));
            }
            Err(err) => {
                for peer in chunk {
                    outcomes.insert(peer.clone(), ItemOutcome::CallFailed(err.clone()));
                }
            }
        }
        done += chunk.len();
        progress.update(done);
    }
    progress.finish();
    (outcomes, calls)
}

/// Appends one audit line per conversation the server answered for (success or not); a
/// call that failed as a whole changed nothing and is not a commit.
fn audit(client: &Client, plan: &MarkPlan, outcomes: &HashMap<Peer, ItemOutcome>) {
    let config = client.config();
    let edit = plan.edit();
    let changes: Vec<(MarkChange, i64, &str)> = plan
        .peers
        .iter()
        .filter_map(|peer| match outcomes.get(peer) {
            Some(ItemOutcome::Answered { code, info }) => Some((
                MarkChange {
                    peer: peer.clone(),
                    edit: edit.clone(),
                },
                *code,
                info.as_str(),
            )),
            _ => None,
        })
        .collect();
    let records = crate::audit::answered(
        config.sdkappid,
        &config.identifier,
        &plan.user,
        changes.iter().map(|(c, code, info)| (c, *code, *info)),
    );
    if let Err(e) = crate::audit::write(&crate::config::data_dir(), &records) {
        eprintln!("convmark: warning: {e}");
    }
}

/// `mark --json`.
#[derive(Debug, Serialize)]
pub struct MarkJsonOut {
    pub user: String,
    pub set: Vec<u8>,
    pub clear: Vec<u8>,
    /// The custom mark sent, null when not changed.
    pub custom_mark: Option<String>,
    /// mark_contact calls made.
    pub calls: usize,
    /// True when every conversation succeeded and the read-back worked (exit 0).
    pub ok: bool,
    /// Conversations that succeeded / failed.
    pub succeeded: usize,
    pub failed: usize,
    pub results: Vec<ItemJson>,
    /// Set when reading the new values back failed.
    pub read_back_error: Option<ErrorJson>,
}

#[derive(Debug, Serialize)]
pub struct ItemJson {
    pub user: String,
    pub conversation: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub ok: bool,
    /// The item's ResultCode, or the call's error code; null when there is none (network).
    pub result_code: Option<i64>,
    /// The item's ResultInfo as the server wrote it, or why there is none.
    pub result_info: String,
    /// The code's meaning from the error table.
    pub meaning: String,
    /// The value read back after the change; null when it could not be read.
    pub standard_mark: Option<MarkJson>,
    pub custom_mark: Option<String>,
}

struct Report<'a> {
    plan: &'a MarkPlan,
    outcomes: &'a HashMap<Peer, ItemOutcome>,
    calls: usize,
    read_back: &'a Result<HashMap<Peer, ContactRecord>, ApiError>,
}

impl Report<'_> {
    fn outcome(&self, peer: &Peer) -> ItemOutcome {
        self.outcomes
            .get(peer)
            .cloned()
            .unwrap_or(ItemOutcome::Missing)
    }

    fn record(&self, peer: &Peer) -> Option<&ContactRecord> {
        self.read_back.as_ref().ok().and_then(|r| r.get(peer))
    }

    fn failed(&self) -> usize {
        self.plan
            .peers
            .iter()
            .filter(|p| !self.outcome(p).is_ok())
            .count()
    }

    fn json(&self) -> MarkJsonOut {
        let results: Vec<ItemJson> = self
            .plan
            .peers
            .iter()
            .map(|peer| {
                let outcome = self.outcome(peer);
                let record = self.record(peer);
                ItemJson {
                    user: self.plan.user.clone(),
                    conversation: peer.conversation_id(),
                    kind: kind(peer),
                    ok: outcome.is_ok(),
                    result_code: outcome.code(),
                    result_info: outcome.info(),
                    meaning: outcome.meaning(),
                    standard_mark: record.map(|r| MarkJson::from(&r.standard_mark)),
                    custom_mark: record.map(|r| r.custom_mark.clone().unwrap_or_default()),
                }
            })
            .collect();
        let failed = self.failed();
        MarkJsonOut {
            user: self.plan.user.clone(),
            set: self.plan.set.clone(),
            clear: self.plan.clear.clone(),
            custom_mark: self.plan.custom.as_ref().map(|c| c.as_str().to_owned()),
            calls: self.calls,
            ok: failed == 0 && self.read_back.is_ok(),
            succeeded: results.len() - failed,
            failed,
            results,
            read_back_error: self.read_back.as_ref().err().map(ErrorJson::from),
        }
    }

    fn text(&self) -> String {
        let plan = self.plan;
        let mut what = Vec::new();
        if !plan.set.is_empty() {
            what.push(format!("set {:?}", plan.set));
        }
        if !plan.clear.is_empty() {
            what.push(format!("clear {:?}", plan.clear));
        }
        if let Some(c) = &plan.custom {
            what.push(format!("custom mark {}", quoted(c.as_str())));
        }
        let mut out = format!(
            "{}: {} on {} conversation(s) in {} call(s)\n\n",
            plan.user,
            what.join(", "),
            plan.peers.len(),
            self.calls
        );
        let mut table = Table::new(&[
            "CONVERSATION",
            "RESULT",
            "MARKS",
            "EXT BITS",
            "STANDARD",
            "RAW",
            "CUSTOM",
        ]);
        for peer in &plan.peers {
            let outcome = self.outcome(peer);
            let mut row = vec![
                peer.conversation_id(),
                if outcome.is_ok() {
                    "ok".into()
                } else {
                    format!("FAILED {}", outcome.short())
                },
            ];
            match self.record(peer) {
                Some(r) => row.extend([
                    internal_marks(&r.standard_mark),
                    extension_bits(&r.standard_mark),
                    r.standard_mark.value.hex(),
                    quoted(&r.standard_mark.raw),
                    match r.custom_mark.as_deref() {
                        None | Some("") => "-".into(),
                        Some(c) => quoted(c),
                    },
                ]),
                None => row.push("(not read back)".into()),
            }
            table.row(row);
        }
        out.push_str(&table.render());
        let failed = self.failed();
        out.push_str(&format!(
            "\n{} ok, {failed} failed\n",
            plan.peers.len() - failed
        ));
        if failed > 0 {
            let outcomes: Vec<(&Peer, ItemOutcome)> =
                plan.peers.iter().map(|p| (p, self.outcome(p))).collect();
            out.push_str("\nfailed:\n");
            out.push_str(&failure_lines(outcomes.iter().map(|(p, o)| (*p, o))));
        }
        out
    }
}

pub fn run(args: MarkArgs) -> Result<ExitCode, String> {
    let plan = plan(&args)?;
    let client = connect::client(&args.conn)?;
    let rt = connect::runtime()?;
    let (outcomes, calls, read_back) = rt.block_on(async {
        let (outcomes, calls) = send(&client, &plan).await;
        audit(&client, &plan, &outcomes);
        // read back what the server answered for (failed items too: their value is news);
        // a call that failed as a whole has already said all there is to say
        let answered: Vec<Peer> = plan
            .peers
            .iter()
            .filter(|p| !matches!(outcomes.get(*p), Some(ItemOutcome::CallFailed(_)) | None))
            .cloned()
            .collect();
        let read_back = if answered.is_empty() {
            Ok(HashMap::new())
        } else {
            load::search(&client, &plan.user, &answered)
                .await
                .map(|(records, _)| records)
        };
        (outcomes, calls, read_back)
    });
    let report = Report {
        plan: &plan,
        outcomes: &outcomes,
        calls,
        read_back: &read_back,
    };
    if args.json {
        print_json(&report.json())?;
    } else {
        emit(&report.text())?;
    }
    if let Err(err) = &read_back {
        eprintln!(
            "convmark: cannot read the new values back: {}",
            err.describe()
        );
    }
    let failed = report.failed();
    if failed > 0 {
        eprintln!(
            "convmark: {failed} of {} conversation(s) failed",
            plan.peers.len()
        );
    }
    Ok(if failed > 0 || read_back.is_err() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
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
    fn lines_skip_blanks_and_comments_and_name_a_bad_line() {
        let peers = parse_lines("f", "# header\n\nc2c_bob\n  group_g1 \nbare\n").unwrap();
        assert_eq!(
            peers,
            vec![
                Peer::User("bob".into()),
                Peer::Group("g1".into()),
                Peer::User("bare".into())
            ]
        );
        let e = parse_lines("f", "bob\n\ngroup_\n").unwrap_err();
        assert!(e.starts_with("f:3:"), "{e}");
        assert!(parse_lines("f", "# only a comment\n").is_err());
    }

    #[test]
    fn the_item_carries_exactly_what_was_asked() {
        let plan = MarkPlan {
            user: "alice".into(),
            peers: vec![],
            set: vec![0, 32],
            clear: vec![1],
            custom: Some(CustomMark::new("vip").unwrap()),
        };
        let item = plan.item(&Peer::Group("g1".into()));
        assert_eq!(
            serde_json::to_value(&item).unwrap(),
            serde_json::json!({"OptType":3,"ContactItem":{"Type":2,"ToGroupId":"g1"},
                "SetMark":[0,32],"ClearMark":[1],"CustomMark":"vip"})
        );
        let only_custom = MarkPlan {
            set: vec![],
            clear: vec![],
            ..plan
        };
        assert_eq!(only_custom.opt_type(), OptType::Custom);
    }
}
