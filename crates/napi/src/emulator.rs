//! The emulator as napi sees it. Structured arguments (options, claims, fault rules) arrive as
//! JSON text from `index.js`, so serde gives clear messages for every mistake.

use std::collections::HashMap;
use std::sync::Arc;

use napi::bindgen_prelude::PromiseRaw;
use napi::Env;
use napi_derive::napi;

use captcha_core::errors::CaptchaError;
use captcha_emulator::identities;
use captcha_emulator::{EmulatorOptions, FaultRule, RunningEmulator};

use crate::errors::js_error;

/// The credentials the emulator accepts.
// No `Debug`: a user may pass real ones.
#[napi(object)]
pub struct EmulatorCredentials {
    pub trustcaptcha_api_key: String,
    pub swetrix_secret: String,
    pub recaptcha_secret: String,
    pub playtcha_secret: String,
    pub turnstile_secret: String,
    pub hcaptcha_secret: String,
    pub hcaptcha_sitekey: String,
    pub recaptcha_enterprise_api_key: String,
    pub recaptcha_enterprise_project_id: String,
    pub recaptcha_enterprise_site_key: String,
    pub friendly_captcha_api_key: String,
    pub friendly_captcha_sitekey: String,
}

impl From<&captcha_emulator::EmulatorCredentials> for EmulatorCredentials {
    fn from(credentials: &captcha_emulator::EmulatorCredentials) -> Self {
        Self {
            trustcaptcha_api_key: credentials.trustcaptcha_api_key.clone(),
            swetrix_secret: credentials.swetrix_secret.clone(),
            recaptcha_secret: credentials.recaptcha_secret.clone(),
            playtcha_secret: credentials.playtcha_secret.clone(),
            turnstile_secret: credentials.turnstile_secret.clone(),
            hcaptcha_secret: credentials.hcaptcha_secret.clone(),
            hcaptcha_sitekey: credentials.hcaptcha_sitekey.clone(),
            recaptcha_enterprise_api_key: credentials.recaptcha_enterprise_api_key.clone(),
            recaptcha_enterprise_project_id: credentials.recaptcha_enterprise_project_id.clone(),
            recaptcha_enterprise_site_key: credentials.recaptcha_enterprise_site_key.clone(),
            friendly_captcha_api_key: credentials.friendly_captcha_api_key.clone(),
            friendly_captcha_sitekey: credentials.friendly_captcha_sitekey.clone(),
        }
    }
}

/// Connection and request counters of an emulator (a snapshot).
#[napi(object)]
pub struct EmulatorStats {
    pub connections_accepted: i64,
    pub connections_open: i64,
    pub peak_connections_open: i64,
    pub requests: i64,
}

impl From<captcha_emulator::EmulatorStats> for EmulatorStats {
    fn from(stats: captcha_emulator::EmulatorStats) -> Self {
        Self {
            connections_accepted: stats.connections_accepted,
            connections_open: stats.connections_open,
            peak_connections_open: stats.peak_connections_open,
            requests: stats.requests,
        }
    }
}

/// A request the emulator received. Credentials are redacted.
#[napi(object)]
pub struct EmulatorRequest {
    pub provider: Option<String>,
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub headers: HashMap<String, String>,
}

/// The emulator's default credentials and the providers' test identities, as the JSON text of
/// `Emulator.identities` (`captcha_emulator::identities::to_json`): read once, when the package
/// loads, and parsed in the caller's realm.
#[napi]
pub fn emulator_identities() -> String {
    identities::to_json().to_string()
}

#[napi]
pub struct NativeEmulator {
    running: Arc<RunningEmulator>,
}

/// Starts an emulator. `options_json` is the JSON of `EmulatorOptions`.
#[napi]
pub async fn start_emulator(options_json: Option<String>) -> napi::Result<NativeEmulator> {
    let options: EmulatorOptions = match options_json {
        Some(json) => serde_json::from_str(&json)
            .map_err(|e| js_error(CaptchaError::invalid_argument(format!("invalid emulator options: {e}"))))?,
        None => EmulatorOptions::default(),
    };
    let running = RunningEmulator::start(options).await.map_err(js_error)?;
    Ok(NativeEmulator {
        running: Arc::new(running),
    })
}

#[napi]
impl NativeEmulator {
    #[napi(getter)]
    pub fn url(&self) -> String {
        self.running.url()
    }

    /// The PEM certificate to trust (`ca`) when the emulator serves HTTPS.
    #[napi(getter)]
    pub fn certificate(&self) -> Option<String> {
        self.running.authority_pem().map(str::to_owned)
    }

    #[napi(getter)]
    pub fn credentials(&self) -> EmulatorCredentials {
        self.running.state().credentials().into()
    }

    // catch_unwind: a panic in a synchronous call would otherwise abort Node.
    #[napi(catch_unwind)]
    pub fn issue(&self, provider: String, claims_json: Option<String>) -> napi::Result<String> {
        self.running
            .state()
            .issue(&provider, claims_json.as_deref())
            .map_err(js_error)
    }

    #[napi(catch_unwind)]
    pub fn fault(&self, rule_json: String) -> napi::Result<()> {
        self.running
            .state()
            .add_fault(FaultRule::from_json(&rule_json).map_err(js_error)?);
        Ok(())
    }

    #[napi]
    pub fn clear_faults(&self) {
        self.running.state().clear_faults();
    }

    #[napi(catch_unwind)]
    pub fn advance_time(&self, ms: f64) -> napi::Result<()> {
        self.running.state().advance_time(ms).map_err(js_error)
    }

    #[napi]
    pub fn stats(&self) -> EmulatorStats {
        self.running.state().stats().into()
    }

    #[napi]
    pub fn requests(&self) -> Vec<EmulatorRequest> {
        self.running
            .state()
            .recorded_requests()
            .into_iter()
            .map(|r| EmulatorRequest {
                provider: r.provider.map(|p| p.name().to_owned()),
                method: r.method,
                path: r.path,
                query: r.query,
                headers: r.headers,
            })
            .collect()
    }

    #[napi]
    pub fn clear_requests(&self) {
        self.running.state().clear_recorded_requests();
    }

    // Both clone on the JS thread, not in an `async fn(&self)`: see `NativeTrustCaptcha`.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn blackhole_url<'env>(&self, env: &'env Env) -> napi::Result<PromiseRaw<'env, String>> {
        let running = self.running.clone();
        env.spawn_future(async move { running.blackhole_url().await.map_err(js_error) })
    }

    #[napi(ts_return_type = "Promise<void>")]
    pub fn close<'env>(&self, env: &'env Env) -> napi::Result<PromiseRaw<'env, ()>> {
        let running = self.running.clone();
        env.spawn_future(async move {
            running.close().await;
            Ok(())
        })
    }
}

/// The JSON of the shapes the emulator takes, read off its serde types
/// (`captcha_emulator::schema`), for the test that holds `index.d.ts` to them.
#[cfg(feature = "testing")]
#[napi(js_name = "__emulatorSchema")]
pub fn emulator_schema() -> napi::Result<String> {
    captcha_emulator::schema::schema()
        .map(|schema| schema.to_string())
        .map_err(|e| js_error(CaptchaError::operation_failed(e)))
}
