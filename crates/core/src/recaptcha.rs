//! reCAPTCHA `authorize`: the contract of Wix's `wix-captcha-backend`, as plain Rust. One call
//! to Google's siteverify (retried only while no verdict came), then our optional checks.

use std::time::{Duration, Instant};

use reqwest::Url;
use serde_json::{Map, Value};

use crate::errors::{CaptchaError, ErrorKind};
use crate::outcome::{provider_code, Outcome, Unavailable};
use crate::siteverify::checks::score_option;
use crate::siteverify::{exchange, retries_option, siteverify_url, Exchange, Reading, Retry, Site};
use crate::transport::{
    timeout_option, ProxySetting, Transport, TransportConfig, MAX_TIMEOUT_MS, PROVIDER_CONNECT_TIMEOUT,
};

pub const DEFAULT_SITEVERIFY_URL: &str = "https://www.google.com/recaptcha/api/siteverify";
pub const DEFAULT_TIMEOUT_MS: u64 = 5_000;
pub const DEFAULT_RETRIES: u32 = 10;
pub const DEFAULT_RETRY_DELAY_MS: u64 = 1_000;
/// Tokens live two minutes: no attempt starts, and none runs, past that.
pub const TOKEN_LIFETIME: Duration = Duration::from_secs(120);
/// More retries than this cannot fit in a token's life anyway.
const MAX_RETRIES: f64 = 1_000.0;
/// Google's tokens are a few kilobytes; a longer one is refused without a request.
pub const MAX_TOKEN_LENGTH: usize = 64 * 1024;

/// Our own `errorCodes`, next to Google's.
pub use crate::siteverify::checks::{ACTION_MISMATCH, HOSTNAME_MISMATCH, SCORE_THRESHOLD_NOT_MET};
pub use crate::siteverify::{UNAVAILABLE as SITEVERIFY_UNAVAILABLE, UNEXPECTED_STATUS as SITEVERIFY_UNEXPECTED_STATUS};

/// The caller's options, already merged with `configureRecaptcha()` and the environment. No
/// `Debug`: it holds the secret.
#[derive(Clone, Default)]
pub struct Options {
    pub secret_key: Option<String>,
    pub remote_ip: Option<String>,
    pub siteverify_url: Option<String>,
    pub timeout_ms: Option<f64>,
    pub retries: Option<f64>,
    pub retry_delay_ms: Option<f64>,
    pub expected_hostname: Option<Vec<String>>,
    pub expected_action: Option<String>,
    pub min_score: Option<f64>,
    pub proxy: ProxySetting,
    /// PEM certificate authorities trusted besides the system's (checked by `ca_roots`).
    pub ca: Vec<String>,
}

/// Options checked and resolved to their defaults.
struct Settings {
    url: Url,
    timeout: Duration,
    retries: u32,
    retry_delay: Duration,
    checks: Checks,
    proxy: ProxySetting,
    ca: Vec<String>,
}

/// The optional checks on a successful verdict.
#[derive(Debug, Default, Clone)]
pub struct Checks {
    /// Lower-cased.
    pub hostnames: Option<Vec<String>>,
    /// Lower-cased.
    pub action: Option<String>,
    pub min_score: Option<f64>,
}

