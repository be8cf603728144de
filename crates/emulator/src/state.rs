//! The state every connection of one emulator shares: the credentials it accepts, its clock,
//! each provider's issued tokens, the fault rules in force, the recorded requests and counters.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::watch;

use captcha_core::errors::CaptchaError;
use captcha_core::providers::Provider;

use crate::clock::Clock;
use crate::faults::{self, FaultAction, FaultRule};
use crate::http::Request;
use crate::options::EmulatorCredentials;
use crate::recording::{RecordedRequest, Recording};
use crate::{
    friendlycaptcha, hcaptcha, playtcha, recaptcha, recaptcha_enterprise, swetrix, trustcaptcha, turnstile, widgets,
};

/// Connection and request counters.
#[derive(Debug, Default)]
pub struct Counters {
    pub connections_accepted: AtomicU64,
    pub connections_open: AtomicU64,
    pub peak_connections_open: AtomicU64,
    pub requests: AtomicU64,
}

/// Connection and request counters of an emulator (a snapshot).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EmulatorStats {
    pub connections_accepted: i64,
    pub connections_open: i64,
    pub peak_connections_open: i64,
    pub requests: i64,
}

/// The state every connection of one emulator shares.
pub struct Emulator {
    credentials: EmulatorCredentials,
    clock: Clock,
    pub(crate) trustcaptcha: Mutex<trustcaptcha::Store>,
    pub(crate) swetrix: Mutex<swetrix::Store>,
    pub(crate) recaptcha: Mutex<recaptcha::Store>,
    pub(crate) playtcha: Mutex<playtcha::Store>,
    pub(crate) turnstile: Mutex<turnstile::Store>,
    pub(crate) hcaptcha: Mutex<hcaptcha::Store>,
    pub(crate) recaptcha_enterprise: Mutex<recaptcha_enterprise::Store>,
    pub(crate) friendlycaptcha: Mutex<friendlycaptcha::Store>,
    faults: Mutex<Vec<FaultRule>>,
    /// What a verification request carries of each token the widgets issued with the `outage`
    /// outcome (bounded, the oldest forgotten first).
    outages: Mutex<widgets::Outages>,
    /// Whether a widget ever asked for an outage: until then, no request takes the lock above.
    any_outage: AtomicBool,
    pub(crate) counters: Counters,
    recording: Recording,
    /// Set once the emulator stops: every connection task watches it.
    pub(crate) shutdown: watch::Sender<bool>,
    /// `keepAliveTimeoutMs`: how long an answered connection may wait for its next request.
    pub(crate) keep_alive_timeout: Option<Duration>,
}

pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // State stays consistent across a panic in a holder (each update is one step), so go on.
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Emulator {
    pub(crate) fn new(credentials: EmulatorCredentials) -> Self {
        Self {
            credentials,
            clock: Clock::default(),
            trustcaptcha: Mutex::new(trustcaptcha::Store::default()),
            swetrix: Mutex::new(swetrix::Store::default()),
            recaptcha: Mutex::new(recaptcha::Store::default()),
            playtcha: Mutex::new(playtcha::Store::default()),
            turnstile: Mutex::new(turnstile::Store::default()),
            hcaptcha: Mutex::new(hcaptcha::Store::default()),
            recaptcha_enterprise: Mutex::new(recaptcha_enterprise::Store::default()),
            friendlycaptcha: Mutex::new(friendlycaptcha::Store::default()),
            faults: Mutex::new(Vec::new()),
            outages: Mutex::new(widgets::Outages::default()),
            any_outage: AtomicBool::new(false),
            counters: Counters::default(),
            recording: Recording::default(),
            shutdown: watch::channel(false).0,
            keep_alive_timeout: None,
        }
    }

    /// How long a connection may stay idle after an answer before the emulator closes it.
    pub fn keep_alive_timeout(&self) -> Option<Duration> {
        self.keep_alive_timeout
    }

    /// The emulator's clock in milliseconds since the epoch: real time plus `advance_time`.
    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    pub fn advance_time(&self, ms: f64) -> Result<(), CaptchaError> {
        self.clock.advance(ms)
    }

    pub fn credentials(&self) -> &EmulatorCredentials {
        &self.credentials
    }

    /// A fresh valid token for `provider`, carrying the claims given as JSON.
    pub fn issue(&self, provider: &str, claims_json: Option<&str>) -> Result<String, CaptchaError> {
        match Provider::from_name(provider) {
            Some(Provider::TrustCaptcha) => trustcaptcha::issue(self, claims_json),
            Some(Provider::Swetrix) => swetrix::issue(self, claims_json),
            Some(Provider::Recaptcha) => recaptcha::issue(self, claims_json),
            Some(Provider::Playtcha) => playtcha::issue(self, claims_json),
            Some(Provider::Turnstile) => turnstile::issue(self, claims_json),
            Some(Provider::Hcaptcha) => hcaptcha::issue(self, claims_json),
            Some(Provider::RecaptchaEnterprise) => recaptcha_enterprise::issue(self, claims_json),
            Some(Provider::FriendlyCaptcha) => friendlycaptcha::issue(self, claims_json),
            None => Err(CaptchaError::invalid_argument(format!("unknown provider '{provider}'"))),
        }
    }

    pub fn add_fault(&self, rule: FaultRule) {
        lock(&self.faults).push(rule);
    }

    pub fn clear_faults(&self) {
        lock(&self.faults).clear();
    }

    /// The action of the first rule that picks a request to `provider`, counting it down.
    pub(crate) fn take_fault(&self, provider: Option<Provider>) -> Option<FaultAction> {
        let mut rules = lock(&self.faults);
        if rules.is_empty() {
            return None;
        }
        faults::take_matching(&mut rules, provider)
    }

    /// Makes every verification request that carries `needle` (a token, or TrustCaptcha's
    /// verification id) an outage: only that token's verification is disturbed.
    pub(crate) fn add_outage(&self, needle: String) {
        lock(&self.outages).add(needle);
        self.any_outage.store(true, Ordering::Release);
    }

    /// Whether `request` verifies a token issued with the `outage` outcome.
    pub(crate) fn is_outage(&self, request: &Request) -> bool {
        self.any_outage.load(Ordering::Acquire) && lock(&self.outages).carried_by(request)
    }

    /// Counts a request to a provider's path and keeps it, redacted, for `recorded_requests`.
    pub(crate) fn record(&self, request: &Request, provider: Option<Provider>) {
        self.counters.requests.fetch_add(1, Ordering::Relaxed);
        self.recording.record(request, provider);
    }

    pub fn recorded_requests(&self) -> Vec<RecordedRequest> {
        self.recording.requests()
    }

    pub fn clear_recorded_requests(&self) {
        self.recording.clear();
    }

    pub fn stats(&self) -> EmulatorStats {
        let c = &self.counters;
        let read = |counter: &AtomicU64| counter.load(Ordering::Relaxed) as i64;
        EmulatorStats {
            connections_accepted: read(&c.connections_accepted),
            connections_open: read(&c.connections_open),
            peak_connections_open: read(&c.peak_connections_open),
            requests: read(&c.requests),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store;

    #[test]
    fn every_provider_follows_the_emulator_clock() {
        let emulator = Emulator::new(EmulatorCredentials::default());
        let before = emulator.now_ms();
        emulator.advance_time(60_000.0).unwrap();
        assert!(emulator.now_ms() - before >= 60_000);
        assert_eq!(emulator.keep_alive_timeout(), None);
    }

    #[test]
    fn unknown_providers_get_no_token() {
        let emulator = Emulator::new(EmulatorCredentials::default());
        let error = emulator.issue("altcha", None).unwrap_err();
        assert_eq!(error.message.as_deref(), Some("unknown provider 'altcha'"));
    }

    #[test]
    fn every_provider_forgets_its_oldest_tokens_past_the_bound() {
        let e = Emulator::new(EmulatorCredentials::default());
        let capacity = store::TOKEN_CAPACITY;
        macro_rules! bounded {
            ($provider:literal, $store:ident, $key:expr) => {{
                let first = e.issue($provider, None).unwrap();
                for _ in 0..capacity {
                    e.issue($provider, None).unwrap();
                }
                let held = lock(&e.$store);
                assert_eq!(held.len(), capacity, $provider);
                assert!(
                    held.get(&$key(&first)).is_none(),
                    "{}: the oldest token is forgotten",
                    $provider
                );
            }};
        }
        let same = |token: &String| token.clone();
        bounded!("swetrix", swetrix, same);
        bounded!("recaptcha", recaptcha, same);
        bounded!("playtcha", playtcha, same);
        bounded!("turnstile", turnstile, same);
        bounded!("hcaptcha", hcaptcha, same);
        bounded!("friendly-captcha", friendlycaptcha, same);
        // A TrustCaptcha token is the base64 of the verification it names.
        let id = |token: &String| {
            captcha_core::trustcaptcha::parse_token(Some(token))
                .unwrap()
                .verification_id
        };
        bounded!("trustcaptcha", trustcaptcha, id);
    }
}
