//! How an error reported by the core crosses to JavaScript: as data. napi cannot give a rejection
//! a class of ours, so the error is the JSON of `CaptchaError` behind a marker, which
//! `lib/errors.js` turns into the class for its kind; no user code ever sees the text.

use captcha_core::errors::{scrub, CaptchaError};
use napi_derive::napi;

/// Prefix of the `message` of every error that native code hands to `lib/errors.js`.
pub const JS_ERROR_MARKER: &str = "captcha-native:";

/// The napi error that carries `error` to `lib/errors.js`.
pub fn js_error(error: CaptchaError) -> napi::Error {
    // Serialising a struct of strings and numbers cannot fail.
    let data = serde_json::to_string(&error).unwrap_or_default();
    napi::Error::new(napi::Status::GenericFailure, format!("{JS_ERROR_MARKER}{data}"))
}

/// `text` with every copy of each of `secrets` replaced by `[redacted]`, as written and as JSON
/// escapes it: the one scrub, which the middleware's logs use too. Blank secrets match nothing.
#[napi(js_name = "scrubSecrets")]
pub fn scrub_secrets(text: String, secrets: Vec<String>) -> String {
    secrets
        .iter()
        .fold(text, |text, secret| scrub(&text, secret).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use captcha_core::errors::ErrorKind;

    #[test]
    fn every_secret_is_scrubbed_and_blank_ones_match_nothing() {
        let text = r#"{"secret":"a\"b","token":"t0k3n"} t0k3n"#.to_owned();
        let secrets = vec!["a\"b".to_owned(), "t0k3n".to_owned(), " ".to_owned()];
        assert_eq!(
            scrub_secrets(text, secrets),
            r#"{"secret":"[redacted]","token":"[redacted]"} [redacted]"#
        );
    }

    #[test]
    fn crosses_as_marked_json_without_empty_fields() {
        let error = CaptchaError::new(ErrorKind::ServerUnreachable).with_detail("connection refused");
        assert_eq!(
            js_error(error).reason,
            r#"captcha-native:{"kind":"ServerUnreachable","detail":"connection refused"}"#
        );
    }
}
