//! Cloudflare Turnstile's `POST /turnstile/v0/siteverify`: a form or a JSON body with `secret`,
//! `response`, `remoteip` (accepted and ignored) and `idempotency_key`; every verdict is 200
//! JSON; the published test secrets and their dummy token; tokens that live five minutes and
//! verify once, a retry carrying the first request's idempotency key getting the first answer.

use base64::Engine;
use serde::{Deserialize, Serialize};

use crate::clock::iso_millis;
use crate::http::{Request, Response};
use crate::identities::turnstile::{TestSecret, DUMMY_TOKEN, TEST_HOSTNAME, TEST_SECRETS};
use crate::siteverify::{
    check_claims, content_type_is, given, method_not_allowed, redeem, verdict, Fields, Life, Redemption,
};
use crate::state::{lock, Emulator};
use crate::store::{parse_claims, random_bytes, random_hex, BoundedMap, Issued};
use captcha_core::errors::CaptchaError;
use captcha_core::siteverify::{is_uuid, Site};

pub const PATH: &str = "/turnstile/v0/siteverify";
const DEFAULT_HOSTNAME: &str = "localhost";
/// Tokens older than this answer `timeout-or-duplicate`, unless their claims say otherwise.
const TOKEN_TTL_MS: i64 = Site::Turnstile.token_lifetime().as_millis() as i64;

/// What `issue('turnstile', claims)` may set. Every field is optional.
// Serialize too: `schema` reads the field list off a round trip.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Claims {
    /// `false`: Cloudflare refuses the token (`invalid-input-response`).
    success: Option<bool>,
    hostname: Option<String>,
    /// The widget's `data-action`. Default `""`.
    action: Option<String>,
    /// The widget's `data-cdata`. Default `""`.
    cdata: Option<String>,
    /// `metadata.ephemeral_id` (Enterprise).
    ephemeral_id: Option<String>,
    /// `metadata.interactive`: the visitor had to interact. Default false.
    interactive: Option<bool>,
    /// How long after issue the token verifies (`timeout-or-duplicate` after). Default 300000.
    expires_in_ms: Option<u64>,
    /// `false`: the token verifies any number of times until it expires. Default true.
    single_use: Option<bool>,
}

/// An issued token: its claims, and the answer to its redemption when that carried a key.
#[derive(Debug, Clone)]
pub struct Token {
    claims: Claims,
    first: Option<FirstAnswer>,
}

/// A single-use token's redemption that carried an idempotency key: the key and the answer,
/// which a retry carrying the same key gets again for the token's lifetime. (Without a key, no
/// retry can ask about it: nothing to keep.)
#[derive(Debug, Clone)]
struct FirstAnswer {
    idempotency_key: String,
    body: Vec<u8>,
}

/// Issued tokens, bounded (the oldest are forgotten first).
pub type Store = BoundedMap<Issued<Token>>;

/// Cloudflare's success, after `success` and `error-codes`, its keys in Cloudflare's order.
#[derive(Serialize)]
struct Passed<'a> {
    challenge_ts: String,
    hostname: &'a str,
    action: &'a str,
    cdata: &'a str,
    metadata: Metadata<'a>,
}

#[derive(Serialize, Default)]
struct Metadata<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    ephemeral_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    interactive: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    result_with_testing_key: Option<bool>,
}

/// What a refusal carries after its codes: Cloudflare's (always empty) `messages`.
#[derive(Serialize)]
struct Messages {
    messages: &'static [&'static str],
}

/// Cloudflare's refusal: `{"success":false,"error-codes":[...],"messages":[]}`.
fn refused(codes: &[&str]) -> Response {
    verdict(false, Some(codes), Messages { messages: &[] })
}

/// Cloudflare's success: `error-codes` empty, then the fields.
fn passed(passed: Passed<'_>) -> Response {
    verdict(true, Some(&[]), passed)
}

/// A fresh token in Turnstile's form, `0.` then base64url and hex parts joined by dots, far
/// under the 2,048 characters Cloudflare allows (and small: the store keeps 100,000).
fn fresh_token() -> String {
    let body = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random_bytes(96));
    format!("0.{body}.{}", random_hex(16))
}

/// Creates a token with these claims.
pub fn issue(emulator: &Emulator, claims_json: Option<&str>) -> Result<String, CaptchaError> {
    let claims: Claims = parse_claims("turnstile", claims_json)?;
    check_claims("turnstile", None, &[("expiresInMs", claims.expires_in_ms)])?;
    let token = Token { claims, first: None };
    Ok(lock(&emulator.turnstile).issue_as(fresh_token(), token, emulator.now_ms()))
}

