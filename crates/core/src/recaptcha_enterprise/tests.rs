use super::*;
use crate::test_server::{answer_json, read_request};
use std::sync::Mutex;

use crate::errors::holds_secret;
use serde_json::json;
use tokio::io::AsyncWriteExt;

const KEY: &str = "AIza+key/with=odd&chars";
const PROJECT: &str = "my-project-1";

#[derive(Clone)]
enum Script {
    Answer(u16, String),
    /// Reads the request and closes without a word.
    Close,
}

fn ok(body: Value) -> Script {
    Script::Answer(200, body.to_string())
}

/// What the server saw of one request: the request line and the body.
#[derive(Debug, Clone)]
struct Seen {
    head: String,
    body: String,
}

/// A server answering each request with the next script (the last repeats), one per connection.
async fn scripted(scripts: Vec<Script>) -> (String, Arc<Mutex<Vec<Seen>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        let mut served = 0usize;
        while let Ok((mut socket, _)) = listener.accept().await {
            let script = scripts[served.min(scripts.len() - 1)].clone();
            served += 1;
            if let Some((head, body)) = read_request(&mut socket).await {
                log.lock().unwrap().push(Seen { head, body });
            }
            if let Script::Answer(status, body) = script {
                answer_json(&mut socket, status, &body).await;
            }
            let _ = socket.shutdown().await;
        }
    });
    (url, seen)
}

fn config(endpoint: &str) -> Config {
    Config {
        project_id: Some(PROJECT.into()),
        api_key: Some(KEY.into()),
        site_key: Some("site-key_1".into()),
        endpoint: Some(endpoint.into()),
        timeout_ms: Some(2_000.0),
        retries: Some(2.0),
        proxy: ProxySetting::Disabled,
        ca: Vec::new(),
    }
}

fn client(endpoint: &str) -> RecaptchaEnterpriseClient {
    RecaptchaEnterpriseClient::new(&config(endpoint)).unwrap()
}

fn assessment(valid: bool, reason: &str, action: &str, score: f64) -> Value {
    json!({
        "name": "projects/123456/assessments/0123456789abcdef",
        "event": { "token": "t", "siteKey": "site-key_1", "expectedAction": action },
        "tokenProperties": {
            "valid": valid, "invalidReason": reason, "hostname": "example.com", "action": action,
            "createTime": "2025-01-01T00:00:00.000Z", "androidPackageName": "", "iosBundleId": ""
        },
        "riskAnalysis": { "score": score, "reasons": ["AUTOMATION"], "extendedVerdictReasons": [] },
        "accountDefenderAssessment": { "labels": [] }
    })
}

fn error_body(code: u16, status: &str, reason: Option<&str>, message: &str) -> String {
    let mut error = json!({ "code": code, "message": message, "status": status });
    if let Some(reason) = reason {
        error["details"] = json!([{ "@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": reason, "domain": "googleapis.com" }]);
    }
    json!({ "error": error }).to_string()
}

fn value(outcome: &Outcome<Verdict>) -> Value {
    outcome.value.as_ref().unwrap().to_value()
}

fn error<T: std::fmt::Debug>(outcome: &Outcome<T>) -> &CaptchaError {
    outcome.value.as_ref().unwrap_err()
}

#[tokio::test]
async fn the_request_is_one_json_post_to_the_project_with_the_key_in_the_query() {
    let (url, seen) = scripted(vec![ok(assessment(true, "INVALID_REASON_UNSPECIFIED", "login", 0.9))]).await;
    let call = Assess {
        expected_action: Some("login".into()),
        user_ip_address: Some("203.0.113.7".into()),
        user_agent: Some("".into()),
        ..Assess::default()
    };
    let outcome = client(&url).assess(Some("tok\"en/../x?y#z"), &call).await;
    assert_eq!(outcome.kind, Kind::Verified);
    let seen = seen.lock().unwrap()[0].clone();
    let line = seen.head.lines().next().unwrap().to_owned();
    assert_eq!(
        line,
        "POST /v1/projects/my-project-1/assessments?key=AIza%2Bkey%2Fwith%3Dodd%26chars HTTP/1.1"
    );
    assert!(seen
        .head
        .to_ascii_lowercase()
        .contains("content-type: application/json"));
    // Only the fields given: the empty userAgent is not sent.
    assert_eq!(
        serde_json::from_str::<Value>(&seen.body).unwrap(),
        json!({ "event": { "token": "tok\"en/../x?y#z", "siteKey": "site-key_1", "expectedAction": "login", "userIpAddress": "203.0.113.7" } })
    );
}

