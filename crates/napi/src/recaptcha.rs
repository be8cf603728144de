//! reCAPTCHA `authorize` as napi sees it: conversion only; `lib/recaptcha.js` gives it Wix's shape.

use captcha_core::recaptcha::{unusable_options, verify, Options};
use captcha_core::transport::ca_roots;
use napi::bindgen_prelude::Either;
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
#[napi]
pub async fn recaptcha_authorize(token: Option<String>, options: NativeAuthorizeOptions) -> NativeOutcome {
    let options = Options {
        secret_key: options.secret_key,
        remote_ip: options.remote_ip,
        siteverify_url: options.siteverify_url,
        timeout_ms: options.timeout_ms,
        retries: options.retries,
        retry_delay_ms: options.retry_delay_ms,
        expected_hostname: options.expected_hostname,
        expected_action: options.expected_action,
        min_score: options.min_score,
        proxy: match proxy_setting(options.proxy) {
            Ok(proxy) => proxy,
            Err(error) => return NativeOutcome::new(unusable_options(error), |()| None),
        },
        ca: match ca_roots(options.ca) {
            Ok(ca) => ca,
            Err(error) => return NativeOutcome::new(unusable_options(error), |()| None),
        },
    };
    NativeOutcome::new(verify(token.as_deref(), &options).await, |()| None)
}
