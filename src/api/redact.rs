//! The one redaction every error text passes before it leaves `api/`: credentials are
//! replaced wherever they appear, whatever produced the text (reqwest, hyper, rustls, a
//! server echoing the request back).
//!
//! Three rules, applied in order:
//! 1. the literal secrets the client holds (the secret key, a configured UserSig, the UserSig
//!    of the call) are replaced by `<redacted>`;
//! 2. `usersig=...` in any URL-like text reads `usersig=<redacted>`, and the query of any
//!    `http(s)://` URL is cut (it carries the identifier and the UserSig);
//! 3. anything shaped like a UserSig (zlib-compressed JSON in the `*-_` base64 alphabet
//!    starts with `eJ`) of 32 characters or more reads `<redacted UserSig>`.

use std::sync::LazyLock;

use regex::Regex;

const REDACTED: &str = "<redacted>";

// `<redacted>` first, so that text redacted before (by rule 1, or an earlier pass) stays
// `usersig=<redacted>` and does not grow a second `<redacted>`
static USERSIG_PARAM: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r#"(?i)(usersig=)(?:<redacted>|[^&\s"'<>),;]*)"#).ok());
static URL_QUERY: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r#"(?i)(https?://[^\s"'<>?]*)\?[^\s"'<>)]*"#).ok());
static USERSIG_SHAPE: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"eJ[0-9A-Za-z*_\-]{30,}").ok());

/// The credentials a piece of text must never show.
#[derive(Clone, Default)]
pub struct Secrets {
    literals: Vec<String>,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Secrets({} redacted)", self.literals.len())
    }
}

impl Secrets {
    pub fn new(literals: impl IntoIterator<Item = String>) -> Self {
        let mut literals: Vec<String> = literals
            .into_iter()
            // a very short "secret" would turn every text into confetti
            .filter(|s| s.len() >= 4)
            .collect();
        // longest first, so a secret that contains another is replaced whole
        literals.sort_by_key(|s| std::cmp::Reverse(s.len()));
        Secrets { literals }
    }

    /// These secrets plus one more (the UserSig of one call).
    pub fn with(&self, extra: &str) -> Secrets {
        Secrets::new(
            self.literals
                .iter()
                .cloned()
                .chain(std::iter::once(extra.to_owned())),
        )
    }

    /// Replaces only the literal secrets (for server answers, whose data must otherwise stay
    /// exactly as sent).
    pub fn scrub_literals(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for secret in &self.literals {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), REDACTED);
            }
        }
        out
    }

    /// Every rule: for error texts.
    pub fn scrub(&self, text: &str) -> String {
        scrub_patterns(&self.scrub_literals(text))
    }
}

/// Rules 2 and 3 alone: for text whose secrets are not known here.
pub fn scrub_patterns(text: &str) -> String {
    let mut out = text.to_owned();
    if let Some(re) = USERSIG_PARAM.as_ref() {
        out = re.replace_all(&out, "${1}<redacted>").into_owned();
    }
    if let Some(re) = URL_QUERY.as_ref() {
        out = re.replace_all(&out, "${1}?…").into_owned();
    }
    if let Some(re) = USERSIG_SHAPE.as_ref() {
        out = re.replace_all(&out, "<redacted UserSig>").into_owned();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reqwest_style_message_loses_the_query_and_the_usersig() {
        let sig = crate::api::usersig::generate(1, "k3y-secret", "admin", 10, 100);
        let text = format!(
            "error sending request for url (http://127.0.0.1:9/v4/recentcontact/get_list?sdkappid=1&identifier=admin&usersig={sig}&random=7&contenttype=json): connection refused"
        );
        let out = Secrets::new(["k3y-secret".to_owned()]).scrub(&text);
        assert!(!out.contains(&sig), "{out}");
        assert!(!out.contains("identifier=admin"), "{out}");
        assert!(
            out.contains("http://127.0.0.1:9/v4/recentcontact/get_list"),
            "{out}"
        );
        assert!(out.contains("connection refused"), "{out}");
    }

    #[test]
    fn literals_and_usersig_shapes_are_replaced_anywhere() {
        let secrets = Secrets::new(["topsecretkey".to_owned(), "ab".to_owned()]);
        let out = secrets
            .scrub("key topsecretkey, sig eJwtjssKgkAUht9l1iGTeDKFFl3QosysoHInzVgHG5VxCiV ok");
        assert_eq!(out, "key <redacted>, sig <redacted UserSig> ok");
        // two-letter "secrets" are not applied
        assert_eq!(secrets.scrub_literals("abc"), "abc");
        assert_eq!(
            scrub_patterns("GET /x?UserSig=abc&random=1 done"),
            "GET /x?UserSig=<redacted>&random=1 done"
        );
        // redacting twice is redacting once
        let sig = crate::api::usersig::generate(1, "k3y-secret", "admin", 10, 100);
        let once = secrets.with(&sig).scrub(&format!("<p>usersig={sig} x</p>"));
        assert_eq!(once, "<p>usersig=<redacted> x</p>");
        assert_eq!(secrets.with(&sig).scrub(&once), once);
    }

    #[test]
    fn plain_text_is_left_alone() {
        let text = "ResultCode 50001: user account not imported (From_Account \"eJ\")";
        assert_eq!(scrub_patterns(text), text);
    }
}
