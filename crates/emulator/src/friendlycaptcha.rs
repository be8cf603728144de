//! Friendly Captcha v2's `POST /api/v2/captcha/siteverify` (a JSON body `{response, sitekey?}`)
//! and `POST /api/v2/riskIntelligence/retrieve` (`{token, sitekey?}`), the API key in
//! `X-API-Key`. A verdict is 200 (`{"success":true,"data":{...}}` or
//! `{"success":false,"error":{...}}`); a request the API cannot take is 400 or 401 with the same
//! error shape, each code at the status the SDK's `ERROR_CODE_TO_STATUS` gives it.
//!
//! Captcha responses and Risk Intelligence tokens are both issued by `issue('friendly-captcha')`
//! (the `riskIntelligenceToken` claim picks which) and kept in one store; each endpoint knows
//! only its own kind, as the API does.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::clock::iso_millis;
use crate::http::{Request, Response};
use crate::siteverify::{check_claims, redeem, Life, Redemption};
use crate::state::{lock, Emulator};
use crate::store::{parse_claims, random_hex, BoundedMap, Issued};
use captcha_core::errors::CaptchaError;

pub const PATH: &str = "/api/v2/captcha/siteverify";
pub const RETRIEVE_PATH: &str = "/api/v2/riskIntelligence/retrieve";
/// The origin a token was solved on unless its claims give another.
const DEFAULT_ORIGIN: &str = "http://localhost";
/// Tokens older than this answer `response_timeout` unless their claims say otherwise: the
/// emulator's choice (Friendly Captcha publishes no figure).
const TOKEN_TTL_MS: i64 = 300_000;
pub(crate) const TOKEN_PREFIX: &str = "frc_";
/// Risk Intelligence tokens older than this answer `token_expired` unless their claims say
/// otherwise: 15 minutes, the gap between `timestamp` and `expires_at` in Friendly Captcha's
/// documented example.
const RISK_INTELLIGENCE_TTL_MS: i64 = 900_000;
const RISK_INTELLIGENCE_PREFIX: &str = "frc_ri_";

/// What `issue('friendly-captcha', claims)` may set. Every field is optional.
// Serialize too: `schema` reads the field list off a round trip.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Claims {
    /// `true`: a Risk Intelligence token (for `/api/v2/riskIntelligence/retrieve`), not a
    /// captcha response. Default false.
    risk_intelligence_token: Option<bool>,
    /// `data.challenge.origin` (a token's: `data.token.origin`). Default `http://localhost`.
    origin: Option<String>,
    /// The challenge was solved (a token made) this many milliseconds before it was issued:
    /// `data.challenge.timestamp` (`data.token.timestamp`) is that much earlier. Default 0.
    age_ms: Option<u64>,
    /// `data.risk_intelligence` as given (any JSON; `null` is the default object). Default: a
    /// low-risk desktop Firefox on a German ISP.
    risk_intelligence: Option<Value>,
    /// The sitekey the token was made for: a request's `sitekey`, when sent, must be it. Default:
    /// the emulator's `friendlyCaptchaSitekey`.
    sitekey: Option<String>,
    /// Milliseconds after issue until the token answers `response_timeout` (a Risk Intelligence
    /// token: `token_expired`). Default 300000 (a Risk Intelligence token: 900000).
    expires_in_ms: Option<u64>,
    /// A captcha response's: `false`, it verifies any number of times until it expires. Default
    /// true (then `response_duplicate`).
    single_use: Option<bool>,
    /// A Risk Intelligence token's: how many retrieves it answers before `token_invalid`.
    /// Default: any number until it expires.
    max_uses: Option<u64>,
}

impl Claims {
    fn is_risk_intelligence_token(&self) -> bool {
        self.risk_intelligence_token == Some(true)
    }

    /// Whether a request naming `sitekey` may use the token: one naming none always may (as the
    /// API does), else only the sitekey the token was made for (the claims', or the account's).
    fn takes_sitekey(&self, sitekey: Option<&str>, account_sitekey: &str) -> bool {
        sitekey.is_none_or(|sitekey| sitekey == self.sitekey.as_deref().unwrap_or(account_sitekey))
    }

    /// When the challenge was solved (the token made): `ageMs` before the issue.
    fn made_ms(&self, issued_ms: i64) -> i64 {
        issued_ms.saturating_sub(i64::try_from(self.age_ms.unwrap_or(0)).unwrap_or(i64::MAX))
    }

    /// `data.origin` of either answer.
    fn origin(&self) -> &str {
        self.origin.as_deref().unwrap_or(DEFAULT_ORIGIN)
    }

