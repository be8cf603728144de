//! What the three siteverify providers (reCAPTCHA, Turnstile, hCaptcha) share: the request's
//! fields, the `missing-input-*` codes, the verdict's `success` and `error-codes`, the 405, and
//! issued tokens that expire and verify once unless their claims say otherwise.

use serde::Serialize;
use serde_json::Value;

use crate::http::{Request, Response};
use crate::store::Issued;
use captcha_core::errors::CaptchaError;

/// The longest `expiresInMs` or `ageMs` a claim may give (ten years): times stay in range.
pub const MAX_CLAIM_MS: u64 = 10 * 366 * 24 * 3600 * 1000;

/// The fields of a siteverify request, as sent (an empty value is kept: `given` drops it).
#[derive(Debug, Default, PartialEq)]
pub struct Fields {
    pub secret: Option<String>,
    pub response: Option<String>,
    pub remoteip: Option<String>,
    pub sitekey: Option<String>,
    pub idempotency_key: Option<String>,
}

/// A field's value when it was sent and is not empty (the providers treat both alike).
pub fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().filter(|text| !text.is_empty())
}

/// Whether the request's content type is `mime` (parameters and case aside).
pub fn content_type_is(request: &Request, mime: &str) -> bool {
    request
        .header("content-type")
        .is_some_and(|value| value.split(';').next().unwrap_or("").trim().eq_ignore_ascii_case(mime))
}

/// Whether the body is a form: a form content type, or none at all.
pub fn body_is_form(request: &Request) -> bool {
    request.header("content-type").is_none() || content_type_is(request, "application/x-www-form-urlencoded")
}

impl Fields {
    fn slot(&mut self, name: &str) -> Option<&mut Option<String>> {
        match name {
            "secret" => Some(&mut self.secret),
            "response" => Some(&mut self.response),
            "remoteip" => Some(&mut self.remoteip),
            "sitekey" => Some(&mut self.sitekey),
            "idempotency_key" => Some(&mut self.idempotency_key),
            _ => None,
        }
    }

    /// The fields of a form: the first of repeated fields counts.
    fn from_pairs(pairs: &[u8]) -> Self {
        let mut fields = Self::default();
        for (name, value) in form_urlencoded::parse(pairs) {
            if let Some(slot) = fields.slot(&name) {
                slot.get_or_insert_with(|| value.into_owned());
            }
        }
        fields
    }

    /// The fields of the body when it is a form (none otherwise), over those of the query string
    /// when `with_query` (Google reads both, the body's winning field by field).
    pub fn from_form(request: &Request, with_query: bool) -> Self {
        let query = match &request.query {
            Some(query) if with_query => Self::from_pairs(query.as_bytes()),
            _ => Self::default(),
        };
        let body = if body_is_form(request) {
            Self::from_pairs(&request.body)
        } else {
            Self::default()
        };
        Self {
            secret: body.secret.or(query.secret),
            response: body.response.or(query.response),
            remoteip: body.remoteip.or(query.remoteip),
            sitekey: body.sitekey.or(query.sitekey),
            idempotency_key: body.idempotency_key.or(query.idempotency_key),
        }
    }

    /// The fields of a JSON object body; `None` when it is not one, or a field is neither a
    /// string nor null.
    pub fn from_json(body: &[u8]) -> Option<Self> {
        let Ok(Value::Object(object)) = serde_json::from_slice::<Value>(body) else {
            return None;
        };
        let mut fields = Self::default();
        for (name, value) in object {
            let Some(slot) = fields.slot(&name) else { continue };
            match value {
                Value::String(text) => *slot = Some(text),
                Value::Null => {}
                _ => return None,
            }
        }
        Some(fields)
    }

    /// The secret and the response, or the codes of those missing, in the providers' order.
    pub fn required(&self) -> Result<(&str, &str), Vec<&'static str>> {
        match (given(&self.secret), given(&self.response)) {
            (Some(secret), Some(response)) => Ok((secret, response)),
            (secret, response) => {
                let mut codes = Vec::new();
                if secret.is_none() {
                    codes.push("missing-input-secret");
                }
                if response.is_none() {
                    codes.push("missing-input-response");
                }
                Err(codes)
            }
        }
    }
}

/// A verdict's keys, in the providers' order: `success`, `error-codes` when given, then the
/// provider's own fields.
#[derive(Serialize)]
struct Verdict<'a, T> {
    success: bool,
    #[serde(rename = "error-codes", skip_serializing_if = "Option::is_none")]
    error_codes: Option<&'a [&'a str]>,
    #[serde(flatten)]
    fields: T,
}

