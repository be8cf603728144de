//! The one HTTP client builder every provider goes through: a connection pool per
//! configuration, a real connect timeout, a total deadline, the proxy policy, a cap on response
//! bodies, and no redirects.

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context, Poll};
use std::time::Duration;

use hyper_util::client::legacy::connect::{Connected, Connection, HttpInfo};
use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{Client, ClientBuilder, Method, Url};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;

mod direct;
pub use direct::Request;

use crate::errors::CaptchaError;

/// How long the Swetrix, reCAPTCHA and Playtcha clients may take to connect. Fixed, so that any
/// `timeoutMs` shares one pool; each call's deadline bounds the connect as well.
pub const PROVIDER_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The longest `Retry-After` taken at its word (a day).
pub const MAX_RETRY_AFTER_SECONDS: u64 = 24 * 3600;

/// Responses larger than this are refused, without buffering them whole.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// The longest `apiHost` (or other configured URL) accepted, in bytes.
pub const MAX_URL_LENGTH: usize = 8 * 1024;

/// The most requests one pool has in flight to one origin; further calls to that origin wait
/// (within their deadline) for a connection instead of opening ever more sockets. Per origin, so
/// a provider that hangs cannot hold up calls to another.
pub const MAX_CONNECTIONS_PER_ORIGIN: usize = 64;

/// Origins whose limits are remembered; past this, idle limits are forgotten.
const MAX_TRACKED_ORIGINS: usize = 1024;

/// Distinct configurations whose pools are kept for reuse; past this, a pool is not shared.
const MAX_SHARED_POOLS: usize = 16;

/// How long an idle pooled connection is kept. Below the keep-alive timeouts servers commonly
/// use (Node's default `keepAliveTimeout` is 5 s; undici keeps its own idle sockets 4 s for the
/// same reason), so that we drop a connection before the server does rather than send a request
/// into one it is closing.
pub const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(4);
const _: () = assert!(
    POOL_IDLE_TIMEOUT.as_millis() < 5000,
    "below Node's default keepAliveTimeout"
);

/// Connections whose opening `ConnectionLedger` keeps; past this, the oldest half is forgotten.
const MAX_TRACKED_CONNECTIONS: usize = 1024;

/// The longest timeout we accept, in milliseconds (about 24.8 days, like Node's timers).
pub const MAX_TIMEOUT_MS: f64 = 2_147_483_647.0;

/// Where requests go out through.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub enum ProxySetting {
    /// Honour `HTTP_PROXY`, `HTTPS_PROXY`, `ALL_PROXY` and `NO_PROXY` (read when the pool is built).
    #[default]
    FromEnvironment,
    /// Always connect directly.
    Disabled,
    /// Always go through this proxy.
    Explicit(ProxyServer),
}

/// A proxy given by the caller, in the shape of axios' `proxy` option.
#[derive(Clone, PartialEq, Eq)]
pub struct ProxyServer {
    pub protocol: String,
    pub host: String,
    pub port: u16,
    pub credentials: Option<(String, String)>,
}

impl std::fmt::Debug for ProxyServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The password is a secret: it never reaches Debug output.
        f.debug_struct("ProxyServer")
            .field("url", &self.url())
            .field("username", &self.credentials.as_ref().map(|(user, _)| user))
            .finish()
    }
}

impl ProxyServer {
    /// Validates the parts of an axios-style proxy object.
    pub fn new(
        protocol: Option<&str>,
        host: &str,
        port: f64,
        credentials: Option<(String, String)>,
    ) -> Result<Self, CaptchaError> {
        let protocol = protocol.unwrap_or("http").trim_end_matches(':').to_ascii_lowercase();
        if protocol != "http" && protocol != "https" {
            return Err(CaptchaError::invalid_argument(
                "proxy.protocol must be 'http' or 'https'",
            ));
        }
        let host = host.trim();
        if host.is_empty() || host.contains(['/', '?', '#', '@', ' ']) {
            return Err(CaptchaError::invalid_argument(
                "proxy.host must be a host name or address",
            ));
        }
        if !(port.fract() == 0.0 && (1.0..=65535.0).contains(&port)) {
            return Err(CaptchaError::invalid_argument(
                "proxy.port must be an integer from 1 to 65535",
            ));
        }
        let server = Self {
            protocol,
            host: host.to_owned(),
            port: port as u16,
            credentials,
        };
        reqwest::Url::parse(&server.url())
            .map_err(|_| CaptchaError::invalid_argument("proxy.host must be a host name or address"))?;
        Ok(server)
    }

