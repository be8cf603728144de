//! The siteverify providers (Turnstile, hCaptcha, reCAPTCHA's `Recaptcha` class) as napi sees
//! them: conversion only; `lib/siteverify.js` gives each its public face.

use std::sync::Arc;

use captcha_core::errors::CaptchaError;
use captcha_core::siteverify::{Call, CheckOptions, Config, Shape, Site, SiteverifyClient};
use captcha_core::transport::ca_roots;
use napi::bindgen_prelude::{Either, PromiseRaw};
use napi::Env;
use napi_derive::napi;

use crate::errors::js_error;
use crate::outcome::NativeOutcome;
use crate::proxy::{proxy_setting, ProxyConfig};

/// A client's options, already type-checked by `lib/siteverify.js`.
#[napi(object)]
pub struct NativeSiteverifyOptions {
    pub secret: Option<String>,
    pub siteverify_url: Option<String>,
    pub timeout_ms: Option<f64>,
    pub retries: Option<f64>,
    pub proxy: Option<Either<bool, ProxyConfig>>,
    pub ca: Option<Vec<String>>,
    /// Resolve the provider's JSON as sent (the `hcaptcha` package's shape), not our verdict.
    pub wire: Option<bool>,
}

/// One call's options, already type-checked by `lib/siteverify.js`.
#[napi(object)]
pub struct NativeSiteverifyCall {
    pub remoteip: Option<String>,
    pub sitekey: Option<String>,
    pub idempotency_key: Option<String>,
    pub expected_hostname: Option<Vec<String>>,
    pub expected_apk_package_name: Option<String>,
    pub expected_action: Option<String>,
    pub min_score: Option<f64>,
    pub max_score: Option<f64>,
    pub max_age_ms: Option<f64>,
}

/// A configured siteverify client (`turnstile`, `hcaptcha` or `recaptcha`); share one instance.
#[napi]
pub struct NativeSiteverify {
    client: Arc<SiteverifyClient>,
}

#[napi]
impl NativeSiteverify {
    #[napi(constructor, catch_unwind)]
    pub fn new(provider: String, options: NativeSiteverifyOptions) -> napi::Result<Self> {
        let site = Site::from_name(&provider).ok_or_else(|| {
            js_error(CaptchaError::invalid_argument(
                "provider must be turnstile, hcaptcha or recaptcha",
            ))
        })?;
        let config = Config {
            secret: options.secret,
            siteverify_url: options.siteverify_url,
            timeout_ms: options.timeout_ms,
            retries: options.retries,
            proxy: proxy_setting(options.proxy).map_err(js_error)?,
            ca: ca_roots(options.ca).map_err(js_error)?,
            shape: if options.wire == Some(true) {
                Shape::Wire
            } else {
                Shape::Verdict
            },
        };
        let client = SiteverifyClient::new(site, &config).map_err(js_error)?;
        Ok(Self {
            client: Arc::new(client),
        })
    }

    /// Verifies a token: the outcome, with what resolves as JSON text. `token` is `null` when
    /// the caller passed something other than a string.
    /// Cloned on the JS thread, not in an `async fn(&self)`: see `NativeTrustCaptcha`.
    #[napi(ts_return_type = "Promise<NativeOutcome | string>")]
    pub fn verify<'env>(
        &self,
        env: &'env Env,
        token: Option<String>,
        call: NativeSiteverifyCall,
    ) -> napi::Result<PromiseRaw<'env, NativeOutcome>> {
        let client = self.client.clone();
        let call = Call {
            remoteip: call.remoteip,
            sitekey: call.sitekey,
            idempotency_key: call.idempotency_key,
            checks: CheckOptions {
                expected_hostname: call.expected_hostname,
                expected_apk_package_name: call.expected_apk_package_name,
                expected_action: call.expected_action,
                min_score: call.min_score,
                max_score: call.max_score,
                max_age_ms: call.max_age_ms,
            },
        };
        crate::completion::settle(env, async move {
            let outcome = client.verify(token.as_deref(), &call).await;
            NativeOutcome::new(outcome, |value| Some(value.to_string()))
        })
    }
}
