//! The async REST client: builds the URL, sends, retries what can be retried, and returns
//! typed answers with both the top-level code and the per-item codes.

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio_util::sync::CancellationToken;
use url::Url;

pub use super::endpoint::{EndpointError, REGIONS, base_url, region_url};
pub use super::error::ApiError;
use super::error::classify;
use super::pacer::Pacer;
use super::redact::{Secrets, scrub_patterns};
use super::usersig;
use super::wire::*;

/// Paths of the endpoints, relative to the base URL.
pub mod paths {
    pub const MARK_CONTACT: &str = "v4/recentcontact/mark_contact";
    pub const GET_LIST: &str = "v4/recentcontact/get_list";
    pub const GET_CONTACT_GROUP: &str = "v4/recentcontact/get_contact_group";
    pub const SEARCH_CONTACT_GROUP: &str = "v4/recentcontact/search_contact_group";
    pub const CREATE_CONTACT_GROUP: &str = "v4/recentcontact/create_contact_group";
    pub const UPDATE_CONTACT_GROUP: &str = "v4/recentcontact/update_contact_group";
    pub const DEL_CONTACT_GROUP: &str = "v4/recentcontact/del_contact_group";
    pub const DELETE: &str = "v4/recentcontact/delete";
    pub const ACCOUNT_IMPORT: &str = "v4/im_open_login_svc/account_import";
    pub const MULTIACCOUNT_IMPORT: &str = "v4/im_open_login_svc/multiaccount_import";
    pub const SENDMSG: &str = "v4/openim/sendmsg";
}

/// How requests are authenticated.
#[derive(Clone)]
pub enum Auth {
    /// The app's secret key: a fresh UserSig is generated for every request.
    SecretKey(String),
    /// A UserSig made elsewhere; it cannot be renewed.
    UserSig(String),
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Auth::SecretKey(_) => f.write_str("SecretKey(<redacted>)"),
            Auth::UserSig(_) => f.write_str("UserSig(<redacted>)"),
        }
    }
}

/// Bounded retries with exponential backoff and jitter.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(3),
        }
    }
}

impl RetryPolicy {
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..Default::default()
        }
    }

    /// Delay before attempt `attempt` (1-based retries): full jitter over an exponential cap.
    fn delay(&self, retry: u32) -> Duration {
        let cap = self
            .base_delay
            .saturating_mul(1u32 << retry.min(16))
            .min(self.max_delay);
        let jitter: f64 = rand::random::<f64>();
        cap.mul_f64(0.5 + jitter / 2.0)
    }
}

#[derive(Debug, Clone)]
pub struct ClientConfig {
    pub sdkappid: u64,
    pub identifier: String,
    pub base_url: Url,
    pub auth: Auth,
    pub timeout: Duration,
    pub retry: RetryPolicy,
    /// Calls per second the pacer allows (the app's limit is 200).
    pub calls_per_second: u32,
    /// Extra trusted root certificate (PEM), e.g. the emulator's self-signed one.
    pub ca_pem: Option<Vec<u8>>,
}

impl ClientConfig {
    pub fn new(sdkappid: u64, identifier: impl Into<String>, base_url: Url, auth: Auth) -> Self {
        ClientConfig {
            sdkappid,
            identifier: identifier.into(),
            base_url,
            auth,
            timeout: Duration::from_secs(15),
            retry: RetryPolicy::default(),
            calls_per_second: crate::domain::RATE_LIMIT_PER_SECOND,
            ca_pem: None,
        }
    }
}

/// Whether a call may be sent again after a failure that leaves open whether it was
/// applied. mark_contact sends deltas (set these bits, clear those, this custom mark), reads
/// change nothing, and adding or removing a conversation twice is the same as once: those
/// are safe. Creating, renaming and deleting a group, and sending a message, are not: a
/// second try after a lost answer would be refused ("already exists") or act twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Idempotency {
    Safe,
    Unsafe,
}

/// The largest answer body accepted. The largest answers are a page of get_contact_group
/// or get_list (100 conversations plus up to 20 group names) and a search_contact_group of
/// 300 conversations. Per conversation at worst: an ID of 128 bytes (Chat allows 48) and a
/// 256-byte custom mark, each up to six times longer JSON-escaped (`\u0001`), 64 mark
/// digits and 20 group IDs: about 2.9 KB, so 300 of them are under 0.9 MB. Twice that
/// leaves room for what a server adds, and bounds the memory a broken or hostile server can
/// make us use.
pub const MAX_ANSWER_BYTES: usize = 2 * 1024 * 1024;

