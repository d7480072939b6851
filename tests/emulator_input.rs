#![allow(clippy::unwrap_used)]
//! The emulator under bad input, byte by byte on a real socket: bodies too large, cut short,
//! unreadable or too slow all get a JSON envelope with an ErrorCode; what hyper itself
//! refuses before the handler is exactly what the README says; idle, silent and half-sent
//! connections are closed after the idle timeout, while a call being answered is not.

mod emulator_support;

use std::time::Duration;

use convmark::api::{codes, paths};
use convmark::emulator::{
    self, DEMO_USER, EmulatorConfig, Endpoint, Fault, MAX_BODY_BYTES, MAX_HEAD_BYTES,
    RunningEmulator, Seed,
};
use emulator_support::{envelope, exchange, parse, post, query, read_to_close};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const IDLE: Duration = Duration::from_millis(300);

async fn start() -> RunningEmulator {
    emulator::spawn(EmulatorConfig {
        seed: Seed::Demo { conversations: 10 },
        idle_timeout: IDLE,
        ..Default::default()
    })
    .await
    .unwrap()
}

fn list_body() -> String {
    serde_json::json!({"From_Account": DEMO_USER, "StartIndex": 0}).to_string()
}

/// Asserts a top-level 60002 whose ErrorInfo says `what`.
fn refused_60002(raw: &[u8], what: &str) {
    let v = envelope(raw);
    assert_eq!(v["ErrorCode"], 60002, "{v}");
    assert_eq!(v["ActionStatus"], "FAIL");
    let info = v["ErrorInfo"].as_str().unwrap();
    assert!(info.contains(what), "{info}");
}

