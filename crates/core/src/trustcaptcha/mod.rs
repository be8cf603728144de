//! TrustCaptcha: the protocol of `@trustcomponent/trustcaptcha-nodejs` v3, as plain Rust.

pub mod result;
pub mod token;

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{HeaderName, HeaderValue, ACCEPT, AUTHORIZATION, USER_AGENT};
use reqwest::Method;

use crate::errors::{CaptchaError, ErrorKind};
use crate::outcome::{Outcome, Unavailable};
use crate::transport::{
    api_host_base, append_path, timeout_option, Failure, ProxySetting, Request, Transport, TransportConfig,
};
pub use result::VerificationResultData;
pub use token::{parse_token, TokenError, VerificationToken};

pub const DEFAULT_API_HOST: &str = "https://api.trustcomponent.com";
pub const DEFAULT_CONNECT_TIMEOUT_MS: u64 = 3000;
pub const DEFAULT_READ_TIMEOUT_MS: u64 = 5000;

/// `Trustcaptcha/` and the base64 of `{"language":"nodejs","version":"3.0.0"}`: the protocol
/// level we implement, as the SDK announces it.
pub const USER_AGENT_VALUE: &str = "Trustcaptcha/eyJsYW5ndWFnZSI6Im5vZGVqcyIsInZlcnNpb24iOiIzLjAuMCJ9";

/// The caller's options, already of the right JavaScript types. No `Debug`: it holds the key.
#[derive(Clone, Default)]
pub struct Options {
    pub api_key: String,
    pub api_host: Option<String>,
    pub connect_timeout_ms: Option<f64>,
    pub read_timeout_ms: Option<f64>,
    pub proxy: ProxySetting,
    /// PEM certificate authorities trusted besides the system's (checked by `ca_roots`).
    pub ca: Vec<String>,
}

/// A configured TrustCaptcha client: immutable, shared by every request, one connection pool.
pub struct TrustCaptchaClient {
    /// `Authorization`, `Accept` and `User-Agent`, made once.
    headers: [(HeaderName, HeaderValue); 3],
    /// `apiHost` without trailing slashes, parsed once, or why it cannot be requested (each
    /// call then rejects with ServerUnreachableException, as the SDK does for a bad host).
    api_host: Result<reqwest::Url, Failure>,
    deadline: Duration,
    transport: Arc<Transport>,
}

impl std::fmt::Debug for TrustCaptchaClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrustCaptchaClient")
            .field("api_host", &self.api_host)
            .field("deadline", &self.deadline)
            .finish_non_exhaustive()
    }
}

impl TrustCaptchaClient {
    pub fn new(options: Options) -> Result<Self, CaptchaError> {
        let api_key = options.api_key.trim();
        if api_key.is_empty() {
            return Err(CaptchaError::invalid_argument("apiKey must not be null or empty"));
        }
        let mut authorization = HeaderValue::from_str(&format!("Bearer {api_key}")).map_err(|_| {
            CaptchaError::invalid_argument("apiKey contains characters that cannot be sent in an HTTP header")
        })?;
        authorization.set_sensitive(true);
        let connect_timeout = timeout_option(
            "connectTimeoutMs",
            options.connect_timeout_ms,
            DEFAULT_CONNECT_TIMEOUT_MS,
        )?;
        let deadline = timeout_option("readTimeoutMs", options.read_timeout_ms, DEFAULT_READ_TIMEOUT_MS)?;
        let transport = Transport::shared(&TransportConfig {
            connect_timeout,
            proxy: options.proxy,
            extra_roots: options.ca,
        })?;
        let api_host = api_host_base(options.api_host.as_deref().unwrap_or(DEFAULT_API_HOST));
        Ok(Self {
            headers: [
                (AUTHORIZATION, authorization),
                (ACCEPT, HeaderValue::from_static("application/json")),
                (USER_AGENT, HeaderValue::from_static(USER_AGENT_VALUE)),
            ],
            api_host,
            deadline,
            transport,
        })
    }

