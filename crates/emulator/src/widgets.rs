//! The emulated widgets: a stand-in for each provider's widget script, served at
//! `/widget/{provider}.js`, and the control route those scripts get their tokens from,
//! `POST /__emulator/widget/{provider}` (CORS-enabled: the page's origin is not the emulator's).
//!
//! The route takes an outcome, not claims, so that each provider's meaning of pass, fail,
//! expired and outage lives here once, next to the stores it acts on, and a page cannot ask for
//! anything a widget could not give.

use serde::Deserialize;
use serde_json::{json, Map, Value};

use captcha_core::errors::CaptchaError;
use captcha_core::providers::Provider;

use crate::http::{Request, Response};
use crate::state::{lock, Emulator};
use crate::store::{random_token, BoundedMap};
use crate::{friendlycaptcha, playtcha};

/// Where the scripts live; no provider uses this path.
pub const SCRIPT_PREFIX: &str = "/widget/";

/// How far an `expired` token is moved into the past: beyond every provider's lifetime (five
/// minutes at most by default), so it is expired on the emulator's clock however soon it is used.
const EXPIRED_AGE_MS: i64 = 24 * 3600 * 1000;

/// Verification requests naming a token with the `outage` outcome get this status.
const OUTAGE_STATUS: u16 = 503;

/// At most this many tokens are kept for an outage, the oldest forgotten first.
pub const OUTAGE_CAPACITY: usize = 1024;

/// One script: the shared core, then the provider's part, in one function scope.
macro_rules! script {
    ($($part:expr),* $(,)?) => {
        concat!(
            "/* captcha-native emulator: a stand-in widget for tests, not the provider's script */\n",
            "(function () {\n'use strict'\n",
            include_str!("widgets/core.js"),
            $($part,)*
            "})()\n"
        )
    };
}

/// The script served as `/widget/{name}`, if any.
fn script(name: &str) -> Option<&'static str> {
    Some(match name {
        "turnstile.js" => script!(include_str!("widgets/turnstile.js")),
        "hcaptcha.js" => script!(include_str!("widgets/hcaptcha.js")),
        "recaptcha.js" => script!("var ENTERPRISE = false\n", include_str!("widgets/recaptcha.js")),
        "recaptcha-enterprise.js" => script!("var ENTERPRISE = true\n", include_str!("widgets/recaptcha.js")),
        "trustcaptcha.js" => script!(include_str!("widgets/trustcaptcha.js")),
        "friendly-captcha.js" => script!(include_str!("widgets/friendly-captcha.js")),
        "swetrix.js" => script!(include_str!("widgets/swetrix.js")),
        "playtcha.js" => script!(include_str!("widgets/playtcha.js")),
        _ => return None,
    })
}

/// The answer to a request for a widget script; `None` when the path is not under `/widget/`.
pub fn serve(request: &Request) -> Option<Response> {
    let name = request.path.strip_prefix(SCRIPT_PREFIX)?;
    let Some(source) = script(name) else {
        return Some(Response::json(404, &json!({ "message": "Not Found" })));
    };
    if request.method != "GET" && request.method != "HEAD" {
        let mut refused = Response::json(405, &json!({ "message": "Method Not Allowed" }));
        refused.set_header("allow", "GET, HEAD");
        return Some(refused);
    }
    let mut response = Response::with_body(200, "text/javascript; charset=utf-8", source.as_bytes().to_vec());
    // Asked again each time: an emulator on a fixed port (the command's --port) may be a newer
    // version with another script.
    response.set_header("cache-control", "no-cache");
    Some(response)
}

/// What a widget asks for.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct WidgetRequest {
    outcome: Outcome,
    /// Turnstile's `data-action`, reCAPTCHA v3's and Enterprise's `execute` action, Playtcha's.
    action: Option<String>,
    /// Turnstile's `data-cdata`.
    cdata: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Outcome {
    Pass,
    Fail,
    Expired,
    Outage,
}

