//! The direct route: requests that go straight to their origin, on hyper's connections pooled
//! here, with no proxy between. It is most requests, and the hot path, so it skips what the
//! proxied route's client (reqwest) does per request and we do not need: a redirect policy that
//! re-parses the URL, a tower stack of boxed futures, a legacy pool that checks out under its
//! own locks, header merging.
//!
//! What it keeps, and how:
//! - HTTP/1.1 connections, one request at a time each, reused from a stack of idle ones (the most
//!   recently used first, the warmest); an idle connection is dropped past `POOL_IDLE_TIMEOUT`.
//! - HTTP/2 where TLS negotiates it (ALPN offers `h2` and `http/1.1`): one connection per origin,
//!   every request multiplexed on it.
//! - A request a reused connection never sent (it closed first) goes again on a new connection:
//!   hyper hands it back unsent (`try_send_request`). A repeatable one (a GET, or a POST the caller
//!   says is idempotent) that a reused connection lost mid-exchange goes again once on a new
//!   connection too: the server closing an idle connection is not an outage.
//! - TLS with rustls on ring, the platform's verifier plus the `ca` option's roots, as reqwest
//!   builds it.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, Weak};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::header::{HeaderName, HeaderValue, ACCEPT, HOST, USER_AGENT};
use http::{Method, Request as HttpRequest, Uri, Version};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::client::conn::{http1, http2};
use hyper_util::rt::{TokioExecutor, TokioIo};
use reqwest::Url;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::net::TcpStream;
use tokio::sync::Semaphore;

use super::{
    is_connection_loss, Answer, Failure, MAX_BODY_BYTES, MAX_CONNECTIONS_PER_ORIGIN, MAX_TRACKED_ORIGINS,
    POOL_IDLE_TIMEOUT,
};

/// The `User-Agent` sent when the caller gives none (reqwest's was the same).
const DEFAULT_USER_AGENT: &str = concat!("captcha-native/", env!("CARGO_PKG_VERSION"));

/// One request, as the providers build it.
pub struct Request<'a> {
    pub method: Method,
    pub url: &'a Url,
    /// Sent after `Host`, in this order; `User-Agent` and `Accept: */*` are added when absent.
    pub headers: &'a [(HeaderName, HeaderValue)],
    pub body: Bytes,
    /// A POST safe to send twice (Turnstile's, which carries an idempotency key): lost on a
    /// pooled connection, it goes once more, as a GET does.
    pub idempotent: bool,
}

/// Everything one origin (scheme, host, port) has: its limit and its pooled connections.
pub(super) struct Origin {
    /// At most `MAX_CONNECTIONS_PER_ORIGIN` requests in flight (both routes use it).
    pub(super) limit: Semaphore,
    https: bool,
    host: String,
    port: u16,
    /// The `Host` header (HTTP/1.1) and the authority (HTTP/2).
    authority: HeaderValue,
    idle: Mutex<Idle>,
}

#[derive(Default)]
struct Idle {
    http1: Vec<(http1::SendRequest<Full<Bytes>>, Instant)>,
    http2: Option<http2::SendRequest<Full<Bytes>>>,
    /// Whether a task is dropping expired idle connections.
    sweeping: bool,
}

/// The connections of every origin of one transport configuration.
pub(super) struct Direct {
    connect_timeout: Duration,
    extra_roots: Vec<CertificateDer<'static>>,
    tls: OnceLock<Result<tokio_rustls::TlsConnector, String>>,
    origins: Mutex<HashMap<String, Arc<Origin>>>,
}

