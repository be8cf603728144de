//! The TrustCaptcha class as napi sees it: conversion only; `lib/trustcaptcha.js` gives it its public face.

use std::sync::Arc;

use napi::bindgen_prelude::{Either, PromiseRaw};
use napi::Env;
use napi_derive::napi;

use captcha_core::transport::ca_roots;
use captcha_core::trustcaptcha::{Options, TrustCaptchaClient};

use crate::errors::js_error;
use crate::outcome::NativeOutcome;
use crate::proxy::{proxy_setting, ProxyConfig};

/// The constructor options, already type-checked by `lib/trustcaptcha.js`.
#[napi(object)]
pub struct NativeTrustCaptchaOptions {
    pub api_key: String,
    pub api_host: Option<String>,
    pub connect_timeout_ms: Option<f64>,
    pub read_timeout_ms: Option<f64>,
    pub proxy: Option<Either<bool, ProxyConfig>>,
    pub ca: Option<Vec<String>>,
}

/// A configured TrustCaptcha client; share one instance across requests.
#[napi]
pub struct NativeTrustCaptcha {
    client: Arc<TrustCaptchaClient>,
}

#[napi]
impl NativeTrustCaptcha {
    #[napi(constructor, catch_unwind)]
    pub fn new(options: NativeTrustCaptchaOptions) -> napi::Result<Self> {
        let client = TrustCaptchaClient::new(Options {
            api_key: options.api_key,
            api_host: options.api_host,
            connect_timeout_ms: options.connect_timeout_ms,
            read_timeout_ms: options.read_timeout_ms,
            proxy: proxy_setting(options.proxy).map_err(js_error)?,
            ca: ca_roots(options.ca).map_err(js_error)?,
        })
        .map_err(js_error)?;
        Ok(Self {
            client: Arc::new(client),
        })
    }

    /// Verifies the token: the outcome, with the JSON text of the result's set fields as its
    /// value. `token` is `null` when the caller passed something other than a string.
    ///
    /// Not an `async fn(&self)`: napi would read `self` on the runtime thread when it first polls
    /// the call, and a worker terminated with calls still queued has freed it by then (a crash
    /// `__test__/workers.test.mjs` found). The client is cloned here, on the JS thread.
    #[napi(ts_return_type = "Promise<NativeOutcome | string>")]
    pub fn verify<'env>(&self, env: &'env Env, token: Option<String>) -> napi::Result<PromiseRaw<'env, NativeOutcome>> {
        let client = self.client.clone();
        crate::completion::settle(env, async move {
            let outcome = client.verify(token.as_deref()).await;
            NativeOutcome::new(outcome, |result| Some(result.to_json()))
        })
    }
}
