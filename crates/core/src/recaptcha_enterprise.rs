//! reCAPTCHA Enterprise: `projects.assessments.create` and `projects.assessments.annotate` over
//! REST, with an API key.
//!
//! `POST {endpoint}/v1/projects/{project}/assessments?key={apiKey}` with a JSON body
//! `{"event":{"token","siteKey","expectedAction"?,"userIpAddress"?,"userAgent"?,"requestedUri"?}}`
//! answers an `Assessment` (`name`, `event`, `tokenProperties`, `riskAnalysis`, ...), already in
//! camelCase. Our verdict follows Google's "interpret an assessment" sample: the token must be
//! valid, then the action must be the expected one, then the score at least `minScore`.
//!
//! A Google API error (`{"error":{"code","message","status","details"}}`) with 400, 401, 403 or
//! 404 says the key, the project or the site key is wrong: a misconfiguration. 429, 5xx, no
//! answer or an answer that is no assessment give no verdict: retried, then unavailable.
//!
//! An assessment redeems the token: a retry after an attempt that may have reached Google is
//! answered `DUPE` about a good token. That answer, after such an attempt, is the outage that came
//! before it, never a refusal (as siteverify's engine does for reCAPTCHA and hCaptcha).

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{HeaderValue, CONTENT_TYPE};
use reqwest::Url;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Number, Value};

use crate::errors::{cut, CaptchaError, ErrorKind, SecretForms};
use crate::outcome::{Kind, Outcome, Unavailable, INVALID_ARGUMENT};
use crate::recaptcha;
use crate::siteverify::checks::{ACTION_MISMATCH, HOSTNAME_MISMATCH, SCORE_THRESHOLD_NOT_MET};
use crate::siteverify::{doubling_delay, retries_option, retrying, Post, Retried, Retry, Step, MAX_RETRIES};
use crate::transport::{
    api_host_base, append_path, timeout_option, Answer, ProxySetting, Transport, TransportConfig,
    PROVIDER_CONNECT_TIMEOUT,
};

/// Google's endpoint for the REST API.
pub const DEFAULT_ENDPOINT: &str = "https://recaptchaenterprise.googleapis.com";
/// The deadline of one attempt when the caller sets none: as siteverify's. Google's own clients
/// wait far longer (600 s), which no request handler can afford.
pub const DEFAULT_TIMEOUT_MS: u64 = 5_000;
/// Attempts after the first when the caller sets none.
pub const DEFAULT_RETRIES: u32 = 2;
/// A token lives two minutes, as reCAPTCHA's: no attempt starts, and none runs, past that.
pub const TOKEN_LIFETIME: Duration = recaptcha::TOKEN_LIFETIME;
/// A longer token is refused (`MALFORMED`) without a request.
pub const MAX_TOKEN_LENGTH: usize = recaptcha::MAX_TOKEN_LENGTH;

/// The deepest nesting an answer read as sent may have: deeper ones (which a `Value` may refuse)
/// are parsed, as before.
const MAX_PLAIN_DEPTH: usize = 64;
/// The longest `siteKey`, `expectedAction`, `userIpAddress`, `userAgent` or `requestedUri`.
const MAX_FIELD_LENGTH: usize = 8 * 1024;

/// Our codes, in `errorCodes`: the token is invalid (one per `invalidReason`), or a check failed.
pub const MALFORMED_TOKEN: &str = "malformed-token";
pub const EXPIRED_TOKEN: &str = "expired-token";
pub const DUPLICATE_TOKEN: &str = "duplicate-token";
pub const MISSING_TOKEN: &str = "missing-token";
pub const BROWSER_ERROR: &str = "browser-error";
pub const SITE_MISMATCH: &str = "site-mismatch";
pub const UNEXPECTED_ACTION: &str = "unexpected-action";
/// `valid: false` with no reason we know (`INVALID_REASON_UNSPECIFIED`, `UNKNOWN_INVALID_REASON`,
/// none, or one Google adds later).
pub const INVALID_TOKEN: &str = "invalid-token";

/// The outcome code of a misconfiguration Google gave no status word for.
pub const UNEXPECTED_STATUS: &str = "unexpected_status";

/// The annotations `annotate` takes.
pub const ANNOTATIONS: [&str; 4] = ["LEGITIMATE", "FRAUDULENT", "PASSWORD_CORRECT", "PASSWORD_INCORRECT"];

