//! HTTP: one handler for every path. It checks, in order: the path (60009), the query
//! (sdkappid 60012/60006, identifier 60002/60010, UserSig 70001..70014), the rate limit
//! (60007), then injects faults, then parses the body (60003 when it is not JSON, 50002
//! with serde's message when it has the wrong shape) and runs the endpoint's rule in
//! `store`. Every API-level answer is HTTP 200.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State as AxumState;
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::Notify;

use crate::api::paths;
use crate::api::usersig;
use crate::api::wire::Envelope;

use super::EmulatorConfig;
use super::faults::{Fault, Faults, RateLimiter, SLOW_ANSWER};
use super::store::{Refusal, State};

/// What every request shares.
pub struct Shared {
    pub state: Mutex<State>,
    pub config: EmulatorConfig,
    pub faults: Faults,
    pub limiter: RateLimiter,
    /// Woken after every mutation when a state file is configured.
    pub dirty: Notify,
    /// Held while the state file is written: one writer at a time.
    pub writing: Mutex<()>,
}

impl Shared {
    pub fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Endpoint {
    MarkContact,
    GetList,
    GetContactGroup,
    SearchContactGroup,
    CreateContactGroup,
    UpdateContactGroup,
    DelContactGroup,
    Delete,
    AccountImport,
    MultiAccountImport,
    SendMsg,
}

impl Endpoint {
    fn from_path(path: &str) -> Option<Self> {
        let path = path.trim_start_matches('/');
        Some(match path {
            paths::MARK_CONTACT => Endpoint::MarkContact,
            paths::GET_LIST => Endpoint::GetList,
            paths::GET_CONTACT_GROUP => Endpoint::GetContactGroup,
            paths::SEARCH_CONTACT_GROUP => Endpoint::SearchContactGroup,
            paths::CREATE_CONTACT_GROUP => Endpoint::CreateContactGroup,
            paths::UPDATE_CONTACT_GROUP => Endpoint::UpdateContactGroup,
            paths::DEL_CONTACT_GROUP => Endpoint::DelContactGroup,
            paths::DELETE => Endpoint::Delete,
            paths::ACCOUNT_IMPORT => Endpoint::AccountImport,
            paths::MULTIACCOUNT_IMPORT => Endpoint::MultiAccountImport,
            paths::SENDMSG => Endpoint::SendMsg,
            _ => return None,
        })
    }
}

pub fn router(shared: Arc<Shared>) -> Router {
    Router::new().fallback(handle).with_state(shared)
}

fn json_response<T: Serialize>(value: &T) -> Response {
    match serde_json::to_vec(value) {
        Ok(bytes) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            bytes,
        )
            .into_response(),
        Err(e) => refusal_response(&Refusal::new(50004, e)),
    }
}

fn refusal_response(refusal: &Refusal) -> Response {
    json_response(&Envelope::fail(refusal.code, refusal.info.clone()))
}

/// Checks the query: SDKAppID, admin identifier, UserSig. Returns the identifier.
fn authenticate(config: &EmulatorConfig, query: &str) -> Result<String, Refusal> {
    let params: HashMap<String, String> = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let Some(sdkappid) = params.get("sdkappid") else {
        return Err(Refusal::new(60012, "the URL has no sdkappid parameter"));
    };
    if sdkappid.trim().parse::<u64>().ok() != Some(config.sdkappid) {
        return Err(Refusal::new(
            60006,
            format!("sdkappid {sdkappid:?} is not this app"),
        ));
    }
    let Some(identifier) = params.get("identifier").filter(|i| !i.is_empty()) else {
        return Err(Refusal::new(60002, "the URL has no identifier parameter"));
    };
    if !config.admins.iter().any(|a| a == identifier) {
        return Err(Refusal::new(
            60010,
            format!("{identifier:?} is not an app admin"),
        ));
    }
    let sig = params.get("usersig").map(String::as_str).unwrap_or("");
    usersig::verify(
        sig,
        config.sdkappid,
        &config.secret_key,
        identifier,
        usersig::unix_now(),
    )
    .map_err(|e| Refusal::new(e.code(), e))?;
    Ok(identifier.clone())
}

