//! The local emulator of the providers' verification APIs, with fault injection. It runs on the
//! addon's own runtime, so tests, the demo and the benchmark need no account and no network.

mod faults;
mod http;
mod playtcha;
mod recaptcha;
mod store;
mod swetrix;
mod tls;
mod trustcaptcha;

use std::borrow::Cow;
use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Deserialize;
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::watch;

use captcha_core::errors::CaptchaError;
pub use faults::{FaultAction, FaultRule};
use http::{Request, Response};

/// The API key the emulator's TrustCaptcha API accepts unless told otherwise.
pub const DEFAULT_TRUSTCAPTCHA_API_KEY: &str = "emulator-trustcaptcha-api-key";
/// The secret the emulator's Swetrix API accepts unless told otherwise.
pub const DEFAULT_SWETRIX_SECRET: &str = "emulator-swetrix-secret";
/// The secret key the emulator's reCAPTCHA API accepts unless told otherwise.
pub const DEFAULT_RECAPTCHA_SECRET: &str = "emulator-recaptcha-secret";
/// The secret the emulator's Playtcha API accepts unless told otherwise.
pub const DEFAULT_PLAYTCHA_SECRET: &str = "emulator-playtcha-secret";

/// Where the emulator's own routes live; no provider uses this path.
pub const CONTROL_PREFIX: &str = "/__emulator/";

/// The most requests kept for `requests()`; older ones are dropped.
const MAX_RECORDED_REQUESTS: usize = 10_000;

/// How far one `advance_time` call may move the clock (about a century either way).
pub const MAX_TIME_STEP_MS: f64 = 100.0 * 366.0 * 24.0 * 3600.0 * 1000.0;

/// The last millisecond of the year 9999: RFC 3339 has no later date.
const LATEST_ISO_MS: i64 = 253_402_300_799_999;

/// The time at `ms` since the epoch, clamped to the years 1970 to 9999 (the emulator's clock can
/// be moved anywhere).
fn clamped_time(ms: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(ms.clamp(0, LATEST_ISO_MS) as u64)
}

/// RFC 3339 with milliseconds, e.g. `2026-11-21T10:00:00.123Z`.
fn iso_millis(ms: i64) -> String {
    humantime::format_rfc3339_millis(clamped_time(ms)).to_string()
}

/// RFC 3339 in whole seconds, as Google writes `challenge_ts`: `2026-11-21T10:00:00Z`.
fn iso_seconds(ms: i64) -> String {
    humantime::format_rfc3339_seconds(clamped_time(ms)).to_string()
}

/// The providers the emulator serves, by their real paths.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Provider {
    TrustCaptcha,
    Swetrix,
    Recaptcha,
    Playtcha,
}

impl Provider {
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "trustcaptcha" => Some(Provider::TrustCaptcha),
            "swetrix" => Some(Provider::Swetrix),
            "recaptcha" => Some(Provider::Recaptcha),
            "playtcha" => Some(Provider::Playtcha),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Provider::TrustCaptcha => "trustcaptcha",
            Provider::Swetrix => "swetrix",
            Provider::Recaptcha => "recaptcha",
            Provider::Playtcha => "playtcha",
        }
    }

    fn from_path(path: &str) -> Option<Self> {
        match path {
            swetrix::PATH => Some(Provider::Swetrix),
            recaptcha::PATH => Some(Provider::Recaptcha),
            playtcha::PATH => Some(Provider::Playtcha),
            _ => path.starts_with("/v2/verifications/").then_some(Provider::TrustCaptcha),
        }
    }
}

/// `Emulator.start()` options. No `Debug`: it holds the credentials.
#[derive(Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EmulatorOptions {
    pub host: Option<String>,
    pub port: Option<u16>,
    pub trustcaptcha_api_key: Option<String>,
    pub swetrix_secret: Option<String>,
    pub recaptcha_secret: Option<String>,
    pub playtcha_secret: Option<String>,
    /// Serve HTTPS with a certificate from an authority made at start (`certificate`).
    pub tls: Option<bool>,
    /// Close a connection when no new request has begun this many milliseconds after an answer,
    /// as a server's keep-alive timeout does (Node's `server.keepAliveTimeout`), without
    /// `Connection: close`. Unset: connections stay open until the client closes them.
    pub keep_alive_timeout_ms: Option<u32>,
}