    fn url(&self) -> String {
        let bracketed = self.host.contains(':') && !self.host.starts_with('[');
        let host = if bracketed {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        format!("{}://{}:{}", self.protocol, host, self.port)
    }
}

/// Everything that decides how a pool connects. Equal configurations share one pool.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct TransportConfig {
    pub connect_timeout: Duration,
    pub proxy: ProxySetting,
    /// PEM texts of certificate authorities trusted besides the system's roots (the `ca`
    /// option), each already checked by `ca_roots`.
    pub extra_roots: Vec<String>,
}

const CA_MESSAGE: &str = "ca must hold PEM certificates (-----BEGIN CERTIFICATE-----)";

/// Checks the `ca` option cheaply: each entry must at least look like PEM certificates. They
/// are parsed once, when the pool for them is built (`Transport::build`), which refuses a
/// malformed one with the same message; an equal configuration then reuses that pool.
pub fn ca_roots(ca: Option<Vec<String>>) -> Result<Vec<String>, CaptchaError> {
    let roots = ca.unwrap_or_default();
    if roots.iter().any(|pem| !pem.contains("-----BEGIN CERTIFICATE-----")) {
        return Err(CaptchaError::invalid_argument(CA_MESSAGE));
    }
    Ok(roots)
}

/// Turns a caller's millisecond option into a duration, refusing what a timer cannot mean.
pub fn timeout_option(name: &str, value: Option<f64>, default_ms: u64) -> Result<Duration, CaptchaError> {
    match value {
        None => Ok(Duration::from_millis(default_ms)),
        Some(ms) if ms.is_finite() && ms > 0.0 && ms <= MAX_TIMEOUT_MS => {
            Ok(Duration::from_micros((ms * 1000.0) as u64))
        }
        Some(_) => Err(CaptchaError::invalid_argument(format!(
            "{name} must be a number of milliseconds greater than 0 and at most {MAX_TIMEOUT_MS}"
        ))),
    }
}

/// Validates `apiHost`, parsed once, without trailing slashes (so `https://host/` does not give
/// `//v2`): append a path with `append_path`. Credentials in the URL are refused: they would
/// send a second `Authorization` header.
pub fn api_host_base(api_host: &str) -> Result<Url, Failure> {
    let base = api_host.trim().trim_end_matches('/');
    // Longer than any server takes, and than the HTTP layer builds (it would fail per request,
    // which a provider reads as an outage).
    if base.len() > MAX_URL_LENGTH {
        return Err(Failure::InvalidUrl);
    }
    match reqwest::Url::parse(base) {
        Ok(url)
            if matches!(url.scheme(), "http" | "https")
                && url.has_host()
                && url.query().is_none()
                && url.fragment().is_none()
                && url.username().is_empty()
                && url.password().is_none() =>
        {
            Ok(url)
        }
        _ => Err(Failure::InvalidUrl),
    }
}

/// `base` (from `api_host_base`) with `segments` appended to its path, each percent-encoded as
/// needed, so nothing in them can leave the path.
pub fn append_path<'a>(base: &Url, segments: impl IntoIterator<Item = &'a str>) -> Result<Url, Failure> {
    let mut url = base.clone();
    url.path_segments_mut()
        .map_err(|_| Failure::InvalidUrl)?
        .pop_if_empty()
        .extend(segments);
    Ok(url)
}