/// Our code for an `invalidReason`.
pub fn invalid_reason_code(reason: &str) -> &'static str {
    match reason {
        "MALFORMED" => MALFORMED_TOKEN,
        "EXPIRED" => EXPIRED_TOKEN,
        "DUPE" => DUPLICATE_TOKEN,
        "MISSING" => MISSING_TOKEN,
        "BROWSER_ERROR" => BROWSER_ERROR,
        "SITE_MISMATCH" => SITE_MISMATCH,
        "UNEXPECTED_ACTION" => UNEXPECTED_ACTION,
        _ => INVALID_TOKEN,
    }
}

/// Whether `id` is a Google Cloud project id (6 to 30 lower-case letters, digits and hyphens,
/// starting with a letter, not ending with a hyphen) or a project number (digits): nothing else
/// reaches the path.
pub fn is_project(id: &str) -> bool {
    let bytes = id.as_bytes();
    let number = (1..=20).contains(&bytes.len()) && bytes.iter().all(u8::is_ascii_digit);
    let name = (6..=30).contains(&bytes.len())
        && bytes[0].is_ascii_lowercase()
        && bytes[bytes.len() - 1] != b'-'
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-');
    number || name
}

/// Whether `name` is an assessment's name, `projects/{project}/assessments/{id}`.
pub fn is_assessment_name(name: &str) -> bool {
    let parts: Vec<&str> = name.split('/').collect();
    matches!(parts.as_slice(), ["projects", project, "assessments", id]
        if is_project(project) && is_word(id, 64))
}

/// A short word of ASCII letters, digits, `_` and `-`.
fn is_word(text: &str, longest: usize) -> bool {
    (1..=longest).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// An enum word of Google's (`API_KEY_INVALID`, `PERMISSION_DENIED`, `CHARGEBACK`).
fn is_enum_word(text: &str) -> bool {
    (1..=64).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

/// A client's configuration. No `Debug`: it holds the API key.
#[derive(Clone, Default)]
pub struct Config {
    pub project_id: Option<String>,
    pub api_key: Option<String>,
    pub site_key: Option<String>,
    /// The API's base URL (the emulator's, say); Google's when `None`.
    pub endpoint: Option<String>,
    pub timeout_ms: Option<f64>,
    pub retries: Option<f64>,
    pub proxy: ProxySetting,
    /// PEM certificate authorities trusted besides the system's (checked by `ca_roots`).
    pub ca: Vec<String>,
}

/// One assessment's options: what goes in the event, and our checks of the answer.
#[derive(Debug, Clone, Default)]
pub struct Assess {
    pub expected_action: Option<String>,
    pub user_ip_address: Option<String>,
    pub user_agent: Option<String>,
    pub requested_uri: Option<String>,
    /// The lowest `riskAnalysis.score` that passes, from 0 to 1.
    pub min_score: Option<f64>,
    /// The hostnames the token may have been made on (case-insensitive).
    pub expected_hostname: Option<Vec<String>>,
}

/// The request body: only the fields given, in Google's names.
#[derive(Serialize)]
struct Body<'a> {
    event: Event<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Event<'a> {
    token: &'a str,
    site_key: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    expected_action: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_ip_address: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_agent: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    requested_uri: Option<&'a str>,
}

#[derive(Serialize)]
struct Annotation<'a> {
    annotation: &'a str,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    reasons: &'a [String],
}

/// An assessment's verdict, in the form it crosses in.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Built as a tree (from an answer parsed and scrubbed), or made here.
    Value(Value),
    /// Written directly from an answer read as it was sent (`as_sent`): the very text `Value`'s
    /// `to_string` gives of the verdict the parsed answer makes.
    Text(String),
}

impl Verdict {
    /// The verdict's JSON text.
    pub fn into_json(self) -> String {
        match self {
            Verdict::Value(value) => value.to_string(),
            Verdict::Text(text) => text,
        }
    }

    /// The verdict as a tree.
    pub fn to_value(&self) -> Value {
        match self {
            Verdict::Value(value) => value.clone(),
            Verdict::Text(text) => serde_json::from_str(text).unwrap_or(Value::Null),
        }
    }
}

/// What an attempt's answer ends with: a 2xx JSON object (an assessment judged, or annotate's
/// `{}`), or a Google API error for the key, the project or the request (retrying cannot help).
type Answered = Result<Outcome<Verdict>, GoogleError>;

/// What a Google API error said, its free text scrubbed and cut.
#[derive(Debug, Clone, PartialEq)]
struct GoogleError {
    status: u16,
    /// `error.status`: `INVALID_ARGUMENT`, `PERMISSION_DENIED`...
    word: Option<String>,
    /// `error.details[].reason` (an `ErrorInfo`'s): `API_KEY_INVALID`, `SERVICE_DISABLED`...
    reason: Option<String>,
    message: Option<String>,
}