/// The credentials the emulator accepts.
// No `Debug`: a user may pass real ones.
#[derive(Clone)]
pub struct EmulatorCredentials {
    pub trustcaptcha_api_key: String,
    pub swetrix_secret: String,
    pub recaptcha_secret: String,
    pub playtcha_secret: String,
}

impl Default for EmulatorCredentials {
    /// The documented defaults.
    fn default() -> Self {
        Self {
            trustcaptcha_api_key: DEFAULT_TRUSTCAPTCHA_API_KEY.into(),
            swetrix_secret: DEFAULT_SWETRIX_SECRET.into(),
            recaptcha_secret: DEFAULT_RECAPTCHA_SECRET.into(),
            playtcha_secret: DEFAULT_PLAYTCHA_SECRET.into(),
        }
    }
}

impl EmulatorCredentials {
    /// The options' credentials over the defaults; an empty or blank one is refused.
    fn from_options(options: &EmulatorOptions) -> Result<Self, CaptchaError> {
        let defaults = Self::default();
        let pick = |name: &str, given: &Option<String>, default: String| match given {
            None => Ok(default),
            Some(value) if value.trim().is_empty() => {
                Err(CaptchaError::invalid_argument(format!("{name} must not be empty")))
            }
            Some(value) => Ok(value.clone()),
        };
        Ok(Self {
            trustcaptcha_api_key: pick(
                "trustcaptchaApiKey",
                &options.trustcaptcha_api_key,
                defaults.trustcaptcha_api_key,
            )?,
            swetrix_secret: pick("swetrixSecret", &options.swetrix_secret, defaults.swetrix_secret)?,
            recaptcha_secret: pick("recaptchaSecret", &options.recaptcha_secret, defaults.recaptcha_secret)?,
            playtcha_secret: pick("playtchaSecret", &options.playtcha_secret, defaults.playtcha_secret)?,
        })
    }
}

/// A request as the emulator saw it, for tests to inspect. Credentials are redacted.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    pub provider: Option<Provider>,
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub headers: HashMap<String, String>,
}

/// Connection and request counters.
#[derive(Debug, Default)]
struct Counters {
    connections_accepted: AtomicU64,
    connections_open: AtomicU64,
    peak_connections_open: AtomicU64,
    requests: AtomicU64,
}

/// Connection and request counters of an emulator (a snapshot).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EmulatorStats {
    pub connections_accepted: i64,
    pub connections_open: i64,
    pub peak_connections_open: i64,
    pub requests: i64,
}

/// The state every connection of one emulator shares.
pub struct Emulator {
    credentials: EmulatorCredentials,
    clock_offset_ms: AtomicI64,
    trustcaptcha: Mutex<trustcaptcha::Store>,
    swetrix: Mutex<swetrix::Store>,
    recaptcha: Mutex<recaptcha::Store>,
    playtcha: Mutex<playtcha::Store>,
    faults: Mutex<Vec<FaultRule>>,
    counters: Counters,
    recorded: Mutex<VecDeque<RecordedRequest>>,
    shutdown: watch::Sender<bool>,
    /// `keepAliveTimeoutMs`: how long an answered connection may wait for its next request.
    keep_alive_timeout: Option<Duration>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // State stays consistent across a panic in a holder (each update is one step), so go on.
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Emulator {
    fn new(credentials: EmulatorCredentials) -> Self {
        Self {
            credentials,
            clock_offset_ms: AtomicI64::new(0),
            trustcaptcha: Mutex::new(trustcaptcha::Store::default()),
            swetrix: Mutex::new(swetrix::Store::default()),
            recaptcha: Mutex::new(recaptcha::Store::default()),
            playtcha: Mutex::new(playtcha::Store::default()),
            faults: Mutex::new(Vec::new()),
            counters: Counters::default(),
            recorded: Mutex::new(VecDeque::new()),
            shutdown: watch::channel(false).0,
            keep_alive_timeout: None,
        }
    }

    /// How long a connection may stay idle after an answer before the emulator closes it.
    pub fn keep_alive_timeout(&self) -> Option<Duration> {
        self.keep_alive_timeout
    }

    /// The emulator's clock in milliseconds since the epoch: real time plus `advance_time`.
    pub fn now_ms(&self) -> i64 {
        let real = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_millis() as i64;
        real.saturating_add(self.clock_offset_ms.load(Ordering::Relaxed))
    }

    pub fn advance_time(&self, ms: f64) -> Result<(), CaptchaError> {
        if !(ms.is_finite() && ms.abs() <= MAX_TIME_STEP_MS) {
            return Err(CaptchaError::invalid_argument(format!(
                "ms must be a number of milliseconds from -{MAX_TIME_STEP_MS} to {MAX_TIME_STEP_MS}"
            )));
        }
        let step = ms as i64;
        let _ = self
            .clock_offset_ms
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |offset| {
                Some(offset.saturating_add(step))
            });
        Ok(())
    }

