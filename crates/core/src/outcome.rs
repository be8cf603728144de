//! What a verification came to, whatever the provider: the one shape every policy reads.
//!
//! Each provider's SDK has its own way of saying what happened (TrustCaptcha's exceptions,
//! Swetrix's `[ok, data]`, Wix's rejection, Playtcha's result that may have failed open). Native
//! code decides, once, which of four kinds that is, and hands both to JavaScript: the kind with a
//! code, and the SDK's own shape. Whether to let a request through when the provider is
//! unavailable is then a question about the kind, never about a message.

use std::borrow::Cow;

use crate::errors::CaptchaError;
use crate::transport::Failure;

/// The four things a verification can come to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The provider verified the token.
    Verified,
    /// The provider (or a check of ours) refused the token: a verdict against the request.
    Refused,
    /// No verdict: the provider could not be asked or gave no usable answer.
    Unavailable,
    /// Our configuration is wrong: a key or secret the provider rejects, an unusable option.
    Misconfigured,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Verified => "verified",
            Kind::Refused => "refused",
            Kind::Unavailable => "unavailable",
            Kind::Misconfigured => "misconfigured",
        }
    }
}

/// Why a provider counts as unavailable: the code of an `Unavailable` outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unavailable {
    /// A 5xx answer.
    ServerError,
    /// A 429 answer: the provider asks us to slow down.
    RateLimited,
    /// No complete answer within the deadline (or connecting timed out).
    Timeout,
    /// No answer: refused, reset, DNS failure, TLS failure.
    NetworkError,
    /// An answer that cannot be read as the protocol's.
    MalformedResponse,
}

impl Unavailable {
    pub fn as_str(self) -> &'static str {
        match self {
            Unavailable::ServerError => "server_error",
            Unavailable::RateLimited => "rate_limited",
            Unavailable::Timeout => "timeout",
            Unavailable::NetworkError => "network_error",
            Unavailable::MalformedResponse => "malformed_response",
        }
    }

    /// Why a request that got no answer got none.
    pub fn of(failure: &Failure) -> Self {
        match failure {
            Failure::DeadlineExceeded(_) | Failure::ConnectTimeout => Unavailable::Timeout,
            Failure::BodyTooLarge => Unavailable::MalformedResponse,
            _ => Unavailable::NetworkError,
        }
    }

    /// The reason for a status that gives no verdict: 429 or a 5xx.
    pub fn of_status(status: u16) -> Self {
        if status == 429 {
            Unavailable::RateLimited
        } else {
            Unavailable::ServerError
        }
    }
}

/// The code of an outcome for an option native code refused.
pub const INVALID_ARGUMENT: &str = "invalid_argument";

/// A provider's own code (Google's `error-codes`, Playtcha's `error.code`) as an outcome's code,
/// or `None` for anything that does not look like one: a code is a short word of lower-case
/// letters, digits, `_` and `-`, never a server's free text.
pub fn provider_code(code: &str) -> Option<String> {
    let looks_like_one = (1..=64).contains(&code.len())
        && code
            .bytes()
            .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'_' || byte == b'-');
    looks_like_one.then(|| code.to_owned())
}

/// A verification's outcome: its kind and code, and the provider's own shape of it: what the
/// SDK resolves (`Ok`) or rejects with (`Err`). The two are independent: a TrustCaptcha result
/// that did not pass resolves (the SDK's shape) and is `Refused` (ours).
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome<T, E = CaptchaError> {
    pub kind: Kind,
    /// Why, for every kind but `Verified`: a refusal's code, an unavailability's reason, a
    /// misconfiguration's code. Our words or the provider's codes (`provider_code`); never a
    /// server's free text.
    pub code: Option<Cow<'static, str>>,
    pub value: Result<T, E>,
}

impl<T, E> Outcome<T, E> {
    pub fn verified(value: T) -> Self {
        Self {
            kind: Kind::Verified,
            code: None,
            value: Ok(value),
        }
    }

    pub fn refused(code: impl Into<Cow<'static, str>>, value: Result<T, E>) -> Self {
        Self::with(Kind::Refused, code, value)
    }

    pub fn unavailable(reason: Unavailable, value: Result<T, E>) -> Self {
        Self::with(Kind::Unavailable, reason.as_str(), value)
    }

    pub fn misconfigured(code: impl Into<Cow<'static, str>>, value: Result<T, E>) -> Self {
        Self::with(Kind::Misconfigured, code, value)
    }

    /// An outcome of any kind but `Verified`, with its code.
    pub fn with(kind: Kind, code: impl Into<Cow<'static, str>>, value: Result<T, E>) -> Self {
        Self {
            kind,
            code: Some(code.into()),
            value,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn failures_and_statuses_have_one_reason_each() {
        assert_eq!(
            Unavailable::of(&Failure::DeadlineExceeded(Duration::from_secs(1))),
            Unavailable::Timeout
        );
        assert_eq!(Unavailable::of(&Failure::ConnectTimeout), Unavailable::Timeout);
        assert_eq!(Unavailable::of(&Failure::BodyTooLarge), Unavailable::MalformedResponse);
        for failure in [
            Failure::ConnectionRefused,
            Failure::ConnectionReset,
            Failure::HostNotFound,
        ] {
            assert_eq!(Unavailable::of(&failure), Unavailable::NetworkError, "{failure}");
        }
        assert_eq!(Unavailable::of_status(429), Unavailable::RateLimited);
        assert_eq!(Unavailable::of_status(503), Unavailable::ServerError);
    }

    #[test]
    fn only_short_code_words_of_a_provider_become_codes() {
        assert_eq!(
            provider_code("invalid-input-response").as_deref(),
            Some("invalid-input-response")
        );
        assert_eq!(provider_code("token_invalid").as_deref(), Some("token_invalid"));
        for text in ["", "Token invalid", "a b", "<html>", "x\n", &"a".repeat(65)] {
            assert_eq!(provider_code(text), None, "{text}");
        }
    }

    #[test]
    fn every_kind_but_verified_says_why() {
        let refused: Outcome<(), ()> = Outcome::refused("token_missing", Err(()));
        assert_eq!(
            (refused.kind, refused.code.as_deref()),
            (Kind::Refused, Some("token_missing"))
        );
        let down: Outcome<(), ()> = Outcome::unavailable(Unavailable::Timeout, Err(()));
        assert_eq!(
            (down.kind.as_str(), down.code.as_deref()),
            ("unavailable", Some("timeout"))
        );
        assert_eq!(Outcome::<u8, ()>::verified(1).code, None);
    }
}