#[tokio::test]
async fn bodies_too_large_unreadable_or_too_slow_get_60002_json() {
    assert!(
        !codes::is_retryable(60002),
        "a client must not send it again"
    );
    let emu = start().await;

    // at the limit: a valid body padded with spaces to exactly MAX_BODY_BYTES is read
    let mut at_limit = list_body().into_bytes();
    at_limit.resize(MAX_BODY_BYTES, b' ');
    let v = envelope(&exchange(emu.addr, &post(paths::GET_CONTACT_GROUP, &at_limit)).await);
    assert_eq!(v["ErrorCode"], 0, "{v}");

    // one byte more, by Content-Length: refused, and the client still reads the answer
    at_limit.push(b' ');
    let raw = exchange(emu.addr, &post(paths::GET_CONTACT_GROUP, &at_limit)).await;
    refused_60002(
        &raw,
        &format!(
            "the body is {} bytes (Content-Length); at most {MAX_BODY_BYTES} are read",
            MAX_BODY_BYTES + 1
        ),
    );

    // much larger, chunked (no Content-Length): refused once it passes the limit
    let head = format!(
        "POST /{}?{} HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        paths::MARK_CONTACT,
        query()
    );
    let mut chunked = head.into_bytes();
    let chunk = vec![b' '; 64 * 1024];
    for _ in 0..40 {
        chunked.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        chunked.extend_from_slice(&chunk);
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    refused_60002(
        &exchange(emu.addr, &chunked).await,
        &format!("the body is over {MAX_BODY_BYTES} bytes"),
    );

    // a client that waits for 100 Continue is answered without sending the body
    let expect = format!(
        "POST /{}?{} HTTP/1.1\r\nHost: h\r\nContent-Length: 50000000\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n",
        paths::MARK_CONTACT,
        query()
    );
    refused_60002(
        &exchange(emu.addr, expect.as_bytes()).await,
        "the body is 50000000 bytes (Content-Length)",
    );

    // a broken chunked encoding cannot be read
    let broken = format!(
        "POST /{}?{} HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n{{}}\r\n0\r\n\r\n",
        paths::GET_CONTACT_GROUP,
        query()
    );
    refused_60002(
        &exchange(emu.addr, broken.as_bytes()).await,
        "the body cannot be read",
    );

    // a body cut short: the client stops sending (shuts its side) before Content-Length
    let mut stream = TcpStream::connect(emu.addr).await.unwrap();
    let mut short = post(paths::GET_CONTACT_GROUP, list_body().as_bytes());
    short.truncate(short.len() - 5);
    stream.write_all(&short).await.unwrap();
    stream.shutdown().await.unwrap();
    refused_60002(&read_to_close(&mut stream).await, "the body cannot be read");

    // a body that stops arriving: refused after the idle timeout, the connection open
    let mut stream = TcpStream::connect(emu.addr).await.unwrap();
    stream.write_all(&short).await.unwrap();
    refused_60002(
        &read_to_close(&mut stream).await,
        &format!("the body did not arrive within {} ms", IDLE.as_millis()),
    );

    // the path and the UserSig are checked before the body, however large
    let mut big = format!(
        "POST /{}?sdkappid=1400000000&identifier=administrator&usersig=nope HTTP/1.1\r\nHost: h\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        paths::MARK_CONTACT,
        3 * MAX_BODY_BYTES
    )
    .into_bytes();
    big.resize(big.len() + 3 * MAX_BODY_BYTES, b'x');
    assert_eq!(
        envelope(&exchange(emu.addr, &big).await)["ErrorCode"],
        70003
    );
    let raw = exchange(emu.addr, &post("v4/recentcontact/nope", &at_limit)).await;
    assert_eq!(envelope(&raw)["ErrorCode"], 60009);
    emu.shutdown().await;
}

#[tokio::test]
async fn a_doubled_slash_is_another_path() {
    let emu = start().await;
    for path in [
        format!("/{}", paths::GET_CONTACT_GROUP),
        format!("v4//recentcontact/{}", Endpoint::GetContactGroup.name()),
        format!("{}/", paths::GET_CONTACT_GROUP),
    ] {
        let v = envelope(&exchange(emu.addr, &post(&path, list_body().as_bytes())).await);
        assert_eq!(v["ErrorCode"], 60009, "{path}: {v}");
        assert!(
            v["ErrorInfo"]
                .as_str()
                .unwrap()
                .contains(&format!("/{path} is not an API path")),
            "{v}"
        );
    }
    let v = envelope(
        &exchange(
            emu.addr,
            &post(paths::GET_CONTACT_GROUP, list_body().as_bytes()),
        )
        .await,
    );
    assert_eq!(v["ErrorCode"], 0);
    emu.shutdown().await;
}

/// What hyper answers by itself, before any handler runs: the README lists these.
#[tokio::test]
async fn what_hyper_refuses_before_the_handler() {
    let emu = start().await;
    let cases: Vec<(&str, Vec<u8>, u16)> = vec![
        ("a malformed request line", b"GARBAGE\r\n\r\n".to_vec(), 400),
        (
            "a bad header line",
            b"POST /v4/x HTTP/1.1\r\nHost h\r\n\r\n".to_vec(),
            400,
        ),
        (
            "an invalid Content-Length",
            b"POST /v4/x HTTP/1.1\r\nHost: h\r\nContent-Length: ten\r\n\r\n".to_vec(),
            400,
        ),
        (
            "over 100 headers",
            {
                let mut r = b"POST /v4/x HTTP/1.1\r\nHost: h\r\n".to_vec();
                for i in 0..101 {
                    r.extend_from_slice(format!("X-H{i}: v\r\n").as_bytes());
                }
                r.extend_from_slice(b"\r\n");
                r
            },
            431,
        ),
        (
            "a header over MAX_HEAD_BYTES",
            {
                let mut r = b"POST /v4/x HTTP/1.1\r\nHost: h\r\nX-Big: ".to_vec();
                r.resize(MAX_HEAD_BYTES + 1, b'a');
                r.extend_from_slice(b"\r\n\r\n");
                r
            },
            431,
        ),
        (
            "a request target over MAX_HEAD_BYTES",
            format!(
                "POST /{} HTTP/1.1\r\nHost: h\r\n\r\n",
                "a".repeat(MAX_HEAD_BYTES)
            )
            .into_bytes(),
            431,
        ),
        (
            "HTTP/2 without TLS or its preface",
            b"POST /v4/x HTTP/2.0\r\nHost: h\r\n\r\n".to_vec(),
            400,
        ),
    ];
    for (what, request, status) in cases {
        let raw = exchange(emu.addr, &request).await;
        let answer = parse(&raw).unwrap_or_else(|| panic!("{what}: {raw:?}"));
        assert_eq!(answer.status, status, "{what}: {answer:?}");
        assert!(answer.body.is_empty(), "{what}: hyper sends no body");
    }
    emu.shutdown().await;
}

#[tokio::test]
async fn idle_silent_and_half_sent_connections_are_closed() {
    let emu = start().await;
    // a keep-alive connection: one call answered, then idle until the server closes it
    let mut kept = TcpStream::connect(emu.addr).await.unwrap();
    let body = list_body();
    let request = format!(
        "POST /{}?{} HTTP/1.1\r\nHost: h\r\nContent-Length: {}\r\n\r\n{body}",
        paths::GET_CONTACT_GROUP,
        query(),
        body.len()
    );
    kept.write_all(request.as_bytes()).await.unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 65536];
    let answer = loop {
        let n = tokio::time::timeout(emulator_support::PATIENCE, kept.read(&mut buf))
            .await
            .unwrap()
            .unwrap();
        assert!(n > 0, "closed before the answer");
        got.extend_from_slice(&buf[..n]);
        if let Some(a) = parse(&got).filter(|a| a.complete) {
            break a;
        }
    };
    assert_eq!(answer.json()["ErrorCode"], 0);
    assert!(
        answer.header("connection").is_none(),
        "kept alive: {answer:?}"
    );
    assert!(
        read_to_close(&mut kept).await.is_empty(),
        "closed with nothing more sent"
    );

    // nothing sent at all
    let mut silent = TcpStream::connect(emu.addr).await.unwrap();
    assert!(read_to_close(&mut silent).await.is_empty());

    // half a request head
    let mut half = TcpStream::connect(emu.addr).await.unwrap();
    half.write_all(format!("POST /{}?{} HTTP/1.1\r\nHo", paths::GET_LIST, query()).as_bytes())
        .await
        .unwrap();
    assert!(read_to_close(&mut half).await.is_empty());
    emu.shutdown().await;
}

