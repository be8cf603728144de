//! Swetrix `validateToken` as napi sees it: conversion only; `lib/swetrix.js` makes the tuple.

use captcha_core::swetrix::{unusable_options, validate, Outcome, DEFAULT_TIMEOUT_MS};
use captcha_core::transport::{ca_roots, timeout_option};
use napi::bindgen_prelude::Either;
use napi_derive::napi;

use crate::proxy::{proxy_setting, ProxyConfig};

/// `validateToken`'s outcome as JavaScript receives it; `index.js` makes it the tuple.
#[napi(object)]
pub struct SwetrixOutcome {
    pub ok: bool,
    /// `[false, message]`.
    pub message: Option<String>,
    /// `[true, JSON.parse(dataJson)]`; absent: `[true, undefined]`.
    pub data_json: Option<String>,
}

/// Posts `body` to `url` and reads the answer as the JS package does. Never rejects for a
/// network or protocol reason; bad options (already type-checked by `index.js`) give the
/// package's "Unable to make API request" text too.
#[napi]
pub async fn swetrix_validate(
    url: String,
    body: String,
    secret: Option<String>,
    timeout_ms: Option<f64>,
    proxy: Option<Either<bool, ProxyConfig>>,
    ca: Option<Vec<String>>,
) -> SwetrixOutcome {
    let options = timeout_option("options.timeoutMs", timeout_ms, DEFAULT_TIMEOUT_MS)
        .and_then(|deadline| Ok((deadline, proxy_setting(proxy)?, ca_roots(ca)?)));
    let outcome = match options {
        Ok((deadline, proxy, ca)) => validate(&url, body, secret.as_deref(), deadline, proxy, ca).await,
        Err(error) => unusable_options(error),
    };
    match outcome {
        Outcome::Valid(data_json) => SwetrixOutcome {
            ok: true,
            message: None,
            data_json,
        },
        Outcome::Invalid(message) => SwetrixOutcome {
            ok: false,
            message: Some(message),
            data_json: None,
        },
    }
}
