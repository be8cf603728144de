//! The error kinds every provider reports, and how they cross to JavaScript.
//!
//! Native code reports an error as data (a kind, a message, a status, a detail); `lib/errors.js`
//! turns the kind into a real JavaScript class, so `instanceof`, `name` and the stack work and
//! the classes live where JavaScript users can read and extend them.

use serde::Serialize;
use serde::Serializer;
use serde_json::{Map, Value};

/// Calls `$then!` with every error kind's name: the one list, from which this crate's `ErrorKind`
/// and the addon's string enum (with its conversion) are both made.
#[macro_export]
macro_rules! for_each_error_kind {
    ($then:ident) => {
        $then! {
            ApiKeyInvalid,
            VerificationTokenInvalid,
            VerificationNotFound,
            VerificationNotFinished,
            VerificationResultExpired,
            VerificationResultRetrievalLimitReached,
            ClientReportedServerUnreachable,
            ServerUnreachable,
            UnexpectedStatus,
            InvalidArgument,
            OperationFailed,
            RecaptchaRejected,
            RecaptchaUnavailable,
            PlaytchaRejected,
            PlaytchaUnavailable,
            TurnstileMisconfigured,
            TurnstileUnavailable,
            HcaptchaMisconfigured,
            HcaptchaUnavailable,
            RecaptchaEnterpriseMisconfigured,
            RecaptchaEnterpriseUnavailable
        }
    };
}

macro_rules! error_kind {
    ($($kind:ident),*) => {
        /// What went wrong, in the words of the public error classes (`lib/errors.js` has one for
        /// each): a provider's verdict (`VerificationNotFound`...), no verdict (`ServerUnreachable`,
        /// `RecaptchaUnavailable`, `PlaytchaUnavailable`), a status the protocol gives no meaning
        /// to (`UnexpectedStatus`), a caller's unusable value (`InvalidArgument`), or an operation
        /// that failed for another reason (`OperationFailed`: a port in use, say).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
        pub enum ErrorKind {
            $($kind),*
        }

        impl ErrorKind {
            /// Every kind, for the boundary's check that JavaScript has a class for each.
            pub const ALL: &'static [ErrorKind] = &[$(ErrorKind::$kind),*];
        }
    };
}

for_each_error_kind!(error_kind);

impl ErrorKind {
    /// The kind as an outcome's code, its name in snake case: `api_key_invalid`,
    /// `verification_not_found`...
    pub fn code(self) -> String {
        let name = format!("{self:?}");
        let mut code = String::with_capacity(name.len() + 8);
        for (at, letter) in name.char_indices() {
            if letter.is_ascii_uppercase() && at > 0 {
                code.push('_');
            }
            code.push(letter.to_ascii_lowercase());
        }
        code
    }
}

/// `text` (something a server sent, about to be quoted in an error or a message) with every copy
/// of `secret` replaced by `[redacted]`, as written, as JSON escapes it and as a form encodes it:
/// a server or proxy that echoes the request must not put the secret in a log line. A blank
/// secret matches nothing.
pub fn scrub<'a>(text: &'a str, secret: &str) -> std::borrow::Cow<'a, str> {
    SecretForms::new(secret).scrub(text)
}

/// Whether `text` holds `secret` in any form `scrub` hides.
pub fn holds_secret(text: &str, secret: &str) -> bool {
    SecretForms::new(secret).held_by(text)
}

/// The secret as written, as JSON escapes it and as `application/x-www-form-urlencoded` encodes
/// it (how reCAPTCHA's request carries it), longest first so a longer form is hidden whole; none
/// for a blank secret. Made once for a verdict that is searched field by field.
pub struct SecretForms(Vec<String>, bool);

/// The shortest secret searched for inside upstream text. The providers' secrets and keys are 32
/// to 42 characters; a shorter one (a test's `'s'`) would match ordinary words and names.
const MIN_SEARCHED_SECRET: usize = 8;

impl SecretForms {
    pub fn new(secret: &str) -> Self {
        if secret.trim().is_empty() {
            return Self(Vec::new(), false);
        }
        let quoted = serde_json::to_string(secret).unwrap_or_default();
        let escaped = quoted
            .get(1..quoted.len().saturating_sub(1))
            .unwrap_or(secret)
            .to_owned();
        let form: String = form_urlencoded::byte_serialize(secret.as_bytes()).collect();
        let mut forms = vec![secret.to_owned(), escaped, form];
        forms.sort_by_key(|form| std::cmp::Reverse(form.len()));
        forms.dedup();
        Self(forms, secret.chars().count() >= MIN_SEARCHED_SECRET)
    }

    /// Whether the secret is long enough to be searched for inside text (`held_by`, `scrub`)
    /// without matching ordinary words; a shorter one can only be matched whole (`is`).
    pub fn searchable(&self) -> bool {
        self.1
    }

    /// Whether `text` holds the secret in any of its forms.
    pub fn held_by(&self, text: &str) -> bool {
        self.0.iter().any(|form| text.contains(form.as_str()))
    }

    /// Whether `text` is the secret, in one of its forms.
    pub fn is(&self, text: &str) -> bool {
        self.0.iter().any(|form| text == form)
    }

