//! Playtcha: its server contract as a client. Fail closed on a 4xx (and on an empty token), fail
//! open when the verifier is unavailable, unless told to fail closed. No retries: tokens are
//! single use.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{HeaderValue, ACCEPT, CONTENT_TYPE};
use reqwest::{Method, Url};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::errors::{scrub, CaptchaError, ErrorKind};
use crate::outcome::{provider_code, Kind, Outcome, Unavailable, INVALID_ARGUMENT};
use crate::transport::{
    api_host_base, append_path, timeout_option, Answer, ProxySetting, Request, Transport, TransportConfig,
    PROVIDER_CONNECT_TIMEOUT,
};

pub const DEFAULT_API_HOST: &str = "https://playtcha.com";
pub const DEFAULT_TIMEOUT_MS: u64 = 5_000;
/// Playtcha's tokens are well under a kilobyte; a longer one is refused without a request.
pub const MAX_TOKEN_LENGTH: usize = 16 * 1024;
/// Upstream texts put in an error are cut to this many characters.
const MAX_UPSTREAM_TEXT: usize = 512;

/// What `verify` resolves. It crosses to JavaScript as JSON text (`to_json`): one `JSON.parse`
/// costs the event loop less than a property write through N-API per field.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlaytchaResultData {
    /// Always `true`: anything else rejects.
    pub success: bool,
    /// `true` when the verifier was unavailable and the policy let the request through.
    pub failed_open: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub challenge_ts: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    /// The project crossed a monthly usage band: still verified; log `degradedReason`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub degraded: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub degraded_reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    /// Set when `failedOpen`: `server_error`, `timeout`, `network_error` or `malformed_response`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unavailable_reason: Option<&'static str>,
    /// Set when `failedOpen` after an HTTP answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
}

impl PlaytchaResultData {
    /// The JSON text that crosses to JavaScript: the fields that are set, in this order.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a struct of strings, booleans and finite numbers serializes")
    }
}

/// Codes of a 4xx that say our request or secret is wrong, not the token: a misconfiguration.
pub const MISCONFIGURED: [&str; 5] = [
    "bad_secret",
    "invalid_json",
    "invalid_body",
    "http_error",
    "unexpected_redirect",
];

/// The caller's options. No `Debug`: it holds the secret.
#[derive(Clone, Default)]
pub struct Options {
    pub secret: String,
    pub api_host: Option<String>,
    pub timeout_ms: Option<f64>,
    pub fail_closed: bool,
    pub proxy: ProxySetting,
    /// PEM certificate authorities trusted besides the system's (checked by `ca_roots`).
    pub ca: Vec<String>,
}

/// A configured Playtcha client: immutable, shared by every request.
pub struct PlaytchaClient {
    secret: String,
    url: Url,
    deadline: Duration,
    fail_closed: bool,
    transport: Arc<Transport>,
}

#[derive(Serialize)]
struct VerifyBody<'a> {
    secret: &'a str,
    token: &'a str,
}

/// A 2xx answer: the fields we read. Mistyped optional fields are dropped, not fatal.
#[derive(Deserialize)]
struct Success {
    success: Value,
    #[serde(default)]
    challenge_ts: Value,
    #[serde(default)]
    hostname: Value,
    #[serde(default)]
    degraded: Value,
    #[serde(default)]
    degraded_reason: Value,
    #[serde(default)]
    action: Value,
    #[serde(default)]
    score: Value,
}

/// The error envelope of a non-2xx answer.
#[derive(Deserialize, Default)]
struct Envelope {
    #[serde(default)]
    error: ErrorBody,
}

#[derive(Deserialize, Default)]
struct ErrorBody {
    code: Option<Value>,
    message: Option<Value>,
    request_id: Option<Value>,
    hint: Option<Value>,
    host: Option<Value>,
}

fn text(value: &Value) -> Option<String> {
    value.as_str().map(str::to_owned)
}

