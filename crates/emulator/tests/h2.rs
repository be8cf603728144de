//! The emulator over HTTPS with HTTP/2 by ALPN, seen by an HTTP/2 client (hyper's, over
//! tokio-rustls, trusting the emulator's authority): the providers answer as over HTTP/1.1, many
//! streams share one connection, faults act on their stream, the keep-alive timeout and `close()`
//! end connections, and a client that offers only HTTP/1.1 (or no ALPN) still gets HTTP/1.1.

use std::sync::Arc;
use std::time::Duration;

use captcha_emulator::{EmulatorOptions, FaultRule, RunningEmulator};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http2::SendRequest;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

async fn start(options: EmulatorOptions) -> RunningEmulator {
    RunningEmulator::start(EmulatorOptions {
        tls: Some(true),
        ..options
    })
    .await
    .unwrap()
}

/// A TLS connection to `running` that trusts its authority and offers `alpn`.
async fn connect(running: &RunningEmulator, alpn: &[&[u8]]) -> TlsStream<TcpStream> {
    let mut roots = rustls::RootCertStore::empty();
    let authority = CertificateDer::from_pem_slice(running.authority_pem().unwrap().as_bytes()).unwrap();
    roots.add(authority).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    let tcp = TcpStream::connect(running.url().trim_start_matches("https://"))
        .await
        .unwrap();
    TlsConnector::from(Arc::new(config))
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
        .unwrap()
}

/// An HTTP/2 connection to `running`, and the task that drives it (it ends with the connection).
async fn h2_client(running: &RunningEmulator) -> (SendRequest<Full<Bytes>>, tokio::task::JoinHandle<()>) {
    let tls = connect(running, &[b"h2", b"http/1.1"]).await;
    assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));
    let (send, connection) = hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(tls))
        .await
        .unwrap();
    let driver = tokio::spawn(async move {
        let _ = connection.await;
    });
    (send, driver)
}

fn get(path: &str, authorization: &str) -> Request<Full<Bytes>> {
    Request::get(format!("https://localhost{path}"))
        .header("authorization", authorization)
        .body(Full::default())
        .unwrap()
}

