//! TLS is rustls only: no OpenSSL (nor native-tls) anywhere in Cargo.lock. The one crate with
//! "openssl" in its name, `openssl-probe`, is pure Rust with no dependencies: reqwest's
//! rustls platform verifier uses it to find where Linux keeps its CA certificates.
#![allow(clippy::unwrap_used)]

#[test]
fn cargo_lock_has_no_openssl_library() {
    let lock: toml::Table = toml::from_str(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.lock")).unwrap(),
    )
    .unwrap();
    let packages = lock["package"].as_array().unwrap();
    for package in packages {
        let name = package["name"].as_str().unwrap();
        assert!(
            ![
                "openssl",
                "openssl-sys",
                "openssl-src",
                "native-tls",
                "hyper-tls",
                "tokio-native-tls"
            ]
            .contains(&name),
            "{name} is in Cargo.lock: TLS must be rustls only"
        );
        if name.contains("openssl") {
            assert_eq!(name, "openssl-probe", "unexpected crate {name}");
            assert!(
                package.get("dependencies").is_none(),
                "openssl-probe now has dependencies: {package:?}"
            );
        }
    }
    let has = |n: &str| packages.iter().any(|p| p["name"].as_str() == Some(n));
    assert!(
        has("rustls") && has("hyper-rustls"),
        "reqwest's TLS is rustls"
    );
}
