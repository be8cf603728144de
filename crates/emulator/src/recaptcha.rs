//! Google reCAPTCHA's `POST /recaptcha/api/siteverify`: form fields (or query parameters)
//! `secret` and `response` (`remoteip` is accepted and ignored); every verdict is 200 JSON;
//! Google's test secret; tokens that live two minutes and verify once unless their claims say
//! otherwise.

use serde::{Deserialize, Serialize};

use crate::clock::iso_seconds;
use crate::http::{Request, Response};
use crate::identities::recaptcha::{TEST_HOSTNAME, TEST_SECRET_KEY as TEST_SECRET};
use crate::siteverify::{check_claims, method_not_allowed, redeem, refused, verdict, Fields, Life, Redemption};
use crate::state::{lock, Emulator};
use crate::store::{parse_claims, BoundedMap, Issued};
use captcha_core::errors::CaptchaError;
use captcha_core::siteverify::Site;

pub const PATH: &str = "/recaptcha/api/siteverify";
const DEFAULT_HOSTNAME: &str = "localhost";
/// Tokens older than this answer `timeout-or-duplicate`, unless their claims say otherwise.
const TOKEN_TTL_MS: i64 = Site::Recaptcha.token_lifetime().as_millis() as i64;
const TOKEN_PREFIX: &str = "recaptcha_";

/// What `issue('recaptcha', claims)` may set. Every field is optional.
// Serialize too: `schema` reads the field list off a round trip.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Claims {
    /// `false`: Google refuses the token (`invalid-input-response`).
    success: Option<bool>,
    hostname: Option<String>,
    /// An Android app's token: `apk_package_name` instead of `hostname`.
    apk_package_name: Option<String>,
    /// reCAPTCHA v3's score, 0 to 1.
    score: Option<f64>,
    action: Option<String>,
    /// The challenge was solved this long before the token was issued: `challenge_ts` is that
    /// much earlier, for a client's max-age check.
    age_ms: Option<u64>,
    /// How long after issue the token verifies (`timeout-or-duplicate` after). Default 120000.
    expires_in_ms: Option<u64>,
    /// `false`: the token verifies any number of times until it expires. Default true.
    single_use: Option<bool>,
}

/// Issued tokens, bounded (the oldest are forgotten first).
pub type Store = BoundedMap<Issued<Claims>>;

/// Google's success, after `success`, its keys in Google's order.
#[derive(Serialize, Default)]
struct Passed<'a> {
    challenge_ts: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    hostname: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    apk_package_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    score: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    action: Option<&'a str>,
}

/// Creates a token with these claims.
pub fn issue(emulator: &Emulator, claims_json: Option<&str>) -> Result<String, CaptchaError> {
    let claims: Claims = parse_claims("recaptcha", claims_json)?;
    let times = [("ageMs", claims.age_ms), ("expiresInMs", claims.expires_in_ms)];
    check_claims("recaptcha", claims.score, &times)?;
    Ok(lock(&emulator.recaptcha).issue(TOKEN_PREFIX, claims, emulator.now_ms()))
}

