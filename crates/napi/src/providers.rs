//! The providers and their facts (`captcha_core::providers`), for JavaScript: the middleware's
//! token fields and deadlines, the emulator's and the benchmark's provider lists read them here.

use captcha_core::providers::Provider;
use napi_derive::napi;

/// What JavaScript needs to know of one provider.
#[napi(object)]
pub struct ProviderFacts {
    /// `trustcaptcha`, `swetrix`, `recaptcha`, `playtcha`, `turnstile`, `hcaptcha` or
    /// `friendly-captcha`.
    pub name: String,
    /// The form field its widget fills in with the token.
    pub token_field: String,
    /// The deadline of one verification when none is set, in milliseconds.
    pub default_timeout_ms: u32,
}

/// Every provider, in the order the docs list them.
#[napi]
pub fn providers() -> Vec<ProviderFacts> {
    Provider::ALL
        .into_iter()
        .map(|provider| ProviderFacts {
            name: provider.name().to_owned(),
            token_field: provider.token_field().to_owned(),
            default_timeout_ms: u32::try_from(provider.default_timeout_ms()).unwrap_or(u32::MAX),
        })
        .collect()
}
