//! The emulator as napi sees it. Structured arguments (options, claims, fault rules) arrive as
//! JSON text from `index.js`, so serde gives clear messages for every mistake.

use std::collections::HashMap;
use std::sync::Arc;

use napi::bindgen_prelude::PromiseRaw;
use napi::Env;
use napi_derive::napi;

use captcha_core::errors::CaptchaError;
use captcha_emulator::identities::{self, Answers};
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
}

impl From<&captcha_emulator::EmulatorCredentials> for EmulatorCredentials {
    fn from(credentials: &captcha_emulator::EmulatorCredentials) -> Self {
        Self {
            trustcaptcha_api_key: credentials.trustcaptcha_api_key.clone(),
            swetrix_secret: credentials.swetrix_secret.clone(),
            recaptcha_secret: credentials.recaptcha_secret.clone(),
            playtcha_secret: credentials.playtcha_secret.clone(),
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

/// A published TrustCaptcha test verification and what fetching its result answers.
#[napi(object)]
pub struct TrustCaptchaTestVerification {
    pub verification_id: String,
    /// The widget's token for it.
    pub token: String,
    pub status: u32,
    pub answers: String,
}

/// The TrustCaptcha API key the emulator refuses, as the real service does.
#[napi(object)]
pub struct TrustCaptchaInvalidApiKey {
    pub api_key: String,
    pub status: u32,
    pub answers: String,
}

#[napi(object)]
pub struct TrustCaptchaIdentities {
    /// The API key accepted unless the emulator is started with `trustcaptchaApiKey`.
    pub api_key: String,
    pub invalid_api_key: TrustCaptchaInvalidApiKey,
    /// Index N is the id ending in N.
    pub test_verifications: Vec<TrustCaptchaTestVerification>,
}

/// A Swetrix test secret and what it answers, whatever the token.
#[napi(object)]
pub struct SwetrixTestSecret {
    pub secret: String,
    pub status: u32,
    pub answers: String,
}

#[napi(object)]
pub struct SwetrixTestSecrets {
    pub pass: SwetrixTestSecret,
    pub fail: SwetrixTestSecret,
    pub used: SwetrixTestSecret,
}

#[napi(object)]
pub struct SwetrixIdentities {
    /// The secret accepted unless the emulator is started with `swetrixSecret`.
    pub secret: String,
    pub test_secrets: SwetrixTestSecrets,
}

/// Google's reCAPTCHA test secret key and what it answers, whatever the token.
#[napi(object)]
pub struct RecaptchaTestSecretKey {
    pub secret_key: String,
    pub hostname: String,
    pub status: u32,
    pub answers: String,
}

#[napi(object)]
pub struct RecaptchaIdentities {
    /// The secret key accepted unless the emulator is started with `recaptchaSecret`.
    pub secret_key: String,
    pub test_secret_key: RecaptchaTestSecretKey,
}

#[napi(object)]
pub struct PlaytchaIdentities {
    /// The secret accepted unless the emulator is started with `playtchaSecret`.
    pub secret: String,
}

/// Every identity the emulator knows by name (`captcha_emulator::identities`), per provider.
#[napi(object)]
pub struct EmulatorIdentities {
    pub trustcaptcha: TrustCaptchaIdentities,
    pub swetrix: SwetrixIdentities,
    pub recaptcha: RecaptchaIdentities,
    pub playtcha: PlaytchaIdentities,
}

/// The emulator's default credentials and the providers' test identities, for `Emulator.identities`.
#[napi]
pub fn emulator_identities() -> EmulatorIdentities {
    use identities::{playtcha, recaptcha, swetrix, trustcaptcha};
    let swetrix_secret = |secret: &str, answers: Answers| SwetrixTestSecret {
        secret: secret.to_owned(),
        status: answers.status.into(),
        answers: answers.answers.to_owned(),
    };
    EmulatorIdentities {
        trustcaptcha: TrustCaptchaIdentities {
            api_key: trustcaptcha::API_KEY.to_owned(),
            invalid_api_key: TrustCaptchaInvalidApiKey {
                api_key: trustcaptcha::INVALID_API_KEY.to_owned(),
                status: trustcaptcha::INVALID_API_KEY_ANSWERS.status.into(),
                answers: trustcaptcha::INVALID_API_KEY_ANSWERS.answers.to_owned(),
            },
            test_verifications: trustcaptcha::TEST_VERIFICATIONS
                .iter()
                .map(|test| TrustCaptchaTestVerification {
                    verification_id: test.verification_id.to_owned(),
                    token: trustcaptcha::token(test.verification_id),
                    status: test.answers.status.into(),
                    answers: test.answers.answers.to_owned(),
                })
                .collect(),
        },
        swetrix: SwetrixIdentities {
            secret: swetrix::SECRET.to_owned(),
            test_secrets: SwetrixTestSecrets {
                pass: swetrix_secret(swetrix::PASS_SECRET, swetrix::PASS_ANSWERS),
                fail: swetrix_secret(swetrix::FAIL_SECRET, swetrix::FAIL_ANSWERS),
                used: swetrix_secret(swetrix::USED_SECRET, swetrix::USED_ANSWERS),
            },
        },
        recaptcha: RecaptchaIdentities {
            secret_key: recaptcha::SECRET_KEY.to_owned(),
            test_secret_key: RecaptchaTestSecretKey {
                secret_key: recaptcha::TEST_SECRET_KEY.to_owned(),
                hostname: recaptcha::TEST_HOSTNAME.to_owned(),
                status: recaptcha::TEST_SECRET_KEY_ANSWERS.status.into(),
                answers: recaptcha::TEST_SECRET_KEY_ANSWERS.answers.to_owned(),
            },
        },
        playtcha: PlaytchaIdentities {
            secret: playtcha::SECRET.to_owned(),
        },
    }
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
