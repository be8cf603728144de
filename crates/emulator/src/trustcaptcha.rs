//! The TrustCaptcha API: `GET /v2/verifications/{id}/results`, the published test identities,
//! issued verifications with chosen claims, a retrieval limit and result expiry.

use base64::Engine;
use serde::{Deserialize, Serialize};

use crate::clock::iso_millis as iso;
use crate::http::{Request, Response};
use crate::identities::trustcaptcha::{INVALID_API_KEY, TEST_ID_PREFIX, TEST_VERIFICATIONS};
use crate::state::{lock, Emulator};
use crate::store::{parse_claims, BoundedMap};
use captcha_core::errors::CaptchaError;
use captcha_core::siteverify::random_uuid;
use captcha_core::trustcaptcha::token::is_uuid;

const DEFAULT_RETRIEVAL_LIMIT: u32 = 10;
const DEFAULT_RESULT_TTL_MS: u64 = 5 * 60 * 1000;
const SOLVE_TIME_MS: i64 = 1_800;
/// The longest result lifetime a claim may ask for (ten years).
const MAX_RESULT_TTL_MS: u64 = 10 * 366 * 24 * 3600 * 1000;

/// What `issue('trustcaptcha', claims)` may set. Every field is optional.
// Serialize too: `schema` reads the field list off a round trip.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Claims {
    verification_passed: Option<bool>,
    score: Option<f64>,
    decision_type: Option<String>,
    decision_action: Option<String>,
    gateway_failover_active: Option<bool>,
    risk_scoring_enabled: Option<bool>,
    minimal_data_mode_enabled: Option<bool>,
    origin: Option<String>,
    ip_address: Option<String>,
    country_code: Option<String>,
    device_family: Option<String>,
    operating_system: Option<String>,
    browser: Option<String>,
    /// `false`: the user has not finished the captcha yet (423).
    finished: Option<bool>,
    /// The token claims the browser could not reach TrustCaptcha (`?clientFailover=true`).
    client_failover: Option<bool>,
    /// The gateway has a record of the outage, so a client failover is confirmed.
    outage_recorded: Option<bool>,
    /// How many times the result can be fetched before 429.
    retrieval_limit: Option<u32>,
    /// How long after the start of the verification the result can be fetched (410 after).
    result_ttl_ms: Option<u64>,
}

/// The result as the API answers it: all 20 fields, camelCase.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct ResultBody {
    captcha_id: String,
    verification_id: String,
    verification_passed: bool,
    score: f64,
    decision_type: String,
    decision_action: String,
    gateway_failover_active: bool,
    risk_scoring_enabled: bool,
    minimal_data_mode_enabled: bool,
    origin: String,
    ip_address: String,
    country_code: String,
    device_family: String,
    operating_system: String,
    browser: String,
    verification_started_at: String,
    verification_finished_at: String,
    result_expires_at: String,
    result_first_fetched_at: Option<String>,
    result_last_fetched_at: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Verification {
    claims: Claims,
    started_ms: i64,
    fetches: u32,
    first_fetched_ms: Option<i64>,
    last_fetched_ms: Option<i64>,
}

impl Verification {
    fn expires_ms(&self) -> i64 {
        self.started_ms
            .saturating_add(self.claims.result_ttl_ms.unwrap_or(DEFAULT_RESULT_TTL_MS) as i64)
    }