/// A connection checked out for one request.
enum Sender {
    Http1(http1::SendRequest<Full<Bytes>>),
    Http2(http2::SendRequest<Full<Bytes>>),
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Direct {
    pub(super) fn new(connect_timeout: Duration, extra_roots: Vec<CertificateDer<'static>>) -> Self {
        Self {
            connect_timeout,
            extra_roots,
            tls: OnceLock::new(),
            origins: Mutex::new(HashMap::new()),
        }
    }

    /// The origin of `url`, made on first use. `None` for a URL with no host.
    pub(super) fn origin(&self, url: &Url) -> Option<Arc<Origin>> {
        let key = &url[..url::Position::BeforePath];
        let mut origins = lock(&self.origins);
        if let Some(origin) = origins.get(key) {
            return Some(origin.clone());
        }
        let host = url.host_str()?.trim_start_matches('[').trim_end_matches(']').to_owned();
        let port = url.port_or_known_default()?;
        let authority = match url.port() {
            Some(port) => format!("{}:{port}", url.host_str()?),
            None => url.host_str()?.to_owned(),
        };
        let authority = HeaderValue::from_str(&authority).ok()?;
        if origins.len() >= MAX_TRACKED_ORIGINS {
            origins.retain(|_, origin| {
                Arc::strong_count(origin) > 1 || origin.limit.available_permits() < MAX_CONNECTIONS_PER_ORIGIN
            });
        }
        let origin = Arc::new(Origin {
            limit: Semaphore::new(MAX_CONNECTIONS_PER_ORIGIN),
            https: url.scheme() == "https",
            host,
            port,
            authority,
            idle: Mutex::new(Idle::default()),
        });
        origins.insert(key.to_owned(), origin.clone());
        Some(origin)
    }

    /// Sends `request` to `origin` and reads the answer (the body only when `wants_body` says
    /// so for the status). `repeatable`: the request may go again after a reused connection
    /// lost it mid-exchange.
    pub(super) async fn send(
        &self,
        origin: &Arc<Origin>,
        request: &Request<'_>,
        wants_body: impl Fn(u16) -> bool,
        repeatable: bool,
    ) -> Result<Answer, Failure> {
        let mut fresh_only = false;
        loop {
            let (sender, reused) = match (!fresh_only).then(|| checkout(origin)).flatten() {
                Some(sender) => (sender, true),
                // Boxed: connecting (DNS, TCP, TLS, the handshakes) is a large state that most
                // requests never enter; inline, every call's future would carry and move it.
                None => (Box::pin(self.connect(origin)).await?, false),
            };
            let message = build(origin, request, &sender)?;
            match exchange(origin, sender, message, &wants_body).await {
                Ok(answer) => return Ok(answer),
                // Never sent: the connection had closed. Safe to send on a new one.
                Err(Lost::Unsent(_)) if reused => fresh_only = true,
                Err(Lost::Unsent(failure)) => return Err(failure),
                Err(Lost::Midway(failure)) if reused && repeatable && failure == Failure::ConnectionReset => {
                    fresh_only = true;
                }
                Err(Lost::Midway(failure) | Lost::Answered(failure)) => return Err(failure),
            }
        }
    }

    /// A new connection to `origin`: TCP (each address in turn, sharing the connect timeout),
    /// then TLS for https, then the HTTP handshake of the protocol agreed.
    async fn connect(&self, origin: &Arc<Origin>) -> Result<Sender, Failure> {
        let started = Instant::now();
        let addresses: Vec<SocketAddr> = match tokio::time::timeout(
            self.connect_timeout,
            tokio::net::lookup_host((origin.host.as_str(), origin.port)),
        )
        .await
        {
            Ok(Ok(found)) => found.collect(),
            Ok(Err(_)) => return Err(Failure::HostNotFound),
            Err(_) => return Err(Failure::ConnectTimeout),
        };
        if addresses.is_empty() {
            return Err(Failure::HostNotFound);
        }
        let mut last = Failure::ConnectTimeout;
        let mut stream = None;
        for (index, address) in addresses.iter().enumerate() {
            let left = self.connect_timeout.saturating_sub(started.elapsed());
            let share = left / (addresses.len() - index) as u32;
            match tokio::time::timeout(share, TcpStream::connect(address)).await {
                Ok(Ok(connected)) => {
                    stream = Some(connected);
                    break;
                }
                Ok(Err(error)) if error.kind() == std::io::ErrorKind::ConnectionRefused => {
                    last = Failure::ConnectionRefused
                }
                Ok(Err(error)) if is_connection_loss(error.kind()) => last = Failure::ConnectionReset,
                Ok(Err(error)) => last = Failure::Other(format!("tcp connect error: {error}")),
                Err(_) => last = Failure::ConnectTimeout,
            }
        }
        let stream = stream.ok_or(last)?;
        let _ = stream.set_nodelay(true);
        if !origin.https {
            return handshake_http1(TokioIo::new(stream)).await;
        }
        let connector = self.tls_connector()?;
        let name = ServerName::try_from(origin.host.clone()).map_err(|_| Failure::InvalidUrl)?;
        let left = self.connect_timeout.saturating_sub(started.elapsed());
        let tls = match tokio::time::timeout(left, connector.connect(name, stream)).await {
            Ok(Ok(tls)) => tls,
            Ok(Err(error)) => return Err(tls_failure(&error)),
            Err(_) => return Err(Failure::ConnectTimeout),
        };
        if tls.get_ref().1.alpn_protocol() == Some(b"h2") {
            let (sender, connection) = http2::handshake(TokioExecutor::new(), TokioIo::new(tls))
                .await
                .map_err(|error| hyper_failure(&error))?;
            tokio::spawn(async move {
                let _ = connection.await;
            });
            // The newest connection serves what follows: one opened because the shared one is
            // draining (a GOAWAY, refused streams) takes its place at once, rather than each
            // request finding the old one, being refused and opening a connection of its own.
            lock(&origin.idle).http2 = Some(sender.clone());
            return Ok(Sender::Http2(sender));
        }
        handshake_http1(TokioIo::new(tls)).await
    }

    fn tls_connector(&self) -> Result<tokio_rustls::TlsConnector, Failure> {
        self.tls
            .get_or_init(|| {
                let provider = Arc::new(rustls::crypto::ring::default_provider());
                let verifier = if self.extra_roots.is_empty() {
                    rustls_platform_verifier::Verifier::new(provider.clone())
                } else {
                    rustls_platform_verifier::Verifier::new_with_extra_roots(self.extra_roots.clone(), provider.clone())
                }
                .map_err(|error| format!("TLS setup failed: {error}"))?;
                let mut config = rustls::ClientConfig::builder_with_provider(provider)
                    .with_safe_default_protocol_versions()
                    .map_err(|error| format!("TLS setup failed: {error}"))?
                    .dangerous()
                    .with_custom_certificate_verifier(Arc::new(verifier))
                    .with_no_client_auth();
                config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
                Ok(tokio_rustls::TlsConnector::from(Arc::new(config)))
            })
            .clone()
            .map_err(Failure::Other)
    }
}

async fn handshake_http1<T>(io: TokioIo<T>) -> Result<Sender, Failure>
where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (sender, connection) = http1::handshake(io).await.map_err(|error| hyper_failure(&error))?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(Sender::Http1(sender))
}

