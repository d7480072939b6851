//! `convmark diff`: what it would take to bring the server to a marks document, in words
//! (the plan `apply` would send). Exit codes as diff(1): 0 in sync, 1 differences, 2
//! trouble (a bad document or arguments, a read that failed).

use std::process::ExitCode;

use serde::Serialize;

use super::apply::{document_parts, labels, plan_parts, refuse, who};
use super::connect;
use super::output::{ErrorJson, Progress, emit, print_json};
use crate::cli::DiffArgs;
use crate::service::apply::PlanJson;
use crate::service::document::DocUser;

/// `diff --json`.
#[derive(Debug, Serialize)]
pub struct DiffJson {
    /// No call needed for any user (exit 0).
    pub in_sync: bool,
    pub users: Vec<DiffUserJson>,
}

#[derive(Debug, Serialize)]
pub struct DiffUserJson {
    /// Whose part of the document.
    pub source: String,
    #[serde(flatten)]
    pub plan: PlanJson,
}

pub fn run(args: DiffArgs) -> Result<ExitCode, String> {
    let checked = document_parts(&args.file, args.user.as_deref(), args.source.as_deref());
    let owned = match checked {
        Ok(p) => p,
        Err(message) => return refuse(args.json, message),
    };
    let parts: Vec<(String, &DocUser)> = owned.iter().map(|(t, p)| (t.clone(), p)).collect();
    let client = connect::client(&args.conn)?;
    let rt = connect::runtime()?;
    let progress = Progress::new();
    progress.show("reading the server");
    let plans = rt.block_on(plan_parts(&client, &parts, args.prune));
    progress.finish();
    let plans = match plans {
        Ok(p) => p,
        Err((user, e)) => {
            if args.json {
                let _ = print_json(&super::apply::FailedJson {
                    ok: false,
                    error: ErrorJson::from(&e),
                });
            }
            return Err(format!("cannot read {user:?}: {}", e.describe()));
        }
    };
    let in_sync = plans.iter().all(|p| p.in_sync());
    if args.json {
        print_json(&DiffJson {
            in_sync,
            users: plans
                .iter()
                .zip(&parts)
                .map(|(p, (_, part))| DiffUserJson {
                    source: part.user.clone(),
                    plan: p.json(),
                })
                .collect(),
        })?;
    } else {
        let labels = labels();
        let text: String = plans
            .iter()
            .zip(&parts)
            .map(|(p, (target, part))| p.words(&who(target, &part.user), &labels))
            .collect();
        emit(&text)?;
    }
    Ok(if in_sync {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
