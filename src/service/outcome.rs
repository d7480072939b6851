//! The outcome of one conversation in a call: one type for the TUI's rows, the CLI's tables
//! and JSON, and the audit log.

use std::collections::HashMap;

use crate::api::{ApiError, codes};
use crate::domain::Peer;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemOutcome {
    /// The server answered for this conversation with this ResultCode.
    Answered { code: i64, info: String },
    /// The call carrying it failed as a whole (nothing of it was applied, or nobody knows).
    CallFailed(ApiError),
    /// The server answered the call but said nothing about this conversation.
    Missing,
    /// Not sent: the commit was cancelled before this call went out.
    NotSent,
    /// The call failed after it was sent (its answer was lost) and the re-read that would
    /// tell whether the change was applied failed too: nobody knows.
    Unknown { call: ApiError, read: ApiError },
}

impl ItemOutcome {
    pub fn ok() -> Self {
        ItemOutcome::Answered {
            code: 0,
            info: String::new(),
        }
    }

    pub fn is_ok(&self) -> bool {
        matches!(self, ItemOutcome::Answered { code: 0, .. })
    }

    /// The server answered for it (success or not): such an item is audited.
    pub fn is_answered(&self) -> bool {
        matches!(self, ItemOutcome::Answered { .. })
    }

    pub fn code(&self) -> Option<i64> {
        match self {
            ItemOutcome::Answered { code, .. } => Some(*code),
            ItemOutcome::CallFailed(e) | ItemOutcome::Unknown { call: e, .. } => e.code(),
            ItemOutcome::Missing | ItemOutcome::NotSent => None,
        }
    }

    /// `ResultInfo` as the server wrote it, or the reason there is none.
    pub fn info(&self) -> String {
        match self {
            ItemOutcome::Answered { info, .. } => info.clone(),
            ItemOutcome::CallFailed(e) => e.describe(),
            ItemOutcome::Missing => "the server's answer has no ResultItem for it".into(),
            ItemOutcome::NotSent => "not sent: the commit was cancelled first".into(),
            ItemOutcome::Unknown { .. } => self.describe(),
        }
    }

    /// The code's meaning and what to do, for people.
    pub fn describe(&self) -> String {
        match self {
            ItemOutcome::Answered { code, info } => codes::describe_with_info(*code, info),
            ItemOutcome::CallFailed(e) => format!("call failed: {}", e.describe()),
            ItemOutcome::Missing => "no ResultItem in the answer for this conversation".into(),
            ItemOutcome::NotSent => "not sent: the commit was cancelled first".into(),
            ItemOutcome::Unknown { call, read } => format!(
                "unknown whether changed: the call failed after it was sent ({}) and the re-read failed too ({}); `convmark get` shows what the server holds",
                call.describe(),
                read.describe()
            ),
        }
    }

    /// A short result for a table cell: `ResultCode N`, `call failed`, `no result`, `not sent`.
    pub fn short(&self) -> String {
        match self {
            ItemOutcome::Answered { code, .. } => format!("ResultCode {code}"),
            ItemOutcome::CallFailed(e) => match e.code() {
                Some(code) => format!("call failed, {code}"),
                None => "call failed".into(),
            },
            ItemOutcome::Missing => "no result".into(),
            ItemOutcome::NotSent => "not sent".into(),
            ItemOutcome::Unknown { .. } => "unknown".into(),
        }
    }

    /// `meaning` in JSON: the table's meaning of the code.
    pub fn meaning(&self) -> String {
        match self {
            ItemOutcome::Answered { code, .. } => codes::meaning(*code).to_owned(),
            ItemOutcome::CallFailed(e) => match e.code() {
                Some(code) => codes::meaning(code).to_owned(),
                None => e.describe(),
            },
            ItemOutcome::Missing => "no ResultItem in the answer".into(),
            ItemOutcome::NotSent => "not sent (cancelled)".into(),
            ItemOutcome::Unknown { .. } => {
                "the answer was lost and the re-read failed: unknown whether changed".into()
            }
        }
    }
}

/// Each conversation of one call with what the server answered for it, from the answer's
/// `(conversation, ResultCode, ResultInfo)` items; `Missing` when it said nothing about one.
pub fn outcomes_of(
    sent: &[Peer],
    answers: impl IntoIterator<Item = (Peer, i64, String)>,
) -> Vec<(Peer, ItemOutcome)> {
    let mut answered: HashMap<Peer, ItemOutcome> = answers
        .into_iter()
        .map(|(peer, code, info)| (peer, ItemOutcome::Answered { code, info }))
        .collect();
    sent.iter()
        .map(|peer| {
            let outcome = answered.remove(peer).unwrap_or(ItemOutcome::Missing);
            (peer.clone(), outcome)
        })
        .collect()
}

/// Each conversation of one call with the whole call's failure (or `NotSent`).
pub fn all_failed(sent: &[Peer], err: &ApiError) -> Vec<(Peer, ItemOutcome)> {
    let outcome = match err {
        ApiError::Cancelled => ItemOutcome::NotSent,
        e => ItemOutcome::CallFailed(e.clone()),
    };
    sent.iter().map(|p| (p.clone(), outcome.clone())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_item_the_answer_leaves_out_is_missing() {
        let a = Peer::User("a".into());
        let b = Peer::User("b".into());
        let out = outcomes_of(&[a.clone(), b.clone()], [(b.clone(), 51008, "full".into())]);
        assert_eq!(out[0], (a, ItemOutcome::Missing));
        assert_eq!(out[1].1.code(), Some(51008));
        assert!(!out[1].1.is_ok());
        let cancelled = all_failed(std::slice::from_ref(&b), &ApiError::Cancelled);
        assert_eq!(cancelled[0].1, ItemOutcome::NotSent);
    }

    #[test]
    fn outcome_of_a_failed_item_names_code_and_meaning() {
        let o = ItemOutcome::Answered {
            code: 51013,
            info: "need Ultimate".into(),
        };
        assert!(o.describe().contains("51013"), "{}", o.describe());
        assert_eq!(o.meaning(), codes::meaning(51013));
        let e = ItemOutcome::CallFailed(ApiError::Timeout);
        assert_eq!(e.code(), None);
        assert!(e.describe().contains("timed out"));
    }
}