/// A configured reCAPTCHA Enterprise client. Build one per configuration and share it.
pub struct RecaptchaEnterpriseClient {
    /// `{endpoint}/v1/projects/{project}/assessments?key={apiKey}`.
    assessments_url: Url,
    endpoint: Url,
    api_key: String,
    /// The key's forms, searched for in Google's texts.
    forms: SecretForms,
    site_key: String,
    /// The attempts' deadline, their number and the pauses between them.
    retry: Retry,
    transport: Arc<Transport>,
}

impl RecaptchaEnterpriseClient {
    /// Checks the configuration: a missing or unusable option is an `invalid_argument` error and
    /// builds nothing.
    pub fn new(config: &Config) -> Result<Self, CaptchaError> {
        let project = config.project_id.as_deref().map(str::trim).unwrap_or_default();
        if !is_project(project) {
            return Err(CaptchaError::invalid_argument(
                "projectId must be a Google Cloud project id (6 to 30 lower-case letters, digits and hyphens, starting with a letter) or a project number",
            ));
        }
        let api_key = config.api_key.as_deref().map(str::trim).unwrap_or_default();
        if api_key.is_empty() || api_key.len() > 512 || !api_key.bytes().all(|b| b.is_ascii_graphic()) {
            // Never quoted: it is the secret.
            return Err(CaptchaError::invalid_argument(
                "apiKey must be a non-empty string of printable ASCII characters",
            ));
        }
        let site_key = config.site_key.as_deref().map(str::trim).unwrap_or_default();
        if !is_word(site_key, 256) {
            return Err(CaptchaError::invalid_argument(
                "siteKey must be a reCAPTCHA key id (letters, digits, _ and -)",
            ));
        }
        let endpoint = api_host_base(config.endpoint.as_deref().unwrap_or(DEFAULT_ENDPOINT)).map_err(|_| {
            CaptchaError::invalid_argument(
                "endpoint must be an http(s) URL with no user name, password, query or fragment",
            )
        })?;
        let mut assessments_url = append_path(&endpoint, ["v1", "projects", project, "assessments"])
            .map_err(|_| CaptchaError::invalid_argument("endpoint must be an http(s) URL"))?;
        assessments_url.query_pairs_mut().append_pair("key", api_key);
        let timeout = timeout_option("timeoutMs", config.timeout_ms, DEFAULT_TIMEOUT_MS)?;
        let transport = Transport::shared(&TransportConfig {
            connect_timeout: PROVIDER_CONNECT_TIMEOUT,
            proxy: config.proxy.clone(),
            extra_roots: config.ca.clone(),
        })?;
        Ok(Self {
            assessments_url,
            endpoint,
            api_key: api_key.to_owned(),
            forms: SecretForms::new(api_key),
            site_key: site_key.to_owned(),
            retry: Retry {
                timeout,
                retries: retries_option(config.retries, DEFAULT_RETRIES, MAX_RETRIES)?,
                delay: Box::new(doubling_delay),
                lifetime: TOKEN_LIFETIME,
                // A `Retry-After` longer than one attempt's deadline ends the retries.
                max_wait: Some(timeout),
            },
            transport,
        })
    }

    /// The outcome of an option refused before any request: a misconfiguration that rejects a
    /// `TypeError`.
    pub fn unusable_options<T>(error: CaptchaError) -> Outcome<T> {
        Outcome::misconfigured(INVALID_ARGUMENT, Err(error))
    }

