//! Friendly Captcha v2's `POST /api/v2/captcha/siteverify`: a JSON body `{response, sitekey?}`
//! with the API key in `X-API-Key`. A verdict is 200 (`{"success":true,"data":{...}}` or
//! `{"success":false,"error":{...}}`); a request the API cannot take is 400 or 401 with the same
//! error shape, each code at the status the SDK's `ERROR_CODE_TO_STATUS` gives it.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::clock::iso_millis;
use crate::http::{Request, Response};
use crate::siteverify::{check_claims, redeem, Life, Redemption};
use crate::state::{lock, Emulator};
use crate::store::{parse_claims, random_hex, BoundedMap, Issued};
use captcha_core::errors::CaptchaError;

pub const PATH: &str = "/api/v2/captcha/siteverify";
/// The origin a token was solved on unless its claims give another.
const DEFAULT_ORIGIN: &str = "http://localhost";
/// Tokens older than this answer `response_timeout` unless their claims say otherwise: the
/// emulator's choice (Friendly Captcha publishes no figure).
const TOKEN_TTL_MS: i64 = 300_000;
const TOKEN_PREFIX: &str = "frc_";

/// What `issue('friendly-captcha', claims)` may set. Every field is optional.
// Serialize too: `schema` reads the field list off a round trip.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Claims {
    /// `data.challenge.origin`. Default `http://localhost`.
    origin: Option<String>,
    /// The challenge was solved this many milliseconds before the token was issued:
    /// `data.challenge.timestamp` is that much earlier. Default 0.
    age_ms: Option<u64>,
    /// `data.risk_intelligence` as given (any JSON; `null` is the default object). Default: a
    /// low-risk desktop Firefox on a German ISP.
    risk_intelligence: Option<Value>,
    /// The sitekey the token was made for: a request's `sitekey`, when sent, must be it. Default:
    /// the emulator's `friendlyCaptchaSitekey`.
    sitekey: Option<String>,
    /// Milliseconds after issue until the token answers `response_timeout`. Default 300000.
    expires_in_ms: Option<u64>,
    /// `false`: the token verifies any number of times until it expires. Default true (then
    /// `response_duplicate`).
    single_use: Option<bool>,
}

/// Issued tokens, bounded (the oldest are forgotten first).
pub type Store = BoundedMap<Issued<Claims>>;

/// Creates a token with these claims.
pub fn issue(emulator: &Emulator, claims_json: Option<&str>) -> Result<String, CaptchaError> {
    let claims: Claims = parse_claims("friendly-captcha", claims_json)?;
    check_claims(
        "friendly-captcha",
        None,
        &[("ageMs", claims.age_ms), ("expiresInMs", claims.expires_in_ms)],
    )?;
    Ok(lock(&emulator.friendlycaptcha).issue(TOKEN_PREFIX, claims, emulator.now_ms()))
}

/// The risk intelligence of a token whose claims give none: every module on, nothing alarming.
pub fn default_risk_intelligence() -> Value {
    json!({
        "risk_scores": { "overall": 1, "network": 1, "browser": 1 },
        "network": {
            "ip": "127.0.0.1",
            "as": {
                "number": 3209, "name": "VODANET", "company": "Vodafone GmbH",
                "description": "Provides mobile and fixed broadband and telecommunication services to consumers and businesses.",
                "domain": "vodafone.de", "country": "DE", "rir": "RIPE", "route": "88.64.0.0/12", "type": "isp"
            },
            "geolocation": {
                "country": {
                    "iso2": "DE", "iso3": "DEU", "name": "Germany", "name_native": "Deutschland",
                    "region": "Europe", "subregion": "Western Europe", "currency": "EUR",
                    "currency_name": "Euro", "phone_code": "49", "capital": "Berlin"
                },
                "city": "Eschborn",
                "state": "Hessen"
            },
            "abuse_contact": {
                "address": "Vodafone GmbH, Campus Eschborn, Duesseldorfer Strasse 15, D-65760 Eschborn, Germany",
                "name": "Vodafone Germany IP Core Backbone", "email": "abuse.de@vodafone.com", "phone": "+49 6196 52352105"
            },
            "anonymization": { "vpn_score": 1, "proxy_score": 1, "tor": false, "icloud_private_relay": false }
        },
        "client": {
            "header_user_agent": "Mozilla/5.0 (X11; Linux x86_64; rv:146.0) Gecko/20100101 Firefox/146.0",
            "time_zone": { "name": "Europe/Berlin", "country_iso2": "DE" },
            "browser": { "id": "firefox", "name": "Firefox", "version": "146.0", "release_date": "2026-01-13" },
            "browser_engine": { "id": "gecko", "name": "Gecko", "version": "146.0" },
            "device": { "type": "desktop", "brand": "", "model": "" },
            "os": { "id": "linux", "name": "Linux", "version": "" },
            "tls_signature": {
                "ja3": "d87a30a5782a73a83c1544bb06332780",
                "ja3n": "28ecc2d2875b345cecbb632b12d8c1e0",
                "ja4": "t13d1516h2_8daaf6152771_02713d6af862"
            },
            "automation": {
                "automation_tool": { "detected": false, "id": "", "name": "", "type": "" },
                "known_bot": { "detected": false, "id": "", "name": "", "type": "", "url": "" }
            }
        }
    })
}

