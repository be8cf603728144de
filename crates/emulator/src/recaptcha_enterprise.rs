//! reCAPTCHA Enterprise's REST API with an API key: `POST /v1/projects/{project}/assessments?key=`
//! with `{"event":{"token","siteKey",...}}` answers an `Assessment`; `POST
//! /v1/projects/{project}/assessments/{id}:annotate?key=` with `{"annotation","reasons"?}` answers
//! `{}`. Errors are Google API errors, `{"error":{"code","message","status","details"?}}`: a
//! missing key 403, a wrong key 400 `API_KEY_INVALID`, another project 403, a body that is not
//! JSON 400, another method or path 404. Tokens live two minutes and are assessed once (`DUPE`
//! after); the test site keys fix the score as a key's `testingOptions.testingScore` does.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::clock::iso_millis;
use crate::http::{Request, Response};
use crate::identities::recaptcha_enterprise::{TEST_HOSTNAME, TEST_SITE_KEYS};
use crate::siteverify::{check_claims, redeem, Life, Redemption};
use crate::state::{lock, Emulator};
use crate::store::{parse_claims, random_hex, BoundedMap, Issued};
use captcha_core::errors::CaptchaError;
use captcha_core::recaptcha_enterprise::{is_project, ANNOTATIONS, TOKEN_LIFETIME};

/// Every path of the API starts so.
pub const PATH_PREFIX: &str = "/v1/projects/";
const DEFAULT_HOSTNAME: &str = "localhost";
const DEFAULT_SCORE: f64 = 0.9;
const TOKEN_TTL_MS: i64 = TOKEN_LIFETIME.as_millis() as i64;
/// The `invalidReason`s a token's claims may force.
pub const INVALID_REASONS: [&str; 8] = [
    "UNKNOWN_INVALID_REASON",
    "MALFORMED",
    "EXPIRED",
    "DUPE",
    "MISSING",
    "BROWSER_ERROR",
    "SITE_MISMATCH",
    "UNEXPECTED_ACTION",
];

/// What `issue('recaptcha-enterprise', claims)` may set. Every field is optional.
// Serialize too: `schema` reads the field list off a round trip.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Claims {
    /// `tokenProperties.action`: the action given to `grecaptcha.enterprise.execute`. Default `""`.
    action: Option<String>,
    /// `tokenProperties.hostname`. Default `localhost`.
    hostname: Option<String>,
    /// `riskAnalysis.score`, 0 to 1. Default 0.9.
    score: Option<f64>,
    /// `riskAnalysis.reasons` (`AUTOMATION`, `UNEXPECTED_ENVIRONMENT`...). Default none.
    reasons: Option<Vec<String>>,
    /// `tokenProperties.androidPackageName` (an Android app's token).
    android_package_name: Option<String>,
    /// `tokenProperties.iosBundleId` (an iOS app's token).
    ios_bundle_id: Option<String>,
    /// The site key the token was made for: assessed with another, `SITE_MISMATCH`. Default the
    /// emulator's `recaptchaEnterpriseSiteKey`.
    site_key: Option<String>,
    /// Answer `valid: false` with this `invalidReason` (`MALFORMED`, `EXPIRED`, `DUPE`,
    /// `MISSING`, `BROWSER_ERROR`, `SITE_MISMATCH`, `UNEXPECTED_ACTION`, `UNKNOWN_INVALID_REASON`).
    invalid_reason: Option<String>,
    /// How long after issue the token is valid (`EXPIRED` after). Default 120000.
    expires_in_ms: Option<u64>,
    /// `false`: the token may be assessed any number of times until it expires. Default true
    /// (`DUPE` the second time).
    single_use: Option<bool>,
}

/// Issued tokens and the assessments made (whose names `annotate` takes), both bounded.
#[derive(Default)]
pub struct Store {
    pub(crate) tokens: BoundedMap<Issued<Claims>>,
    assessments: BoundedMap<()>,
}

/// Creates a token with these claims.
pub fn issue(emulator: &Emulator, claims_json: Option<&str>) -> Result<String, CaptchaError> {
    let claims: Claims = parse_claims("recaptcha-enterprise", claims_json)?;
    check_claims(
        "recaptcha-enterprise",
        claims.score,
        &[("expiresInMs", claims.expires_in_ms)],
    )?;
    if let Some(reason) = claims.invalid_reason.as_deref() {
        if !INVALID_REASONS.contains(&reason) {
            return Err(CaptchaError::invalid_argument(format!(
                "invalid recaptcha-enterprise claims: invalidReason must be one of {}",
                INVALID_REASONS.join(", ")
            )));
        }
    }
    // The form of Google's tokens (`03A...`): long and URL-safe.
    let token = format!("03A{}", random_hex(48));
    Ok(lock(&emulator.recaptcha_enterprise)
        .tokens
        .issue_as(token, claims, emulator.now_ms()))
}