/// A pooled connection ready for a request: the origin's HTTP/2 one, or the most recently used
/// HTTP/1.1 one that is still open and not idle too long.
fn checkout(origin: &Origin) -> Option<Sender> {
    let mut idle = lock(&origin.idle);
    if let Some(shared) = &idle.http2 {
        if !shared.is_closed() {
            return Some(Sender::Http2(shared.clone()));
        }
        idle.http2 = None;
    }
    while let Some((sender, since)) = idle.http1.pop() {
        if since.elapsed() < POOL_IDLE_TIMEOUT && sender.is_ready() {
            return Some(Sender::Http1(sender));
        }
    }
    None
}

/// Puts an HTTP/1.1 connection back for the next request, and makes sure a sweep will drop it
/// once it has been idle too long (so that no socket outlives `POOL_IDLE_TIMEOUT` by much).
fn checkin(origin: &Arc<Origin>, sender: http1::SendRequest<Full<Bytes>>) {
    if sender.is_closed() {
        return;
    }
    let mut idle = lock(&origin.idle);
    if idle.http1.len() >= MAX_CONNECTIONS_PER_ORIGIN {
        return;
    }
    idle.http1.push((sender, Instant::now()));
    if !idle.sweeping {
        idle.sweeping = true;
        let origin = Arc::downgrade(origin);
        tokio::spawn(sweep(origin));
    }
}

