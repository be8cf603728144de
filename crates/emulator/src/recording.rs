//! The requests an emulator received, kept for tests to inspect (`requests()`), credentials
//! redacted: a recorded request may be printed, and a user may have passed real ones.

use std::borrow::Cow;
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use captcha_core::providers::Provider;

use crate::http::Request;
use crate::state::lock;

/// The most requests kept for `requests()`; older ones are dropped.
pub const MAX_RECORDED_REQUESTS: usize = 10_000;

/// What a redacted value reads.
const REDACTED: &str = "[redacted]";

/// A request as the emulator saw it, for tests to inspect. Credentials are redacted.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    pub provider: Option<Provider>,
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub headers: HashMap<String, String>,
}

impl RecordedRequest {
    /// The request with its credentials redacted, repeated headers joined with `, `.
    fn redacted(request: &Request, provider: Option<Provider>) -> Self {
        let mut headers = HashMap::with_capacity(request.headers.len());
        for (name, value) in &request.headers {
            let value = if matches!(name.as_str(), "authorization" | "proxy-authorization" | "x-api-key") {
                REDACTED
            } else {
                value
            };
            headers
                .entry(name.clone())
                .and_modify(|joined: &mut String| {
                    joined.push_str(", ");
                    joined.push_str(value);
                })
                .or_insert_with(|| value.to_owned());
        }
        Self {
            provider,
            method: request.method.clone(),
            path: request.path.clone(),
            // reCAPTCHA takes its secret in the query string too; redact it whatever the path.
            query: request.query.as_deref().map(|query| redact_query(query).into_owned()),
            headers,
        }
    }
}

/// The last `MAX_RECORDED_REQUESTS` requests, oldest first.
#[derive(Debug, Default)]
pub struct Recording {
    requests: Mutex<VecDeque<RecordedRequest>>,
}

impl Recording {
    pub fn record(&self, request: &Request, provider: Option<Provider>) {
        let recorded = RecordedRequest::redacted(request, provider);
        let mut requests = lock(&self.requests);
        if requests.len() == MAX_RECORDED_REQUESTS {
            requests.pop_front();
        }
        requests.push_back(recorded);
    }

    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.requests).iter().cloned().collect()
    }

    pub fn clear(&self) {
        lock(&self.requests).clear();
    }
}

/// The query string with the value of every `secret` (reCAPTCHA's) and `key` (reCAPTCHA
/// Enterprise's API key) parameter replaced, for the record.
fn redact_query(query: &str) -> Cow<'_, str> {
    let secret_name = |pair: &str| {
        form_urlencoded::parse(pair.as_bytes())
            .next()
            .and_then(|(name, _)| match name.as_ref() {
                "secret" => Some("secret=[redacted]"),
                "key" => Some("key=[redacted]"),
                _ => None,
            })
    };
    if !query.split('&').any(|pair| secret_name(pair).is_some()) {
        return Cow::Borrowed(query);
    }
    let pairs: Vec<&str> = query.split('&').map(|pair| secret_name(pair).unwrap_or(pair)).collect();
    Cow::Owned(pairs.join("&"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Emulator, EmulatorCredentials};

    #[test]
    fn recorded_requests_redact_credentials() {
        let emulator = Emulator::new(EmulatorCredentials {
            trustcaptcha_api_key: "k".into(),
            ..EmulatorCredentials::default()
        });
        let request = Request::get(
            "/v2/verifications/a/results",
            &[
                ("authorization", "Bearer k"),
                ("x-api-key", "k"),
                ("accept", "a"),
                ("accept", "b"),
            ],
        );
        emulator.record(&request, Some(Provider::TrustCaptcha));
        let seen = emulator.recorded_requests();
        assert_eq!(seen[0].headers["authorization"], "[redacted]");
        assert_eq!(seen[0].headers["x-api-key"], "[redacted]");
        assert_eq!(seen[0].headers["accept"], "a, b");
        assert_eq!(emulator.stats().requests, 1);
    }

    #[test]
    fn recorded_queries_hide_the_secret_whatever_the_provider() {
        assert_eq!(
            redact_query("response=r&secret=s3cr3t&remoteip=1"),
            "response=r&secret=[redacted]&remoteip=1"
        );
        assert_eq!(redact_query("secre%74=s3cr3t"), "secret=[redacted]");
        assert_eq!(redact_query("response=r"), "response=r");
        assert_eq!(redact_query("key=AIza%2Bk&x=1"), "key=[redacted]&x=1");
        let emulator = Emulator::new(EmulatorCredentials::default());
        emulator.record(&Request::get("/other?secret=x&a=1", &[]), None);
        emulator.record(
            &Request::get("/recaptcha/api/siteverify?secret=s3cr3t&response=r", &[]),
            Some(Provider::Recaptcha),
        );
        emulator.record(&Request::get("/v1/verify?a=1", &[]), Some(Provider::Playtcha));
        emulator.record(&Request::get("/v1/verify", &[]), Some(Provider::Playtcha));
        let queries: Vec<Option<String>> = emulator.recorded_requests().into_iter().map(|r| r.query).collect();
        assert_eq!(
            queries,
            [
                Some("secret=[redacted]&a=1".to_owned()),
                Some("secret=[redacted]&response=r".to_owned()),
                Some("a=1".to_owned()),
                None
            ]
        );
    }

    #[test]
    fn recorded_requests_are_bounded_oldest_first() {
        let emulator = Emulator::new(EmulatorCredentials {
            trustcaptcha_api_key: "k".into(),
            ..EmulatorCredentials::default()
        });
        for n in 0..MAX_RECORDED_REQUESTS + 5 {
            emulator.record(&Request::get(&format!("/{n}"), &[]), None);
        }
        let seen = emulator.recorded_requests();
        assert_eq!(seen.len(), MAX_RECORDED_REQUESTS);
        assert_eq!(seen[0].path, "/5");
        assert_eq!(emulator.stats().requests as usize, MAX_RECORDED_REQUESTS + 5);
    }
}
