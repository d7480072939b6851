//! The async REST client: builds the URL, sends, retries what can be retried, and returns
//! typed answers with both the top-level code and the per-item codes.

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;
use url::Url;

use super::codes;
use super::pacer::Pacer;
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

/// Region names and their domains (`api.md` section 1).
pub const REGIONS: &[(&str, &str)] = &[
    ("china", "console.tim.qq.com"),
    ("singapore", "adminapisgp.im.qcloud.com"),
    ("seoul", "adminapikr.im.qcloud.com"),
    ("tokyo", "adminapijpn.im.qcloud.com"),
    ("frankfurt", "adminapiger.im.qcloud.com"),
    ("mumbai", "adminapiind.im.qcloud.com"),
    ("silicon-valley", "adminapiusa.im.qcloud.com"),
    ("jakarta", "adminapiidn.im.qcloud.com"),
];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EndpointError {
    #[error("unknown region {0:?}; known regions: {known}", known = REGIONS.iter().map(|r| r.0).collect::<Vec<_>>().join(", "))]
    UnknownRegion(String),
    #[error("base URL {0:?} is not a valid URL: {1}")]
    BadUrl(String, String),
    #[error(
        "base URL {0:?} uses plain http:// to a non-loopback host; use https:// (plain http is allowed for 127.0.0.1, ::1 and localhost only)"
    )]
    PlainHttp(String),
    #[error("base URL {0:?} must use http:// or https://")]
    Scheme(String),
}

/// The base URL for a region name.
pub fn region_url(region: &str) -> Result<Url, EndpointError> {
    let domain = REGIONS
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(region.trim()))
        .map(|(_, d)| *d)
        .ok_or_else(|| EndpointError::UnknownRegion(region.to_owned()))?;
    Url::parse(&format!("https://{domain}/"))
        .map_err(|e| EndpointError::BadUrl(domain.to_owned(), e.to_string()))
}

/// Checks and normalises a custom base URL: https, or http to loopback only.
pub fn base_url(text: &str) -> Result<Url, EndpointError> {
    let mut url = Url::parse(text.trim())
        .map_err(|e| EndpointError::BadUrl(text.to_owned(), e.to_string()))?;
    match url.scheme() {
        "https" => {}
        "http" => {
            let loopback = match url.host() {
                Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
                Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
                None => false,
            };
            if !loopback {
                return Err(EndpointError::PlainHttp(text.to_owned()));
            }
        }
        _ => return Err(EndpointError::Scheme(text.to_owned())),
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    url.set_query(None);
    Ok(url)
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

/// What went wrong with a call, as a value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    #[error("the server answered {}", codes::describe(*code))]
    Server { code: i64, info: String },
    #[error("network error: {0}; check the endpoint and your connection")]
    Network(String),
    #[error("the request timed out; retry later")]
    Timeout,
    #[error("HTTP {status} from the server (a gateway or network fault); retry later")]
    HttpStatus { status: u16 },
    #[error("protocol error: {0}")]
    Protocol(String),
    #[error("cannot build the request: {0}")]
    Config(String),
}

impl ApiError {
    /// The Chat error code, when the server gave one.
    pub fn code(&self) -> Option<i64> {
        match self {
            ApiError::Server { code, .. } => Some(*code),
            _ => None,
        }
    }

    pub fn is_retryable(&self) -> bool {
        match self {
            ApiError::Server { code, .. } => codes::is_retryable(*code),
            ApiError::Network(_) | ApiError::Timeout => true,
            ApiError::HttpStatus { status } => *status >= 500,
            ApiError::Protocol(_) | ApiError::Config(_) => false,
        }
    }

    /// One line for the status line: the code, its meaning and what to do, plus the
    /// server's ErrorInfo.
    pub fn describe(&self) -> String {
        match self {
            ApiError::Server { code, info } => codes::describe_with_info(*code, info),
            other => other.to_string(),
        }
    }
}

/// The async client. Cheap to clone; clones share the connection pool and the pacer.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    config: Arc<ClientConfig>,
    pacer: Arc<Pacer>,
}

impl Client {
    pub fn new(config: ClientConfig) -> Result<Self, ApiError> {
        let mut builder = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(Duration::from_secs(5))
            .no_proxy()
            .user_agent(concat!("convmark/", env!("CARGO_PKG_VERSION")));
        if let Some(pem) = &config.ca_pem {
            let cert = reqwest::Certificate::from_pem(pem).map_err(|e| {
                ApiError::Config(format!("the CA certificate is not valid PEM: {e}"))
            })?;
            builder = builder.add_root_certificate(cert);
        }
        let http = builder
            .build()
            .map_err(|e| ApiError::Config(format!("cannot start the HTTP client: {e}")))?;
        let pacer = Arc::new(Pacer::new(config.calls_per_second));
        Ok(Client {
            http,
            config: Arc::new(config),
            pacer,
        })
    }

