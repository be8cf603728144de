use super::*;
use crate::test_server::{answer_json, read_request};
use std::sync::Mutex;

use crate::errors::holds_secret;

use serde_json::json;
use tokio::io::AsyncWriteExt;

/// What the scripted server does with one request.
#[derive(Clone)]
enum Script {
    Answer(u16, &'static str),
    /// These bytes as they are, head and all.
    Raw(&'static str),
    /// Reads the request and closes without a word.
    Close,
}

/// A server that answers each request with the next script (the last one repeats) and keeps
/// every request body.
async fn scripted(scripts: Vec<Script>) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/siteverify", listener.local_addr().unwrap());
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let seen = bodies.clone();
    tokio::spawn(async move {
        let mut served = 0usize;
        while let Ok((mut socket, _)) = listener.accept().await {
            let script = scripts[served.min(scripts.len() - 1)].clone();
            served += 1;
            if let Some((_, body)) = read_request(&mut socket).await {
                seen.lock().unwrap().push(body);
            }
            match script {
                Script::Answer(status, body) => {
                    answer_json(&mut socket, status, body).await;
                }
                Script::Raw(bytes) => {
                    let _ = socket.write_all(bytes.as_bytes()).await;
                }
                Script::Close => {}
            }
            let _ = socket.shutdown().await;
        }
    });
    (url, bodies)
}

fn client(site: Site, url: &str, shape: Shape) -> SiteverifyClient {
    SiteverifyClient::new(
        site,
        &Config {
            secret: Some(" s3cret+/= ".into()),
            siteverify_url: Some(url.into()),
            timeout_ms: Some(2_000.0),
            proxy: ProxySetting::Disabled,
            shape,
            ..Default::default()
        },
    )
    .unwrap()
}

/// The verdict client of `site` against a server playing `scripts`, asked about the token "t".
async fn answered(site: Site, scripts: Vec<Script>, call: &Call) -> Outcome<Value> {
    let (url, _) = scripted(scripts).await;
    client(site, &url, Shape::Verdict).verify(Some("t"), call).await
}

fn fields(pairs: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(pairs.as_bytes()).into_owned().collect()
}

const PASS: &str = r#"{"success":true,"challenge_ts":"2026-11-28T10:45:06.096Z","hostname":"example.com","error-codes":[],"action":"login","cdata":"c","metadata":{"ephemeral_id":"x:1"}}"#;

#[tokio::test]
async fn the_request_is_a_form_of_the_secret_the_token_and_the_options_given() {
    let (url, bodies) = scripted(vec![Script::Answer(200, PASS)]).await;
    let turnstile = client(Site::Turnstile, &url, Shape::Verdict);
    let call = Call {
        remoteip: Some("203.0.113.7".into()),
        ..Default::default()
    };
    let outcome = turnstile.verify(Some("tok&en=1"), &call).await;
    assert_eq!(outcome.kind, Kind::Verified);
    let sent = fields(&bodies.lock().unwrap()[0]);
    let names: Vec<&str> = sent.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["secret", "response", "remoteip", "idempotency_key"]);
    assert_eq!(sent[0].1, "s3cret+/=", "the secret is trimmed and form-encoded");
    assert_eq!(sent[1].1, "tok&en=1");
    assert!(is_uuid(&sent[3].1), "{}", sent[3].1);

    let hcaptcha = client(Site::Hcaptcha, &url, Shape::Wire);
    let call = Call {
        remoteip: Some("1.3.3.7".into()),
        sitekey: Some("mysite".into()),
        ..Default::default()
    };
    hcaptcha.verify(Some("token"), &call).await;
    // The `hcaptcha` package's exact body (its own test's).
    let sent = bodies.lock().unwrap()[1].clone();
    assert_eq!(
        sent,
        "secret=s3cret%2B%2F%3D&response=token&remoteip=1.3.3.7&sitekey=mysite"
    );
}