fn settings(options: &Options) -> Result<Settings, CaptchaError> {
    let url = siteverify_url(options.siteverify_url.as_deref(), DEFAULT_SITEVERIFY_URL)?;
    let retries = retries_option(options.retries, DEFAULT_RETRIES, MAX_RETRIES)?;
    let retry_delay = match options.retry_delay_ms {
        None => Duration::from_millis(DEFAULT_RETRY_DELAY_MS),
        Some(ms) if (0.0..=MAX_TIMEOUT_MS).contains(&ms) => Duration::from_micros((ms * 1000.0) as u64),
        Some(_) => {
            return Err(CaptchaError::invalid_argument(
                "retryDelayMs must be a number of milliseconds, 0 or more",
            ))
        }
    };
    let min_score = score_option("minScore", options.min_score)?;
    let hostnames = match &options.expected_hostname {
        Some(names) if names.is_empty() || names.iter().any(|n| n.trim().is_empty()) => {
            return Err(CaptchaError::invalid_argument(
                "expectedHostname must be a non-empty string or a non-empty list of them",
            ))
        }
        names => names
            .as_ref()
            .map(|names| names.iter().map(|n| n.trim().to_lowercase()).collect()),
    };
    Ok(Settings {
        url,
        timeout: timeout_option("timeoutMs", options.timeout_ms, DEFAULT_TIMEOUT_MS)?,
        retries,
        retry_delay,
        checks: Checks {
            hostnames,
            action: options.expected_action.as_ref().map(|a| a.trim().to_lowercase()),
            min_score,
        },
        proxy: options.proxy.clone(),
        ca: options.ca.clone(),
    })
}

/// `Request failed with status code <N>`, carrying `error`, `statusCode` and `errorCodes`.
pub fn rejection(kind: ErrorKind, status: u16, codes: &[&str]) -> CaptchaError {
    let message = format!("Request failed with status code {status}");
    CaptchaError::new(kind)
        .with_message(message.clone())
        .with_field("error", message)
        .with_field("statusCode", status)
        .with_field("errorCodes", codes.iter().map(|c| Value::from(*c)).collect::<Vec<_>>())
}

fn refused(status: u16, codes: &[&str]) -> CaptchaError {
    rejection(ErrorKind::RecaptchaRejected, status, codes)
}

