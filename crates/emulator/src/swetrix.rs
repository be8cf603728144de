//! The Swetrix CAPTCHA API: `POST /v1/captcha/validate` with a JSON body `{token, secret}`,
//! answered with NestJS bodies; the published test secrets; single-use tokens that expire.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::http::{Request, Response};
use crate::identities::swetrix::{FAIL_SECRET, PASS_SECRET, USED_SECRET};
use crate::state::{lock, Emulator};
use crate::store::{parse_claims, random_hex, BoundedMap, Issued};
use captcha_core::errors::CaptchaError;

pub const PATH: &str = "/v1/captcha/validate";
const DUMMY_CHALLENGE: &str = "DUMMY_CHALLENGE00000111112222233333444445555566666777778888899999";
const DUMMY_PID: &str = "AP00000000000";
const DEFAULT_PID: &str = "APEMULATOR000";
/// Tokens older than this are refused (`Token expired`).
const TOKEN_TTL_MS: i64 = 300_000;
const TOKEN_PREFIX: &str = "swetrix_";

/// What `issue('swetrix', claims)` may set. Every field is optional.
// Serialize too: `schema` reads the field list off a round trip.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Claims {
    challenge: Option<String>,
    pid: Option<String>,
    /// The token decrypts but its payload is not one the server accepts.
    invalid_payload: Option<bool>,
    /// The throttler refuses the request (429); the token is not consumed.
    rate_limited: Option<bool>,
}

/// What an issued token carries, its defaults filled in at issue.
#[derive(Debug, Clone)]
pub struct Payload {
    challenge: String,
    pid: String,
    invalid_payload: bool,
    rate_limited: bool,
}

/// Issued tokens, bounded (the oldest are forgotten first).
pub type Store = BoundedMap<Issued<Payload>>;

/// NestJS's error body, its keys in Nest's order.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct NestError<M: Serialize> {
    message: M,
    error: &'static str,
    status_code: u16,
}

/// The throttler's answer, its keys in Nest's order (`statusCode` first).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TooManyRequests {
    status_code: u16,
    message: &'static str,
}

#[derive(Serialize)]
struct Success<'a> {
    success: bool,
    data: SuccessData<'a>,
}

#[derive(Serialize)]
struct SuccessData<'a> {
    challenge: &'a str,
    timestamp: i64,
    pid: &'a str,
}

fn bad_request(message: &str) -> Response {
    Response::json(
        400,
        &NestError {
            message,
            error: "Bad Request",
            status_code: 400,
        },
    )
}

fn success(challenge: &str, timestamp: i64, pid: &str) -> Response {
    Response::json(
        200,
        &Success {
            success: true,
            data: SuccessData {
                challenge,
                timestamp,
                pid,
            },
        },
    )
}

/// Creates a token with these claims.
pub fn issue(emulator: &Emulator, claims_json: Option<&str>) -> Result<String, CaptchaError> {
    let claims: Claims = parse_claims("swetrix", claims_json)?;
    let payload = Payload {
        challenge: claims.challenge.unwrap_or_else(|| random_hex(32)),
        pid: claims.pid.unwrap_or_else(|| DEFAULT_PID.into()),
        invalid_payload: claims.invalid_payload.unwrap_or(false),
        rate_limited: claims.rate_limited.unwrap_or(false),
    };
    Ok(lock(&emulator.swetrix).issue(TOKEN_PREFIX, payload, emulator.now_ms()))
}

/// The byte offset of a JSON syntax error, from serde's line and column.
fn error_position(body: &[u8], error: &serde_json::Error) -> usize {
    let line_start: usize = body
        .split(|b| *b == b'\n')
        .take(error.line().saturating_sub(1))
        .map(|line| line.len() + 1)
        .sum();
    line_start + error.column().saturating_sub(1)
}

/// class-validator's `@IsString() @IsNotEmpty()` messages for `field`.
fn validate(body: &serde_json::Map<String, Value>, field: &str, messages: &mut Vec<String>) {
    match body.get(field) {
        Some(Value::String(text)) if !text.is_empty() => {}
        Some(Value::String(_)) => messages.push(format!("{field} should not be empty")),
        // Present but not a string: only @IsString fails (@IsNotEmpty refuses '', null, undefined).
        Some(value) if !value.is_null() => messages.push(format!("{field} must be a string")),
        _ => {
            messages.push(format!("{field} must be a string"));
            messages.push(format!("{field} should not be empty"));
        }
    }
}