    fn body(&self, verification_id: &str) -> ResultBody {
        let c = &self.claims;
        let passed = c.verification_passed.unwrap_or(true);
        let failover = c.outage_recorded.unwrap_or(false);
        let text = |value: &Option<String>, default: &str| value.clone().unwrap_or_else(|| default.to_owned());
        ResultBody {
            captcha_id: "0c7f1e2a-1b2c-4d3e-8f40-123456789abc".into(),
            verification_id: verification_id.to_owned(),
            verification_passed: passed,
            score: c.score.unwrap_or(if passed { 0.1 } else { 0.9 }),
            decision_type: text(&c.decision_type, if failover { "FAILOVER" } else { "DEFAULT" }),
            decision_action: text(&c.decision_action, if passed { "ALLOW" } else { "BLOCK" }),
            gateway_failover_active: c.gateway_failover_active.unwrap_or(failover),
            risk_scoring_enabled: c.risk_scoring_enabled.unwrap_or(true),
            minimal_data_mode_enabled: c.minimal_data_mode_enabled.unwrap_or(false),
            origin: text(&c.origin, "http://localhost"),
            ip_address: text(&c.ip_address, "127.0.0.1"),
            country_code: text(&c.country_code, "DE"),
            device_family: text(&c.device_family, "Other"),
            operating_system: text(&c.operating_system, "Linux"),
            browser: text(&c.browser, "Firefox"),
            verification_started_at: iso(self.started_ms),
            verification_finished_at: iso(self.started_ms.saturating_add(SOLVE_TIME_MS)),
            result_expires_at: iso(self.expires_ms()),
            result_first_fetched_at: self.first_fetched_ms.map(iso),
            result_last_fetched_at: self.last_fetched_ms.map(iso),
        }
    }
}

/// Issued verifications by id, bounded (the oldest are forgotten first).
pub type Store = BoundedMap<Verification>;

/// Creates a verification with these claims and returns the widget's token for it.
pub fn issue(emulator: &Emulator, claims_json: Option<&str>) -> Result<String, CaptchaError> {
    // Claims are JSON, whose numbers serde reads as finite: a score needs no check.
    let claims: Claims = parse_claims("trustcaptcha", claims_json)?;
    if claims.result_ttl_ms.is_some_and(|ttl| ttl > MAX_RESULT_TTL_MS) {
        return Err(CaptchaError::invalid_argument(format!(
            "invalid trustcaptcha claims: resultTtlMs must be at most {MAX_RESULT_TTL_MS}"
        )));
    }
    let id = random_uuid();
    let verification = Verification {
        started_ms: emulator.now_ms().saturating_sub(SOLVE_TIME_MS),
        claims,
        fetches: 0,
        first_fetched_ms: None,
        last_fetched_ms: None,
    };
    let mut token = serde_json::json!({ "verificationId": id, "expiresAt": iso(verification.expires_ms()) });
    if verification.claims.client_failover == Some(true) {
        token["clientFailover"] = true.into();
    }
    lock(&emulator.trustcaptcha).insert(id, verification);
    Ok(base64::engine::general_purpose::STANDARD.encode(token.to_string()))
}

fn error(status: u16, message: &str) -> Response {
    Response::json(status, &serde_json::json!({ "status": status, "message": message }))
}

/// The gateway's answer for a result it will not give, by status: 404 not found, 410 expired,
/// 412 no outage recorded, 423 not finished, 429 retrieval limit reached.
fn refusal(status: u16) -> Response {
    let message = match status {
        404 => "Verification not found",
        410 => "Verification result expired",
        412 => "No recent outage recorded",
        423 => "Verification not finished",
        429 => "Verification result retrieval limit reached",
        _ => "Verification result unavailable",
    };
    error(status, message)
}

