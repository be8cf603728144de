//! Inputs for the property tests over hostile input (the `fuzz` test modules). Every parser of
//! what a network peer or a caller sends gets arbitrary bytes, arbitrary text and "JSON soup":
//! fragments of JSON, of the providers' field names and of awkward values, stuck together in any
//! order, which reaches deeper into a JSON parser than random bytes do.

use proptest::prelude::*;

/// Arbitrary bytes, up to 4 KiB.
pub fn bytes() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 0..4096)
}

/// Fragments that JSON, and the answers we read, are made of.
fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(vec![
            "{", "}", "[", "]", ",", ":", " ", "\"", "null", "true", "false", "0", "-0", "1e400",
            "-1e400", "1.5", "18446744073709551616", "\"\\u0000\"", "\"\\ud800\"", "\"\\\"\"",
            "\"success\"", "\"data\"", "\"message\"", "\"error-codes\"", "\"hostname\"", "\"action\"",
            "\"score\"", "\"verificationPassed\"", "\"verificationId\"", "\"captchaId\"", "\"error\"",
            "\"code\"", "\"hint\"", "\"request_id\"", "\"challenge_ts\"", "\"degraded\"", "\"__proto__\"",
            "\"clientFailover\"", "\"expiresAt\"", "\"00000000-0000-0000-0000-000000000000\"",
        ]).prop_map(str::to_owned),
        1 => "\"[^\"\\\\]{0,12}\"",
        1 => "[0-9eE.+-]{1,8}",
        1 => ".{0,8}",
    ]
}

/// JSON-like text: valid JSON sometimes, almost-JSON mostly.
pub fn json_soup() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::collection::vec(fragment(), 0..48).prop_map(|parts| parts.concat()),
        // An object of known keys with arbitrary values: valid JSON more often.
        prop::collection::vec((fragment(), fragment()), 0..12).prop_map(|pairs| {
            let fields: Vec<String> = pairs.into_iter().map(|(k, v)| format!("{k}:{v}")).collect();
            format!("{{{}}}", fields.join(","))
        }),
    ]
}