/// Why no answer came. The text is ours, so it carries no URL, header or secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The whole request did not finish within its deadline.
    DeadlineExceeded(Duration),
    ConnectTimeout,
    ConnectionRefused,
    ConnectionReset,
    HostNotFound,
    BodyTooLarge,
    /// The URL cannot be requested (a bad `apiHost`).
    InvalidUrl,
    Other(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::DeadlineExceeded(d) => write!(f, "no complete answer within {} ms", d.as_millis()),
            Failure::ConnectTimeout => f.write_str("connect timeout"),
            Failure::ConnectionRefused => f.write_str("connection refused"),
            Failure::ConnectionReset => f.write_str("connection reset or closed before the answer was complete"),
            Failure::HostNotFound => f.write_str("host name could not be resolved"),
            Failure::BodyTooLarge => write!(f, "response body larger than {MAX_BODY_BYTES} bytes"),
            Failure::InvalidUrl => f.write_str("invalid URL"),
            Failure::Other(text) => f.write_str(text),
        }
    }
}

impl Failure {
    fn classify(error: &reqwest::Error) -> Failure {
        if error.is_builder() {
            return Failure::InvalidUrl;
        }
        for cause in causes(error) {
            if let Some(io) = cause.downcast_ref::<std::io::Error>() {
                match io.kind() {
                    std::io::ErrorKind::ConnectionRefused => return Failure::ConnectionRefused,
                    kind if is_connection_loss(kind) => return Failure::ConnectionReset,
                    std::io::ErrorKind::TimedOut if error.is_connect() => return Failure::ConnectTimeout,
                    _ => {}
                }
            }
        }
        let text = causes(error).last().map(|e| e.to_string()).unwrap_or_default();
        if error.is_connect() && (text.contains("dns error") || text.contains("lookup")) {
            return Failure::HostNotFound;
        }
        if error.is_connect() && text.contains("timed out") {
            return Failure::ConnectTimeout;
        }
        if error.is_body() || error.is_decode() || text.contains("closed") || text.contains("incomplete") {
            return Failure::ConnectionReset;
        }
        // reqwest's own text names the URL; the innermost cause does not.
        Failure::Other(text)
    }
}

/// Whether `error` (from sending a request, before any answer) says the connection was lost
/// under it: the server closed it (hyper's "connection closed before message completed") or it
/// was reset. Typed checks only; a timeout, a refused connect, a TLS failure are not.
fn connection_lost(error: &reqwest::Error) -> bool {
    if error.is_timeout() || error.is_connect() || error.is_builder() {
        return false;
    }
    causes(error).any(|cause| {
        cause
            .downcast_ref::<hyper::Error>()
            .is_some_and(hyper::Error::is_incomplete_message)
            || cause
                .downcast_ref::<std::io::Error>()
                .is_some_and(|io| is_connection_loss(io.kind()))
    })
}

/// The connection a failed request went out on, as hyper-util reports it with the error.
fn failed_connection(error: &reqwest::Error) -> Option<&Connected> {
    causes(error)
        .find_map(|cause| cause.downcast_ref::<hyper_util::client::legacy::Error>())
        .and_then(|client_error| client_error.connect_info())
}

/// `error` and the errors under it, outermost first.
fn causes<'a>(
    error: &'a (dyn std::error::Error + 'static),
) -> impl Iterator<Item = &'a (dyn std::error::Error + 'static)> {
    std::iter::successors(Some(error), |cause| cause.source())
}

/// The I/O errors that mean the other end closed or reset the connection.
fn is_connection_loss(kind: std::io::ErrorKind) -> bool {
    use std::io::ErrorKind::*;
    matches!(kind, ConnectionReset | ConnectionAborted | BrokenPipe | UnexpectedEof)
}

/// A TCP connection, by its two ends (through a proxy, the connection to the proxy). Unique
/// among open connections; a new connection may reuse the ends of a closed one, which is why
/// `RecordNewConnections` starts every new connection's history afresh.
type ConnectionKey = (SocketAddr, SocketAddr);

fn connection_key(connected: &Connected) -> Option<ConnectionKey> {
    // HTTP/2 multiplexes: a lost stream there is not the keep-alive race this is about.
    if connected.is_negotiated_h2() {
        return None;
    }
    let mut extras = http::Extensions::new();
    connected.get_extras(&mut extras);
    extras
        .get::<HttpInfo>()
        .map(|info| (info.local_addr(), info.remote_addr()))
}