/// A Google API error.
fn google_error(code: u16, status: &str, message: &str, reason: Option<&str>) -> Response {
    let mut error = json!({ "code": code, "message": message, "status": status });
    if let Some(reason) = reason {
        error["details"] = json!([{
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            "reason": reason,
            "domain": "googleapis.com",
            "metadata": { "service": "recaptchaenterprise.googleapis.com" }
        }]);
    }
    Response::json(code, &json!({ "error": error }))
}

fn not_found() -> Response {
    google_error(404, "NOT_FOUND", "Requested entity was not found.", None)
}

fn invalid_json() -> Response {
    google_error(400, "INVALID_ARGUMENT", "Invalid JSON payload received.", None)
}

/// What the path names.
enum Route<'a> {
    Create { project: &'a str },
    Annotate { name: String },
}

fn route(path: &str) -> Option<Route<'_>> {
    let rest = path.strip_prefix(PATH_PREFIX)?;
    let parts: Vec<&str> = rest.split('/').collect();
    match parts.as_slice() {
        [project, "assessments"] if is_project(project) => Some(Route::Create { project }),
        [project, "assessments", last] if is_project(project) => {
            let id = last.strip_suffix(":annotate")?;
            Some(Route::Annotate {
                name: format!("projects/{project}/assessments/{id}"),
            })
        }
        _ => None,
    }
}

/// The `key` of the query, decoded.
fn api_key(request: &Request) -> Option<String> {
    let query = request.query.as_deref()?;
    form_urlencoded::parse(query.as_bytes())
        .find(|(name, _)| name == "key")
        .map(|(_, value)| value.into_owned())
}

/// Answers the API's paths as Google does.
pub fn answer(emulator: &Emulator, request: &Request) -> Response {
    let Some(route) = route(&request.path) else {
        return not_found();
    };
    if request.method != "POST" {
        return not_found();
    }
    let credentials = emulator.credentials();
    match api_key(request).filter(|key| !key.is_empty()) {
        None => {
            return google_error(
                403,
                "PERMISSION_DENIED",
                "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
                None,
            )
        }
        Some(key) if key != credentials.recaptcha_enterprise_api_key => {
            return google_error(
                400,
                "INVALID_ARGUMENT",
                "API key not valid. Please pass a valid API key.",
                Some("API_KEY_INVALID"),
            )
        }
        Some(_) => {}
    }
    let project = match &route {
        Route::Create { project } => project.to_string(),
        Route::Annotate { name } => name.split('/').nth(1).unwrap_or_default().to_owned(),
    };
    if project != credentials.recaptcha_enterprise_project_id {
        return google_error(
            403,
            "PERMISSION_DENIED",
            &format!("Permission denied on resource project {project}."),
            None,
        );
    }
    let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(&request.body) else {
        return invalid_json();
    };
    match route {
        Route::Create { project } => create(emulator, project, &body),
        Route::Annotate { name } => annotate(emulator, &name, &body),
    }
}

