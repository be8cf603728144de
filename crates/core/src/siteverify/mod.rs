//! The siteverify protocol, once, for every provider that speaks it: Cloudflare Turnstile,
//! hCaptcha and Google reCAPTCHA. A form POST of `secret`, `response` and the optional fields; a
//! JSON verdict with `success`, `challenge_ts`, `hostname`, `error-codes` and each provider's own.
//!
//! What differs between the three is data (`Site`): the endpoint, the longest token, how long a
//! token lives, which codes mean our configuration is wrong, whether a retry is safe. Retries
//! are the engine's (`exchange`), and Wix's `authorize` runs on it too (`recaptcha.rs`).
//!
//! A retry is where siteverify clients go wrong: a request whose answer was lost may have
//! redeemed the token, and the retry is then told `timeout-or-duplicate`. Turnstile takes an
//! `idempotency_key` that makes the retry ask about the same redemption; every call here sends
//! one. hCaptcha and reCAPTCHA take none, so a "duplicate" answer to a retry, after an attempt
//! that may have reached the provider, is not a verdict on the token: it is reported as the
//! outage it followed.

pub mod checks;

use std::borrow::Cow;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use reqwest::header::{HeaderName, HeaderValue, CONTENT_TYPE};
use reqwest::{Method, Url};
use serde_json::{Map, Value};

use crate::errors::{CaptchaError, ErrorKind, SecretForms};
use crate::outcome::{provider_code, Kind, Outcome, Unavailable};
use crate::recaptcha;
use crate::transport::{
    timeout_option, Answer, Failure, ProxySetting, Request, Transport, TransportConfig, MAX_URL_LENGTH,
    PROVIDER_CONNECT_TIMEOUT,
};
pub use checks::{CheckOptions, Checks};

/// A provider that speaks siteverify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Site {
    Turnstile,
    Hcaptcha,
    Recaptcha,
}

/// The code of a local refusal: no token at all.
pub const MISSING_INPUT_RESPONSE: &str = "missing-input-response";
/// The code of a local refusal: not a string, or longer than the provider's tokens.
pub const INVALID_INPUT_RESPONSE: &str = "invalid-input-response";
/// The code of a misconfiguration: no secret.
pub const MISSING_INPUT_SECRET: &str = "missing-input-secret";
/// The code of a misconfiguration: siteverify answered a status it never answers (a wrong URL).
pub const UNEXPECTED_STATUS: &str = "siteverify-unexpected-status";
/// The code on an unavailability error: no verdict after the retries.
pub const UNAVAILABLE: &str = "siteverify-unavailable";

/// Every code the three providers document: a 4xx that carries one of them is a verdict.
const KNOWN_CODES: [&str; 14] = [
    "missing-input-secret",
    "invalid-input-secret",
    "missing-input-response",
    "invalid-input-response",
    "bad-request",
    "timeout-or-duplicate",
    "internal-error",
    "expired-input-response",
    "already-seen-response",
    "invalid-or-already-seen-response",
    "missing-remoteip",
    "invalid-remoteip",
    "not-using-dummy-passcode",
    "sitekey-secret-mismatch",
];

/// More retries than this cannot fit in a token's life anyway.
pub(crate) const MAX_RETRIES: f64 = 100.0;
/// The first pause between attempts; each later one doubles, up to `MAX_RETRY_DELAY`.
const FIRST_RETRY_DELAY: Duration = Duration::from_millis(200);
const MAX_RETRY_DELAY: Duration = Duration::from_secs(2);

impl Site {
    pub const ALL: [Site; 3] = [Site::Turnstile, Site::Hcaptcha, Site::Recaptcha];

