//! How an outcome crosses to JavaScript: one object for every provider, which `lib/outcome.js`
//! turns into the SDK's shape. The kind decides every policy on the JavaScript side; the value
//! and the error are the SDK's.

use captcha_core::errors::{CaptchaError, ErrorKind as CoreErrorKind};
use captcha_core::outcome::{Kind, Outcome};
use napi_derive::napi;

/// What a verification came to.
#[napi(string_enum = "lowercase")]
pub enum OutcomeKind {
    Verified,
    Refused,
    Unavailable,
    Misconfigured,
}

impl From<Kind> for OutcomeKind {
    fn from(kind: Kind) -> Self {
        match kind {
            Kind::Verified => OutcomeKind::Verified,
            Kind::Refused => OutcomeKind::Refused,
            Kind::Unavailable => OutcomeKind::Unavailable,
            Kind::Misconfigured => OutcomeKind::Misconfigured,
        }
    }
}

macro_rules! binding_error_kind {
    ($($kind:ident),*) => {
        /// The kind of an error native code reports: `lib/errors.js` has one class for each, and
        /// checks that it does when it loads (`errorKinds()`).
        #[napi(string_enum)]
        pub enum ErrorKind {
            $($kind),*
        }

        impl From<CoreErrorKind> for ErrorKind {
            fn from(kind: CoreErrorKind) -> Self {
                match kind {
                    $(CoreErrorKind::$kind => ErrorKind::$kind),*
                }
            }
        }
    };
}

captcha_core::for_each_error_kind!(binding_error_kind);

/// Every kind of error native code reports, for `lib/errors.js`'s check at load.
#[napi]
pub fn error_kinds() -> Vec<ErrorKind> {
    CoreErrorKind::ALL.iter().copied().map(ErrorKind::from).collect()
}

/// An error as data; `lib/errors.js` makes it its class. It holds no secret (see `CaptchaError`).
#[napi(object)]
pub struct NativeError {
    pub kind: ErrorKind,
    /// Absent: the class's default message.
    pub message: Option<String>,
    pub status: Option<u32>,
    /// What happened underneath: the error's `cause`.
    pub detail: Option<String>,
    /// The JSON of further properties (`statusCode`, `errorCodes`, `requestId`...), in order.
    pub fields: Option<String>,
}

impl From<CaptchaError> for NativeError {
    fn from(error: CaptchaError) -> Self {
        let fields = (!error.fields.is_empty()).then(|| {
            let map: serde_json::Map<String, serde_json::Value> = error
                .fields
                .into_iter()
                .map(|(name, value)| (name.to_owned(), value))
                .collect();
            serde_json::Value::Object(map).to_string()
        });
        Self {
            kind: error.kind.into(),
            message: error.message,
            status: error.status.map(u32::from),
            detail: error.detail,
            fields,
        }
    }
}

/// A verification's outcome as JavaScript receives it.
#[napi(object)]
pub struct NativeOutcome {
    pub kind: OutcomeKind,
    /// Why, for every kind but `verified`.
    pub code: Option<String>,
    /// The JSON text of what the SDK's facade resolves, when it resolves.
    pub value: Option<String>,
    /// What the SDK's facade rejects with, when it rejects.
    pub error: Option<NativeError>,
}

impl NativeOutcome {
    /// The outcome, with `value` turning what resolves into its JSON text.
    pub fn new<T>(outcome: Outcome<T>, value: impl FnOnce(T) -> Option<String>) -> Self {
        let (value, error) = match outcome.value {
            Ok(resolved) => (value(resolved), None),
            Err(error) => (None, Some(error.into())),
        };
        Self {
            kind: outcome.kind.into(),
            code: outcome.code.map(String::from),
            value,
            error,
        }
    }
}