    /// `text` with every form replaced by `[redacted]`.
    pub fn scrub<'a>(&self, text: &'a str) -> std::borrow::Cow<'a, str> {
        if !self.held_by(text) {
            return text.into();
        }
        self.0
            .iter()
            .fold(text.to_owned(), |text, form| text.replace(form.as_str(), "[redacted]"))
            .into()
    }

    /// A server's JSON with every string holding the secret scrubbed and every name holding it
    /// dropped, at any depth: a server or proxy that echoes the request must not put the secret
    /// in a verdict or a log.
    pub fn scrub_json(&self, value: &mut Value) {
        match value {
            Value::String(text) if self.held_by(text) => *text = self.scrub(text).into_owned(),
            Value::Array(items) => items.iter_mut().for_each(|item| self.scrub_json(item)),
            Value::Object(fields) => self.scrub_fields(fields),
            _ => {}
        }
    }

    /// `scrub_json` of an object's fields.
    pub fn scrub_fields(&self, fields: &mut Map<String, Value>) {
        fields.retain(|name, _| !self.held_by(name));
        fields.values_mut().for_each(|item| self.scrub_json(item));
    }
}

/// The longest message quoting an argument, in bytes, before it is cut.
pub const MAX_ARGUMENT_MESSAGE: usize = 512;

/// `message` cut to `MAX_ARGUMENT_MESSAGE` bytes on a character boundary, marked with `…`.
pub(crate) fn cut(mut message: String) -> String {
    if message.len() > MAX_ARGUMENT_MESSAGE {
        let mut end = MAX_ARGUMENT_MESSAGE;
        while !message.is_char_boundary(end) {
            end -= 1;
        }
        message.truncate(end);
        message.push('…');
    }
    message
}

/// An error as it crosses to JavaScript. It never holds a secret: messages and details are
/// built from our own texts, statuses and transport error kinds only.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaptchaError {
    pub kind: ErrorKind,
    /// `None` keeps the JavaScript class's default message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The HTTP status the provider answered, where one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// What happened underneath (for logs), exposed to JavaScript as the error's `cause`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Further properties of the JavaScript error (`statusCode`, `errorCodes`, `requestId`...).
    /// Names are ours; values never hold a secret.
    /// Kept in the order set, so the JavaScript error lists them in that order.
    #[serde(skip_serializing_if = "Vec::is_empty", serialize_with = "as_object")]
    pub fields: Vec<(&'static str, Value)>,
}

impl CaptchaError {
    pub fn new(kind: ErrorKind) -> Self {
        Self {
            kind,
            message: None,
            status: None,
            detail: None,
            fields: Vec::new(),
        }
    }

    /// Sets a property of the JavaScript error; `None` leaves it out.
    pub fn with_field(mut self, name: &'static str, value: impl Into<Value>) -> Self {
        let value = value.into();
        self.fields.retain(|(known, _)| *known != name);
        if !value.is_null() {
            self.fields.push((name, value));
        }
        self
    }

    /// The value of a field set with `with_field`.
    pub fn field(&self, name: &str) -> Option<&Value> {
        self.fields
            .iter()
            .find(|(known, _)| *known == name)
            .map(|(_, value)| value)
    }

    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.message = Some(message.into());
        self
    }

    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// A `TypeError`. The message is cut to `MAX_ARGUMENT_MESSAGE` bytes: it may quote what the
    /// caller passed (serde's texts do), and a 10 MiB argument must not come back as a 10 MiB
    /// message.
    pub fn invalid_argument(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidArgument).with_message(cut(message.into()))
    }

    /// An `Error` for a call that could not be done (the emulator cannot listen, say); cut like
    /// `invalid_argument`, as it may name what was asked for.
    pub fn operation_failed(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::OperationFailed).with_message(cut(message.into()))
    }
}

fn as_object<S: Serializer>(fields: &[(&'static str, Value)], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_map(fields.iter().map(|(name, value)| (*name, value)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_the_kinds_in_snake_case() {
        assert_eq!(ErrorKind::ApiKeyInvalid.code(), "api_key_invalid");
        assert_eq!(
            ErrorKind::VerificationResultRetrievalLimitReached.code(),
            "verification_result_retrieval_limit_reached"
        );
    }

    #[test]
    fn scrub_hides_a_form_encoded_secret_too() {
        assert_eq!(
            scrub("secret=a%2Bb%2Fc%3D&response=t", "a+b/c="),
            "secret=[redacted]&response=t"
        );
        assert!(holds_secret("echo: a%2Bb%2Fc%3D", "a+b/c="));
        assert!(!holds_secret("echo: nothing", "a+b/c="));
        assert!(!holds_secret("anything", "  "));
    }

    #[test]
    fn scrub_hides_the_secret_as_written_and_as_json_escapes_it() {
        assert_eq!(
            scrub("key s3cr3t, again s3cr3t", "s3cr3t"),
            "key [redacted], again [redacted]"
        );
        assert_eq!(scrub(r#"{"secret":"a"b"}"#, "a\"b"), r#"{"secret":"[redacted]"}"#);
        assert_eq!(scrub("nothing here", "s3cr3t"), "nothing here");
        assert_eq!(
            scrub("a blank secret matches nothing", " "),
            "a blank secret matches nothing"
        );
    }

    #[test]
    fn argument_messages_are_cut_on_a_character_boundary() {
        let short = CaptchaError::invalid_argument("port must be a number");
        assert_eq!(short.message.as_deref(), Some("port must be a number"));
        let quoted = format!("unknown provider '{}'", "é".repeat(10 * 1024 * 1024));
        let cut = CaptchaError::invalid_argument(quoted).message.unwrap();
        assert!(cut.len() <= MAX_ARGUMENT_MESSAGE + '…'.len_utf8(), "{}", cut.len());
        assert!(cut.starts_with("unknown provider 'éé") && cut.ends_with("é…"));
    }
}