#[tokio::test]
async fn a_valid_token_passes_with_googles_properties_in_camel_case() {
    let (url, _) = scripted(vec![ok(assessment(true, "INVALID_REASON_UNSPECIFIED", "login", 0.9))]).await;
    let call = Assess {
        expected_action: Some("login".into()),
        min_score: Some(0.5),
        expected_hostname: Some(vec!["EXAMPLE.com".into()]),
        ..Assess::default()
    };
    let outcome = client(&url).assess(Some("t"), &call).await;
    assert_eq!((outcome.kind, outcome.code.clone()), (Kind::Verified, None));
    assert_eq!(
        value(&outcome),
        json!({
            "passed": true,
            "errorCodes": [],
            "name": "projects/123456/assessments/0123456789abcdef",
            "tokenProperties": {
                "valid": true, "invalidReason": "INVALID_REASON_UNSPECIFIED", "hostname": "example.com",
                "androidPackageName": "", "iosBundleId": "", "action": "login", "createTime": "2025-01-01T00:00:00.000Z"
            },
            "riskAnalysis": { "score": 0.9, "reasons": ["AUTOMATION"], "extendedVerdictReasons": [] },
            "accountDefenderAssessment": { "labels": [] }
        })
    );
}

#[tokio::test]
async fn each_invalid_reason_is_a_refusal_with_its_code() {
    for (reason, code) in [
        ("MALFORMED", MALFORMED_TOKEN),
        ("EXPIRED", EXPIRED_TOKEN),
        ("DUPE", DUPLICATE_TOKEN),
        ("MISSING", MISSING_TOKEN),
        ("BROWSER_ERROR", BROWSER_ERROR),
        ("SITE_MISMATCH", SITE_MISMATCH),
        ("UNEXPECTED_ACTION", UNEXPECTED_ACTION),
        ("UNKNOWN_INVALID_REASON", INVALID_TOKEN),
        ("INVALID_REASON_UNSPECIFIED", INVALID_TOKEN),
        ("SOMETHING_NEW", INVALID_TOKEN),
    ] {
        let (url, _) = scripted(vec![ok(assessment(false, reason, "", 0.0))]).await;
        let outcome = client(&url).assess(Some("t"), &Assess::default()).await;
        assert_eq!(
            (outcome.kind, outcome.code.as_deref()),
            (Kind::Refused, Some(code)),
            "{reason}"
        );
        assert_eq!(value(&outcome)["passed"], false);
        assert_eq!(value(&outcome)["errorCodes"], json!([code]));
        assert_eq!(value(&outcome)["tokenProperties"]["invalidReason"], reason);
        assert_eq!(value(&outcome)["tokenProperties"]["valid"], false);
    }
    // proto3 JSON leaves `valid: false` out: no `valid` is not valid.
    let (url, _) = scripted(vec![ok(
        json!({ "name": "n", "tokenProperties": { "invalidReason": "EXPIRED" } }),
    )])
    .await;
    let outcome = client(&url).assess(Some("t"), &Assess::default()).await;
    assert_eq!(outcome.code.as_deref(), Some(EXPIRED_TOKEN));
}