/// When each of a pool's connections was opened, as a running count of openings. A request that
/// fails, before any answer, on a connection opened before the request began got it from the
/// pool: the server closed it, idle there, as we sent on it (the keep-alive race), which is not
/// an outage. One opened since was opened for it (or for a request beside it): its failure is.
/// reqwest does not say whether a connection came from the pool, so `RecordNewConnections` (a
/// layer on the connector) enters each new connection here; nothing is written per request.
#[derive(Default)]
struct ConnectionLedger {
    /// Connections opened so far; a request notes it when it starts (`opened_so_far`).
    openings: AtomicU64,
    /// Each tracked connection's opening number.
    entries: Mutex<HashMap<ConnectionKey, u64>>,
}

impl ConnectionLedger {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<ConnectionKey, u64>> {
        self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// What a request notes when it starts: any connection opened later was not in the pool then.
    fn opened_so_far(&self) -> u64 {
        self.openings.load(Ordering::Acquire)
    }

    /// A new connection, whatever a former connection with the same ends did.
    fn opened(&self, key: ConnectionKey) {
        let mut entries = self.lock();
        let number = self.openings.fetch_add(1, Ordering::AcqRel) + 1;
        if entries.len() >= MAX_TRACKED_CONNECTIONS && !entries.contains_key(&key) {
            // The oldest are the likeliest long closed. One forgotten while still open only
            // counts as fresh: its loss is then reported, never repeated.
            let cutoff = number.saturating_sub(MAX_TRACKED_CONNECTIONS as u64 / 2);
            entries.retain(|_, opened| *opened >= cutoff);
        }
        entries.insert(key, number);
    }

    /// Forgets a connection a request failed on (it is gone); whether the pool had it before the
    /// request began (`started`, from `opened_so_far`).
    fn forget(&self, key: ConnectionKey, started: u64) -> bool {
        self.lock().remove(&key).is_some_and(|opened| opened <= started)
    }

    /// Whether `error` lost a request that began at `started` on a connection from the pool.
    fn lost_on_pooled_connection(&self, error: &reqwest::Error, started: u64) -> bool {
        let Some(key) = failed_connection(error).and_then(connection_key) else {
            return false;
        };
        self.forget(key, started) && connection_lost(error)
    }
}

/// A connector layer that enters every new connection in the ledger.
#[derive(Clone)]
struct RecordNewConnections(Arc<ConnectionLedger>);

impl<S> tower_layer::Layer<S> for RecordNewConnections {
    type Service = RecordingConnector<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RecordingConnector {
            inner,
            ledger: self.0.clone(),
        }
    }
}

#[derive(Clone)]
struct RecordingConnector<S> {
    inner: S,
    ledger: Arc<ConnectionLedger>,
}

impl<S, Target> tower_service::Service<Target> for RecordingConnector<S>
where
    S: tower_service::Service<Target>,
    S::Response: Connection,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<S::Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, target: Target) -> Self::Future {
        let connecting = self.inner.call(target);
        let ledger = self.ledger.clone();
        Box::pin(async move {
            let connection = connecting.await?;
            if let Some(key) = connection_key(&connection.connected()) {
                ledger.opened(key);
            }
            Ok(connection)
        })
    }
}

/// What the provider answered: the status, and the body when the caller asked for it.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Option<Vec<u8>>,
}

#[cfg(test)]
impl Answer {
    /// A scripted answer for the tests: `status` and `body`, no headers.
    pub fn scripted(status: u16, body: impl Into<Vec<u8>>) -> Self {
        Self {
            status,
            headers: HeaderMap::new(),
            body: Some(body.into()),
        }
    }
}

impl Answer {
    /// `Retry-After` in seconds, from either of its forms (delay seconds or an HTTP date), at
    /// most a day: a server's number must not overflow our arithmetic.
    pub fn retry_after_seconds(&self) -> Option<u64> {
        let value = self.headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
        let seconds = match value.parse::<u64>() {
            Ok(seconds) => seconds,
            Err(_) => httpdate::parse_http_date(value)
                .ok()?
                .duration_since(std::time::SystemTime::now())
                .map_or(0, |d| d.as_secs()),
        };
        Some(seconds.min(MAX_RETRY_AFTER_SECONDS))
    }
}

