//! The clients of captcha-native, as plain Rust: no napi here, so every protocol is tested with
//! `cargo test` alone. The transport (pool, timeouts, proxy, TLS, body cap, no redirects), the
//! errors and outcomes every provider reports, and one module per provider.
#![deny(clippy::all)]

pub mod errors;
pub mod friendlycaptcha;
#[cfg(any(test, feature = "fuzzing"))]
pub mod fuzzing;
pub mod outcome;
pub mod playtcha;
pub mod providers;
pub mod recaptcha;
pub mod recaptcha_enterprise;
pub mod siteverify;
pub mod swetrix;
#[cfg(test)]
mod test_server;
pub mod transport;
pub mod trustcaptcha;