impl PlaytchaClient {
    pub fn new(options: Options) -> Result<Self, CaptchaError> {
        let secret = options.secret.trim().to_owned();
        if secret.is_empty() {
            return Err(CaptchaError::invalid_argument("secret must not be null or empty"));
        }
        let url = api_host_base(options.api_host.as_deref().unwrap_or(DEFAULT_API_HOST))
            .and_then(|base| append_path(&base, ["v1", "verify"]))
            .map_err(|_| CaptchaError::invalid_argument("apiHost must be an http(s) URL without credentials"))?;
        let deadline = timeout_option("timeoutMs", options.timeout_ms, DEFAULT_TIMEOUT_MS)?;
        let transport = Transport::shared(&TransportConfig {
            connect_timeout: PROVIDER_CONNECT_TIMEOUT,
            proxy: options.proxy,
            extra_roots: options.ca,
        })?;
        Ok(Self {
            secret,
            url,
            deadline,
            fail_closed: options.fail_closed,
            transport,
        })
    }

    /// Verifies a token. `token` is `None` when the caller passed something other than a string.
    /// A result resolves (one that failed open is `Unavailable`); an error rejects.
    pub async fn verify(&self, token: Option<&str>) -> Outcome<PlaytchaResultData> {
        match self.result(token).await {
            Ok(result) => match result.unavailable_reason {
                Some(reason) if result.failed_open => Outcome::with(Kind::Unavailable, reason, Ok(result)),
                _ => Outcome::verified(result),
            },
            Err(error) => {
                let code = |name: &str| error.field(name).and_then(|code| code.as_str()).map(str::to_owned);
                match error.kind {
                    ErrorKind::PlaytchaUnavailable => {
                        let reason = code("reason").unwrap_or_else(|| Unavailable::NetworkError.as_str().into());
                        Outcome::with(Kind::Unavailable, reason, Err(error))
                    }
                    ErrorKind::PlaytchaRejected => {
                        let code = code("code")
                            .as_deref()
                            .and_then(provider_code)
                            .unwrap_or_else(|| "http_error".into());
                        if MISCONFIGURED.contains(&code.as_str()) {
                            Outcome::misconfigured(code, Err(error))
                        } else {
                            Outcome::refused(code, Err(error))
                        }
                    }
                    _ => Outcome::misconfigured(INVALID_ARGUMENT, Err(error)),
                }
            }
        }
    }

    /// `verify` as the contract's client sees it: the result, or the error.
    async fn result(&self, token: Option<&str>) -> Result<PlaytchaResultData, CaptchaError> {
        let token = match token {
            None | Some("") => {
                return Err(self.rejected("token_missing", None, "the Playtcha token is missing or not a string"))
            }
            Some(token) if token.len() > MAX_TOKEN_LENGTH => {
                return Err(self.rejected("token_invalid", None, "the Playtcha token is too long to be one"))
            }
            Some(token) => token,
        };
        let body = serde_json::to_vec(&VerifyBody {
            secret: &self.secret,
            token,
        })
        .map_err(|_| CaptchaError::invalid_argument("the token cannot be sent as JSON"))?;
        let request = Request {
            method: Method::POST,
            url: &self.url,
            headers: &[
                (CONTENT_TYPE, HeaderValue::from_static("application/json")),
                (ACCEPT, HeaderValue::from_static("application/json")),
            ],
            body: Bytes::from(body),
            idempotent: false,
        };
        match self.transport.execute(request, self.deadline, |_| true).await {
            Ok(answer) => self.read(answer),
            Err(failure) => self.unavailable(Unavailable::of(&failure), None, None, &failure.to_string()),
        }
    }

