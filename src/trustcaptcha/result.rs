//! The verification result the API answers, with the SDK's 20 fields.

use napi_derive::napi;
use serde_json::{Map, Value};

/// The 20 fields of a TrustCaptcha verification result, camelCase as on the wire. A field
/// missing on the wire, or of the wrong type, is `undefined`; unknown fields are dropped.
#[napi(object)]
#[derive(Debug, Clone, Default, PartialEq)]
pub struct VerificationResultData {
    pub captcha_id: Option<String>,
    pub verification_id: Option<String>,
    pub verification_passed: Option<bool>,
    pub score: Option<f64>,
    pub decision_type: Option<String>,
    pub decision_action: Option<String>,
    pub gateway_failover_active: Option<bool>,
    pub risk_scoring_enabled: Option<bool>,
    pub minimal_data_mode_enabled: Option<bool>,
    pub origin: Option<String>,
    pub ip_address: Option<String>,
    pub country_code: Option<String>,
    pub device_family: Option<String>,
    pub operating_system: Option<String>,
    pub browser: Option<String>,
    pub verification_started_at: Option<String>,
    pub verification_finished_at: Option<String>,
    pub result_expires_at: Option<String>,
    pub result_first_fetched_at: Option<String>,
    pub result_last_fetched_at: Option<String>,
}

impl VerificationResultData {
    /// Reads a response body. `None` when it is not a JSON object (the SDK treats that as the
    /// server being unreachable).
    pub fn from_body(body: &[u8]) -> Option<Self> {
        // Like the SDK's `JSON.parse` of the decoded text: invalid UTF-8 becomes U+FFFD.
        match serde_json::from_str::<Value>(&String::from_utf8_lossy(body)).ok()? {
            Value::Object(fields) => Some(Self::from_fields(&fields)),
            _ => None,
        }
    }

    fn from_fields(fields: &Map<String, Value>) -> Self {
        let text = |name: &str| fields.get(name).and_then(Value::as_str).map(str::to_owned);
        let flag = |name: &str| fields.get(name).and_then(Value::as_bool);
        Self {
            captcha_id: text("captchaId"),
            verification_id: text("verificationId"),
            verification_passed: flag("verificationPassed"),
            score: fields.get("score").and_then(Value::as_f64),
            decision_type: text("decisionType"),
            decision_action: text("decisionAction"),
            gateway_failover_active: flag("gatewayFailoverActive"),
            risk_scoring_enabled: flag("riskScoringEnabled"),
            minimal_data_mode_enabled: flag("minimalDataModeEnabled"),
            origin: text("origin"),
            ip_address: text("ipAddress"),
            country_code: text("countryCode"),
            device_family: text("deviceFamily"),
            operating_system: text("operatingSystem"),
            browser: text("browser"),
            verification_started_at: text("verificationStartedAt"),
            verification_finished_at: text("verificationFinishedAt"),
            result_expires_at: text("resultExpiresAt"),
            result_first_fetched_at: text("resultFirstFetchedAt"),
            result_last_fetched_at: text("resultLastFetchedAt"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_documented_example() {
        let body = br#"{"captchaId":"0c7f1e2a-1b2c-4d3e-8f40-123456789abc","verificationId":"00000000-0000-0000-0000-000000000000",
 "verificationPassed":true,"score":0.1,"decisionType":"DEFAULT","decisionAction":"ALLOW",
 "gatewayFailoverActive":false,"riskScoringEnabled":true,"minimalDataModeEnabled":false,
 "origin":"https://example.com","ipAddress":"203.0.113.7","countryCode":"DE","deviceFamily":"Other",
 "operatingSystem":"Linux","browser":"Firefox","verificationStartedAt":"2026-05-03T13:40:08.214Z",
 "verificationFinishedAt":"2026-05-03T13:40:10.001Z","resultExpiresAt":"2026-05-03T13:45:08.214Z",
 "resultFirstFetchedAt":"2026-05-03T13:40:12.000Z","resultLastFetchedAt":"2026-05-03T13:40:12.000Z"}"#;
        let result = VerificationResultData::from_body(body).unwrap();
        assert_eq!(result.verification_passed, Some(true));
        assert_eq!(result.score, Some(0.1));
        assert_eq!(result.country_code.as_deref(), Some("DE"));
        assert_eq!(
            result.result_last_fetched_at.as_deref(),
            Some("2026-05-03T13:40:12.000Z")
        );
    }

    #[test]
    fn missing_and_mistyped_fields_are_undefined() {
        let result = VerificationResultData::from_body(
            br#"{"verificationPassed":"true","score":"0.9","browser":"Edge","extra":1}"#,
        )
        .unwrap();
        assert_eq!(
            result,
            VerificationResultData {
                browser: Some("Edge".into()),
                ..Default::default()
            }
        );
    }

    #[test]
    fn only_a_json_object_is_a_result() {
        for body in [&b"null"[..], b"[]", b"\"x\"", b"1", b"", b"<html>", b"{\"a\":"] {
            assert_eq!(
                VerificationResultData::from_body(body),
                None,
                "{:?}",
                String::from_utf8_lossy(body)
            );
        }
    }
}
