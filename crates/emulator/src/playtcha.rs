//! Playtcha's `POST /v1/verify` with a JSON body `{secret, token}`: the success body, the error
//! envelope with its request id, and single-use tokens that live five minutes.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::clock::iso_millis;
use crate::http::{Request, Response};
use crate::state::{lock, Emulator};
use crate::store::{parse_claims, random_hex, BoundedMap, Issued};
use captcha_core::errors::CaptchaError;

pub const PATH: &str = "/v1/verify";
const DEFAULT_HOSTNAME: &str = "localhost";
const DEFAULT_DEGRADED_REASON: &str = "monthly_usage_band";
/// Tokens older than this answer 410 `token_expired`.
const TOKEN_TTL_MS: i64 = 300_000;
pub(crate) const TOKEN_PREFIX: &str = "playtcha_";

const HINT_BAD_SECRET: &str = "Check that the secret belongs to this project and environment (live vs test)";
const HINT_TOKEN_INVALID: &str = "The token is not valid for this project; a live/test key mix-up is the usual cause";
const HINT_RATE_LIMITED: &str = "Never retry tighter than the Retry-After header";
const HINT_ALREADY_REDEEMED: &str = "Tokens are single use: never retry a verification";

/// What `issue('playtcha', claims)` may set. Every field is optional.
// Serialize too: `schema` reads the field list off a round trip.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Claims {
    hostname: Option<String>,
    action: Option<String>,
    score: Option<f64>,
    /// Verified, but the project crossed a monthly usage band.
    degraded: Option<bool>,
    degraded_reason: Option<String>,
    /// 404 `unknown_project` (the token is not consumed).
    unknown_project: Option<bool>,
    /// 429 `rate_limited_ip` with `Retry-After: retry_after` (the token is not consumed).
    rate_limited: Option<bool>,
    /// Seconds, 1 unless set.
    retry_after: Option<u32>,
    /// 500 `db_error` (the token is not consumed).
    db_error: Option<bool>,
}

/// Issued tokens, bounded (the oldest are forgotten first). `used` means redeemed.
pub type Store = BoundedMap<Issued<Claims>>;

#[derive(Serialize)]
struct Envelope<'a> {
    error: ErrorBody<'a>,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    code: &'static str,
    message: &'static str,
    request_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    hint: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    host: Option<&'a str>,
}

#[derive(Serialize)]
struct Success<'a> {
    success: bool,
    challenge_ts: String,
    hostname: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    degraded: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    degraded_reason: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    action: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    score: Option<f64>,
}

/// One failure: its status, code, message and hint.
struct Failure {
    status: u16,
    code: &'static str,
    message: &'static str,
    hint: Option<&'static str>,
}

const fn failure(status: u16, code: &'static str, message: &'static str, hint: Option<&'static str>) -> Failure {
    Failure {
        status,
        code,
        message,
        hint,
    }
}

const METHOD_NOT_ALLOWED: Failure = failure(405, "method_not_allowed", "Use POST for /v1/verify", None);
const INVALID_JSON: Failure = failure(400, "invalid_json", "The request body is not valid JSON", None);
const INVALID_BODY: Failure = failure(
    400,
    "invalid_body",
    "The request body must be an object with string fields secret and token",
    None,
);
const BAD_SECRET: Failure = failure(
    401,
    "bad_secret",
    "The secret does not match the project",
    Some(HINT_BAD_SECRET),
);
const TOKEN_INVALID: Failure = failure(401, "token_invalid", "Invalid token", Some(HINT_TOKEN_INVALID));
const UNKNOWN_PROJECT: Failure = failure(404, "unknown_project", "Unknown project", None);
const RATE_LIMITED: Failure = failure(
    429,
    "rate_limited_ip",
    "Too many verifications from this address",
    Some(HINT_RATE_LIMITED),
);
const DB_ERROR: Failure = failure(500, "db_error", "Internal error, try again later", None);
const TOKEN_EXPIRED: Failure = failure(410, "token_expired", "Token expired", None);
const ALREADY_REDEEMED: Failure = failure(
    409,
    "already_redeemed",
    "Token already redeemed",
    Some(HINT_ALREADY_REDEEMED),
);

