//! Where requests go: the region domains (the README's "Configuration and credentials")
//! and custom base URLs (https, or plain http to loopback only).

use url::Url;

/// Region names and their domains.
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
}