    /// Creates an assessment of `token` (`None`: the caller passed something other than a
    /// string) and judges it: our verdict, which resolves whether it passed or not.
    pub async fn assess(&self, token: Option<&str>, call: &Assess) -> Outcome<Verdict> {
        if let Err(error) = check_assess(call) {
            return Self::unusable_options(error);
        }
        let token = match token {
            None => return local_refusal("MALFORMED"),
            Some("") => return local_refusal("MISSING"),
            Some(token) if token.len() > MAX_TOKEN_LENGTH => return local_refusal("MALFORMED"),
            Some(token) => token,
        };
        let body = Body {
            event: Event {
                token,
                site_key: &self.site_key,
                expected_action: given(&call.expected_action),
                user_ip_address: given(&call.user_ip_address),
                user_agent: given(&call.user_agent),
                requested_uri: given(&call.requested_uri),
            },
        };
        // Strings and options of strings: serialising cannot fail.
        let body = Bytes::from(serde_json::to_vec(&body).unwrap_or_default());
        match self.ask(&self.assessments_url, body, false, Some(call)).await {
            Retried::Done {
                value: Ok(verdict),
                lost,
                attempts,
            } => {
                let duplicate = verdict.kind == Kind::Refused && verdict.code.as_deref() == Some(DUPLICATE_TOKEN);
                match lost.filter(|_| duplicate) {
                    Some((why, reason)) => Outcome::unavailable(
                        why,
                        Err(unavailable(attempts).with_detail(format!(
                            "{reason}; the retry found the token already assessed (DUPE), perhaps by that attempt"
                        ))),
                    ),
                    None => verdict,
                }
            }
            Retried::Done { value: Err(error), .. } => self.misconfigured(error),
            Retried::NoAnswer { why, reason, attempts } => {
                Outcome::unavailable(why, Err(unavailable(attempts).with_detail(reason)))
            }
        }
    }

    /// Annotates an assessment (`name` as `assess` resolved it): `LEGITIMATE`, `FRAUDULENT`,
    /// `PASSWORD_CORRECT` or `PASSWORD_INCORRECT`, with Google's reason words. Resolves Google's
    /// empty answer.
    pub async fn annotate(&self, name: &str, annotation: &str, reasons: &[String]) -> Outcome<Value> {
        if !is_assessment_name(name) {
            return Self::unusable_options(CaptchaError::invalid_argument(
                "name must be an assessment's name, projects/{project}/assessments/{id}",
            ));
        }
        if !ANNOTATIONS.contains(&annotation) {
            return Self::unusable_options(CaptchaError::invalid_argument(format!(
                "annotation must be one of {}",
                ANNOTATIONS.join(", ")
            )));
        }
        if reasons.len() > 32 || !reasons.iter().all(|reason| is_enum_word(reason)) {
            return Self::unusable_options(CaptchaError::invalid_argument(
                "reasons must be at most 32 of Google's reason words (CHARGEBACK, PASSED_TWO_FACTOR...)",
            ));
        }
        let mut segments: Vec<&str> = vec!["v1"];
        let (head, id) = name.rsplit_once('/').unwrap_or((name, ""));
        segments.extend(head.split('/'));
        let last = format!("{id}:annotate");
        segments.push(&last);
        let Ok(mut url) = append_path(&self.endpoint, segments) else {
            return Self::unusable_options(CaptchaError::invalid_argument("name makes no URL"));
        };
        url.query_pairs_mut().append_pair("key", &self.api_key);
        let body = Bytes::from(serde_json::to_vec(&Annotation { annotation, reasons }).unwrap_or_default());
        // Annotating twice says the same thing twice: safe to repeat.
        match self.ask(&url, body, true, None).await {
            Retried::Done { value: Ok(_), .. } => Outcome::verified(Value::Object(Map::new())),
            Retried::Done { value: Err(error), .. } => self.misconfigured(error),
            Retried::NoAnswer { why, reason, attempts } => {
                Outcome::unavailable(why, Err(unavailable(attempts).with_detail(reason)))
            }
        }
    }

    /// Posts `body` to `url` until an answer, a refusal, the end of the retries or of the token's
    /// life.
    /// `call`: the answer must be an assessment (it has its `name`), judged for `call`; `None`:
    /// annotate's, which is `{}`.
    async fn ask(&self, url: &Url, body: Bytes, idempotent: bool, call: Option<&Assess>) -> Retried<Answered> {
        let post = Post {
            url,
            headers: &[(CONTENT_TYPE, HeaderValue::from_static("application/json"))],
            body,
            idempotent,
            who: "reCAPTCHA Enterprise",
        };
        retrying(&self.transport, &post, &self.retry, |answer| {
            self.read_attempt(answer, call)
        })
        .await
    }