    /// The provider's name, as `Provider::name` and the binding spell it.
    pub fn name(self) -> &'static str {
        match self {
            Site::Turnstile => "turnstile",
            Site::Hcaptcha => "hcaptcha",
            Site::Recaptcha => "recaptcha",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|site| site.name() == name)
    }

    /// The provider as its docs write it, for messages.
    pub fn title(self) -> &'static str {
        match self {
            Site::Turnstile => "Turnstile",
            Site::Hcaptcha => "hCaptcha",
            Site::Recaptcha => "reCAPTCHA",
        }
    }

    pub fn default_url(self) -> &'static str {
        match self {
            Site::Turnstile => "https://challenges.cloudflare.com/turnstile/v0/siteverify",
            Site::Hcaptcha => "https://api.hcaptcha.com/siteverify",
            Site::Recaptcha => recaptcha::DEFAULT_SITEVERIFY_URL,
        }
    }

    /// The deadline of one attempt when the caller sets none.
    pub fn default_timeout_ms(self) -> u64 {
        5_000
    }

    /// Attempts after the first when the caller sets no `retries`.
    pub fn default_retries(self) -> u32 {
        2
    }

    /// Cloudflare documents 2,048 characters as the longest token; the others' are a few
    /// kilobytes. A longer one is refused without a request.
    pub fn max_token_length(self) -> usize {
        match self {
            Site::Turnstile => 2_048,
            Site::Hcaptcha | Site::Recaptcha => recaptcha::MAX_TOKEN_LENGTH,
        }
    }

    /// How long a token lives: no attempt starts, and none runs, past that.
    pub const fn token_lifetime(self) -> Duration {
        match self {
            Site::Turnstile => Duration::from_secs(300),
            Site::Hcaptcha | Site::Recaptcha => recaptcha::TOKEN_LIFETIME,
        }
    }

    /// Codes that mean our configuration is wrong, not the token.
    pub fn is_configuration_code(self, code: &str) -> bool {
        match self {
            Site::Turnstile | Site::Recaptcha => matches!(code, "missing-input-secret" | "invalid-input-secret"),
            // Not `sitekey-secret-mismatch` or `not-using-dummy-passcode`: a visitor causes those
            // with a token solved on another site, or hCaptcha's published test token.
            Site::Hcaptcha => matches!(
                code,
                "missing-input-secret" | "invalid-input-secret" | "missing-remoteip"
            ),
        }
    }

    /// A verdict that says the provider failed, not the token: worth another attempt, and no
    /// verdict if it is the last answer. Turnstile's `internal-error` ("the request can be
    /// retried", Cloudflare's docs).
    fn is_outage_verdict(self, fields: &Map<String, Value>) -> bool {
        self == Site::Turnstile
            && fields.get("success") == Some(&Value::Bool(false))
            && codes_of(fields).any(|code| code == "internal-error")
    }

    /// Codes that say the token was already redeemed. Without an idempotency key, a retry's
    /// "already redeemed" may be our own lost attempt's doing.
    pub(crate) fn is_duplicate_code(self, code: &str) -> bool {
        match self {
            // Every Turnstile call carries an idempotency key: its answer is the truth.
            Site::Turnstile => false,
            Site::Hcaptcha => matches!(code, "already-seen-response" | "invalid-or-already-seen-response"),
            Site::Recaptcha => code == "timeout-or-duplicate",
        }
    }

    /// The error when no verdict came.
    pub(crate) fn unavailable(self, attempts: u32) -> CaptchaError {
        match self {
            Site::Recaptcha => recaptcha::rejection(ErrorKind::RecaptchaUnavailable, 503, &[UNAVAILABLE]),
            Site::Turnstile => CaptchaError::new(ErrorKind::TurnstileUnavailable),
            Site::Hcaptcha => CaptchaError::new(ErrorKind::HcaptchaUnavailable),
        }
        .with_field("attempts", attempts)
    }

    /// The error when the provider (or our check of the options) says the configuration is wrong.
    fn misconfigured(self, codes: &[&str]) -> CaptchaError {
        let listed = || Value::from(codes.iter().map(|c| Value::from(*c)).collect::<Vec<_>>());
        let kind = match self {
            Site::Recaptcha => return recaptcha::rejection(ErrorKind::RecaptchaRejected, 500, codes),
            Site::Turnstile => ErrorKind::TurnstileMisconfigured,
            Site::Hcaptcha => ErrorKind::HcaptchaMisconfigured,
        };
        // The codes are provider codes (or ours), never free text: safe in a message.
        let said: Vec<String> = codes.iter().filter_map(|code| provider_code(code)).collect();
        CaptchaError::new(kind)
            .with_message(format!(
                "{} refused the configuration ({}): check the secret key{} and siteverifyUrl",
                self.title(),
                said.join(", "),
                if self == Site::Hcaptcha { ", the sitekey" } else { "" }
            ))
            .with_field("errorCodes", listed())
    }
}

