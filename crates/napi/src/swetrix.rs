//! Swetrix `validateToken` as napi sees it: conversion only; `lib/swetrix.js` makes the tuple.

use captcha_core::swetrix::{request_not_made, unusable_options, validate, SwetrixOutcome, DEFAULT_TIMEOUT_MS};
use captcha_core::transport::{ca_roots, timeout_option};
use napi::bindgen_prelude::{Either, PromiseRaw};
use napi::Env;
use napi_derive::napi;

use crate::outcome::NativeOutcome;
use crate::proxy::{proxy_setting, ProxyConfig};

/// Posts `body` to `url` and reads the answer as the JS package does: the outcome, whose value
/// is the JSON text of the tuple's second element (`data`, or the message). Never rejects for a
/// network or protocol reason; bad options (already type-checked by `lib/swetrix.js`) give the
/// package's "Unable to make API request" text too.
#[napi(ts_return_type = "Promise<NativeOutcome | string>")]
pub fn swetrix_validate<'env>(
    env: &'env Env,
    url: String,
    body: String,
    secret: Option<String>,
    timeout_ms: Option<f64>,
    proxy: Option<Either<bool, ProxyConfig>>,
    ca: Option<Vec<String>>,
) -> napi::Result<PromiseRaw<'env, NativeOutcome>> {
    let options = timeout_option("options.timeoutMs", timeout_ms, DEFAULT_TIMEOUT_MS)
        .and_then(|deadline| Ok((deadline, proxy_setting(proxy)?, ca_roots(ca)?)));
    crate::completion::settle(env, async move {
        let outcome = match options {
            Ok((deadline, proxy, ca)) => validate(&url, body, secret.as_deref(), deadline, proxy, ca).await,
            Err(error) => unusable_options(error),
        };
        crossing(outcome)
    })
}

/// What `validateToken` resolves when JavaScript could not make the request: its error's text
/// (`String(error)`), and whether it is a `TypeError` (a misconfiguration).
#[napi]
pub fn swetrix_request_not_made(error_text: String, type_error: bool) -> NativeOutcome {
    crossing(request_not_made(&error_text, type_error))
}

/// The outcome as JavaScript receives it: the value is the JSON of the tuple's second element.
fn crossing(outcome: SwetrixOutcome) -> NativeOutcome {
    NativeOutcome {
        kind: outcome.kind.into(),
        code: outcome.code.map(String::from),
        value: match outcome.value {
            Ok(data) => data,
            // A JSON string: JSON.parse gives the message back.
            Err(message) => Some(serde_json::Value::String(message).to_string()),
        },
        error: None,
    }
}