    fn read_attempt(&self, answer: Answer, call: Option<&Assess>) -> Step<Answered> {
        let status = answer.status;
        if let Some(call) = call.filter(|_| (200..300).contains(&status)) {
            if let Some(verdict) = answer.body.as_deref().and_then(|body| self.as_sent(body, call)) {
                return Step::Done(Ok(verdict));
            }
        }
        if status == 429 || status >= 500 {
            return Step::Retryable {
                reason: format!("reCAPTCHA Enterprise answered {status}"),
                why: Unavailable::of_status(status),
                retry_after: answer.retry_after_seconds().map(Duration::from_secs),
                reached: status != 429,
            };
        }
        // Read only now: a 429 or 5xx is retried whatever its body says.
        let json = serde_json::from_slice::<Value>(answer.body.as_deref().unwrap_or_default()).ok();
        if (200..300).contains(&status) {
            return match json {
                // A 2xx object with no assessment's name (a proxy's `{}`) would refuse every
                // visitor as an invalid token: it is no answer, and is retried.
                Some(Value::Object(fields)) if call.is_some() && !fields.get("name").is_some_and(Value::is_string) => {
                    Step::Retryable {
                        reason: "reCAPTCHA Enterprise's answer is not an assessment (no name)".into(),
                        why: Unavailable::MalformedResponse,
                        retry_after: None,
                        reached: true,
                    }
                }
                Some(Value::Object(fields)) => Step::Done(Ok(match call {
                    Some(call) => as_verdict(self.judge(fields, call)),
                    None => Outcome::verified(Verdict::Value(Value::Object(Map::new()))),
                })),
                _ => Step::Retryable {
                    reason: "reCAPTCHA Enterprise's answer is not a JSON object".into(),
                    why: Unavailable::MalformedResponse,
                    retry_after: None,
                    reached: true,
                },
            };
        }
        Step::Done(Err(self.google_error(status, json.as_ref())))
    }

