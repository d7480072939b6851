//! The self-signed certificate for `--tls`, served with rustls on the aws-lc-rs provider.

use std::sync::Arc;

use rustls::ServerConfig;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// A certificate for 127.0.0.1, ::1 and localhost, and the server configuration that uses it.
pub struct SelfSigned {
    pub cert_pem: String,
    pub config: Arc<ServerConfig>,
}

pub fn self_signed() -> Result<SelfSigned, String> {
    let names = vec![
        "127.0.0.1".to_owned(),
        "::1".to_owned(),
        "localhost".to_owned(),
    ];
    let certified = rcgen::generate_simple_self_signed(names)
        .map_err(|e| format!("cannot make the self-signed certificate: {e}"))?;
    let cert_der: CertificateDer<'static> = certified.cert.der().clone();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
        certified.signing_key.serialize_der(),
    ));
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("cannot configure TLS: {e}"))?
        .with_no_client_auth()
        .with_single_cert(vec![cert_der], key)
        .map_err(|e| format!("cannot use the self-signed certificate: {e}"))?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(SelfSigned {
        cert_pem: certified.cert.pem(),
        config: Arc::new(config),
    })
}