    /// `data.risk_intelligence` of either answer: the claims', else the default.
    fn risk_intelligence(&self) -> Value {
        match &self.risk_intelligence {
            None | Some(Value::Null) => default_risk_intelligence(),
            Some(given) => given.clone(),
        }
    }
}

/// An issued response or token: its claims, and how many retrieves a token has answered.
#[derive(Debug, Clone)]
pub struct Entry {
    claims: Claims,
    uses: u64,
}

/// Issued tokens, bounded (the oldest are forgotten first).
pub type Store = BoundedMap<Issued<Entry>>;

/// Creates a captcha response (or a Risk Intelligence token) with these claims.
pub fn issue(emulator: &Emulator, claims_json: Option<&str>) -> Result<String, CaptchaError> {
    let claims: Claims = parse_claims("friendly-captcha", claims_json)?;
    check_claims(
        "friendly-captcha",
        None,
        &[("ageMs", claims.age_ms), ("expiresInMs", claims.expires_in_ms)],
    )?;
    let refused = |why: &str| {
        Err(CaptchaError::invalid_argument(format!(
            "invalid friendly-captcha claims: {why}"
        )))
    };
    let prefix = if claims.is_risk_intelligence_token() {
        if claims.single_use.is_some() {
            return refused("singleUse is a captcha response's; a Risk Intelligence token takes maxUses");
        }
        if claims.max_uses == Some(0) {
            return refused("maxUses must be at least 1");
        }
        RISK_INTELLIGENCE_PREFIX
    } else {
        if claims.max_uses.is_some() {
            return refused("maxUses is a Risk Intelligence token's (riskIntelligenceToken: true); a captcha response takes singleUse");
        }
        TOKEN_PREFIX
    };
    let entry = Entry { claims, uses: 0 };
    Ok(lock(&emulator.friendlycaptcha).issue(prefix, entry, emulator.now_ms()))
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

/// What both endpoints check first: the method, the key, a JSON object body, its `field` (a
/// non-empty string, else `missing`) and its `sitekey` (the account's, when given). `Ok` with the
/// value and the sitekey; `Err` with the answer.
fn checked(
    emulator: &Emulator,
    request: &Request,
    field: &str,
    missing: &str,
) -> Result<(String, Option<String>), Response> {
    if request.method != "POST" {
        let mut refused = error(405, "bad_request", "use POST");
        refused.set_header("allow", "POST");
        return Err(refused);
    }
    let credentials = emulator.credentials();
    match request.header("x-api-key") {
        None | Some("") => return Err(error(401, "auth_required", "the X-API-Key header is missing")),
        Some(key) if key != credentials.friendly_captcha_api_key => {
            return Err(error(401, "auth_invalid", "the API key is not valid"))
        }
        Some(_) => {}
    }
    let Ok(Value::Object(mut body)) = serde_json::from_slice::<Value>(&request.body) else {
        return Err(error(400, "bad_request", "the body must be a JSON object"));
    };
    let value = match body.remove(field) {
        Some(Value::String(value)) if !value.is_empty() => value,
        _ => return Err(error(400, missing, &format!("the {field} field is missing"))),
    };
    let sitekey = match body.remove("sitekey") {
        None | Some(Value::Null) => None,
        Some(Value::String(sitekey)) if sitekey == credentials.friendly_captcha_sitekey => Some(sitekey),
        Some(_) => {
            return Err(error(
                400,
                "sitekey_invalid",
                "the sitekey is not valid for this account",
            ))
        }
    };
    Ok((value, sitekey))
}

/// Answers a request to either path (`routes::provider_of` sends both here).
pub fn answer(emulator: &Emulator, request: &Request) -> Response {
    if request.path == RETRIEVE_PATH {
        retrieve(emulator, request)
    } else {
        siteverify(emulator, request)
    }
}

/// Answers `POST /api/v2/captcha/siteverify` as Friendly Captcha does.
fn siteverify(emulator: &Emulator, request: &Request) -> Response {
    let (response, sitekey) = match checked(emulator, request, "response", "response_missing") {
        Ok(checked) => checked,
        Err(answer) => return answer,
    };
    let now = emulator.now_ms();
    let mut store = lock(&emulator.friendlycaptcha);
    let Some(issued) = store
        .get_mut(&response)
        .filter(|issued| !issued.claims.claims.is_risk_intelligence_token())
    else {
        return error(200, "response_invalid", "the response is invalid");
    };
    let claims = &issued.claims.claims;
    if !claims.takes_sitekey(sitekey.as_deref(), &emulator.credentials().friendly_captcha_sitekey) {
        return error(200, "response_invalid", "the response was made for another sitekey");
    }
    let life = Life::new(claims.expires_in_ms, claims.single_use, TOKEN_TTL_MS);
    match redeem(issued, life, now) {
        Redemption::Expired => error(200, "response_timeout", "the response has expired"),
        Redemption::Spent => error(200, "response_duplicate", "the response has already been used"),
        Redemption::Fresh => {
            let claims = &issued.claims.claims;
            Response::json(
                200,
                &json!({
                    "success": true,
                    "data": {
                        "event_id": format!("evt_{}", random_hex(12)),
                        "challenge": {
                            "timestamp": iso_millis(claims.made_ms(issued.issued_ms)),
                            "origin": claims.origin(),
                        },
                        "risk_intelligence": claims.risk_intelligence(),
                    },
                }),
            )
        }
    }
}

/// Answers `POST /api/v2/riskIntelligence/retrieve` as Friendly Captcha does: a token's data
/// as many times as its `maxUses` allow until it expires.
fn retrieve(emulator: &Emulator, request: &Request) -> Response {
    let (token, sitekey) = match checked(emulator, request, "token", "token_missing") {
        Ok(checked) => checked,
        Err(answer) => return answer,
    };
    let now = emulator.now_ms();
    let mut store = lock(&emulator.friendlycaptcha);
    let Some(issued) = store
        .get_mut(&token)
        .filter(|issued| issued.claims.claims.is_risk_intelligence_token())
    else {
        return error(200, "token_invalid", "the token is invalid");
    };
    let claims = &issued.claims.claims;
    if !claims.takes_sitekey(sitekey.as_deref(), &emulator.credentials().friendly_captcha_sitekey) {
        return error(200, "token_invalid", "the token was made for another sitekey");
    }
    // Not `redeem`: a token is counted against `maxUses`, not spent by its first use.
    let life = Life::new(claims.expires_in_ms, Some(false), RISK_INTELLIGENCE_TTL_MS);
    if life.expired(issued.issued_ms, now) {
        return error(200, "token_expired", "the token has expired");
    }
    if claims.max_uses.is_some_and(|max| issued.claims.uses >= max) {
        return error(
            200,
            "token_invalid",
            "the token has been used as many times as it may be",
        );
    }
    issued.claims.uses += 1;
    let claims = &issued.claims.claims;
    Response::json(
        200,
        &json!({
            "success": true,
            "data": {
                "event_id": format!("evt_{}", random_hex(12)),
                "token": {
                    "timestamp": iso_millis(claims.made_ms(issued.issued_ms)),
                    "expires_at": iso_millis(issued.issued_ms.saturating_add(life.expires_in_ms)),
                    "num_uses": issued.claims.uses,
                    "origin": claims.origin(),
                },
                "risk_intelligence": claims.risk_intelligence(),
            },
        }),
    )
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

    fn retrieve(e: &Emulator, body: Value) -> (u16, Value) {
        let headers = [("content-type", "application/json"), ("x-api-key", KEY)];
        let response = answer(e, &Request::post(RETRIEVE_PATH, &headers, &body.to_string()));
        (response.status, serde_json::from_slice(&response.body).unwrap())
    }

    fn risk_token(e: &Emulator, claims: &str) -> String {
        issue(e, Some(&format!(r#"{{"riskIntelligenceToken":true{claims}}}"#))).unwrap()
    }

    #[test]
    fn retrieve_refuses_what_it_cannot_take_with_the_documented_codes() {
        let e = emulator();
        let token = risk_token(&e, "");
        assert!(token.starts_with(RISK_INTELLIGENCE_PREFIX));
        let body = json!({ "token": token }).to_string();
        let post = |key: Option<&str>, body: &str| {
            let mut headers = vec![("content-type", "application/json")];
            if let Some(key) = key {
                headers.push(("x-api-key", key));
            }
            let response = answer(&e, &Request::post(RETRIEVE_PATH, &headers, body));
            (
                response.status,
                serde_json::from_slice::<Value>(&response.body).unwrap(),
            )
        };
        assert_eq!(code(post(None, &body)), (401, "auth_required".into()));
        assert_eq!(code(post(Some("wrong"), &body)), (401, "auth_invalid".into()));
        assert_eq!(code(post(Some(KEY), "[]")), (400, "bad_request".into()));
        for missing in [
            json!({}),
            json!({ "token": "" }),
            json!({ "token": 5 }),
            json!({ "response": token }),
        ] {
            assert_eq!(code(retrieve(&e, missing)), (400, "token_missing".into()));
        }
        assert_eq!(
            code(retrieve(&e, json!({ "token": token, "sitekey": "other" }))),
            (400, "sitekey_invalid".into())
        );
        let wrong_method = answer(&e, &Request::get(RETRIEVE_PATH, &[("x-api-key", KEY)]));
        assert_eq!(wrong_method.status, 405);
        // A captcha response is no token, and a token no captcha response.
        let response = issue(&e, None).unwrap();
        assert_eq!(
            code(retrieve(&e, json!({ "token": response }))),
            (200, "token_invalid".into())
        );
        assert_eq!(
            code(verify(&e, json!({ "response": token }))),
            (200, "response_invalid".into())
        );
        assert_eq!(verify(&e, json!({ "response": response })).0, 200);
        // None of these used the token.
        let (status, body) = retrieve(&e, json!({ "token": token, "sitekey": SITEKEY }));
        assert_eq!((status, &body["data"]["token"]["num_uses"]), (200, &json!(1)));
    }

    #[test]
    fn a_token_retrieves_its_data_counting_its_uses_until_it_expires() {
        let e = emulator();
        let issued_ms = e.now_ms();
        let token = risk_token(&e, "");
        for uses in 1..=3 {
            let (status, body) = retrieve(&e, json!({ "token": token }));
            assert_eq!((status, &body["success"]), (200, &json!(true)), "{body}");
            let data = &body["data"];
            assert!(data["event_id"].as_str().unwrap().starts_with("evt_"));
            assert_eq!(data["token"]["num_uses"], uses);
            assert_eq!(data["token"]["origin"], DEFAULT_ORIGIN);
            let timestamp = data["token"]["timestamp"].as_str().unwrap();
            assert!(timestamp >= iso_millis(issued_ms).as_str() && timestamp <= iso_millis(e.now_ms()).as_str());
            let expires_at = data["token"]["expires_at"].as_str().unwrap();
            assert!(expires_at >= iso_millis(issued_ms + RISK_INTELLIGENCE_TTL_MS).as_str());
            assert!(expires_at <= iso_millis(e.now_ms() + RISK_INTELLIGENCE_TTL_MS).as_str());
            assert_eq!(data["risk_intelligence"], default_risk_intelligence());
        }
        assert_eq!(
            code(retrieve(&e, json!({ "token": "frc_ri_unknown" }))),
            (200, "token_invalid".into())
        );
        e.advance_time((RISK_INTELLIGENCE_TTL_MS + 1) as f64).unwrap();
        assert_eq!(
            code(retrieve(&e, json!({ "token": token }))),
            (200, "token_expired".into())
        );
    }

    #[test]
    fn a_tokens_claims_shape_its_answer() {
        let e = emulator();
        let claimed = risk_token(
            &e,
            r#","origin":"https://shop.example","ageMs":60000,"riskIntelligence":{"risk_scores":null},"maxUses":2,"expiresInMs":5000,"sitekey":"OTHER""#,
        );
        let issued_ms = e.now_ms();
        let (status, body) = retrieve(&e, json!({ "token": claimed }));
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["data"]["token"]["origin"], "https://shop.example");
        assert_eq!(body["data"]["risk_intelligence"], json!({ "risk_scores": null }));
        assert!(body["data"]["token"]["timestamp"].as_str().unwrap() <= iso_millis(issued_ms - 60_000).as_str());
        assert!(body["data"]["token"]["expires_at"].as_str().unwrap() <= iso_millis(issued_ms + 5_000).as_str());
        // Made for another sitekey: refused when the request names the account's.
        assert_eq!(
            code(retrieve(&e, json!({ "token": claimed, "sitekey": SITEKEY }))),
            (200, "token_invalid".into())
        );
        assert_eq!(retrieve(&e, json!({ "token": claimed })).0, 200);
        assert_eq!(
            code(retrieve(&e, json!({ "token": claimed }))),
            (200, "token_invalid".into())
        );
        let short = risk_token(&e, r#","expiresInMs":1000"#);
        e.advance_time(1_001.0).unwrap();
        assert_eq!(
            code(retrieve(&e, json!({ "token": short }))),
            (200, "token_expired".into())
        );
    }

    #[test]
    fn bad_claims_are_refused() {
        let e = emulator();
        for bad in [
            r#"{"Origin":"x"}"#,
            r#"{"ageMs":-1}"#,
            r#"{"expiresInMs":400000000000}"#,
            r#"{"singleUse":"no"}"#,
            r#"{"maxUses":2}"#,
            r#"{"riskIntelligenceToken":true,"singleUse":false}"#,
            r#"{"riskIntelligenceToken":true,"maxUses":0}"#,
            r#"{"riskIntelligenceToken":"yes"}"#,
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
