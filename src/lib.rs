//! captcha-native: drop-in native replacements for the server-side CAPTCHA SDKs of Node.js.
#![deny(clippy::all)]

/// mimalloc for the addon's own allocations (Node's and V8's keep theirs): the HTTP stack
/// allocates and frees small buffers per request, and glibc's malloc was a tenth of its time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

pub mod emulator;
pub mod errors;
pub mod js;
pub mod playtcha;
pub mod recaptcha;
pub mod swetrix;
pub mod transport;
pub mod trustcaptcha;

/// How many threads the addon's runtime runs on, from `CAPTCHA_NATIVE_WORKER_THREADS` (1 to 64)
/// or 1. HTTP client work is light: one thread beside Node's main thread serves tens of thousands
/// of verifications a second, and more threads only add wake-ups between them.
fn runtime_threads() -> usize {
    std::env::var("CAPTCHA_NATIVE_WORKER_THREADS")
        .ok()
        .and_then(|value| value.trim().parse::<usize>().ok())
        .filter(|threads| (1..=64).contains(threads))
        .unwrap_or(1)
}

#[cfg(not(test))]
#[napi_derive::module_init]
fn init() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(runtime_threads())
        .thread_name("captcha-native")
        .enable_all()
        .build()
        .expect("cannot start the captcha-native runtime");
    napi::bindgen_prelude::create_custom_tokio_runtime(runtime);
}
