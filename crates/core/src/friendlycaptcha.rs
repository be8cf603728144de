//! Friendly Captcha v2: `POST {endpoint}/api/v2/captcha/siteverify` with a JSON body
//! `{"response", "sitekey"?}`, and `POST {endpoint}/api/v2/riskIntelligence/retrieve` with
//! `{"token", "sitekey"?}`, the API key in `X-Api-Key`, as `@friendlycaptcha/server-sdk` (0.3.0)
//! sends them: the same headers, the same reading of the answer (its `makeRequest`). The SDK's `VerifyResult` (and `RiskIntelligenceRetrieveResult`) never rejects: it says which of its outcomes happened
//! (an answer, a 4xx, an unreadable body, a failed request, a timeout), with the status and the
//! body. That is what crosses to JavaScript, as data (`FriendlyCaptchaResult`); the facade makes
//! the SDK's class of it and decides `shouldAccept()` from it, as the SDK does.
//!
//! No retries, as the SDK: a response is single use, and a request whose answer was lost may have
//! spent it. The transport still resends a request that never left (its pooled connection was
//! closing), so a server closing an idle keep-alive connection is not an outage.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{HeaderName, HeaderValue, ACCEPT, CONTENT_TYPE};
use reqwest::{Method, Url};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::errors::{CaptchaError, SecretForms};
use crate::outcome::{provider_code, Kind, Outcome, Unavailable};
use crate::transport::{
    timeout_option, Answer, Failure, ProxySetting, Request, Transport, TransportConfig, MAX_TIMEOUT_MS, MAX_URL_LENGTH,
    PROVIDER_CONNECT_TIMEOUT,
};

/// The SDK's `"global"` endpoint.
pub const GLOBAL_API_ENDPOINT: &str = "https://global.frcapi.com";
/// The SDK's `"eu"` endpoint.
pub const EU_API_ENDPOINT: &str = "https://eu.frcapi.com";
/// Appended to the endpoint's origin.
pub const SITEVERIFY_PATH: &str = "/api/v2/captcha/siteverify";
/// Appended to the endpoint's origin for `retrieveRiskIntelligence`.
pub const RETRIEVE_PATH: &str = "/api/v2/riskIntelligence/retrieve";
/// The SDK's default `timeout`: 20 seconds.
pub const DEFAULT_TIMEOUT_MS: u64 = 20_000;
/// What we tell Friendly Captcha we are, in the `Frc-Sdk` header: ours, not their SDK's name.
pub const SDK_HEADER: &str = concat!("captcha-native@", env!("CARGO_PKG_VERSION"));

/// The SDK's client error codes (`VerifyResult.getErrorCode()`), as its `errors.ts` spells them.
pub const FAILED_TO_ENCODE: &str = "failed_to_encode_request";
pub const REQUEST_FAILED: &str = "request_failed";
pub const REQUEST_FAILED_TIMEOUT: &str = "request_failed_due_to_timeout";
pub const FAILED_DUE_TO_CLIENT_ERROR: &str = "request_failed_due_to_client_error";
pub const FAILED_TO_DECODE_RESPONSE: &str = "verification_response_could_not_be_decoded";

/// The API's code for a request without a response, which we answer locally.
pub const RESPONSE_MISSING: &str = "response_missing";
/// The API's code for a retrieve request without a token, which we answer locally.
pub const TOKEN_MISSING: &str = "token_missing";

/// What `verifyCaptchaResponse` and `retrieveRiskIntelligence` resolve, as data: the fields the
/// SDK's `VerifyResult` and `RiskIntelligenceRetrieveResult` share. It crosses to
/// JavaScript as JSON text (`to_json`).
#[derive(Debug, Clone, PartialEq)]
pub struct FriendlyCaptchaResult {
    /// The HTTP status; -1 when no answer came (or no request was made).
    pub status: i32,
    /// The API's JSON object, the key taken out of it; `null` when none could be read.
    response: Response,
    /// The SDK's client error code, or `null`.
    pub client_error_type: Option<&'static str>,
}

/// The API's object, in the form it crosses in.
#[derive(Debug, Clone, PartialEq)]
enum Response {
    /// Parsed (and scrubbed), or made here; `Value::Null` when none could be read.
    Value(Value),
    /// The answer's own text: a JSON object already checked whole, holding no form of the key
    /// and no escape that could spell one. It crosses as it came, parsed once, by JavaScript.
    Text(Box<str>),
}