/// Every `POOL_IDLE_TIMEOUT`, drops the idle connections older than that; ends when none is left.
async fn sweep(origin: Weak<Origin>) {
    loop {
        tokio::time::sleep(POOL_IDLE_TIMEOUT).await;
        let Some(origin) = origin.upgrade() else { return };
        let mut idle = lock(&origin.idle);
        idle.http1
            .retain(|(sender, since)| since.elapsed() < POOL_IDLE_TIMEOUT && !sender.is_closed());
        if idle.http1.is_empty() {
            idle.sweeping = false;
            return;
        }
    }
}

/// The HTTP message of `request` for the connection's protocol.
fn build(origin: &Origin, request: &Request<'_>, sender: &Sender) -> Result<HttpRequest<Full<Bytes>>, Failure> {
    let http2 = matches!(sender, Sender::Http2(_));
    let target = if http2 {
        request.url.as_str()
    } else {
        &request.url[url::Position::BeforePath..]
    };
    let uri = Uri::try_from(target).map_err(|_| Failure::InvalidUrl)?;
    let mut message = HttpRequest::new(Full::new(request.body.clone()));
    *message.method_mut() = request.method.clone();
    *message.uri_mut() = uri;
    let headers = message.headers_mut();
    headers.reserve(request.headers.len() + 3);
    if http2 {
        *message.version_mut() = Version::HTTP_2;
    } else {
        headers.insert(HOST, origin.authority.clone());
    }
    let headers = message.headers_mut();
    for (name, value) in request.headers {
        headers.append(name.clone(), value.clone());
    }
    if !headers.contains_key(USER_AGENT) {
        headers.insert(USER_AGENT, HeaderValue::from_static(DEFAULT_USER_AGENT));
    }
    if !headers.contains_key(ACCEPT) {
        headers.insert(ACCEPT, HeaderValue::from_static("*/*"));
    }
    Ok(message)
}

/// Why an exchange failed: before the request left (it can go again anywhere), after it left
/// but before any answer (a repeatable one can go again), or once the answer had begun (the
/// server did answer: never sent again).
enum Lost {
    Unsent(Failure),
    Midway(Failure),
    Answered(Failure),
}

async fn exchange(
    origin: &Arc<Origin>,
    sender: Sender,
    message: HttpRequest<Full<Bytes>>,
    wants_body: impl Fn(u16) -> bool,
) -> Result<Answer, Lost> {
    let (response, http1) = match sender {
        Sender::Http1(mut sender) => {
            if sender.ready().await.is_err() {
                return Err(Lost::Unsent(Failure::ConnectionReset));
            }
            match sender.try_send_request(message).await {
                Ok(response) => (response, Some(sender)),
                Err(mut error) => return Err(lost(error.take_message().is_none(), error.error())),
            }
        }
        Sender::Http2(mut sender) => {
            if sender.ready().await.is_err() {
                return Err(Lost::Unsent(Failure::ConnectionReset));
            }
            match sender.try_send_request(message).await {
                Ok(response) => (response, None),
                Err(mut error) => return Err(lost(error.take_message().is_none(), error.error())),
            }
        }
    };
    let (parts, body) = response.into_parts();
    let status = parts.status.as_u16();
    let headers = parts.headers;
    if !wants_body(status) {
        // The body is left unread: the HTTP/1.1 connection closes rather than go back dirty.
        return Ok(Answer {
            status,
            headers,
            body: None,
        });
    }
    let announced = headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if announced.is_some_and(|length| length > MAX_BODY_BYTES as u64) {
        return Err(Lost::Answered(Failure::BodyTooLarge));
    }
    let body = read_body(body, announced).await.map_err(Lost::Answered)?;
    if let Some(sender) = http1 {
        checkin(origin, sender);
    }
    Ok(Answer {
        status,
        headers,
        body: Some(body),
    })
}