fn create(emulator: &Emulator, project: &str, body: &Map<String, Value>) -> Response {
    let Some(Value::Object(event)) = body.get("event") else {
        return google_error(400, "INVALID_ARGUMENT", "Request contains an invalid argument.", None);
    };
    // Every field of an event we read is a string.
    let mut strings = Map::new();
    for (name, value) in event {
        match value {
            Value::String(_) => {
                strings.insert(name.clone(), value.clone());
            }
            _ if [
                "token",
                "siteKey",
                "expectedAction",
                "userIpAddress",
                "userAgent",
                "requestedUri",
            ]
            .contains(&name.as_str()) =>
            {
                return invalid_json()
            }
            _ => {}
        }
    }
    let text = |name: &str| strings.get(name).and_then(Value::as_str).unwrap_or_default();
    let site_key = text("siteKey");
    let credentials = emulator.credentials();
    let test = TEST_SITE_KEYS.iter().find(|(_, test)| test.site_key == site_key);
    if site_key.is_empty() || (test.is_none() && site_key != credentials.recaptcha_enterprise_site_key) {
        return google_error(400, "INVALID_ARGUMENT", "Request contains an invalid argument.", None);
    }
    let now = emulator.now_ms();
    let name = format!("projects/{project}/assessments/{}", random_hex(8));
    let token = text("token");
    // One lock for the token's redemption and the assessment's record.
    let mut store = lock(&emulator.recaptcha_enterprise);
    let judged = if token.is_empty() {
        Judged::Invalid("MISSING")
    } else if let Some((_, test)) = test {
        // A key with `testingOptions`: every token is valid, with the testing score.
        Judged::Valid {
            hostname: TEST_HOSTNAME.into(),
            action: text("expectedAction").to_owned(),
            score: test.testing_score,
            reasons: Vec::new(),
            android_package_name: String::new(),
            ios_bundle_id: String::new(),
            created_ms: now,
        }
    } else {
        judge_issued(
            &mut store.tokens,
            token,
            site_key,
            &credentials.recaptcha_enterprise_site_key,
            now,
        )
    };
    store.assessments.insert(name.clone(), ());
    drop(store);
    let (token_properties, risk_analysis) = match judged {
        Judged::Invalid(reason) => (
            json!({
                "valid": false, "invalidReason": reason, "hostname": "", "androidPackageName": "",
                "iosBundleId": "", "action": "", "createTime": "1970-01-01T00:00:00Z"
            }),
            json!({ "score": 0.0, "reasons": [], "extendedVerdictReasons": [] }),
        ),
        Judged::Valid {
            hostname,
            action,
            score,
            reasons,
            android_package_name,
            ios_bundle_id,
            created_ms,
        } => (
            json!({
                "valid": true, "invalidReason": "INVALID_REASON_UNSPECIFIED", "hostname": hostname,
                "androidPackageName": android_package_name, "iosBundleId": ios_bundle_id,
                "action": action, "createTime": iso_millis(created_ms)
            }),
            json!({ "score": score, "reasons": reasons, "extendedVerdictReasons": [] }),
        ),
    };
    Response::json(
        200,
        &json!({
            "name": name,
            "event": Value::Object(strings),
            "riskAnalysis": risk_analysis,
            "tokenProperties": token_properties,
        }),
    )
}

