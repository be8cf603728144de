//! Swetrix CAPTCHA: the protocol of `@swetrix/captcha-validator` 1.0.0, as plain Rust. It never
//! fails: every outcome is `[ok, data]`, with the package's texts byte for byte.

use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{HeaderValue, CONTENT_TYPE};
use reqwest::{Method, Url};
use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::Value;

use crate::errors::{scrub, CaptchaError};
use crate::outcome::{Outcome, Unavailable, INVALID_ARGUMENT};
use crate::transport::{Failure, ProxySetting, Request, Transport, TransportConfig, PROVIDER_CONNECT_TIMEOUT};

/// The JS package has no timeout at all; ours bounds every call.
pub const DEFAULT_TIMEOUT_MS: u64 = 10_000;

/// The longest request body sent; a longer one resolves `[false, 'CAPTCHA validation failed']`.
pub const MAX_BODY_LENGTH: usize = 64 * 1024;

pub const VALIDATION_FAILED: &str = "CAPTCHA validation failed";

/// What `validateToken` resolves: `[true, data]` (`Ok`: the server's `data` as raw JSON text,
/// `None` when there was none) or `[false, message]` (`Err`), with its kind.
pub type SwetrixOutcome = Outcome<Option<String>, String>;

/// The code of a `success: false` answer (and of a body too large to hold a token).
pub const VALIDATION_FAILED_CODE: &str = "validation_failed";
/// The code of a 4xx answer other than 429 (an expired or reused token, a wrong secret: the
/// package tells them apart only by the server's text).
pub const REQUEST_FAILED_CODE: &str = "request_failed";

/// Validates a token. `body` is the JSON the caller's `JSON.stringify({ token, secret })`
/// produced, so the bytes on the wire are the JS package's; `secret` (when a string) is cut out
/// of any server text the outcome quotes.
pub async fn validate(
    url: &str,
    body: String,
    secret: Option<&str>,
    deadline: Duration,
    proxy: ProxySetting,
    ca: Vec<String>,
) -> SwetrixOutcome {
    // A token is a few hundred bytes: a body this large cannot hold a valid one, so save the
    // upload (the server's body limit would refuse it anyway).
    if body.len() > MAX_BODY_LENGTH {
        return validation_failed();
    }
    let url = match request_url(url) {
        Some(url) => url,
        None => return misconfigured("TypeError: Invalid URL".into()),
    };
    let transport = match Transport::shared(&TransportConfig {
        connect_timeout: PROVIDER_CONNECT_TIMEOUT,
        proxy,
        extra_roots: ca,
    }) {
        Ok(transport) => transport,
        Err(error) => return unusable_options(error),
    };
    let request = Request {
        method: Method::POST,
        url: &url,
        headers: &[(CONTENT_TYPE, HeaderValue::from_static("application/json"))],
        body: Bytes::from(body),
        idempotent: false,
    };
    match transport.execute(request, deadline, |_| true).await {
        Ok(answer) => outcome_of(answer.status, &answer.body.unwrap_or_default(), secret),
        Err(Failure::InvalidUrl) => misconfigured(NodeErrorText(&Failure::InvalidUrl, &url).to_string()),
        Err(failure) => no_response(Unavailable::of(&failure), NodeErrorText(&failure, &url).to_string()),
    }
}

/// What `validateToken` resolves for options that native code refuses (an unusable timeout,
/// proxy or `ca`): the package's text for a request it could not make.
pub fn unusable_options(error: CaptchaError) -> SwetrixOutcome {
    misconfigured(format!("TypeError: {}", error.message.unwrap_or_default()))
}

/// The URL the package requests, or `None` for one it could not (`new URL` would throw).
fn request_url(url: &str) -> Option<Url> {
    let parsed = Url::parse(url).ok()?;
    (matches!(parsed.scheme(), "http" | "https") && parsed.has_host()).then_some(parsed)
}

/// What `validateToken` resolves when JavaScript could not even make the request (the token's
/// or the options' lookup threw): the package's text for `error_text`, a misconfiguration when
/// the error is a `TypeError` (a bad option, a value that cannot be sent), else no answer.
pub fn request_not_made(error_text: &str, type_error: bool) -> SwetrixOutcome {
    if type_error {
        misconfigured(error_text.to_owned())
    } else {
        no_response(Unavailable::NetworkError, error_text.to_owned())
    }
}