/// What a call resolves: the provider's JSON as it is (`Wire`, the `hcaptcha` package's shape,
/// where a configuration error resolves too), or our verdict in camelCase (`Verdict`, the
/// classes' shape, where it rejects).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Shape {
    Wire,
    #[default]
    Verdict,
}

/// A client's configuration. No `Debug`: it holds the secret.
#[derive(Clone, Default)]
pub struct Config {
    pub secret: Option<String>,
    pub siteverify_url: Option<String>,
    pub timeout_ms: Option<f64>,
    pub retries: Option<f64>,
    pub proxy: ProxySetting,
    /// PEM certificate authorities trusted besides the system's (checked by `ca_roots`).
    pub ca: Vec<String>,
    pub shape: Shape,
}

/// One call's options.
#[derive(Debug, Clone, Default)]
pub struct Call {
    pub remoteip: Option<String>,
    pub sitekey: Option<String>,
    /// Turnstile only: a UUID; a fresh one when `None`.
    pub idempotency_key: Option<String>,
    pub checks: CheckOptions,
}

/// How many times to ask, how long each attempt may take, and how long to wait in between.
pub(crate) struct Retry {
    pub timeout: Duration,
    pub retries: u32,
    /// The pause before attempt `n + 1` (`n` from 1), before `Retry-After` is considered.
    pub delay: Box<dyn Fn(u32) -> Duration + Send + Sync>,
    /// No attempt starts, and none runs, past this from the start.
    pub lifetime: Duration,
    /// A pause longer than this (a server's `Retry-After`) ends the retries: the caller's
    /// deadline per attempt bounds the wait too, not only the token's life.
    pub max_wait: Option<Duration>,
}

/// What asking came to.
#[derive(Debug, PartialEq)]
pub(crate) enum Exchange {
    /// The provider's verdict, the secret taken out of it.
    Verdict(Map<String, Value>),
    /// A status siteverify never answers (not 2xx, 429 or 5xx): retrying cannot help.
    Unexpected(u16),
    /// No verdict, after `attempts`.
    NoVerdict {
        why: Unavailable,
        reason: String,
        attempts: u32,
    },
    /// A "duplicate" refusal after an attempt that may have reached the provider: that attempt
    /// may have redeemed the token, so it is no verdict on it. `fields` is the refusal (Wix's
    /// `authorize` rejects it as it came; the classes, as an outage).
    Redeemed {
        fields: Map<String, Value>,
        why: Unavailable,
        reason: String,
        attempts: u32,
    },
}

/// What one attempt's answer came to, for `retrying`: an end, or a reason to ask again.
pub(crate) enum Step<T> {
    Done(T),
    Retryable {
        reason: String,
        why: Unavailable,
        retry_after: Option<Duration>,
        /// The request may have reached the provider (false when it could not connect, or a 429).
        reached: bool,
    },
}

/// What `retrying`'s attempts came to.
pub(crate) enum Retried<T> {
    /// An attempt's end; `lost` says why an earlier attempt that may have reached the provider
    /// got no answer (which may have redeemed the token).
    Done {
        value: T,
        lost: Option<(Unavailable, String)>,
        attempts: u32,
    },
    NoAnswer {
        why: Unavailable,
        reason: String,
        attempts: u32,
    },
}

/// The POST `retrying` sends: the same bytes for every attempt.
pub(crate) struct Post<'a> {
    pub url: &'a Url,
    pub headers: &'a [(HeaderName, HeaderValue)],
    pub body: Bytes,
    /// Safe to send twice (see `Request::idempotent`).
    pub idempotent: bool,
    /// Who is asked, for "no answer from {who}".
    pub who: &'static str,
}