/// The longest action or cdata taken (Turnstile's cdata is at most 255 characters).
const MAX_TEXT: usize = 255;

/// `POST /__emulator/widget/{provider}` and its CORS preflight (`route` is what follows
/// `/__emulator/widget/`).
pub fn control(emulator: &Emulator, request: &Request, route: &str) -> Response {
    let message = |status: u16, text: &str| cors(Response::json(status, &json!({ "message": text })));
    let Some(provider) = Provider::from_name(route) else {
        return message(404, "Not Found");
    };
    match request.method.as_str() {
        "POST" => {}
        "OPTIONS" => {
            let mut allowed = cors(Response::with_body(204, "text/plain", Vec::new()));
            allowed.set_header("access-control-allow-methods", "POST");
            allowed.set_header("access-control-allow-headers", "content-type");
            allowed.set_header("access-control-max-age", "600");
            return allowed;
        }
        _ => {
            let mut refused = message(405, "Method Not Allowed");
            refused.set_header("allow", "POST, OPTIONS");
            return refused;
        }
    }
    let asked: WidgetRequest = match serde_json::from_slice(&request.body) {
        Ok(asked) => asked,
        Err(error) => return message(400, &format!("invalid widget request: {error}")),
    };
    let too_long = [&asked.action, &asked.cdata]
        .into_iter()
        .any(|text| text.as_ref().is_some_and(|t| t.chars().count() > MAX_TEXT));
    if too_long {
        return message(
            400,
            &format!("invalid widget request: action and cdata take at most {MAX_TEXT} characters"),
        );
    }
    let page = request.header("origin").and_then(page_origin);
    match token_for(emulator, provider, &asked, page) {
        Ok(token) => cors(Response::json(200, &json!({ "token": token }))),
        Err(error) => message(400, &error.message.unwrap_or_default()),
    }
}

/// The answer any page may read: the widget runs on the page's origin, never the emulator's.
fn cors(mut response: Response) -> Response {
    response.set_header("access-control-allow-origin", "*");
    response
}

/// The page's origin and hostname from the request's `Origin` header (which the page cannot
/// set), e.g. `("http://127.0.0.1:3000", "127.0.0.1")`; `None` for an opaque (`null`) origin.
fn page_origin(origin: &str) -> Option<(String, String)> {
    let (_, authority) = origin.split_once("://")?;
    let host = match authority.strip_prefix('[') {
        Some(v6) => format!("[{}]", v6.split(']').next()?),
        None => authority.split(':').next()?.to_owned(),
    };
    (!host.is_empty()).then(|| (origin.to_owned(), host))
}