    pub fn config(&self) -> &ClientConfig {
        &self.config
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

    /// Sends one call, retrying retryable failures with backoff. A top-level `ErrorCode`
    /// other than 0 is an `ApiError::Server`; per-item codes are in the typed answer.
    pub async fn call<Q, R>(&self, path: &str, body: &Q) -> Result<R, ApiError>
    where
        Q: Serialize + ?Sized,
        R: DeserializeOwned + HasEnvelope,
    {
        let body = serde_json::to_vec(body).map_err(|e| ApiError::Config(e.to_string()))?;
        let policy = self.config.retry;
        let mut attempt = 1;
        loop {
            let result = self.call_once(path, &body).await;
            match result {
                Err(err) if attempt < policy.max_attempts && self.should_retry(&err) => {
                    tracing::warn!(path, attempt, error = %err.describe(), "retrying");
                    tokio::time::sleep(policy.delay(attempt)).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    fn should_retry(&self, err: &ApiError) -> bool {
        // An expired UserSig is renewed on the next attempt when we hold the secret key.
        let renewable = matches!(self.config.auth, Auth::SecretKey(_)) && err.code() == Some(70001);
        err.is_retryable() || renewable
    }

    async fn call_once<R>(&self, path: &str, body: &[u8]) -> Result<R, ApiError>
    where
        R: DeserializeOwned + HasEnvelope,
    {
        self.pacer.wait().await;
        let url = self.url(path);
        tracing::debug!(url = %self.redacted_url(path), "POST");
        let response = self
            .http
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.to_vec())
            .send()
            .await
            .map_err(classify)?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(classify)?;
        if !status.is_success() {
            return Err(ApiError::HttpStatus {
                status: status.as_u16(),
            });
        }
        parse_response(&bytes)
    }

    pub async fn mark_contact(
        &self,
        req: &MarkContactRequest,
    ) -> Result<MarkContactResponse, ApiError> {
        self.call(paths::MARK_CONTACT, req).await
    }

    pub async fn get_list(&self, req: &GetListRequest) -> Result<GetListResponse, ApiError> {
        self.call(paths::GET_LIST, req).await
    }

    pub async fn get_contact_group(
        &self,
        req: &GetContactGroupRequest,
    ) -> Result<GetContactGroupResponse, ApiError> {
        self.call(paths::GET_CONTACT_GROUP, req).await
    }

    pub async fn search_contact_group(
        &self,
        req: &SearchContactGroupRequest,
    ) -> Result<SearchContactGroupResponse, ApiError> {
        self.call(paths::SEARCH_CONTACT_GROUP, req).await
    }

    pub async fn create_contact_group(
        &self,
        req: &CreateContactGroupRequest,
    ) -> Result<CreateContactGroupResponse, ApiError> {
        self.call(paths::CREATE_CONTACT_GROUP, req).await
    }

    pub async fn update_contact_group(
        &self,
        req: &UpdateContactGroupRequest,
    ) -> Result<UpdateContactGroupResponse, ApiError> {
        self.call(paths::UPDATE_CONTACT_GROUP, req).await
    }

    pub async fn del_contact_group(
        &self,
        req: &DelContactGroupRequest,
    ) -> Result<DelContactGroupResponse, ApiError> {
        self.call(paths::DEL_CONTACT_GROUP, req).await
    }

    pub async fn delete(&self, req: &DeleteRequest) -> Result<EmptyResponse, ApiError> {
        self.call(paths::DELETE, req).await
    }

    pub async fn account_import(
        &self,
        req: &AccountImportRequest,
    ) -> Result<EmptyResponse, ApiError> {
        self.call(paths::ACCOUNT_IMPORT, req).await
    }

    pub async fn multiaccount_import(
        &self,
        req: &MultiAccountImportRequest,
    ) -> Result<MultiAccountImportResponse, ApiError> {
        self.call(paths::MULTIACCOUNT_IMPORT, req).await
    }

    pub async fn sendmsg(&self, req: &SendMsgRequest) -> Result<SendMsgResponse, ApiError> {
        self.call(paths::SENDMSG, req).await
    }
}

fn classify(err: reqwest::Error) -> ApiError {
    if err.is_timeout() {
        ApiError::Timeout
    } else {
        // include the source chain: reqwest's top-level message alone is vague
        let mut text = err.to_string();
        let mut source = std::error::Error::source(&err);
        while let Some(s) = source {
            text.push_str(": ");
            text.push_str(&s.to_string());
            source = s.source();
        }
        ApiError::Network(text)
    }
}

/// Parses a response body: first the envelope (a failure may carry nothing else), then the
/// full typed answer. Anything that is not the documented shape is a protocol error.
pub fn parse_response<R: DeserializeOwned + HasEnvelope>(bytes: &[u8]) -> Result<R, ApiError> {
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| {
        let preview: String = String::from_utf8_lossy(bytes).chars().take(80).collect();
        ApiError::Protocol(format!("the answer is not JSON ({e}): {preview:?}"))
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
    fn plain_http_only_to_loopback() {
        assert!(base_url("http://127.0.0.1:8421").is_ok());
        assert!(base_url("http://localhost:1/").is_ok());
        assert!(base_url("http://[::1]:8421").is_ok());
        assert!(matches!(
            base_url("http://example.com"),
            Err(EndpointError::PlainHttp(_))
        ));
        assert!(matches!(
            base_url("ftp://127.0.0.1"),
            Err(EndpointError::Scheme(_))
        ));
        assert_eq!(
            base_url("https://h.example/base").unwrap().as_str(),
            "https://h.example/base/"
        );
        assert_eq!(
            region_url("singapore").unwrap().as_str(),
            "https://adminapisgp.im.qcloud.com/"
        );
        assert!(region_url("mars").is_err());
    }

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