#[tokio::test]
async fn the_checks_refuse_a_wrong_action_a_low_score_and_a_wrong_hostname_in_that_order() {
    let (url, _) = scripted(vec![ok(assessment(true, "INVALID_REASON_UNSPECIFIED", "signup", 0.3))]).await;
    let call = Assess {
        expected_action: Some("login".into()),
        min_score: Some(0.5),
        expected_hostname: Some(vec!["other.example".into()]),
        ..Assess::default()
    };
    let outcome = client(&url).assess(Some("t"), &call).await;
    assert_eq!(
        (outcome.kind, outcome.code.as_deref()),
        (Kind::Refused, Some(ACTION_MISMATCH))
    );
    assert_eq!(
        value(&outcome)["errorCodes"],
        json!([ACTION_MISMATCH, SCORE_THRESHOLD_NOT_MET, HOSTNAME_MISMATCH])
    );
    // A score of 0 is left out of proto3 JSON: no score is below any minScore above 0.
    let (url, _) = scripted(vec![ok(
        json!({ "name": "projects/p/assessments/0123456789abcdef", "tokenProperties": { "valid": true }, "riskAnalysis": {} }),
    )])
    .await;
    let call = Assess {
        min_score: Some(0.1),
        ..Assess::default()
    };
    let outcome = client(&url).assess(Some("t"), &call).await;
    assert_eq!(outcome.code.as_deref(), Some(SCORE_THRESHOLD_NOT_MET));
    // The score exactly at minScore passes.
    let (url, _) = scripted(vec![ok(assessment(true, "", "", 0.5))]).await;
    let call = Assess {
        min_score: Some(0.5),
        ..Assess::default()
    };
    assert_eq!(client(&url).assess(Some("t"), &call).await.kind, Kind::Verified);
}

#[tokio::test]
async fn tokens_refused_without_a_request() {
    let (url, seen) = scripted(vec![ok(json!({}))]).await;
    let c = client(&url);
    for (token, code, reason) in [
        (None, MALFORMED_TOKEN, "MALFORMED"),
        (Some(String::new()), MISSING_TOKEN, "MISSING"),
        (Some("x".repeat(MAX_TOKEN_LENGTH + 1)), MALFORMED_TOKEN, "MALFORMED"),
    ] {
        let outcome = c.assess(token.as_deref(), &Assess::default()).await;
        assert_eq!((outcome.kind, outcome.code.as_deref()), (Kind::Refused, Some(code)));
        assert_eq!(value(&outcome)["tokenProperties"]["invalidReason"], reason);
    }
    assert!(seen.lock().unwrap().is_empty());
}

#[tokio::test]
async fn google_errors_for_the_key_or_project_are_misconfigurations_without_the_key() {
    for (status, word, reason, code) in [
        (400, "INVALID_ARGUMENT", Some("API_KEY_INVALID"), "api_key_invalid"),
        (400, "INVALID_ARGUMENT", None, "invalid_argument"),
        (403, "PERMISSION_DENIED", Some("SERVICE_DISABLED"), "service_disabled"),
        (403, "PERMISSION_DENIED", None, "permission_denied"),
        (404, "NOT_FOUND", None, "not_found"),
        (401, "UNAUTHENTICATED", None, "unauthenticated"),
    ] {
        let body = error_body(status, word, reason, &format!("API key {KEY} not valid"));
        let (url, seen) = scripted(vec![Script::Answer(status, body)]).await;
        let outcome = client(&url).assess(Some("t"), &Assess::default()).await;
        assert_eq!(
            (outcome.kind, outcome.code.as_deref()),
            (Kind::Misconfigured, Some(code)),
            "{status}"
        );
        let error = error(&outcome);
        assert_eq!(error.kind, ErrorKind::RecaptchaEnterpriseMisconfigured);
        assert_eq!(error.status, Some(status));
        assert_eq!(error.field("googleStatus"), Some(&json!(word)));
        let text = serde_json::to_string(error).unwrap();
        assert!(!holds_secret(&text, KEY), "{text}");
        assert!(text.contains("[redacted]"), "{text}");
        assert_eq!(seen.lock().unwrap().len(), 1, "not retried");
    }
    // A 4xx that is no Google error: misconfigured still, with our word.
    let (url, _) = scripted(vec![Script::Answer(418, "<html>".into())]).await;
    let outcome = client(&url).assess(Some("t"), &Assess::default()).await;
    assert_eq!(
        (outcome.kind, outcome.code.as_deref()),
        (Kind::Misconfigured, Some(UNEXPECTED_STATUS))
    );
}

