//! The providers captcha-native verifies, and the facts about each that more than one part of the
//! project needs (the middleware, the emulator, the benchmark, the docs): read from here, through
//! the addon's `providers()` export on the JavaScript side, never written again.

use crate::siteverify::Site;
use crate::{friendlycaptcha, playtcha, recaptcha, recaptcha_enterprise, swetrix, trustcaptcha};

/// A provider, by the name the middleware, the emulator and the benchmark take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Provider {
    TrustCaptcha,
    Swetrix,
    Recaptcha,
    Playtcha,
    Turnstile,
    Hcaptcha,
    RecaptchaEnterprise,
    FriendlyCaptcha,
}

impl Provider {
    /// Every provider, in the order the docs list them.
    pub const ALL: [Provider; 8] = [
        Provider::TrustCaptcha,
        Provider::Swetrix,
        Provider::Recaptcha,
        Provider::Playtcha,
        Provider::Turnstile,
        Provider::Hcaptcha,
        Provider::RecaptchaEnterprise,
        Provider::FriendlyCaptcha,
    ];

    /// The provider's name: `trustcaptcha`, `swetrix`, `recaptcha`, `playtcha`, `turnstile`,
    /// `hcaptcha`, `recaptcha-enterprise` or `friendly-captcha`.
    pub fn name(self) -> &'static str {
        match self {
            Provider::TrustCaptcha => "trustcaptcha",
            Provider::Swetrix => "swetrix",
            Provider::Recaptcha => "recaptcha",
            Provider::Playtcha => "playtcha",
            Provider::Turnstile => "turnstile",
            Provider::Hcaptcha => "hcaptcha",
            Provider::RecaptchaEnterprise => "recaptcha-enterprise",
            Provider::FriendlyCaptcha => "friendly-captcha",
        }
    }

    /// The provider of that name, if it is one.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|provider| provider.name() == name)
    }

    /// The form field the provider's widget fills in with its token.
    pub fn token_field(self) -> &'static str {
        match self {
            Provider::TrustCaptcha => "tc-verification-token",
            // The widget's hidden input (`data-response-input-name`, default `swetrix-captcha-response`).
            Provider::Swetrix => "swetrix-captcha-response",
            Provider::Recaptcha => "g-recaptcha-response",
            Provider::Playtcha => "playtcha-token",
            Provider::Turnstile => "cf-turnstile-response",
            Provider::Hcaptcha => "h-captcha-response",
            // The Enterprise widget fills in the same field as reCAPTCHA's.
            Provider::RecaptchaEnterprise => "g-recaptcha-response",
            Provider::FriendlyCaptcha => "frc-captcha-response",
        }
    }

    /// How long one verification may take when the caller sets no timeout (for TrustCaptcha, the
    /// read timeout; connecting has its own).
    pub fn default_timeout_ms(self) -> u64 {
        match self {
            Provider::TrustCaptcha => trustcaptcha::DEFAULT_READ_TIMEOUT_MS,
            Provider::Swetrix => swetrix::DEFAULT_TIMEOUT_MS,
            Provider::Recaptcha => recaptcha::DEFAULT_TIMEOUT_MS,
            Provider::Playtcha => playtcha::DEFAULT_TIMEOUT_MS,
            Provider::Turnstile => Site::Turnstile.default_timeout_ms(),
            Provider::Hcaptcha => Site::Hcaptcha.default_timeout_ms(),
            Provider::RecaptchaEnterprise => recaptcha_enterprise::DEFAULT_TIMEOUT_MS,
            Provider::FriendlyCaptcha => friendlycaptcha::DEFAULT_TIMEOUT_MS,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_go_both_ways_and_nothing_else_is_a_provider() {
        for provider in Provider::ALL {
            assert_eq!(Provider::from_name(provider.name()), Some(provider));
        }
        for other in [
            "",
            "TrustCaptcha",
            "hCaptcha",
            "recaptcha ",
            "recaptcha_enterprise",
            "friendlycaptcha",
            "altcha",
        ] {
            assert_eq!(Provider::from_name(other), None, "{other}");
        }
    }
}
