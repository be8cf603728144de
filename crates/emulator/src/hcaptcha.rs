//! hCaptcha's `POST /siteverify`: form fields `secret`, `response`, `remoteip` and `sitekey`;
//! every verdict is 200 JSON; the published test secret and key sets; tokens that live two
//! minutes and verify once unless their claims say otherwise.

use std::net::IpAddr;

use base64::Engine;
use serde::{Deserialize, Serialize};

use crate::clock::iso_seconds;
use crate::http::{Request, Response};
use crate::identities::hcaptcha::{TestKeys, TEST_HOSTNAME, TEST_KEYS, TEST_SECRET};
use crate::siteverify::{
    body_is_form, check_claims, given, method_not_allowed, redeem, refused, verdict, Fields, Life, Redemption,
};
use crate::state::{lock, Emulator};
use crate::store::{parse_claims, random_bytes, BoundedMap, Issued};
use captcha_core::errors::CaptchaError;
use captcha_core::siteverify::Site;

pub const PATH: &str = "/siteverify";
const DEFAULT_HOSTNAME: &str = "localhost";
/// Tokens older than this answer `expired-input-response`, unless their claims say otherwise.
const TOKEN_TTL_MS: i64 = Site::Hcaptcha.token_lifetime().as_millis() as i64;
/// hCaptcha's tokens: `P1_` and a JWT (`{"typ":"JWT","alg":"HS256"}`, a payload, a signature).
const TOKEN_PREFIX: &str = "P1_eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.";

/// What `issue('hcaptcha', claims)` may set. Every field is optional.
// Serialize too: `schema` reads the field list off a round trip.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Claims {
    /// `false`: hCaptcha refuses the token (`invalid-input-response`).
    success: Option<bool>,
    hostname: Option<String>,
    /// Whether the verification earned credit (Publisher accounts). Default false.
    credit: Option<bool>,
    /// Enterprise's score, 0 to 1, higher meaning more likely a bot.
    score: Option<f64>,
    /// Enterprise's reasons for the score. Default `[]` when `score` is given.
    score_reason: Option<Vec<String>>,
    /// The sitekey the token was made for. Default: the emulator's (`hcaptchaSitekey`).
    sitekey: Option<String>,
    /// How long after issue the token verifies (`expired-input-response` after). Default 120000.
    expires_in_ms: Option<u64>,
    /// `false`: the token verifies any number of times until it expires. Default true.
    single_use: Option<bool>,
}

/// Issued tokens, bounded (the oldest are forgotten first).
pub type Store = BoundedMap<Issued<Claims>>;

/// hCaptcha's success, after `success`, its keys in hCaptcha's order.
#[derive(Serialize)]
struct Passed<'a> {
    challenge_ts: String,
    hostname: &'a str,
    credit: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    score: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    score_reason: Option<Vec<&'a str>>,
}

/// A fresh token in hCaptcha's form, unlike any test token.
fn fresh_token() -> String {
    let encode = |count| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random_bytes(count));
    format!("{TOKEN_PREFIX}{}.{}", encode(96), encode(32))
}

/// Creates a token with these claims.
pub fn issue(emulator: &Emulator, claims_json: Option<&str>) -> Result<String, CaptchaError> {
    let claims: Claims = parse_claims("hcaptcha", claims_json)?;
    check_claims("hcaptcha", claims.score, &[("expiresInMs", claims.expires_in_ms)])?;
    Ok(lock(&emulator.hcaptcha).issue_as(fresh_token(), claims, emulator.now_ms()))
}

/// What the test secret answers to a test key set's token.
fn test_answer(keys: &TestKeys, now: i64) -> Response {
    let passed = Passed {
        challenge_ts: iso_seconds(now),
        hostname: TEST_HOSTNAME,
        credit: false,
        score: keys.score,
        score_reason: keys.score.map(|_| keys.score_reason.to_vec()),
    };
    verdict(true, None, passed)
}