/// A call is about to be retried (for the log and the TUI's status line).
#[derive(Debug, Clone)]
pub struct RetryNotice {
    /// The tag of the task that made the call (see [`tagged`]), e.g. the TUI's request id.
    pub tag: Option<u64>,
    /// The endpoint, e.g. `v4/recentcontact/mark_contact`.
    pub path: &'static str,
    /// The attempt about to be made (2 for the first retry) and how many are allowed.
    pub attempt: u32,
    pub max_attempts: u32,
    /// Why: the failure of the previous attempt, redacted.
    pub reason: String,
    pub delay: Duration,
}

pub type RetryObserver = Arc<dyn Fn(&RetryNotice) + Send + Sync>;

tokio::task_local! {
    static CALL_TAG: u64;
}

/// Runs `f` with every call it makes tagged `tag`, so a [`RetryNotice`] says which request
/// of the caller is being retried.
pub async fn tagged<F: std::future::Future>(tag: u64, f: F) -> F::Output {
    CALL_TAG.scope(tag, f).await
}

fn current_tag() -> Option<u64> {
    CALL_TAG.try_with(|t| *t).ok()
}

/// The async client. Cheap to clone; clones share the connection pool and the pacer.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    config: Arc<ClientConfig>,
    pacer: Arc<Pacer>,
    /// The secret key or the configured UserSig: redacted from every error text.
    secrets: Secrets,
    observer: Option<RetryObserver>,
    /// Calls not yet sent when this is cancelled are not sent; retries stop.
    cancel: Option<CancellationToken>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Client {
    pub fn new(config: ClientConfig) -> Result<Self, ApiError> {
        let mut builder = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(Duration::from_secs(5).min(config.timeout))
            // the Chat API never redirects; following one would send the UserSig and the
            // request body wherever the answer points
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .user_agent(concat!("convmark/", env!("CARGO_PKG_VERSION")));
        if let Some(pem) = &config.ca_pem {
            for cert in ca_certificates(pem)? {
                builder = builder.add_root_certificate(cert);
            }
        }
        let http = builder
            .build()
            .map_err(|e| ApiError::Config(format!("cannot start the HTTP client: {e}")))?;
        let pacer = Arc::new(Pacer::new(config.calls_per_second));
        let secrets = Secrets::new(match &config.auth {
            Auth::SecretKey(key) => vec![key.clone()],
            Auth::UserSig(sig) => vec![sig.clone()],
        });
        Ok(Client {
            http,
            config: Arc::new(config),
            pacer,
            secrets,
            observer: None,
            cancel: None,
        })
    }

    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// This client (same pool and pacer) telling `observer` about every retry.
    pub fn with_observer(&self, observer: RetryObserver) -> Client {
        Client {
            observer: Some(observer),
            ..self.clone()
        }
    }

    /// This client (same pool and pacer) whose calls stop when `cancel` is cancelled: a call
    /// not yet sent is not sent (`ApiError::Cancelled`), a failed one is not retried. A call
    /// already on the wire finishes.
    pub fn with_cancel(&self, cancel: CancellationToken) -> Client {
        Client {
            cancel: Some(cancel),
            ..self.clone()
        }
    }

    /// Redacts the credentials this client holds from a text (for callers that show text
    /// that may have come from elsewhere).
    pub fn scrub(&self, text: &str) -> String {
        self.secrets.scrub(text)
    }

    fn current_usersig(&self) -> String {
        match &self.config.auth {
            Auth::SecretKey(key) => usersig::generate_now(
                self.config.sdkappid,
                key,
                &self.config.identifier,
                usersig::DEFAULT_EXPIRE_SECONDS,
            ),
            Auth::UserSig(sig) => sig.clone(),
        }
    }

    fn build_url(&self, path: &str, usersig: &str) -> Url {
        let mut url = self.config.base_url.clone();
        url.set_path(&format!("{}{}", url.path(), path));
        url.query_pairs_mut()
            .append_pair("sdkappid", &self.config.sdkappid.to_string())
            .append_pair("identifier", &self.config.identifier)
            .append_pair("usersig", usersig)
            .append_pair("random", &rand::random::<u32>().to_string())
            .append_pair("contenttype", "json");
        url
    }

    /// The full URL of a call, with a fresh UserSig and random.
    pub fn url(&self, path: &str) -> Url {
        self.build_url(path, &self.current_usersig())
    }

    /// The URL as it may be shown or logged: the UserSig reads `<redacted>`.
    pub fn redacted_url(&self, path: &str) -> String {
        self.build_url(path, "REDACTED")
            .as_str()
            .replace("usersig=REDACTED", "usersig=<redacted>")
    }

    /// Sends one call, retrying retryable failures with backoff, and only those that
    /// `idempotency` allows (see [`Idempotency`]). A top-level `ErrorCode` other than 0 is
    /// an `ApiError::Server`; per-item codes are in the typed answer. Every error text is
    /// redacted.
    pub async fn call<Q, R>(
        &self,
        path: &'static str,
        body: &Q,
        idempotency: Idempotency,
    ) -> Result<R, ApiError>
    where
        Q: Serialize + ?Sized,
        R: DeserializeOwned + HasEnvelope,
    {
        let body = serde_json::to_vec(body).map_err(|e| ApiError::Config(e.to_string()))?;
        let policy = self.config.retry;
        let mut attempt = 1;
        loop {
            let result = self.call_once(path, &body, attempt == 1).await;
            let err = match result {
                Ok(answer) => return Ok(answer),
                Err(err) => err,
            };
            let cancelled = self.cancel.as_ref().is_some_and(|c| c.is_cancelled());
            if attempt >= policy.max_attempts || cancelled || !self.should_retry(&err, idempotency)
            {
                if !matches!(err, ApiError::Cancelled) {
                    tracing::warn!(path, attempts = attempt, error = %err.describe(), "call failed");
                }
                return Err(err);
            }
            let delay = policy.delay(attempt);
            attempt += 1;
            let notice = RetryNotice {
                tag: current_tag(),
                path,
                attempt,
                max_attempts: policy.max_attempts,
                reason: err.describe(),
                delay,
            };
            tracing::warn!(
                path,
                attempt,
                of = policy.max_attempts,
                delay_ms = delay.as_millis() as u64,
                reason = %notice.reason,
                "retrying"
            );
            if let Some(observer) = &self.observer {
                observer(&notice);
            }
            match &self.cancel {
                Some(cancel) => {
                    tokio::select! {
                        _ = cancel.cancelled() => return Err(err),
                        _ = tokio::time::sleep(delay) => {}
                    }
                }
                None => tokio::time::sleep(delay).await,
            }
        }
    }

    fn should_retry(&self, err: &ApiError, idempotency: Idempotency) -> bool {
        // An expired UserSig is renewed on the next attempt when we hold the secret key.
        if matches!(self.config.auth, Auth::SecretKey(_)) && err.code() == Some(70001) {
            return true;
        }
        err.is_retryable() && (idempotency == Idempotency::Safe || !err.may_have_applied())
    }

    async fn call_once<R>(&self, path: &str, body: &[u8], first: bool) -> Result<R, ApiError>
    where
        R: DeserializeOwned + HasEnvelope,
    {
        match (&self.cancel, first) {
            (Some(cancel), _) if cancel.is_cancelled() => return Err(ApiError::Cancelled),
            (Some(cancel), true) => {
                tokio::select! {
                    _ = cancel.cancelled() => return Err(ApiError::Cancelled),
                    _ = self.pacer.wait() => {}
                }
            }
            _ => self.pacer.wait().await,
        }
        let usersig = self.current_usersig();
        let secrets = self.secrets.with(&usersig);
        let url = self.build_url(path, &usersig);
        tracing::debug!(url = %self.redacted_url(path), "POST");
        self.exchange(url, body)
            .await
            .map_err(|e| e.scrubbed(&secrets))
            .and_then(|bytes| {
                // a server that echoes the request must not make the answer carry a secret
                let text = String::from_utf8_lossy(&bytes);
                let clean = secrets.scrub_literals(&text);
                if clean == text {
                    parse_response(&bytes)
                } else {
                    parse_response(clean.as_bytes())
                }
                .map_err(|e| e.scrubbed(&secrets))
            })
    }

    /// One HTTP exchange: the answer's body, at most [`MAX_ANSWER_BYTES`], of a 2xx status.
    async fn exchange(&self, url: Url, body: &[u8]) -> Result<Vec<u8>, ApiError> {
        let request_url = url.clone();
        let mut response = self
            .http
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.to_vec())
            .send()
            .await
            .map_err(classify)?;
        let status = response.status();
        if status.is_redirection() {
            return Err(ApiError::Redirect {
                status: status.as_u16(),
                to: redirect_target(&request_url, response.headers()),
            });
        }
        if !status.is_success() {
            return Err(ApiError::HttpStatus {
                status: status.as_u16(),
            });
        }
        let too_large = || {
            ApiError::Protocol(format!(
                "the answer is larger than {} MiB, far more than any Chat API answer; it was not read",
                MAX_ANSWER_BYTES / (1024 * 1024)
            ))
        };
        if response
            .content_length()
            .is_some_and(|n| n > MAX_ANSWER_BYTES as u64)
        {
            return Err(too_large());
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(classify)? {
            if bytes.len() + chunk.len() > MAX_ANSWER_BYTES {
                return Err(too_large());
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(bytes)
    }

    pub async fn mark_contact(
        &self,
        req: &MarkContactRequest,
    ) -> Result<MarkContactResponse, ApiError> {
        self.call(paths::MARK_CONTACT, req, Idempotency::Safe).await
    }

    pub async fn get_list(&self, req: &GetListRequest) -> Result<GetListResponse, ApiError> {
        self.call(paths::GET_LIST, req, Idempotency::Safe).await
    }

    pub async fn get_contact_group(
        &self,
        req: &GetContactGroupRequest,
    ) -> Result<GetContactGroupResponse, ApiError> {
        self.call(paths::GET_CONTACT_GROUP, req, Idempotency::Safe)
            .await
    }

    pub async fn search_contact_group(
        &self,
        req: &SearchContactGroupRequest,
    ) -> Result<SearchContactGroupResponse, ApiError> {
        self.call(paths::SEARCH_CONTACT_GROUP, req, Idempotency::Safe)
            .await
    }

    /// Not retried once it may have been applied: see [`Idempotency`].
    pub async fn create_contact_group(
        &self,
        req: &CreateContactGroupRequest,
    ) -> Result<CreateContactGroupResponse, ApiError> {
        self.call(paths::CREATE_CONTACT_GROUP, req, Idempotency::Unsafe)
            .await
    }

    /// A rename is not retried once it may have been applied; adding or removing
    /// conversations is.
    pub async fn update_contact_group(
        &self,
        req: &UpdateContactGroupRequest,
    ) -> Result<UpdateContactGroupResponse, ApiError> {
        let idempotency = match req.update_group.update_group_type {
            UpdateGroupType::Members => Idempotency::Safe,
            UpdateGroupType::Rename => Idempotency::Unsafe,
        };
        self.call(paths::UPDATE_CONTACT_GROUP, req, idempotency)
            .await
    }

    /// Not retried once it may have been applied: see [`Idempotency`].
    pub async fn del_contact_group(
        &self,
        req: &DelContactGroupRequest,
    ) -> Result<DelContactGroupResponse, ApiError> {
        self.call(paths::DEL_CONTACT_GROUP, req, Idempotency::Unsafe)
            .await
    }

    pub async fn delete(&self, req: &DeleteRequest) -> Result<EmptyResponse, ApiError> {
        self.call(paths::DELETE, req, Idempotency::Safe).await
    }

    pub async fn account_import(
        &self,
        req: &AccountImportRequest,
    ) -> Result<EmptyResponse, ApiError> {
        self.call(paths::ACCOUNT_IMPORT, req, Idempotency::Safe)
            .await
    }

    pub async fn multiaccount_import(
        &self,
        req: &MultiAccountImportRequest,
    ) -> Result<MultiAccountImportResponse, ApiError> {
        self.call(paths::MULTIACCOUNT_IMPORT, req, Idempotency::Safe)
            .await
    }

    /// Not retried once it may have been applied (it would send the message twice).
    pub async fn sendmsg(&self, req: &SendMsgRequest) -> Result<SendMsgResponse, ApiError> {
        self.call(paths::SENDMSG, req, Idempotency::Unsafe).await
    }
}

/// The certificates of a PEM file; a file with none is an error.
pub fn ca_certificates(pem: &[u8]) -> Result<Vec<reqwest::Certificate>, ApiError> {
    let certs = reqwest::Certificate::from_pem_bundle(pem).map_err(|e| {
        ApiError::Config(format!(
            "the CA certificate file is not valid PEM: {}",
            e.without_url()
        ))
    })?;
    if certs.is_empty() {
        return Err(ApiError::Config(
            "the CA certificate file holds no PEM certificate (-----BEGIN CERTIFICATE-----)".into(),
        ));
    }
    Ok(certs)
}

/// `host:port` of a redirect's `Location` (never its path or query, which may carry what
/// was sent).
fn redirect_target(request: &Url, headers: &reqwest::header::HeaderMap) -> String {
    let Some(location) = headers
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
    else {
        return "nowhere (no Location header)".into();
    };
    match request.join(location) {
        Ok(url) => match (url.host_str(), url.port_or_known_default()) {
            (Some(host), Some(port)) => format!("{}://{host}:{port}", url.scheme()),
            (Some(host), None) => format!("{}://{host}", url.scheme()),
            _ => "an address without a host".into(),
        },
        Err(_) => "an unreadable Location".into(),
    }
}

/// Parses a response body: first the envelope (a failure may carry nothing else), then the
/// full typed answer. Anything that is not the documented shape is a protocol error.
pub fn parse_response<R: DeserializeOwned + HasEnvelope>(bytes: &[u8]) -> Result<R, ApiError> {
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| {
        let preview: String = String::from_utf8_lossy(bytes).chars().take(80).collect();
        ApiError::Protocol(format!(
            "the answer is not JSON ({e}): {:?}",
            scrub_patterns(&preview)
        ))
    })?;
    let envelope: Envelope = serde_json::from_value(value.clone()).map_err(|e| {
        ApiError::Protocol(format!(
            "the answer lacks the ActionStatus/ErrorCode envelope: {e}"
        ))
    })?;
    if envelope.error_code != 0 {
        return Err(ApiError::Server {
            code: envelope.error_code,
            info: envelope.error_info,
        });
    }
    serde_json::from_value(value).map_err(|e| {
        ApiError::Protocol(format!(
            "the answer does not have the documented shape: {e}"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_carries_every_parameter_and_redacts_the_usersig() {
        let cfg = ClientConfig::new(
            1_400_000_000,
            "admin",
            base_url("http://127.0.0.1:9/").unwrap(),
            Auth::SecretKey("k".into()),
        );
        let client = Client::new(cfg).unwrap();
        let url = client.url(paths::MARK_CONTACT);
        assert_eq!(url.path(), "/v4/recentcontact/mark_contact");
        let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
        assert_eq!(q["sdkappid"], "1400000000");
        assert_eq!(q["identifier"], "admin");
        assert_eq!(q["contenttype"], "json");
        assert!(q["random"].parse::<u32>().is_ok());
        assert!(
            usersig::verify(
                &q["usersig"],
                1_400_000_000,
                "k",
                "admin",
                usersig::unix_now()
            )
            .is_ok()
        );
        let shown = client.redacted_url(paths::MARK_CONTACT);
        assert!(shown.contains("usersig=<redacted>"), "{shown}");
    }

    #[test]
    fn parse_response_levels() {
        let r: Result<MarkContactResponse, _> =
            parse_response(br#"{"ActionStatus":"FAIL","ErrorCode":70001,"ErrorInfo":"expired"}"#);
        assert_eq!(
            r.unwrap_err(),
            ApiError::Server {
                code: 70001,
                info: "expired".into()
            }
        );
        let r: Result<MarkContactResponse, _> = parse_response(b"<html>502</html>");
        assert!(matches!(r, Err(ApiError::Protocol(_))));
        let r: Result<SearchContactGroupResponse, _> = parse_response(
            br#"{"ActionStatus":"OK","ErrorCode":0,"ContactResultItem":[{"Type":1,"To_Account":"a","StandardMark":"12"}]}"#,
        );
        assert!(matches!(r, Err(ApiError::Protocol(m)) if m.contains("'2'")));
    }

    #[test]
    fn retry_policy_is_bounded_and_jittered() {
        let p = RetryPolicy::default();
        for retry in 1..20 {
            let d = p.delay(retry);
            assert!(d <= p.max_delay, "{d:?}");
            assert!(d >= p.base_delay.min(p.max_delay) / 2);
        }
    }
}
