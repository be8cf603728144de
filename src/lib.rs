//! captcha-native: drop-in native replacements for the server-side CAPTCHA SDKs of Node.js.
#![deny(clippy::all)]

pub mod emulator;
pub mod errors;
pub mod js;
pub mod transport;
pub mod trustcaptcha;
