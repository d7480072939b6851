//! What can go wrong with a call, as a value, and how a transport error becomes one.
//!
//! Every text an [`ApiError`] carries has passed [`super::redact`] before it leaves the
//! client, and reqwest errors lose their URL where they are made.

use super::codes;
use super::redact::Secrets;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// A top-level `ErrorCode` other than 0: the request was refused as a whole.
    #[error("the server answered {}", codes::describe(*code))]
    Server { code: i64, info: String },
    /// The request never reached the server (refused, DNS, unreachable): nothing was applied.
    #[error("cannot connect: {0}; check the endpoint and your connection")]
    Connect(String),
    /// The TLS handshake failed (an untrusted or invalid certificate): nothing was sent.
    #[error("TLS error: {0}; for the emulator's certificate pass --ca-cert FILE")]
    Tls(String),
    /// The connection failed once the request may have been sent (reset, dropped mid-answer).
    #[error("network error: {0}; check the endpoint and your connection")]
    Network(String),
    /// No answer in time; the request may have been applied.
    #[error(
        "the request timed out; retry later (--timeout or CONVMARK_TIMEOUT sets how long to wait)"
    )]
    Timeout,
    #[error("{}", http_status_text(*status))]
    HttpStatus { status: u16 },
    /// The server answered with a redirect, which is never followed.
    #[error(
        "the server answered HTTP {status}, a redirect to {to}; convmark follows no redirects (the Chat API never redirects), so nothing was sent there: check the base URL"
    )]
    Redirect { status: u16, to: String },
    #[error("protocol error: {0}")]
    Protocol(String),
    #[error("cannot build the request: {0}")]
    Config(String),
    /// The call was cancelled before it was sent.
    #[error("not sent: cancelled")]
    Cancelled,
}

/// Codes with which the server says it failed internally: the request may have been
/// partly or wholly applied.
const AMBIGUOUS_CODES: [i64; 4] = [50004, 50005, 60008, 70500];

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
            ApiError::Connect(_) | ApiError::Network(_) | ApiError::Timeout => true,
            ApiError::HttpStatus { status } => *status >= 500,
            ApiError::Tls(_)
            | ApiError::Redirect { .. }
            | ApiError::Protocol(_)
            | ApiError::Config(_)
            | ApiError::Cancelled => false,
        }
    }

    /// Whether the request may have been applied although no answer says so: a timeout, a
    /// connection lost after sending, a gateway fault, an internal error, an answer that could
    /// not be read. A call that is not safe to repeat is not retried after such a failure;
    /// the state is re-read instead.
    pub fn may_have_applied(&self) -> bool {
        match self {
            ApiError::Network(_)
            | ApiError::Timeout
            | ApiError::HttpStatus { .. }
            | ApiError::Protocol(_) => true,
            ApiError::Server { code, .. } => AMBIGUOUS_CODES.contains(code),
            ApiError::Connect(_)
            | ApiError::Tls(_)
            | ApiError::Redirect { .. }
            | ApiError::Config(_)
            | ApiError::Cancelled => false,
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

    /// The same error with every text it carries redacted.
    pub fn scrubbed(self, secrets: &Secrets) -> ApiError {
        match self {
            ApiError::Server { code, info } => ApiError::Server {
                code,
                info: secrets.scrub(&info),
            },
            ApiError::Connect(t) => ApiError::Connect(secrets.scrub(&t)),
            ApiError::Tls(t) => ApiError::Tls(secrets.scrub(&t)),
            ApiError::Network(t) => ApiError::Network(secrets.scrub(&t)),
            ApiError::Redirect { status, to } => ApiError::Redirect {
                status,
                to: secrets.scrub(&to),
            },
            ApiError::Protocol(t) => ApiError::Protocol(secrets.scrub(&t)),
            ApiError::Config(t) => ApiError::Config(secrets.scrub(&t)),
            other @ (ApiError::Timeout | ApiError::HttpStatus { .. } | ApiError::Cancelled) => {
                other
            }
        }
    }
}

/// A reqwest error as an [`ApiError`]. The URL (with the UserSig in its query) is dropped
/// here, where the error is made; the source chain is kept, since reqwest's own message
/// alone is vague ("error sending request").
pub fn classify(err: reqwest::Error) -> ApiError {
    let timeout = err.is_timeout();
    let connect = err.is_connect();
    let err = err.without_url();
    // reqwest's and hyper's outer layers only say "error sending request" and "client
    // error (Connect)"; what happened is further down the chain
    let mut parts = vec![err.to_string()];
    let mut tls = None;
    let mut source = std::error::Error::source(&err);
    while let Some(s) = source {
        if let Some(e) = rustls_error(s) {
            tls = Some(e.to_string());
        }
        parts.push(s.to_string());
        source = s.source();
    }
    let specific: Vec<&str> = parts
        .iter()
        .map(String::as_str)
        .filter(|p| !p.starts_with("error sending request") && !p.starts_with("client error ("))
        .collect();
    let text = if specific.is_empty() {
        parts.join(": ")
    } else {
        specific.join(": ")
    };
    if let Some(reason) = tls {
        ApiError::Tls(reason)
    } else if connect {
        ApiError::Connect(text)
    } else if timeout {
        ApiError::Timeout
    } else {
        ApiError::Network(text)
    }
}

/// A rustls error in the chain, also when wrapped in `io::Error`s (whose `source` skips
/// the error they wrap; hyper-rustls wraps it twice).
fn rustls_error<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
    let mut e = e;
    loop {
        if let Some(tls) = e.downcast_ref::<rustls::Error>() {
            return Some(tls);
        }
        e = e.downcast_ref::<std::io::Error>()?.get_ref()?;
    }
}

