//! The verification result the API answers, with the SDK's 20 fields.
//!
//! The body is read in one pass, straight into the 20 fields (no tree of JSON values), and the
//! result crosses to JavaScript as one JSON text that `lib/trustcaptcha.js` parses: V8's `JSON.parse`
//! builds the object far faster than 20 property writes through N-API (see the benchmark notes).

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::Serialize;

/// The 20 fields of a TrustCaptcha verification result, camelCase as on the wire. A field
/// missing on the wire, or of the wrong type, is `undefined`; unknown fields are dropped.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VerificationResultData {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub captcha_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification_passed: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision_action: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gateway_failover_active: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub risk_scoring_enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minimal_data_mode_enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip_address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_family: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operating_system: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub browser: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification_started_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification_finished_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result_expires_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result_first_fetched_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result_last_fetched_at: Option<String>,
}

impl VerificationResultData {
    /// Reads a response body. `None` when it is not a JSON object (the SDK treats that as the
    /// server being unreachable).
    pub fn from_body(body: &[u8]) -> Option<Self> {
        // Like the SDK's `JSON.parse` of the decoded text: invalid UTF-8 becomes U+FFFD.
        let text = String::from_utf8_lossy(body);
        let mut reader = serde_json::Deserializer::from_str(&text);
        let data = reader.deserialize_any(ResultVisitor).ok()?;
        reader.end().ok()?;
        Some(data)
    }

    /// The JSON text that crosses to JavaScript: the fields that are set, in the SDK's order.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a struct of strings, booleans and finite numbers serializes")
    }
}

/// One JSON value, kept only when it is a string, a boolean or a number.
enum Scalar {
    Text(String),
    Flag(bool),
    Number(f64),
    Other,
}

impl Scalar {
    fn text(self) -> Option<String> {
        match self {
            Scalar::Text(text) => Some(text),
            _ => None,
        }
    }
    fn flag(self) -> Option<bool> {
        match self {
            Scalar::Flag(flag) => Some(flag),
            _ => None,
        }
    }
    fn number(self) -> Option<f64> {
        match self {
            Scalar::Number(number) => Some(number),
            _ => None,
        }
    }
}

impl<'de> de::Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ScalarVisitor;
        impl<'de> Visitor<'de> for ScalarVisitor {
            type Value = Scalar;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_str<E: de::Error>(self, value: &str) -> Result<Scalar, E> {
                Ok(Scalar::Text(value.to_owned()))
            }
            fn visit_string<E: de::Error>(self, value: String) -> Result<Scalar, E> {
                Ok(Scalar::Text(value))
            }
            fn visit_bool<E: de::Error>(self, value: bool) -> Result<Scalar, E> {
                Ok(Scalar::Flag(value))
            }
            fn visit_f64<E: de::Error>(self, value: f64) -> Result<Scalar, E> {
                Ok(Scalar::Number(value))
            }
            fn visit_i64<E: de::Error>(self, value: i64) -> Result<Scalar, E> {
                Ok(Scalar::Number(value as f64))
            }
            fn visit_u64<E: de::Error>(self, value: u64) -> Result<Scalar, E> {
                Ok(Scalar::Number(value as f64))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Scalar, E> {
                Ok(Scalar::Other)
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Scalar, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Scalar::Other)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Scalar, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Scalar::Other)
            }
        }
        deserializer.deserialize_any(ScalarVisitor)
    }
}

/// An object key, borrowed from the body unless it holds escapes.
struct Key<'de>(Cow<'de, str>);

impl<'de> de::Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object key")
            }
            fn visit_borrowed_str<E: de::Error>(self, value: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(value)))
            }
            fn visit_str<E: de::Error>(self, value: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(value.to_owned())))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// Reads a top-level JSON object into the 20 fields; anything else is an error. A key given
/// twice keeps its last value, as `JSON.parse` does.
struct ResultVisitor;

