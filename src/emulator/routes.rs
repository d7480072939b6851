//! HTTP: one handler for every path. It checks, in order: the path (60009), the query
//! (sdkappid 60012/60006, identifier 60002/60010, UserSig 70001..70014), the rate limit
//! (60007), then injects faults, then reads the body (60002 when it is too large, cannot be
//! read or does not arrive in time), parses it (60003 when it is not JSON, 50002 with
//! serde's message when it has the wrong shape) and runs the endpoint's rule in `store`.
//! Every API-level answer is HTTP 200 with a JSON envelope.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, BodyDataStream, Bytes};
use axum::extract::{Request, State as AxumState};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::Notify;

use crate::api::usersig;
use crate::api::wire::Envelope;

use super::EmulatorConfig;
use super::endpoint::Endpoint;
use super::faults::{Fault, Faults, RateLimiter};
use super::store::{Refusal, State};

/// The largest request body the emulator reads. The largest valid requests are a
/// mark_contact of 100 items, each with a 128-byte ID, 64 bit indices in both SetMark and
/// ClearMark and a 256-byte CustomMark, and a search of 300 items with 128-byte IDs: about
/// 80 KB written plainly, under 300 KB even with every character of the IDs and custom
/// marks written as a `\uXXXX` escape. 1 MiB leaves room for any spacing a client adds.
pub const MAX_BODY_BYTES: usize = 1 << 20;

/// How much of a body the emulator reads and throws away after refusing a request without
/// reading it (or after refusing it for its size), so that the client, which may still be
/// sending, reads the answer instead of a connection reset. Past this the connection is
/// closed after the answer.
const MAX_DRAIN_BYTES: u64 = 16 << 20;

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

pub fn router(shared: Arc<Shared>) -> Router {
    Router::new().fallback(handle).with_state(shared)
}

/// An answer's JSON. Serializing the wire types cannot fail in practice; if it did, the
/// answer is a 50004 envelope, never a panic or an empty body.
fn to_json<T: Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).unwrap_or_else(|e| {
        let fail = Envelope::fail(50004, format!("{}: {e}", crate::api::codes::meaning(50004)));
        serde_json::to_vec(&fail).unwrap_or_else(|_| {
            br#"{"ActionStatus":"FAIL","ErrorCode":50004,"ErrorInfo":"internal server error","ErrorDisplay":""}"#
                .to_vec()
        })
    })
}

fn refusal_json(refusal: &Refusal) -> Vec<u8> {
    to_json(&Envelope::fail(refusal.code, refusal.info.clone()))
}

fn json_response(bytes: Vec<u8>) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        bytes,
    )
        .into_response()
}

fn refusal_response(refusal: &Refusal) -> Response {
    json_response(refusal_json(refusal))
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

/// An answer that breaks off: the status line, the headers and the first bytes of `json`
/// reach the client, then the connection is aborted (a body that fails makes hyper abort
/// the connection). The short pause lets hyper flush what came before the failure.
fn dropped_mid_answer(json: &[u8]) -> Response {
    let cut = (json.len() / 2).clamp(1, 64).min(json.len());
    let head = Bytes::copy_from_slice(&json[..cut]);
    let stream = futures::stream::iter([Ok(head)]).chain(futures::stream::once(async {
        tokio::time::sleep(Duration::from_millis(20)).await;
        Err(std::io::Error::other("injected dropped connection"))
    }));
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from_stream(stream))
        .unwrap_or_else(|_| StatusCode::BAD_GATEWAY.into_response())
}