/// No answer: the package's text for a request that failed, and why.
fn no_response(reason: Unavailable, error_text: String) -> SwetrixOutcome {
    Outcome::unavailable(reason, Err(request_failed_text(&error_text)))
}

/// A request that could not be made for our configuration: the package's text for it (a
/// `TypeError`, as Node's is).
fn misconfigured(error_text: String) -> SwetrixOutcome {
    Outcome::misconfigured(INVALID_ARGUMENT, Err(request_failed_text(&error_text)))
}

fn request_failed_text(error_text: &str) -> String {
    format!("Unable to make API request, error: {error_text}")
}

fn validation_failed() -> SwetrixOutcome {
    Outcome::refused(VALIDATION_FAILED_CODE, Err(VALIDATION_FAILED.into()))
}

/// The package's reading of an answer. The body is quoted as the package quotes it, except for
/// any copy of `secret` in it.
pub fn outcome_of(status: u16, body: &[u8], secret: Option<&str>) -> SwetrixOutcome {
    let text = String::from_utf8_lossy(body);
    let quoted = || secret.map_or(text.as_ref().into(), |secret| scrub(&text, secret));
    if status >= 400 {
        let message = Err(format!("Request failed with status code {status}: {}", quoted()));
        // As the package's users read it: 429 and 5xx are no verdict; any other status from 400
        // (a 6xx included) is the server's refusal.
        return if status == 429 || (500..600).contains(&status) {
            Outcome::unavailable(Unavailable::of_status(status), message)
        } else {
            Outcome::refused(REQUEST_FAILED_CODE, message)
        };
    }
    match serde_json::from_str::<Envelope>(&text) {
        Ok(Envelope { success: true, data }) => Outcome::verified(data.map(|raw| raw.get().to_owned())),
        Ok(_) => validation_failed(),
        Err(_) => Outcome::unavailable(
            Unavailable::MalformedResponse,
            Err(format!("Unable to parse JSON response: {}", quoted())),
        ),
    }
}

/// The two fields the package reads from a parsed body: `success` (by JavaScript truthiness)
/// and `data`, kept as raw text so JavaScript gets exactly what `JSON.parse` would give (key
/// order included). A later duplicate key wins, as in `JSON.parse`; a body that is not an
/// object (JSON `null` included) has no truthy `success`.
#[derive(Default)]
struct Envelope {
    success: bool,
    data: Option<Box<RawValue>>,
}

impl<'de> serde::Deserialize<'de> for Envelope {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EnvelopeVisitor;

        impl<'de> Visitor<'de> for EnvelopeVisitor {
            type Value = Envelope;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Envelope, A::Error> {
                let mut envelope = Envelope::default();
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "success" => envelope.success = is_truthy(&map.next_value::<Value>()?),
                        "data" => envelope.data = Some(map.next_value::<Box<RawValue>>()?),
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(envelope)
            }

            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Envelope, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Envelope::default())
            }

            fn visit_bool<E>(self, _: bool) -> Result<Envelope, E> {
                Ok(Envelope::default())
            }
            fn visit_i64<E>(self, _: i64) -> Result<Envelope, E> {
                Ok(Envelope::default())
            }
            fn visit_u64<E>(self, _: u64) -> Result<Envelope, E> {
                Ok(Envelope::default())
            }
            fn visit_f64<E>(self, _: f64) -> Result<Envelope, E> {
                Ok(Envelope::default())
            }
            fn visit_str<E>(self, _: &str) -> Result<Envelope, E> {
                Ok(Envelope::default())
            }
            fn visit_unit<E>(self) -> Result<Envelope, E> {
                Ok(Envelope::default())
            }
        }

        deserializer.deserialize_any(EnvelopeVisitor)
    }
}

/// JavaScript's truthiness of a JSON value.
fn is_truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0 && !f.is_nan()),
        Value::String(s) => !s.is_empty(),
        Value::Array(_) | Value::Object(_) => true,
    }
}

/// The `String(error)` Node gives for a request that got no answer, e.g.
/// `Error: connect ECONNREFUSED 127.0.0.1:1`. Built from the host and port only: never a path,
/// a query or credentials.
struct NodeErrorText<'a>(&'a Failure, &'a Url);