/// The pause before attempt `n + 1` of siteverify's clients and reCAPTCHA Enterprise's: 200 ms,
/// doubling, at most 2 s.
pub(crate) fn doubling_delay(attempt: u32) -> Duration {
    FIRST_RETRY_DELAY
        .saturating_mul(1 << attempt.saturating_sub(1).min(16))
        .min(MAX_RETRY_DELAY)
}

/// What one attempt learned.
enum Attempt {
    Verdict(Map<String, Value>),
    Unexpected(u16),
    Retryable {
        reason: String,
        why: Unavailable,
        retry_after: Option<Duration>,
        /// The request may have reached the provider (false when it could not connect).
        reached: bool,
    },
}

fn read_attempt(answer: Answer) -> Attempt {
    let status = answer.status;
    if status == 429 || status >= 500 {
        return Attempt::Retryable {
            reason: format!("siteverify answered {status}"),
            why: Unavailable::of_status(status),
            retry_after: answer.retry_after_seconds().map(Duration::from_secs),
            // A 429 is the provider turning the request away before reading it.
            reached: status != 429,
        };
    }
    let verdict = match serde_json::from_slice::<Value>(answer.body.as_deref().unwrap_or_default()) {
        Ok(Value::Object(fields)) if fields.get("success").is_some_and(Value::is_boolean) => Some(fields),
        _ => None,
    };
    if !(200..300).contains(&status) {
        // A 4xx that carries a refusal in siteverify's own codes is one (a provider may answer
        // `bad-request` so); any other 4xx (another API's JSON error) says the URL is wrong.
        return match verdict {
            Some(fields)
                if (400..500).contains(&status)
                    && fields.get("success") == Some(&Value::Bool(false))
                    && codes_of(&fields).any(|code| KNOWN_CODES.contains(&code)) =>
            {
                Attempt::Verdict(fields)
            }
            _ => Attempt::Unexpected(status),
        };
    }
    match verdict {
        Some(fields) => Attempt::Verdict(fields),
        None => Attempt::Retryable {
            reason: "siteverify's answer is not a verdict (no JSON object with a boolean success)".into(),
            why: Unavailable::MalformedResponse,
            retry_after: None,
            reached: true,
        },
    }
}

/// What a caller of `exchange` knows of its provider's verdicts.
pub(crate) struct Reading<'a> {
    /// Whose verdict: which is an outage to retry (`Site::is_outage_verdict`) and which codes
    /// say the token was already redeemed (`Site::is_duplicate_code`).
    pub site: Site,
    /// The secret the request carries: kept out of the verdict.
    pub secret: &'a str,
    /// The request may go twice (Turnstile's idempotency key): a request lost on a pooled
    /// connection the server was closing is sent once more on a fresh one, as a GET is.
    pub idempotent: bool,
}