    /// The parts of a Google API error we may repeat: its words, and its message scrubbed of the
    /// key and cut.
    fn google_error(&self, status: u16, json: Option<&Value>) -> GoogleError {
        let error = json.and_then(|json| json.get("error"));
        let word = |value: Option<&Value>| {
            value
                .and_then(Value::as_str)
                .filter(|w| is_enum_word(w))
                .map(str::to_owned)
        };
        let reason = error
            .and_then(|error| error.get("details"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find_map(|detail| word(detail.get("reason")));
        let message = error
            .and_then(|error| error.get("message"))
            .and_then(Value::as_str)
            // A short key would match ordinary words: leave the text out rather than mangle it.
            .filter(|_| self.forms.searchable())
            .map(|text| cut(self.forms.scrub(text).into_owned()));
        GoogleError {
            status,
            word: word(error.and_then(|error| error.get("status"))),
            reason,
            message,
        }
    }

    /// A Google API error as a misconfiguration: `RecaptchaEnterpriseMisconfigured`.
    fn misconfigured<T>(&self, error: GoogleError) -> Outcome<T> {
        let code = error
            .reason
            .as_deref()
            .or(error.word.as_deref())
            .map_or_else(|| UNEXPECTED_STATUS.to_owned(), str::to_ascii_lowercase);
        let said: Vec<&str> = [error.word.as_deref(), error.reason.as_deref()]
            .into_iter()
            .flatten()
            .collect();
        let mut rejected = CaptchaError::new(ErrorKind::RecaptchaEnterpriseMisconfigured)
            .with_message(format!(
                "reCAPTCHA Enterprise refused the request ({}{}{}): check apiKey, projectId, siteKey and endpoint",
                error.status,
                if said.is_empty() { "" } else { " " },
                said.join(", ")
            ))
            .with_status(error.status)
            .with_field("googleStatus", error.word)
            .with_field("reason", error.reason);
        if let Some(message) = error.message {
            rejected = rejected.with_detail(format!("Google answered: {message}"));
        }
        Outcome::misconfigured(code, Err(rejected))
    }

    /// Google's assessment and our checks, as the verdict.
    fn judge(&self, mut fields: Map<String, Value>, call: &Assess) -> Outcome<Value> {
        if self.forms.searchable() {
            self.forms.scrub_fields(&mut fields);
        }
        let token = fields
            .remove("tokenProperties")
            .and_then(|value| match value {
                Value::Object(map) => Some(map),
                _ => None,
            })
            .unwrap_or_default();
        let risk = fields
            .remove("riskAnalysis")
            .filter(Value::is_object)
            .unwrap_or_else(|| Value::Object(Map::new()));
        let valid = token.get("valid") == Some(&Value::Bool(true));
        let reason = token
            .get("invalidReason")
            .and_then(Value::as_str)
            .filter(|reason| is_enum_word(reason))
            .unwrap_or("INVALID_REASON_UNSPECIFIED")
            .to_owned();
        let text = |name: &str| token.get(name).and_then(Value::as_str).unwrap_or_default();
        let mut codes: Vec<&'static str> = Vec::new();
        if !valid {
            codes.push(invalid_reason_code(&reason));
        } else {
            if let Some(expected) = call.expected_action.as_deref().filter(|a| !a.is_empty()) {
                if text("action") != expected {
                    codes.push(ACTION_MISMATCH);
                }
            }
            if let Some(min) = call.min_score {
                let score = risk.get("score").and_then(Value::as_f64);
                // proto3 JSON leaves a score of 0 out: no score is 0.
                if score.unwrap_or(0.0) < min {
                    codes.push(SCORE_THRESHOLD_NOT_MET);
                }
            }
            if let Some(hostnames) = &call.expected_hostname {
                let hostname = text("hostname");
                if !hostnames.iter().any(|expected| expected.eq_ignore_ascii_case(hostname)) {
                    codes.push(HOSTNAME_MISMATCH);
                }
            }
        }
        let mut properties = Map::new();
        properties.insert("valid".into(), Value::Bool(valid));
        properties.insert("invalidReason".into(), Value::from(reason));
        for name in ["hostname", "androidPackageName", "iosBundleId", "action", "createTime"] {
            if let Some(value) = token.get(name).filter(|value| value.is_string()) {
                properties.insert(name.into(), value.clone());
            }
        }
        let mut verdict = Map::new();
        verdict.insert("passed".into(), Value::Bool(codes.is_empty()));
        verdict.insert(
            "errorCodes".into(),
            Value::Array(codes.iter().map(|code| Value::from(*code)).collect()),
        );
        if let Some(name) = fields.remove("name").filter(Value::is_string) {
            verdict.insert("name".into(), name);
        }
        verdict.insert("tokenProperties".into(), Value::Object(properties));
        verdict.insert("riskAnalysis".into(), risk);
        // The rest as Google sent it (account defender, fraud prevention...), but not the event,
        // which only echoes our request.
        for (name, value) in fields {
            if name != "event" && is_word(&name, 64) && !verdict.contains_key(&name) {
                verdict.insert(name, value);
            }
        }
        match codes.first() {
            None => Outcome::verified(Value::Object(verdict)),
            Some(code) => Outcome::refused(*code, Ok(Value::Object(verdict))),
        }
    }

    /// The common assessment, judged without building it: a JSON object whose text holds no form
    /// of the key and no backslash (so no escape can spell one, and every string is its text),
    /// no field twice at any depth, no number `Value` would write otherwise and no deep nesting,
    /// with an assessment's name. Its verdict is written directly, `riskAnalysis` and the other
    /// fields spliced in as their text, whitespace left out: the text `judge` gives of it.
    /// `None` for anything else, which is parsed and judged as before.
    fn as_sent(&self, body: &[u8], call: &Assess) -> Option<Outcome<Verdict>> {
        let text = std::str::from_utf8(body).ok()?;
        if text.contains('\\') || (self.forms.searchable() && self.forms.held_by(text)) {
            return None;
        }
        // Checks the whole text (trailing characters included), and that it is an object.
        let Fields(mut fields) = serde_json::from_str::<Fields>(text).ok()?;
        if !plain(text) {
            return None;
        }
        // What `judge` does with the parsed object, in its order: `remove` is `swap_remove`.
        fn take<'a>(fields: &mut Vec<(&'a str, &'a RawValue)>, name: &str) -> Option<&'a str> {
            let at = fields.iter().position(|(field, _)| *field == name)?;
            Some(fields.swap_remove(at).1.get())
        }
        let token = match take(&mut fields, "tokenProperties") {
            Some(raw) if raw.starts_with('{') => serde_json::from_str::<TokenProperties>(raw).ok()?,
            _ => TokenProperties::default(),
        };
        let risk = take(&mut fields, "riskAnalysis").filter(|raw| raw.starts_with('{'));
        // A 2xx without an assessment's name is no answer: `read_attempt` says so.
        let name = take(&mut fields, "name").filter(|raw| raw.starts_with('"'))?;
        let valid = token.valid.is_some_and(|raw| raw.get() == "true");
        let reason = string(token.invalid_reason)
            .filter(|reason| is_enum_word(reason))
            .unwrap_or("INVALID_REASON_UNSPECIFIED");
        let mut codes: Vec<&'static str> = Vec::new();
        if !valid {
            codes.push(invalid_reason_code(reason));
        } else {
            if let Some(expected) = call.expected_action.as_deref().filter(|a| !a.is_empty()) {
                if string(token.action).unwrap_or_default() != expected {
                    codes.push(ACTION_MISMATCH);
                }
            }
            if let Some(min) = call.min_score {
                let score = match risk {
                    Some(raw) => serde_json::from_str::<Risk>(raw)
                        .ok()?
                        .score
                        .and_then(|score| serde_json::from_str::<f64>(score.get()).ok()),
                    None => None,
                };
                // proto3 JSON leaves a score of 0 out: no score is 0.
                if score.unwrap_or(0.0) < min {
                    codes.push(SCORE_THRESHOLD_NOT_MET);
                }
            }
            if let Some(hostnames) = &call.expected_hostname {
                let hostname = string(token.hostname).unwrap_or_default();
                if !hostnames.iter().any(|expected| expected.eq_ignore_ascii_case(hostname)) {
                    codes.push(HOSTNAME_MISMATCH);
                }
            }
        }
        let mut json = String::with_capacity(256 + text.len() / 2);
        json.push_str(if codes.is_empty() {
            "{\"passed\":true,\"errorCodes\":["
        } else {
            "{\"passed\":false,\"errorCodes\":["
        });
        for (at, code) in codes.iter().enumerate() {
            // Our codes: plain words, nothing to escape.
            if at > 0 {
                json.push(',');
            }
            json.push('"');
            json.push_str(code);
            json.push('"');
        }
        json.push_str("],\"name\":");
        json.push_str(name);
        json.push_str(if valid {
            ",\"tokenProperties\":{\"valid\":true,\"invalidReason\":\""
        } else {
            ",\"tokenProperties\":{\"valid\":false,\"invalidReason\":\""
        });
        // An enum word or our default: nothing to escape.
        json.push_str(reason);
        json.push('"');
        for (field, value) in [
            ("hostname", token.hostname),
            ("androidPackageName", token.android_package_name),
            ("iosBundleId", token.ios_bundle_id),
            ("action", token.action),
            ("createTime", token.create_time),
        ] {
            // A string with no backslash is written as it came.
            if let Some(value) = value.map(RawValue::get).filter(|raw| raw.starts_with('"')) {
                json.push_str(",\"");
                json.push_str(field);
                json.push_str("\":");
                json.push_str(value);
            }
        }
        json.push_str("},\"riskAnalysis\":");
        push_compact(&mut json, risk.unwrap_or("{}"));
        for (field, value) in fields {
            // Not the event, nor a name the verdict has; each once (`plain`): a word, which
            // needs no escape.
            if field != "event"
                && is_word(field, 64)
                && !["passed", "errorCodes", "name", "tokenProperties", "riskAnalysis"].contains(&field)
            {
                json.push_str(",\"");
                json.push_str(field);
                json.push_str("\":");
                push_compact(&mut json, value.get());
            }
        }
        json.push('}');
        Some(match codes.first() {
            None => Outcome::verified(Verdict::Text(json)),
            Some(code) => Outcome::refused(*code, Ok(Verdict::Text(json))),
        })
    }
}

/// An answer's top-level fields in the order sent, each as its text.
struct Fields<'a>(Vec<(&'a str, &'a RawValue)>);

impl<'de> Deserialize<'de> for Fields<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Object;
        impl<'de> Visitor<'de> for Object {
            type Value = Fields<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut fields = Vec::with_capacity(8);
                while let Some(name) = map.next_key::<&'de str>()? {
                    fields.push((name, map.next_value::<&'de RawValue>()?));
                }
                Ok(Fields(fields))
            }
        }
        deserializer.deserialize_map(Object)
    }
}

