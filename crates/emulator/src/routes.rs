//! Which code answers a request: the emulator's own control routes, or the provider whose real
//! path it is (`provider_of`), or 404 for any other path.

use captcha_core::providers::Provider;

use crate::http::{Request, Response};
use crate::state::Emulator;
use crate::FaultAction;
use crate::{
    friendlycaptcha, hcaptcha, playtcha, recaptcha, recaptcha_enterprise, swetrix, trustcaptcha, turnstile, widgets,
};

/// Where the emulator's own routes live; no provider uses this path.
pub const CONTROL_PREFIX: &str = "/__emulator/";

/// TrustCaptcha's results live under this path, one verification each.
const TRUSTCAPTCHA_PREFIX: &str = "/v2/verifications/";

/// The provider whose real API serves `path`, if any.
pub fn provider_of(path: &str) -> Option<Provider> {
    match path {
        swetrix::PATH => Some(Provider::Swetrix),
        recaptcha::PATH => Some(Provider::Recaptcha),
        playtcha::PATH => Some(Provider::Playtcha),
        turnstile::PATH => Some(Provider::Turnstile),
        hcaptcha::PATH => Some(Provider::Hcaptcha),
        friendlycaptcha::PATH | friendlycaptcha::RETRIEVE_PATH => Some(Provider::FriendlyCaptcha),
        _ if path.starts_with(recaptcha_enterprise::PATH_PREFIX) => Some(Provider::RecaptchaEnterprise),
        _ => path.starts_with(TRUSTCAPTCHA_PREFIX).then_some(Provider::TrustCaptcha),
    }
}

/// The answer of `provider` to `request` (404 when no provider serves its path).
pub fn answer(emulator: &Emulator, provider: Option<Provider>, request: &Request) -> Response {
    match provider {
        Some(Provider::TrustCaptcha) => trustcaptcha::answer(emulator, request),
        Some(Provider::Swetrix) => swetrix::answer(emulator, request),
        Some(Provider::Recaptcha) => recaptcha::answer(emulator, request),
        Some(Provider::Playtcha) => playtcha::answer(emulator, request),
        Some(Provider::Turnstile) => turnstile::answer(emulator, request),
        Some(Provider::Hcaptcha) => hcaptcha::answer(emulator, request),
        Some(Provider::RecaptchaEnterprise) => recaptcha_enterprise::answer(emulator, request),
        Some(Provider::FriendlyCaptcha) => friendlycaptcha::answer(emulator, request),
        None => Response::json(404, &serde_json::json!({ "message": "Not Found" })),
    }
}

/// What a request gets, over HTTP/1.1 or HTTP/2 alike: `Ok` with the answer (the emulator's own
/// routes are never faulted or recorded; a provider's path is recorded), or `Err` with the fault
/// that picks it and its provider, for the server to carry out on its connection or stream with
/// `answer(emulator, provider, request)` as the answer the fault may give.
pub fn route(emulator: &Emulator, request: &Request) -> Result<Response, (FaultAction, Option<Provider>)> {
    if let Some(response) = control(emulator, request).or_else(|| widgets::serve(request)) {
        return Ok(response);
    }
    let provider = provider_of(&request.path);
    // A token a widget issued for an outage is answered as one, before any fault rule (which
    // stays for the requests it was meant for).
    if provider.is_some() && emulator.is_outage(request) {
        emulator.record(request, provider);
        return Ok(widgets::outage());
    }
    let fault = emulator.take_fault(provider);
    emulator.record(request, provider);
    match fault {
        None => Ok(answer(emulator, provider, request)),
        Some(fault) => Err((fault, provider)),
    }
}