    fn read(&self, answer: Answer) -> Result<PlaytchaResultData, CaptchaError> {
        let status = answer.status;
        let body = answer.body.as_deref().unwrap_or_default();
        if (200..300).contains(&status) {
            return match serde_json::from_slice::<Success>(body) {
                Ok(fields) if fields.success == Value::Bool(true) => Ok(PlaytchaResultData {
                    success: true,
                    failed_open: false,
                    challenge_ts: text(&fields.challenge_ts),
                    hostname: text(&fields.hostname),
                    degraded: fields.degraded.as_bool(),
                    degraded_reason: text(&fields.degraded_reason),
                    action: text(&fields.action),
                    score: fields.score.as_f64(),
                    unavailable_reason: None,
                    status: None,
                }),
                _ => self.unavailable(
                    Unavailable::MalformedResponse,
                    Some(status),
                    None,
                    "a 2xx answer without success: true",
                ),
            };
        }
        let envelope = serde_json::from_slice::<Envelope>(body).unwrap_or_default().error;
        if status >= 500 {
            return self.unavailable(
                Unavailable::ServerError,
                Some(status),
                Some(&envelope),
                &format!("Playtcha answered {status}"),
            );
        }
        // A 4xx is a verdict: fail closed. So is a 3xx: a redirect means `apiHost` is wrong,
        // and letting every request through on a wrong configuration is not an outage policy.
        let default_code = if status < 400 {
            "unexpected_redirect"
        } else {
            "http_error"
        };
        let code = self
            .upstream(envelope.code.as_ref())
            .unwrap_or_else(|| default_code.into());
        let mut message = format!("Playtcha refused the verification ({status} {code})");
        if let Some(upstream) = self.upstream(envelope.message.as_ref()) {
            message.push_str(": ");
            message.push_str(&upstream);
        }
        let mut error = self
            .rejected(&code, Some(status), &message)
            .with_field("requestId", self.upstream(envelope.request_id.as_ref()))
            .with_field("hint", self.upstream(envelope.hint.as_ref()))
            .with_field("host", self.upstream(envelope.host.as_ref()));
        if status == 429 {
            // The contract: never retry tighter than a second, whatever the header says.
            error = error.with_field("retryAfter", answer.retry_after_seconds().unwrap_or(1).max(1));
        }
        Err(error)
    }

    fn rejected(&self, code: &str, status: Option<u16>, message: &str) -> CaptchaError {
        let mut error = CaptchaError::new(ErrorKind::PlaytchaRejected)
            .with_message(message)
            .with_field("code", code);
        if let Some(status) = status {
            error = error.with_status(status);
        }
        error
    }

    /// Fail open (resolve with the reason) or, with `failClosed`, reject.
    fn unavailable(
        &self,
        reason: Unavailable,
        status: Option<u16>,
        envelope: Option<&ErrorBody>,
        detail: &str,
    ) -> Result<PlaytchaResultData, CaptchaError> {
        if !self.fail_closed {
            return Ok(PlaytchaResultData {
                success: true,
                failed_open: true,
                unavailable_reason: Some(reason.as_str()),
                status,
                ..Default::default()
            });
        }
        let mut error = CaptchaError::new(ErrorKind::PlaytchaUnavailable)
            .with_message(format!("Playtcha is unavailable ({})", reason.as_str()))
            .with_detail(self.scrub(detail))
            .with_field("reason", reason.as_str());
        if let Some(status) = status {
            error = error.with_status(status);
        }
        if let Some(envelope) = envelope {
            error = error
                .with_field("code", self.upstream(envelope.code.as_ref()))
                .with_field("requestId", self.upstream(envelope.request_id.as_ref()));
        }
        Err(error)
    }

    /// An upstream string, fit for an error: cut short, and never holding the secret.
    fn upstream(&self, value: Option<&Value>) -> Option<String> {
        // Scrub first: a cut through the secret would leave a piece that no longer matches.
        let scrubbed = self.scrub(value?.as_str()?);
        Some(scrubbed.chars().take(MAX_UPSTREAM_TEXT).collect())
    }