/// A pool of connections with one configuration. Build it once and share it.
///
/// Two routes, chosen once, when the pool is built:
/// - **direct** (no proxy in effect: `proxy: false`, or none in the environment): our own pool
///   of hyper connections, `transport/direct.rs`, the hot path;
/// - **proxied** (an explicit `proxy`, or `HTTP_PROXY`, `HTTPS_PROXY` or `ALL_PROXY` set):
///   reqwest, which speaks to proxies (CONNECT tunnels, `NO_PROXY`, credentials).
///
/// Connections are reused, and a server may close one at any moment (its keep-alive timeout, a
/// restart, a load balancer): a request sent into one it is closing fails although nothing is
/// wrong. Two defences, and no more, because the POST providers' tokens are single use and must
/// never be sent twice:
/// - every request: one that never left (its pooled connection had closed) goes again, on
///   another connection (hyper hands it back unsent; under reqwest, hyper-util's
///   `retry_canceled_requests` does the same);
/// - a repeatable request (a GET, as TrustCaptcha's, safe to repeat: RFC 9110, 9.2.1; or a POST
///   whose caller says a second copy cannot redeem anything twice) lost, before any answer, on a
///   connection it got from the pool is sent once more on a fresh connection, within the same
///   deadline. A connection opened for the request that fails is an outage, and is reported.
pub struct Transport {
    /// The origins and their limits (both routes), and the direct route's connections.
    direct: direct::Direct,
    /// The proxied route, when a proxy is in effect.
    proxied: Option<Proxied>,
}

/// The proxied route: reqwest, and what it takes to repeat a request lost on a pooled connection.
struct Proxied {
    client: Client,
    config: TransportConfig,
    /// When each connection was opened (for the repeat).
    ledger: Arc<ConnectionLedger>,
    /// A client that never pools, for the repeat: built on first need.
    fresh_client: OnceLock<Option<Client>>,
}

/// The proxy variables reqwest reads from the environment (`NO_PROXY` only narrows them).
const PROXY_VARIABLES: [&str; 6] = [
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "ALL_PROXY",
    "all_proxy",
];

impl Transport {
    fn build(config: &TransportConfig) -> Result<Self, CaptchaError> {
        let roots = parse_roots(&config.extra_roots)?;
        let proxied = match &config.proxy {
            ProxySetting::Disabled => false,
            ProxySetting::Explicit(_) => true,
            ProxySetting::FromEnvironment => PROXY_VARIABLES
                .iter()
                .any(|name| std::env::var_os(name).is_some_and(|value| !value.is_empty())),
        };
        let proxied = if proxied { Some(Proxied::build(config)?) } else { None };
        Ok(Self {
            direct: direct::Direct::new(config.connect_timeout, roots),
            proxied,
        })
    }

    /// The pool for `config`: an existing one when an equal configuration built one (up to
    /// `MAX_SHARED_POOLS` are kept), so that every client with the same settings shares
    /// connections; otherwise a new one.
    pub fn shared(config: &TransportConfig) -> Result<Arc<Transport>, CaptchaError> {
        static POOLS: Mutex<Vec<(TransportConfig, Arc<Transport>)>> = Mutex::new(Vec::new());
        let mut pools = POOLS.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some((_, transport)) = pools.iter().find(|(known, _)| known == config) {
            return Ok(transport.clone());
        }
        let transport = Arc::new(Transport::build(config)?);
        if pools.len() >= MAX_SHARED_POOLS {
            // Forget one no client holds any more, or else the oldest (its clients keep it).
            let unused = pools.iter().position(|(_, pool)| Arc::strong_count(pool) == 1);
            pools.remove(unused.unwrap_or(0));
        }
        pools.push((config.clone(), transport.clone()));
        Ok(transport)
    }