/// Silence for `delay`, then the connection is closed with nothing sent: no status line,
/// no header. axum-server's connection handle aborts the connection (all of it, for
/// HTTP/2); the handler is dropped with it while it waits below.
async fn silence_then_close(
    connection: Option<axum_server::ConnectionShutdown>,
    delay: Duration,
) -> Response {
    tokio::time::sleep(delay).await;
    if let Some(connection) = connection {
        connection.shutdown();
        // yield to the connection task, which sees the abort before it polls this handler
        // again; the answer below is only for a connection that somehow outlived it
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let stream =
        futures::stream::iter([Err::<Bytes, _>(std::io::Error::other("injected timeout"))]);
    Response::builder()
        .status(StatusCode::OK)
        .body(Body::from_stream(stream))
        .unwrap_or_else(|_| StatusCode::BAD_GATEWAY.into_response())
}

/// The answer of a fault that does not look at the request.
async fn unapplied_fault_response(fault: Fault, delay: Duration) -> Response {
    match fault {
        Fault::Internal => refusal_response(&Refusal::new(50004, "injected fault")),
        Fault::Timeout => refusal_response(&Refusal::new(50005, "injected fault")),
        Fault::BadGateway => {
            (StatusCode::BAD_GATEWAY, "502 Bad Gateway (injected)").into_response()
        }
        Fault::Drop => dropped_mid_answer(b"{\"ActionStatus\":"),
        Fault::Slow | Fault::AppliedTimeout | Fault::AppliedDrop => {
            tokio::time::sleep(delay).await;
            refusal_response(&Refusal::new(50005, "injected slow answer"))
        }
    }
}

/// The declared length of the body, when the request has a valid Content-Length.
fn content_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

fn expects_continue(headers: &HeaderMap) -> bool {
    headers
        .get(header::EXPECT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("100-continue"))
}

/// Reads the whole body, at most [`MAX_BODY_BYTES`] of it, within `timeout`. A body that is
/// too large is refused and what is left of it drained.
async fn read_body(headers: &HeaderMap, body: Body, timeout: Duration) -> Result<Vec<u8>, Refusal> {
    if let Some(len) = content_length(headers)
        && len > MAX_BODY_BYTES as u64
    {
        drain(headers, body.into_data_stream(), 0, timeout).await;
        return Err(Refusal::new(
            60002,
            format!("the body is {len} bytes (Content-Length); at most {MAX_BODY_BYTES} are read"),
        ));
    }
    let mut stream = body.into_data_stream();
    /// Why reading stopped early.
    enum Stop {
        Failed(axum::Error),
        /// Over the limit after this many bytes.
        TooLarge(u64),
    }
    let read = async {
        let mut bytes = Vec::new();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(Stop::Failed)?;
            if bytes.len() + chunk.len() > MAX_BODY_BYTES {
                return Err(Stop::TooLarge((bytes.len() + chunk.len()) as u64));
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(bytes)
    };
    match tokio::time::timeout(timeout, read).await {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(Stop::Failed(e))) => {
            Err(Refusal::new(60002, format!("the body cannot be read: {e}")))
        }
        Ok(Err(Stop::TooLarge(seen))) => {
            drain(headers, stream, seen, timeout).await;
            Err(Refusal::new(
                60002,
                format!(
                    "the body is over {MAX_BODY_BYTES} bytes; at most {MAX_BODY_BYTES} are read"
                ),
            ))
        }
        Err(_) => Err(Refusal::new(
            60002,
            format!("the body did not arrive within {} ms", timeout.as_millis()),
        )),
    }
}

/// Reads and throws away what is left of a body the emulator did not read (`seen` bytes of
/// it already were), up to [`MAX_DRAIN_BYTES`] and `timeout`. A client that waits for
/// `100 Continue` is not asked to send it.
async fn drain(headers: &HeaderMap, mut stream: BodyDataStream, seen: u64, timeout: Duration) {
    if expects_continue(headers) && seen == 0
        || content_length(headers).is_some_and(|n| n > MAX_DRAIN_BYTES)
    {
        return;
    }
    let drain = async {
        let mut seen = seen;
        while let Some(Ok(chunk)) = stream.next().await {
            seen += chunk.len() as u64;
            if seen > MAX_DRAIN_BYTES {
                return;
            }
        }
    };
    let _ = tokio::time::timeout(timeout, drain).await;
}

async fn handle(AxumState(shared): AxumState<Arc<Shared>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let config = &shared.config;
    let (endpoint, identifier, fault) = match check(&shared, &parts).await {
        Ok(checked) => checked,
        Err(refusal) => {
            drain(
                &parts.headers,
                body.into_data_stream(),
                0,
                config.idle_timeout,
            )
            .await;
            return refusal_response(&refusal);
        }
    };
    if let Some(fault) = fault.filter(|f| !f.is_applied()) {
        if fault != Fault::Drop {
            drain(
                &parts.headers,
                body.into_data_stream(),
                0,
                config.idle_timeout,
            )
            .await;
        }
        return unapplied_fault_response(fault, config.fault_delay).await;
    }
    let answer = match read_body(&parts.headers, body, config.idle_timeout).await {
        Ok(bytes) => process(&shared, endpoint, &identifier, &bytes),
        Err(refusal) => refusal_json(&refusal),
    };
    match fault {
        Some(Fault::AppliedDrop) => dropped_mid_answer(&answer),
        Some(_) => {
            let connection = parts
                .extensions
                .get::<axum_server::ConnectionShutdown>()
                .cloned();
            silence_then_close(connection, config.fault_delay).await
        }
        None => json_response(answer),
    }
}

/// The checks before the body: latency, path, query and UserSig, rate limit; then the
/// fault for this call, if any.
async fn check(
    shared: &Shared,
    parts: &axum::http::request::Parts,
) -> Result<(Endpoint, String, Option<Fault>), Refusal> {
    let config = &shared.config;
    if !config.latency.is_zero() {
        tokio::time::sleep(config.latency).await;
    }
    let uri = &parts.uri;
    let Some(endpoint) = Endpoint::from_path(uri.path()) else {
        return Err(Refusal::new(
            60009,
            format!("{} is not an API path", uri.path()),
        ));
    };
    let identifier = authenticate(config, uri.query().unwrap_or(""))?;
    if !shared.limiter.allow() {
        return Err(Refusal::new(
            60007,
            format!(
                "more than {} calls in one second for this app",
                config.rate_limit
            ),
        ));
    }
    Ok((endpoint, identifier, shared.faults.next(endpoint)))
}

/// Parses the body and runs the endpoint: the answer's JSON, success or refusal.
fn process(shared: &Shared, endpoint: Endpoint, identifier: &str, body: &[u8]) -> Vec<u8> {
    // Some clients (Windows ones especially) start UTF-8 text with a byte-order mark.
    let json = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let value: serde_json::Value = match serde_json::from_slice(json) {
        Ok(v) => v,
        Err(e) => {
            return refusal_json(&Refusal::new(60003, format!("the body is not JSON: {e}")));
        }
    };
    dispatch(shared, endpoint, identifier, value)
}

/// Parses the body as `Q` and runs `op` under the state lock.
fn run<Q, R>(
    shared: &Shared,
    value: serde_json::Value,
    mutates: bool,
    op: impl FnOnce(&mut State, Q) -> Result<R, Refusal>,
) -> Vec<u8>
where
    Q: DeserializeOwned,
    R: Serialize,
{
    let req: Q = match serde_json::from_value(value) {
        Ok(req) => req,
        Err(e) => return refusal_json(&Refusal::new(50002, e)),
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
            to_json(&answer)
        }
        Err(refusal) => refusal_json(&refusal),
    }
}

fn dispatch(
    shared: &Shared,
    endpoint: Endpoint,
    identifier: &str,
    value: serde_json::Value,
) -> Vec<u8> {
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