/// What `judge` reads of `tokenProperties`, each field as its text.
#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct TokenProperties<'a> {
    #[serde(borrow)]
    valid: Option<&'a RawValue>,
    #[serde(borrow)]
    invalid_reason: Option<&'a RawValue>,
    #[serde(borrow)]
    hostname: Option<&'a RawValue>,
    #[serde(borrow)]
    android_package_name: Option<&'a RawValue>,
    #[serde(borrow)]
    ios_bundle_id: Option<&'a RawValue>,
    #[serde(borrow)]
    action: Option<&'a RawValue>,
    #[serde(borrow)]
    create_time: Option<&'a RawValue>,
}

/// What `judge` reads of `riskAnalysis`.
#[derive(Deserialize)]
struct Risk<'a> {
    #[serde(borrow)]
    score: Option<&'a RawValue>,
}

/// A field's string, when it is one: in a text with no backslash, what lies between its quotes.
fn string(value: Option<&RawValue>) -> Option<&str> {
    value
        .map(RawValue::get)
        .and_then(|raw| raw.strip_prefix('"'))
        .and_then(|raw| raw.strip_suffix('"'))
}

/// Whether a JSON text (checked by serde_json, with no backslash) is one a `Value` holds and
/// writes again as it is, but for whitespace: no object with a name twice, nesting no deeper
/// than `MAX_PLAIN_DEPTH`, and every number written as `Value` writes it (`1e400`, `0.90`, `1E2`
/// or `-0` are not).
fn plain(text: &str) -> bool {
    let bytes = text.as_bytes();
    // The names of the open objects, and where each open object's (or array's: `None`) begin.
    let mut names: Vec<&str> = Vec::new();
    let mut open: Vec<Option<usize>> = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        match bytes[at] {
            b'{' | b'[' => {
                open.push((bytes[at] == b'{').then_some(names.len()));
                if open.len() > MAX_PLAIN_DEPTH {
                    return false;
                }
                at += 1;
            }
            b'}' | b']' => {
                if let Some(Some(start)) = open.pop() {
                    names.truncate(start);
                }
                at += 1;
            }
            b'"' => {
                let Some(length) = text[at + 1..].find('"') else {
                    return false;
                };
                let end = at + 1 + length;
                let next = bytes[end + 1..].iter().find(|b| !b.is_ascii_whitespace());
                if next == Some(&b':') {
                    if let Some(Some(start)) = open.last() {
                        let name = &text[at + 1..end];
                        if names[*start..].contains(&name) {
                            return false;
                        }
                        names.push(name);
                    }
                }
                at = end + 1;
            }
            b'-' | b'0'..=b'9' => {
                let end = bytes[at..]
                    .iter()
                    .position(|b| !matches!(b, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'))
                    .map_or(bytes.len(), |length| at + length);
                let number = &text[at..end];
                if !serde_json::from_str::<Number>(number).is_ok_and(|parsed| parsed.to_string() == number) {
                    return false;
                }
                at = end;
            }
            _ => at += 1,
        }
    }
    true
}

/// A JSON text (checked, with no backslash) appended without its whitespace between tokens.
fn push_compact(json: &mut String, raw: &str) {
    let mut rest = raw;
    while let Some(at) = rest.find(|c: char| c == '"' || c.is_ascii_whitespace()) {
        json.push_str(&rest[..at]);
        if rest.as_bytes()[at] == b'"' {
            let end = rest[at + 1..].find('"').map_or(rest.len(), |length| at + length + 2);
            json.push_str(&rest[at..end]);
            rest = &rest[end..];
        } else {
            rest = &rest[at + 1..];
        }
    }
    json.push_str(rest);
}

/// An option given and not empty.
fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().filter(|value| !value.is_empty())
}