    /// The URL a verification id is fetched from. The id is a checked UUID, so the request
    /// can never leave `/v2/verifications/<uuid>/results` on the configured host.
    pub fn results_url(&self, token: &VerificationToken) -> Result<reqwest::Url, Failure> {
        // Appending to the parsed host spares a parse of the whole URL on every call.
        let host = self.api_host.as_ref().map_err(Clone::clone)?;
        let mut url = append_path(host, ["v2", "verifications", &token.verification_id, "results"])?;
        if token.client_failover {
            url.set_query(Some("clientFailover=true"));
        }
        Ok(url)
    }

    /// Fetches the result of the verification the token names. It resolves the result whether
    /// or not it passed (the SDK's shape) and is `Verified` only when it did.
    pub async fn verify(&self, token: Option<&str>) -> Outcome<VerificationResultData> {
        let token = match parse_token(token) {
            Ok(token) => token,
            Err(reason) => {
                let error = CaptchaError::new(ErrorKind::VerificationTokenInvalid).with_message(reason.message());
                return refused(error);
            }
        };
        let url = match self.results_url(&token) {
            Ok(url) => url,
            Err(failure) => return unreachable(failure),
        };
        let request = Request {
            method: Method::GET,
            url: &url,
            headers: &self.headers,
            body: Bytes::new(),
            idempotent: false,
        };
        let answer = match self
            .transport
            .execute(request, self.deadline, |status| (200..300).contains(&status))
            .await
        {
            Ok(answer) => answer,
            Err(failure) => return unreachable(failure),
        };
        match answer.body {
            Some(body) => match VerificationResultData::from_body(&body) {
                Some(result) if result.verification_passed == Some(true) => Outcome::verified(result),
                Some(result) => Outcome::refused(NOT_PASSED, Ok(result)),
                None => Outcome::unavailable(
                    Unavailable::MalformedResponse,
                    Err(unreachable_error(&Failure::Other(
                        "the answer is not a JSON object".into(),
                    ))),
                ),
            },
            None => status_outcome(answer.status),
        }
    }

    /// `verify` as the SDK's `getVerificationResult` sees it: the result, or the error.
    pub async fn get_verification_result(&self, token: Option<&str>) -> Result<VerificationResultData, CaptchaError> {
        self.verify(token).await.value
    }
}

/// The code of a result that resolved but did not pass.
pub const NOT_PASSED: &str = "verification_not_passed";

fn unreachable_error(failure: &Failure) -> CaptchaError {
    CaptchaError::new(ErrorKind::ServerUnreachable).with_detail(failure.to_string())
}

/// No answer. A host that cannot be requested is one too, as in the SDK (ServerUnreachable).
fn unreachable<T>(failure: Failure) -> Outcome<T> {
    Outcome::unavailable(Unavailable::of(&failure), Err(unreachable_error(&failure)))
}

/// A refusal, coded by the error's kind (`verification_not_found`...).
fn refused<T>(error: CaptchaError) -> Outcome<T> {
    Outcome::refused(error.kind.code(), Err(error))
}

/// The SDK's mapping of a non-2xx status, and what each means: a 403 is our key, a 5xx no
/// verdict; a claimed outage the gateway never saw (412) is a refusal, though the SDK's class
/// for it is a `FailoverException`.
pub fn status_outcome<T>(status: u16) -> Outcome<T> {
    let error = status_error(status);
    match error.kind {
        ErrorKind::ApiKeyInvalid => Outcome::misconfigured(error.kind.code(), Err(error)),
        ErrorKind::UnexpectedStatus if status >= 500 => {
            Outcome::unavailable(Unavailable::of_status(status), Err(error))
        }
        ErrorKind::UnexpectedStatus => Outcome::misconfigured(error.kind.code(), Err(error)),
        _ => refused(error),
    }
}

