//! The local emulator of the providers' verification APIs, with fault injection. It runs on the
//! addon's own runtime, so tests, the demo and the benchmark need no account and no network.
//!
//! The public surface, by what a user does with it:
//! - start one: [`RunningEmulator::start`] with [`EmulatorOptions`]; it serves until
//!   [`RunningEmulator::close`] (or until dropped);
//! - drive its state: [`RunningEmulator::state`] gives the [`Emulator`], which issues tokens,
//!   takes [`FaultRule`]s, moves its clock and keeps [`RecordedRequest`]s and [`EmulatorStats`];
//! - know what it accepts: [`EmulatorCredentials`] (its defaults and the published test
//!   identities are in [`identities`]).
//!
//! Inside, one module per job: `server` (listen, accept, TLS, keep-alive, blackhole, close),
//! `http` (the HTTP/1.1 codec), `h2` (HTTP/2 by ALPN over TLS, on hyper), `routes` (which code answers a request), `faults` (fault rules
//! and doing them), `recording` (recorded requests, redacted), `state` (what connections share),
//! `clock`, `options`, and one module per provider (`trustcaptcha`, `swetrix`, `recaptcha`,
//! `playtcha`, `turnstile`, `hcaptcha`, `recaptcha_enterprise`, `friendlycaptcha`) over the token store they share (`store`); the three
//! siteverify providers share their request and verdict handling too (`siteverify`); `widgets`
//! serves the stand-in widget scripts and issues their tokens by outcome.

mod clock;
mod faults;
mod friendlycaptcha;
mod h2;
mod hcaptcha;
mod http;
pub mod identities;
mod options;
mod playtcha;
mod recaptcha;
mod recaptcha_enterprise;
mod recording;
mod routes;
pub mod schema;
mod server;
mod siteverify;
mod state;
mod store;
mod swetrix;
mod tls;
mod trustcaptcha;
mod turnstile;
mod widgets;

pub use clock::MAX_TIME_STEP_MS;
pub use faults::{FaultAction, FaultRule};
pub use options::{EmulatorCredentials, EmulatorOptions};
pub use recording::RecordedRequest;
pub use routes::CONTROL_PREFIX;
pub use server::RunningEmulator;
pub use state::{Emulator, EmulatorStats};
pub use widgets::SCRIPT_PREFIX;