impl FriendlyCaptchaResult {
    /// `{"status":…,"response":…,"clientErrorType":…}`, the response's text spliced in as it
    /// came when it could be (`Response::Text`).
    pub fn to_json(&self) -> String {
        use std::fmt::Write;
        let mut json = String::with_capacity(
            64 + if let Response::Text(text) = &self.response {
                text.len()
            } else {
                256
            },
        );
        let _ = write!(json, "{{\"status\":{},\"response\":", self.status);
        match &self.response {
            Response::Text(text) => json.push_str(text),
            Response::Value(value) => json.push_str(&value.to_string()),
        }
        json.push_str(",\"clientErrorType\":");
        match self.client_error_type {
            // The SDK's constants: plain ASCII words, nothing to escape.
            Some(code) => {
                json.push('"');
                json.push_str(code);
                json.push('"');
            }
            None => json.push_str("null"),
        }
        json.push('}');
        json
    }

    /// The API's JSON object (or `null`), as JavaScript gets it.
    pub fn response(&self) -> Value {
        self.response.to_value()
    }

    fn failed(client_error_type: &'static str) -> Self {
        Self {
            status: -1,
            response: Response::Value(Value::Null),
            client_error_type: Some(client_error_type),
        }
    }
}

impl Response {
    fn to_value(&self) -> Value {
        match self {
            Response::Value(value) => value.clone(),
            // JavaScript reads some JSON a Value cannot hold (`1e400`): null here, for tests.
            Response::Text(text) => serde_json::from_str(text).unwrap_or(Value::Null),
        }
    }
}

/// What `read` needs of an answer's object; every other field is skipped unread.
#[derive(Deserialize)]
struct Head {
    success: Option<Value>,
    error: Option<Value>,
}

/// The constructor's options, type-checked by `lib/friendlycaptcha.js`. No `Debug`: the key.
#[derive(Clone, Default)]
pub struct Options {
    pub api_key: String,
    pub sitekey: Option<String>,
    /// `"global"` (default), `"eu"` or a URL, whose origin only is kept.
    pub api_endpoint: Option<String>,
    /// The deprecated name of `api_endpoint`, used when that is not given.
    pub siteverify_endpoint: Option<String>,
    pub proxy: ProxySetting,
    /// PEM certificate authorities trusted besides the system's (checked by `ca_roots`).
    pub ca: Vec<String>,
}

/// One call's options: `verifyCaptchaResponse(response, { timeout, sitekey })`, and
/// `retrieveRiskIntelligence(token, { timeout, sitekey })` alike.
#[derive(Debug, Clone, Default)]
pub struct Call {
    pub sitekey: Option<String>,
    /// Milliseconds; anything but a positive finite number gives the default, as the SDK's
    /// `opts.timeout || 20_000` does for 0 and NaN.
    pub timeout_ms: Option<f64>,
}

#[derive(Serialize)]
struct Body<'a> {
    response: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    sitekey: Option<&'a str>,
}

#[derive(Serialize)]
struct RetrieveBody<'a> {
    token: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    sitekey: Option<&'a str>,
}

/// The two requests the client makes: they differ in their URL, their body's field and the codes
/// a refusal without a code and a missing value are given; everything else is shared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Api {
    Siteverify,
    Retrieve,
}

impl Api {
    /// The code a 200 `success: false` without a readable code is refused with.
    fn refusal(self) -> &'static str {
        match self {
            Api::Siteverify => "response_invalid",
            Api::Retrieve => "token_invalid",
        }
    }
}

/// A configured client: the URLs and headers are made once; share one across requests.
pub struct FriendlyCaptchaClient {
    url: Url,
    retrieve_url: Url,
    sitekey: Option<String>,
    headers: [(HeaderName, HeaderValue); 4],
    /// The API key's forms, searched for in every answer.
    forms: SecretForms,
    transport: Arc<Transport>,
}

/// The URL the SDK would post to: `"global"` and `"eu"` are shorthands, any other value is a URL
/// whose origin is kept (path, query and fragment stripped, as the SDK does). Unlike the SDK, a
/// value that is no http(s) URL, or that holds a user name or password, is refused instead of
/// being requested (and failing open on every call).
pub fn siteverify_url(api_endpoint: Option<&str>, siteverify_endpoint: Option<&str>) -> Result<Url, CaptchaError> {
    api_url(api_endpoint, siteverify_endpoint, SITEVERIFY_PATH)
}