/// Answers `POST /siteverify` as hCaptcha does.
pub fn answer(emulator: &Emulator, request: &Request) -> Response {
    if request.method != "POST" {
        return method_not_allowed();
    }
    // hCaptcha takes a form: any other body is malformed.
    if !body_is_form(request) {
        return refused(&["bad-request"]);
    }
    let fields = Fields::from_form(request, false);
    let (secret, response) = match fields.required() {
        Ok(both) => both,
        Err(codes) => return refused(&codes),
    };
    if given(&fields.remoteip).is_some_and(|ip| ip.parse::<IpAddr>().is_err()) {
        return refused(&["invalid-remoteip"]);
    }
    let sitekey = given(&fields.sitekey);
    let test_keys = TEST_KEYS
        .iter()
        .map(|(_, keys)| keys)
        .find(|keys| keys.token == response);
    let now = emulator.now_ms();
    if secret == TEST_SECRET {
        return match test_keys {
            None => refused(&["not-using-dummy-passcode"]),
            Some(keys) if sitekey.is_some_and(|sitekey| sitekey != keys.sitekey) => {
                refused(&["sitekey-secret-mismatch"])
            }
            Some(keys) => test_answer(keys, now),
        };
    }
    let test_sitekey = sitekey.is_some_and(|sitekey| TEST_KEYS.iter().any(|(_, keys)| keys.sitekey == sitekey));
    if test_keys.is_some() || test_sitekey {
        return refused(&["not-using-dummy-passcode"]);
    }
    let credentials = emulator.credentials();
    if secret != credentials.hcaptcha_secret {
        return refused(&["invalid-input-secret"]);
    }
    let mut store = lock(&emulator.hcaptcha);
    let Some(issued) = store.get_mut(response) else {
        return refused(&["invalid-input-response"]);
    };
    let claims = &issued.claims;
    let token_sitekey = claims.sitekey.as_deref().unwrap_or(&credentials.hcaptcha_sitekey);
    // A mismatch is the caller's configuration: the token stays unused.
    if sitekey.is_some_and(|sitekey| sitekey != token_sitekey) {
        return refused(&["sitekey-secret-mismatch"]);
    }
    let life = Life::new(claims.expires_in_ms, claims.single_use, TOKEN_TTL_MS);
    let redemption = redeem(issued, life, now);
    let claims = &issued.claims;
    match redemption {
        Redemption::Spent => refused(&["already-seen-response"]),
        Redemption::Expired => refused(&["expired-input-response"]),
        Redemption::Fresh if claims.success == Some(false) => refused(&["invalid-input-response"]),
        Redemption::Fresh => {
            let score_reason = claims
                .score_reason
                .as_ref()
                .map(|reasons| reasons.iter().map(String::as_str).collect());
            let passed = Passed {
                challenge_ts: iso_seconds(issued.issued_ms),
                hostname: claims.hostname.as_deref().unwrap_or(DEFAULT_HOSTNAME),
                credit: claims.credit.unwrap_or(false),
                score: claims.score,
                score_reason: score_reason.or_else(|| claims.score.map(|_| Vec::new())),
            };
            verdict(true, None, passed)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identities::hcaptcha::SITEKEY;
    use crate::EmulatorCredentials;
    use serde_json::{json, Value};

    fn emulator() -> Emulator {
        Emulator::new(EmulatorCredentials {
            hcaptcha_secret: "secret".into(),
            ..EmulatorCredentials::default()
        })
    }

    fn post(emulator: &Emulator, content_type: Option<&str>, body: &str) -> (u16, String) {
        crate::siteverify::post_with(|request| answer(emulator, request), PATH, content_type, body)
    }

    /// A form POST of these fields: the answer's JSON (always HTTP 200).
    fn verify_with(emulator: &Emulator, fields: &[(&str, &str)]) -> Value {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        let (status, text) = post(emulator, Some("application/x-www-form-urlencoded"), &body);
        assert_eq!(status, 200);
        serde_json::from_str(&text).unwrap()
    }

    fn verify(emulator: &Emulator, secret: &str, token: &str) -> Value {
        verify_with(emulator, &[("secret", secret), ("response", token)])
    }

    fn refusal(codes: &[&str]) -> Value {
        json!({ "success": false, "error-codes": codes })
    }

    #[test]
    fn other_methods_get_405_and_other_bodies_are_bad_requests() {
        let e = emulator();
        let response = answer(&e, &Request::get(PATH, &[]));
        assert_eq!((response.status, response.body.as_slice()), (405, b"{}".as_slice()));
        assert!(response.headers.contains(&("allow".into(), "POST".into())));
        let token = issue(&e, None).unwrap();
        let json_body = json!({ "secret": "secret", "response": token }).to_string();
        assert_eq!(
            post(&e, Some("application/json"), &json_body),
            (200, r#"{"success":false,"error-codes":["bad-request"]}"#.into())
        );
        assert_eq!(
            verify(&e, "secret", &token)["success"],
            true,
            "not redeemed by the bad request"
        );
    }

    #[test]
    fn missing_fields_get_their_codes_in_order() {
        let e = emulator();
        assert_eq!(
            post(&e, None, ""),
            (
                200,
                r#"{"success":false,"error-codes":["missing-input-secret","missing-input-response"]}"#.into()
            )
        );
        assert_eq!(
            verify_with(&e, &[("secret", ""), ("response", "x")]),
            refusal(&["missing-input-secret"])
        );
        assert_eq!(
            verify_with(&e, &[("secret", "secret")]),
            refusal(&["missing-input-response"])
        );
    }

    #[test]
    fn the_test_secret_answers_each_test_token_any_number_of_times() {
        let e = emulator();
        let before = iso_seconds(e.now_ms());
        for (name, keys) in TEST_KEYS {
            for _ in 0..2 {
                let body = verify_with(
                    &e,
                    &[
                        ("secret", TEST_SECRET),
                        ("response", keys.token),
                        ("sitekey", keys.sitekey),
                    ],
                );
                let ts = body["challenge_ts"].as_str().unwrap();
                assert!(before.as_str() <= ts && ts.len() == 20, "{ts}");
                let mut expected =
                    json!({ "success": true, "challenge_ts": ts, "hostname": "dummy-key-pass", "credit": false });
                if let Some(score) = keys.score {
                    expected["score"] = json!(score);
                    expected["score_reason"] = json!(keys.score_reason);
                }
                assert_eq!(body, expected, "{name}");
                assert_eq!(keys.answers.status, 200);
            }
        }
        // Publisher: no score; Enterprise: a low score for the safe user, a high one for the bot.
        let [(_, publisher), (_, safe), (_, bot)] = TEST_KEYS;
        let (status, text) = post(&e, None, &format!("secret={TEST_SECRET}&response={}", publisher.token));
        assert_eq!(status, 200);
        assert!(
            text.starts_with(r#"{"success":true,"challenge_ts":""#)
                && text.ends_with(r#"","hostname":"dummy-key-pass","credit":false}"#),
            "{text}"
        );
        assert_eq!(verify(&e, TEST_SECRET, safe.token)["score"], 0.0);
        let bot = verify(&e, TEST_SECRET, bot.token);
        assert_eq!(
            (bot["success"].clone(), bot["score"].clone()),
            (json!(true), json!(1.0))
        );
        assert_eq!(bot["score_reason"], json!(["bot detected"]));
    }

    #[test]
    fn test_identities_need_each_other() {
        let e = emulator();
        let [(_, publisher), (_, safe), _] = TEST_KEYS;
        let issued = issue(&e, None).unwrap();
        // The test secret with a token that is not a test token.
        assert_eq!(verify(&e, TEST_SECRET, &issued), refusal(&["not-using-dummy-passcode"]));
        assert_eq!(
            verify(&e, TEST_SECRET, "anything"),
            refusal(&["not-using-dummy-passcode"])
        );
        // A test token, or a test sitekey, with any other secret.
        assert_eq!(
            verify(&e, "secret", publisher.token),
            refusal(&["not-using-dummy-passcode"])
        );
        assert_eq!(
            verify(&e, "wrong", publisher.token),
            refusal(&["not-using-dummy-passcode"])
        );
        assert_eq!(
            verify_with(
                &e,
                &[
                    ("secret", "secret"),
                    ("response", &issued),
                    ("sitekey", publisher.sitekey)
                ]
            ),
            refusal(&["not-using-dummy-passcode"])
        );
        // The test secret with a test token and another set's sitekey.
        assert_eq!(
            verify_with(
                &e,
                &[
                    ("secret", TEST_SECRET),
                    ("response", publisher.token),
                    ("sitekey", safe.sitekey)
                ]
            ),
            refusal(&["sitekey-secret-mismatch"])
        );
        assert_eq!(
            verify(&e, "secret", &issued)["success"],
            true,
            "none of those redeemed it"
        );
    }

    #[test]
    fn wrong_secrets_unknown_tokens_and_bad_remoteips_are_refused() {
        let e = emulator();
        let token = issue(&e, None).unwrap();
        assert_eq!(verify(&e, "wrong", &token), refusal(&["invalid-input-secret"]));
        assert_eq!(verify(&e, "secret", "P1_forged"), refusal(&["invalid-input-response"]));
        for bad in ["localhost", "203.0.113", "[::1]", "203.0.113.7:80"] {
            assert_eq!(
                verify_with(&e, &[("secret", "secret"), ("response", &token), ("remoteip", bad)]),
                refusal(&["invalid-remoteip"]),
                "{bad}"
            );
        }
        for good in ["203.0.113.7", "2001:db8::1", ""] {
            let issued = issue(&e, None).unwrap();
            let body = verify_with(&e, &[("secret", "secret"), ("response", &issued), ("remoteip", good)]);
            assert_eq!(body["success"], true, "{good}");
        }
        assert_eq!(
            verify(&e, "secret", &token)["success"],
            true,
            "the refusals did not redeem it"
        );
    }

    #[test]
    fn a_sitekey_must_be_the_tokens() {
        let e = emulator();
        let token = issue(&e, None).unwrap();
        assert_eq!(
            verify_with(&e, &[("secret", "secret"), ("response", &token), ("sitekey", "other")]),
            refusal(&["sitekey-secret-mismatch"])
        );
        let body = verify_with(&e, &[("secret", "secret"), ("response", &token), ("sitekey", SITEKEY)]);
        assert_eq!(body["success"], true, "the mismatch did not redeem it");

        let own = issue(&e, Some(r#"{"sitekey":"site-2"}"#)).unwrap();
        assert_eq!(
            verify_with(&e, &[("secret", "secret"), ("response", &own), ("sitekey", SITEKEY)]),
            refusal(&["sitekey-secret-mismatch"])
        );
        let body = verify_with(&e, &[("secret", "secret"), ("response", &own), ("sitekey", "site-2")]);
        assert_eq!(body["success"], true);
        // Without a sitekey, none is checked.
        assert_eq!(
            verify(&e, "secret", &issue(&e, Some(r#"{"sitekey":"site-3"}"#)).unwrap())["success"],
            true
        );
    }

    #[test]
    fn issued_tokens_verify_once_with_their_claims() {
        let e = emulator();
        let before = iso_seconds(e.now_ms());
        let token = issue(&e, None).unwrap();
        assert!(token.starts_with("P1_eyJ") && token.split('.').count() == 3, "{token}");
        assert!(token.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)));
        e.advance_time(60_000.0).unwrap();
        let mut body = verify(&e, "secret", &token);
        // challenge_ts is when the token was issued, in whole seconds.
        let ts = body["challenge_ts"].take();
        assert!(before.as_str() <= ts.as_str().unwrap() && ts.as_str().unwrap().len() == 20);
        assert_eq!(
            body,
            json!({ "success": true, "challenge_ts": null, "hostname": "localhost", "credit": false })
        );
        assert_eq!(verify(&e, "secret", &token), refusal(&["already-seen-response"]));

        let enterprise = issue(
            &e,
            Some(r#"{"hostname":"shop.example","credit":true,"score":0.9,"scoreReason":["automation"]}"#),
        )
        .unwrap();
        let body = verify(&e, "secret", &enterprise);
        assert_eq!(
            (
                &body["hostname"],
                &body["credit"],
                &body["score"],
                &body["score_reason"]
            ),
            (
                &json!("shop.example"),
                &json!(true),
                &json!(0.9),
                &json!(["automation"])
            )
        );
        let scored = verify(&e, "secret", &issue(&e, Some(r#"{"score":0.2}"#)).unwrap());
        assert_eq!(scored["score_reason"], json!([]));

        let refused = issue(&e, Some(r#"{"success":false}"#)).unwrap();
        assert_eq!(verify(&e, "secret", &refused), refusal(&["invalid-input-response"]));
        assert_eq!(verify(&e, "secret", &refused), refusal(&["already-seen-response"]));
    }

    #[test]
    fn tokens_expire_after_two_minutes_or_their_expires_in_ms() {
        let e = emulator();
        let old = issue(&e, None).unwrap();
        let young = issue(&e, None).unwrap();
        let long = issue(&e, Some(r#"{"expiresInMs":600000}"#)).unwrap();
        e.advance_time(TOKEN_TTL_MS as f64 - 5_000.0).unwrap();
        assert_eq!(verify(&e, "secret", &young)["success"], true);
        e.advance_time(10_000.0).unwrap();
        assert_eq!(verify(&e, "secret", &old), refusal(&["expired-input-response"]));
        assert_eq!(verify(&e, "secret", &old), refusal(&["expired-input-response"]));
        assert_eq!(verify(&e, "secret", &long)["success"], true);
    }

    #[test]
    fn single_use_false_verifies_until_it_expires() {
        let e = emulator();
        let reusable = issue(&e, Some(r#"{"singleUse":false,"expiresInMs":5000}"#)).unwrap();
        for _ in 0..3 {
            assert_eq!(verify(&e, "secret", &reusable)["success"], true);
        }
        e.advance_time(5_001.0).unwrap();
        assert_eq!(verify(&e, "secret", &reusable), refusal(&["expired-input-response"]));
    }

    #[test]
    fn bad_claims_are_refused() {
        let e = emulator();
        for bad in [
            r#"{"scor":0.5}"#,
            r#"{"score":1.5}"#,
            r#"{"score":-0.1}"#,
            r#"{"scoreReason":"bot"}"#,
            r#"{"credit":"yes"}"#,
            r#"{"sitekey":5}"#,
            r#"{"expiresInMs":-1}"#,
            r#"{"expiresInMs":400000000000}"#,
            r#"{"singleUse":null,"ageMs":1}"#,
            "[]",
        ] {
            let error = issue(&e, Some(bad)).unwrap_err();
            assert!(error.message.unwrap().starts_with("invalid hcaptcha claims"), "{bad}");
        }
        assert!(issue(&e, Some(r#"{"score":0,"scoreReason":[]}"#)).is_ok());
    }
}