/// The API's error shape at `status`.
fn error(status: u16, code: &str, detail: &str) -> Response {
    Response::json(
        status,
        &json!({ "success": false, "error": { "error_code": code, "detail": detail } }),
    )
}

/// Answers `POST /api/v2/captcha/siteverify` as Friendly Captcha does.
pub fn answer(emulator: &Emulator, request: &Request) -> Response {
    if request.method != "POST" {
        let mut refused = error(405, "bad_request", "use POST");
        refused.set_header("allow", "POST");
        return refused;
    }
    let credentials = emulator.credentials();
    match request.header("x-api-key") {
        None | Some("") => return error(401, "auth_required", "the X-API-Key header is missing"),
        Some(key) if key != credentials.friendly_captcha_api_key => {
            return error(401, "auth_invalid", "the API key is not valid")
        }
        Some(_) => {}
    }
    let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(&request.body) else {
        return error(400, "bad_request", "the body must be a JSON object");
    };
    let response = match body.get("response") {
        Some(Value::String(response)) if !response.is_empty() => response.as_str(),
        _ => return error(400, "response_missing", "the response field is missing"),
    };
    let sitekey = match body.get("sitekey") {
        None | Some(Value::Null) => None,
        Some(Value::String(sitekey)) if *sitekey == credentials.friendly_captcha_sitekey => Some(sitekey.as_str()),
        Some(_) => return error(400, "sitekey_invalid", "the sitekey is not valid for this account"),
    };
    let now = emulator.now_ms();
    let mut store = lock(&emulator.friendlycaptcha);
    let Some(issued) = store.get_mut(response) else {
        return error(200, "response_invalid", "the response is invalid");
    };
    let claims = issued.claims.clone();
    let made_for = claims
        .sitekey
        .as_deref()
        .unwrap_or(&credentials.friendly_captcha_sitekey);
    if sitekey.is_some_and(|sitekey| sitekey != made_for) {
        return error(200, "response_invalid", "the response was made for another sitekey");
    }
    match redeem(
        issued,
        Life::new(claims.expires_in_ms, claims.single_use, TOKEN_TTL_MS),
        now,
    ) {
        Redemption::Expired => error(200, "response_timeout", "the response has expired"),
        Redemption::Spent => error(200, "response_duplicate", "the response has already been used"),
        Redemption::Fresh => {
            let solved_ms = issued
                .issued_ms
                .saturating_sub(i64::try_from(claims.age_ms.unwrap_or(0)).unwrap_or(i64::MAX));
            let risk_intelligence = match claims.risk_intelligence {
                None | Some(Value::Null) => default_risk_intelligence(),
                Some(given) => given,
            };
            Response::json(
                200,
                &json!({
                    "success": true,
                    "data": {
                        "event_id": format!("evt_{}", random_hex(12)),
                        "challenge": {
                            "timestamp": iso_millis(solved_ms),
                            "origin": claims.origin.as_deref().unwrap_or(DEFAULT_ORIGIN),
                        },
                        "risk_intelligence": risk_intelligence,
                    },
                }),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::EmulatorCredentials;

    const KEY: &str = "key";
    const SITEKEY: &str = "FCMSITEKEY";

    fn emulator() -> Emulator {
        Emulator::new(EmulatorCredentials {
            friendly_captcha_api_key: KEY.into(),
            friendly_captcha_sitekey: SITEKEY.into(),
            ..EmulatorCredentials::default()
        })
    }

    fn post(e: &Emulator, key: Option<&str>, body: &str) -> (u16, Value) {
        let mut headers = vec![("content-type", "application/json")];
        if let Some(key) = key {
            headers.push(("x-api-key", key));
        }
        let response = answer(e, &Request::post(PATH, &headers, body));
        (response.status, serde_json::from_slice(&response.body).unwrap())
    }

    fn verify(e: &Emulator, body: Value) -> (u16, Value) {
        post(e, Some(KEY), &body.to_string())
    }

    /// The status and the error code, checking the error's shape on the way.
    fn code(answer: (u16, Value)) -> (u16, String) {
        let (status, body) = answer;
        assert_eq!(body["success"], false, "{body}");
        assert_eq!(body.as_object().unwrap().len(), 2);
        assert!(body["error"]["detail"].is_string());
        (status, body["error"]["error_code"].as_str().unwrap().to_owned())
    }

    #[test]
    fn requests_it_cannot_take_are_the_documented_codes_and_statuses() {
        let e = emulator();
        let token = issue(&e, None).unwrap();
        let body = json!({ "response": token }).to_string();
        assert_eq!(code(post(&e, None, &body)), (401, "auth_required".into()));
        assert_eq!(code(post(&e, Some(""), &body)), (401, "auth_required".into()));
        assert_eq!(code(post(&e, Some("wrong"), &body)), (401, "auth_invalid".into()));
        for bad in ["", "{not json", "[]", "null"] {
            assert_eq!(code(post(&e, Some(KEY), bad)), (400, "bad_request".into()), "{bad}");
        }
        for missing in [json!({}), json!({ "response": "" }), json!({ "response": 5 })] {
            assert_eq!(code(verify(&e, missing)), (400, "response_missing".into()));
        }
        for sitekey in [json!("other"), json!(5)] {
            assert_eq!(
                code(verify(&e, json!({ "response": token, "sitekey": sitekey }))),
                (400, "sitekey_invalid".into())
            );
        }
        let wrong_method = answer(&e, &Request::get(PATH, &[("x-api-key", KEY)]));
        assert_eq!(wrong_method.status, 405);
        assert!(wrong_method.headers.contains(&("allow".into(), "POST".into())));
        // None of these spent the token.
        assert_eq!(verify(&e, json!({ "response": token, "sitekey": SITEKEY })).0, 200);
    }

    #[test]
    fn an_issued_token_verifies_once_with_its_claims() {
        let e = emulator();
        let issued_ms = e.now_ms();
        let token = issue(&e, None).unwrap();
        let (status, body) = verify(&e, json!({ "response": token }));
        assert_eq!((status, &body["success"]), (200, &json!(true)));
        let data = &body["data"];
        assert!(data["event_id"].as_str().unwrap().starts_with("evt_"));
        let timestamp = data["challenge"]["timestamp"].as_str().unwrap();
        assert!(timestamp >= iso_millis(issued_ms).as_str() && timestamp <= iso_millis(e.now_ms()).as_str());
        assert_eq!(data["challenge"]["origin"], DEFAULT_ORIGIN);
        assert_eq!(data["risk_intelligence"], default_risk_intelligence());
        assert_eq!(
            code(verify(&e, json!({ "response": token }))),
            (200, "response_duplicate".into())
        );
        assert_eq!(
            code(verify(&e, json!({ "response": "frc_unknown" }))),
            (200, "response_invalid".into())
        );

        let claimed = issue(
            &e,
            Some(r#"{"origin":"https://shop.example","ageMs":60000,"riskIntelligence":{"risk_scores":null},"singleUse":false}"#),
        )
        .unwrap();
        for _ in 0..2 {
            let (status, body) = verify(&e, json!({ "response": claimed }));
            assert_eq!(status, 200);
            assert_eq!(body["data"]["challenge"]["origin"], "https://shop.example");
            assert_eq!(body["data"]["risk_intelligence"], json!({ "risk_scores": null }));
            assert!(
                body["data"]["challenge"]["timestamp"].as_str().unwrap() <= iso_millis(e.now_ms() - 60_000).as_str()
            );
        }
    }

    #[test]
    fn tokens_expire_and_keep_to_their_sitekey() {
        let e = emulator();
        let short = issue(&e, Some(r#"{"expiresInMs":1000}"#)).unwrap();
        let default = issue(&e, None).unwrap();
        e.advance_time(1_001.0).unwrap();
        assert_eq!(
            code(verify(&e, json!({ "response": short }))),
            (200, "response_timeout".into())
        );
        e.advance_time(TOKEN_TTL_MS as f64).unwrap();
        assert_eq!(
            code(verify(&e, json!({ "response": default }))),
            (200, "response_timeout".into())
        );

        let other = issue(&e, Some(r#"{"sitekey":"OTHER"}"#)).unwrap();
        assert_eq!(
            code(verify(&e, json!({ "response": other, "sitekey": SITEKEY }))),
            (200, "response_invalid".into())
        );
        // Without a sitekey in the request, the token's is not checked (as the API does).
        assert_eq!(verify(&e, json!({ "response": other })).0, 200);
    }

    #[test]
    fn bad_claims_are_refused() {
        let e = emulator();
        for bad in [
            r#"{"Origin":"x"}"#,
            r#"{"ageMs":-1}"#,
            r#"{"expiresInMs":400000000000}"#,
            r#"{"singleUse":"no"}"#,
            "[]",
        ] {
            let error = issue(&e, Some(bad)).unwrap_err();
            assert!(
                error.message.unwrap().starts_with("invalid friendly-captcha claims"),
                "{bad}"
            );
        }
    }
}