/// The URL `retrieveRiskIntelligence` posts to: the same origin as `siteverify_url`'s.
pub fn retrieve_url(api_endpoint: Option<&str>, siteverify_endpoint: Option<&str>) -> Result<Url, CaptchaError> {
    api_url(api_endpoint, siteverify_endpoint, RETRIEVE_PATH)
}

fn api_url(api_endpoint: Option<&str>, siteverify_endpoint: Option<&str>, path: &str) -> Result<Url, CaptchaError> {
    // `opts.apiEndpoint || opts.siteverifyEndpoint || "global"`: an empty string is not given.
    let given = api_endpoint
        .filter(|text| !text.is_empty())
        .or(siteverify_endpoint.filter(|text| !text.is_empty()))
        .unwrap_or("global");
    let base = match given {
        "global" => GLOBAL_API_ENDPOINT,
        "eu" => EU_API_ENDPOINT,
        other => other,
    };
    let refused = |why: &str| CaptchaError::invalid_argument(format!("apiEndpoint {why}"));
    let url = Some(base.trim())
        .filter(|text| text.len() <= MAX_URL_LENGTH)
        .and_then(|text| Url::parse(text).ok())
        .filter(|url| matches!(url.scheme(), "http" | "https") && url.has_host())
        .ok_or_else(|| refused("must be 'global', 'eu' or an http(s) URL"))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(refused("must not hold a user name or password"));
    }
    Url::parse(&format!("{}{path}", url.origin().ascii_serialization()))
        .map_err(|_| refused("must be 'global', 'eu' or an http(s) URL"))
}

impl FriendlyCaptchaClient {
    pub fn new(options: Options) -> Result<Self, CaptchaError> {
        if options.api_key.is_empty() {
            return Err(CaptchaError::invalid_argument("api key is required"));
        }
        let url = siteverify_url(options.api_endpoint.as_deref(), options.siteverify_endpoint.as_deref())?;
        let retrieve_url = retrieve_url(options.api_endpoint.as_deref(), options.siteverify_endpoint.as_deref())?;
        // Never quote the key: the message says what is wrong with it, not what it is.
        let mut key = HeaderValue::from_str(&options.api_key)
            .map_err(|_| CaptchaError::invalid_argument("apiKey must be printable ASCII (an HTTP header value)"))?;
        key.set_sensitive(true);
        let transport = Transport::shared(&TransportConfig {
            connect_timeout: PROVIDER_CONNECT_TIMEOUT,
            proxy: options.proxy,
            extra_roots: options.ca,
        })?;
        Ok(Self {
            url,
            retrieve_url,
            sitekey: options.sitekey.filter(|sitekey| !sitekey.is_empty()),
            headers: [
                (CONTENT_TYPE, HeaderValue::from_static("application/json")),
                (ACCEPT, HeaderValue::from_static("application/json")),
                (HeaderName::from_static("frc-sdk"), HeaderValue::from_static(SDK_HEADER)),
                (HeaderName::from_static("x-api-key"), key),
            ],
            forms: SecretForms::new(&options.api_key),
            transport,
        })
    }

    /// The URL siteverify requests go to.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The URL retrieve requests go to.
    pub fn retrieve_url(&self) -> &Url {
        &self.retrieve_url
    }

    /// `this.sitekey || opts.sitekey`.
    fn sitekey<'a>(&'a self, call: &'a Call) -> Option<&'a str> {
        self.sitekey
            .as_deref()
            .or(call.sitekey.as_deref().filter(|sitekey| !sitekey.is_empty()))
    }

    /// Verifies `response` (`None`: the caller passed something other than a string). Always
    /// resolves: the outcome's value is the SDK's result, whatever happened.
    pub async fn verify(&self, response: Option<&str>, call: &Call) -> Outcome<FriendlyCaptchaResult> {
        let response = match response {
            Some(response) if !response.is_empty() => response,
            // The SDK sends it, the API answers 400 `response_missing`, and the SDK accepts that
            // unless strict: a bot that leaves the field out would pass. Refused here, always.
            _ => return Self::missing(RESPONSE_MISSING, "no response was given"),
        };
        let body = serde_json::to_vec(&Body {
            response,
            sitekey: self.sitekey(call),
        });
        self.post(Api::Siteverify, body, call).await
    }