    /// Sends `request` within `deadline` and reads the answer: the status, the headers and, when
    /// `wants_body(status)`, the body (at most `MAX_BODY_BYTES`). A GET, or a request marked
    /// `idempotent`, lost on a pooled connection goes once more (see `Transport`).
    pub async fn execute(
        &self,
        request: Request<'_>,
        deadline: Duration,
        wants_body: impl Fn(u16) -> bool,
    ) -> Result<Answer, Failure> {
        if request.url.as_str().len() > MAX_URL_LENGTH {
            return Err(Failure::InvalidUrl);
        }
        let origin = self.direct.origin(request.url).ok_or(Failure::InvalidUrl)?;
        let repeatable = request.idempotent || request.method == Method::GET;
        let exchange = async {
            let _permit = origin
                .limit
                .acquire()
                .await
                .map_err(|_| Failure::Other("transport closed".into()))?;
            match &self.proxied {
                None => self.direct.send(&origin, &request, wants_body, repeatable).await,
                Some(proxied) => proxied.send(&request, wants_body, repeatable).await,
            }
        };
        match tokio::time::timeout(deadline, exchange).await {
            Ok(result) => result,
            Err(_) => Err(Failure::DeadlineExceeded(deadline)),
        }
    }
}

/// The `ca` option's certificates, parsed (each entry at least one PEM certificate).
fn parse_roots(pems: &[String]) -> Result<Vec<CertificateDer<'static>>, CaptchaError> {
    let mut roots = Vec::new();
    for pem in pems {
        let found: Result<Vec<_>, _> = CertificateDer::pem_slice_iter(pem.as_bytes()).collect();
        match found {
            Ok(found) if !found.is_empty() => roots.extend(found),
            _ => return Err(CaptchaError::invalid_argument(CA_MESSAGE)),
        }
    }
    Ok(roots)
}

impl Proxied {
    fn build(config: &TransportConfig) -> Result<Self, CaptchaError> {
        let ledger = Arc::new(ConnectionLedger::default());
        let builder = Self::builder(config)?
            .pool_max_idle_per_host(MAX_CONNECTIONS_PER_ORIGIN)
            .pool_idle_timeout(POOL_IDLE_TIMEOUT)
            .connector_layer(RecordNewConnections(ledger.clone()));
        let client = builder.build().map_err(|e| {
            CaptchaError::invalid_argument(format!("cannot build the HTTP client: {}", e.without_url()))
        })?;
        Ok(Self {
            client,
            config: config.clone(),
            ledger,
            fresh_client: OnceLock::new(),
        })
    }

    fn fresh_client(&self) -> Option<&Client> {
        self.fresh_client
            .get_or_init(|| Self::builder(&self.config).ok()?.pool_max_idle_per_host(0).build().ok())
            .as_ref()
    }