/// The whole body, refusing one past `MAX_BODY_BYTES` without reading it all.
async fn read_body(mut body: Incoming, announced: Option<u64>) -> Result<Vec<u8>, Failure> {
    let mut collected = Vec::with_capacity(announced.map_or(0, |length| length as usize));
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|error| body_failure(&error))?;
        if let Ok(data) = frame.into_data() {
            if collected.len() + data.len() > MAX_BODY_BYTES {
                return Err(Failure::BodyTooLarge);
            }
            collected.extend_from_slice(&data);
        }
    }
    Ok(collected)
}

fn lost(sent: bool, error: &hyper::Error) -> Lost {
    let failure = hyper_failure(error);
    if !sent {
        return Lost::Unsent(failure);
    }
    // HTTP/2 says what became of a stream: one refused (REFUSED_STREAM) or cut off by a graceful
    // GOAWAY (NO_ERROR: the streams it covers are answered, so an erring one was past it) was
    // never processed, and may go anywhere again (RFC 9113, 8.7); one the server reset for
    // another reason was its answer, an outage, and is not sent again. A GOAWAY for an error may
    // cover a processed stream: lost midway, as a closed HTTP/1.1 connection.
    let stream = std::iter::successors(Some(error as &(dyn std::error::Error + 'static)), |e| e.source())
        .find_map(|cause| cause.downcast_ref::<h2::Error>());
    match stream {
        Some(h2) if h2.reason() == Some(h2::Reason::REFUSED_STREAM) => Lost::Unsent(failure),
        Some(h2) if h2.is_go_away() && h2.reason() == Some(h2::Reason::NO_ERROR) => Lost::Unsent(failure),
        Some(h2) if h2.is_reset() => Lost::Answered(failure),
        _ => Lost::Midway(failure),
    }
}

/// A failure reading a body: whatever cut it short, the answer was not complete.
fn body_failure(error: &hyper::Error) -> Failure {
    match hyper_failure(error) {
        Failure::Other(_) => Failure::ConnectionReset,
        failure => failure,
    }
}

fn hyper_failure(error: &hyper::Error) -> Failure {
    if error.is_incomplete_message() || error.is_canceled() || error.is_closed() {
        return Failure::ConnectionReset;
    }
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(current) = cause {
        if let Some(io) = current.downcast_ref::<std::io::Error>() {
            if is_connection_loss(io.kind()) {
                return Failure::ConnectionReset;
            }
        }
        if let Some(h2) = current.downcast_ref::<h2::Error>() {
            if h2.is_go_away() || h2.is_reset() || h2.is_io() {
                return Failure::ConnectionReset;
            }
        }
        cause = current.source();
    }
    let text = std::iter::successors(Some(error as &(dyn std::error::Error + 'static)), |e| e.source())
        .last()
        .map(ToString::to_string)
        .unwrap_or_default();
    Failure::Other(text)
}

fn tls_failure(error: &std::io::Error) -> Failure {
    if is_connection_loss(error.kind()) {
        return Failure::ConnectionReset;
    }
    // rustls' own words ("invalid peer certificate: UnknownIssuer"), as reqwest reported them.
    match error.get_ref() {
        Some(inner) => Failure::Other(inner.to_string()),
        None => Failure::Other(error.to_string()),
    }
}