/// The token of `outcome` for `provider`, with the claims a widget gives.
fn token_for(
    emulator: &Emulator,
    provider: Provider,
    asked: &WidgetRequest,
    page: Option<(String, String)>,
) -> Result<String, CaptchaError> {
    use Provider::*;
    let outcome = asked.outcome;
    // A refused token where the provider has no refusal claim: one it never issued.
    match (provider, outcome) {
        (Playtcha, Outcome::Fail) => return Ok(random_token(playtcha::TOKEN_PREFIX)),
        (FriendlyCaptcha, Outcome::Fail) => return Ok(random_token(friendlycaptcha::TOKEN_PREFIX)),
        _ => {}
    }
    let mut claims = Map::new();
    let mut claim = |name: &str, value: Value| {
        claims.insert(name.to_owned(), value);
    };
    if let Some((origin, hostname)) = page {
        match provider {
            TrustCaptcha | FriendlyCaptcha => claim("origin", origin.into()),
            Recaptcha | Playtcha | Turnstile | Hcaptcha | RecaptchaEnterprise => claim("hostname", hostname.into()),
            Swetrix => {}
        }
    }
    if let Some(action) = &asked.action {
        match provider {
            // reCAPTCHA's action comes with v3, and so does a score: a passing one.
            Recaptcha => {
                claim("action", action.as_str().into());
                claim("score", 0.9.into());
            }
            Turnstile | Playtcha | RecaptchaEnterprise => claim("action", action.as_str().into()),
            _ => {}
        }
    }
    if let (Turnstile, Some(cdata)) = (provider, &asked.cdata) {
        claim("cdata", cdata.as_str().into());
    }
    if outcome == Outcome::Fail {
        match provider {
            TrustCaptcha => claim("verificationPassed", false.into()),
            Swetrix => claim("invalidPayload", true.into()),
            Recaptcha | Turnstile | Hcaptcha => claim("success", false.into()),
            RecaptchaEnterprise => claim("invalidReason", "BROWSER_ERROR".into()),
            Playtcha | FriendlyCaptcha => {}
        }
    }
    // TrustCaptcha's result is dated from the verification's start, before the issue: a
    // lifetime of zero has already ended.
    if (provider, outcome) == (TrustCaptcha, Outcome::Expired) {
        claim("resultTtlMs", 0.into());
    }
    let token = emulator.issue(provider.name(), Some(&Value::Object(claims).to_string()))?;
    match outcome {
        Outcome::Expired => backdate(emulator, provider, &token),
        Outcome::Outage => emulator.add_outage(outage_needle(provider, &token)),
        Outcome::Pass | Outcome::Fail => {}
    }
    Ok(token)
}

/// Moves an issued token's issue `EXPIRED_AGE_MS` into the past.
fn backdate(emulator: &Emulator, provider: Provider, token: &str) {
    let by = EXPIRED_AGE_MS;
    match provider {
        Provider::Swetrix => lock(&emulator.swetrix).backdate(token, by),
        Provider::Recaptcha => lock(&emulator.recaptcha).backdate(token, by),
        Provider::Playtcha => lock(&emulator.playtcha).backdate(token, by),
        Provider::Turnstile => lock(&emulator.turnstile).backdate(token, by),
        Provider::Hcaptcha => lock(&emulator.hcaptcha).backdate(token, by),
        Provider::FriendlyCaptcha => lock(&emulator.friendlycaptcha).backdate(token, by),
        Provider::RecaptchaEnterprise => lock(&emulator.recaptcha_enterprise).tokens.backdate(token, by),
        // Expired by its claims (`resultTtlMs: 0`).
        Provider::TrustCaptcha => {}
    }
}

/// What a verification request carries of `token`: the token itself, but for TrustCaptcha, whose
/// requests name the verification (in the path), not the token.
fn outage_needle(provider: Provider, token: &str) -> String {
    match provider {
        Provider::TrustCaptcha => captcha_core::trustcaptcha::parse_token(Some(token))
            .map(|parsed| parsed.verification_id)
            .unwrap_or_else(|_| token.to_owned()),
        _ => token.to_owned(),
    }
}

/// The tokens (TrustCaptcha's: verification ids) given the `outage` outcome, the oldest forgotten
/// past `OUTAGE_CAPACITY`.
#[derive(Debug)]
pub struct Outages(BoundedMap<()>);

impl Default for Outages {
    fn default() -> Self {
        Self(BoundedMap::new(OUTAGE_CAPACITY))
    }
}

impl Outages {
    pub fn add(&mut self, needle: String) {
        if !needle.is_empty() {
            self.0.insert(needle, ());
        }
    }

    /// Whether `request` carries one in its path, query or body, as a whole word of URL-unreserved
    /// characters (every token and id the emulator issues is one): one pass over the request,
    /// however many outages there are.
    pub fn carried_by(&self, request: &Request) -> bool {
        let carries =
            |text: &[u8]| words(text).any(|word| std::str::from_utf8(word).is_ok_and(|word| self.0.contains_key(word)));
        carries(request.path.as_bytes())
            || request.query.as_deref().is_some_and(|q| carries(q.as_bytes()))
            || carries(&request.body)
    }
}

