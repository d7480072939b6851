//! UserSig (TLS signature v2): generate one from the app's secret key, and decode and verify
//! one as the server does.

use std::io::{Read, Write};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use serde_json::{Map, Value};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Default validity of a generated UserSig: 180 days, as the official libraries use.
pub const DEFAULT_EXPIRE_SECONDS: u64 = 180 * 24 * 3600;

/// Inflated documents larger than this are refused (a UserSig is a few hundred bytes).
const MAX_DOCUMENT_BYTES: u64 = 64 * 1024;

/// The decoded JSON document inside a UserSig.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserSigDoc {
    pub version: String,
    pub identifier: String,
    pub sdkappid: u64,
    pub time: u64,
    pub expire: u64,
    pub sig: String,
    pub userbuf: Option<String>,
    /// The document as it was decoded, for display.
    pub json: Value,
}

/// Why a UserSig was refused, in the order the server checks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("UserSig is empty")]
    Empty,
    #[error("UserSig is malformed: {0}")]
    Malformed(String),
    #[error("UserSig was made for SDKAppID {found}, not {expected}")]
    SdkAppId { expected: u64, found: u64 },
    #[error("UserSig was made for identifier {found:?}, not {expected:?}")]
    Identifier { expected: String, found: String },
    #[error("UserSig expired at {expired_at} (unix seconds); it is now {now}")]
    Expired { expired_at: u64, now: u64 },
    #[error("UserSig signature does not verify with this secret key")]
    Signature,
}

impl VerifyError {
    /// The Chat error code the server answers with for this failure.
    pub fn code(&self) -> i64 {
        match self {
            VerifyError::Empty => 70002,
            VerifyError::Malformed(_) => 70003,
            VerifyError::SdkAppId { .. } => 70014,
            VerifyError::Identifier { .. } => 70013,
            VerifyError::Expired { .. } => 70001,
            VerifyError::Signature => 70009,
        }
    }

    /// Short name of the failed check, for the CLI.
    pub fn check(&self) -> &'static str {
        match self {
            VerifyError::Empty | VerifyError::Malformed(_) => "malformed",
            VerifyError::SdkAppId { .. } => "sdkappid",
            VerifyError::Identifier { .. } => "identifier",
            VerifyError::Expired { .. } => "expired",
            VerifyError::Signature => "signature",
        }
    }
}

fn content_to_sign(
    identifier: &str,
    sdkappid: u64,
    time: u64,
    expire: u64,
    userbuf: Option<&str>,
) -> String {
    let mut text = format!(
        "TLS.identifier:{identifier}\nTLS.sdkappid:{sdkappid}\nTLS.time:{time}\nTLS.expire:{expire}\n"
    );
    if let Some(buf) = userbuf {
        text.push_str(&format!("TLS.userbuf:{buf}\n"));
    }
    text
}

fn hmac_base64(secret_key: &str, text: &str) -> String {
    STANDARD.encode(hmac_raw(secret_key, text).finalize().into_bytes())
}

