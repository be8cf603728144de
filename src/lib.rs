//! captcha-native: drop-in native replacements for the server-side CAPTCHA SDKs of Node.js.
#![deny(clippy::all)]

pub mod emulator;
pub mod errors;
pub mod js;
pub mod playtcha;
pub mod recaptcha;
pub mod swetrix;
pub mod transport;
pub mod trustcaptcha;