    pub fn credentials(&self) -> &EmulatorCredentials {
        &self.credentials
    }

    /// A fresh valid token for `provider`, carrying the claims given as JSON.
    pub fn issue(&self, provider: &str, claims_json: Option<&str>) -> Result<String, CaptchaError> {
        match Provider::from_name(provider) {
            Some(Provider::TrustCaptcha) => trustcaptcha::issue(self, claims_json),
            Some(Provider::Swetrix) => swetrix::issue(self, claims_json),
            Some(Provider::Recaptcha) => recaptcha::issue(self, claims_json),
            Some(Provider::Playtcha) => playtcha::issue(self, claims_json),
            None => Err(CaptchaError::invalid_argument(format!("unknown provider '{provider}'"))),
        }
    }

    pub fn add_fault(&self, rule: FaultRule) {
        lock(&self.faults).push(rule);
    }

    pub fn clear_faults(&self) {
        lock(&self.faults).clear();
    }

    fn take_fault(&self, provider: Option<Provider>) -> Option<FaultAction> {
        let mut rules = lock(&self.faults);
        if rules.is_empty() {
            return None;
        }
        faults::take_matching(&mut rules, provider)
    }

    /// The emulator's own routes, for a process that did not start it (the command line):
    /// `POST /__emulator/issue/{provider}` with the claims as a JSON body (or none) answers
    /// `{"token": "..."}`. `None` for every other path.
    fn control(&self, request: &Request) -> Option<Response> {
        let route = request.path.strip_prefix(CONTROL_PREFIX)?;
        let message = |status: u16, text: &str| Response::json(status, &serde_json::json!({ "message": text }));
        let Some(provider) = route.strip_prefix("issue/") else {
            return Some(message(404, "Not Found"));
        };
        if request.method != "POST" {
            let mut refused = message(405, "Method Not Allowed");
            refused.set_header("allow", "POST");
            return Some(refused);
        }
        let claims = std::str::from_utf8(&request.body).map(str::trim);
        let response = match claims {
            Err(_) => message(400, "the claims must be UTF-8 JSON"),
            Ok(claims) => match self.issue(provider, Some(claims).filter(|c| !c.is_empty())) {
                Ok(token) => Response::json(200, &serde_json::json!({ "token": token })),
                Err(error) if Provider::from_name(provider).is_none() => {
                    message(404, &error.message.unwrap_or_default())
                }
                Err(error) => message(400, &error.message.unwrap_or_default()),
            },
        };
        Some(response)
    }

    fn answer(&self, provider: Option<Provider>, request: &Request) -> Response {
        match provider {
            Some(Provider::TrustCaptcha) => trustcaptcha::answer(self, request),
            Some(Provider::Swetrix) => swetrix::answer(self, request),
            Some(Provider::Recaptcha) => recaptcha::answer(self, request),
            Some(Provider::Playtcha) => playtcha::answer(self, request),
            None => Response::json(404, &serde_json::json!({ "message": "Not Found" })),
        }
    }

