//! Shared by the `emulator_*` tests that speak HTTP by hand: exact bytes on a loopback
//! socket, so a test sees what a client really receives (a status line or none, a body cut
//! short, a connection closed).

#![allow(clippy::unwrap_used, dead_code)]

use std::net::SocketAddr;
use std::time::Duration;

use convmark::api::usersig;
use convmark::emulator::{DEMO_ADMIN, DEMO_SDKAPPID, DEMO_SECRET_KEY};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Longer than any answer can take in these tests; reaching it fails the test.
pub const PATIENCE: Duration = Duration::from_secs(20);

/// The query of a valid call by the demo admin.
pub fn query() -> String {
    let sig = usersig::generate_now(DEMO_SDKAPPID, DEMO_SECRET_KEY, DEMO_ADMIN, 3600);
    format!(
        "sdkappid={DEMO_SDKAPPID}&identifier={DEMO_ADMIN}&usersig={sig}&random=1&contenttype=json"
    )
}

/// A complete HTTP/1.1 POST of `body` to `path` (no leading slash) with a valid query,
/// asking the server to close the connection after the answer.
pub fn post(path: &str, body: &[u8]) -> Vec<u8> {
    let mut req = format!(
        "POST /{path}?{} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        query(),
        body.len()
    )
    .into_bytes();
    req.extend_from_slice(body);
    req
}

/// Sends `request` and reads until the server closes the connection (or resets it).
pub async fn exchange(addr: SocketAddr, request: &[u8]) -> Vec<u8> {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(request).await.unwrap();
    read_to_close(&mut stream).await
}

/// Everything the server sends until it closes the connection; a reset ends it too.
pub async fn read_to_close(stream: &mut TcpStream) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = [0u8; 65536];
    loop {
        match tokio::time::timeout(PATIENCE, stream.read(&mut buf)).await {
            Err(_) => panic!(
                "the server neither answered nor closed within {PATIENCE:?}; got {:?}",
                String::from_utf8_lossy(&out)
            ),
            Ok(Ok(0)) | Ok(Err(_)) => return out,
            Ok(Ok(n)) => out.extend_from_slice(&buf[..n]),
        }
    }
}

/// One HTTP response as received.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    /// The body, de-chunked; `complete` says whether it ended as the headers promised.
    pub body: Vec<u8>,
    pub complete: bool,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON; panics when it is not.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "not JSON ({e}): {} {:?} {:?}",
                self.status,
                self.headers,
                String::from_utf8_lossy(&self.body)
            )
        })
    }
}

/// Parses the first response in `raw`; `None` when there is not even a status line and
/// headers.
pub fn parse(raw: &[u8]) -> Option<Answer> {
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&raw[..end]).into_owned();
    let mut lines = head.split("\r\n");
    let status: u16 = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let mut answer = Answer {
        status,
        headers,
        body: Vec::new(),
        complete: false,
    };
    let rest = &raw[end + 4..];
    if answer
        .header("transfer-encoding")
        .is_some_and(|v| v.eq_ignore_ascii_case("chunked"))
    {
        let mut rest = rest;
        while let Some(line_end) = rest.windows(2).position(|w| w == b"\r\n") {
            let size_text = String::from_utf8_lossy(&rest[..line_end]).into_owned();
            let Ok(size) = usize::from_str_radix(size_text.trim(), 16) else {
                break;
            };
            rest = &rest[line_end + 2..];
            if size == 0 {
                answer.complete = true;
                break;
            }
            if rest.len() < size {
                answer.body.extend_from_slice(rest);
                break;
            }
            answer.body.extend_from_slice(&rest[..size]);
            rest = rest.get(size + 2..).unwrap_or(&[]);
        }
    } else {
        let length: Option<usize> = answer.header("content-length").and_then(|v| v.parse().ok());
        match length {
            Some(n) => {
                answer.body = rest[..n.min(rest.len())].to_vec();
                answer.complete = rest.len() >= n;
            }
            None => {
                answer.body = rest.to_vec();
                answer.complete = true;
            }
        }
    }
    Some(answer)
}

/// The answer must be a complete HTTP 200 JSON envelope; returns its JSON.
pub fn envelope(raw: &[u8]) -> serde_json::Value {
    let answer =
        parse(raw).unwrap_or_else(|| panic!("no HTTP answer: {:?}", String::from_utf8_lossy(raw)));
    assert_eq!(answer.status, 200, "{answer:?}");
    assert!(answer.complete, "{answer:?}");
    assert_eq!(answer.header("content-type"), Some("application/json"));
    let v = answer.json();
    assert!(v["ErrorCode"].is_i64(), "{v}");
    assert!(v["ActionStatus"].is_string(), "{v}");
    v
}