/// Refuses an unusable option of `assess`.
fn check_assess(call: &Assess) -> Result<(), CaptchaError> {
    if call.min_score.is_some_and(|score| !(0.0..=1.0).contains(&score)) {
        return Err(CaptchaError::invalid_argument("minScore must be a number from 0 to 1"));
    }
    for (name, value) in [
        ("expectedAction", &call.expected_action),
        ("userIpAddress", &call.user_ip_address),
        ("userAgent", &call.user_agent),
        ("requestedUri", &call.requested_uri),
    ] {
        if value.as_ref().is_some_and(|value| value.len() > MAX_FIELD_LENGTH) {
            return Err(CaptchaError::invalid_argument(format!(
                "{name} must be at most {MAX_FIELD_LENGTH} bytes"
            )));
        }
    }
    if call.expected_hostname.as_ref().is_some_and(Vec::is_empty) {
        return Err(CaptchaError::invalid_argument(
            "expectedHostname must be a non-empty string or a non-empty list of them",
        ));
    }
    Ok(())
}

/// The error when no answer came.
fn unavailable(attempts: u32) -> CaptchaError {
    CaptchaError::new(ErrorKind::RecaptchaEnterpriseUnavailable).with_field("attempts", attempts)
}

/// A verdict we give without asking, as Google would answer: the token invalid for `reason`.
fn local_refusal(reason: &str) -> Outcome<Verdict> {
    let code = invalid_reason_code(reason);
    let verdict = serde_json::json!({
        "passed": false,
        "errorCodes": [code],
        "tokenProperties": { "valid": false, "invalidReason": reason },
        "riskAnalysis": {},
    });
    Outcome::refused(code, Ok(Verdict::Value(verdict)))
}

/// A verdict built as a tree, as it crosses.
fn as_verdict(outcome: Outcome<Value>) -> Outcome<Verdict> {
    Outcome {
        kind: outcome.kind,
        code: outcome.code,
        value: outcome.value.map(Verdict::Value),
    }
}

#[cfg(test)]
mod tests;