/// Answers `POST /recaptcha/api/siteverify` as Google does.
pub fn answer(emulator: &Emulator, request: &Request) -> Response {
    if request.method != "POST" {
        return method_not_allowed();
    }
    let fields = Fields::from_form(request, true);
    let (secret, response) = match fields.required() {
        Ok(both) => both,
        Err(codes) => return refused(&codes),
    };
    let now = emulator.now_ms();
    if secret == TEST_SECRET {
        let passed = Passed {
            challenge_ts: iso_seconds(now),
            hostname: Some(TEST_HOSTNAME),
            ..Default::default()
        };
        return verdict(true, None, passed);
    }
    if secret != emulator.credentials().recaptcha_secret {
        return refused(&["invalid-input-secret"]);
    }
    let mut store = lock(&emulator.recaptcha);
    let Some(token) = store.get_mut(response) else {
        return refused(&["invalid-input-response"]);
    };
    let life = Life::new(token.claims.expires_in_ms, token.claims.single_use, TOKEN_TTL_MS);
    if redeem(token, life, now) != Redemption::Fresh {
        return refused(&["timeout-or-duplicate"]);
    }
    let claims = &token.claims;
    if claims.success == Some(false) {
        return refused(&["invalid-input-response"]);
    }
    let apk = claims.apk_package_name.as_deref();
    // At most ten years (`check_claims`): no overflow.
    let solved_ms = token.issued_ms.saturating_sub(claims.age_ms.unwrap_or(0) as i64);
    let passed = Passed {
        challenge_ts: iso_seconds(solved_ms),
        hostname: match apk {
            Some(_) => None,
            None => Some(claims.hostname.as_deref().unwrap_or(DEFAULT_HOSTNAME)),
        },
        apk_package_name: apk,
        score: claims.score,
        action: claims.action.as_deref(),
    };
    verdict(true, None, passed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::EmulatorCredentials;
    use serde_json::Value;

    fn emulator() -> Emulator {
        Emulator::new(EmulatorCredentials {
            recaptcha_secret: "secret".into(),
            ..EmulatorCredentials::default()
        })
    }

    fn request(query: Option<&str>, body: &str, content_type: Option<&str>) -> Request {
        let path = match query {
            Some(query) => format!("{PATH}?{query}"),
            None => PATH.to_owned(),
        };
        let headers: Vec<(&str, &str)> = content_type.map(|c| ("content-type", c)).into_iter().collect();
        Request::post(&path, &headers, body)
    }

    fn verify_raw(emulator: &Emulator, query: Option<&str>, body: &str) -> Value {
        let response = answer(
            emulator,
            &request(query, body, Some("application/x-www-form-urlencoded")),
        );
        assert_eq!(response.status, 200);
        assert_eq!(response.headers[0], ("content-type".into(), "application/json".into()));
        serde_json::from_slice(&response.body).unwrap()
    }

    fn verify(emulator: &Emulator, secret: &str, token: &str) -> Value {
        let body = form_urlencoded::Serializer::new(String::new())
            .append_pair("secret", secret)
            .append_pair("response", token)
            .finish();
        verify_raw(emulator, None, &body)
    }

    fn refusal(codes: &[&str]) -> Value {
        serde_json::json!({ "success": false, "error-codes": codes })
    }

    #[test]
    fn other_methods_get_405() {
        let e = emulator();
        let response = answer(&e, &Request::get(&format!("{PATH}?secret=secret&response=x"), &[]));
        assert_eq!((response.status, response.body.as_slice()), (405, b"{}".as_slice()));
        assert!(response.headers.contains(&("allow".into(), "POST".into())));
    }

    #[test]
    fn missing_fields_get_their_codes_in_order() {
        let e = emulator();
        assert_eq!(
            verify_raw(&e, None, ""),
            refusal(&["missing-input-secret", "missing-input-response"])
        );
        assert_eq!(
            verify_raw(&e, None, "secret=&response=x"),
            refusal(&["missing-input-secret"])
        );
        assert_eq!(
            verify_raw(&e, None, "secret=secret"),
            refusal(&["missing-input-response"])
        );
        // Exact bytes: the key order Google uses.
        let response = answer(&e, &request(None, "", None));
        assert_eq!(
            String::from_utf8(response.body).unwrap(),
            r#"{"success":false,"error-codes":["missing-input-secret","missing-input-response"]}"#
        );
    }

    #[test]
    fn fields_come_from_the_query_and_the_body_and_the_body_wins() {
        let read = |query, body, content_type| Fields::from_form(&request(query, body, content_type), true);
        assert_eq!(
            read(Some("secret=q&response=r1&remoteip=1.2.3.4"), "response=r2", None),
            Fields {
                secret: Some("q".into()),
                response: Some("r2".into()),
                remoteip: Some("1.2.3.4".into()),
                ..Fields::default()
            }
        );
        assert_eq!(
            read(
                None,
                "secret=a%2Bb+c&secret=second",
                Some("application/x-www-form-urlencoded; charset=utf-8")
            )
            .secret
            .as_deref(),
            Some("a+b c")
        );
        // A JSON body is not a form: Google does not read it.
        assert_eq!(
            read(None, r#"{"secret":"s"}"#, Some("application/json")),
            Fields::default()
        );
        let e = emulator();
        let token = issue(&e, None).unwrap();
        let query = format!("secret=secret&response={token}");
        assert_eq!(verify_raw(&e, Some(&query), "")["success"], true);
    }

    #[test]
    fn the_test_secret_passes_any_response() {
        let e = emulator();
        let before = iso_seconds(e.now_ms());
        let body = verify(&e, TEST_SECRET, "whatever");
        let after = iso_seconds(e.now_ms());
        assert_eq!(body["success"], true);
        assert_eq!(body["hostname"], TEST_HOSTNAME);
        let ts = body["challenge_ts"].as_str().unwrap();
        assert!(before.as_str() <= ts && ts <= after.as_str() && ts.len() == 20, "{ts}");
        assert_eq!(body.as_object().unwrap().len(), 3);
        assert_eq!(verify(&e, TEST_SECRET, "whatever")["success"], true);
    }

    #[test]
    fn wrong_secrets_and_unknown_tokens_are_refused() {
        let e = emulator();
        let token = issue(&e, None).unwrap();
        assert_eq!(verify(&e, "wrong", &token), refusal(&["invalid-input-secret"]));
        assert_eq!(verify(&e, "secret", "unknown"), refusal(&["invalid-input-response"]));
        // The wrong secret did not consume the token.
        assert_eq!(verify(&e, "secret", &token)["success"], true);
    }

    #[test]
    fn issued_tokens_verify_once_with_their_claims() {
        let e = emulator();
        let before = iso_seconds(e.now_ms());
        let token = issue(&e, None).unwrap();
        let after = iso_seconds(e.now_ms());
        e.advance_time(60_000.0).unwrap();
        let mut body = verify(&e, "secret", &token);
        // challenge_ts is when the token was issued, not when it is verified.
        let ts = body["challenge_ts"].take();
        assert!(before.as_str() <= ts.as_str().unwrap() && ts.as_str().unwrap() <= after.as_str());
        assert_eq!(
            body,
            serde_json::json!({ "success": true, "challenge_ts": null, "hostname": "localhost" })
        );
        assert_eq!(verify(&e, "secret", &token), refusal(&["timeout-or-duplicate"]));

        let v3 = issue(&e, Some(r#"{"hostname":"example.com","score":0.7,"action":"login"}"#)).unwrap();
        let body = verify(&e, "secret", &v3);
        assert_eq!(
            (body["hostname"].as_str(), body["score"].as_f64()),
            (Some("example.com"), Some(0.7))
        );
        assert_eq!(body["action"], "login");

        let android = issue(&e, Some(r#"{"apkPackageName":"com.example.app","hostname":"x"}"#)).unwrap();
        let body = verify(&e, "secret", &android);
        assert_eq!(body["apk_package_name"], "com.example.app");
        assert!(body.get("hostname").is_none() && body.get("score").is_none());

        let refused = issue(&e, Some(r#"{"success":false}"#)).unwrap();
        assert_eq!(verify(&e, "secret", &refused), refusal(&["invalid-input-response"]));
        assert_eq!(verify(&e, "secret", &refused), refusal(&["timeout-or-duplicate"]));
    }

    #[test]
    fn tokens_time_out_after_two_minutes() {
        let e = emulator();
        let old = issue(&e, None).unwrap();
        let young = issue(&e, None).unwrap();
        e.advance_time(TOKEN_TTL_MS as f64 - 5_000.0).unwrap();
        assert_eq!(verify(&e, "secret", &young)["success"], true);
        e.advance_time(10_000.0).unwrap();
        assert_eq!(verify(&e, "secret", &old), refusal(&["timeout-or-duplicate"]));
    }

    #[test]
    fn claims_set_the_age_the_lifetime_and_single_use() {
        let e = emulator();
        let issued_at = e.now_ms();
        let aged = issue(&e, Some(r#"{"ageMs":90000}"#)).unwrap();
        let ts = verify(&e, "secret", &aged)["challenge_ts"].as_str().unwrap().to_owned();
        let solved = captcha_core::siteverify::checks::parse_timestamp(&ts).unwrap();
        let solved_ms = solved.duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64;
        // Whole seconds: the solve time is 90 s (give or take the second) before issue.
        assert!((issued_at - 90_000 - solved_ms).abs() <= 2_000, "{ts}");

        let short = issue(&e, Some(r#"{"expiresInMs":1000}"#)).unwrap();
        let long = issue(&e, Some(r#"{"expiresInMs":600000}"#)).unwrap();
        let reusable = issue(&e, Some(r#"{"singleUse":false}"#)).unwrap();
        let once = issue(&e, Some(r#"{"singleUse":true}"#)).unwrap();
        for _ in 0..3 {
            assert_eq!(verify(&e, "secret", &reusable)["success"], true);
        }
        assert_eq!(verify(&e, "secret", &once)["success"], true);
        assert_eq!(verify(&e, "secret", &once), refusal(&["timeout-or-duplicate"]));
        e.advance_time(1_001.0).unwrap();
        assert_eq!(verify(&e, "secret", &short), refusal(&["timeout-or-duplicate"]));
        e.advance_time(300_000.0).unwrap();
        assert_eq!(verify(&e, "secret", &long)["success"], true);
        assert_eq!(verify(&e, "secret", &reusable), refusal(&["timeout-or-duplicate"]));
    }

    #[test]
    fn bad_claims_are_refused() {
        let e = emulator();
        for bad in [
            r#"{"scor":0.5}"#,
            r#"{"score":1.5}"#,
            r#"{"score":-0.1}"#,
            r#"{"success":"no"}"#,
            r#"{"score":1e400}"#,
            r#"{"ageMs":-1}"#,
            r#"{"ageMs":1.5}"#,
            r#"{"ageMs":400000000000}"#,
            r#"{"expiresInMs":-5}"#,
            r#"{"expiresInMs":"60000"}"#,
            r#"{"expiresInMs":400000000000}"#,
            r#"{"singleUse":"no"}"#,
            "[]",
        ] {
            let error = issue(&e, Some(bad)).unwrap_err();
            assert!(error.message.unwrap().starts_with("invalid recaptcha claims"), "{bad}");
        }
        assert!(issue(&e, Some(r#"{"score":0}"#)).is_ok());
        assert!(issue(&e, Some(r#"{"score":1}"#)).is_ok());
    }
}