/// Creates a token with these claims.
pub fn issue(emulator: &Emulator, claims_json: Option<&str>) -> Result<String, CaptchaError> {
    // Claims are JSON, whose numbers serde reads as finite: a score needs no check.
    let claims: Claims = parse_claims("playtcha", claims_json)?;
    Ok(lock(&emulator.playtcha).issue(TOKEN_PREFIX, claims, emulator.now_ms()))
}

/// Answers `POST /v1/verify` as Playtcha does. Every answer carries its `x-request-id`.
pub fn answer(emulator: &Emulator, request: &Request) -> Response {
    let request_id = format!("req_{}", random_hex(8));
    let mut response = match verify(emulator, request) {
        Ok(response) => response,
        Err((failure, retry_after)) => {
            let body = Envelope {
                error: ErrorBody {
                    code: failure.code,
                    message: failure.message,
                    request_id: &request_id,
                    hint: failure.hint,
                    host: request.header("host"),
                },
            };
            let mut response = Response::json(failure.status, &body);
            if let Some(seconds) = retry_after {
                response.set_header("retry-after", &seconds.to_string());
            }
            if failure.status == 405 {
                response.set_header("allow", "POST");
            }
            response
        }
    };
    response.set_header("x-request-id", &request_id);
    response
}

/// The success answer, or the failure and its `Retry-After` seconds.
fn verify(emulator: &Emulator, request: &Request) -> Result<Response, (Failure, Option<u32>)> {
    if request.method != "POST" {
        return Err((METHOD_NOT_ALLOWED, None));
    }
    let body: Value = serde_json::from_slice(&request.body).map_err(|_| (INVALID_JSON, None))?;
    let field = |name: &str| match body.get(name) {
        Some(Value::String(text)) if !text.is_empty() => Ok(text.as_str()),
        _ => Err((INVALID_BODY, None)),
    };
    let (secret, token) = (field("secret")?, field("token")?);
    if secret != emulator.credentials().playtcha_secret {
        return Err((BAD_SECRET, None));
    }
    let now = emulator.now_ms();
    let mut store = lock(&emulator.playtcha);
    let Some(issued) = store.get_mut(token) else {
        return Err((TOKEN_INVALID, None));
    };
    let claims = &issued.claims;
    if claims.unknown_project == Some(true) {
        return Err((UNKNOWN_PROJECT, None));
    }
    if claims.rate_limited == Some(true) {
        return Err((RATE_LIMITED, Some(claims.retry_after.unwrap_or(1))));
    }
    if claims.db_error == Some(true) {
        return Err((DB_ERROR, None));
    }
    if now.saturating_sub(issued.issued_ms) > TOKEN_TTL_MS {
        return Err((TOKEN_EXPIRED, None));
    }
    if issued.used {
        return Err((ALREADY_REDEEMED, None));
    }
    issued.used = true;
    let degraded = claims.degraded == Some(true);
    Ok(Response::json(
        200,
        &Success {
            success: true,
            challenge_ts: iso_millis(issued.issued_ms),
            hostname: claims.hostname.as_deref().unwrap_or(DEFAULT_HOSTNAME),
            degraded: degraded.then_some(true),
            degraded_reason: degraded.then(|| claims.degraded_reason.as_deref().unwrap_or(DEFAULT_DEGRADED_REASON)),
            action: claims.action.as_deref(),
            score: claims.score,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::EmulatorCredentials;

    fn emulator() -> Emulator {
        Emulator::new(EmulatorCredentials {
            playtcha_secret: "secret".into(),
            ..EmulatorCredentials::default()
        })
    }

    fn post_raw(emulator: &Emulator, body: &str) -> Response {
        let headers = [("host", "127.0.0.1:9"), ("content-type", "application/json")];
        answer(emulator, &Request::post(PATH, &headers, body))
    }

    fn verify_token(emulator: &Emulator, secret: &str, token: &str) -> (u16, Value) {
        let response = post_raw(
            emulator,
            &serde_json::json!({ "secret": secret, "token": token }).to_string(),
        );
        (response.status, serde_json::from_slice(&response.body).unwrap())
    }

    /// The status and code of a failure, checking its envelope on the way.
    fn code(emulator: &Emulator, secret: &str, token: &str) -> (u16, String) {
        let (status, body) = verify_token(emulator, secret, token);
        let error = body["error"]
            .as_object()
            .unwrap_or_else(|| panic!("no envelope: {body}"));
        assert_eq!(body.as_object().unwrap().len(), 1);
        assert!(!error["message"].as_str().unwrap().contains(secret));
        (status, error["code"].as_str().unwrap().to_owned())
    }

    #[test]
    fn errors_are_the_envelope_with_a_request_id_and_the_host() {
        let e = emulator();
        let response = post_raw(&e, "{not json");
        assert_eq!(response.status, 400);
        let body: Value = serde_json::from_slice(&response.body).unwrap();
        let request_id = body["error"]["request_id"].as_str().unwrap();
        assert!(request_id.starts_with("req_") && request_id.len() == 20);
        assert_eq!(response.header("x-request-id"), Some(request_id));
        assert_eq!(body["error"]["code"], "invalid_json");
        assert_eq!(body["error"]["host"], "127.0.0.1:9");
        assert!(body["error"].get("hint").is_none());

        let response = answer(&e, &Request::get(PATH, &[]));
        let body: Value = serde_json::from_slice(&response.body).unwrap();
        assert_eq!(
            (response.status, body["error"]["code"].as_str()),
            (405, Some("method_not_allowed"))
        );
        assert!(body["error"].get("host").is_none());
    }

    #[test]
    fn bad_bodies_are_invalid_body() {
        let e = emulator();
        for body in [
            "[]",
            "null",
            "{}",
            r#"{"secret":"secret"}"#,
            r#"{"secret":"secret","token":""}"#,
            r#"{"secret":5,"token":"t"}"#,
        ] {
            let response = post_raw(&e, body);
            let json: Value = serde_json::from_slice(&response.body).unwrap();
            assert_eq!(
                (response.status, json["error"]["code"].as_str()),
                (400, Some("invalid_body")),
                "{body}"
            );
        }
        assert_eq!(post_raw(&e, "").status, 400);
    }

    #[test]
    fn wrong_secrets_and_unknown_tokens_are_401() {
        let e = emulator();
        let token = issue(&e, None).unwrap();
        let (status, body) = verify_token(&e, "live_wrong", &token);
        assert_eq!((status, body["error"]["code"].as_str()), (401, Some("bad_secret")));
        assert_eq!(body["error"]["hint"], HINT_BAD_SECRET);
        let (status, body) = verify_token(&e, "secret", "playtcha_unknown");
        assert_eq!((status, body["error"]["code"].as_str()), (401, Some("token_invalid")));
        assert_eq!(body["error"]["hint"], HINT_TOKEN_INVALID);
        assert_eq!(verify_token(&e, "secret", &token).0, 200);
    }

    #[test]
    fn issued_tokens_redeem_once_with_their_claims() {
        let e = emulator();
        let issued_ms = e.now_ms();
        let token = issue(&e, None).unwrap();
        let (status, body) = verify_token(&e, "secret", &token);
        assert_eq!(status, 200);
        assert_eq!(body.as_object().unwrap().len(), 3);
        assert_eq!(body["success"], true);
        assert_eq!(body["hostname"], "localhost");
        let ts = body["challenge_ts"].as_str().unwrap();
        assert!(ts.ends_with('Z') && ts.len() == 24, "{ts}");
        assert!(ts >= iso_millis(issued_ms).as_str() && ts <= iso_millis(e.now_ms()).as_str());
        let response = post_raw(
            &e,
            &serde_json::json!({ "secret": "secret", "token": token }).to_string(),
        );
        let body: Value = serde_json::from_slice(&response.body).unwrap();
        assert_eq!(
            (response.status, body["error"]["code"].as_str()),
            (409, Some("already_redeemed"))
        );
        assert_eq!(body["error"]["hint"], HINT_ALREADY_REDEEMED);
        assert_eq!(body["error"]["message"], "Token already redeemed");

        let rich = issue(
            &e,
            Some(r#"{"hostname":"shop.example","action":"checkout","score":0.9,"degraded":true}"#),
        )
        .unwrap();
        let (_, body) = verify_token(&e, "secret", &rich);
        assert_eq!(body["hostname"], "shop.example");
        assert_eq!(
            (body["action"].as_str(), body["score"].as_f64()),
            (Some("checkout"), Some(0.9))
        );
        assert_eq!(
            (body["degraded"].as_bool(), body["degraded_reason"].as_str()),
            (Some(true), Some("monthly_usage_band"))
        );
        let reason = issue(&e, Some(r#"{"degraded":true,"degradedReason":"overage"}"#)).unwrap();
        assert_eq!(verify_token(&e, "secret", &reason).1["degraded_reason"], "overage");
        let not_degraded = issue(&e, Some(r#"{"degraded":false,"degradedReason":"x"}"#)).unwrap();
        let (_, body) = verify_token(&e, "secret", &not_degraded);
        assert!(body.get("degraded").is_none() && body.get("degraded_reason").is_none());
    }

    #[test]
    fn provider_side_failures_do_not_consume_the_token() {
        let e = emulator();
        let unknown = issue(&e, Some(r#"{"unknownProject":true}"#)).unwrap();
        assert_eq!(code(&e, "secret", &unknown), (404, "unknown_project".into()));
        assert_eq!(code(&e, "secret", &unknown), (404, "unknown_project".into()));
        let db = issue(&e, Some(r#"{"dbError":true}"#)).unwrap();
        assert_eq!(code(&e, "secret", &db), (500, "db_error".into()));

        let limited = issue(&e, Some(r#"{"rateLimited":true}"#)).unwrap();
        let response = post_raw(
            &e,
            &serde_json::json!({ "secret": "secret", "token": limited }).to_string(),
        );
        assert_eq!((response.status, response.header("retry-after")), (429, Some("1")));
        let body: Value = serde_json::from_slice(&response.body).unwrap();
        assert_eq!(body["error"]["code"], "rate_limited_ip");
        assert_eq!(body["error"]["hint"], HINT_RATE_LIMITED);
        let slower = issue(&e, Some(r#"{"rateLimited":true,"retryAfter":30}"#)).unwrap();
        let response = post_raw(
            &e,
            &serde_json::json!({ "secret": "secret", "token": slower }).to_string(),
        );
        assert_eq!(response.header("retry-after"), Some("30"));
    }

    #[test]
    fn tokens_expire_after_five_minutes() {
        let e = emulator();
        let old = issue(&e, None).unwrap();
        let young = issue(&e, None).unwrap();
        e.advance_time(TOKEN_TTL_MS as f64 - 5_000.0).unwrap();
        assert_eq!(verify_token(&e, "secret", &young).0, 200);
        e.advance_time(10_000.0).unwrap();
        assert_eq!(code(&e, "secret", &old), (410, "token_expired".into()));
        assert_eq!(code(&e, "secret", &young), (410, "token_expired".into()));
    }

    #[test]
    fn bad_claims_are_refused() {
        let e = emulator();
        for bad in [
            r#"{"hostName":"x"}"#,
            r#"{"retryAfter":-1}"#,
            r#"{"retryAfter":1.5}"#,
            r#"{"degraded":"yes"}"#,
            r#"{"score":1e400}"#,
            "[]",
        ] {
            let error = issue(&e, Some(bad)).unwrap_err();
            assert!(error.message.unwrap().starts_with("invalid playtcha claims"), "{bad}");
        }
    }
}