/// What a published test secret answers: only the dummy token is accepted.
fn test_answer(test: &TestSecret, response: &str, now: i64) -> Response {
    if response != DUMMY_TOKEN {
        return refused(&["invalid-input-secret"]);
    }
    match test.error_code {
        Some(code) => refused(&[code]),
        None => passed(Passed {
            challenge_ts: iso_millis(now),
            hostname: TEST_HOSTNAME,
            action: "",
            cdata: "",
            metadata: Metadata {
                result_with_testing_key: Some(true),
                ..Default::default()
            },
        }),
    }
}

/// Answers `POST /turnstile/v0/siteverify` as Cloudflare does.
pub fn answer(emulator: &Emulator, request: &Request) -> Response {
    if request.method != "POST" {
        return method_not_allowed();
    }
    let fields = if content_type_is(request, "application/json") {
        match Fields::from_json(&request.body) {
            Some(fields) => fields,
            None => return refused(&["bad-request"]),
        }
    } else {
        Fields::from_form(request, false)
    };
    let key = given(&fields.idempotency_key);
    if key.is_some_and(|key| !is_uuid(key)) {
        return refused(&["bad-request"]);
    }
    let (secret, response) = match fields.required() {
        Ok(both) => both,
        Err(codes) => return refused(&codes),
    };
    let now = emulator.now_ms();
    if let Some((_, test)) = TEST_SECRETS.iter().find(|(_, test)| test.secret == secret) {
        return test_answer(test, response, now);
    }
    if secret != emulator.credentials().turnstile_secret {
        return refused(&["invalid-input-secret"]);
    }
    if response == DUMMY_TOKEN || response.len() > Site::Turnstile.max_token_length() {
        return refused(&["invalid-input-response"]);
    }
    let mut store = lock(&emulator.turnstile);
    let Some(issued) = store.get_mut(response) else {
        return refused(&["invalid-input-response"]);
    };
    let claims = &issued.claims.claims;
    let life = Life::new(claims.expires_in_ms, claims.single_use, TOKEN_TTL_MS);
    // Cloudflare: a retry carrying the first request's key asks about that same redemption.
    let first = issued.claims.first.as_ref().filter(|first| {
        key.is_some_and(|key| key.eq_ignore_ascii_case(&first.idempotency_key)) && !life.expired(issued.issued_ms, now)
    });
    if let Some(first) = first {
        return Response::with_body(200, "application/json", first.body.clone());
    }
    let redemption = redeem(issued, life, now);
    let claims = &issued.claims.claims;
    let answer = match redemption {
        Redemption::Expired | Redemption::Spent => refused(&["timeout-or-duplicate"]),
        Redemption::Fresh if claims.success == Some(false) => refused(&["invalid-input-response"]),
        Redemption::Fresh => passed(Passed {
            challenge_ts: iso_millis(issued.issued_ms),
            hostname: claims.hostname.as_deref().unwrap_or(DEFAULT_HOSTNAME),
            action: claims.action.as_deref().unwrap_or(""),
            cdata: claims.cdata.as_deref().unwrap_or(""),
            metadata: Metadata {
                ephemeral_id: claims.ephemeral_id.as_deref(),
                interactive: Some(claims.interactive.unwrap_or(false)),
                result_with_testing_key: None,
            },
        }),
    };
    if let (Redemption::Fresh, true, Some(key)) = (redemption, life.single_use, key) {
        issued.claims.first = Some(FirstAnswer {
            idempotency_key: key.to_owned(),
            body: answer.body.clone(),
        });
    }
    answer
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identities::turnstile::{FAIL, PASS, SPENT};
    use crate::EmulatorCredentials;
    use serde_json::{json, Value};

    const KEY: &str = "6a1e2a4e-43c1-4b5e-9c1f-2f1d3e4a5b6c";
    const OTHER_KEY: &str = "0f8fad5b-d9cb-469f-a165-70867728950e";

    fn emulator() -> Emulator {
        Emulator::new(EmulatorCredentials {
            turnstile_secret: "secret".into(),
            ..EmulatorCredentials::default()
        })
    }

    fn post(emulator: &Emulator, content_type: Option<&str>, body: &str) -> (u16, String) {
        crate::siteverify::post_with(|request| answer(emulator, request), PATH, content_type, body)
    }

    /// A form POST of `secret`, `response` and the idempotency key if any: the raw body text.
    fn verify_text(emulator: &Emulator, secret: &str, token: &str, key: Option<&str>) -> String {
        let mut form = form_urlencoded::Serializer::new(String::new());
        form.append_pair("secret", secret).append_pair("response", token);
        if let Some(key) = key {
            form.append_pair("idempotency_key", key);
        }
        let (status, body) = post(emulator, Some("application/x-www-form-urlencoded"), &form.finish());
        assert_eq!(status, 200);
        body
    }

    fn verify(emulator: &Emulator, secret: &str, token: &str, key: Option<&str>) -> Value {
        serde_json::from_str(&verify_text(emulator, secret, token, key)).unwrap()
    }

    fn refusal(codes: &[&str]) -> Value {
        json!({ "success": false, "error-codes": codes, "messages": [] })
    }

    #[test]
    fn other_methods_get_405() {
        let response = answer(&emulator(), &Request::get(PATH, &[]));
        assert_eq!((response.status, response.body.as_slice()), (405, b"{}".as_slice()));
        assert!(response.headers.contains(&("allow".into(), "POST".into())));
    }

    #[test]
    fn missing_fields_get_their_codes_in_order_with_cloudflares_messages() {
        let e = emulator();
        assert_eq!(
            post(&e, None, ""),
            (
                200,
                r#"{"success":false,"error-codes":["missing-input-secret","missing-input-response"],"messages":[]}"#
                    .into()
            )
        );
        let codes =
            |content_type, body| -> Value { serde_json::from_str(&post(&e, Some(content_type), body).1).unwrap() };
        let form = "application/x-www-form-urlencoded";
        assert_eq!(codes(form, "secret=&response=x"), refusal(&["missing-input-secret"]));
        assert_eq!(codes(form, "secret=secret"), refusal(&["missing-input-response"]));
        assert_eq!(
            codes("application/json", r#"{"secret":"secret"}"#),
            refusal(&["missing-input-response"])
        );
        assert_eq!(
            codes("application/json", "{}"),
            refusal(&["missing-input-secret", "missing-input-response"])
        );
    }

    #[test]
    fn json_and_form_bodies_both_verify() {
        let e = emulator();
        let token = issue(&e, None).unwrap();
        let json_body =
            json!({ "secret": "secret", "response": token, "remoteip": "203.0.113.7", "idempotency_key": KEY });
        let (status, body) = post(&e, Some("application/json; charset=utf-8"), &json_body.to_string());
        assert_eq!(status, 200);
        assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["success"], true);
        let token = issue(&e, None).unwrap();
        assert_eq!(verify(&e, "secret", &token, None)["success"], true);
        // No content type: a form, as the widget's docs post it.
        let token = issue(&e, None).unwrap();
        let (_, body) = post(&e, None, &format!("secret=secret&response={token}"));
        assert!(body.starts_with(r#"{"success":true,"#), "{body}");
    }

    #[test]
    fn malformed_bodies_and_keys_that_are_not_uuids_are_bad_requests() {
        let e = emulator();
        let token = issue(&e, None).unwrap();
        let json = "application/json";
        for body in [
            "{".to_owned(),
            "[]".into(),
            "".into(),
            r#"{"secret":5,"response":"r"}"#.into(),
            json!({ "secret": "secret", "response": token, "idempotency_key": "not-a-uuid" }).to_string(),
        ] {
            let (status, text) = post(&e, Some(json), &body);
            assert_eq!(
                (status, serde_json::from_str::<Value>(&text).unwrap()),
                (200, refusal(&["bad-request"])),
                "{body}"
            );
        }
        assert_eq!(verify(&e, "secret", &token, Some("12345")), refusal(&["bad-request"]));
        // A bad request did not redeem the token.
        assert_eq!(verify(&e, "secret", &token, None)["success"], true);
    }

    #[test]
    fn the_test_secrets_answer_the_dummy_token_only() {
        let e = emulator();
        let before = iso_millis(e.now_ms());
        let text = verify_text(&e, PASS.secret, DUMMY_TOKEN, None);
        let body: Value = serde_json::from_str(&text).unwrap();
        let ts = body["challenge_ts"].as_str().unwrap();
        assert!(before.as_str() <= ts && ts.len() == 24, "{ts}");
        assert_eq!(
            text,
            format!(
                r#"{{"success":true,"error-codes":[],"challenge_ts":"{ts}","hostname":"localhost","action":"","cdata":"","metadata":{{"result_with_testing_key":true}}}}"#
            )
        );
        // Any number of times.
        assert_eq!(verify(&e, PASS.secret, DUMMY_TOKEN, None)["success"], true);
        assert_eq!(
            verify(&e, FAIL.secret, DUMMY_TOKEN, None),
            refusal(&["invalid-input-response"])
        );
        assert_eq!(
            verify(&e, SPENT.secret, DUMMY_TOKEN, None),
            refusal(&["timeout-or-duplicate"])
        );
        let real = issue(&e, None).unwrap();
        for test in [PASS, FAIL, SPENT] {
            assert_eq!(verify(&e, test.secret, &real, None), refusal(&["invalid-input-secret"]));
            assert_eq!(
                verify(&e, test.secret, "forged", None),
                refusal(&["invalid-input-secret"])
            );
            // What the identities say each answers is what it answers.
            let body = verify(&e, test.secret, DUMMY_TOKEN, None);
            match test.error_code {
                None => assert_eq!((body["success"].clone(), test.answers.answers), (json!(true), "passes")),
                Some(code) => assert_eq!(body["error-codes"], json!([code])),
            }
            assert_eq!(test.answers.status, 200);
        }
        assert_eq!(
            verify(&e, "secret", &real, None)["success"],
            true,
            "the test secrets did not redeem it"
        );
    }

    #[test]
    fn wrong_secrets_the_dummy_token_long_and_unknown_tokens_are_refused() {
        let e = emulator();
        let token = issue(&e, None).unwrap();
        assert_eq!(verify(&e, "wrong", &token, None), refusal(&["invalid-input-secret"]));
        assert_eq!(
            verify(&e, "secret", DUMMY_TOKEN, None),
            refusal(&["invalid-input-response"])
        );
        assert_eq!(
            verify(&e, "secret", &"0.a".repeat(700), None),
            refusal(&["invalid-input-response"])
        );
        assert_eq!(
            verify(&e, "secret", "0.forged", None),
            refusal(&["invalid-input-response"])
        );
        // The wrong secret did not redeem it.
        assert_eq!(verify(&e, "secret", &token, None)["success"], true);
    }

    #[test]
    fn issued_tokens_look_like_turnstiles_and_verify_once_with_their_claims() {
        let e = emulator();
        let token = issue(&e, None).unwrap();
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts.len(), 3, "{token}");
        assert_eq!(parts[0], "0");
        assert!(token.len() < Site::Turnstile.max_token_length());
        assert!(token.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)));
        assert_ne!(token, issue(&e, None).unwrap());

        let before = iso_millis(e.now_ms());
        let token = issue(&e, None).unwrap();
        e.advance_time(60_000.0).unwrap();
        let text = verify_text(&e, "secret", &token, None);
        let body: Value = serde_json::from_str(&text).unwrap();
        // challenge_ts is when the token was issued, with milliseconds.
        let ts = body["challenge_ts"].as_str().unwrap();
        assert!(before.as_str() <= ts && ts.len() == 24 && ts.ends_with('Z'), "{ts}");
        assert_eq!(
            text,
            format!(
                r#"{{"success":true,"error-codes":[],"challenge_ts":"{ts}","hostname":"localhost","action":"","cdata":"","metadata":{{"interactive":false}}}}"#
            )
        );
        assert_eq!(verify(&e, "secret", &token, None), refusal(&["timeout-or-duplicate"]));

        let claimed = issue(
            &e,
            Some(r#"{"hostname":"shop.example","action":"login","cdata":"session-1","ephemeralId":"x:9f78e0ed210960d7693b167e","interactive":true}"#),
        )
        .unwrap();
        let body = verify(&e, "secret", &claimed, None);
        assert_eq!(
            (&body["hostname"], &body["action"], &body["cdata"], &body["metadata"]),
            (
                &json!("shop.example"),
                &json!("login"),
                &json!("session-1"),
                &json!({ "ephemeral_id": "x:9f78e0ed210960d7693b167e", "interactive": true })
            )
        );

        let refused = issue(&e, Some(r#"{"success":false}"#)).unwrap();
        assert_eq!(
            verify(&e, "secret", &refused, None),
            refusal(&["invalid-input-response"])
        );
        assert_eq!(verify(&e, "secret", &refused, None), refusal(&["timeout-or-duplicate"]));
    }

    #[test]
    fn tokens_time_out_after_five_minutes_or_their_expires_in_ms() {
        let e = emulator();
        let old = issue(&e, None).unwrap();
        let young = issue(&e, None).unwrap();
        let short = issue(&e, Some(r#"{"expiresInMs":1000}"#)).unwrap();
        let long = issue(&e, Some(r#"{"expiresInMs":600000}"#)).unwrap();
        e.advance_time(1_001.0).unwrap();
        assert_eq!(verify(&e, "secret", &short, None), refusal(&["timeout-or-duplicate"]));
        e.advance_time(TOKEN_TTL_MS as f64 - 6_000.0).unwrap();
        assert_eq!(verify(&e, "secret", &young, None)["success"], true);
        e.advance_time(10_000.0).unwrap();
        assert_eq!(verify(&e, "secret", &old, None), refusal(&["timeout-or-duplicate"]));
        assert_eq!(verify(&e, "secret", &long, None)["success"], true);
    }

    #[test]
    fn single_use_false_verifies_until_it_expires() {
        let e = emulator();
        let reusable = issue(&e, Some(r#"{"singleUse":false,"expiresInMs":5000}"#)).unwrap();
        for key in [None, Some(KEY), Some(OTHER_KEY), None] {
            assert_eq!(verify(&e, "secret", &reusable, key)["success"], true);
        }
        e.advance_time(5_001.0).unwrap();
        assert_eq!(
            verify(&e, "secret", &reusable, None),
            refusal(&["timeout-or-duplicate"])
        );
    }

    #[test]
    fn a_retry_with_the_first_requests_key_gets_the_first_answer() {
        let e = emulator();
        let token = issue(&e, None).unwrap();
        let first = verify_text(&e, "secret", &token, Some(KEY));
        assert!(first.starts_with(r#"{"success":true,"#), "{first}");
        e.advance_time(30_000.0).unwrap();
        // The same answer, byte for byte, though the token is now spent.
        assert_eq!(verify_text(&e, "secret", &token, Some(KEY)), first);
        assert_eq!(verify_text(&e, "secret", &token, Some(&KEY.to_uppercase())), first);
        // Another key, or none, is another redemption: too late.
        assert_eq!(
            verify(&e, "secret", &token, Some(OTHER_KEY)),
            refusal(&["timeout-or-duplicate"])
        );
        assert_eq!(verify(&e, "secret", &token, None), refusal(&["timeout-or-duplicate"]));
        // Those did not replace the first key.
        assert_eq!(verify_text(&e, "secret", &token, Some(KEY)), first);
        // The answer is kept for the token's lifetime, no longer.
        e.advance_time(TOKEN_TTL_MS as f64).unwrap();
        assert_eq!(
            verify(&e, "secret", &token, Some(KEY)),
            refusal(&["timeout-or-duplicate"])
        );
    }

    #[test]
    fn a_first_request_without_a_key_cannot_be_retried_with_one() {
        let e = emulator();
        let token = issue(&e, None).unwrap();
        assert_eq!(verify(&e, "secret", &token, None)["success"], true);
        assert_eq!(
            verify(&e, "secret", &token, Some(KEY)),
            refusal(&["timeout-or-duplicate"])
        );
        assert_eq!(verify(&e, "secret", &token, None), refusal(&["timeout-or-duplicate"]));
    }

    #[test]
    fn a_refusal_is_the_first_answer_too() {
        let e = emulator();
        let refused = issue(&e, Some(r#"{"success":false}"#)).unwrap();
        assert_eq!(
            verify(&e, "secret", &refused, Some(KEY)),
            refusal(&["invalid-input-response"])
        );
        assert_eq!(
            verify(&e, "secret", &refused, Some(KEY)),
            refusal(&["invalid-input-response"])
        );
        assert_eq!(verify(&e, "secret", &refused, None), refusal(&["timeout-or-duplicate"]));
        // An expired token's first answer is timeout-or-duplicate, and so is its retry.
        let old = issue(&e, None).unwrap();
        e.advance_time(TOKEN_TTL_MS as f64 + 1.0).unwrap();
        assert_eq!(
            verify(&e, "secret", &old, Some(KEY)),
            refusal(&["timeout-or-duplicate"])
        );
        assert_eq!(
            verify(&e, "secret", &old, Some(KEY)),
            refusal(&["timeout-or-duplicate"])
        );
    }

    #[test]
    fn bad_claims_are_refused() {
        let e = emulator();
        for bad in [
            r#"{"sucess":true}"#,
            r#"{"score":0.5}"#,
            r#"{"interactive":"yes"}"#,
            r#"{"ephemeralId":5}"#,
            r#"{"expiresInMs":-1}"#,
            r#"{"expiresInMs":400000000000}"#,
            r#"{"singleUse":1}"#,
            "[]",
        ] {
            let error = issue(&e, Some(bad)).unwrap_err();
            assert!(error.message.unwrap().starts_with("invalid turnstile claims"), "{bad}");
        }
    }
}