/// Posts `body` (a form) to `url` until a verdict comes, the retries run out or the token's life
/// does. The verdict comes with the secret taken out of it (a server echoing the request): a
/// code holding it is dropped, any other text scrubbed. A "duplicate" refusal after an attempt
/// that may have reached the provider is no verdict: that attempt may have redeemed the token.
pub(crate) async fn exchange(
    transport: &Transport,
    url: &Url,
    body: String,
    retry: &Retry,
    reading: &Reading<'_>,
) -> Exchange {
    let post = Post {
        url,
        headers: &[(
            CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        )],
        body: Bytes::from(body),
        idempotent: reading.idempotent,
        who: "siteverify",
    };
    let read = |answer| match read_attempt(answer) {
        Attempt::Verdict(fields) if reading.site.is_outage_verdict(&fields) => Step::Retryable {
            reason: "siteverify answered internal-error".to_owned(),
            why: Unavailable::ServerError,
            retry_after: None,
            reached: true,
        },
        Attempt::Verdict(fields) => Step::Done(Ok(fields)),
        Attempt::Unexpected(status) => Step::Done(Err(status)),
        Attempt::Retryable {
            reason,
            why,
            retry_after,
            reached,
        } => Step::Retryable {
            reason,
            why,
            retry_after,
            reached,
        },
    };
    match retrying(transport, &post, retry, read).await {
        Retried::Done {
            value: Ok(mut fields),
            lost,
            attempts,
        } => {
            // The forms made once for the whole verdict. A secret shorter than a real one (a
            // test's `'s'`) would match ordinary words: only a code that is that secret is
            // dropped then, as `authorize` always did for codes.
            let forms = SecretForms::new(reading.secret);
            let searched = forms.searchable();
            if let Some(Value::Array(codes)) = fields.get_mut("error-codes") {
                codes.retain(|code| {
                    !code
                        .as_str()
                        .is_some_and(|code| if searched { forms.held_by(code) } else { forms.is(code) })
                });
            }
            if searched {
                fields.retain(|name, _| name == "success" || !forms.held_by(name));
                for value in fields.values_mut() {
                    forms.scrub_json(value);
                }
            }
            let duplicate = fields.get("success") == Some(&Value::Bool(false))
                && codes_of(&fields).any(|code| reading.site.is_duplicate_code(code));
            match lost.filter(|_| duplicate) {
                Some((why, reason)) => Exchange::Redeemed {
                    fields,
                    why,
                    reason: format!("{reason}; the retry found the token redeemed, perhaps by that attempt"),
                    attempts,
                },
                None => Exchange::Verdict(fields),
            }
        }
        Retried::Done { value: Err(status), .. } => Exchange::Unexpected(status),
        Retried::NoAnswer { why, reason, attempts } => Exchange::NoVerdict { why, reason, attempts },
    }
}

/// Posts until an attempt's answer ends the asking (`read` says `Step::Done`), the retries run
/// out or the lifetime does: each attempt within `retry.timeout` and what is left of the
/// lifetime, the pauses `retry.delay` or the server's `Retry-After`, whichever is longer.
pub(crate) async fn retrying<T>(
    transport: &Transport,
    post: &Post<'_>,
    retry: &Retry,
    mut read: impl FnMut(Answer) -> Step<T>,
) -> Retried<T> {
    let started = Instant::now();
    let mut attempts = 0u32;
    let mut lost = None;
    loop {
        attempts += 1;
        let left = retry.lifetime.saturating_sub(started.elapsed());
        let request = Request {
            method: Method::POST,
            url: post.url,
            headers: post.headers,
            body: post.body.clone(),
            idempotent: post.idempotent,
        };
        let step = match transport.execute(request, retry.timeout.min(left), |_| true).await {
            Ok(answer) => read(answer),
            Err(failure) => Step::Retryable {
                reason: format!("no answer from {}: {failure}", post.who),
                why: Unavailable::of(&failure),
                retry_after: None,
                reached: !matches!(
                    failure,
                    Failure::ConnectionRefused | Failure::HostNotFound | Failure::ConnectTimeout | Failure::InvalidUrl
                ),
            },
        };
        let (reason, why, retry_after, reached) = match step {
            Step::Done(value) => return Retried::Done { value, lost, attempts },
            Step::Retryable {
                reason,
                why,
                retry_after,
                reached,
            } => (reason, why, retry_after, reached),
        };
        if reached {
            lost = Some((why, reason.clone()));
        }
        let delay = (retry.delay)(attempts).max(retry_after.unwrap_or_default());
        let too_long = retry.max_wait.is_some_and(|longest| delay > longest);
        if attempts > retry.retries || too_long || started.elapsed().saturating_add(delay) >= retry.lifetime {
            return Retried::NoAnswer { why, reason, attempts };
        }
        tokio::time::sleep(delay).await;
    }
}

