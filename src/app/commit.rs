//! Building a commit: every staged edit, batched, as the exact requests that go out.

use crate::api::ApiError;
use crate::api::wire::{MarkContactRequest, MarkItem, MarkResultItem};
use crate::domain::{MAX_MARK_ITEMS, MarkChange, batches};

use super::msg::BatchOutcome;
use super::state::App;

/// Every staged edit of every conversation, in list order, in batches of at most 100.
pub fn staged_batches(app: &App) -> Vec<Vec<MarkChange>> {
    let changes = app.staged_changes();
    batches(&changes, MAX_MARK_ITEMS)
        .map(<[MarkChange]>::to_vec)
        .collect()
}

/// The mark_contact request of one batch: the right OptType and only the changed bits.
pub fn request(user: &str, batch: &[MarkChange]) -> MarkContactRequest {
    MarkContactRequest {
        from_account: user.to_owned(),
        mark_item: batch.iter().filter_map(MarkItem::from_change).collect(),
    }
}

/// The request preview: URL and pretty JSON of every call a commit would send.
pub fn preview(app: &App) -> String {
    let Some(user) = &app.user else {
        return "No user is open: nothing to commit.".into();
    };
    let batches = staged_batches(app);
    if batches.is_empty() {
        return "Nothing is staged: a commit would send nothing.\n\nStage a bit with Space or a custom mark with Enter, then press p again.".into();
    }
    let url = &app.session.mark_contact_url;
    let (path, query) = url.split_once('?').unwrap_or((url.as_str(), ""));
    let mut out = String::new();
    for (n, batch) in batches.iter().enumerate() {
        let req = request(user, batch);
        out.push_str(&format!(
            "# call {} of {}: {} conversation(s)\nPOST {path}\n  ?{query}\n",
            n + 1,
            batches.len(),
            batch.len(),
        ));
        // The body as sent (compact JSON), one MarkItem per line.
        let from = serde_json::to_string(&req.from_account).unwrap_or_default();
        out.push_str(&format!("{{\"From_Account\":{from},\"MarkItem\":[\n"));
        let items: Vec<String> = req
            .mark_item
            .iter()
            .map(|item| {
                serde_json::to_string(item).unwrap_or_else(|e| format!("cannot serialize: {e}"))
            })
            .collect();
        out.push_str(&items.join(",\n"));
        out.push_str("\n]}\n\n");
    }
    out
}

/// Each conversation of one call with the server's item for it (`None`: the answer did not
/// mention it), or the error of a call that failed as a whole.
pub fn items(
    outcome: &BatchOutcome,
) -> Result<Vec<(&MarkChange, Option<&MarkResultItem>)>, &ApiError> {
    let resp = outcome.result.as_ref()?;
    Ok(outcome
        .sent
        .iter()
        .map(|change| {
            let item = resp
                .result_item
                .iter()
                .find(|r| r.contact_item.0 == change.peer);
            (change, item)
        })
        .collect())
}

/// The conversations of one call that the server answered for, with their ResultCode and
/// ResultInfo (for the audit log). A call that failed as a whole answered for none.
pub fn answered(outcome: &BatchOutcome) -> Vec<(&MarkChange, i64, &str)> {
    items(outcome)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(change, item)| item.map(|r| (change, r.result_code, r.result_info.as_str())))
        .collect()
}