fn post_form(path: &str, form: &str) -> Request<Full<Bytes>> {
    Request::post(format!("https://localhost{path}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Full::new(Bytes::from(form.to_owned())))
        .unwrap()
}

async fn json(response: Response<hyper::body::Incoming>) -> serde_json::Value {
    let body = response.into_body().collect().await.unwrap().to_bytes();
    serde_json::from_slice(&body).unwrap()
}

/// A Turnstile verification of `token` with the emulator's secret.
fn turnstile(running: &RunningEmulator, token: &str) -> Request<Full<Bytes>> {
    let secret = &running.state().credentials().turnstile_secret;
    post_form("/turnstile/v0/siteverify", &format!("secret={secret}&response={token}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_verify_over_h2_as_over_http1() {
    let running = start(EmulatorOptions::default()).await;
    let emulator = running.state();
    let (mut send, _driver) = h2_client(&running).await;

    // TrustCaptcha: a GET with a bearer key.
    let token = emulator.issue("trustcaptcha", None).unwrap();
    let id = captcha_core::trustcaptcha::parse_token(Some(&token))
        .unwrap()
        .verification_id;
    let key = &emulator.credentials().trustcaptcha_api_key;
    let path = format!("/v2/verifications/{id}/results");
    let response = send.send_request(get(&path, &format!("Bearer {key}"))).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.version(), hyper::Version::HTTP_2);
    assert_eq!(response.headers()["content-type"], "application/json");
    assert!(
        response.headers().get("date").is_none(),
        "no more headers than over HTTP/1.1"
    );
    assert_eq!(json(response).await["verificationPassed"], true);
    let response = send.send_request(get(&path, "Bearer wrong")).await.unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    // Turnstile: a POST of a form, single use.
    let token = emulator
        .issue("turnstile", Some(r#"{"hostname":"shop.example"}"#))
        .unwrap();
    let first = json(send.send_request(turnstile(&running, &token)).await.unwrap()).await;
    assert_eq!(
        (first["success"].as_bool(), first["hostname"].as_str()),
        (Some(true), Some("shop.example"))
    );
    let again = json(send.send_request(turnstile(&running, &token)).await.unwrap()).await;
    assert_eq!(again["error-codes"][0], "timeout-or-duplicate");

    // The control route answers too, unrecorded; the rest are recorded as over HTTP/1.1, the
    // `:authority` as `host`, credentials redacted.
    let issued = send
        .send_request(post_form("/__emulator/issue/swetrix", ""))
        .await
        .unwrap();
    assert!(json(issued).await["token"].as_str().unwrap().starts_with("swetrix_"));
    let recorded = emulator.recorded_requests();
    assert_eq!(recorded.len(), 4);
    assert_eq!(
        (recorded[0].method.as_str(), recorded[0].path.as_str()),
        ("GET", path.as_str())
    );
    assert_eq!(recorded[0].headers["host"], "localhost");
    assert_eq!(recorded[0].headers["authorization"], "[redacted]");
    assert_eq!(recorded[2].headers["content-type"], "application/x-www-form-urlencoded");
    let stats = emulator.stats();
    assert_eq!(
        (stats.connections_accepted, stats.connections_open, stats.requests),
        (1, 1, 4)
    );
    running.close().await;
    assert_eq!(emulator.stats().connections_open, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_streams_on_one_connection_are_all_answered() {
    let running = start(EmulatorOptions::default()).await;
    let emulator = running.state();
    let (send, _driver) = h2_client(&running).await;
    // More than a client's usual 100 or 256 at once, each held open by a delay long enough for
    // all of them to have arrived before any is answered.
    emulator.add_fault(FaultRule::from_json(r#"{"times":600,"kind":"delay","ms":3000}"#).unwrap());
    let calls: Vec<_> = (0..600)
        .map(|_| {
            let mut send = send.clone();
            let request = turnstile(&running, &emulator.issue("turnstile", None).unwrap());
            tokio::spawn(async move { json(send.send_request(request).await.unwrap()).await })
        })
        .collect();
    while emulator.stats().requests < 600 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(calls.iter().all(|call| !call.is_finished()), "600 streams open at once");
    for call in calls {
        assert_eq!(call.await.unwrap()["success"], true);
    }
    let stats = emulator.stats();
    assert_eq!(
        (stats.connections_accepted, stats.peak_connections_open, stats.requests),
        (1, 1, 600)
    );
    running.close().await;
}

/// Sends `request` and reads its whole answer: the status, or the error the client saw.
async fn outcome(send: &mut SendRequest<Full<Bytes>>, request: Request<Full<Bytes>>) -> Result<(u16, Bytes), String> {
    let response = send.send_request(request).await.map_err(|e| format!("head: {e:?}"))?;
    let status = response.status().as_u16();
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(|e| format!("body {status}: {e:?}"))?;
    Ok((status, body.to_bytes()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_act_on_their_stream_and_the_connection_goes_on() {
    let running = start(EmulatorOptions::default()).await;
    let emulator = running.state();
    let (mut send, _driver) = h2_client(&running).await;
    let fault = |json: &str| emulator.add_fault(FaultRule::from_json(json).unwrap());
    let verify = || turnstile(&running, &emulator.issue("turnstile", None).unwrap());

    // `close`: the stream is reset before its headers, an outage to the client.
    fault(r#"{"times":1,"kind":"close"}"#);
    let closed = outcome(&mut send, verify()).await.unwrap_err();
    assert!(
        closed.starts_with("head: ") && closed.contains("INTERNAL_ERROR"),
        "{closed}"
    );

    // `reset`: a 200's headers and part of its body, then the stream is reset.
    fault(r#"{"times":1,"kind":"reset"}"#);
    let response = send.send_request(verify()).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-length"], "4096");
    let mut body = response.into_body();
    let partial = body.frame().await.unwrap().unwrap().into_data().unwrap();
    assert_eq!(partial, r#"{"captchaId":"0c7f1e2a-"#);
    let reset = format!("{:?}", body.frame().await.unwrap().unwrap_err());
    assert!(reset.contains("INTERNAL_ERROR"), "{reset}");

    // `hang`: that stream never gets an answer, while the others on the connection do.
    fault(r#"{"times":1,"kind":"hang"}"#);
    let mut hung_send = send.clone();
    let hung = tokio::spawn(async move { hung_send.send_request(verify_request()).await });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let (status, body) = outcome(&mut send, verify()).await.unwrap();
    assert_eq!(status, 200, "{body:?}");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!hung.is_finished(), "a hung stream stays unanswered");

    // `status`, `nonJson` and `delay` answer as over HTTP/1.1.
    fault(r#"{"times":1,"kind":"status","status":503,"body":"down","headers":{"Retry-After":"1"}}"#);
    let response = send.send_request(verify()).await.unwrap();
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers()["retry-after"], "1");
    assert_eq!(response.into_body().collect().await.unwrap().to_bytes(), "down");
    fault(r#"{"times":1,"kind":"nonJson","status":502}"#);
    let (status, body) = outcome(&mut send, verify()).await.unwrap();
    assert!(status == 502 && body.starts_with(b"<html>"), "{status}");
    fault(r#"{"times":1,"kind":"delay","ms":300}"#);
    let started = std::time::Instant::now();
    assert_eq!(outcome(&mut send, verify()).await.unwrap().0, 200);
    assert!(started.elapsed() >= Duration::from_millis(300));

    // `hugeBody`: the whole JSON, streamed; `trickle`: the whole answer, slowly.
    fault(r#"{"times":1,"kind":"hugeBody","mib":3,"status":200}"#);
    let (status, body) = outcome(&mut send, verify()).await.unwrap();
    assert_eq!((status, body.len()), (200, 3 * 1024 * 1024));
    let padding: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert!(padding["padding"].as_str().unwrap().bytes().all(|b| b == b'x'));
    fault(r#"{"times":1,"kind":"trickle","ms":2}"#);
    let started = std::time::Instant::now();
    let (status, body) = outcome(&mut send, verify()).await.unwrap();
    let verdict: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!((status, verdict["success"].as_bool()), (200, Some(true)));
    assert!(started.elapsed() >= Duration::from_millis(2 * body.len() as u64));

    // All of that on the one connection; closing the emulator ends it, the hung stream with it.
    assert_eq!(emulator.stats().connections_accepted, 1);
    running.close().await;
    assert_eq!(emulator.stats().connections_open, 0);
    let hung = tokio::time::timeout(Duration::from_secs(5), hung)
        .await
        .unwrap()
        .unwrap();
    assert!(hung.is_err(), "the hung stream ends with the connection");
}

/// A request no fault-free provider would verify, for a stream that only has to exist.
fn verify_request() -> Request<Full<Bytes>> {
    post_form("/turnstile/v0/siteverify", "secret=s&response=r")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bounds_head_and_connection_headers_are_the_http1_codecs() {
    let running = start(EmulatorOptions::default()).await;
    let (mut send, _driver) = h2_client(&running).await;
    // A body past 1 MiB: 413, said by its length or found reading it.
    let big = Full::new(Bytes::from(vec![b'a'; 1024 * 1024 + 1]));
    let request = Request::post("https://localhost/siteverify").body(big).unwrap();
    assert_eq!(outcome(&mut send, request).await.unwrap().0, 413);
    // More header fields than the codec takes: 431.
    let mut request = Request::post("https://localhost/siteverify");
    for n in 0..70 {
        request = request.header(format!("x-{n}"), "v");
    }
    assert_eq!(
        outcome(&mut send, request.body(Full::default()).unwrap())
            .await
            .unwrap()
            .0,
        431
    );
    // A header block past 64 KiB: 431 from h2 itself.
    let request = Request::get("https://localhost/siteverify")
        .header("x-big", "v".repeat(70 * 1024))
        .body(Full::default())
        .unwrap();
    assert_eq!(outcome(&mut send, request).await.unwrap().0, 431);
    // HEAD: the headers and length of the answer, no body.
    let request = Request::builder()
        .method(Method::HEAD)
        .uri("https://localhost/other")
        .body(Full::default())
        .unwrap();
    let response = send.send_request(request).await.unwrap();
    assert_eq!(response.status(), 404);
    let length: usize = response.headers()["content-length"].to_str().unwrap().parse().unwrap();
    assert_eq!(length, r#"{"message":"Not Found"}"#.len());
    assert!(response.into_body().collect().await.unwrap().to_bytes().is_empty());
    // A rule's headers that name the connection are dropped (HTTP/2 forbids them).
    running.state().add_fault(
        FaultRule::from_json(r#"{"times":1,"kind":"status","status":200,"headers":{"keep-alive":"5","upgrade":"x"}}"#)
            .unwrap(),
    );
    let response = send.send_request(verify_request()).await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers().get("keep-alive").is_none() && response.headers().get("upgrade").is_none());
    // The connection took all of it.
    assert_eq!(outcome(&mut send, verify_request()).await.unwrap().0, 200);
    running.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_h2_connection_is_closed_after_the_keep_alive_timeout() {
    let running = start(EmulatorOptions {
        keep_alive_timeout_ms: Some(100),
        ..Default::default()
    })
    .await;
    let emulator = running.state();
    let (mut send, driver) = h2_client(&running).await;
    // A connection waits for its first request, as over HTTP/1.1.
    tokio::time::sleep(Duration::from_millis(250)).await;
    assert!(!driver.is_finished());
    // Answers within the timeout of each other keep it open, however long it lives.
    for _ in 0..5 {
        assert_eq!(outcome(&mut send, verify_request()).await.unwrap().0, 200);
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
    // A stream open longer than the timeout keeps it open too.
    emulator.add_fault(FaultRule::from_json(r#"{"times":1,"kind":"delay","ms":300}"#).unwrap());
    assert_eq!(outcome(&mut send, verify_request()).await.unwrap().0, 200);
    assert!(!driver.is_finished());
    // So does a hung stream, until the client gives up on it (its RST_STREAM ends it).
    emulator.add_fault(FaultRule::from_json(r#"{"times":1,"kind":"hang"}"#).unwrap());
    let given_up = tokio::time::timeout(Duration::from_millis(300), send.send_request(verify_request())).await;
    assert!(given_up.is_err() && !driver.is_finished());
    // Then idle: GOAWAY, and the connection ends.
    tokio::time::timeout(Duration::from_secs(5), driver)
        .await
        .unwrap()
        .unwrap();
    assert!(send.send_request(verify_request()).await.is_err());
    for _ in 0..100 {
        if emulator.stats().connections_open == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(emulator.stats().connections_open, 0);
    assert_eq!(emulator.stats().connections_accepted, 1);
    running.close().await;
}

/// Sends a raw HTTP/1.1 request on `stream` and reads the answer until the emulator closes.
async fn http1_exchange(mut stream: TlsStream<TcpStream>, path: &str) -> String {
    let request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut received = Vec::new();
    let _ = stream.read_to_end(&mut received).await;
    String::from_utf8(received).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_without_h2_gets_the_http1_codec() {
    let running = start(EmulatorOptions::default()).await;
    for alpn in [&[&b"http/1.1"[..]][..], &[]] {
        let stream = connect(&running, alpn).await;
        let negotiated = stream.get_ref().1.alpn_protocol().map(<[u8]>::to_vec);
        assert_eq!(negotiated, alpn.first().map(|p| p.to_vec()));
        let text = http1_exchange(stream, "/other").await;
        assert!(text.starts_with("HTTP/1.1 404 Not Found\r\n"), "{text}");
        assert!(text.contains("connection: close\r\n"), "{text}");
        assert!(text.ends_with(r#"{"message":"Not Found"}"#), "{text}");
    }
    // Its faults are the HTTP/1.1 ones: `close` closes before the status line.
    running
        .state()
        .add_fault(FaultRule::from_json(r#"{"times":1,"kind":"close"}"#).unwrap());
    let stream = connect(&running, &[b"http/1.1"]).await;
    assert_eq!(http1_exchange(stream, "/other").await, "");
    running.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_widget_scripts_and_their_token_route_are_served_over_h2() {
    let running = start(EmulatorOptions::default()).await;
    let (mut send, _driver) = h2_client(&running).await;
    let script = send.send_request(get("/widget/turnstile.js", "")).await.unwrap();
    assert_eq!(script.status(), StatusCode::OK);
    assert_eq!(script.headers()["content-type"], "text/javascript; charset=utf-8");
    let body = script.into_body().collect().await.unwrap().to_bytes();
    assert!(body.starts_with(b"/* captcha-native emulator"));
    let asked = Request::post("https://localhost/__emulator/widget/turnstile")
        .header("origin", "https://shop.example")
        .body(Full::new(Bytes::from_static(br#"{"outcome":"outage"}"#)))
        .unwrap();
    let answer = send.send_request(asked).await.unwrap();
    assert_eq!(answer.headers()["access-control-allow-origin"], "*");
    let token = json(answer).await["token"].as_str().unwrap().to_owned();
    let verified = send.send_request(turnstile(&running, &token)).await.unwrap();
    assert_eq!(verified.status(), StatusCode::SERVICE_UNAVAILABLE);
    running.close().await;
}