    fn record(&self, request: &Request, provider: Option<Provider>) {
        self.counters.requests.fetch_add(1, Ordering::Relaxed);
        let mut headers = HashMap::with_capacity(request.headers.len());
        for (name, value) in &request.headers {
            let value = if name == "authorization" || name == "proxy-authorization" {
                "[redacted]"
            } else {
                value
            };
            headers
                .entry(name.clone())
                .and_modify(|joined: &mut String| {
                    joined.push_str(", ");
                    joined.push_str(value);
                })
                .or_insert_with(|| value.to_owned());
        }
        let mut recorded = lock(&self.recorded);
        if recorded.len() == MAX_RECORDED_REQUESTS {
            recorded.pop_front();
        }
        recorded.push_back(RecordedRequest {
            provider,
            method: request.method.clone(),
            path: request.path.clone(),
            // reCAPTCHA takes its secret in the query string too; redact it whatever the path.
            query: request.query.as_deref().map(|query| redact_query(query).into_owned()),
            headers,
        });
    }

    pub fn recorded_requests(&self) -> Vec<RecordedRequest> {
        lock(&self.recorded).iter().cloned().collect()
    }

    pub fn clear_recorded_requests(&self) {
        lock(&self.recorded).clear();
    }

    pub fn stats(&self) -> EmulatorStats {
        let c = &self.counters;
        let read = |counter: &AtomicU64| counter.load(Ordering::Relaxed) as i64;
        EmulatorStats {
            connections_accepted: read(&c.connections_accepted),
            connections_open: read(&c.connections_open),
            peak_connections_open: read(&c.peak_connections_open),
            requests: read(&c.requests),
        }
    }
}

/// The query string with the value of every `secret` parameter replaced, for the record.
fn redact_query(query: &str) -> Cow<'_, str> {
    let is_secret = |pair: &str| {
        form_urlencoded::parse(pair.as_bytes())
            .next()
            .is_some_and(|(name, _)| name == "secret")
    };
    if !query.split('&').any(is_secret) {
        return Cow::Borrowed(query);
    }
    let pairs: Vec<&str> = query
        .split('&')
        .map(|pair| if is_secret(pair) { "secret=[redacted]" } else { pair })
        .collect();
    Cow::Owned(pairs.join("&"))
}

/// Keeps the open-connection count right however a connection task ends.
struct OpenConnection(Arc<Emulator>);

impl OpenConnection {
    fn new(emulator: Arc<Emulator>) -> Self {
        let c = &emulator.counters;
        c.connections_accepted.fetch_add(1, Ordering::Relaxed);
        let open = c.connections_open.fetch_add(1, Ordering::Relaxed) + 1;
        c.peak_connections_open.fetch_max(open, Ordering::Relaxed);
        Self(emulator)
    }
}