/// Answers `GET /v2/verifications/{id}/results` as the real gateway does.
pub fn answer(emulator: &Emulator, request: &Request) -> Response {
    let Some(id) = request
        .path
        .strip_prefix("/v2/verifications/")
        .and_then(|rest| rest.strip_suffix("/results"))
    else {
        return error(404, "Not Found");
    };
    if request.method != "GET" {
        return error(405, "Method Not Allowed");
    }
    let Some(key) = request.header("authorization").and_then(|v| v.strip_prefix("Bearer ")) else {
        return error(401, "Missing bearer token");
    };
    if key == INVALID_API_KEY || key != emulator.credentials().trustcaptcha_api_key {
        return error(403, "Invalid api key");
    }
    if !is_uuid(id) {
        return error(400, "Invalid verification id");
    }
    let client_failover = request
        .query
        .as_deref()
        .is_some_and(|q| q.split('&').any(|p| p == "clientFailover=true"));
    let id = id.to_ascii_lowercase();
    let now = emulator.now_ms();

    // The published test ids (`identities`): each answers its status, and the one that passes
    // answers 412 to a claimed outage, as a real verification with none recorded does.
    if id.starts_with(TEST_ID_PREFIX) {
        let status = TEST_VERIFICATIONS
            .iter()
            .find(|test| test.verification_id == id)
            .map_or(404, |test| test.answers.status);
        return match status {
            200 if client_failover => refusal(412),
            200 => {
                let test = Verification {
                    claims: Claims::default(),
                    started_ms: now - SOLVE_TIME_MS - 2_000,
                    fetches: 1,
                    first_fetched_ms: Some(now),
                    last_fetched_ms: Some(now),
                };
                Response::json(200, &test.body(&id))
            }
            status => refusal(status),
        };
    }

    let mut store = lock(&emulator.trustcaptcha);
    let Some(verification) = store.get_mut(&id) else {
        return refusal(404);
    };
    if verification.claims.finished == Some(false) {
        return refusal(423);
    }
    if now > verification.expires_ms() {
        return refusal(410);
    }
    if client_failover && verification.claims.outage_recorded != Some(true) {
        return refusal(412);
    }
    if verification.fetches >= verification.claims.retrieval_limit.unwrap_or(DEFAULT_RETRIEVAL_LIMIT) {
        return refusal(429);
    }
    verification.fetches += 1;
    verification.first_fetched_ms.get_or_insert(now);
    verification.last_fetched_ms = Some(now);
    Response::json(200, &verification.body(&id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::EmulatorCredentials;
    use captcha_core::trustcaptcha::parse_token;

    fn emulator() -> Emulator {
        Emulator::new(EmulatorCredentials {
            trustcaptcha_api_key: "key".into(),
            ..EmulatorCredentials::default()
        })
    }

    fn fetch(emulator: &Emulator, id: &str, key: &str, failover: bool) -> Response {
        let query = if failover { "?clientFailover=true" } else { "" };
        let path = format!("/v2/verifications/{id}/results{query}");
        answer(
            emulator,
            &Request::get(&path, &[("authorization", &format!("Bearer {key}"))]),
        )
    }

    fn issued_id(emulator: &Emulator, claims: &str) -> String {
        parse_token(Some(&issue(emulator, Some(claims)).unwrap()))
            .unwrap()
            .verification_id
    }

    #[test]
    fn test_ids_and_keys_answer_like_the_real_service() {
        use crate::identities::trustcaptcha::{INVALID_API_KEY_ANSWERS, TEST_VERIFICATIONS};
        let e = emulator();
        let statuses: Vec<u16> = (0..=5)
            .map(|n| fetch(&e, &format!("{TEST_ID_PREFIX}{n}"), "key", false).status)
            .collect();
        assert_eq!(statuses, [200, 404, 423, 410, 429, 404]);
        // What the identities say each answers is what it answers.
        for test in TEST_VERIFICATIONS {
            assert_eq!(
                fetch(&e, test.verification_id, "key", false).status,
                test.answers.status
            );
        }
        let finished = TEST_VERIFICATIONS[0].verification_id;
        assert_eq!(
            fetch(&e, finished, INVALID_API_KEY, false).status,
            INVALID_API_KEY_ANSWERS.status
        );
        assert_eq!(fetch(&e, finished, "wrong", false).status, 403);
        assert_eq!(fetch(&e, finished, "key", true).status, 412);
    }

    #[test]
    fn issued_results_have_their_claims_a_limit_and_an_expiry() {
        let e = emulator();
        let id = issued_id(&e, r#"{"verificationPassed":false,"score":0.75,"retrievalLimit":2}"#);
        let first = fetch(&e, &id, "key", false);
        assert_eq!(first.status, 200);
        let body: serde_json::Value = serde_json::from_slice(&first.body).unwrap();
        assert_eq!(body["verificationPassed"], false);
        assert_eq!(body["score"], 0.75);
        assert_eq!(body["decisionAction"], "BLOCK");
        assert_eq!(body.as_object().unwrap().len(), 20);
        assert_eq!(fetch(&e, &id, "key", false).status, 200);
        assert_eq!(fetch(&e, &id, "key", false).status, 429);

        let id = issued_id(&e, "{}");
        e.advance_time(DEFAULT_RESULT_TTL_MS as f64).unwrap();
        assert_eq!(fetch(&e, &id, "key", false).status, 410);
    }

    #[test]
    fn unfinished_and_failover_claims() {
        let e = emulator();
        assert_eq!(
            fetch(&e, &issued_id(&e, r#"{"finished":false}"#), "key", false).status,
            423
        );
        let token = issue(&e, Some(r#"{"clientFailover":true}"#)).unwrap();
        let parsed = parse_token(Some(&token)).unwrap();
        assert!(parsed.client_failover);
        assert_eq!(fetch(&e, &parsed.verification_id, "key", true).status, 412);
        let confirmed = issued_id(&e, r#"{"clientFailover":true,"outageRecorded":true}"#);
        let answer = fetch(&e, &confirmed, "key", true);
        let body: serde_json::Value = serde_json::from_slice(&answer.body).unwrap();
        assert_eq!((answer.status, body["decisionType"].as_str()), (200, Some("FAILOVER")));
        assert_eq!(body["gatewayFailoverActive"], true);
    }

    #[test]
    fn wrong_credentials_methods_and_ids_get_the_real_statuses() {
        let e = emulator();
        let path = "/v2/verifications/00000000-0000-0000-0000-000000000000/results";
        assert_eq!(answer(&e, &Request::get(path, &[])).status, 401);
        assert_eq!(
            answer(&e, &Request::get(path, &[("authorization", "Basic key")])).status,
            401
        );
        let post = Request::post(path, &[("authorization", "Bearer key")], "");
        assert_eq!(answer(&e, &post).status, 405);
        assert_eq!(fetch(&e, "not-a-uuid", "key", false).status, 400);
        assert_eq!(fetch(&e, &random_uuid(), "key", false).status, 404);
        assert_eq!(
            answer(
                &e,
                &Request::get("/v2/verifications/x", &[("authorization", "Bearer key")])
            )
            .status,
            404
        );
    }

    #[test]
    fn bad_claims_are_refused() {
        let e = emulator();
        assert!(issue(&e, Some(r#"{"verificationPased":true}"#)).is_err());
        assert!(issue(&e, Some("[]")).is_err());
        assert!(issue(&e, Some(r#"{"resultTtlMs":1e15}"#)).is_err());
        assert!(issue(&e, Some(r#"{"resultTtlMs":1000000000000000}"#)).is_err());
        // serde refuses a number too large for an f64: no score is ever infinite.
        let error = issue(&e, Some(r#"{"score":1e400}"#)).unwrap_err();
        assert!(error.message.unwrap().contains("number out of range"));
    }

    #[test]
    fn a_clock_moved_to_the_ends_of_time_does_not_panic() {
        let e = emulator();
        for _ in 0..3 {
            e.advance_time(crate::MAX_TIME_STEP_MS * 0.99).unwrap();
        }
        assert!(e.advance_time(f64::MAX).is_err());
        let token = issue(&e, Some(r#"{"resultTtlMs":315000000000}"#)).unwrap();
        let id = parse_token(Some(&token)).unwrap().verification_id;
        assert_eq!(fetch(&e, &id, "key", false).status, 200);
        assert_eq!(
            fetch(&e, "00000000-0000-0000-0000-000000000000", "key", false).status,
            200
        );
        assert_eq!(iso(i64::MAX), "9999-12-31T23:59:59.999Z");
        assert_eq!(iso(i64::MIN), "1970-01-01T00:00:00.000Z");
    }
}
