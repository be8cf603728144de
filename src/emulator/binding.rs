//! The emulator as napi sees it. Structured arguments (options, claims, fault rules) arrive as
//! JSON text from `index.js`, so serde gives clear messages for every mistake.

use std::collections::HashMap;
use std::sync::Arc;

use napi::bindgen_prelude::PromiseRaw;
use napi::Env;
use napi_derive::napi;

use super::{EmulatorCredentials, EmulatorOptions, EmulatorStats, FaultRule, RunningEmulator};
use crate::errors::CaptchaError;

/// A request the emulator received. Credentials are redacted.
#[napi(object)]
pub struct EmulatorRequest {
    pub provider: Option<String>,
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub headers: HashMap<String, String>,
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
            .map_err(|e| CaptchaError::invalid_argument(format!("invalid emulator options: {e}")))?,
        None => EmulatorOptions::default(),
    };
    let running = RunningEmulator::start(options).await?;
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
        self.running.state().credentials().clone()
    }

    // catch_unwind: a panic in a synchronous call would otherwise abort Node.
    #[napi(catch_unwind)]
    pub fn issue(&self, provider: String, claims_json: Option<String>) -> napi::Result<String> {
        Ok(self.running.state().issue(&provider, claims_json.as_deref())?)
    }

    #[napi(catch_unwind)]
    pub fn fault(&self, rule_json: String) -> napi::Result<()> {
        self.running.state().add_fault(FaultRule::from_json(&rule_json)?);
        Ok(())
    }

    #[napi]
    pub fn clear_faults(&self) {
        self.running.state().clear_faults();
    }

    #[napi(catch_unwind)]
    pub fn advance_time(&self, ms: f64) -> napi::Result<()> {
        Ok(self.running.state().advance_time(ms)?)
    }

    #[napi]
    pub fn stats(&self) -> EmulatorStats {
        self.running.state().stats()
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
        env.spawn_future(async move { Ok(running.blackhole_url().await?) })
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