    /// Retrieves the risk intelligence of `token` (`None`: the caller passed something other than
    /// a string). Always resolves: the outcome's value is the SDK's
    /// `RiskIntelligenceRetrieveResult`, whatever happened.
    pub async fn retrieve(&self, token: Option<&str>, call: &Call) -> Outcome<FriendlyCaptchaResult> {
        let token = match token {
            Some(token) if !token.is_empty() => token,
            // The SDK sends it and the API answers 400 `token_missing`: never valid, but a client
            // error, which tells the operator their configuration is wrong when a visitor merely
            // sent nothing. Refused here, as the visitor's doing (an encode error: no alert).
            _ => return Self::missing(TOKEN_MISSING, "no token was given"),
        };
        let body = serde_json::to_vec(&RetrieveBody {
            token,
            sitekey: self.sitekey(call),
        });
        self.post(Api::Retrieve, body, call).await
    }

    async fn post(
        &self,
        api: Api,
        body: Result<Vec<u8>, serde_json::Error>,
        call: &Call,
    ) -> Outcome<FriendlyCaptchaResult> {
        let Ok(body) = body else {
            return Outcome::refused(FAILED_TO_ENCODE, Ok(FriendlyCaptchaResult::failed(FAILED_TO_ENCODE)));
        };
        let deadline = call
            .timeout_ms
            .filter(|ms| ms.is_finite() && *ms > 0.0)
            .map(|ms| ms.min(MAX_TIMEOUT_MS));
        let deadline = timeout_option("timeout", deadline, DEFAULT_TIMEOUT_MS)
            .unwrap_or(Duration::from_millis(DEFAULT_TIMEOUT_MS));
        let request = Request {
            method: Method::POST,
            url: match api {
                Api::Siteverify => &self.url,
                Api::Retrieve => &self.retrieve_url,
            },
            headers: &self.headers,
            body: Bytes::from(body),
            idempotent: false,
        };
        match self.transport.execute(request, deadline, |_| true).await {
            Ok(answer) => self.read(api, answer),
            Err(failure) => Self::no_answer(&failure),
        }
    }

    /// The local refusal: what the API would answer (`response_missing`, `token_missing`), as an
    /// encode error, the SDK's class of "the visitor sent something that cannot be verified":
    /// rejected (not valid) in either mode, and no alert (`wasAbleToVerify()` and
    /// `wasAbleToRetrieve()` are true).
    fn missing(code: &'static str, why: &str) -> Outcome<FriendlyCaptchaResult> {
        let result = FriendlyCaptchaResult {
            status: -1,
            response: Response::Value(serde_json::json!({
                "success": false,
                "error": {
                    "error_code": code,
                    "detail": format!("{why} (refused by captcha-native without a request)"),
                },
            })),
            client_error_type: Some(FAILED_TO_ENCODE),
        };
        Outcome::refused(code, Ok(result))
    }

    fn no_answer(failure: &Failure) -> Outcome<FriendlyCaptchaResult> {
        let why = Unavailable::of(failure);
        let code = match why {
            Unavailable::Timeout => REQUEST_FAILED_TIMEOUT,
            Unavailable::MalformedResponse => FAILED_TO_DECODE_RESPONSE,
            _ => REQUEST_FAILED,
        };
        Outcome::unavailable(why, Ok(FriendlyCaptchaResult::failed(code)))
    }

    /// An answer, as the SDK reads it: a 4xx is a client error; a body that is not a JSON object
    /// (or array: `typeof json === "object"`) is a decode error, whatever the status; an object
    /// is the response.
    fn read(&self, api: Api, answer: Answer) -> Outcome<FriendlyCaptchaResult> {
        let status = answer.status;
        let body = answer.body.as_deref().unwrap_or_default();
        // `fetch`'s `.json()` reads past a byte order mark.
        let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
        let Some((response, passed, error_code)) = self.as_sent(body).or_else(|| self.parsed(body)) else {
            let result = FriendlyCaptchaResult {
                status: i32::from(status),
                response: Response::Value(Value::Null),
                client_error_type: Some(FAILED_TO_DECODE_RESPONSE),
            };
            let why = if status >= 500 || status == 429 {
                Unavailable::of_status(status)
            } else {
                Unavailable::MalformedResponse
            };
            return Outcome::unavailable(why, Ok(result));
        };
        let result = |client_error_type| FriendlyCaptchaResult {
            status: i32::from(status),
            response,
            client_error_type,
        };
        match status {
            200 if passed => Outcome::verified(result(None)),
            200 => Outcome::refused(error_code.unwrap_or_else(|| api.refusal().into()), Ok(result(None))),
            429 => Outcome::unavailable(Unavailable::RateLimited, Ok(result(Some(FAILED_DUE_TO_CLIENT_ERROR)))),
            400..=499 => Outcome::with(
                Kind::Misconfigured,
                error_code.unwrap_or_else(|| "client_error".into()),
                Ok(result(Some(FAILED_DUE_TO_CLIENT_ERROR))),
            ),
            // The SDK leaves the error type unset here, and its `shouldAccept()` then throws an
            // "implementation error": we call it what it is, a failed request (accepted unless
            // strict, as its other failures are).
            _ => Outcome::unavailable(
                if status >= 500 {
                    Unavailable::ServerError
                } else {
                    Unavailable::MalformedResponse
                },
                Ok(result(Some(REQUEST_FAILED))),
            ),
        }
    }