    fn scrub(&self, text: &str) -> String {
        scrub(text, &self.secret).into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::RETRY_AFTER;

    fn client(fail_closed: bool) -> PlaytchaClient {
        PlaytchaClient::new(Options {
            secret: "  s3cret-value ".into(),
            api_host: Some("http://127.0.0.1:9/".into()),
            fail_closed,
            proxy: ProxySetting::Disabled,
            ..Default::default()
        })
        .unwrap()
    }

    #[test]
    fn the_secret_is_trimmed_and_the_url_has_one_slash() {
        let c = client(false);
        assert_eq!(c.secret, "s3cret-value");
        assert_eq!(c.url.as_str(), "http://127.0.0.1:9/v1/verify");
        for bad in ["", "  "] {
            let options = Options {
                secret: bad.into(),
                ..Default::default()
            };
            assert!(PlaytchaClient::new(options).is_err());
        }
        for host in ["ftp://x", "http://user:pw@x", "not a url"] {
            let options = Options {
                secret: "s".into(),
                api_host: Some(host.into()),
                ..Default::default()
            };
            assert!(PlaytchaClient::new(options).is_err(), "{host}");
        }
    }

    #[test]
    fn the_result_crosses_as_json_with_only_the_fields_that_are_set() {
        let verified = client(false)
            .read(Answer::scripted(
                200,
                r#"{"success":true,"hostname":"example.com","score":0.5,"extra":1}"#,
            ))
            .unwrap();
        assert_eq!(
            verified.to_json(),
            r#"{"success":true,"failedOpen":false,"hostname":"example.com","score":0.5}"#
        );
        let failed_open = client(false).read(Answer::scripted(503, "")).unwrap();
        assert_eq!(
            failed_open.to_json(),
            r#"{"success":true,"failedOpen":true,"unavailableReason":"server_error","status":503}"#
        );
    }

    #[test]
    fn a_2xx_with_success_resolves_with_its_fields_degraded_included() {
        let result = client(false)
            .read(Answer::scripted(
                200,
                r#"{"success":true,"challenge_ts":"2026-11-21T10:00:00.000Z","hostname":"example.com","degraded":true,"degraded_reason":"monthly_usage_band","action":"login","score":0.7}"#,
            ))
            .unwrap();
        assert_eq!(
            result,
            PlaytchaResultData {
                success: true,
                failed_open: false,
                challenge_ts: Some("2026-11-21T10:00:00.000Z".into()),
                hostname: Some("example.com".into()),
                degraded: Some(true),
                degraded_reason: Some("monthly_usage_band".into()),
                action: Some("login".into()),
                score: Some(0.7),
                unavailable_reason: None,
                status: None,
            }
        );
    }

    #[test]
    fn unavailable_answers_fail_open_or_closed() {
        for (status, body) in [
            (200, r#"{"success":false}"#),
            (200, r#"{"success":"true"}"#),
            (200, "<html>"),
            (204, ""),
            (
                500,
                r#"{"error":{"code":"db_error","message":"x","request_id":"req_1"}}"#,
            ),
            (503, ""),
        ] {
            let open = client(false).read(Answer::scripted(status, body)).unwrap();
            assert!(open.success && open.failed_open, "{status} {body}");
            assert_eq!(open.status, Some(status));
            let closed = client(true).read(Answer::scripted(status, body)).unwrap_err();
            assert_eq!(closed.kind, ErrorKind::PlaytchaUnavailable);
            assert_eq!(closed.status, Some(status));
        }
        let closed = client(true)
            .read(Answer::scripted(
                500,
                r#"{"error":{"code":"db_error","request_id":"req_1"}}"#,
            ))
            .unwrap_err();
        assert_eq!(
            (
                closed.field("reason").unwrap().as_str(),
                closed.field("code").unwrap().as_str()
            ),
            (Some("server_error"), Some("db_error"))
        );
    }

    #[test]
    fn a_4xx_fails_closed_with_the_envelope_and_never_the_secret() {
        let mut limited = Answer::scripted(
            429,
            r#"{"error":{"code":"rate_limited_ip","message":"slow down s3cret-value","request_id":"req_9","hint":"wait","host":"playtcha.com"}}"#,
        );
        limited.headers.insert(RETRY_AFTER, "7".parse().unwrap());
        for fail_closed in [false, true] {
            let error = client(fail_closed).read(limited.clone()).unwrap_err();
            assert_eq!(error.kind, ErrorKind::PlaytchaRejected);
            assert_eq!(error.status, Some(429));
            assert_eq!(error.field("code").unwrap(), "rate_limited_ip");
            assert_eq!(error.field("requestId").unwrap(), "req_9");
            assert_eq!(error.field("hint").unwrap(), "wait");
            assert_eq!(error.field("host").unwrap(), "playtcha.com");
            assert_eq!(error.field("retryAfter").unwrap(), 7);
            let message = error.message.unwrap();
            assert!(!message.contains("s3cret"), "{message}");
            assert!(message.contains("rate_limited_ip"));
        }
        let html = client(false).read(Answer::scripted(404, "<html>")).unwrap_err();
        assert_eq!(html.field("code").unwrap(), "http_error");
        assert!(html.field("requestId").is_none());
        let redirect = client(false).read(Answer::scripted(301, "")).unwrap_err();
        assert_eq!(redirect.field("code").unwrap(), "unexpected_redirect");
    }

    #[tokio::test]
    async fn an_empty_token_is_refused_even_when_failing_open() {
        let c = client(false);
        for token in [None, Some("")] {
            let error = c.verify(token).await.value.unwrap_err();
            assert_eq!(error.kind, ErrorKind::PlaytchaRejected);
            assert_eq!(error.field("code").unwrap(), "token_missing");
            assert_eq!(error.status, None);
        }
        let long = "x".repeat(MAX_TOKEN_LENGTH + 1);
        assert_eq!(
            *c.verify(Some(&long)).await.value.unwrap_err().field("code").unwrap(),
            "token_invalid"
        );
        // Nothing listens on port 9: the verifier is unavailable, and the policy fails open.
        let open = c.verify(Some("token")).await.value.unwrap();
        assert_eq!(open.unavailable_reason, Some("network_error"));
    }
}

#[cfg(test)]
mod fuzz {
    use super::*;
    use crate::fuzzing::json_soup;
    use proptest::prelude::*;
    use reqwest::header::{HeaderMap, HeaderValue, RETRY_AFTER};

    const SECRET: &str = "pk_fuzz_secret_0123456789";

    /// Text around which a hostile server may echo the secret, cut anywhere.
    fn echoing() -> impl Strategy<Value = String> {
        // Up to 600 characters before it: past the 512 at which upstream texts are cut.
        ("[ -~]{0,600}", "[ -~]{0,300}", any::<bool>()).prop_map(|(before, after, echo)| {
            if echo {
                format!("{before}{SECRET}{after}")
            } else {
                format!("{before}{after}")
            }
        })
    }

    /// Playtcha's error envelope, with any of its texts echoing the secret.
    fn envelope() -> impl Strategy<Value = String> {
        (echoing(), echoing(), echoing(), echoing(), echoing()).prop_map(|(code, message, request_id, hint, host)| {
            serde_json::json!({ "error": { "code": code, "message": message, "request_id": request_id, "hint": hint, "host": host } })
                .to_string()
        })
    }

    fn client() -> PlaytchaClient {
        PlaytchaClient::new(Options {
            secret: SECRET.into(),
            api_host: Some("http://127.0.0.1:9".into()),
            proxy: ProxySetting::Disabled,
            ..Default::default()
        })
        .unwrap()
    }

    /// What crosses to JavaScript: the result, or the error as its marked JSON.
    fn shown(outcome: Result<PlaytchaResultData, CaptchaError>) -> String {
        match outcome {
            Ok(result) => result.to_json(),
            Err(error) => serde_json::to_string(&error).unwrap(),
        }
    }

    proptest! {
        /// A 4xx or 5xx envelope whose texts echo the secret, whole or cut at any length:
        /// no error that reaches JavaScript holds it.
        #[test]
        fn an_envelope_echoing_the_secret_never_shows_it(status in 300u16..600, body in envelope()) {
            let shown = shown(client().read(Answer::scripted(status, body)));
            // Nor half of it: texts are scrubbed before they are cut, never after.
            prop_assert!(!shown.contains(&SECRET[..SECRET.len() / 2]), "{}", shown);
        }

        /// Any answer resolves or rejects without a panic, and the secret, even when a hostile
        /// server echoes it anywhere in its answer, is in no error that reaches JavaScript.
        #[test]
        fn any_answer_is_read_and_never_shows_the_secret(
            status in 100u16..600,
            soup in json_soup(),
            echo_at in proptest::option::of(0usize..64),
            retry_after in "[0-9A-Za-z ,:]{0,40}",
        ) {
            let mut body = soup;
            if let Some(at) = echo_at {
                let at = body.char_indices().map(|(i, _)| i).nth(at).unwrap_or(body.len());
                body.insert_str(at, SECRET);
            }
            let mut headers = HeaderMap::new();
            if let Ok(value) = HeaderValue::from_str(&retry_after) {
                headers.insert(RETRY_AFTER, value);
            }
            let shown = shown(client().read(Answer { headers, ..Answer::scripted(status, body) }));
            prop_assert!(!shown.contains(SECRET), "{}", shown);
        }
    }
}