/// The provider's codes in a verdict, strings only.
fn codes_of(fields: &Map<String, Value>) -> impl Iterator<Item = &str> {
    fields
        .get("error-codes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
}

/// The `siteverifyUrl` option, or `default`: an http(s) URL with a host.
pub(crate) fn siteverify_url(given: Option<&str>, default: &str) -> Result<Url, CaptchaError> {
    let url = Some(given.unwrap_or(default).trim())
        .filter(|text| text.len() <= MAX_URL_LENGTH)
        .and_then(|text| Url::parse(text).ok())
        .filter(|url| matches!(url.scheme(), "http" | "https") && url.has_host())
        .ok_or_else(|| CaptchaError::invalid_argument("siteverifyUrl must be an http(s) URL"))?;
    // As `apiHost` (`transport::api_host_base`): credentials in the URL would be sent by no route
    // alike (reqwest made them a Basic header, the direct route drops them), so they are refused.
    if !url.username().is_empty() || url.password().is_some() {
        return Err(CaptchaError::invalid_argument(
            "siteverifyUrl must not hold a user name or password",
        ));
    }
    Ok(url)
}

/// The `retries` option, or `default`: an integer from 0 to `max`.
pub(crate) fn retries_option(given: Option<f64>, default: u32, max: f64) -> Result<u32, CaptchaError> {
    match given {
        None => Ok(default),
        Some(n) if n.fract() == 0.0 && (0.0..=max).contains(&n) => Ok(n as u32),
        Some(_) => Err(CaptchaError::invalid_argument(format!(
            "retries must be an integer from 0 to {max}"
        ))),
    }
}

/// A fresh random UUID (version 4), or `None` when the system gives no randomness.
pub fn try_random_uuid() -> Option<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).ok()?;
    Some(uuid_of(bytes))
}

/// A fresh random UUID (version 4); from the clock when the system gives no randomness (a broken
/// machine: the key still differs per call, though two calls in one nanosecond would share it).
/// Not for an `idempotency_key`, which must never be shared: that is `try_random_uuid`'s.
pub fn random_uuid() -> String {
    try_random_uuid().unwrap_or_else(|| {
        let nanos = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos();
        uuid_of(nanos.to_le_bytes())
    })
}

/// `bytes` as a version 4 UUID, in one allocation.
fn uuid_of(mut bytes: [u8; 16]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let mut text = String::with_capacity(36);
    for (at, byte) in bytes.iter().enumerate() {
        if matches!(at, 4 | 6 | 8 | 10) {
            text.push('-');
        }
        text.push(HEX[usize::from(byte >> 4)] as char);
        text.push(HEX[usize::from(byte & 0x0f)] as char);
    }
    text
}

/// Whether a text is a UUID (any version), as Cloudflare's `idempotency_key` must be: the check
/// TrustCaptcha's verification ids already had.
pub use crate::trustcaptcha::token::is_uuid;

/// A configured siteverify client: the endpoint, the secret (form-encoded once), the retry
/// policy and a pooled transport. Build one per configuration and share it.
pub struct SiteverifyClient {
    site: Site,
    url: Url,
    /// The secret as `secret=<form-encoded>`; `None` when none was given (a `Wire` client only).
    secret_field: Option<String>,
    secret: String,
    timeout: Duration,
    retries: u32,
    shape: Shape,
    transport: Arc<Transport>,
}

impl SiteverifyClient {
    /// Checks the configuration: an unusable option, or (for the classes) no secret, is an
    /// `invalid_argument` error and builds nothing.
    pub fn new(site: Site, config: &Config) -> Result<Self, CaptchaError> {
        let url = siteverify_url(config.siteverify_url.as_deref(), site.default_url())?;
        let retries = retries_option(config.retries, site.default_retries(), MAX_RETRIES)?;
        let secret = config.secret.as_deref().map(str::trim).unwrap_or_default().to_owned();
        if secret.is_empty() && config.shape == Shape::Verdict {
            return Err(CaptchaError::invalid_argument("secret must be a non-empty string"));
        }
        let secret_field = (!secret.is_empty()).then(|| {
            let mut form = form_urlencoded::Serializer::new(String::new());
            form.append_pair("secret", &secret);
            form.finish()
        });
        let transport = Transport::shared(&TransportConfig {
            connect_timeout: PROVIDER_CONNECT_TIMEOUT,
            proxy: config.proxy.clone(),
            extra_roots: config.ca.clone(),
        })?;
        Ok(Self {
            site,
            url,
            secret_field,
            secret,
            timeout: timeout_option("timeoutMs", config.timeout_ms, site.default_timeout_ms())?,
            retries,
            shape: config.shape,
            transport,
        })
    }