/// Google's verdict and our checks: `Ok` only when Google said success and every check holds.
pub fn judge(verdict: &Map<String, Value>, checks: &Checks) -> Result<(), CaptchaError> {
    if verdict.get("success") != Some(&Value::Bool(true)) {
        let codes: Vec<&str> = verdict
            .get("error-codes")
            .and_then(Value::as_array)
            .map(|codes| codes.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        // Google's codes that mean our configuration is wrong (500), not the token (400): the
        // siteverify engine's list.
        let status = if codes.iter().any(|c| Site::Recaptcha.is_configuration_code(c)) {
            500
        } else {
            400
        };
        return Err(refused(status, &codes));
    }
    let text = |name: &str| verdict.get(name).and_then(Value::as_str).map(str::to_lowercase);
    let mut failed = Vec::new();
    if let Some(expected) = &checks.hostnames {
        let seen = text("hostname").or_else(|| text("apk_package_name"));
        if !seen.is_some_and(|seen| expected.contains(&seen)) {
            failed.push(HOSTNAME_MISMATCH);
        }
    }
    if let Some(expected) = &checks.action {
        if text("action").as_ref() != Some(expected) {
            failed.push(ACTION_MISMATCH);
        }
    }
    if let Some(min) = checks.min_score {
        // A v2 answer has no score: it cannot meet a threshold.
        if !verdict.get("score").and_then(Value::as_f64).is_some_and(|s| s >= min) {
            failed.push(SCORE_THRESHOLD_NOT_MET);
        }
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(refused(400, &failed))
    }
}

/// Checks a token with Google. `token` is `None` when the caller passed something other than a
/// string (or nothing).
pub async fn authorize(token: Option<&str>, options: &Options) -> Result<(), CaptchaError> {
    verify(token, options).await.value
}

/// `authorize` as an outcome: it resolves only when verified; the error says the rest.
pub async fn verify(token: Option<&str>, options: &Options) -> Outcome<()> {
    authorize_within(token, options, TOKEN_LIFETIME).await
}

/// The outcome of options only the binding could check (a proxy, `ca`): a misconfiguration.
pub fn unusable_options(error: CaptchaError) -> Outcome<()> {
    rejected(error)
}

/// What a rejection means. Wix's status says it: 400 is a verdict against the token, 500 a
/// configuration Google (or a check of ours) refused; the first of its codes says why.
fn rejected(error: CaptchaError) -> Outcome<()> {
    let status = error.field("statusCode").and_then(Value::as_u64);
    let code = error
        .field("errorCodes")
        .and_then(|codes| codes.get(0))
        .and_then(Value::as_str)
        .and_then(provider_code)
        .unwrap_or_else(|| ErrorKind::RecaptchaRejected.code());
    if error.kind == ErrorKind::RecaptchaRejected && status == Some(400) {
        Outcome::refused(code, Err(error))
    } else if error.kind == ErrorKind::RecaptchaRejected {
        Outcome::misconfigured(code, Err(error))
    } else {
        Outcome::misconfigured(error.kind.code(), Err(error))
    }
}

/// `authorize`, with no attempt running past `lifetime` from now.
async fn authorize_within(token: Option<&str>, options: &Options, lifetime: Duration) -> Outcome<()> {
    let started = Instant::now();
    let settings = match settings(options) {
        Ok(settings) => settings,
        Err(error) => return rejected(error),
    };
    let token = match token {
        None => return rejected(refused(400, &["invalid-input-response"])),
        Some("") => return rejected(refused(400, &["missing-input-response"])),
        Some(token) if token.len() > MAX_TOKEN_LENGTH => return rejected(refused(400, &["invalid-input-response"])),
        Some(token) => token,
    };
    let Some(secret) = options.secret_key.as_deref().map(str::trim).filter(|s| !s.is_empty()) else {
        return rejected(refused(500, &["missing-input-secret"]));
    };
    let body = {
        let mut form = form_urlencoded::Serializer::new(String::new());
        form.append_pair("secret", secret).append_pair("response", token);
        if let Some(ip) = options.remote_ip.as_deref().filter(|ip| !ip.is_empty()) {
            form.append_pair("remoteip", ip);
        }
        form.finish()
    };
    let transport = match Transport::shared(&TransportConfig {
        connect_timeout: PROVIDER_CONNECT_TIMEOUT,
        proxy: settings.proxy.clone(),
        extra_roots: settings.ca.clone(),
    }) {
        Ok(transport) => transport,
        Err(error) => return rejected(error),
    };

    let retry_delay = settings.retry_delay;
    let retry = Retry {
        timeout: settings.timeout,
        retries: settings.retries,
        delay: Box::new(move |_| retry_delay),
        lifetime: lifetime.saturating_sub(started.elapsed()),
        // Wix's retries wait out any Retry-After that fits the token's life.
        max_wait: None,
    };
    let reading = Reading {
        site: Site::Recaptcha,
        secret,
        idempotent: false,
    };
    match exchange(&transport, &settings.url, body, &retry, &reading).await {
        Exchange::Verdict(fields) => match judge(&fields, &settings.checks) {
            Ok(()) => Outcome::verified(()),
            Err(error) => rejected(error),
        },
        Exchange::Unexpected(status) => rejected(refused(500, &[SITEVERIFY_UNEXPECTED_STATUS]).with_detail(format!(
            "siteverify answered {status}, which it never does: check siteverifyUrl"
        ))),
        Exchange::NoVerdict { why, reason, attempts } => unavailable(why, attempts, reason),
        // Wix's shape is Google's answer, a 400 (the spec); the kind says what it is: no verdict
        // on the token, which our own lost attempt may have redeemed.
        Exchange::Redeemed {
            fields, why, reason, ..
        } => {
            // A refusal always fails `judge`; the fallback only keeps this total.
            let error = judge(&fields, &settings.checks)
                .err()
                .unwrap_or_else(|| refused(400, &[]));
            Outcome::unavailable(why, Err(error.with_detail(reason)))
        }
    }
}

/// No verdict after `attempts`: Wix's 503.
fn unavailable(why: Unavailable, attempts: u32, reason: String) -> Outcome<()> {
    Outcome::unavailable(why, Err(Site::Recaptcha.unavailable(attempts).with_detail(reason)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn verdict(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => panic!("not an object"),
        }
    }

    fn codes_and_status(error: &CaptchaError) -> (u64, Vec<String>) {
        let status = error.field("statusCode").unwrap().as_u64().unwrap();
        let codes = error
            .field("errorCodes")
            .unwrap()
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap().to_owned())
            .collect();
        (status, codes)
    }

    #[test]
    fn rejections_carry_message_error_status_and_codes() {
        let error = refused(400, &["timeout-or-duplicate"]);
        assert_eq!(error.message.as_deref(), Some("Request failed with status code 400"));
        assert_eq!(error.field("error").unwrap(), "Request failed with status code 400");
        assert_eq!(codes_and_status(&error), (400, vec!["timeout-or-duplicate".into()]));
    }

    #[test]
    fn google_codes_about_the_secret_are_500_the_rest_400() {
        let none = Checks::default();
        for (codes, status) in [
            (json!(["invalid-input-secret"]), 500),
            (json!(["missing-input-response", "missing-input-secret"]), 500),
            (json!(["timeout-or-duplicate"]), 400),
            (json!(["bad-request"]), 400),
            (json!([]), 400),
        ] {
            let error = judge(&verdict(json!({ "success": false, "error-codes": codes })), &none).unwrap_err();
            assert_eq!(error.kind, ErrorKind::RecaptchaRejected);
            assert_eq!(codes_and_status(&error).0, status, "{codes}");
        }
        assert!(judge(&verdict(json!({ "success": true })), &none).is_ok());
    }

    #[test]
    fn hostname_action_and_score_checks_are_case_insensitive_and_all_reported() {
        let checks = Checks {
            hostnames: Some(vec!["example.com".into(), "www.example.com".into()]),
            action: Some("login".into()),
            min_score: Some(0.5),
        };
        let pass = json!({"success": true, "hostname": "WWW.Example.com", "action": "LOGIN", "score": 0.5});
        assert!(judge(&verdict(pass), &checks).is_ok());
        let android = json!({"success": true, "apk_package_name": "example.com", "action": "login", "score": 0.9});
        assert!(judge(&verdict(android), &checks).is_ok());
        let error = judge(
            &verdict(json!({"success": true, "hostname": "evil.com", "action": "signup", "score": 0.1})),
            &checks,
        )
        .unwrap_err();
        assert_eq!(
            codes_and_status(&error),
            (
                400,
                vec![
                    HOSTNAME_MISMATCH.to_owned(),
                    ACTION_MISMATCH.to_owned(),
                    SCORE_THRESHOLD_NOT_MET.to_owned()
                ]
            )
        );
        // A v2 answer has no action or score to meet the checks with.
        let v2 = judge(&verdict(json!({"success": true, "hostname": "example.com"})), &checks).unwrap_err();
        assert_eq!(codes_and_status(&v2).1, [ACTION_MISMATCH, SCORE_THRESHOLD_NOT_MET]);
    }

    #[test]
    fn options_are_checked() {
        let bad = [
            Options {
                siteverify_url: Some("not a url".into()),
                ..Default::default()
            },
            Options {
                siteverify_url: Some("ftp://h/x".into()),
                ..Default::default()
            },
            Options {
                retries: Some(-1.0),
                ..Default::default()
            },
            Options {
                retries: Some(1.5),
                ..Default::default()
            },
            Options {
                retry_delay_ms: Some(f64::NAN),
                ..Default::default()
            },
            Options {
                min_score: Some(1.5),
                ..Default::default()
            },
            Options {
                expected_hostname: Some(vec![]),
                ..Default::default()
            },
            Options {
                timeout_ms: Some(0.0),
                ..Default::default()
            },
        ];
        for options in bad {
            assert_eq!(
                settings(&options).err().map(|e| e.kind),
                Some(ErrorKind::InvalidArgument)
            );
        }
        let fine = settings(&Options {
            retries: Some(0.0),
            retry_delay_ms: Some(0.0),
            ..Default::default()
        })
        .unwrap();
        assert_eq!((fine.retries, fine.retry_delay), (0, Duration::ZERO));
        assert_eq!(fine.url.as_str(), DEFAULT_SITEVERIFY_URL);
    }

    #[test]
    fn the_documented_defaults() {
        let defaults = settings(&Options::default()).unwrap();
        assert_eq!(defaults.url.as_str(), "https://www.google.com/recaptcha/api/siteverify");
        assert_eq!(defaults.timeout, Duration::from_millis(5_000));
        assert_eq!(defaults.retries, 10);
        assert_eq!(defaults.retry_delay, Duration::from_millis(1_000));
    }

    #[tokio::test]
    async fn no_attempt_runs_past_the_token_lifetime() {
        // A server that accepts and never answers; each attempt would otherwise take timeoutMs.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let held = tokio::spawn(async move {
            let mut sockets = Vec::new();
            while let Ok((socket, _)) = listener.accept().await {
                sockets.push(socket);
            }
        });
        let options = Options {
            secret_key: Some("s".into()),
            siteverify_url: Some(format!("http://{address}/")),
            timeout_ms: Some(5_000.0),
            retry_delay_ms: Some(0.0),
            proxy: ProxySetting::Disabled,
            ..Default::default()
        };
        let started = Instant::now();
        let error = authorize_within(Some("t"), &options, Duration::from_millis(300))
            .await
            .value
            .unwrap_err();
        assert_eq!(error.kind, ErrorKind::RecaptchaUnavailable);
        assert!(
            started.elapsed() < Duration::from_millis(1_500),
            "{:?}",
            started.elapsed()
        );
        held.abort();
    }

    #[tokio::test]
    async fn tokens_and_secrets_are_checked_before_any_request() {
        // An address nothing listens on: a request would fail differently (503).
        let options = Options {
            siteverify_url: Some("http://127.0.0.1:9/recaptcha/api/siteverify".into()),
            proxy: ProxySetting::Disabled,
            retries: Some(0.0),
            ..Default::default()
        };
        let status_of = |result: Result<(), CaptchaError>| codes_and_status(&result.unwrap_err());
        assert_eq!(
            status_of(authorize(Some(""), &options).await),
            (400, vec!["missing-input-response".into()])
        );
        assert_eq!(
            status_of(authorize(None, &options).await),
            (400, vec!["invalid-input-response".into()])
        );
        let long = "x".repeat(MAX_TOKEN_LENGTH + 1);
        assert_eq!(status_of(authorize(Some(&long), &options).await).0, 400);
        assert_eq!(
            status_of(authorize(Some("t"), &options).await),
            (500, vec!["missing-input-secret".into()])
        );
        let with_secret = Options {
            secret_key: Some("s".into()),
            ..options
        };
        let unavailable = authorize(Some("t"), &with_secret).await.unwrap_err();
        assert_eq!(unavailable.kind, ErrorKind::RecaptchaUnavailable);
        assert_eq!(
            codes_and_status(&unavailable),
            (503, vec![SITEVERIFY_UNAVAILABLE.into()])
        );
        assert_eq!(unavailable.field("attempts").unwrap(), 1);
    }
}

#[cfg(test)]
mod fuzz {
    use super::*;
    use crate::fuzzing::json_soup;
    use proptest::prelude::*;

    proptest! {
        /// Any verdict is judged, with any checks, without a panic. (Reading any answer is
        /// `siteverify`'s, and fuzzed there.)
        #[test]
        fn any_verdict_is_judged(
            body in json_soup(),
            min_score in proptest::option::of(-1.0f64..2.0),
            action in proptest::option::of("[a-z]{0,6}"),
        ) {
            if let Ok(Value::Object(fields)) = serde_json::from_str::<Value>(&body) {
                let checks = Checks { hostnames: Some(vec!["example.com".into()]), action, min_score };
                let _ = judge(&fields, &checks);
            }
        }
    }
}
