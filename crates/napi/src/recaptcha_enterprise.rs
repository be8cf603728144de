//! reCAPTCHA Enterprise (`createAssessment`, `annotate`) as napi sees it: conversion only;
//! `lib/recaptcha-enterprise.js` gives it its public face.

use std::sync::Arc;

use captcha_core::recaptcha_enterprise::{Assess, Config, RecaptchaEnterpriseClient};
use captcha_core::transport::ca_roots;
use napi::bindgen_prelude::{Either, PromiseRaw};
use napi::Env;
use napi_derive::napi;

use crate::errors::js_error;
use crate::outcome::NativeOutcome;
use crate::proxy::{proxy_setting, ProxyConfig};

/// A client's options, already type-checked by `lib/recaptcha-enterprise.js`.
#[napi(object)]
pub struct NativeRecaptchaEnterpriseOptions {
    pub project_id: Option<String>,
    pub api_key: Option<String>,
    pub site_key: Option<String>,
    pub endpoint: Option<String>,
    pub timeout_ms: Option<f64>,
    pub retries: Option<f64>,
    pub proxy: Option<Either<bool, ProxyConfig>>,
    pub ca: Option<Vec<String>>,
}

/// One assessment's options, already type-checked by `lib/recaptcha-enterprise.js`.
#[napi(object)]
pub struct NativeRecaptchaEnterpriseAssess {
    pub expected_action: Option<String>,
    pub user_ip_address: Option<String>,
    pub user_agent: Option<String>,
    pub requested_uri: Option<String>,
    pub min_score: Option<f64>,
    pub expected_hostname: Option<Vec<String>>,
}

/// A configured reCAPTCHA Enterprise client; share one instance.
#[napi]
pub struct NativeRecaptchaEnterprise {
    client: Arc<RecaptchaEnterpriseClient>,
}

#[napi]
impl NativeRecaptchaEnterprise {
    #[napi(constructor, catch_unwind)]
    pub fn new(options: NativeRecaptchaEnterpriseOptions) -> napi::Result<Self> {
        let config = Config {
            project_id: options.project_id,
            api_key: options.api_key,
            site_key: options.site_key,
            endpoint: options.endpoint,
            timeout_ms: options.timeout_ms,
            retries: options.retries,
            proxy: proxy_setting(options.proxy).map_err(js_error)?,
            ca: ca_roots(options.ca).map_err(js_error)?,
        };
        let client = RecaptchaEnterpriseClient::new(&config).map_err(js_error)?;
        Ok(Self {
            client: Arc::new(client),
        })
    }

    /// Creates an assessment of a token: the outcome, with the verdict as JSON text. `token` is
    /// `null` when the caller passed something other than a string.
    #[napi(ts_return_type = "Promise<NativeOutcome | string>")]
    pub fn assess<'env>(
        &self,
        env: &'env Env,
        token: Option<String>,
        call: NativeRecaptchaEnterpriseAssess,
    ) -> napi::Result<PromiseRaw<'env, NativeOutcome>> {
        let client = self.client.clone();
        let call = Assess {
            expected_action: call.expected_action,
            user_ip_address: call.user_ip_address,
            user_agent: call.user_agent,
            requested_uri: call.requested_uri,
            min_score: call.min_score,
            expected_hostname: call.expected_hostname,
        };
        crate::completion::settle(env, async move {
            let outcome = client.assess(token.as_deref(), &call).await;
            NativeOutcome::new(outcome, |verdict| Some(verdict.into_json()))
        })
    }

    /// Annotates an assessment by its name: the outcome, with Google's (empty) answer as JSON text.
    #[napi(ts_return_type = "Promise<NativeOutcome | string>")]
    pub fn annotate<'env>(
        &self,
        env: &'env Env,
        name: String,
        annotation: String,
        reasons: Vec<String>,
    ) -> napi::Result<PromiseRaw<'env, NativeOutcome>> {
        let client = self.client.clone();
        crate::completion::settle(env, async move {
            let outcome = client.annotate(&name, &annotation, &reasons).await;
            NativeOutcome::new(outcome, |value| Some(value.to_string()))
        })
    }
}