/// An HTTP error status: a 5xx is a gateway or network fault (retried); a 4xx means the
/// address does not serve the Chat REST API as asked (the service answers its own errors
/// with HTTP 200 and an ErrorCode), so retrying would not help.
fn http_status_text(status: u16) -> String {
    if status >= 500 {
        format!("HTTP {status} from the server (a gateway or network fault); retry later")
    } else {
        format!(
            "HTTP {status} from the server: this address does not answer as the Chat REST API does; check the region or base URL"
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_4xx_says_check_the_address_and_a_5xx_retry_later() {
        assert!(
            ApiError::HttpStatus { status: 404 }
                .to_string()
                .contains("check the region or base URL")
        );
        assert!(
            ApiError::HttpStatus { status: 502 }
                .to_string()
                .ends_with("retry later")
        );
    }

    #[test]
    fn what_may_have_been_applied() {
        assert!(ApiError::Timeout.may_have_applied());
        assert!(ApiError::Network("reset".into()).may_have_applied());
        assert!(ApiError::HttpStatus { status: 502 }.may_have_applied());
        assert!(
            ApiError::Server {
                code: 50004,
                info: String::new()
            }
            .may_have_applied()
        );
        assert!(!ApiError::Connect("refused".into()).may_have_applied());
        assert!(
            !ApiError::Server {
                code: 60007,
                info: String::new()
            }
            .may_have_applied()
        );
        assert!(
            !ApiError::Server {
                code: 50002,
                info: String::new()
            }
            .may_have_applied()
        );
    }

    #[test]
    fn scrubbing_reaches_every_text() {
        let secrets = Secrets::new(["s3cr3t-key".to_owned()]);
        let e = ApiError::Server {
            code: 50002,
            info: "echo s3cr3t-key".into(),
        }
        .scrubbed(&secrets);
        assert!(!e.describe().contains("s3cr3t-key"), "{}", e.describe());
        let e = ApiError::Network("x?usersig=abc".into()).scrubbed(&secrets);
        assert!(!e.describe().contains("abc"), "{}", e.describe());
    }
}
