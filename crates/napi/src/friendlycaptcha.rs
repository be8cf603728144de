//! Friendly Captcha's client as napi sees it: conversion only; `lib/friendlycaptcha.js` gives it
//! the shape of `@friendlycaptcha/server-sdk`.

use std::sync::Arc;

use captcha_core::friendlycaptcha::{Call, FriendlyCaptchaClient, Options};
use captcha_core::transport::ca_roots;
use napi::bindgen_prelude::{Either, PromiseRaw};
use napi::Env;
use napi_derive::napi;

use crate::errors::js_error;
use crate::outcome::NativeOutcome;
use crate::proxy::{proxy_setting, ProxyConfig};

/// The constructor's options, already type-checked by `lib/friendlycaptcha.js`.
#[napi(object)]
pub struct NativeFriendlyCaptchaOptions {
    pub api_key: String,
    pub sitekey: Option<String>,
    pub api_endpoint: Option<String>,
    pub siteverify_endpoint: Option<String>,
    pub proxy: Option<Either<bool, ProxyConfig>>,
    pub ca: Option<Vec<String>>,
}

/// One call's options, already made safe by `lib/friendlycaptcha.js`.
#[napi(object)]
pub struct NativeFriendlyCaptchaCall {
    pub sitekey: Option<String>,
    pub timeout: Option<f64>,
}

/// A configured Friendly Captcha client; share one instance across requests.
#[napi]
pub struct NativeFriendlyCaptcha {
    client: Arc<FriendlyCaptchaClient>,
}

#[napi]
impl NativeFriendlyCaptcha {
    #[napi(constructor, catch_unwind)]
    pub fn new(options: NativeFriendlyCaptchaOptions) -> napi::Result<Self> {
        let client = FriendlyCaptchaClient::new(Options {
            api_key: options.api_key,
            sitekey: options.sitekey,
            api_endpoint: options.api_endpoint,
            siteverify_endpoint: options.siteverify_endpoint,
            proxy: proxy_setting(options.proxy).map_err(js_error)?,
            ca: ca_roots(options.ca).map_err(js_error)?,
        })
        .map_err(js_error)?;
        Ok(Self {
            client: Arc::new(client),
        })
    }

    /// The URL siteverify requests go to (the SDK's `getSiteverifyEndpoint()`).
    #[napi(getter)]
    pub fn siteverify_endpoint(&self) -> String {
        self.client.url().to_string()
    }

    /// Verifies a response: the outcome, with the SDK's result as JSON text; it always resolves.
    /// `response` is `null` when the caller passed something other than a string.
    #[napi(ts_return_type = "Promise<NativeOutcome | string>")]
    pub fn verify<'env>(
        &self,
        env: &'env Env,
        response: Option<String>,
        call: NativeFriendlyCaptchaCall,
    ) -> napi::Result<PromiseRaw<'env, NativeOutcome>> {
        self.ask(env, Api::Siteverify, response, call)
    }

    /// Retrieves a risk intelligence token's data: the outcome, with the SDK's
    /// `RiskIntelligenceRetrieveResult` fields as JSON text; it always resolves. `token` is `null`
    /// when the caller passed something other than a string.
    #[napi(ts_return_type = "Promise<NativeOutcome | string>")]
    pub fn retrieve<'env>(
        &self,
        env: &'env Env,
        token: Option<String>,
        call: NativeFriendlyCaptchaCall,
    ) -> napi::Result<PromiseRaw<'env, NativeOutcome>> {
        self.ask(env, Api::Retrieve, token, call)
    }
}

/// Which of the client's two requests a call makes.
#[derive(Clone, Copy)]
enum Api {
    Siteverify,
    Retrieve,
}

impl NativeFriendlyCaptcha {
    /// One request of `api` through `completion::settle`. The client is cloned on the JS thread,
    /// not in an `async fn(&self)`: see `NativeTrustCaptcha`.
    fn ask<'env>(
        &self,
        env: &'env Env,
        api: Api,
        text: Option<String>,
        call: NativeFriendlyCaptchaCall,
    ) -> napi::Result<PromiseRaw<'env, NativeOutcome>> {
        let client = self.client.clone();
        let call = Call {
            sitekey: call.sitekey,
            timeout_ms: call.timeout,
        };
        crate::completion::settle(env, async move {
            let text = text.as_deref();
            let outcome = match api {
                Api::Siteverify => client.verify(text, &call).await,
                Api::Retrieve => client.retrieve(text, &call).await,
            };
            NativeOutcome::new(outcome, |result| Some(result.to_json()))
        })
    }
}