    /// The common answer, read without building it: a whole JSON object whose text holds no
    /// form of the key and no backslash (so no escape can spell the key), kept as its text.
    /// `None` for anything else, which `parsed` reads. Both read `success` and `error` alike.
    fn as_sent(&self, body: &[u8]) -> Option<(Response, bool, Option<String>)> {
        let text = std::str::from_utf8(body).ok()?;
        if !text.trim_start().starts_with('{') || text.contains('\\') || self.forms.held_by(text) {
            return None;
        }
        // Checks the whole text (trailing characters included); a repeated `success` or
        // `error` is refused here and left to `parsed`, which keeps the last as JavaScript does.
        let head = serde_json::from_str::<Head>(text).ok()?;
        let passed = head.success == Some(Value::Bool(true));
        Some((Response::Text(text.into()), passed, error_code_of(head.error.as_ref())))
    }

    /// Any other answer: parsed, the key taken out at any depth. JSON that JavaScript reads but
    /// a `Value` cannot hold (a number such as `1e400`, nesting past 128) keeps only its
    /// `success` and `error`, so that the verdict is the one `as_sent` would read from it.
    fn parsed(&self, body: &[u8]) -> Option<(Response, bool, Option<String>)> {
        let mut response = match serde_json::from_slice::<Value>(body) {
            Ok(response) => response,
            Err(_) if body.trim_ascii_start().starts_with(b"{") => {
                let head = serde_json::from_slice::<Head>(body).ok()?;
                let mut kept = Map::new();
                if let Some(success) = head.success {
                    kept.insert("success".into(), success);
                }
                if let Some(error) = head.error {
                    kept.insert("error".into(), error);
                }
                Value::Object(kept)
            }
            Err(_) => return None,
        };
        // `typeof [] === "object"`: the SDK keeps an array as the response (never `success`).
        if !(response.is_object() || response.is_array()) {
            return None;
        }
        self.forms.scrub_json(&mut response);
        let passed = response.get("success") == Some(&Value::Bool(true));
        let error_code = error_code_of(response.get("error"));
        Some((Response::Value(response), passed, error_code))
    }
}