/// The SDK's error for a non-2xx status.
pub fn status_error(status: u16) -> CaptchaError {
    let kind = match status {
        403 => ErrorKind::ApiKeyInvalid,
        404 => ErrorKind::VerificationNotFound,
        410 => ErrorKind::VerificationResultExpired,
        412 => ErrorKind::ClientReportedServerUnreachable,
        423 => ErrorKind::VerificationNotFinished,
        429 => ErrorKind::VerificationResultRetrievalLimitReached,
        _ => {
            return CaptchaError::new(ErrorKind::UnexpectedStatus)
                .with_message(format!(
                    "Failed to retrieve verification result, response code: {status}"
                ))
                .with_status(status)
        }
    };
    CaptchaError::new(kind).with_status(status)
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;

    fn client(api_host: &str) -> TrustCaptchaClient {
        TrustCaptchaClient::new(Options {
            api_key: "  secret-key  ".into(),
            api_host: Some(api_host.into()),
            proxy: ProxySetting::Disabled,
            ..Default::default()
        })
        .unwrap()
    }

    #[test]
    fn user_agent_announces_nodejs_3_0_0() {
        let encoded = USER_AGENT_VALUE.strip_prefix("Trustcaptcha/").unwrap();
        let decoded = base64::engine::general_purpose::STANDARD.decode(encoded).unwrap();
        assert_eq!(decoded, br#"{"language":"nodejs","version":"3.0.0"}"#);
    }

    #[test]
    fn url_has_one_slash_and_the_failover_query_only_when_claimed() {
        let mut token = VerificationToken {
            verification_id: "00000000-0000-0000-0000-000000000000".into(),
            expires_at: None,
            client_failover: false,
        };
        let c = client("http://127.0.0.1:9//");
        assert_eq!(
            c.results_url(&token).unwrap().as_str(),
            "http://127.0.0.1:9/v2/verifications/00000000-0000-0000-0000-000000000000/results"
        );
        token.client_failover = true;
        assert!(c
            .results_url(&token)
            .unwrap()
            .as_str()
            .ends_with("/results?clientFailover=true"));
        let prefixed = client("https://gateway.example/trustcaptcha");
        token.client_failover = false;
        assert_eq!(
            prefixed.results_url(&token).unwrap().path(),
            "/trustcaptcha/v2/verifications/00000000-0000-0000-0000-000000000000/results"
        );
    }

    #[test]
    fn unusable_hosts_are_remembered_not_thrown() {
        for host in [
            "not a url",
            "ftp://x",
            "http://",
            "http://h/?q=1",
            "http://h/#f",
            "",
            "http://u:p@h",
            "http://u@h",
        ] {
            assert_eq!(api_host_base(host), Err(Failure::InvalidUrl), "{host}");
        }
        // Too long for the HTTP layer: refused here, not per request as an outage.
        let long = format!("http://h/{}", "p".repeat(crate::transport::MAX_URL_LENGTH));
        assert_eq!(api_host_base(&long), Err(Failure::InvalidUrl));
        assert!(api_host_base(&long[..crate::transport::MAX_URL_LENGTH]).is_ok());
    }

    #[test]
    fn key_is_trimmed_required_and_never_debug_printed() {
        let c = client("http://127.0.0.1:9");
        assert_eq!(c.headers[0].1.to_str().unwrap(), "Bearer secret-key");
        assert!(!format!("{c:?}").contains("secret-key"));
        for key in ["", "   "] {
            let error = TrustCaptchaClient::new(Options {
                api_key: key.into(),
                ..Default::default()
            })
            .unwrap_err();
            assert_eq!(error.message.as_deref(), Some("apiKey must not be null or empty"));
        }
        let error = TrustCaptchaClient::new(Options {
            api_key: "a\nb".into(),
            ..Default::default()
        })
        .unwrap_err();
        assert!(!error.message.unwrap().contains("a\nb"));
    }

    #[test]
    fn status_mapping_follows_the_sdk() {
        let kinds = [
            (403, ErrorKind::ApiKeyInvalid),
            (404, ErrorKind::VerificationNotFound),
            (410, ErrorKind::VerificationResultExpired),
            (412, ErrorKind::ClientReportedServerUnreachable),
            (423, ErrorKind::VerificationNotFinished),
            (429, ErrorKind::VerificationResultRetrievalLimitReached),
        ];
        for (status, kind) in kinds {
            assert_eq!(status_error(status).kind, kind);
        }
        for status in [301, 400, 401, 500, 503] {
            let error = status_error(status);
            assert_eq!(error.kind, ErrorKind::UnexpectedStatus);
            assert_eq!(error.status, Some(status));
            assert_eq!(
                error.message.unwrap(),
                format!("Failed to retrieve verification result, response code: {status}")
            );
        }
    }
}