impl fmt::Display for NodeErrorText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let url = self.1;
        let host = url
            .host_str()
            .unwrap_or_default()
            .trim_start_matches('[')
            .trim_end_matches(']');
        let port = url.port_or_known_default().unwrap_or_default();
        match self.0 {
            Failure::ConnectionRefused => write!(f, "Error: connect ECONNREFUSED {host}:{port}"),
            Failure::HostNotFound => write!(f, "Error: getaddrinfo ENOTFOUND {host}"),
            Failure::ConnectionReset => f.write_str("Error: socket hang up"),
            Failure::ConnectTimeout => write!(f, "Error: connect ETIMEDOUT {host}:{port}"),
            Failure::DeadlineExceeded(deadline) => write!(f, "Error: timeout of {}ms exceeded", deadline.as_millis()),
            Failure::BodyTooLarge => write!(
                f,
                "Error: maxContentLength size of {} exceeded",
                crate::transport::MAX_BODY_BYTES
            ),
            Failure::InvalidUrl => f.write_str("TypeError: Invalid URL"),
            Failure::Other(text) => write!(f, "Error: {text}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tuple `validateToken` resolves, as the package would.
    #[derive(Debug, PartialEq)]
    pub(super) enum Tuple {
        Valid(Option<String>),
        Invalid(String),
    }

    pub(super) fn tuple(outcome: SwetrixOutcome) -> Tuple {
        match outcome.value {
            Ok(data) => Tuple::Valid(data),
            Err(message) => Tuple::Invalid(message),
        }
    }

    /// The tuple of an answer read with no secret to hide.
    pub(super) fn read(status: u16, body: &[u8]) -> Tuple {
        tuple(outcome_of(status, body, None))
    }

    fn invalid(text: &str) -> Tuple {
        Tuple::Invalid(text.into())
    }

    /// The kind and code of an answer.
    fn kind(status: u16, body: &[u8]) -> (&'static str, Option<String>) {
        let outcome = outcome_of(status, body, None);
        (outcome.kind.as_str(), outcome.code.map(String::from))
    }

    #[test]
    fn each_answer_has_its_kind_whatever_the_text() {
        let code = |text: &str| Some(text.to_owned());
        assert_eq!(kind(200, br#"{"success":true}"#), ("verified", None));
        assert_eq!(
            kind(200, br#"{"success":false}"#),
            ("refused", code("validation_failed"))
        );
        assert_eq!(kind(400, b"Token expired"), ("refused", code("request_failed")));
        assert_eq!(kind(403, b""), ("refused", code("request_failed")));
        assert_eq!(kind(429, b""), ("unavailable", code("rate_limited")));
        assert_eq!(kind(502, b""), ("unavailable", code("server_error")));
        assert_eq!(kind(600, b""), ("refused", code("request_failed")));
        assert_eq!(kind(200, b"<html>"), ("unavailable", code("malformed_response")));
        let options = unusable_options(CaptchaError::invalid_argument("timeoutMs must be above 0"));
        assert_eq!(
            (options.kind.as_str(), options.code.as_deref()),
            ("misconfigured", Some("invalid_argument"))
        );
    }

    #[test]
    fn answers_are_read_as_the_package_reads_them() {
        assert_eq!(
            read(200, br#"{"success":true,"data":{"b":1,"a":[2]}}"#),
            Tuple::Valid(Some(r#"{"b":1,"a":[2]}"#.into()))
        );
        assert_eq!(read(200, br#"{"success":true}"#), Tuple::Valid(None));
        assert_eq!(
            read(302, br#"{"success":1,"data":null}"#),
            Tuple::Valid(Some("null".into()))
        );
        assert_eq!(
            read(200, br#"{"success":true,"data":1,"data":2}"#),
            Tuple::Valid(Some("2".into()))
        );
        for falsy in [
            r#"{"success":false,"data":{}}"#,
            r#"{"success":0}"#,
            r#"{"success":""}"#,
            r#"{"success":null}"#,
            r#"{}"#,
            "null",
            "[true]",
            "true",
            "\"success\"",
            "1",
        ] {
            assert_eq!(read(200, falsy.as_bytes()), invalid(VALIDATION_FAILED), "{falsy}");
        }
        for truthy in [
            r#"{"success":"yes"}"#,
            r#"{"success":[]}"#,
            r#"{"success":{}}"#,
            r#"{"success":-1}"#,
        ] {
            assert!(matches!(read(200, truthy.as_bytes()), Tuple::Valid(_)), "{truthy}");
        }
    }

    #[test]
    fn statuses_from_400_carry_the_raw_body() {
        assert_eq!(
            read(
                400,
                br#"{"message":"Token expired","error":"Bad Request","statusCode":400}"#
            ),
            invalid(
                r#"Request failed with status code 400: {"message":"Token expired","error":"Bad Request","statusCode":400}"#
            )
        );
        assert_eq!(read(503, b""), invalid("Request failed with status code 503: "));
        assert_eq!(
            read(500, b"bad \xff byte"),
            invalid("Request failed with status code 500: bad \u{fffd} byte")
        );
    }

    #[test]
    fn a_quoted_body_never_shows_the_secret_and_only_the_body_is_touched() {
        let echo = br#"<pre>{"token":"t","secret":"sw-s3cret"}</pre>"#;
        assert_eq!(
            tuple(outcome_of(500, echo, Some("sw-s3cret"))),
            invalid(r#"Request failed with status code 500: <pre>{"token":"t","secret":"[redacted]"}</pre>"#)
        );
        assert_eq!(
            tuple(outcome_of(200, echo, Some("sw-s3cret"))),
            invalid(r#"Unable to parse JSON response: <pre>{"token":"t","secret":"[redacted]"}</pre>"#)
        );
        // A one-letter secret hides itself in the body, never in our own words around it.
        assert_eq!(
            tuple(outcome_of(503, b"s", Some("s"))),
            invalid("Request failed with status code 503: [redacted]")
        );
        // A success is the server's data, untouched.
        assert_eq!(
            tuple(outcome_of(
                200,
                br#"{"success":true,"data":"sw-s3cret"}"#,
                Some("sw-s3cret")
            )),
            Tuple::Valid(Some(r#""sw-s3cret""#.into()))
        );
    }

    #[test]
    fn bodies_that_are_not_json_are_quoted() {
        assert_eq!(read(200, b""), invalid("Unable to parse JSON response: "));
        assert_eq!(
            read(200, b"<html>down</html>"),
            invalid("Unable to parse JSON response: <html>down</html>")
        );
        assert_eq!(
            read(200, br#"{"success":true"#),
            invalid(r#"Unable to parse JSON response: {"success":true"#)
        );
    }

    #[test]
    fn node_error_texts_name_only_the_host_and_port() {
        let url = Url::parse("http://user:pw@127.0.0.1:1/v1/captcha/validate?secret=s").unwrap();
        let text = |failure: Failure| NodeErrorText(&failure, &url).to_string();
        assert_eq!(
            text(Failure::ConnectionRefused),
            "Error: connect ECONNREFUSED 127.0.0.1:1"
        );
        assert_eq!(
            text(Failure::DeadlineExceeded(Duration::from_millis(250))),
            "Error: timeout of 250ms exceeded"
        );
        let v6 = Url::parse("https://[::1]/x").unwrap();
        assert_eq!(
            NodeErrorText(&Failure::ConnectionRefused, &v6).to_string(),
            "Error: connect ECONNREFUSED ::1:443"
        );
        let dns = Url::parse("https://nowhere.invalid/x").unwrap();
        assert_eq!(
            NodeErrorText(&Failure::HostNotFound, &dns).to_string(),
            "Error: getaddrinfo ENOTFOUND nowhere.invalid"
        );
    }

    #[test]
    fn only_http_urls_with_a_host_are_requested() {
        assert!(request_url("HTTPS://API.example.com/v1/captcha/validate").is_some_and(|u| u.scheme() == "https"));
        for bad in [
            "/validate",
            "undefined/validate",
            "ftp://h/validate",
            "http://[::1/validate",
            "5/validate",
        ] {
            assert!(request_url(bad).is_none(), "{bad}");
        }
    }
}

#[cfg(test)]
mod fuzz {
    use super::tests::{read, Tuple};
    use crate::fuzzing::{bytes, json_soup};
    use proptest::prelude::*;

    proptest! {
        /// Any status and body give an outcome, never a panic; `data` that crosses to
        /// JavaScript is JSON that `JSON.parse` can read.
        #[test]
        fn any_answer_gives_an_outcome(status in 100u16..600, body in json_soup()) {
            if let Tuple::Valid(Some(data)) = read(status, body.as_bytes()) {
                prop_assert!(serde_json::from_str::<serde::de::IgnoredAny>(&data).is_ok(), "{}", data);
            }
        }

        #[test]
        fn any_bytes_give_an_outcome(status in 100u16..600, body in bytes()) {
            let _ = read(status, &body);
        }
    }
}