    /// The outcome of options only the binding could check (a proxy, `ca`), or of a call's
    /// unusable option: a misconfiguration that rejects a `TypeError` (`error`'s kind).
    pub fn unusable_options(error: CaptchaError) -> Outcome<Value> {
        Outcome::misconfigured(error.kind.code(), Err(error))
    }

    /// Verifies `token` (`None`: the caller passed something other than a string).
    pub async fn verify(&self, token: Option<&str>, call: &Call) -> Outcome<Value> {
        let checks = match call.checks.checks() {
            Ok(checks) => checks,
            Err(error) => return Self::unusable_options(error),
        };
        let idempotency_key = match (self.site, call.idempotency_key.as_deref()) {
            // With no randomness, no key: a shared one could give a call another's answer.
            (Site::Turnstile, None) => try_random_uuid().map(Cow::Owned),
            (Site::Turnstile, Some(key)) if is_uuid(key) => Some(Cow::Borrowed(key)),
            (Site::Turnstile, Some(_)) => {
                return Self::unusable_options(CaptchaError::invalid_argument(
                    "idempotencyKey must be a UUID (8-4-4-4-12 hexadecimal digits)",
                ))
            }
            (_, Some(_)) => {
                return Self::unusable_options(CaptchaError::invalid_argument(format!(
                    "idempotencyKey is Turnstile's; {} takes none",
                    self.site.title()
                )))
            }
            (_, None) => None,
        };
        let token = match token {
            None => return self.judge(local_refusal(INVALID_INPUT_RESPONSE), &Checks::default()),
            Some("") => return self.judge(local_refusal(MISSING_INPUT_RESPONSE), &Checks::default()),
            // Cloudflare counts characters; the byte count bounds it first, for free.
            Some(token)
                if token.len() > self.site.max_token_length()
                    && token.chars().count() > self.site.max_token_length() =>
            {
                return self.judge(local_refusal(INVALID_INPUT_RESPONSE), &Checks::default())
            }
            Some(token) => token,
        };
        let Some(secret_field) = &self.secret_field else {
            return self.judge(local_refusal(MISSING_INPUT_SECRET), &Checks::default());
        };
        let body = {
            let mut form = form_urlencoded::Serializer::for_suffix(secret_field.clone(), 0);
            form.append_pair("response", token);
            for (name, value) in [
                ("remoteip", call.remoteip.as_deref()),
                ("sitekey", call.sitekey.as_deref()),
                ("idempotency_key", idempotency_key.as_deref()),
            ] {
                if let Some(value) = value.filter(|value| !value.is_empty()) {
                    form.append_pair(name, value);
                }
            }
            form.finish()
        };
        let site = self.site;
        let retry = Retry {
            timeout: self.timeout,
            retries: self.retries,
            delay: Box::new(doubling_delay),
            lifetime: site.token_lifetime(),
            max_wait: Some(self.timeout),
        };
        let reading = Reading {
            site,
            secret: &self.secret,
            // Safe to send twice only with a key that asks about the same redemption.
            idempotent: idempotency_key.is_some(),
        };
        match exchange(&self.transport, &self.url, body, &retry, &reading).await {
            Exchange::Verdict(fields) => self.judge(fields, &checks),
            Exchange::Unexpected(status) => self.misconfiguration(
                UNEXPECTED_STATUS,
                Some(format!(
                    "siteverify answered {status}, which it never does: check siteverifyUrl"
                )),
                local_refusal(UNEXPECTED_STATUS),
            ),
            Exchange::NoVerdict { why, reason, attempts }
            | Exchange::Redeemed {
                why, reason, attempts, ..
            } => Outcome::unavailable(why, Err(self.site.unavailable(attempts).with_detail(reason))),
        }
    }