/// A verdict, always HTTP 200: `success`, then `error-codes` when given, then `fields`.
pub fn verdict(success: bool, error_codes: Option<&[&str]>, fields: impl Serialize) -> Response {
    Response::json(
        200,
        &Verdict {
            success,
            error_codes,
            fields,
        },
    )
}

/// Google's and hCaptcha's refusal: `{"success":false,"error-codes":[...]}`.
pub fn refused(codes: &[&str]) -> Response {
    verdict(false, Some(codes), ())
}

/// The answer to any method but POST.
pub fn method_not_allowed() -> Response {
    let mut response = Response::json(405, &serde_json::json!({}));
    response.set_header("allow", "POST");
    response
}

/// Refuses claims out of range: a `score` outside 0 to 1, or a time (`expiresInMs`, `ageMs`)
/// over `MAX_CLAIM_MS`.
pub fn check_claims(provider: &str, score: Option<f64>, times: &[(&str, Option<u64>)]) -> Result<(), CaptchaError> {
    if score.is_some_and(|s| !(0.0..=1.0).contains(&s)) {
        return Err(CaptchaError::invalid_argument(format!(
            "invalid {provider} claims: score must be a number from 0 to 1"
        )));
    }
    for (name, ms) in times {
        if ms.is_some_and(|ms| ms > MAX_CLAIM_MS) {
            return Err(CaptchaError::invalid_argument(format!(
                "invalid {provider} claims: {name} must be at most {MAX_CLAIM_MS} (ten years)"
            )));
        }
    }
    Ok(())
}

/// How long an issued token verifies and whether only once: its claims over the provider's
/// defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Life {
    pub expires_in_ms: i64,
    pub single_use: bool,
}

impl Life {
    /// `expiresInMs` (checked by `check_claims`, at most `MAX_CLAIM_MS`) or `default_ms`;
    /// `singleUse` or true.
    pub fn new(expires_in_ms: Option<u64>, single_use: Option<bool>, default_ms: i64) -> Self {
        Self {
            expires_in_ms: expires_in_ms.map_or(default_ms, |ms| i64::try_from(ms).unwrap_or(i64::MAX)),
            single_use: single_use.unwrap_or(true),
        }
    }

    /// Whether a token issued at `issued_ms` is too old at `now_ms`.
    pub fn expired(self, issued_ms: i64, now_ms: i64) -> bool {
        now_ms.saturating_sub(issued_ms) > self.expires_in_ms
    }
}

/// What presenting an issued token found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Redemption {
    Fresh,
    Expired,
    /// Verified before (a single-use token).
    Spent,
}

/// Presents `issued`: fresh, too old or spent. A fresh single-use token is used up by it (an
/// expired one stays expired: hCaptcha tells the two apart).
pub fn redeem<C>(issued: &mut Issued<C>, life: Life, now_ms: i64) -> Redemption {
    if issued.used {
        return Redemption::Spent;
    }
    if life.expired(issued.issued_ms, now_ms) {
        return Redemption::Expired;
    }
    issued.used = life.single_use;
    Redemption::Fresh
}