    fn builder(config: &TransportConfig) -> Result<ClientBuilder, CaptchaError> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut builder = Client::builder()
            .connect_timeout(config.connect_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("captcha-native/", env!("CARGO_PKG_VERSION")))
            .tcp_nodelay(true);
        if !config.extra_roots.is_empty() {
            let mut certificates = Vec::new();
            for pem in &config.extra_roots {
                match reqwest::Certificate::from_pem_bundle(pem.as_bytes()) {
                    Ok(found) if !found.is_empty() => certificates.extend(found),
                    _ => return Err(CaptchaError::invalid_argument(CA_MESSAGE)),
                }
            }
            builder = builder.tls_certs_merge(certificates);
        }
        builder = match &config.proxy {
            ProxySetting::FromEnvironment => builder,
            ProxySetting::Disabled => builder.no_proxy(),
            ProxySetting::Explicit(server) => {
                let mut proxy = reqwest::Proxy::all(server.url())
                    .map_err(|_| CaptchaError::invalid_argument("proxy is not a usable proxy address"))?;
                if let Some((user, password)) = &server.credentials {
                    proxy = proxy.basic_auth(user, password);
                }
                builder.proxy(proxy)
            }
        };
        Ok(builder)
    }

    async fn send(
        &self,
        request: &Request<'_>,
        wants_body: impl Fn(u16) -> bool,
        repeatable: bool,
    ) -> Result<Answer, Failure> {
        let mut builder = self.client.request(request.method.clone(), request.url.clone());
        for (name, value) in request.headers {
            builder = builder.header(name.clone(), value.clone());
        }
        let built = builder
            .body(request.body.clone())
            .build()
            .map_err(|e| Failure::classify(&e))?;
        let repeat = if repeatable { built.try_clone() } else { None };
        let started = self.ledger.opened_so_far();
        let mut response = match self.client.execute(built).await {
            Ok(response) => response,
            Err(error) => {
                // The keep-alive race (see `Transport`): a repeatable request lost on a pooled
                // connection goes once more, on a fresh connection; anything else is reported.
                let fresh = if self.ledger.lost_on_pooled_connection(&error, started) {
                    self.fresh_client()
                } else {
                    None
                };
                match (repeat, fresh) {
                    (Some(again), Some(fresh)) => fresh.execute(again).await.map_err(|e| Failure::classify(&e))?,
                    _ => return Err(Failure::classify(&error)),
                }
            }
        };
        let status = response.status().as_u16();
        let headers = std::mem::take(response.headers_mut());
        if !wants_body(status) {
            return Ok(Answer {
                status,
                headers,
                body: None,
            });
        }
        if response
            .content_length()
            .is_some_and(|length| length > MAX_BODY_BYTES as u64)
        {
            return Err(Failure::BodyTooLarge);
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| Failure::classify(&e))? {
            if body.len() + chunk.len() > MAX_BODY_BYTES {
                return Err(Failure::BodyTooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Answer {
            status,
            headers,
            body: Some(body),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(ms: u64) -> TransportConfig {
        TransportConfig {
            connect_timeout: Duration::from_millis(ms),
            proxy: ProxySetting::Disabled,
            extra_roots: Vec::new(),
        }
    }

    #[test]
    fn equal_configurations_share_one_pool() {
        let a = Transport::shared(&config(1234)).unwrap();
        let b = Transport::shared(&config(1234)).unwrap();
        let c = Transport::shared(&config(4321)).unwrap();
        assert!(Arc::ptr_eq(&a, &b));
        assert!(!Arc::ptr_eq(&a, &c));
    }

    #[test]
    fn a_new_configuration_is_shared_even_past_the_cache_bound() {
        let configs: Vec<_> = (0..MAX_SHARED_POOLS as u64 + 4).map(|i| config(7001 + i)).collect();
        let held: Vec<_> = configs.iter().map(|c| Transport::shared(c).unwrap()).collect();
        let last = configs.last().unwrap();
        assert!(Arc::ptr_eq(&Transport::shared(last).unwrap(), held.last().unwrap()));
        drop(held);
    }

    #[test]
    fn origins_are_told_apart_by_scheme_host_and_port_only() {
        let transport = Transport::shared(&config(7100)).unwrap();
        let url = |text: &str| Url::parse(text).unwrap();
        let a = transport.direct.origin(&url("http://h.example:8080/v2/x?q=1")).unwrap();
        assert!(Arc::ptr_eq(
            &a,
            &transport.direct.origin(&url("http://h.example:8080/other")).unwrap()
        ));
        assert!(!Arc::ptr_eq(
            &a,
            &transport.direct.origin(&url("http://h.example:8081/v2/x")).unwrap()
        ));
        assert!(!Arc::ptr_eq(
            &a,
            &transport.direct.origin(&url("https://h.example:8080/v2/x")).unwrap()
        ));
        // The default port is the same origin whether written or not.
        let b = transport.direct.origin(&url("https://h.example/x")).unwrap();
        assert!(Arc::ptr_eq(
            &b,
            &transport.direct.origin(&url("https://h.example:443/y")).unwrap()
        ));
    }

    fn key(n: usize) -> ConnectionKey {
        (
            SocketAddr::from(([127, 0, (n >> 16) as u8, 1], n as u16)),
            SocketAddr::from(([127, 0, 0, 1], 443)),
        )
    }

    #[test]
    fn the_ledger_tells_pooled_connections_from_ones_opened_for_the_request() {
        let ledger = ConnectionLedger::default();
        let before = ledger.opened_so_far();
        ledger.opened(key(1));
        assert!(!ledger.forget(key(1), before), "opened after the request began: fresh");
        ledger.opened(key(1));
        let started = ledger.opened_so_far();
        assert!(
            ledger.forget(key(1), started),
            "opened before the request began: pooled"
        );
        assert!(!ledger.forget(key(1), started), "a failed connection is forgotten");
        // A new connection with the ends of a closed one starts afresh.
        ledger.opened(key(2));
        let started = ledger.opened_so_far();
        ledger.opened(key(2));
        assert!(!ledger.forget(key(2), started));
        // Unknown connections (opened before the ledger, or forgotten) are never pooled.
        assert!(!ledger.forget(key(3), ledger.opened_so_far()));
    }

    #[test]
    fn the_ledger_is_bounded_and_forgets_the_oldest() {
        let ledger = ConnectionLedger::default();
        for n in 0..MAX_TRACKED_CONNECTIONS * 3 {
            ledger.opened(key(n));
            assert!(ledger.lock().len() <= MAX_TRACKED_CONNECTIONS);
        }
        let started = ledger.opened_so_far();
        assert!(ledger.forget(key(MAX_TRACKED_CONNECTIONS * 3 - 1), started));
        assert!(!ledger.forget(key(0), started));
    }

    #[test]
    fn timeouts_must_be_positive_finite_milliseconds() {
        assert_eq!(timeout_option("t", None, 3000).unwrap(), Duration::from_millis(3000));
        assert_eq!(timeout_option("t", Some(1.5), 0).unwrap(), Duration::from_micros(1500));
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY, 3e9] {
            let error = timeout_option("readTimeoutMs", Some(bad), 1).unwrap_err();
            assert!(error.message.unwrap().starts_with("readTimeoutMs must be"));
        }
    }

    fn answer_with_retry_after(value: &str) -> Answer {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, value.parse().unwrap());
        Answer {
            status: 429,
            headers,
            body: None,
        }
    }

    #[test]
    fn retry_after_reads_seconds_and_dates_and_is_capped() {
        assert_eq!(answer_with_retry_after("7").retry_after_seconds(), Some(7));
        assert_eq!(
            answer_with_retry_after("18446744073709551615").retry_after_seconds(),
            Some(MAX_RETRY_AFTER_SECONDS)
        );
        let soon = std::time::SystemTime::now() + Duration::from_secs(120);
        let seconds = answer_with_retry_after(&httpdate::fmt_http_date(soon))
            .retry_after_seconds()
            .unwrap();
        assert!((118..=120).contains(&seconds), "{seconds}");
        assert_eq!(
            answer_with_retry_after("Wed, 21 Oct 2015 07:28:00 GMT").retry_after_seconds(),
            Some(0)
        );
        assert_eq!(answer_with_retry_after("soon").retry_after_seconds(), None);
    }

    #[test]
    fn proxy_objects_are_validated_and_never_print_the_password() {
        let proxy = ProxyServer::new(
            Some("http:"),
            "proxy.local",
            3128.0,
            Some(("me".into(), "hunter2".into())),
        )
        .unwrap();
        assert_eq!(proxy.url(), "http://proxy.local:3128");
        assert!(!format!("{proxy:?}").contains("hunter2"));
        assert_eq!(
            ProxyServer::new(None, "::1", 8080.0, None).unwrap().url(),
            "http://[::1]:8080"
        );
        assert!(ProxyServer::new(Some("socks5"), "h", 1.0, None).is_err());
        assert!(ProxyServer::new(None, "", 1.0, None).is_err());
        assert!(ProxyServer::new(None, "h/x", 1.0, None).is_err());
        assert!(ProxyServer::new(None, "h", 0.0, None).is_err());
        assert!(ProxyServer::new(None, "h", 80.5, None).is_err());
        assert!(ProxyServer::new(None, "h", 70000.0, None).is_err());
    }
}