/// Answers `POST /v1/captcha/validate` as the real NestJS server does.
pub fn answer(emulator: &Emulator, request: &Request) -> Response {
    if request.method != "POST" {
        let url = match &request.query {
            Some(query) => format!("{}?{query}", request.path),
            None => request.path.clone(),
        };
        let message = format!("Cannot {} {url}", request.method);
        return Response::json(
            404,
            &NestError {
                message,
                error: "Not Found",
                status_code: 404,
            },
        );
    }
    // body-parser reads an empty body as `{}`.
    let parsed = if request.body.is_empty() {
        Ok(Value::Object(Default::default()))
    } else {
        serde_json::from_slice::<Value>(&request.body)
    };
    let body = match parsed {
        Ok(Value::Object(fields)) => fields,
        Ok(_) => serde_json::Map::new(),
        Err(e) => {
            let position = error_position(&request.body, &e);
            return bad_request(&format!("Unexpected token in JSON at position {position}"));
        }
    };
    let mut messages = Vec::new();
    validate(&body, "token", &mut messages);
    validate(&body, "secret", &mut messages);
    if !messages.is_empty() {
        return Response::json(
            400,
            &NestError {
                message: messages,
                error: "Bad Request",
                status_code: 400,
            },
        );
    }
    let (token, secret) = match (body.get("token"), body.get("secret")) {
        (Some(Value::String(token)), Some(Value::String(secret))) => (token, secret),
        _ => return bad_request("Could not decrypt token"),
    };
    let now = emulator.now_ms();
    match secret.as_str() {
        PASS_SECRET => return success(DUMMY_CHALLENGE, now, DUMMY_PID),
        FAIL_SECRET => return bad_request("Could not decrypt token"),
        USED_SECRET => return bad_request("Token already used"),
        _ => {}
    }
    if *secret != emulator.credentials().swetrix_secret {
        return bad_request("Could not decrypt token");
    }
    let mut store = lock(&emulator.swetrix);
    let Some(issued) = store.get_mut(token) else {
        return bad_request("Could not decrypt token");
    };
    if issued.claims.rate_limited {
        return Response::json(
            429,
            &TooManyRequests {
                status_code: 429,
                message: "Too many requests, please try again later",
            },
        );
    }
    if issued.claims.invalid_payload {
        return bad_request("Invalid token payload");
    }
    if now.saturating_sub(issued.issued_ms) > TOKEN_TTL_MS {
        return bad_request("Token expired");
    }
    if issued.used {
        return bad_request("Token already used");
    }
    issued.used = true;
    success(&issued.claims.challenge, issued.issued_ms, &issued.claims.pid)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::EmulatorCredentials;

    fn emulator() -> Emulator {
        Emulator::new(EmulatorCredentials {
            swetrix_secret: "secret".into(),
            ..EmulatorCredentials::default()
        })
    }

    fn post(emulator: &Emulator, body: &str) -> (u16, String) {
        let response = answer(
            emulator,
            &Request::post(PATH, &[("content-type", "application/json")], body),
        );
        (response.status, String::from_utf8(response.body).unwrap())
    }

    fn validate_token(emulator: &Emulator, token: &str, secret: &str) -> (u16, String) {
        post(
            emulator,
            &serde_json::json!({ "token": token, "secret": secret }).to_string(),
        )
    }

    fn failure(message: &str) -> (u16, String) {
        (
            400,
            format!(r#"{{"message":"{message}","error":"Bad Request","statusCode":400}}"#),
        )
    }

    #[test]
    fn other_methods_get_nest_404() {
        let e = emulator();
        let response = answer(&e, &Request::get(PATH, &[]));
        assert_eq!(response.status, 404);
        assert_eq!(
            String::from_utf8(response.body).unwrap(),
            r#"{"message":"Cannot GET /v1/captcha/validate","error":"Not Found","statusCode":404}"#
        );
        let mut put = Request::get("/v1/captcha/validate?a=1", &[]);
        put.method = "PUT".into();
        assert!(String::from_utf8(answer(&e, &put).body)
            .unwrap()
            .contains("Cannot PUT /v1/captcha/validate?a=1"));
    }

    #[test]
    fn bad_json_and_missing_fields_get_nest_400() {
        let e = emulator();
        assert_eq!(post(&e, "oops"), failure("Unexpected token in JSON at position 0"));
        // As V8 says of `JSON.parse('not json')`: `n` may start `null`, `o` cannot follow.
        assert_eq!(post(&e, "not json"), failure("Unexpected token in JSON at position 1"));
        assert_eq!(
            post(&e, "{\n \"token\": x}"),
            failure("Unexpected token in JSON at position 12")
        );
        let both = r#"{"message":["token must be a string","token should not be empty","secret must be a string","secret should not be empty"],"error":"Bad Request","statusCode":400}"#;
        assert_eq!(post(&e, "{}"), (400, both.to_owned()));
        assert_eq!(post(&e, ""), (400, both.to_owned()));
        assert_eq!(post(&e, "[1]"), (400, both.to_owned()));
        assert_eq!(post(&e, r#""text""#), (400, both.to_owned()));
        assert_eq!(
            post(&e, r#"{"token":"t"}"#),
            (
                400,
                r#"{"message":["secret must be a string","secret should not be empty"],"error":"Bad Request","statusCode":400}"#.to_owned()
            )
        );
        assert_eq!(
            post(&e, r#"{"token":"","secret":5}"#),
            (
                400,
                r#"{"message":["token should not be empty","secret must be a string"],"error":"Bad Request","statusCode":400}"#.to_owned()
            )
        );
    }

    #[test]
    fn test_secrets_answer_whatever_the_token() {
        let e = emulator();
        let before = e.now_ms();
        let (status, body) = validate_token(&e, "anything", PASS_SECRET);
        let body: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(status, 200);
        assert_eq!(body["success"], true);
        assert_eq!(body["data"]["challenge"], DUMMY_CHALLENGE);
        assert_eq!(body["data"]["pid"], "AP00000000000");
        assert!(body["data"]["timestamp"].as_i64().unwrap() >= before);
        assert_eq!(
            validate_token(&e, "anything", FAIL_SECRET),
            failure("Could not decrypt token")
        );
        assert_eq!(
            validate_token(&e, "anything", USED_SECRET),
            failure("Token already used")
        );
        // What the identities say each answers is what it answers.
        use crate::identities::swetrix::{FAIL_ANSWERS, PASS_ANSWERS, USED_ANSWERS};
        for (secret, answers) in [
            (PASS_SECRET, PASS_ANSWERS),
            (FAIL_SECRET, FAIL_ANSWERS),
            (USED_SECRET, USED_ANSWERS),
        ] {
            assert_eq!(validate_token(&e, "anything", secret).0, answers.status, "{secret}");
        }
        // Validation still comes first.
        let empty_token = serde_json::json!({ "token": "", "secret": PASS_SECRET });
        assert_eq!(post(&e, &empty_token.to_string()).0, 400);
    }

    #[test]
    fn issued_tokens_pass_once_with_their_claims() {
        let e = emulator();
        let token = issue(&e, Some(r#"{"challenge":"c1","pid":"AP123"}"#)).unwrap();
        assert!(token.starts_with(TOKEN_PREFIX) && token.len() == TOKEN_PREFIX.len() + 64);
        let issued_ms = e.now_ms();
        let (status, body) = validate_token(&e, &token, "secret");
        assert_eq!(status, 200);
        let body: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(
            (body["data"]["challenge"].as_str(), body["data"]["pid"].as_str()),
            (Some("c1"), Some("AP123"))
        );
        assert!((body["data"]["timestamp"].as_i64().unwrap() - issued_ms).abs() < 1_000);
        assert_eq!(validate_token(&e, &token, "secret"), failure("Token already used"));

        let token = issue(&e, None).unwrap();
        let body: Value = serde_json::from_str(&validate_token(&e, &token, "secret").1).unwrap();
        let challenge = body["data"]["challenge"].as_str().unwrap();
        assert!(challenge.len() == 64 && challenge.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(body["data"]["pid"], DEFAULT_PID);
    }

    #[test]
    fn wrong_secrets_unknown_tokens_bad_payloads_and_old_tokens_fail() {
        let e = emulator();
        let token = issue(&e, None).unwrap();
        assert_eq!(validate_token(&e, &token, "wrong"), failure("Could not decrypt token"));
        assert_eq!(
            validate_token(&e, "swetrix_unknown", "secret"),
            failure("Could not decrypt token")
        );
        // A wrong secret did not use the token up.
        assert_eq!(validate_token(&e, &token, "secret").0, 200);

        let bad = issue(&e, Some(r#"{"invalidPayload":true}"#)).unwrap();
        assert_eq!(validate_token(&e, &bad, "secret"), failure("Invalid token payload"));
        assert_eq!(validate_token(&e, &bad, "secret"), failure("Invalid token payload"));

        let old = issue(&e, None).unwrap();
        let fresh_enough = issue(&e, None).unwrap();
        e.advance_time(TOKEN_TTL_MS as f64 - 5_000.0).unwrap();
        assert_eq!(validate_token(&e, &fresh_enough, "secret").0, 200);
        e.advance_time(10_000.0).unwrap();
        assert_eq!(validate_token(&e, &old, "secret"), failure("Token expired"));
    }

    #[test]
    fn rate_limited_tokens_get_the_throttler_429_and_stay_unused() {
        let e = emulator();
        let limited = issue(&e, Some(r#"{"rateLimited":true}"#)).unwrap();
        let too_many = (
            429,
            r#"{"statusCode":429,"message":"Too many requests, please try again later"}"#.to_owned(),
        );
        assert_eq!(validate_token(&e, &limited, "secret"), too_many);
        assert_eq!(validate_token(&e, &limited, "secret"), too_many);
        assert!(!lock(&e.swetrix).get(&limited).unwrap().used);
        // The secret is still checked first, and `false` is no limit.
        assert_eq!(
            validate_token(&e, &limited, "wrong"),
            failure("Could not decrypt token")
        );
        let free = issue(&e, Some(r#"{"rateLimited":false}"#)).unwrap();
        assert_eq!(validate_token(&e, &free, "secret").0, 200);
    }

    #[test]
    fn bad_claims_are_refused() {
        let e = emulator();
        for bad in [
            r#"{"chalenge":"x"}"#,
            r#"{"invalidPayload":"yes"}"#,
            r#"{"rateLimited":1}"#,
            "[]",
            "nope",
        ] {
            let error = issue(&e, Some(bad)).unwrap_err();
            assert!(error.message.unwrap().starts_with("invalid swetrix claims"), "{bad}");
        }
    }
}