/// Test support: what `answer` gives a POST of `body` to `path` with this content type, the
/// status and the JSON text (checked to be JSON).
#[cfg(test)]
pub fn post_with(
    answer: impl Fn(&Request) -> Response,
    path: &str,
    content_type: Option<&str>,
    body: &str,
) -> (u16, String) {
    let headers: Vec<(&str, &str)> = content_type.map(|c| ("content-type", c)).into_iter().collect();
    let response = answer(&Request::post(path, &headers, body));
    assert_eq!(response.headers[0], ("content-type".into(), "application/json".into()));
    (response.status, String::from_utf8(response.body).unwrap())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(body: &str, content_type: Option<&str>) -> Request {
        let headers: Vec<(&str, &str)> = content_type.map(|c| ("content-type", c)).into_iter().collect();
        Request::post("/siteverify", &headers, body)
    }

    #[test]
    fn forms_give_every_field_the_first_of_repeats_and_nothing_else() {
        let fields = Fields::from_form(
            &form(
                "secret=a%2Bb+c&secret=second&response=r&remoteip=1.2.3.4&sitekey=k&idempotency_key=u&other=x",
                Some("Application/X-WWW-Form-Urlencoded; charset=utf-8"),
            ),
            false,
        );
        assert_eq!(
            fields,
            Fields {
                secret: Some("a+b c".into()),
                response: Some("r".into()),
                remoteip: Some("1.2.3.4".into()),
                sitekey: Some("k".into()),
                idempotency_key: Some("u".into()),
            }
        );
        // A body that is not a form is not read as one; the query only when asked.
        assert_eq!(
            Fields::from_form(&form("secret=s", Some("application/json")), false),
            Fields::default()
        );
        let mut with_query = form("response=body", None);
        with_query.query = Some("secret=q&response=query".into());
        assert_eq!(Fields::from_form(&with_query, false).secret, None);
        let both = Fields::from_form(&with_query, true);
        assert_eq!(
            (both.secret.as_deref(), both.response.as_deref()),
            (Some("q"), Some("body"))
        );
    }

    #[test]
    fn json_bodies_give_string_fields_and_refuse_the_rest() {
        let fields = Fields::from_json(br#"{"secret":"s","response":"r","remoteip":null,"extra":5}"#).unwrap();
        assert_eq!(
            (fields.secret.as_deref(), fields.response.as_deref(), fields.remoteip),
            (Some("s"), Some("r"), None)
        );
        for bad in [
            &b"{"[..],
            b"[]",
            b"\"s\"",
            br#"{"secret":5}"#,
            br#"{"response":["r"]}"#,
            b"",
        ] {
            assert!(Fields::from_json(bad).is_none(), "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn missing_fields_get_their_codes_in_order() {
        let fields = |secret: Option<&str>, response: Option<&str>| Fields {
            secret: secret.map(Into::into),
            response: response.map(Into::into),
            ..Fields::default()
        };
        assert_eq!(fields(Some("s"), Some("r")).required(), Ok(("s", "r")));
        assert_eq!(
            fields(None, Some("")).required(),
            Err(vec!["missing-input-secret", "missing-input-response"])
        );
        assert_eq!(
            fields(Some(""), Some("r")).required(),
            Err(vec!["missing-input-secret"])
        );
        assert_eq!(fields(Some("s"), None).required(), Err(vec!["missing-input-response"]));
    }

    #[test]
    fn verdicts_write_success_then_codes_then_the_providers_fields() {
        let text = |response: Response| String::from_utf8(response.body).unwrap();
        assert_eq!(
            text(refused(&["a", "b"])),
            r#"{"success":false,"error-codes":["a","b"]}"#
        );
        #[derive(Serialize)]
        struct Extra {
            hostname: &'static str,
        }
        let passed = verdict(true, Some(&[]), Extra { hostname: "h" });
        assert_eq!(passed.status, 200);
        assert_eq!(text(passed), r#"{"success":true,"error-codes":[],"hostname":"h"}"#);
        assert_eq!(
            text(verdict(true, None, Extra { hostname: "h" })),
            r#"{"success":true,"hostname":"h"}"#
        );
        let refused = method_not_allowed();
        assert_eq!((refused.status, refused.body.as_slice()), (405, b"{}".as_slice()));
        assert!(refused.headers.contains(&("allow".into(), "POST".into())));
    }

    #[test]
    fn claims_out_of_range_are_refused() {
        assert!(check_claims("p", Some(0.0), &[("expiresInMs", Some(MAX_CLAIM_MS))]).is_ok());
        let message = |result: Result<(), CaptchaError>| result.unwrap_err().message.unwrap();
        assert_eq!(
            message(check_claims("p", Some(1.01), &[])),
            "invalid p claims: score must be a number from 0 to 1"
        );
        assert!(message(check_claims("p", None, &[("ageMs", Some(MAX_CLAIM_MS + 1))]))
            .starts_with("invalid p claims: ageMs must be at most"));
    }

    #[test]
    fn tokens_are_fresh_then_spent_or_expired_as_their_life_says() {
        let issued = |at: i64| Issued {
            claims: (),
            issued_ms: at,
            used: false,
        };
        let once = Life::new(None, None, 1_000);
        assert_eq!(
            once,
            Life {
                expires_in_ms: 1_000,
                single_use: true
            }
        );
        let mut token = issued(0);
        assert_eq!(redeem(&mut token, once, 1_000), Redemption::Fresh);
        assert_eq!(redeem(&mut token, once, 1_000), Redemption::Spent);
        let mut old = issued(0);
        assert_eq!(redeem(&mut old, once, 1_001), Redemption::Expired);
        assert_eq!(
            redeem(&mut old, once, 1_001),
            Redemption::Expired,
            "still expired, not spent"
        );

        let reusable = Life::new(Some(10), Some(false), 1_000);
        let mut token = issued(0);
        for _ in 0..3 {
            assert_eq!(redeem(&mut token, reusable, 10), Redemption::Fresh);
        }
        assert_eq!(redeem(&mut token, reusable, 11), Redemption::Expired);
        assert_eq!(Life::new(Some(u64::MAX), None, 0).expires_in_ms, i64::MAX);
    }
}