enum Judged {
    Invalid(&'static str),
    Valid {
        hostname: String,
        action: String,
        score: f64,
        reasons: Vec<String>,
        android_package_name: String,
        ios_bundle_id: String,
        created_ms: i64,
    },
}

/// An issued token, assessed with `site_key` at `now` (a token whose claims name no site key was
/// made for `account_site_key`).
fn judge_issued(
    tokens: &mut BoundedMap<Issued<Claims>>,
    token: &str,
    site_key: &str,
    account_site_key: &str,
    now: i64,
) -> Judged {
    let Some(issued) = tokens.get_mut(token) else {
        return Judged::Invalid("MALFORMED");
    };
    let claims = issued.claims.clone();
    if let Some(reason) = claims.invalid_reason.as_deref() {
        let reason = INVALID_REASONS
            .into_iter()
            .find(|known| *known == reason)
            .unwrap_or("UNKNOWN_INVALID_REASON");
        return Judged::Invalid(reason);
    }
    let made_for = claims.site_key.as_deref().unwrap_or(account_site_key);
    if made_for != site_key {
        return Judged::Invalid("SITE_MISMATCH");
    }
    match redeem(
        issued,
        Life::new(claims.expires_in_ms, claims.single_use, TOKEN_TTL_MS),
        now,
    ) {
        Redemption::Expired => Judged::Invalid("EXPIRED"),
        Redemption::Spent => Judged::Invalid("DUPE"),
        Redemption::Fresh => Judged::Valid {
            hostname: claims.hostname.unwrap_or_else(|| DEFAULT_HOSTNAME.into()),
            action: claims.action.unwrap_or_default(),
            score: claims.score.unwrap_or(DEFAULT_SCORE),
            reasons: claims.reasons.unwrap_or_default(),
            android_package_name: claims.android_package_name.unwrap_or_default(),
            ios_bundle_id: claims.ios_bundle_id.unwrap_or_default(),
            created_ms: issued.issued_ms,
        },
    }
}

fn annotate(emulator: &Emulator, name: &str, body: &Map<String, Value>) -> Response {
    let annotation = body.get("annotation").and_then(Value::as_str).unwrap_or_default();
    let reasons_ok = match body.get("reasons") {
        None => true,
        Some(Value::Array(reasons)) => reasons.iter().all(Value::is_string),
        Some(_) => false,
    };
    if !ANNOTATIONS.contains(&annotation) || !reasons_ok {
        return google_error(400, "INVALID_ARGUMENT", "Request contains an invalid argument.", None);
    }
    if !lock(&emulator.recaptcha_enterprise).assessments.contains_key(name) {
        return not_found();
    }
    Response::json(200, &json!({}))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identities::recaptcha_enterprise::{API_KEY, PROJECT_ID, SITE_KEY};
    use crate::EmulatorCredentials;

    fn emulator() -> Emulator {
        Emulator::new(EmulatorCredentials::default())
    }

    fn post(emulator: &Emulator, path: &str, body: &str) -> (u16, Value) {
        let response = answer(
            emulator,
            &Request::post(path, &[("content-type", "application/json")], body),
        );
        assert_eq!(response.headers[0], ("content-type".into(), "application/json".into()));
        (response.status, serde_json::from_slice(&response.body).unwrap())
    }

    fn create_path() -> String {
        format!("/v1/projects/{PROJECT_ID}/assessments?key={API_KEY}")
    }

    fn assess(emulator: &Emulator, token: &str, site_key: &str) -> Value {
        let body = json!({ "event": { "token": token, "siteKey": site_key, "expectedAction": "login" } });
        let (status, answer) = post(emulator, &create_path(), &body.to_string());
        assert_eq!(status, 200, "{answer}");
        answer
    }

    #[test]
    fn an_issued_token_is_valid_once_with_its_claims() {
        let e = emulator();
        let claims = r#"{"action":"login","hostname":"shop.example","score":0.7,"reasons":["LOW_CONFIDENCE_SCORE"],"androidPackageName":"com.example"}"#;
        let token = issue(&e, Some(claims)).unwrap();
        let answer = assess(&e, &token, SITE_KEY);
        let name = answer["name"].as_str().unwrap();
        let id = name
            .strip_prefix(&format!("projects/{PROJECT_ID}/assessments/"))
            .unwrap();
        assert!(id.len() == 16 && id.bytes().all(|b| b.is_ascii_hexdigit()), "{name}");
        assert_eq!(answer["tokenProperties"]["valid"], true);
        assert_eq!(answer["tokenProperties"]["invalidReason"], "INVALID_REASON_UNSPECIFIED");
        assert_eq!(answer["tokenProperties"]["action"], "login");
        assert_eq!(answer["tokenProperties"]["hostname"], "shop.example");
        assert_eq!(answer["tokenProperties"]["androidPackageName"], "com.example");
        assert_eq!(
            answer["riskAnalysis"],
            json!({ "score": 0.7, "reasons": ["LOW_CONFIDENCE_SCORE"], "extendedVerdictReasons": [] })
        );
        assert_eq!(answer["event"]["token"], token);
        assert_eq!(assess(&e, &token, SITE_KEY)["tokenProperties"]["invalidReason"], "DUPE");
    }

    #[test]
    fn tokens_expire_and_claims_force_each_invalid_reason() {
        let e = emulator();
        let token = issue(&e, None).unwrap();
        e.advance_time(TOKEN_TTL_MS as f64 + 1.0).unwrap();
        assert_eq!(
            assess(&e, &token, SITE_KEY)["tokenProperties"]["invalidReason"],
            "EXPIRED"
        );
        for reason in INVALID_REASONS {
            let token = issue(&e, Some(&format!(r#"{{"invalidReason":"{reason}"}}"#))).unwrap();
            let answer = assess(&e, &token, SITE_KEY);
            assert_eq!(answer["tokenProperties"]["valid"], false);
            assert_eq!(answer["tokenProperties"]["invalidReason"], reason);
        }
        assert_eq!(
            assess(&e, "forged", SITE_KEY)["tokenProperties"]["invalidReason"],
            "MALFORMED"
        );
        assert_eq!(assess(&e, "", SITE_KEY)["tokenProperties"]["invalidReason"], "MISSING");
        let other = TEST_SITE_KEYS[0].1.site_key;
        let token = issue(&e, Some(&format!(r#"{{"siteKey":"{other}"}}"#))).unwrap();
        assert_eq!(
            assess(&e, &token, SITE_KEY)["tokenProperties"]["invalidReason"],
            "SITE_MISMATCH"
        );
        let reusable = issue(&e, Some(r#"{"singleUse":false}"#)).unwrap();
        for _ in 0..3 {
            assert_eq!(assess(&e, &reusable, SITE_KEY)["tokenProperties"]["valid"], true);
        }
        for bad in [r#"{"invalidReason":"NOPE"}"#, r#"{"score":2}"#, r#"{"other":1}"#] {
            assert!(issue(&e, Some(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_test_site_keys_fix_the_score_for_any_token() {
        let e = emulator();
        for (_, test) in TEST_SITE_KEYS {
            for _ in 0..2 {
                let answer = assess(&e, "any-token", test.site_key);
                assert_eq!(answer["tokenProperties"]["valid"], true);
                assert_eq!(answer["tokenProperties"]["action"], "login");
                assert_eq!(answer["tokenProperties"]["hostname"], TEST_HOSTNAME);
                assert_eq!(answer["riskAnalysis"]["score"], test.testing_score);
            }
            assert_eq!(test.answers.status, 200);
        }
    }

    #[test]
    fn the_key_the_project_the_body_and_the_method_get_googles_errors() {
        let e = emulator();
        let body = json!({ "event": { "token": "t", "siteKey": SITE_KEY } }).to_string();
        let error = |path: &str, body: &str| {
            let (status, answer) = post(&e, path, body);
            (status, answer["error"]["status"].as_str().unwrap().to_owned())
        };
        let path = format!("/v1/projects/{PROJECT_ID}/assessments");
        assert_eq!(error(&path, &body), (403, "PERMISSION_DENIED".into()));
        assert_eq!(error(&format!("{path}?key="), &body), (403, "PERMISSION_DENIED".into()));
        let (status, wrong) = post(&e, &format!("{path}?key=wrong"), &body);
        assert_eq!(status, 400);
        assert_eq!(wrong["error"]["details"][0]["reason"], "API_KEY_INVALID");
        assert_eq!(wrong["error"]["code"], 400);
        assert_eq!(
            error(&format!("/v1/projects/other-project/assessments?key={API_KEY}"), &body),
            (403, "PERMISSION_DENIED".into())
        );
        assert_eq!(error(&create_path(), "{"), (400, "INVALID_ARGUMENT".into()));
        assert_eq!(error(&create_path(), "[]"), (400, "INVALID_ARGUMENT".into()));
        assert_eq!(
            error(&create_path(), r#"{"event":{"token":5,"siteKey":"k"}}"#),
            (400, "INVALID_ARGUMENT".into())
        );
        assert_eq!(
            error(&create_path(), r#"{"event":{"token":"t"}}"#),
            (400, "INVALID_ARGUMENT".into())
        );
        assert_eq!(
            error(&create_path(), r#"{"event":{"token":"t","siteKey":"not-a-key"}}"#),
            (400, "INVALID_ARGUMENT".into())
        );
        assert_eq!(
            error(&format!("/v1/projects/{PROJECT_ID}/other?key={API_KEY}"), &body),
            (404, "NOT_FOUND".into())
        );
        let get = answer(&e, &Request::get(&create_path(), &[]));
        assert_eq!(get.status, 404);
    }

    #[test]
    fn annotate_takes_the_assessments_made() {
        let e = emulator();
        let token = issue(&e, None).unwrap();
        let name = assess(&e, &token, SITE_KEY)["name"].as_str().unwrap().to_owned();
        let path = format!("/v1/{name}:annotate?key={API_KEY}");
        assert_eq!(
            post(&e, &path, r#"{"annotation":"FRAUDULENT","reasons":["CHARGEBACK"]}"#),
            (200, json!({}))
        );
        assert_eq!(post(&e, &path, r#"{"annotation":"LEGITIMATE"}"#), (200, json!({})));
        assert_eq!(post(&e, &path, r#"{"annotation":"MAYBE"}"#).0, 400);
        assert_eq!(post(&e, &path, r#"{"annotation":"LEGITIMATE","reasons":"x"}"#).0, 400);
        let unknown = format!("/v1/projects/{PROJECT_ID}/assessments/0000000000000000:annotate?key={API_KEY}");
        assert_eq!(post(&e, &unknown, r#"{"annotation":"LEGITIMATE"}"#).0, 404);
        let wrong_key = format!("/v1/{name}:annotate?key=wrong");
        assert_eq!(post(&e, &wrong_key, r#"{"annotation":"LEGITIMATE"}"#).0, 400);
    }

    /// emulator.md, Limits: tokens are held in memory with a bound. Enterprise keeps two maps
    /// (issued tokens, and the assessments `annotate` names): both forget their oldest.
    #[test]
    fn issued_tokens_and_assessments_are_bounded() {
        let e = emulator();
        let capacity = crate::store::TOKEN_CAPACITY;
        let first = issue(&e, None).unwrap();
        for _ in 0..capacity {
            issue(&e, None).unwrap();
        }
        let mut store = lock(&e.recaptcha_enterprise);
        assert_eq!(store.tokens.len(), capacity);
        assert!(store.tokens.get(&first).is_none(), "the oldest token is forgotten");
        for n in 0..=capacity {
            store.assessments.insert(format!("projects/p/assessments/{n}"), ());
        }
        assert_eq!(store.assessments.len(), capacity);
        assert!(store.assessments.get("projects/p/assessments/0").is_none());
    }
}
