//! reCAPTCHA `authorize` as napi sees it: conversion only; `lib/recaptcha.js` gives it Wix's shape.

use captcha_core::errors::CaptchaError;
use captcha_core::recaptcha::{unusable_options, verify, Options};
use captcha_core::transport::ca_roots;
use napi::bindgen_prelude::{Either, PromiseRaw};
use napi::Env;
use napi_derive::napi;

use crate::outcome::NativeOutcome;
use crate::proxy::{proxy_setting, ProxyConfig};

/// `authorize`'s options as `lib/recaptcha.js` passes them: merged and type-checked.
#[napi(object)]
pub struct NativeAuthorizeOptions {
    pub secret_key: Option<String>,
    pub remote_ip: Option<String>,
    pub siteverify_url: Option<String>,
    pub timeout_ms: Option<f64>,
    pub retries: Option<f64>,
    pub retry_delay_ms: Option<f64>,
    pub expected_hostname: Option<Vec<String>>,
    pub expected_action: Option<String>,
    pub min_score: Option<f64>,
    pub proxy: Option<Either<bool, ProxyConfig>>,
    pub ca: Option<Vec<String>>,
}

/// Checks a reCAPTCHA token: the outcome (no value: `authorize` resolves `{ success: true }`).
/// `token` is `null` when the caller passed something other than a string.
#[napi(ts_return_type = "Promise<NativeOutcome | string>")]
pub fn recaptcha_authorize<'env>(
    env: &'env Env,
    token: Option<String>,
    options: NativeAuthorizeOptions,
) -> napi::Result<PromiseRaw<'env, NativeOutcome>> {
    let options = options_of(options);
    crate::completion::settle(env, async move {
        match options {
            Ok(options) => NativeOutcome::new(verify(token.as_deref(), &options).await, |()| None),
            Err(error) => NativeOutcome::new(unusable_options(error), |()| None),
        }
    })
}

/// The core's options, or the error that makes them unusable.
fn options_of(options: NativeAuthorizeOptions) -> Result<Options, CaptchaError> {
    Ok(Options {
        secret_key: options.secret_key,
        remote_ip: options.remote_ip,
        siteverify_url: options.siteverify_url,
        timeout_ms: options.timeout_ms,
        retries: options.retries,
        retry_delay_ms: options.retry_delay_ms,
        expected_hostname: options.expected_hostname,
        expected_action: options.expected_action,
        min_score: options.min_score,
        proxy: proxy_setting(options.proxy)?,
        ca: ca_roots(options.ca)?,
    })
}