impl<'de> Visitor<'de> for ResultVisitor {
    type Value = VerificationResultData;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut data = VerificationResultData::default();
        while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
            let slot = |map: &mut A| map.next_value::<Scalar>();
            match key.as_ref() {
                "captchaId" => data.captcha_id = slot(&mut map)?.text(),
                "verificationId" => data.verification_id = slot(&mut map)?.text(),
                "verificationPassed" => data.verification_passed = slot(&mut map)?.flag(),
                "score" => data.score = slot(&mut map)?.number(),
                "decisionType" => data.decision_type = slot(&mut map)?.text(),
                "decisionAction" => data.decision_action = slot(&mut map)?.text(),
                "gatewayFailoverActive" => data.gateway_failover_active = slot(&mut map)?.flag(),
                "riskScoringEnabled" => data.risk_scoring_enabled = slot(&mut map)?.flag(),
                "minimalDataModeEnabled" => data.minimal_data_mode_enabled = slot(&mut map)?.flag(),
                "origin" => data.origin = slot(&mut map)?.text(),
                "ipAddress" => data.ip_address = slot(&mut map)?.text(),
                "countryCode" => data.country_code = slot(&mut map)?.text(),
                "deviceFamily" => data.device_family = slot(&mut map)?.text(),
                "operatingSystem" => data.operating_system = slot(&mut map)?.text(),
                "browser" => data.browser = slot(&mut map)?.text(),
                "verificationStartedAt" => data.verification_started_at = slot(&mut map)?.text(),
                "verificationFinishedAt" => data.verification_finished_at = slot(&mut map)?.text(),
                "resultExpiresAt" => data.result_expires_at = slot(&mut map)?.text(),
                "resultFirstFetchedAt" => data.result_first_fetched_at = slot(&mut map)?.text(),
                "resultLastFetchedAt" => data.result_last_fetched_at = slot(&mut map)?.text(),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(data)
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

    #[test]
    fn a_repeated_key_keeps_its_last_value_as_json_parse_does() {
        let result =
            VerificationResultData::from_body(br#"{"score":0.2,"browser":"A","score":"x","browser":"B"}"#).unwrap();
        assert_eq!(result.score, None);
        assert_eq!(result.browser.as_deref(), Some("B"));
    }

    #[test]
    fn escaped_keys_and_nested_values_are_read_like_json_parse() {
        let result = VerificationResultData::from_body(
            br#"{"brow\u0073er":"Edge","origin":{"x":[1,{"y":null}]},"score":5,"captchaId":"\u00e9\n"}"#,
        )
        .unwrap();
        assert_eq!(result.browser.as_deref(), Some("Edge"));
        assert_eq!(result.origin, None);
        assert_eq!(result.score, Some(5.0));
        assert_eq!(result.captcha_id.as_deref(), Some("\u{e9}\n"));
    }

    #[test]
    fn the_json_text_carries_the_set_fields_in_order_and_round_trips() {
        let body = br#"{"browser":"Edge \"quoted\" \u2028","verificationPassed":true,"score":0.5}"#;
        let result = VerificationResultData::from_body(body).unwrap();
        let text = result.to_json();
        // serde_json writes U+2028 as is; JSON.parse has accepted it since ES2019.
        let expected = "{\"verificationPassed\":true,\"score\":0.5,\"browser\":\"Edge \\\"quoted\\\" \u{2028}\"}";
        assert_eq!(text, expected);
        assert_eq!(VerificationResultData::from_body(text.as_bytes()).unwrap(), result);
        assert_eq!(VerificationResultData::default().to_json(), "{}");
    }
}

#[cfg(test)]
mod fuzz {
    use super::*;
    use crate::fuzzing::{bytes, json_soup};
    use proptest::prelude::*;

    proptest! {
        /// Any body is read or refused without a panic; what is read crosses to JavaScript as
        /// JSON that reads back the same.
        #[test]
        fn any_body_is_read_or_refused_and_round_trips(body in json_soup()) {
            if let Some(data) = VerificationResultData::from_body(body.as_bytes()) {
                prop_assert_eq!(VerificationResultData::from_body(data.to_json().as_bytes()), Some(data));
            }
        }

        #[test]
        fn any_bytes_are_read_or_refused(body in bytes()) {
            let _ = VerificationResultData::from_body(&body);
        }
    }
}