impl Drop for OpenConnection {
    fn drop(&mut self) {
        self.0.counters.connections_open.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A listener whose connections are never accepted, to make connect timeouts happen.
struct Blackhole {
    address: SocketAddr,
    _listener: TcpListener,
    _queued: Vec<TcpStream>,
}

/// A running emulator: its address, its state, and the task that accepts connections.
pub struct RunningEmulator {
    state: Arc<Emulator>,
    address: SocketAddr,
    /// The PEM of the authority that signed the emulator's certificate, when it serves HTTPS.
    authority_pem: Option<String>,
    accept_task: Mutex<Option<tokio::task::JoinHandle<()>>>,
    blackhole: tokio::sync::Mutex<Option<Blackhole>>,
}

impl RunningEmulator {
    /// Binds and starts serving. Must run inside the Tokio runtime.
    pub async fn start(options: EmulatorOptions) -> Result<Self, CaptchaError> {
        let credentials = EmulatorCredentials::from_options(&options)?;
        let host = options.host.unwrap_or_else(|| "127.0.0.1".into());
        let listener = TcpListener::bind((host.as_str(), options.port.unwrap_or(0)))
            .await
            .map_err(|e| CaptchaError::operation_failed(format!("the emulator cannot listen on {host}: {e}")))?;
        let address = listener
            .local_addr()
            .map_err(|e| CaptchaError::operation_failed(format!("the emulator has no address: {e}")))?;
        let tls = match options.tls {
            Some(true) => Some(tls::Tls::generate(&host)?),
            _ => None,
        };
        let authority_pem = tls.as_ref().map(|tls| tls.authority_pem.clone());
        let mut state = Emulator::new(credentials);
        state.keep_alive_timeout = options.keep_alive_timeout_ms.map(|ms| Duration::from_millis(ms.into()));
        let state = Arc::new(state);
        let accept_task = tokio::spawn(accept_connections(listener, state.clone(), tls.map(|tls| tls.acceptor)));
        Ok(Self {
            state,
            address,
            authority_pem,
            accept_task: Mutex::new(Some(accept_task)),
            blackhole: tokio::sync::Mutex::new(None),
        })
    }

    pub fn state(&self) -> &Arc<Emulator> {
        &self.state
    }

    pub fn url(&self) -> String {
        format!("{}://{}", self.scheme(), self.address)
    }

    fn scheme(&self) -> &'static str {
        if self.authority_pem.is_some() {
            "https"
        } else {
            "http"
        }
    }

    /// The PEM certificate a client must trust (`ca`) to verify the emulator's HTTPS.
    pub fn authority_pem(&self) -> Option<&str> {
        self.authority_pem.as_deref()
    }

    /// A URL on this machine that accepts no connection: connecting to it times out.
    pub async fn blackhole_url(&self) -> Result<String, CaptchaError> {
        let mut blackhole = self.blackhole.lock().await;
        if blackhole.is_none() {
            *blackhole =
                Some(open_blackhole().await.map_err(|e| {
                    CaptchaError::operation_failed(format!("cannot open an unresponsive listener: {e}"))
                })?);
        }
        Ok(blackhole
            .as_ref()
            .map(|b| format!("{}://{}", self.scheme(), b.address))
            .unwrap_or_default())
    }

    /// Stops accepting, ends every connection (hung ones too) and waits until they are gone.
    pub async fn close(&self) {
        self.state.shutdown.send_replace(true);
        let task = lock(&self.accept_task).take();
        if let Some(task) = task {
            let _ = task.await;
        }
        *self.blackhole.lock().await = None;
        for _ in 0..200 {
            if self.state.counters.connections_open.load(Ordering::Relaxed) == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

/// Resolves once the emulator is told to stop.
async fn stopped(shutdown: &mut watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|stop| *stop).await;
}

impl Drop for RunningEmulator {
    /// An emulator dropped without `close()` (its JavaScript object collected) still stops: the
    /// listener, its connections and its tokens go with it.
    fn drop(&mut self) {
        self.state.shutdown.send_replace(true);
    }
}

/// How long a client may take over the TLS handshake before the connection is dropped.
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

async fn accept_connections(listener: TcpListener, emulator: Arc<Emulator>, tls: Option<tokio_rustls::TlsAcceptor>) {
    let mut shutdown = emulator.shutdown.subscribe();
    loop {
        tokio::select! {
            _ = stopped(&mut shutdown) => return,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else {
                    // Out of file descriptors and the like: back off rather than spin.
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                };
                let open = OpenConnection::new(emulator.clone());
                let mut shutdown = emulator.shutdown.subscribe();
                let emulator = emulator.clone();
                let tls = tls.clone();
                tokio::spawn(async move {
                    let _open = open;
                    let serve = async move {
                        match tls {
                            None => http::serve_connection(stream, emulator).await,
                            Some(acceptor) => {
                                // A client that refuses the certificate ends the handshake here.
                                let handshake = tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(stream));
                                if let Ok(Ok(stream)) = handshake.await {
                                    http::serve_connection(stream, emulator).await
                                }
                            }
                        }
                    };
                    tokio::select! {
                        _ = stopped(&mut shutdown) => {}
                        _ = serve => {}
                    }
                });
            }
        }
    }
}

/// A listener with a backlog of zero that never accepts, its queue filled: the kernel then
/// drops further connection attempts, which time out.
async fn open_blackhole() -> std::io::Result<Blackhole> {
    let socket = TcpSocket::new_v4()?;
    socket.bind("127.0.0.1:0".parse().expect("a literal address"))?;
    let listener = socket.listen(0)?;
    let address = listener.local_addr()?;
    let mut queued = Vec::new();
    for _ in 0..8 {
        match tokio::time::timeout(Duration::from_millis(100), TcpStream::connect(address)).await {
            Ok(Ok(stream)) => queued.push(stream),
            _ => break,
        }
    }
    Ok(Blackhole {
        address,
        _listener: listener,
        _queued: queued,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_pick_the_provider() {
        assert_eq!(
            Provider::from_path("/v2/verifications/x/results"),
            Some(Provider::TrustCaptcha)
        );
        assert_eq!(Provider::from_path("/v1/captcha/validate"), Some(Provider::Swetrix));
        assert_eq!(
            Provider::from_path("/recaptcha/api/siteverify"),
            Some(Provider::Recaptcha)
        );
        assert_eq!(Provider::from_path("/v1/verify"), Some(Provider::Playtcha));
        for other in [
            "/other",
            "/v1/captcha/validate/x",
            "/recaptcha/api/siteverify2",
            "/v1/verify/",
        ] {
            assert_eq!(Provider::from_path(other), None, "{other}");
        }
        for provider in [
            Provider::TrustCaptcha,
            Provider::Swetrix,
            Provider::Recaptcha,
            Provider::Playtcha,
        ] {
            assert_eq!(Provider::from_name(provider.name()), Some(provider));
        }
        assert_eq!(Provider::from_name("hcaptcha"), None);
    }

    #[test]
    fn credentials_default_and_refuse_blanks() {
        let defaults = EmulatorCredentials::from_options(&EmulatorOptions::default()).unwrap();
        assert_eq!(
            [
                defaults.trustcaptcha_api_key.as_str(),
                &defaults.swetrix_secret,
                &defaults.recaptcha_secret,
                &defaults.playtcha_secret
            ],
            [
                "emulator-trustcaptcha-api-key",
                "emulator-swetrix-secret",
                "emulator-recaptcha-secret",
                "emulator-playtcha-secret"
            ]
        );
        let options: EmulatorOptions =
            serde_json::from_str(r#"{"swetrixSecret":"s","recaptchaSecret":"r","playtchaSecret":"p"}"#).unwrap();
        let chosen = EmulatorCredentials::from_options(&options).unwrap();
        assert_eq!(
            (
                chosen.swetrix_secret.as_str(),
                chosen.recaptcha_secret.as_str(),
                chosen.playtcha_secret.as_str()
            ),
            ("s", "r", "p")
        );
        for name in [
            "trustcaptchaApiKey",
            "swetrixSecret",
            "recaptchaSecret",
            "playtchaSecret",
        ] {
            let options: EmulatorOptions = serde_json::from_str(&format!(r#"{{"{name}":" \t"}}"#)).unwrap();
            let Err(error) = EmulatorCredentials::from_options(&options) else {
                panic!("{name}: a blank credential was accepted")
            };
            assert_eq!(
                error.message.as_deref(),
                Some(format!("{name} must not be empty").as_str())
            );
        }
        assert!(serde_json::from_str::<EmulatorOptions>(r#"{"swetrixSecrets":"s"}"#).is_err());
    }

    #[test]
    fn the_keep_alive_timeout_is_whole_milliseconds_and_off_by_default() {
        let parse = |json: &str| serde_json::from_str::<EmulatorOptions>(json).map(|o| o.keep_alive_timeout_ms);
        assert_eq!(parse("{}").unwrap(), None);
        assert_eq!(parse(r#"{"keepAliveTimeoutMs":0}"#).unwrap(), Some(0));
        assert_eq!(parse(r#"{"keepAliveTimeoutMs":5000}"#).unwrap(), Some(5000));
        for bad in ["-1", "2.5", "\"3\"", "4294967296"] {
            assert!(parse(&format!(r#"{{"keepAliveTimeoutMs":{bad}}}"#)).is_err(), "{bad}");
        }
        assert_eq!(Emulator::new(EmulatorCredentials::default()).keep_alive_timeout(), None);
    }

    #[test]
    fn every_provider_follows_the_emulator_clock() {
        let emulator = Emulator::new(EmulatorCredentials::default());
        let before = emulator.now_ms();
        emulator.advance_time(60_000.0).unwrap();
        assert!(emulator.now_ms() - before >= 60_000);
        assert_eq!(iso_millis(1_000), "1970-01-01T00:00:01.000Z");
        assert_eq!(iso_seconds(1_999), "1970-01-01T00:00:01Z");
        assert_eq!(iso_seconds(i64::MAX), "9999-12-31T23:59:59Z");
    }

    #[test]
    fn recorded_requests_redact_credentials() {
        let emulator = Emulator::new(EmulatorCredentials {
            trustcaptcha_api_key: "k".into(),
            ..EmulatorCredentials::default()
        });
        let request = Request::get(
            "/v2/verifications/a/results",
            &[("authorization", "Bearer k"), ("accept", "a"), ("accept", "b")],
        );
        emulator.record(&request, Some(Provider::TrustCaptcha));
        let seen = emulator.recorded_requests();
        assert_eq!(seen[0].headers["authorization"], "[redacted]");
        assert_eq!(seen[0].headers["accept"], "a, b");
        assert_eq!(emulator.stats().requests, 1);
    }

    #[test]
    fn recorded_queries_hide_the_secret_whatever_the_provider() {
        assert_eq!(
            redact_query("response=r&secret=s3cr3t&remoteip=1"),
            "response=r&secret=[redacted]&remoteip=1"
        );
        assert_eq!(redact_query("secre%74=s3cr3t"), "secret=[redacted]");
        assert_eq!(redact_query("response=r"), "response=r");
        let emulator = Emulator::new(EmulatorCredentials::default());
        emulator.record(&Request::get("/other?secret=x&a=1", &[]), None);
        emulator.record(
            &Request::get("/recaptcha/api/siteverify?secret=s3cr3t&response=r", &[]),
            Some(Provider::Recaptcha),
        );
        emulator.record(&Request::get("/v1/verify?a=1", &[]), Some(Provider::Playtcha));
        emulator.record(&Request::get("/v1/verify", &[]), Some(Provider::Playtcha));
        let queries: Vec<Option<String>> = emulator.recorded_requests().into_iter().map(|r| r.query).collect();
        assert_eq!(
            queries,
            [
                Some("secret=[redacted]&a=1".to_owned()),
                Some("secret=[redacted]&response=r".to_owned()),
                Some("a=1".to_owned()),
                None
            ]
        );
    }

    #[test]
    fn recorded_requests_are_bounded_oldest_first() {
        let emulator = Emulator::new(EmulatorCredentials {
            trustcaptcha_api_key: "k".into(),
            ..EmulatorCredentials::default()
        });
        for n in 0..MAX_RECORDED_REQUESTS + 5 {
            emulator.record(&Request::get(&format!("/{n}"), &[]), None);
        }
        let seen = emulator.recorded_requests();
        assert_eq!(seen.len(), MAX_RECORDED_REQUESTS);
        assert_eq!(seen[0].path, "/5");
        assert_eq!(emulator.stats().requests as usize, MAX_RECORDED_REQUESTS + 5);
    }

    #[test]
    fn every_provider_forgets_its_oldest_tokens_past_the_bound() {
        let e = Emulator::new(EmulatorCredentials::default());
        let capacity = store::TOKEN_CAPACITY;
        macro_rules! bounded {
            ($provider:literal, $store:ident, $key:expr) => {{
                let first = e.issue($provider, None).unwrap();
                for _ in 0..capacity {
                    e.issue($provider, None).unwrap();
                }
                let held = lock(&e.$store);
                assert_eq!(held.len(), capacity, $provider);
                assert!(
                    held.get(&$key(&first)).is_none(),
                    "{}: the oldest token is forgotten",
                    $provider
                );
            }};
        }
        let same = |token: &String| token.clone();
        bounded!("swetrix", swetrix, same);
        bounded!("recaptcha", recaptcha, same);
        bounded!("playtcha", playtcha, same);
        // A TrustCaptcha token is the base64 of the verification it names.
        let id = |token: &String| {
            captcha_core::trustcaptcha::parse_token(Some(token))
                .unwrap()
                .verification_id
        };
        bounded!("trustcaptcha", trustcaptcha, id);
    }
}