/// The maximal runs of URL-unreserved characters (`A-Z a-z 0-9 - . _ ~`) in `text`.
fn words(text: &[u8]) -> impl Iterator<Item = &[u8]> {
    text.split(|b| !(b.is_ascii_alphanumeric() || b"-._~".contains(b)))
        .filter(|word| !word.is_empty())
}

/// The answer to a verification of an `outage` token: the provider is down.
pub fn outage() -> Response {
    Response::json(OUTAGE_STATUS, &json!({ "message": "Service Unavailable" }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::EmulatorCredentials;
    use crate::routes::route;
    use crate::FaultRule;

    const PROVIDERS: [&str; 8] = [
        "trustcaptcha",
        "swetrix",
        "recaptcha",
        "playtcha",
        "turnstile",
        "hcaptcha",
        "recaptcha-enterprise",
        "friendly-captcha",
    ];

    fn emulator() -> Emulator {
        Emulator::new(EmulatorCredentials {
            recaptcha_secret: "secret".into(),
            trustcaptcha_api_key: "key".into(),
            ..EmulatorCredentials::default()
        })
    }

    /// `route`'s answer (widget and control routes are never faulted).
    fn routed(e: &Emulator, request: &Request) -> Response {
        route(e, request).unwrap_or_else(|_| panic!("{} was faulted", request.path))
    }

    fn ask(e: &Emulator, provider: &str, body: &str, origin: Option<&str>) -> Response {
        let headers: Vec<(&str, &str)> = origin.map(|o| ("origin", o)).into_iter().collect();
        routed(
            e,
            &Request::post(&format!("/__emulator/widget/{provider}"), &headers, body),
        )
    }

    fn token(e: &Emulator, provider: &str, body: &str) -> String {
        let response = ask(e, provider, body, Some("http://shop.example:3000"));
        assert_eq!(response.status, 200, "{provider} {body}");
        let json: Value = serde_json::from_slice(&response.body).unwrap();
        json["token"].as_str().unwrap().to_owned()
    }

    fn recaptcha(e: &Emulator, token: &str) -> (u16, Value) {
        let body = format!("secret=secret&response={token}");
        let headers = [("content-type", "application/x-www-form-urlencoded")];
        let response = routed(e, &Request::post("/recaptcha/api/siteverify", &headers, &body));
        (response.status, serde_json::from_slice(&response.body).unwrap())
    }

    fn trustcaptcha(e: &Emulator, token: &str) -> u16 {
        let id = outage_needle(Provider::TrustCaptcha, token);
        let path = format!("/v2/verifications/{id}/results");
        routed(e, &Request::get(&path, &[("authorization", "Bearer key")])).status
    }

    #[test]
    fn every_provider_has_its_script_and_nothing_else_is_served() {
        let e = emulator();
        // Faults pick provider routes only: a rule for every request leaves the scripts alone.
        e.add_fault(FaultRule::from_json(r#"{"kind":"close"}"#).unwrap());
        for provider in PROVIDERS {
            for method in ["GET", "HEAD"] {
                let request = Request {
                    method: method.into(),
                    ..Request::get(&format!("/widget/{provider}.js"), &[])
                };
                let response = routed(&e, &request);
                assert_eq!(response.status, 200, "{provider}");
                assert_eq!(response.header("content-type"), Some("text/javascript; charset=utf-8"));
                assert_eq!(response.header("cache-control"), Some("no-cache"));
                // The script is for pages on any origin; only the token route answers CORS.
                assert_eq!(response.header("access-control-allow-origin"), None);
                let source = std::str::from_utf8(&response.body).unwrap();
                assert!(source.starts_with("/* captcha-native emulator"), "{provider}");
                assert!(source.ends_with("})()\n"), "{provider}");
            }
        }
        let enterprise = routed(&e, &Request::get("/widget/recaptcha-enterprise.js", &[]));
        assert!(std::str::from_utf8(&enterprise.body)
            .unwrap()
            .contains("var ENTERPRISE = true"));
        for unknown in [
            "/widget/altcha.js",
            "/widget/turnstile",
            "/widget/",
            "/widget/../widget/turnstile.js",
        ] {
            assert_eq!(routed(&e, &Request::get(unknown, &[])).status, 404, "{unknown}");
        }
        let refused = routed(&e, &Request::post("/widget/turnstile.js", &[], ""));
        assert_eq!((refused.status, refused.header("allow")), (405, Some("GET, HEAD")));
    }

    #[test]
    fn the_token_route_answers_cors_and_refuses_what_no_widget_sends() {
        let e = emulator();
        e.add_fault(FaultRule::from_json(r#"{"kind":"close"}"#).unwrap());
        let preflight = routed(
            &e,
            &Request {
                method: "OPTIONS".into(),
                ..Request::get("/__emulator/widget/turnstile", &[("origin", "http://a.test")])
            },
        );
        assert_eq!(preflight.status, 204);
        assert_eq!(preflight.header("access-control-allow-origin"), Some("*"));
        assert_eq!(preflight.header("access-control-allow-methods"), Some("POST"));
        assert_eq!(preflight.header("access-control-allow-headers"), Some("content-type"));
        let cases = [
            ("altcha", r#"{"outcome":"pass"}"#, 404),
            ("../issue/turnstile", r#"{"outcome":"pass"}"#, 404),
            ("turnstile", r#"{"outcome":"maybe"}"#, 400),
            ("turnstile", r#"{"outcome":"pass","success":true}"#, 400),
            ("turnstile", r#"{"outcome":"pass","cdata":1}"#, 400),
            ("turnstile", "not json", 400),
        ];
        for (provider, body, status) in cases {
            let response = ask(&e, provider, body, None);
            assert_eq!(response.status, status, "{provider} {body}");
            // Errors too: the widget reads the message.
            assert_eq!(response.header("access-control-allow-origin"), Some("*"));
        }
        let long = format!(r#"{{"outcome":"pass","action":"{}"}}"#, "a".repeat(MAX_TEXT + 1));
        assert_eq!(ask(&e, "turnstile", &long, None).status, 400);
        let get = routed(&e, &Request::get("/__emulator/widget/turnstile", &[]));
        assert_eq!((get.status, get.header("allow")), (405, Some("POST, OPTIONS")));
        // Every provider issues every outcome.
        for provider in PROVIDERS {
            for outcome in ["pass", "fail", "expired", "outage"] {
                token(
                    &e,
                    provider,
                    &format!(r#"{{"outcome":"{outcome}","action":"a","cdata":"c"}}"#),
                );
            }
        }
    }

    #[test]
    fn each_outcome_gets_its_answer_from_the_provider() {
        let e = emulator();
        let pass = token(&e, "recaptcha", r#"{"outcome":"pass"}"#);
        let (_, json) = recaptcha(&e, &pass);
        assert_eq!(json["success"], true);
        // The page's hostname, from its Origin; v2 (no action) has no score.
        assert_eq!(json["hostname"], "shop.example");
        assert_eq!(json.get("score"), None);
        assert_eq!(recaptcha(&e, &pass).1["error-codes"], json!(["timeout-or-duplicate"]));

        let v3 = token(&e, "recaptcha", r#"{"outcome":"pass","action":"signup"}"#);
        let (_, json) = recaptcha(&e, &v3);
        assert_eq!(
            (json["action"].as_str(), json["score"].as_f64()),
            (Some("signup"), Some(0.9))
        );

        let fail = token(&e, "recaptcha", r#"{"outcome":"fail"}"#);
        assert_eq!(recaptcha(&e, &fail).1["error-codes"], json!(["invalid-input-response"]));
        let expired = token(&e, "recaptcha", r#"{"outcome":"expired"}"#);
        assert_eq!(
            recaptcha(&e, &expired).1["error-codes"],
            json!(["timeout-or-duplicate"])
        );

        // An outage is that token's alone, on every retry; other tokens verify meanwhile.
        let down = token(&e, "recaptcha", r#"{"outcome":"outage"}"#);
        let other = token(&e, "recaptcha", r#"{"outcome":"pass"}"#);
        assert_eq!(recaptcha(&e, &down).0, 503);
        assert_eq!(recaptcha(&e, &down).0, 503);
        assert_eq!(recaptcha(&e, &other).1["success"], true);
        assert_eq!(e.recorded_requests().len(), 8, "outage answers are recorded too");

        // TrustCaptcha's requests name the verification, not the token.
        assert_eq!(
            trustcaptcha(&e, &token(&e, "trustcaptcha", r#"{"outcome":"pass"}"#)),
            200
        );
        assert_eq!(
            trustcaptcha(&e, &token(&e, "trustcaptcha", r#"{"outcome":"expired"}"#)),
            410
        );
        assert_eq!(
            trustcaptcha(&e, &token(&e, "trustcaptcha", r#"{"outcome":"outage"}"#)),
            503
        );
    }

    #[test]
    fn outages_are_bounded_and_match_anywhere_in_the_request() {
        let e = emulator();
        for n in 0..=OUTAGE_CAPACITY {
            e.add_outage(format!("needle-{n}"));
        }
        let carrying = |text: &str| Request::post("/siteverify", &[], &format!("response={text}"));
        assert!(!e.is_outage(&carrying("needle-0")), "the oldest is forgotten");
        assert!(e.is_outage(&carrying("needle-1")));
        assert!(e.is_outage(&Request::get("/v2/verifications/needle-5/results", &[])));
        assert!(e.is_outage(&Request::get("/x?needle-7", &[])));
        // A whole word only: a token inside a longer one, or a part of one, is not it.
        assert!(!e.is_outage(&carrying("needle")));
        assert!(!e.is_outage(&carrying("xneedle-9")));
        assert!(e.is_outage(&Request::post("/x", &[], r#"{"response":"needle-9","x":1}"#)));
        let mut none = Outages::default();
        none.add(String::new());
        assert!(!none.carried_by(&carrying("")));
    }

    #[test]
    fn the_page_origin_gives_the_hostname() {
        let host = |origin: &str| page_origin(origin).map(|(_, host)| host);
        assert_eq!(host("http://127.0.0.1:8080").as_deref(), Some("127.0.0.1"));
        assert_eq!(host("https://shop.example").as_deref(), Some("shop.example"));
        assert_eq!(host("http://[::1]:3000").as_deref(), Some("[::1]"));
        assert_eq!(host("null"), None);
        assert_eq!(host("http://"), None);
    }

    /// emulator.md, Faults: a rule picks the requests it was given for. A widget's outage token is
    /// answered as an outage before any rule, and must not use up a rule meant for other requests.
    #[test]
    fn an_outage_token_leaves_the_fault_rules_to_the_requests_they_were_meant_for() {
        let e = emulator();
        let down = token(&e, "recaptcha", r#"{"outcome":"outage"}"#);
        let other = token(&e, "recaptcha", r#"{"outcome":"pass"}"#);
        e.add_fault(
            FaultRule::from_json(r#"{"provider":"recaptcha","times":1,"kind":"status","status":500}"#).unwrap(),
        );
        let siteverify = |token: &str| {
            let body = format!("secret=secret&response={token}");
            Request::post(
                "/recaptcha/api/siteverify",
                &[("content-type", "application/x-www-form-urlencoded")],
                &body,
            )
        };
        match route(&e, &siteverify(&down)) {
            Ok(answer) => assert_eq!(answer.status, OUTAGE_STATUS),
            Err(_) => panic!("the outage token took the fault rule"),
        }
        assert!(
            route(&e, &siteverify(&other)).is_err(),
            "the rule is still there for the next request"
        );
        assert_eq!(recaptcha(&e, &other).1["success"], true, "and was taken once");
    }
}