fn hmac_raw(secret_key: &str, text: &str) -> HmacSha256 {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = <HmacSha256 as Mac>::new_from_slice(secret_key.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(text.as_bytes());
    mac
}

/// Generates a UserSig at unix time `now`.
pub fn generate(
    sdkappid: u64,
    secret_key: &str,
    identifier: &str,
    expire: u64,
    now: u64,
) -> String {
    let sig = hmac_base64(
        secret_key,
        &content_to_sign(identifier, sdkappid, now, expire, None),
    );
    let doc = serde_json::json!({
        "TLS.ver": "2.0",
        "TLS.identifier": identifier,
        "TLS.sdkappid": sdkappid,
        "TLS.expire": expire,
        "TLS.time": now,
        "TLS.sig": sig,
    });
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing to a Vec cannot fail.
    let _ = z.write_all(doc.to_string().as_bytes());
    let compressed = z.finish().unwrap_or_default();
    STANDARD
        .encode(compressed)
        .replace('+', "*")
        .replace('/', "-")
        .replace('=', "_")
}

/// Generates a UserSig valid from the current time.
pub fn generate_now(sdkappid: u64, secret_key: &str, identifier: &str, expire: u64) -> String {
    generate(sdkappid, secret_key, identifier, expire, unix_now())
}

pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn field_u64(obj: &Map<String, Value>, key: &str) -> Result<u64, VerifyError> {
    match obj.get(key) {
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    }
    .ok_or_else(|| VerifyError::Malformed(format!("{key} is missing or not a whole number")))
}

fn field_str(obj: &Map<String, Value>, key: &str) -> Result<String, VerifyError> {
    match obj.get(key) {
        Some(Value::String(s)) => Ok(s.clone()),
        Some(Value::Number(n)) => Ok(n.to_string()),
        _ => Err(VerifyError::Malformed(format!(
            "{key} is missing or not a string"
        ))),
    }
}

/// Decodes a UserSig without checking it. Accepts a percent-encoded UserSig.
pub fn decode(usersig: &str) -> Result<UserSigDoc, VerifyError> {
    let usersig = usersig.trim();
    if usersig.is_empty() {
        return Err(VerifyError::Empty);
    }
    let decoded = percent_encoding::percent_decode_str(usersig).decode_utf8_lossy();
    let b64: String = decoded
        .chars()
        .map(|ch| match ch {
            '*' => '+',
            '-' => '/',
            '_' => '=',
            other => other,
        })
        .collect();
    let compressed = STANDARD
        .decode(b64.as_bytes())
        .map_err(|e| VerifyError::Malformed(format!("not base64: {e}")))?;
    let mut json = Vec::new();
    flate2::read::ZlibDecoder::new(compressed.as_slice())
        .take(MAX_DOCUMENT_BYTES)
        .read_to_end(&mut json)
        .map_err(|e| VerifyError::Malformed(format!("not zlib data: {e}")))?;
    let value: Value = serde_json::from_slice(&json)
        .map_err(|e| VerifyError::Malformed(format!("not a JSON document: {e}")))?;
    let obj = value
        .as_object()
        .ok_or_else(|| VerifyError::Malformed("the document is not a JSON object".into()))?;
    Ok(UserSigDoc {
        version: field_str(obj, "TLS.ver")?,
        identifier: field_str(obj, "TLS.identifier")?,
        sdkappid: field_u64(obj, "TLS.sdkappid")?,
        time: field_u64(obj, "TLS.time")?,
        expire: field_u64(obj, "TLS.expire")?,
        sig: field_str(obj, "TLS.sig")?,
        userbuf: obj
            .get("TLS.userbuf")
            .and_then(Value::as_str)
            .map(str::to_owned),
        json: value.clone(),
    })
}

/// Verifies a UserSig as the server does: SDKAppID, identifier, expiry, then the signature
/// (compared in constant time).
pub fn verify(
    usersig: &str,
    sdkappid: u64,
    secret_key: &str,
    identifier: &str,
    now: u64,
) -> Result<UserSigDoc, VerifyError> {
    let doc = decode(usersig)?;
    if doc.sdkappid != sdkappid {
        return Err(VerifyError::SdkAppId {
            expected: sdkappid,
            found: doc.sdkappid,
        });
    }
    if doc.identifier != identifier {
        return Err(VerifyError::Identifier {
            expected: identifier.to_owned(),
            found: doc.identifier,
        });
    }
    let expired_at = doc.time.saturating_add(doc.expire);
    if now > expired_at {
        return Err(VerifyError::Expired { expired_at, now });
    }
    let text = content_to_sign(
        &doc.identifier,
        doc.sdkappid,
        doc.time,
        doc.expire,
        doc.userbuf.as_deref(),
    );
    let claimed = STANDARD
        .decode(doc.sig.as_bytes())
        .map_err(|_| VerifyError::Signature)?;
    hmac_raw(secret_key, &text)
        .verify_slice(&claimed)
        .map_err(|_| VerifyError::Signature)?;
    Ok(doc)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";
    const APP: u64 = 1_400_000_000;
    const NOW: u64 = 1_700_000_000;

    fn pack(json: &str, level: u32) -> String {
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::new(level));
        z.write_all(json.as_bytes()).unwrap();
        STANDARD
            .encode(z.finish().unwrap())
            .replace('+', "*")
            .replace('/', "-")
            .replace('=', "_")
    }

    #[test]
    fn fixed_vector_signature() {
        let sig = generate(APP, KEY, "admin", 15_552_000, NOW);
        let doc = decode(&sig).unwrap();
        assert_eq!(doc.sig, "3cjTnO/gKL/+FXJRADCK1V3clKvy6z5MYmn9ENXsWkI=");
        assert_eq!(doc.version, "2.0");
        assert_eq!(doc.identifier, "admin");
        assert_eq!(doc.sdkappid, APP);
        assert!(verify(&sig, APP, KEY, "admin", NOW + 10).is_ok());
    }

    #[test]
    fn each_check_reports_what_failed() {
        let sig = generate(APP, KEY, "admin", 100, NOW);
        assert_eq!(
            verify(&sig, APP + 1, KEY, "admin", NOW).unwrap_err().code(),
            70014
        );
        assert_eq!(
            verify(&sig, APP, KEY, "other", NOW).unwrap_err().code(),
            70013
        );
        assert_eq!(
            verify(&sig, APP, KEY, "admin", NOW + 101)
                .unwrap_err()
                .code(),
            70001
        );
        assert!(verify(&sig, APP, KEY, "admin", NOW + 100).is_ok());
        assert_eq!(
            verify(&sig, APP, "wrong-key", "admin", NOW)
                .unwrap_err()
                .code(),
            70009
        );
        assert_eq!(
            verify("not a sig!", APP, KEY, "admin", NOW)
                .unwrap_err()
                .code(),
            70003
        );
        assert_eq!(
            verify("", APP, KEY, "admin", NOW).unwrap_err().code(),
            70002
        );
        assert_eq!(
            verify(&pack("[1,2]", 6), APP, KEY, "admin", NOW)
                .unwrap_err()
                .code(),
            70003
        );
    }

    #[test]
    fn accepts_any_key_order_spacing_level_trailing_newline_and_percent_encoding() {
        let good = generate(APP, KEY, "admin", 15_552_000, NOW);
        let sig = decode(&good).unwrap().sig;
        let json = format!(
            "{{ \"TLS.sig\" : \"{sig}\",\n  \"TLS.time\": {NOW}, \"TLS.expire\": 15552000,\n \"TLS.sdkappid\": {APP}, \"TLS.identifier\": \"admin\", \"TLS.ver\": \"2.0\" }}\n"
        );
        for level in [0, 1, 6, 9] {
            let packed = pack(&json, level);
            assert!(
                verify(&packed, APP, KEY, "admin", NOW).is_ok(),
                "level {level}"
            );
            let encoded = packed
                .replace('*', "%2A")
                .replace('-', "%2D")
                .replace('_', "%5F");
            assert!(
                verify(&encoded, APP, KEY, "admin", NOW).is_ok(),
                "percent-encoded, level {level}"
            );
        }
    }

    #[test]
    fn tampered_signature_fails_the_signature_check() {
        let good = generate(APP, KEY, "admin", 15_552_000, NOW);
        let doc = decode(&good).unwrap();
        let mut json = doc.json.clone();
        json["TLS.expire"] = serde_json::json!(15_552_001);
        assert_eq!(
            verify(&pack(&json.to_string(), 6), APP, KEY, "admin", NOW).unwrap_err(),
            VerifyError::Signature
        );
    }
}