#[tokio::test]
async fn a_call_being_answered_outlives_the_idle_timeout() {
    let emu = emulator::spawn(EmulatorConfig {
        seed: Seed::Demo { conversations: 10 },
        idle_timeout: IDLE,
        fault_delay: IDLE * 3,
        ..Default::default()
    })
    .await
    .unwrap();
    emu.inject_fault(Endpoint::GetContactGroup, Fault::Slow);
    let raw = exchange(
        emu.addr,
        &post(paths::GET_CONTACT_GROUP, list_body().as_bytes()),
    )
    .await;
    assert_eq!(envelope(&raw)["ErrorCode"], 50005);
    emu.shutdown().await;
}

#[tokio::test]
async fn a_tls_connection_that_never_starts_its_handshake_is_closed() {
    let dir = tempfile::tempdir().unwrap();
    let emu = emulator::spawn(EmulatorConfig {
        seed: Seed::None,
        tls: true,
        tls_cert_out: Some(dir.path().join("ca.pem")),
        idle_timeout: IDLE,
        ..Default::default()
    })
    .await
    .unwrap();
    // closed by our idle timeout, not by axum-server's own handshake timeout of 10 s: the
    // bound is far above IDLE and below those 10 s
    let bound = Duration::from_secs(5);
    let mut silent = TcpStream::connect(emu.addr).await.unwrap();
    let closed = tokio::time::timeout(bound, read_to_close(&mut silent)).await;
    assert!(closed.expect("closed by the idle timeout").is_empty());
    let mut half = TcpStream::connect(emu.addr).await.unwrap();
    // the first bytes of a TLS ClientHello record, and no more
    half.write_all(&[0x16, 0x03, 0x01, 0x02, 0x00, 0x01])
        .await
        .unwrap();
    let closed = tokio::time::timeout(bound, read_to_close(&mut half)).await;
    assert!(closed.expect("closed by the idle timeout").is_empty());
    emu.shutdown().await;
}