#[tokio::test]
async fn the_verdict_resolves_in_camel_case_and_the_wire_shape_as_sent() {
    let (url, _) = scripted(vec![Script::Answer(200, PASS)]).await;
    let verdict = client(Site::Turnstile, &url, Shape::Verdict)
        .verify(Some("t"), &Call::default())
        .await;
    assert_eq!(
        verdict.value.unwrap(),
        json!({"success": true, "challengeTs": "2026-11-28T10:45:06.096Z", "hostname": "example.com",
            "action": "login", "cdata": "c", "metadata": {"ephemeral_id": "x:1"}, "errorCodes": []})
    );
    let wire = client(Site::Hcaptcha, &url, Shape::Wire)
        .verify(Some("t"), &Call::default())
        .await;
    assert_eq!(wire.value.unwrap(), serde_json::from_str::<Value>(PASS).unwrap());
}

#[tokio::test]
async fn one_idempotency_key_rides_every_retry_and_a_given_one_is_used() {
    let (url, bodies) = scripted(vec![
        Script::Answer(503, "{}"),
        Script::Close,
        Script::Answer(200, r#"{"success":false,"error-codes":["internal-error"]}"#),
        Script::Answer(200, PASS),
    ])
    .await;
    let turnstile = SiteverifyClient::new(
        Site::Turnstile,
        &Config {
            secret: Some("s".into()),
            siteverify_url: Some(url.clone()),
            retries: Some(3.0),
            proxy: ProxySetting::Disabled,
            ..Default::default()
        },
    )
    .unwrap();
    let outcome = turnstile.verify(Some("t"), &Call::default()).await;
    assert_eq!(outcome.kind, Kind::Verified, "{outcome:?}");
    let keys: Vec<String> = bodies
        .lock()
        .unwrap()
        .iter()
        .map(|body| {
            fields(body)
                .into_iter()
                .find(|(n, _)| n == "idempotency_key")
                .unwrap()
                .1
        })
        .collect();
    assert_eq!(keys.len(), 4);
    assert!(keys.iter().all(|key| key == &keys[0]), "{keys:?}");

    let given = "8D3A3E6C-5B1F-4C41-9A55-0123456789AB";
    let call = Call {
        idempotency_key: Some(given.into()),
        ..Default::default()
    };
    turnstile.verify(Some("t"), &call).await;
    assert!(bodies.lock().unwrap()[4].ends_with(&format!("idempotency_key={given}")));
    // Every call gets its own key.
    turnstile.verify(Some("t"), &Call::default()).await;
    let last = bodies.lock().unwrap()[5].clone();
    assert!(!last.contains(&keys[0]) && !last.contains(given));
}

#[tokio::test]
async fn bad_call_options_reject_a_type_error_and_send_nothing() {
    let (url, bodies) = scripted(vec![Script::Answer(200, PASS)]).await;
    let turnstile = client(Site::Turnstile, &url, Shape::Verdict);
    for key in [
        "",
        "not-a-uuid",
        "8d3a3e6c5b1f4c419a550123456789ab",
        "8d3a3e6c-5b1f-4c41-9a55-0123456789ag",
    ] {
        let call = Call {
            idempotency_key: Some(key.into()),
            ..Default::default()
        };
        let outcome = turnstile.verify(Some("t"), &call).await;
        assert_eq!(outcome.kind, Kind::Misconfigured);
        assert_eq!(outcome.value.unwrap_err().kind, ErrorKind::InvalidArgument, "{key}");
    }
    let hcaptcha = client(Site::Hcaptcha, &url, Shape::Verdict);
    let call = Call {
        idempotency_key: Some(random_uuid()),
        ..Default::default()
    };
    assert_eq!(
        hcaptcha.verify(Some("t"), &call).await.value.unwrap_err().kind,
        ErrorKind::InvalidArgument
    );
    let call = Call {
        checks: CheckOptions {
            min_score: Some(2.0),
            ..Default::default()
        },
        ..Default::default()
    };
    assert_eq!(hcaptcha.verify(Some("t"), &call).await.kind, Kind::Misconfigured);
    assert!(bodies.lock().unwrap().is_empty());
}

#[tokio::test]
async fn tokens_are_refused_locally_when_missing_not_strings_or_too_long() {
    let (url, bodies) = scripted(vec![Script::Answer(200, PASS)]).await;
    let turnstile = client(Site::Turnstile, &url, Shape::Verdict);
    let long = "x".repeat(2_049);
    for (token, code) in [
        (None, "invalid-input-response"),
        (Some(""), "missing-input-response"),
        (Some(long.as_str()), "invalid-input-response"),
    ] {
        let outcome = turnstile.verify(token, &Call::default()).await;
        assert_eq!((outcome.kind, outcome.code.as_deref()), (Kind::Refused, Some(code)));
        assert_eq!(outcome.value.unwrap(), json!({"success": false, "errorCodes": [code]}));
    }
    assert!(bodies.lock().unwrap().is_empty());
    // 2,048 characters is a Turnstile token (in characters, not bytes); hCaptcha's may be longer.
    turnstile.verify(Some(&long[1..]), &Call::default()).await;
    turnstile.verify(Some(&"é".repeat(2_048)), &Call::default()).await;
    assert_eq!(bodies.lock().unwrap().len(), 2);
    client(Site::Hcaptcha, &url, Shape::Verdict)
        .verify(Some(&long), &Call::default())
        .await;
    assert_eq!(bodies.lock().unwrap().len(), 3);
}

#[tokio::test]
async fn secret_codes_are_a_misconfiguration_that_the_wire_shape_resolves() {
    let (url, _) = scripted(vec![Script::Answer(
        200,
        r#"{"success":false,"error-codes":["invalid-input-secret"]}"#,
    )])
    .await;
    let outcome = client(Site::Turnstile, &url, Shape::Verdict)
        .verify(Some("t"), &Call::default())
        .await;
    assert_eq!(
        (outcome.kind, outcome.code.as_deref()),
        (Kind::Misconfigured, Some("invalid-input-secret"))
    );
    let error = outcome.value.unwrap_err();
    assert_eq!(error.kind, ErrorKind::TurnstileMisconfigured);
    assert_eq!(error.field("errorCodes").unwrap(), &json!(["invalid-input-secret"]));
    let wire = client(Site::Hcaptcha, &url, Shape::Wire)
        .verify(Some("t"), &Call::default())
        .await;
    assert_eq!(wire.kind, Kind::Misconfigured);
    assert_eq!(
        wire.value.unwrap(),
        json!({"success": false, "error-codes": ["invalid-input-secret"]})
    );
    let recaptcha = client(Site::Recaptcha, &url, Shape::Verdict)
        .verify(Some("t"), &Call::default())
        .await
        .value
        .unwrap_err();
    assert_eq!(
        (recaptcha.kind, recaptcha.field("statusCode")),
        (ErrorKind::RecaptchaRejected, Some(&json!(500)))
    );
}

#[tokio::test]
async fn a_wire_client_without_a_secret_answers_as_siteverify_would_without_asking() {
    let (url, bodies) = scripted(vec![Script::Answer(200, PASS)]).await;
    let wire = SiteverifyClient::new(
        Site::Hcaptcha,
        &Config {
            siteverify_url: Some(url.clone()),
            shape: Shape::Wire,
            ..Default::default()
        },
    )
    .unwrap();
    let outcome = wire.verify(Some("t"), &Call::default()).await;
    assert_eq!(outcome.kind, Kind::Misconfigured);
    assert_eq!(
        outcome.value.unwrap(),
        json!({"success": false, "error-codes": ["missing-input-secret"]})
    );
    assert!(bodies.lock().unwrap().is_empty());
    for secret in [None, Some("  ")] {
        let error = SiteverifyClient::new(
            Site::Turnstile,
            &Config {
                secret: secret.map(str::to_owned),
                ..Default::default()
            },
        )
        .err()
        .unwrap();
        assert_eq!(error.kind, ErrorKind::InvalidArgument);
    }
}

#[tokio::test]
async fn a_duplicate_after_a_lost_attempt_is_an_outage_not_a_refusal() {
    let duplicate = r#"{"success":false,"error-codes":["timeout-or-duplicate"]}"#;
    let outcome = answered(
        Site::Recaptcha,
        vec![Script::Answer(502, ""), Script::Answer(200, duplicate)],
        &Call::default(),
    )
    .await;
    assert_eq!(
        (outcome.kind, outcome.code.as_deref()),
        (Kind::Unavailable, Some("server_error"))
    );
    let error = outcome.value.unwrap_err();
    assert_eq!(
        (error.kind, error.field("attempts")),
        (ErrorKind::RecaptchaUnavailable, Some(&json!(2)))
    );
    // A 429 turned the request away unread: the duplicate after it is the token's own.
    let outcome = answered(
        Site::Recaptcha,
        vec![Script::Answer(429, ""), Script::Answer(200, duplicate)],
        &Call::default(),
    )
    .await;
    assert_eq!(
        (outcome.kind, outcome.code.as_deref()),
        (Kind::Refused, Some("timeout-or-duplicate"))
    );
    // Asked once, the same answer is a verdict.
    let outcome = answered(Site::Recaptcha, vec![Script::Answer(200, duplicate)], &Call::default()).await;
    assert_eq!(
        (outcome.kind, outcome.code.as_deref()),
        (Kind::Refused, Some("timeout-or-duplicate"))
    );
    // hCaptcha's words for it; Turnstile's retries carry the key, so its answer is the truth.
    let seen = r#"{"success":false,"error-codes":["already-seen-response"]}"#;
    let outcome = answered(
        Site::Hcaptcha,
        vec![Script::Close, Script::Answer(200, seen)],
        &Call::default(),
    )
    .await;
    assert_eq!(outcome.kind, Kind::Unavailable);
    assert_eq!(outcome.value.unwrap_err().kind, ErrorKind::HcaptchaUnavailable);
    let outcome = answered(
        Site::Turnstile,
        vec![Script::Close, Script::Answer(200, duplicate)],
        &Call::default(),
    )
    .await;
    assert_eq!(
        (outcome.kind, outcome.code.as_deref()),
        (Kind::Refused, Some("timeout-or-duplicate"))
    );
}

#[tokio::test]
async fn no_verdict_after_the_retries_is_unavailable_with_the_reason() {
    let internal = r#"{"success":false,"error-codes":["internal-error"]}"#;
    for (script, site, reason, kind) in [
        (
            Script::Answer(503, ""),
            Site::Turnstile,
            "server_error",
            ErrorKind::TurnstileUnavailable,
        ),
        (
            Script::Answer(429, ""),
            Site::Hcaptcha,
            "rate_limited",
            ErrorKind::HcaptchaUnavailable,
        ),
        (
            Script::Answer(200, "<html>"),
            Site::Recaptcha,
            "malformed_response",
            ErrorKind::RecaptchaUnavailable,
        ),
        (
            Script::Close,
            Site::Hcaptcha,
            "network_error",
            ErrorKind::HcaptchaUnavailable,
        ),
        (
            Script::Answer(200, internal),
            Site::Turnstile,
            "server_error",
            ErrorKind::TurnstileUnavailable,
        ),
    ] {
        let (url, bodies) = scripted(vec![script]).await;
        let outcome = client(site, &url, Shape::Verdict)
            .verify(Some("t"), &Call::default())
            .await;
        assert_eq!(
            (outcome.kind, outcome.code.as_deref()),
            (Kind::Unavailable, Some(reason)),
            "{site:?}"
        );
        let error = outcome.value.unwrap_err();
        assert_eq!(error.kind, kind);
        assert_eq!(error.field("attempts"), Some(&json!(3)), "the default: two retries");
        assert_eq!(bodies.lock().unwrap().len(), 3);
    }
    // hCaptcha's `internal-error` is not Cloudflare's promise: a verdict.
    let outcome = answered(Site::Hcaptcha, vec![Script::Answer(200, internal)], &Call::default()).await;
    assert_eq!(outcome.kind, Kind::Refused);
}

#[tokio::test]
async fn a_status_siteverify_never_answers_is_a_misconfiguration_at_once() {
    let (url, bodies) = scripted(vec![Script::Answer(404, "{}")]).await;
    let outcome = client(Site::Turnstile, &url, Shape::Verdict)
        .verify(Some("t"), &Call::default())
        .await;
    assert_eq!(
        (outcome.kind, outcome.code.as_deref()),
        (Kind::Misconfigured, Some(UNEXPECTED_STATUS))
    );
    assert!(outcome.value.unwrap_err().detail.unwrap().contains("404"));
    assert_eq!(bodies.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn failed_checks_turn_a_pass_into_a_refusal_with_every_code() {
    let (url, _) = scripted(vec![Script::Answer(200, PASS)]).await;
    let recaptcha = client(Site::Recaptcha, &url, Shape::Verdict);
    let call = Call {
        checks: CheckOptions {
            expected_hostname: Some(vec!["EXAMPLE.com".into()]),
            expected_action: Some("LOGIN".into()),
            ..Default::default()
        },
        ..Default::default()
    };
    assert_eq!(recaptcha.verify(Some("t"), &call).await.kind, Kind::Verified);
    let call = Call {
        checks: CheckOptions {
            expected_hostname: Some(vec!["other.example".into()]),
            min_score: Some(0.5),
            max_age_ms: Some(1_000.0),
            ..Default::default()
        },
        ..Default::default()
    };
    let outcome = recaptcha.verify(Some("t"), &call).await;
    assert_eq!(
        (outcome.kind, outcome.code.as_deref()),
        (Kind::Refused, Some("hostname-mismatch"))
    );
    let verdict = outcome.value.unwrap();
    assert_eq!(verdict["success"], false);
    assert_eq!(
        verdict["errorCodes"],
        json!(["hostname-mismatch", "score-threshold-not-met", "challenge-timeout"])
    );
    assert_eq!(verdict["hostname"], "example.com", "the verdict's fields stay");
}

#[tokio::test]
async fn the_php_librarys_checks_add_their_codes_to_a_refusal_too() {
    let (url, _) = scripted(vec![Script::Answer(
        200,
        r#"{"success":false,"error-codes":["timeout-or-duplicate"]}"#,
    )])
    .await;
    let call = Call {
        checks: CheckOptions {
            expected_action: Some("login".into()),
            ..Default::default()
        },
        ..Default::default()
    };
    let outcome = client(Site::Recaptcha, &url, Shape::Verdict)
        .verify(Some("t"), &call)
        .await;
    assert_eq!(outcome.code.as_deref(), Some("timeout-or-duplicate"));
    assert_eq!(
        outcome.value.unwrap()["errorCodes"],
        json!(["timeout-or-duplicate", "action-mismatch"])
    );
    // Turnstile's and hCaptcha's refusals stay as the provider said them.
    for site in [Site::Turnstile, Site::Hcaptcha] {
        let outcome = client(site, &url, Shape::Verdict).verify(Some("t"), &call).await;
        assert_eq!(
            outcome.value.unwrap()["errorCodes"],
            json!(["timeout-or-duplicate"]),
            "{site:?}"
        );
    }
}

#[tokio::test]
async fn a_secret_echoed_anywhere_in_a_verdict_is_scrubbed() {
    let outcome = answered(
        Site::Turnstile,
        vec![Script::Answer(
            200,
            r#"{"success":true,"hostname":"s3cret+/=.example","metadata":{"echo":["secret=s3cret%2B%2F%3D"]}}"#,
        )],
        &Call::default(),
    )
    .await;
    let verdict = outcome.value.unwrap();
    assert!(!verdict.to_string().contains("s3cret"), "{verdict}");
    assert_eq!(verdict["hostname"], "[redacted].example");
}

#[tokio::test]
async fn a_name_holding_the_secret_is_dropped_from_the_verdict() {
    let (url, _) = scripted(vec![Script::Answer(
        200,
        r#"{"success":true,"s3cret+/=":1,"metadata":{"s3cret%2B%2F%3D":2,"kept":3}}"#,
    )])
    .await;
    let verdict = client(Site::Turnstile, &url, Shape::Verdict)
        .verify(Some("t"), &Call::default())
        .await
        .value
        .unwrap();
    assert_eq!(
        verdict,
        json!({"success": true, "metadata": {"kept": 3}, "errorCodes": []})
    );
}

#[tokio::test]
async fn a_retry_after_longer_than_an_attempts_deadline_ends_the_retries() {
    let limited = |seconds: &str| {
        let head =
            format!("HTTP/1.1 429 X\r\nretry-after: {seconds}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
        Script::Raw(Box::leak(head.into_boxed_str()))
    };
    // The deadline per attempt is 2 s (`client`): a 4-second Retry-After is not waited out.
    let (url, bodies) = scripted(vec![limited("4")]).await;
    let started = Instant::now();
    let outcome = client(Site::Hcaptcha, &url, Shape::Verdict)
        .verify(Some("t"), &Call::default())
        .await;
    assert_eq!(
        (outcome.kind, outcome.code.as_deref()),
        (Kind::Unavailable, Some("rate_limited"))
    );
    assert_eq!(outcome.value.unwrap_err().field("attempts"), Some(&json!(1)));
    assert_eq!(bodies.lock().unwrap().len(), 1);
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
    // One second fits: it is waited out, then the retries go on.
    let (url, bodies) = scripted(vec![limited("1")]).await;
    let started = Instant::now();
    let outcome = client(Site::Turnstile, &url, Shape::Verdict)
        .verify(Some("t"), &Call::default())
        .await;
    assert_eq!(outcome.value.unwrap_err().field("attempts"), Some(&json!(3)));
    assert_eq!(bodies.lock().unwrap().len(), 3);
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "two waits of Retry-After: {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_local_refusal_adds_no_check_codes() {
    let (url, _) = scripted(vec![Script::Answer(200, PASS)]).await;
    let call = Call {
        checks: CheckOptions {
            expected_action: Some("login".into()),
            min_score: Some(0.5),
            max_age_ms: Some(1_000.0),
            ..Default::default()
        },
        ..Default::default()
    };
    let outcome = client(Site::Recaptcha, &url, Shape::Verdict)
        .verify(Some(""), &call)
        .await;
    assert_eq!(outcome.value.unwrap()["errorCodes"], json!(["missing-input-response"]));
}

#[tokio::test]
async fn codes_that_hold_the_secret_are_dropped() {
    let (url, _) = scripted(vec![Script::Answer(
        200,
        r#"{"success":false,"error-codes":["bad-request","secret= s3cret+/= echoed","s3cret%2B%2F%3D"]}"#,
    )])
    .await;
    let outcome = client(Site::Hcaptcha, &url, Shape::Wire)
        .verify(Some("t"), &Call::default())
        .await;
    let text = format!("{outcome:?}");
    assert!(!text.contains("s3cret"), "{text}");
    assert_eq!(outcome.value.unwrap()["error-codes"], json!(["bad-request"]));
}

#[test]
fn camel_case_renames_drops_odd_names_and_always_lists_codes() {
    let verdict = camel_case(
        json!({"challenge_ts": "x", "success": true, "apk_package_name": "a", "score_reason": ["r"],
            "error-codes": ["c", 3], "a b": 1, "__proto__": {"polluted": true}, "_": 2})
        .as_object()
        .unwrap()
        .clone(),
    );
    assert_eq!(
        Value::Object(verdict),
        json!({"success": true, "challengeTs": "x", "apkPackageName": "a", "scoreReason": ["r"],
            "proto": {"polluted": true}, "errorCodes": ["c"]})
    );
}

#[test]
fn uuids() {
    let key = random_uuid();
    assert!(is_uuid(&key), "{key}");
    assert_eq!(&key[14..15], "4");
    assert!(matches!(&key[19..20], "8" | "9" | "a" | "b"));
    assert_ne!(random_uuid(), key);
}

#[test]
fn the_documented_defaults() {
    assert_eq!(
        Site::Turnstile.default_url(),
        "https://challenges.cloudflare.com/turnstile/v0/siteverify"
    );
    assert_eq!(Site::Hcaptcha.default_url(), "https://api.hcaptcha.com/siteverify");
    assert_eq!(
        Site::Recaptcha.default_url(),
        "https://www.google.com/recaptcha/api/siteverify"
    );
    for site in Site::ALL {
        assert_eq!(Site::from_name(site.name()), Some(site));
        let client = SiteverifyClient::new(
            site,
            &Config {
                secret: Some("s".into()),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!((client.timeout, client.retries), (Duration::from_secs(5), 2));
    }
    assert_eq!(Site::Turnstile.token_lifetime(), Duration::from_secs(300));
}

#[test]
fn only_answers_without_a_verdict_are_retried() {
    assert!(matches!(
        read_attempt(Answer::scripted(200, br#"{"success":false}"#)),
        Attempt::Verdict(_)
    ));
    for (status, body) in [
        (200, &b"<html>"[..]),
        (200, b"null"),
        (200, br#"{"success":"yes"}"#),
        (429, b""),
        (500, b""),
        (503, b"{}"),
    ] {
        assert!(
            matches!(read_attempt(Answer::scripted(status, body)), Attempt::Retryable { .. }),
            "{status}"
        );
    }
    assert!(matches!(
        read_attempt(Answer::scripted(404, b"")),
        Attempt::Unexpected(404)
    ));
    // A 4xx with a refusal in siteverify's codes is that refusal; a 4xx claiming success, or
    // another API's JSON error (a wrong URL), is not a verdict.
    let refusal = br#"{"success":false,"error-codes":["bad-request"]}"#;
    assert!(matches!(
        read_attempt(Answer::scripted(400, refusal)),
        Attempt::Verdict(_)
    ));
    let other_api = br#"{"success":false,"errors":[{"code":7003}],"error-codes":[]}"#;
    assert!(matches!(
        read_attempt(Answer::scripted(404, other_api)),
        Attempt::Unexpected(404)
    ));
    assert!(matches!(
        read_attempt(Answer::scripted(403, br#"{"success":true}"#)),
        Attempt::Unexpected(403)
    ));
    assert!(matches!(
        read_attempt(Answer::scripted(302, refusal)),
        Attempt::Unexpected(302)
    ));
    assert!(matches!(
        read_attempt(Answer::scripted(302, b"")),
        Attempt::Unexpected(302)
    ));
    let mut limited = Answer::scripted(429, b"");
    limited
        .headers
        .insert(reqwest::header::RETRY_AFTER, "18446744073709551615".parse().unwrap());
    let Attempt::Retryable { retry_after, why, .. } = read_attempt(limited) else {
        panic!("a 429 is retryable")
    };
    assert_eq!(why, Unavailable::RateLimited);
    assert!(Instant::now().checked_add(retry_after.unwrap()).is_some());
}

mod fuzz {
    use super::*;
    use crate::fuzzing::{bytes, json_soup};
    use proptest::prelude::*;

    proptest! {
        /// Any answer is read, and any verdict judged and shaped, without a panic; a secret in
        /// the answer never reaches the outcome.
        #[test]
        fn any_answer_is_read_and_judged(status in 100u16..600, body in json_soup(), noise in bytes()) {
            let _ = read_attempt(Answer::scripted(status, noise.as_slice()));
            if let Attempt::Verdict(mut fields) = read_attempt(Answer::scripted(status, body.as_bytes())) {
                fields.insert("error-codes".into(), json!(["topsecret", "x"]));
                for shape in [Shape::Wire, Shape::Verdict] {
                    let client = SiteverifyClient {
                        site: Site::Hcaptcha,
                        url: Url::parse("http://127.0.0.1:9/").unwrap(),
                        secret_field: None,
                        secret: "topsecret".into(),
                        timeout: Duration::from_secs(1),
                        retries: 0,
                        shape,
                        transport: Transport::shared(&TransportConfig {
                            connect_timeout: PROVIDER_CONNECT_TIMEOUT,
                            proxy: ProxySetting::Disabled,
                            extra_roots: Vec::new(),
                        })
                        .unwrap(),
                    };
                    let mut clean = fields.clone();
                    if let Some(Value::Array(codes)) = clean.get_mut("error-codes") {
                        codes.retain(|c| !c.as_str().is_some_and(|c| holds_secret(c, "topsecret")));
                    }
                    let outcome = client.judge(clean, &Checks { min_score: Some(0.5), ..Default::default() });
                    let text = format!("{outcome:?}");
                    prop_assert!(!text.contains("topsecret"));
                }
            }
        }
    }
}

#[tokio::test]
async fn a_short_secret_is_searched_only_as_a_whole_code() {
    // "abc" would match ordinary words: the fields and the codes that hold it stay, and only a
    // code that is the secret (a server echoing it as a code) is dropped, as `authorize` did.
    let (url, _) = scripted(vec![Script::Answer(
        200,
        r#"{"success":false,"hostname":"abc.example","error-codes":["abc","abc-mismatch","bad-request"]}"#,
    )])
    .await;
    let outcome = SiteverifyClient::new(
        Site::Hcaptcha,
        &Config {
            secret: Some("abc".into()),
            siteverify_url: Some(url),
            proxy: ProxySetting::Disabled,
            shape: Shape::Wire,
            ..Default::default()
        },
    )
    .unwrap()
    .verify(Some("t"), &Call::default())
    .await;
    let value = outcome.value.unwrap();
    assert_eq!(value["error-codes"], json!(["abc-mismatch", "bad-request"]));
    assert_eq!(value["hostname"], "abc.example");
}

#[test]
fn a_siteverify_url_with_credentials_is_refused() {
    for given in [
        "https://name:s3cr3tpw@h.example/siteverify",
        "https://s3cr3tpw@h.example/siteverify",
    ] {
        let error = siteverify_url(Some(given), "https://default.example/").unwrap_err();
        assert_eq!(error.kind, crate::errors::ErrorKind::InvalidArgument, "{given}");
        assert!(!format!("{error:?}").contains("s3cr3tpw"), "{error:?}");
    }
    assert!(siteverify_url(Some("https://h.example/siteverify"), "https://default.example/").is_ok());
}

#[tokio::test]
async fn retries_pause_200_ms_then_double() {
    // Three retries after 503s: pauses of 200, 400 and 800 ms (docs/providers/turnstile.md,
    // "Retries"), 1.4 s in all before the fourth attempt's verdict.
    let (url, bodies) = scripted(vec![
        Script::Answer(503, ""),
        Script::Answer(503, ""),
        Script::Answer(503, ""),
        Script::Answer(200, PASS),
    ])
    .await;
    let client = SiteverifyClient::new(
        Site::Turnstile,
        &Config {
            secret: Some("s3cret+/=".into()),
            siteverify_url: Some(url),
            retries: Some(3.0),
            proxy: ProxySetting::Disabled,
            shape: Shape::Verdict,
            ..Default::default()
        },
    )
    .unwrap();
    let started = std::time::Instant::now();
    let outcome = client.verify(Some("t"), &Call::default()).await;
    let took = started.elapsed();
    assert_eq!(outcome.kind, Kind::Verified);
    assert_eq!(bodies.lock().unwrap().len(), 4);
    assert!(took >= Duration::from_millis(1_400), "{took:?}");
    assert!(took < Duration::from_secs(4), "{took:?}");
}
