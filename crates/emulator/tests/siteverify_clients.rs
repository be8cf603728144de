//! The core's siteverify client against the running emulator: what the client sends (a form with
//! `secret`, `response` and, for Turnstile, an `idempotency_key`) is what the emulator reads, and
//! a Turnstile answer lost after the token was redeemed is found again by the client's retry.

use captcha_core::outcome::Kind;
use captcha_core::siteverify::{Call, Config, Site, SiteverifyClient};
use captcha_core::transport::ProxySetting;
use captcha_emulator::{EmulatorOptions, FaultRule, RunningEmulator};

/// A client of `site` on the emulator at `path`, with `secret`.
fn client(running: &RunningEmulator, site: Site, path: &str, secret: &str, timeout_ms: f64) -> SiteverifyClient {
    let config = Config {
        secret: Some(secret.to_owned()),
        siteverify_url: Some(format!("{}{path}", running.url())),
        timeout_ms: Some(timeout_ms),
        // The machine's proxy variables must not take loopback elsewhere.
        proxy: ProxySetting::Disabled,
        ..Config::default()
    };
    SiteverifyClient::new(site, &config).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_core_client_verifies_each_providers_tokens_once() {
    let running = RunningEmulator::start(EmulatorOptions::default()).await.unwrap();
    let emulator = running.state();
    let credentials = emulator.credentials();
    let cases = [
        (
            Site::Recaptcha,
            "/recaptcha/api/siteverify",
            credentials.recaptcha_secret.clone(),
            "timeout-or-duplicate",
        ),
        (
            Site::Turnstile,
            "/turnstile/v0/siteverify",
            credentials.turnstile_secret.clone(),
            "timeout-or-duplicate",
        ),
        (
            Site::Hcaptcha,
            "/siteverify",
            credentials.hcaptcha_secret.clone(),
            "already-seen-response",
        ),
    ];
    for (site, path, secret, spent) in cases {
        let client = client(&running, site, path, &secret, 5_000.0);
        let token = emulator
            .issue(site.name(), Some(r#"{"hostname":"shop.example"}"#))
            .unwrap();
        let first = client.verify(Some(&token), &Call::default()).await;
        assert_eq!(first.kind, Kind::Verified, "{}", site.name());
        assert_eq!(first.value.unwrap()["hostname"], "shop.example", "{}", site.name());
        let again = client.verify(Some(&token), &Call::default()).await;
        assert_eq!(
            (again.kind, again.code.as_deref()),
            (Kind::Refused, Some(spent)),
            "{}",
            site.name()
        );
    }
    running.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_turnstile_answer_lost_after_redeeming_is_found_again_by_the_retry() {
    let running = RunningEmulator::start(EmulatorOptions::default()).await.unwrap();
    let emulator = running.state();
    let secret = emulator.credentials().turnstile_secret.clone();
    let client = client(&running, Site::Turnstile, "/turnstile/v0/siteverify", &secret, 500.0);
    let token = emulator.issue("turnstile", None).unwrap();
    // The first answer is made (the token redeemed), then trickles out too slowly to arrive.
    emulator
        .add_fault(FaultRule::from_json(r#"{"provider":"turnstile","times":1,"kind":"trickle","ms":200}"#).unwrap());
    let outcome = client.verify(Some(&token), &Call::default()).await;
    assert_eq!(outcome.kind, Kind::Verified, "{:?}", outcome.code);
    let asked = emulator
        .recorded_requests()
        .iter()
        .filter(|request| request.path == "/turnstile/v0/siteverify")
        .count();
    assert_eq!(asked, 2, "the first attempt and its retry");
    running.close().await;
}