#[tokio::test]
async fn outages_are_retried_then_unavailable() {
    for (script, why) in [
        (
            Script::Answer(503, error_body(503, "UNAVAILABLE", None, "down")),
            "server_error",
        ),
        (
            Script::Answer(429, error_body(429, "RESOURCE_EXHAUSTED", None, "slow")),
            "rate_limited",
        ),
        (Script::Answer(200, "not json".into()), "malformed_response"),
        (Script::Close, "network_error"),
    ] {
        let (url, seen) = scripted(vec![script]).await;
        let outcome = client(&url).assess(Some("t"), &Assess::default()).await;
        assert_eq!((outcome.kind, outcome.code.as_deref()), (Kind::Unavailable, Some(why)));
        let error = error(&outcome);
        assert_eq!(error.kind, ErrorKind::RecaptchaEnterpriseUnavailable);
        assert_eq!(error.field("attempts"), Some(&json!(3)));
        assert_eq!(seen.lock().unwrap().len(), 3, "{why}");
    }
    // An answer after an outage is the verdict.
    let (url, seen) = scripted(vec![
        Script::Answer(503, "{}".into()),
        ok(assessment(true, "", "", 0.9)),
    ])
    .await;
    assert_eq!(
        client(&url).assess(Some("t"), &Assess::default()).await.kind,
        Kind::Verified
    );
    assert_eq!(seen.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn a_dupe_after_an_attempt_that_may_have_reached_google_is_an_outage() {
    let dupe = ok(assessment(false, "DUPE", "", 0.0));
    let (url, _) = scripted(vec![Script::Close, dupe.clone()]).await;
    let outcome = client(&url).assess(Some("t"), &Assess::default()).await;
    assert_eq!(
        (outcome.kind, outcome.code.as_deref()),
        (Kind::Unavailable, Some("network_error"))
    );
    assert!(error(&outcome).detail.as_deref().unwrap().contains("DUPE"));
    assert_eq!(error(&outcome).field("attempts"), Some(&json!(2)));
    // After a 429 (turned away before reading), DUPE is a refusal.
    let (url, _) = scripted(vec![Script::Answer(429, "{}".into()), dupe.clone()]).await;
    let outcome = client(&url).assess(Some("t"), &Assess::default()).await;
    assert_eq!(
        (outcome.kind, outcome.code.as_deref()),
        (Kind::Refused, Some(DUPLICATE_TOKEN))
    );
    // Asked once, DUPE is a refusal.
    let (url, _) = scripted(vec![dupe]).await;
    let outcome = client(&url).assess(Some("t"), &Assess::default()).await;
    assert_eq!(outcome.kind, Kind::Refused);
}

#[tokio::test]
async fn the_key_never_reaches_the_verdict() {
    let mut answer = assessment(true, "", "", 0.9);
    answer["event"]["echo"] = json!(KEY);
    answer["riskAnalysis"]["reasons"] = json!([format!("x{KEY}")]);
    answer[KEY] = json!(1);
    let (url, _) = scripted(vec![ok(answer)]).await;
    let outcome = client(&url).assess(Some("t"), &Assess::default()).await;
    let text = value(&outcome).to_string();
    assert!(!holds_secret(&text, KEY), "{text}");
}

#[test]
fn the_configuration_is_checked_when_built() {
    let build = |change: fn(&mut Config)| {
        let mut config = config("http://127.0.0.1:9");
        change(&mut config);
        RecaptchaEnterpriseClient::new(&config)
            .err()
            .map(|e| (e.kind, e.message.unwrap()))
    };
    assert_eq!(build(|_| {}), None);
    for change in [
        (|c: &mut Config| c.project_id = None) as fn(&mut Config),
        |c| c.project_id = Some("../x".into()),
        |c| c.project_id = Some("my-project/assessments".into()),
        |c| c.project_id = Some("My-Project".into()),
        |c| c.project_id = Some("short".into()),
        |c| c.project_id = Some("ends-with-".into()),
        |c| c.project_id = Some("p%2Fx-project".into()),
        |c| c.api_key = None,
        |c| c.api_key = Some("  ".into()),
        |c| c.api_key = Some("a key".into()),
        |c| c.site_key = None,
        |c| c.site_key = Some("a/b".into()),
        |c| c.endpoint = Some("ftp://host".into()),
        |c| c.endpoint = Some("http://user:pw@host".into()),
        |c| c.endpoint = Some("http://host/?q".into()),
        |c| c.timeout_ms = Some(0.0),
        |c| c.retries = Some(1.5),
    ] {
        let refused = build(change).expect("refused");
        assert_eq!(refused.0, ErrorKind::InvalidArgument);
        assert!(!refused.1.contains(KEY));
    }
    assert!(is_project("123456789012") && is_project("my-project") && !is_project(""));
}

#[tokio::test]
async fn unusable_call_options_are_type_errors_and_send_nothing() {
    let (url, seen) = scripted(vec![ok(json!({}))]).await;
    let c = client(&url);
    for call in [
        Assess {
            min_score: Some(1.5),
            ..Assess::default()
        },
        Assess {
            expected_hostname: Some(vec![]),
            ..Assess::default()
        },
        Assess {
            user_agent: Some("x".repeat(MAX_FIELD_LENGTH + 1)),
            ..Assess::default()
        },
    ] {
        let outcome = c.assess(Some("t"), &call).await;
        assert_eq!(
            (outcome.kind, outcome.code.as_deref()),
            (Kind::Misconfigured, Some(INVALID_ARGUMENT))
        );
        assert_eq!(error(&outcome).kind, ErrorKind::InvalidArgument);
    }
    assert!(seen.lock().unwrap().is_empty());
}

#[tokio::test]
async fn annotate_posts_the_annotation_to_the_assessment() {
    let (url, seen) = scripted(vec![ok(json!({}))]).await;
    let outcome = client(&url)
        .annotate(
            "projects/123456/assessments/0123456789abcdef",
            "FRAUDULENT",
            &["CHARGEBACK".into()],
        )
        .await;
    assert_eq!(outcome.kind, Kind::Verified);
    let seen = seen.lock().unwrap()[0].clone();
    assert_eq!(
        seen.head.lines().next().unwrap(),
        "POST /v1/projects/123456/assessments/0123456789abcdef:annotate?key=AIza%2Bkey%2Fwith%3Dodd%26chars HTTP/1.1"
    );
    assert_eq!(
        serde_json::from_str::<Value>(&seen.body).unwrap(),
        json!({ "annotation": "FRAUDULENT", "reasons": ["CHARGEBACK"] })
    );
    let (url, seen) = scripted(vec![ok(json!({}))]).await;
    let c = client(&url);
    assert_eq!(
        c.annotate("projects/123456/assessments/abc", "LEGITIMATE", &[])
            .await
            .kind,
        Kind::Verified
    );
    assert_eq!(seen.lock().unwrap()[0].body, r#"{"annotation":"LEGITIMATE"}"#);
    for (name, annotation, reasons) in [
        ("projects/123456/assessments/../../x", "LEGITIMATE", vec![]),
        ("projects/123456/assessments/a?b", "LEGITIMATE", vec![]),
        ("projects/../assessments/abc", "LEGITIMATE", vec![]),
        ("assessments/abc", "LEGITIMATE", vec![]),
        ("projects/123456/assessments/abc", "legitimate", vec![]),
        ("projects/123456/assessments/abc", "LEGITIMATE", vec!["a b".to_owned()]),
    ] {
        let outcome = c.annotate(name, annotation, &reasons).await;
        assert_eq!(outcome.kind, Kind::Misconfigured, "{name} {annotation}");
        assert_eq!(error(&outcome).kind, ErrorKind::InvalidArgument);
    }
    assert_eq!(seen.lock().unwrap().len(), 1);
    let (url, _) = scripted(vec![Script::Answer(
        404,
        error_body(404, "NOT_FOUND", None, "no such assessment"),
    )])
    .await;
    let outcome = client(&url)
        .annotate("projects/123456/assessments/abc", "LEGITIMATE", &[])
        .await;
    assert_eq!(
        (outcome.kind, outcome.code.as_deref()),
        (Kind::Misconfigured, Some("not_found"))
    );
}

/// Judges `body` for `call` both ways, when `as_sent` reads it (`false` when it leaves it to the
/// parse): the same kind, code and verdict text as parsing and judging it give.
fn judged_alike(c: &RecaptchaEnterpriseClient, body: &str, call: &Assess) -> bool {
    let Some(fast) = c.as_sent(body.as_bytes(), call) else {
        return false;
    };
    let Ok(Value::Object(fields)) = serde_json::from_str::<Value>(body) else {
        panic!("read as sent, yet no object: {body}");
    };
    assert!(fields.get("name").is_some_and(Value::is_string), "{body}");
    let slow = c.judge(fields, call);
    assert_eq!((fast.kind, &fast.code), (slow.kind, &slow.code), "{body}");
    let Ok(Verdict::Text(text)) = fast.value else {
        panic!("not written as text: {body}");
    };
    assert_eq!(text, slow.value.unwrap().to_string(), "{body}");
    true
}

fn calls() -> Vec<Assess> {
    vec![
        Assess::default(),
        Assess {
            expected_action: Some("login".into()),
            min_score: Some(0.5),
            expected_hostname: Some(vec!["EXAMPLE.com".into()]),
            ..Assess::default()
        },
        Assess {
            min_score: Some(0.0),
            ..Assess::default()
        },
        Assess {
            min_score: Some(1.0),
            expected_action: Some("".into()),
            ..Assess::default()
        },
        Assess {
            expected_hostname: Some(vec!["other.example".into(), "exämple.com".into()]),
            ..Assess::default()
        },
    ]
}

#[test]
fn an_assessment_read_as_sent_is_judged_as_parsing_it_judges_it() {
    let c = client("http://127.0.0.1:9");
    let name = "projects/123456/assessments/0123456789abcdef";
    let mut bodies: Vec<String> = Vec::new();
    for (valid, reason, action, score) in [
        (true, "INVALID_REASON_UNSPECIFIED", "login", 0.9),
        (true, "INVALID_REASON_UNSPECIFIED", "login", 0.1),
        (true, "INVALID_REASON_UNSPECIFIED", "signup", 0.5),
        (true, "INVALID_REASON_UNSPECIFIED", "login", 1.0),
        (false, "DUPE", "", 0.0),
        (false, "EXPIRED", "login", 0.3),
        (false, "SOMETHING_NEW", "", 0.0),
        (false, "lower_case", "", 0.0),
    ] {
        let body = assessment(valid, reason, action, score);
        bodies.push(body.to_string());
        // Google's own answers are indented.
        bodies.push(serde_json::to_string_pretty(&body).unwrap());
    }
    let props = r#"{"valid":true,"invalidReason":"INVALID_REASON_UNSPECIFIED","hostname":"example.com","action":"login","createTime":"2025-01-01T00:00:00.000Z"}"#;
    for rest in [
        // proto3 omissions: no score, no riskAnalysis, no reason, no validity, no properties.
        format!(r#""tokenProperties":{props},"riskAnalysis":{{}}"#),
        format!(r#""tokenProperties":{props}"#),
        r#""tokenProperties":{"valid":true,"hostname":"example.com","action":"login"},"riskAnalysis":{"score":0.7}"#.into(),
        r#""tokenProperties":{"invalidReason":"MALFORMED"},"riskAnalysis":{"score":0.7}"#.into(),
        r#""riskAnalysis":{"score":0.9}"#.into(),
        String::new(),
        // Odd types.
        r#""tokenProperties":{"valid":"true","invalidReason":5,"hostname":null,"action":7},"riskAnalysis":[]"#.into(),
        r#""tokenProperties":{"valid":true,"hostname":["example.com"],"action":{"a":"login"},"createTime":1},"riskAnalysis":"x""#.into(),
        format!(r#""tokenProperties":{props},"riskAnalysis":{{"score":"0.9"}}"#),
        format!(r#""tokenProperties":{props},"riskAnalysis":{{"score":null,"reasons":[]}}"#),
        format!(r#""tokenProperties":{props},"riskAnalysis":{{"score":1}}"#),
        format!(r#""tokenProperties":{props},"riskAnalysis":{{"score":0.95,"reasons":["AUTOMATION","TOO_MUCH_TRAFFIC"],"extendedVerdictReasons":[]}}"#),
        r#""tokenProperties":[],"riskAnalysis":{"score":0.9}"#.into(),
        r#""tokenProperties":"valid","riskAnalysis":null"#.into(),
        "\"tokenProperties\":{\"valid\":false,\"invalidReason\":\"\",\"hostname\":\"exämple.com\",\"action\":\"\u{2028}\u{7f}\"}".into(),
        r#""tokenProperties":{"valid":true,"hostname":"exämple.com","action":"login","other":{"x":[1,2.5,-3,true,null]}}"#.into(),
        // Extra fields: kept as sent but for the event, names that are no word and ours.
        format!(r#""tokenProperties":{props},"riskAnalysis":{{"score":0.9}},"accountDefenderAssessment":{{"labels":["PROFILE_MATCH"]}},"fraudPreventionAssessment":{{"transactionRisk":0.25,"stolenInstrumentVerdict":{{"risk":1e-7}}}}"#),
        format!(r#""tokenProperties":{props},"passed":false,"errorCodes":["x"],"a b":1,"":2,"phoneFraudAssessment":{{"smsTollFraudVerdict":{{"risk":0.5}}}},"x":-12,"y":18446744073709551615,"z":1.5e+300,"w":[[],{{}},""]"#),
    ] {
        bodies.push(format!(r#"{{"name":"{name}","event":{{"token":"t","siteKey":"k","express":false}},{rest}}}"#).replace(",}", "}"));
    }
    // The fields in other orders: `judge` removes by swapping, and the rest follow that order.
    bodies.push(format!(
        r#"{{"a":1,"tokenProperties":{props},"b":"2","riskAnalysis":{{"score":0.2}},"c":[3],"name":"{name}","d":{{"e":4}},"event":{{}},"f":true}}"#
    ));
    bodies.push(format!(
        r#"{{"riskAnalysis":{{}},"x":1,"name":"{name}","tokenProperties":{props}}}"#
    ));
    bodies.push(format!(
        r#"{{"event":{{}},"name":"{name}","z":[],"tokenProperties":{props}}}"#
    ));
    bodies.push(format!(" \n{{ \"name\" : \"{name}\" ,\n \"riskAnalysis\" : {{ \"score\" : 0.9 , \"reasons\" : [ \"a b\" , 1 ] }} , \"k\":\"a  b\" }} \n"));
    for body in &bodies {
        for call in calls() {
            assert!(judged_alike(&c, body, &call), "not read as sent: {body}");
        }
    }
    // Anything else is parsed, as before.
    let deep = format!(r#"{{"name":"{name}","x":{}1{}}}"#, "[".repeat(100), "]".repeat(100));
    for body in [
        format!(r#"{{"name":"{name}","event":{{"token":"t","apiKey":"{KEY}"}}}}"#),
        format!(r#"{{"name":"{name}","x":"AIza%2Bkey%2Fwith%3Dodd%26chars"}}"#),
        format!(r#"{{"name":"{name}","x":"a\nb"}}"#).replace('\n', "\\n"),
        format!(r#"{{"name":"{name}","x":"\u0041"}}"#),
        format!(r#"{{"name":"{name}","name":"{name}"}}"#),
        format!(r#"{{"name":"{name}","tokenProperties":{{"valid":false,"valid":true}}}}"#),
        format!(r#"{{"name":"{name}","riskAnalysis":{{"score":0.1,"score":0.9}}}}"#),
        format!(r#"{{"name":"{name}","riskAnalysis":{{"score":1e400}}}}"#),
        format!(r#"{{"name":"{name}","riskAnalysis":{{"score":0.90}}}}"#),
        format!(r#"{{"name":"{name}","riskAnalysis":{{"score":1E2}}}}"#),
        format!(r#"{{"name":"{name}","riskAnalysis":{{"score":1.5e300}}}}"#),
        format!(r#"{{"name":"{name}","riskAnalysis":{{"score":-0}}}}"#),
        format!(r#"{{"name":"{name}","event":{{"x":1e400}}}}"#),
        deep,
        r#"{"name":5}"#.to_string(),
        r#"{"tokenProperties":{"valid":true}}"#.into(),
        "{}".into(),
        format!(r#"{{"name":"{name}"}} x"#),
        format!(r#"[{{"name":"{name}"}}]"#),
        format!("\u{feff}{{\"name\":\"{name}\"}}"),
        format!(r#"{{"name":"{name}""#),
    ] {
        for call in calls() {
            assert!(!judged_alike(&c, &body, &call), "read as sent: {body}");
        }
    }
}

mod fuzz {
    use super::*;
    use crate::fuzzing::json_soup;
    use proptest::prelude::*;

    proptest! {
        /// Any 2xx answer is judged without a panic, and the key never reaches the verdict.
        #[test]
        fn any_assessment_is_judged(body in json_soup(), min in 0.0f64..=1.0) {
            let c = RecaptchaEnterpriseClient::new(&config("http://127.0.0.1:9")).unwrap();
            if let Ok(Value::Object(mut fields)) = serde_json::from_str::<Value>(&body) {
                fields.insert("echo".into(), json!(KEY));
                let call = Assess { min_score: Some(min), expected_action: Some("a".into()), ..Assess::default() };
                let outcome = c.judge(fields, &call);
                let text = outcome.value.as_ref().unwrap().to_string();
                prop_assert!(!holds_secret(&text, KEY));
            }
            // Whatever `as_sent` reads, it judges as parsing does.
            let call = Assess { min_score: Some(min), expected_action: Some("a".into()), ..Assess::default() };
            let _ = judged_alike(&c, &body, &call);
            let named = body.trim_start().strip_prefix('{').map(|rest| {
                format!(r#"{{"name":"projects/1/assessments/x",{rest}"#).replace(",}", "}")
            });
            if let Some(named) = named {
                let _ = judged_alike(&c, &named, &call);
            }
            let error = c.google_error(400, serde_json::from_str::<Value>(&body).ok().as_ref());
            let _: Outcome<Value> = c.misconfigured(error);
        }
    }
}

#[tokio::test]
async fn a_2xx_without_an_assessments_name_is_no_answer_and_is_retried() {
    // A proxy's `{}` would otherwise be judged an invalid token: every visitor refused.
    let nameless = || ok(json!({ "tokenProperties": { "valid": false } }));
    let (url, seen) = scripted(vec![ok(json!({})), nameless(), nameless()]).await;
    let outcome = client(&url).assess(Some("t"), &Assess::default()).await;
    assert_eq!(outcome.kind, Kind::Unavailable);
    assert_eq!(outcome.code.as_deref(), Some("malformed_response"));
    assert_eq!(seen.lock().unwrap().len(), 3, "the first attempt and both retries");
}
