//! The verification token the TrustCaptcha widget hands the browser: base64 of a JSON object.

use serde_json::Value;

/// Tokens longer than this are refused before decoding; real ones are a few hundred bytes.
pub const MAX_TOKEN_LENGTH: usize = 16 * 1024;

/// A decoded verification token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerificationToken {
    /// A 36-character UUID, so it is safe to place in a URL path as it is.
    pub verification_id: String,
    pub expires_at: Option<String>,
    /// Only the boolean `true` counts.
    pub client_failover: bool,
}

/// Why a token was refused; each maps to one of the SDK's three messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenError {
    NotBase64Json,
    MissingFields,
    InvalidUuid,
}

impl TokenError {
    pub fn message(self) -> &'static str {
        match self {
            TokenError::NotBase64Json => "Invalid Base64-encoded JSON",
            TokenError::MissingFields => "Missing required fields in verification token",
            TokenError::InvalidUuid => "Invalid UUID in verification token",
        }
    }
}

/// Parses a token the way the SDK does, with its defects fixed: the id must be exactly a UUID,
/// and `null`, non-objects and non-string ids give one of the three messages.
pub fn parse_token(token: Option<&str>) -> Result<VerificationToken, TokenError> {
    let token = token.ok_or(TokenError::NotBase64Json)?;
    if token.len() > MAX_TOKEN_LENGTH {
        return Err(TokenError::NotBase64Json);
    }
    let bytes = decode_base64_lenient(token);
    // Like `buffer.toString()`: invalid UTF-8 becomes U+FFFD rather than an error.
    let json: Value = serde_json::from_str(&String::from_utf8_lossy(&bytes)).map_err(|_| TokenError::NotBase64Json)?;
    let Value::Object(fields) = json else {
        return Err(TokenError::MissingFields);
    };
    let verification_id = match fields.get("verificationId") {
        None | Some(Value::Null) | Some(Value::Bool(false)) => return Err(TokenError::MissingFields),
        Some(Value::String(id)) if id.is_empty() => return Err(TokenError::MissingFields),
        Some(Value::Number(n)) if n.as_f64() == Some(0.0) => return Err(TokenError::MissingFields),
        Some(Value::String(id)) if is_uuid(id) => id.clone(),
        Some(_) => return Err(TokenError::InvalidUuid),
    };
    Ok(VerificationToken {
        verification_id,
        expires_at: fields.get("expiresAt").and_then(Value::as_str).map(str::to_owned),
        client_failover: fields.get("clientFailover") == Some(&Value::Bool(true)),
    })
}