    /// The provider's verdict (or ours, with its wire names) and our checks, as an outcome.
    fn judge(&self, mut fields: Map<String, Value>, checks: &Checks) -> Outcome<Value> {
        let passed = fields.get("success") == Some(&Value::Bool(true));
        let provider_codes: Vec<String> = codes_of(&fields).map(str::to_owned).collect();
        if let Some(code) = provider_codes.iter().find(|code| self.site.is_configuration_code(code)) {
            if !passed {
                return self.misconfiguration(&code.clone(), None, fields);
            }
        }
        // reCAPTCHA as Google's PHP library does: the checks run on a refusal too, and add their
        // codes to it. Turnstile's and hCaptcha's refusals stay as the provider said them.
        let failed = if passed || self.site == Site::Recaptcha {
            checks.failed(&fields, SystemTime::now())
        } else {
            Vec::new()
        };
        if passed && failed.is_empty() {
            return Outcome::verified(self.shaped(fields));
        }
        let code = provider_codes
            .iter()
            .filter(|_| !passed)
            .find_map(|code| provider_code(code))
            .or_else(|| failed.first().map(|code| (*code).to_owned()))
            .unwrap_or_else(|| INVALID_INPUT_RESPONSE.to_owned());
        if !failed.is_empty() {
            fields.insert("success".into(), Value::Bool(false));
            let mut codes: Vec<Value> = provider_codes.into_iter().map(Value::from).collect();
            codes.extend(failed.iter().map(|code| Value::from(*code)));
            fields.insert("error-codes".into(), Value::Array(codes));
        }
        Outcome::refused(code, Ok(self.shaped(fields)))
    }

    /// A misconfiguration: `Wire` resolves what siteverify said; `Verdict` rejects.
    fn misconfiguration(&self, code: &str, detail: Option<String>, fields: Map<String, Value>) -> Outcome<Value> {
        let value = match self.shape {
            Shape::Wire => Ok(Value::Object(fields)),
            Shape::Verdict => {
                let codes: Vec<&str> = codes_of(&fields).collect();
                let error = self.site.misconfigured(&codes);
                Err(match detail {
                    Some(detail) => error.with_detail(detail),
                    None => error,
                })
            }
        };
        let code = provider_code(code).unwrap_or_else(|| INVALID_INPUT_RESPONSE.to_owned());
        Outcome {
            kind: Kind::Misconfigured,
            code: Some(code.into()),
            value,
        }
    }

    /// What resolves: the wire JSON, or the verdict with camelCase names.
    fn shaped(&self, fields: Map<String, Value>) -> Value {
        match self.shape {
            Shape::Wire => Value::Object(fields),
            Shape::Verdict => Value::Object(camel_case(fields)),
        }
    }
}

/// A verdict we give without asking: `success: false` with one code.
fn local_refusal(code: &str) -> Map<String, Value> {
    let mut fields = Map::new();
    fields.insert("success".into(), Value::Bool(false));
    fields.insert("error-codes".into(), Value::Array(vec![Value::from(code)]));
    fields
}

/// The verdict with camelCase names (`challenge_ts` to `challengeTs`, `error-codes` to
/// `errorCodes`): `success` first, `errorCodes` always (a list of strings), the other fields as
/// the provider sent them. A name that is not a short word of letters, digits, `_` and `-` is
/// dropped: the answer is a server's, and its names become a JavaScript object's.
pub fn camel_case(fields: Map<String, Value>) -> Map<String, Value> {
    let mut verdict = Map::new();
    verdict.insert(
        "success".into(),
        fields.get("success").cloned().unwrap_or(Value::Bool(false)),
    );
    let codes: Vec<Value> = codes_of(&fields).map(Value::from).collect();
    for (name, value) in fields {
        let word = (1..=64).contains(&name.len())
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !word || name == "success" || name == "error-codes" {
            continue;
        }
        let mut camel = String::with_capacity(name.len());
        let mut upper = false;
        for letter in name.chars() {
            if letter == '_' || letter == '-' {
                upper = !camel.is_empty();
            } else if upper {
                camel.push(letter.to_ascii_uppercase());
                upper = false;
            } else {
                camel.push(letter);
            }
        }
        if !camel.is_empty() && camel != "errorCodes" && camel != "success" {
            verdict.insert(camel, value);
        }
    }
    verdict.insert("errorCodes".into(), Value::Array(codes));
    verdict
}

#[cfg(test)]
mod tests;
