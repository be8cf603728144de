//! The Playtcha class as napi sees it: conversion only; `lib/playtcha.js` gives it its public face.

use std::sync::Arc;

use captcha_core::playtcha::{Options, PlaytchaClient};
use captcha_core::transport::ca_roots;
use napi::bindgen_prelude::{Either, PromiseRaw};
use napi::Env;
use napi_derive::napi;

use crate::errors::js_error;
use crate::outcome::NativeOutcome;
use crate::proxy::{proxy_setting, ProxyConfig};

/// The constructor options, already type-checked by `lib/playtcha.js`.
#[napi(object)]
pub struct NativePlaytchaOptions {
    pub secret: String,
    pub api_host: Option<String>,
    pub timeout_ms: Option<f64>,
    pub fail_closed: bool,
    pub proxy: Option<Either<bool, ProxyConfig>>,
    pub ca: Option<Vec<String>>,
}

/// A configured Playtcha client; share one instance across requests.
#[napi]
pub struct NativePlaytcha {
    client: Arc<PlaytchaClient>,
}

#[napi]
impl NativePlaytcha {
    #[napi(constructor, catch_unwind)]
    pub fn new(options: NativePlaytchaOptions) -> napi::Result<Self> {
        let client = PlaytchaClient::new(Options {
            secret: options.secret,
            api_host: options.api_host,
            timeout_ms: options.timeout_ms,
            fail_closed: options.fail_closed,
            proxy: proxy_setting(options.proxy).map_err(js_error)?,
            ca: ca_roots(options.ca).map_err(js_error)?,
        })
        .map_err(js_error)?;
        Ok(Self {
            client: Arc::new(client),
        })
    }

    /// Verifies a token: the outcome, with the result's JSON text as its value. `token` is `null` when the caller passed something other than a string.
    /// Cloned on the JS thread, not in an `async fn(&self)`: see `NativeTrustCaptcha`.
    #[napi(ts_return_type = "Promise<NativeOutcome | string>")]
    pub fn verify<'env>(&self, env: &'env Env, token: Option<String>) -> napi::Result<PromiseRaw<'env, NativeOutcome>> {
        let client = self.client.clone();
        crate::completion::settle(env, async move {
            let outcome = client.verify(token.as_deref()).await;
            NativeOutcome::new(outcome, |result| Some(result.to_json()))
        })
    }
}

/// The codes of a Playtcha refusal that mean our request or secret is wrong, not the token: for
/// `lib/outcome.js` to read a `PlaytchaError` that carries no outcome (a test double's).
#[napi]
pub fn playtcha_misconfigured_codes() -> Vec<&'static str> {
    captcha_core::playtcha::MISCONFIGURED.to_vec()
}