/// Exactly `8-4-4-4-12` hex digits, any case, any version or variant (nil and max included).
/// The published test ids `00000000-0000-0000-0000-00000000000X` are of this shape too.
pub fn is_uuid(id: &str) -> bool {
    let bytes = id.as_bytes();
    bytes.len() == 36
        && bytes.iter().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => *b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

/// Decodes base64 exactly as leniently as Node's `Buffer.from(s, 'base64')`: the standard and
/// URL-safe alphabets (mixed, too), padding optional, characters outside the alphabet skipped,
/// decoding stops at the first `=`, and a dangling sixth-bit character is dropped.
pub fn decode_base64_lenient(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut group: u32 = 0;
    let mut count = 0;
    for byte in text.bytes() {
        let value = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' => break,
            _ => continue,
        };
        group = (group << 6) | u32::from(value);
        count += 1;
        if count == 4 {
            out.extend_from_slice(&[(group >> 16) as u8, (group >> 8) as u8, group as u8]);
            group = 0;
            count = 0;
        }
    }
    match count {
        2 => out.push((group >> 4) as u8),
        3 => out.extend_from_slice(&[(group >> 10) as u8, (group >> 2) as u8]),
        _ => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;

    fn encode(json: &str) -> String {
        base64::engine::general_purpose::STANDARD.encode(json)
    }

    #[test]
    fn decodes_both_alphabets_with_or_without_padding() {
        let raw: Vec<u8> = (0..=255).collect();
        let standard = base64::engine::general_purpose::STANDARD.encode(&raw);
        let url_safe = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&raw);
        assert_eq!(decode_base64_lenient(&standard), raw);
        assert_eq!(decode_base64_lenient(&url_safe), raw);
    }

    #[test]
    fn is_as_lenient_as_node() {
        // Each pair was checked against `Buffer.from(s, 'base64')` on Node 20.
        let cases: &[(&str, &[u8])] = &[
            ("QQ==QUI=", b"A"),
            ("Q\"Q", b"A"),
            ("QUJD.RA", b"ABCD"),
            ("QU=JD", b"A"),
            ("Q", b""),
            ("QUI", b"AB"),
            ("=QUI", b""),
            ("QU JD", b"ABC"),
            ("QU\u{e9}JD", b"ABC"),
            ("QU-_", b"AO\xbf"),
            ("", b""),
        ];
        for (text, expected) in cases {
            assert_eq!(decode_base64_lenient(text), *expected, "{text:?}");
        }
    }

    #[test]
    fn a_quoted_or_padded_token_still_parses_like_the_sdk() {
        let token = encode(r#"{"verificationId":"00000000-0000-0000-0000-000000000000"}"#);
        for variant in [format!("\"{token}\""), format!("{token}."), format!("{token}==junk")] {
            assert!(parse_token(Some(&variant)).is_ok(), "{variant}");
        }
        let latin1 = base64::engine::general_purpose::STANDARD
            .encode(b"{\"verificationId\":\"00000000-0000-0000-0000-000000000000\",\"x\":\"\xff\"}");
        assert!(parse_token(Some(&latin1)).is_ok());
    }

    #[test]
    fn parses_a_widget_token() {
        let token =
            encode(r#"{"verificationId":"0C7F1E2A-1B2C-4D3E-8F40-123456789ABC","expiresAt":"2026-05-03T13:45:08Z"}"#);
        let parsed = parse_token(Some(&token)).unwrap();
        assert_eq!(parsed.verification_id, "0C7F1E2A-1B2C-4D3E-8F40-123456789ABC");
        assert_eq!(parsed.expires_at.as_deref(), Some("2026-05-03T13:45:08Z"));
        assert!(!parsed.client_failover);
    }

    #[test]
    fn client_failover_counts_only_as_boolean_true() {
        let id = "00000000-0000-0000-0000-000000000000";
        let with = |v: &str| {
            parse_token(Some(&encode(&format!(
                r#"{{"verificationId":"{id}","clientFailover":{v}}}"#
            ))))
            .unwrap()
        };
        assert!(with("true").client_failover);
        assert!(!with(r#""true""#).client_failover);
        assert!(!with("1").client_failover);
        assert!(!with("false").client_failover);
    }

    #[test]
    fn every_malformed_token_has_its_message() {
        let cases: &[(Option<&str>, TokenError)] = &[
            (None, TokenError::NotBase64Json),
            (Some(""), TokenError::NotBase64Json),
            (Some("%%%"), TokenError::NotBase64Json),
            (Some(&encode("not json")), TokenError::NotBase64Json),
            (Some(&encode("null")), TokenError::MissingFields),
            (Some(&encode("[1]")), TokenError::MissingFields),
            (Some(&encode("{}")), TokenError::MissingFields),
            (Some(&encode(r#"{"verificationId":""}"#)), TokenError::MissingFields),
            (Some(&encode(r#"{"verificationId":null}"#)), TokenError::MissingFields),
            (Some(&encode(r#"{"verificationId":5}"#)), TokenError::InvalidUuid),
            (Some(&encode(r#"{"verificationId":{"a":1}}"#)), TokenError::InvalidUuid),
            (
                Some(&encode(r#"{"verificationId":"not-a-uuid"}"#)),
                TokenError::InvalidUuid,
            ),
            (
                Some(&encode(
                    r#"{"verificationId":"00000000-0000-0000-0000-00000000000/../../x?y=1#"}"#,
                )),
                TokenError::InvalidUuid,
            ),
            (
                Some(&encode(r#"{"verificationId":"00000000-0000-0000-0000-0000000000000"}"#)),
                TokenError::InvalidUuid,
            ),
            (
                Some(&encode(r#"{"verificationId":"0000000g-0000-0000-0000-000000000000"}"#)),
                TokenError::InvalidUuid,
            ),
        ];
        for (token, expected) in cases {
            assert_eq!(parse_token(*token).unwrap_err(), *expected, "token {token:?}");
        }
        let huge = "A".repeat(MAX_TOKEN_LENGTH + 1);
        assert_eq!(parse_token(Some(&huge)).unwrap_err(), TokenError::NotBase64Json);
    }

    #[test]
    fn nil_max_and_test_ids_are_uuids() {
        assert!(is_uuid("00000000-0000-0000-0000-000000000000"));
        assert!(is_uuid("ffffffff-ffff-ffff-ffff-ffffffffffff"));
        assert!(is_uuid("00000000-0000-0000-0000-00000000000F"));
        assert!(!is_uuid("00000000-0000-0000-0000-00000000000"));
        assert!(!is_uuid("00000000_0000-0000-0000-000000000000"));
    }
}

#[cfg(test)]
mod fuzz {
    use super::*;
    use crate::fuzzing::{bytes, json_soup};
    use base64::Engine;
    use proptest::prelude::*;

    proptest! {
        /// Whatever the token, decoding never panics, and a token that decodes names a UUID:
        /// nothing else can reach the request's path.
        #[test]
        fn any_text_decodes_or_is_refused_and_only_a_uuid_gets_through(token in ".{0,600}") {
            if let Ok(decoded) = parse_token(Some(&token)) {
                prop_assert!(is_uuid(&decoded.verification_id));
            }
        }

        #[test]
        fn any_json_in_base64_decodes_or_is_refused(json in json_soup(), url_safe in any::<bool>()) {
            let token = if url_safe {
                base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json.as_bytes())
            } else {
                base64::engine::general_purpose::STANDARD.encode(json.as_bytes())
            };
            if let Ok(decoded) = parse_token(Some(&token)) {
                prop_assert!(is_uuid(&decoded.verification_id));
                prop_assert!(!decoded.verification_id.contains(['/', '?', '#', '%', '.']));
            }
        }

        #[test]
        fn lenient_base64_takes_any_bytes(raw in bytes()) {
            let _ = decode_base64_lenient(&String::from_utf8_lossy(&raw));
        }
    }
}