/// The emulator's own routes, for a process that did not start it (the command line):
/// `POST /__emulator/issue/{provider}` with the claims as a JSON body (or none) answers
/// `{"token": "..."}`; `POST /__emulator/widget/{provider}` is the emulated widgets' (`widgets`).
/// `None` for every path outside `/__emulator/`.
pub fn control(emulator: &Emulator, request: &Request) -> Option<Response> {
    let route = request.path.strip_prefix(CONTROL_PREFIX)?;
    let message = |status: u16, text: &str| Response::json(status, &serde_json::json!({ "message": text }));
    if let Some(provider) = route.strip_prefix("widget/") {
        return Some(widgets::control(emulator, request, provider));
    }
    let Some(provider) = route.strip_prefix("issue/") else {
        return Some(message(404, "Not Found"));
    };
    if request.method != "POST" {
        let mut refused = message(405, "Method Not Allowed");
        refused.set_header("allow", "POST");
        return Some(refused);
    }
    let claims = std::str::from_utf8(&request.body).map(str::trim);
    let response = match claims {
        Err(_) => message(400, "the claims must be UTF-8 JSON"),
        Ok(claims) => match emulator.issue(provider, Some(claims).filter(|c| !c.is_empty())) {
            Ok(token) => Response::json(200, &serde_json::json!({ "token": token })),
            Err(error) if Provider::from_name(provider).is_none() => message(404, &error.message.unwrap_or_default()),
            Err(error) => message(400, &error.message.unwrap_or_default()),
        },
    };
    Some(response)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::EmulatorCredentials;

    #[test]
    fn paths_pick_the_provider() {
        assert_eq!(provider_of("/v2/verifications/x/results"), Some(Provider::TrustCaptcha));
        assert_eq!(provider_of("/v1/captcha/validate"), Some(Provider::Swetrix));
        assert_eq!(provider_of("/recaptcha/api/siteverify"), Some(Provider::Recaptcha));
        assert_eq!(provider_of("/v1/verify"), Some(Provider::Playtcha));
        assert_eq!(provider_of("/turnstile/v0/siteverify"), Some(Provider::Turnstile));
        assert_eq!(provider_of("/siteverify"), Some(Provider::Hcaptcha));
        assert_eq!(
            provider_of("/v1/projects/p/assessments"),
            Some(Provider::RecaptchaEnterprise)
        );
        assert_eq!(
            provider_of("/api/v2/captcha/siteverify"),
            Some(Provider::FriendlyCaptcha)
        );
        assert_eq!(
            provider_of("/api/v2/riskIntelligence/retrieve"),
            Some(Provider::FriendlyCaptcha)
        );
        for other in [
            "/other",
            "/v1/captcha/validate/x",
            "/recaptcha/api/siteverify2",
            "/v1/verify/",
            "/turnstile/v0/siteverify/",
            "/turnstile/v1/siteverify",
            "/siteverify/",
            "/api/siteverify",
            "/api/v2/captcha/siteverify/",
            "/api/v2/riskIntelligence/retrieve/",
            "/api/v2/riskintelligence/retrieve",
            "/api/v1/captcha/siteverify",
            "/__emulator/issue/swetrix",
        ] {
            assert_eq!(provider_of(other), None, "{other}");
        }
    }

    #[test]
    fn control_routes_issue_tokens_and_refuse_the_rest() {
        let e = Emulator::new(EmulatorCredentials::default());
        let body = |response: Response| {
            let json: serde_json::Value = serde_json::from_slice(&response.body).unwrap();
            (response.status, json)
        };
        assert!(control(&e, &Request::get("/v1/verify", &[])).is_none());
        let (status, json) = body(control(&e, &Request::post("/__emulator/issue/swetrix", &[], "")).unwrap());
        assert_eq!(status, 200);
        assert!(json["token"].as_str().unwrap().starts_with("swetrix_"));
        let (status, json) = body(control(&e, &Request::post("/__emulator/issue/altcha", &[], "")).unwrap());
        assert_eq!(
            (status, json["message"].as_str()),
            (404, Some("unknown provider 'altcha'"))
        );
        let (status, _) = body(control(&e, &Request::post("/__emulator/issue/swetrix", &[], "[]")).unwrap());
        assert_eq!(status, 400);
        let refused = control(&e, &Request::get("/__emulator/issue/swetrix", &[])).unwrap();
        assert_eq!(refused.status, 405);
        assert!(refused.headers.contains(&("allow".into(), "POST".into())));
        assert_eq!(
            control(&e, &Request::get("/__emulator/other", &[])).unwrap().status,
            404
        );
        assert_eq!(answer(&e, None, &Request::get("/other", &[])).status, 404);
    }
}