/// The API's `error.error_code`, when it is a code of the API's form.
fn error_code_of(error: Option<&Value>) -> Option<String> {
    error
        .and_then(|error| error.get("error_code"))
        .and_then(Value::as_str)
        .and_then(provider_code)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "frc-test-api-key-0123";

    fn client() -> FriendlyCaptchaClient {
        FriendlyCaptchaClient::new(Options {
            api_key: KEY.into(),
            api_endpoint: Some("http://127.0.0.1:9".into()),
            proxy: ProxySetting::Disabled,
            ..Default::default()
        })
        .unwrap()
    }

    #[test]
    fn both_urls_are_the_shorthands_or_an_origin_with_their_path() {
        type MakeUrl = fn(Option<&str>, Option<&str>) -> Result<Url, CaptchaError>;
        for (make, path) in [
            (siteverify_url as MakeUrl, "/api/v2/captcha/siteverify"),
            (retrieve_url, "/api/v2/riskIntelligence/retrieve"),
        ] {
            let url = |api: Option<&str>, old: Option<&str>| make(api, old).map(|url| url.to_string());
            for (api, old, origin) in [
                (None, None, "https://global.frcapi.com"),
                (Some("eu"), None, "https://eu.frcapi.com"),
                (Some(""), Some("eu"), "https://eu.frcapi.com"),
                (Some("global"), Some("eu"), "https://global.frcapi.com"),
                (
                    None,
                    Some("http://127.0.0.1:8080/api/v1/captcha/siteverify?x=1"),
                    "http://127.0.0.1:8080",
                ),
                (
                    None,
                    Some("http://127.0.0.1:8080/api/v1/captcha/siteverify?x=1#y"),
                    "http://127.0.0.1:8080",
                ),
                (Some("https://api.example.com:443/"), None, "https://api.example.com"),
            ] {
                assert_eq!(url(api, old).unwrap(), format!("{origin}{path}"), "{api:?} {old:?}");
            }
            for bad in [
                "EU",
                "api.example.com",
                "ftp://x",
                "http://user:pw@x",
                "http://user@x",
                "file:///x",
            ] {
                assert!(url(Some(bad), None).is_err(), "{bad}");
            }
            let error = url(Some("http://user:s3cret@x"), None).unwrap_err();
            assert!(!error.message.unwrap().contains("s3cret"));
        }
        assert_eq!(
            client().retrieve_url().as_str(),
            "http://127.0.0.1:9/api/v2/riskIntelligence/retrieve"
        );
    }

    #[test]
    fn the_key_is_required_and_never_quoted() {
        let options = |api_key: &str| Options {
            api_key: api_key.into(),
            proxy: ProxySetting::Disabled,
            ..Default::default()
        };
        let missing = FriendlyCaptchaClient::new(options("")).err().unwrap();
        assert_eq!(missing.message.as_deref(), Some("api key is required"));
        let bad = FriendlyCaptchaClient::new(options("s3cret\nkey")).err().unwrap();
        assert!(!bad.message.unwrap().contains("s3cret"));
    }

    #[test]
    fn answers_become_the_sdks_outcomes() {
        let c = client();
        let ok = c.read(Api::Siteverify, Answer::scripted(
            200,
            r#"{"success":true,"data":{"event_id":"e","challenge":{"timestamp":"t","origin":"o"},"risk_intelligence":null}}"#,
        ));
        assert_eq!(ok.kind, Kind::Verified);
        let value = ok.value.unwrap();
        assert_eq!((value.status, value.client_error_type), (200, None));
        assert_eq!(value.response()["data"]["event_id"], "e");

        let refused = c.read(
            Api::Siteverify,
            Answer::scripted(
                200,
                r#"{"success":false,"error":{"error_code":"response_duplicate","detail":"d"}}"#,
            ),
        );
        assert_eq!(
            (refused.kind, refused.code.as_deref()),
            (Kind::Refused, Some("response_duplicate"))
        );
        assert_eq!(refused.value.unwrap().client_error_type, None);

        let client_error = c.read(
            Api::Siteverify,
            Answer::scripted(
                401,
                r#"{"success":false,"error":{"error_code":"auth_invalid","detail":"d"}}"#,
            ),
        );
        assert_eq!(
            (client_error.kind, client_error.code.as_deref()),
            (Kind::Misconfigured, Some("auth_invalid"))
        );
        let value = client_error.value.unwrap();
        assert_eq!(
            (value.status, value.client_error_type),
            (401, Some(FAILED_DUE_TO_CLIENT_ERROR))
        );
        assert_eq!(value.response()["error"]["error_code"], "auth_invalid");

        // `typeof [] === "object"`: the SDK keeps an array as the response, verified and refused.
        let array = c.read(Api::Siteverify, Answer::scripted(200, "[1]"));
        assert_eq!(array.kind, Kind::Refused);
        let value = array.value.unwrap();
        assert_eq!(
            (value.status, value.client_error_type, value.response()),
            (200, None, serde_json::json!([1]))
        );

        for (status, body) in [
            (200, "<html>"),
            (200, "\"text\""),
            (200, "null"),
            (400, ""),
            (502, "bad gateway"),
        ] {
            let decode = c.read(Api::Siteverify, Answer::scripted(status, body));
            assert_eq!(decode.kind, Kind::Unavailable, "{status} {body}");
            let value = decode.value.unwrap();
            assert_eq!(
                (value.status, value.client_error_type, value.response()),
                (i32::from(status), Some(FAILED_TO_DECODE_RESPONSE), Value::Null)
            );
        }
        let server = c.read(
            Api::Siteverify,
            Answer::scripted(
                500,
                r#"{"success":false,"error":{"error_code":"internal_server_error","detail":"d"}}"#,
            ),
        );
        assert_eq!(
            (server.kind, server.code.as_deref()),
            (Kind::Unavailable, Some("server_error"))
        );
        assert_eq!(server.value.unwrap().client_error_type, Some(REQUEST_FAILED));
    }

    #[test]
    fn a_server_echoing_the_key_never_shows_it() {
        let body = format!(
            r#"{{"success":false,"error":{{"error_code":"auth_invalid","detail":"key {KEY} is wrong"}},"{KEY}":1}}"#
        );
        let shown = client()
            .read(Api::Siteverify, Answer::scripted(401, body.as_str()))
            .value
            .unwrap()
            .to_json();
        assert!(!shown.contains(KEY), "{shown}");
        assert!(shown.contains("key [redacted] is wrong"));
    }

    /// What `verify` or `retrieve` resolves for `text`, with the default call.
    async fn ask(c: &FriendlyCaptchaClient, api: Api, text: Option<&str>) -> Outcome<FriendlyCaptchaResult> {
        match api {
            Api::Siteverify => c.verify(text, &Call::default()).await,
            Api::Retrieve => c.retrieve(text, &Call::default()).await,
        }
    }

    #[tokio::test]
    async fn a_missing_response_or_token_is_refused_without_a_request() {
        let c = client();
        for (api, code) in [(Api::Siteverify, RESPONSE_MISSING), (Api::Retrieve, TOKEN_MISSING)] {
            for text in [None, Some("")] {
                let outcome = ask(&c, api, text).await;
                assert_eq!(
                    (outcome.kind, outcome.code.as_deref()),
                    (Kind::Refused, Some(code)),
                    "{api:?} {text:?}"
                );
                let value = outcome.value.unwrap();
                assert_eq!((value.status, value.client_error_type), (-1, Some(FAILED_TO_ENCODE)));
                assert_eq!(value.response()["error"]["error_code"], code);
            }
            // Nothing listens on port 9: the request fails, and the result says so.
            let failed = ask(&c, api, Some("token")).await;
            assert_eq!(failed.kind, Kind::Unavailable, "{api:?}");
            assert_eq!(failed.value.unwrap().client_error_type, Some(REQUEST_FAILED));
        }
    }

    #[test]
    fn retrieve_answers_become_the_sdks_outcomes() {
        let c = client();
        let ok = c.read(
            Api::Retrieve,
            Answer::scripted(
                200,
                r#"{"success":true,"data":{"event_id":"e","token":{"timestamp":"t","expires_at":"x","num_uses":1,"origin":"o"},"risk_intelligence":{}}}"#,
            ),
        );
        assert_eq!(ok.kind, Kind::Verified);
        assert_eq!(ok.value.unwrap().response()["data"]["token"]["num_uses"], 1);
        for (body, code) in [
            (
                r#"{"success":false,"error":{"error_code":"token_expired","detail":"d"}}"#,
                "token_expired",
            ),
            (
                r#"{"success":false,"error":{"error_code":"token_invalid","detail":"d"}}"#,
                "token_invalid",
            ),
            (r#"{"success":false}"#, "token_invalid"),
        ] {
            let refused = c.read(Api::Retrieve, Answer::scripted(200, body));
            assert_eq!((refused.kind, refused.code.as_deref()), (Kind::Refused, Some(code)));
            assert_eq!(refused.value.unwrap().client_error_type, None);
        }
        let missing = c.read(
            Api::Retrieve,
            Answer::scripted(
                400,
                r#"{"success":false,"error":{"error_code":"token_missing","detail":"d"}}"#,
            ),
        );
        assert_eq!(
            (missing.kind, missing.code.as_deref()),
            (Kind::Misconfigured, Some("token_missing"))
        );
        assert_eq!(
            missing.value.unwrap().client_error_type,
            Some(FAILED_DUE_TO_CLIENT_ERROR)
        );
        let decode = c.read(Api::Retrieve, Answer::scripted(200, "<html>"));
        assert_eq!(decode.kind, Kind::Unavailable);
        assert_eq!(decode.value.unwrap().client_error_type, Some(FAILED_TO_DECODE_RESPONSE));
    }

    #[test]
    fn an_answer_read_as_sent_is_what_parsing_it_gives() {
        let c = client();
        for body in [
            r#"{"success":true,"data":{"event_id":"e","challenge":{"timestamp":"t","origin":"o"},"risk_intelligence":null}}"#,
            r#" {"success":false,"error":{"error_code":"response_invalid","detail":"x"}} "#,
            r#"{"success":"true"}"#,
            r#"{"a":[1,{"b":null}],"success":true,"error":{"error_code":"Not A Code"}}"#,
        ] {
            let (fast, fast_passed, fast_code) = c.as_sent(body.as_bytes()).expect(body);
            let (slow, slow_passed, slow_code) = c.parsed(body.as_bytes()).unwrap();
            assert!(matches!(fast, Response::Text(_)), "{body}");
            assert_eq!(
                (fast.to_value(), fast_passed, fast_code),
                (slow.to_value(), slow_passed, slow_code),
                "{body}"
            );
        }
        // Left to the parser: the key in any form, a backslash, a repeated field, an array.
        let echoed = format!(r#"{{"success":false,"echo":"{KEY}"}}"#);
        for body in [
            echoed.as_str(),
            r#"{"d":"a\/b"}"#,
            r#"{"success":false,"success":true}"#,
            "[{}]",
        ] {
            assert!(c.as_sent(body.as_bytes()).is_none(), "{body}");
        }
        let (scrubbed, ..) = c.parsed(echoed.as_bytes()).unwrap();
        assert!(!scrubbed.to_value().to_string().contains(KEY));
        let (repeated, passed, _) = c.parsed(br#"{"success":false,"success":true}"#).unwrap();
        assert_eq!(
            (repeated.to_value(), passed),
            (serde_json::json!({ "success": true }), true),
            "the last, as JSON.parse"
        );
        // Not one whole JSON value: neither.
        assert!(c.as_sent(br#"{"success":true} x"#).is_none());
        assert!(c.parsed(br#"{"success":true} x"#).is_none());
        // JSON that JavaScript reads and a Value cannot hold: the same verdict, escaped or not.
        let deep = format!(
            r#"{{"success":false,"error":{{"error_code":"response_invalid"}},"d":{}1{}}}"#,
            "[".repeat(200),
            "]".repeat(200)
        );
        for body in [
            r#"{"success":false,"error":{"error_code":"response_invalid"},"n":1e400}"#.to_owned(),
            r#"{"success":false,"error":{"error_code":"response_invalid"},"detail":"ua \"x\"","n":1e400}"#.to_owned(),
            deep.clone(),
            deep.replace("response_invalid\"}", "response_invalid\",\"e\":\"\\u0041\"}"),
        ] {
            let outcome = c.read(Api::Siteverify, Answer::scripted(200, body.as_str()));
            assert_eq!(outcome.kind, Kind::Refused, "{body}");
            assert_eq!(outcome.value.unwrap().client_error_type, None, "{body}");
        }
        // A byte order mark is read past, as fetch's .json() does.
        let marked = c.read(Api::Siteverify, Answer::scripted(200, "\u{feff}{\"success\":true}"));
        assert_eq!(marked.kind, Kind::Verified);
    }

    #[test]
    fn the_header_names_us() {
        assert_eq!(SDK_HEADER, concat!("captcha-native@", env!("CARGO_PKG_VERSION")));
        let c = client();
        let names: Vec<&str> = c.headers.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(names, ["content-type", "accept", "frc-sdk", "x-api-key"]);
        assert!(c.headers[3].1.is_sensitive());
    }
}

#[cfg(test)]
mod fuzz {
    use super::*;
    use crate::fuzzing::json_soup;
    use proptest::prelude::*;

    const KEY: &str = "frc_fuzz_api_key_0123456789";

    proptest! {
        /// Any answer is read without a panic, and the key, even when a hostile server echoes it
        /// anywhere, is in no result that reaches JavaScript.
        #[test]
        fn any_answer_is_read_and_never_shows_the_key(
            status in 100u16..600,
            soup in json_soup(),
            echo_at in proptest::option::of(0usize..64),
            retrieve in any::<bool>(),
        ) {
            let api = if retrieve { Api::Retrieve } else { Api::Siteverify };
            let client = FriendlyCaptchaClient::new(Options {
                api_key: KEY.into(),
                api_endpoint: Some("http://127.0.0.1:9".into()),
                proxy: ProxySetting::Disabled,
                ..Default::default()
            }).unwrap();
            let mut body = soup;
            if let Some(at) = echo_at {
                let at = body.char_indices().map(|(i, _)| i).nth(at).unwrap_or(body.len());
                body.insert_str(at, KEY);
            }
            let outcome = client.read(api, Answer::scripted(status, body));
            let shown = outcome.value.unwrap().to_json();
            prop_assert!(!shown.contains(KEY), "{}", shown);
        }
    }
}