async fn fault_response(fault: Fault) -> Response {
    match fault {
        Fault::Internal => refusal_response(&Refusal::new(50004, "injected fault")),
        Fault::Timeout => refusal_response(&Refusal::new(50005, "injected fault")),
        Fault::BadGateway => {
            (StatusCode::BAD_GATEWAY, "502 Bad Gateway (injected)").into_response()
        }
        Fault::Drop => {
            // a body that fails makes hyper abort the connection mid-answer
            let stream = futures::stream::iter([
                Ok(Bytes::from_static(b"{\"ActionStatus\":")),
                Err(std::io::Error::other("injected dropped connection")),
            ]);
            Response::builder()
                .status(StatusCode::OK)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from_stream(stream))
                .unwrap_or_else(|_| StatusCode::BAD_GATEWAY.into_response())
        }
        Fault::Slow => {
            tokio::time::sleep(SLOW_ANSWER).await;
            refusal_response(&Refusal::new(50005, "injected slow answer"))
        }
    }
}

async fn handle(AxumState(shared): AxumState<Arc<Shared>>, uri: Uri, body: Bytes) -> Response {
    if !shared.config.latency.is_zero() {
        tokio::time::sleep(shared.config.latency).await;
    }
    let Some(endpoint) = Endpoint::from_path(uri.path()) else {
        return refusal_response(&Refusal::new(
            60009,
            format!("{} is not an API path", uri.path()),
        ));
    };
    let identifier = match authenticate(&shared.config, uri.query().unwrap_or("")) {
        Ok(id) => id,
        Err(refusal) => return refusal_response(&refusal),
    };
    if !shared.limiter.allow() {
        return refusal_response(&Refusal::new(
            60007,
            format!(
                "more than {} calls in one second for this app",
                shared.config.rate_limit
            ),
        ));
    }
    if let Some(fault) = shared.faults.next() {
        return fault_response(fault).await;
    }
    // Some clients (Windows ones especially) start UTF-8 text with a byte-order mark.
    let json = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&body);
    let value: serde_json::Value = match serde_json::from_slice(json) {
        Ok(v) => v,
        Err(e) => {
            return refusal_response(&Refusal::new(60003, format!("the body is not JSON: {e}")));
        }
    };
    dispatch(&shared, endpoint, &identifier, value)
}

/// Parses the body as `Q` and runs `op` under the state lock.
fn run<Q, R>(
    shared: &Shared,
    value: serde_json::Value,
    mutates: bool,
    op: impl FnOnce(&mut State, Q) -> Result<R, Refusal>,
) -> Response
where
    Q: DeserializeOwned,
    R: Serialize,
{
    let req: Q = match serde_json::from_value(value) {
        Ok(req) => req,
        Err(e) => return refusal_response(&Refusal::new(50002, e)),
    };
    let result = {
        let mut state = shared.lock();
        op(&mut state, req)
    };
    match result {
        Ok(answer) => {
            if mutates {
                shared.dirty.notify_one();
            }
            json_response(&answer)
        }
        Err(refusal) => refusal_response(&refusal),
    }
}

fn dispatch(
    shared: &Shared,
    endpoint: Endpoint,
    identifier: &str,
    value: serde_json::Value,
) -> Response {
    let edition = shared.config.edition;
    let now = usersig::unix_now();
    match endpoint {
        Endpoint::MarkContact => run(shared, value, true, |s, r| s.mark_contact(&r, edition, now)),
        Endpoint::GetList => run(shared, value, false, |s, r| s.get_list(&r)),
        Endpoint::GetContactGroup => run(shared, value, false, |s, r| s.get_contact_group(&r)),
        Endpoint::SearchContactGroup => {
            run(shared, value, false, |s, r| s.search_contact_group(&r))
        }
        Endpoint::CreateContactGroup => run(shared, value, true, |s, r| {
            s.create_contact_group(&r, edition, now)
        }),
        Endpoint::UpdateContactGroup => run(shared, value, true, |s, r| {
            s.update_contact_group(&r, edition, now)
        }),
        Endpoint::DelContactGroup => run(shared, value, true, |s, r| {
            s.del_contact_group(&r, edition, now)
        }),
        Endpoint::Delete => run(shared, value, true, |s, r| s.delete(&r)),
        Endpoint::AccountImport => run(shared, value, true, |s, r| s.account_import(&r)),
        Endpoint::MultiAccountImport => run(shared, value, true, |s, r| s.multiaccount_import(&r)),
        Endpoint::SendMsg => run(shared, value, true, |s, r| s.sendmsg(&r, identifier, now)),
    }
}
