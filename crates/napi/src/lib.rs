//! captcha-native, the Node addon: it binds the clients (`captcha_core`) and the emulator
//! (`captcha_emulator`) to JavaScript. One module per provider, conversions only; the JS facades
//! in `lib/` give each its original SDK's shape.
#![deny(clippy::all)]

/// mimalloc for the addon's own allocations on Linux with glibc (Node's and V8's keep theirs):
/// the HTTP stack allocates and frees small buffers per request, and glibc's malloc was a tenth
/// of its time. See Cargo.toml for why not elsewhere.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

pub mod completion;
#[cfg(feature = "emulator")]
pub mod emulator;
pub mod errors;
pub mod friendlycaptcha;
pub mod outcome;
pub mod playtcha;
pub mod providers;
pub mod proxy;
pub mod recaptcha;
pub mod recaptcha_enterprise;
pub mod siteverify;
pub mod swetrix;
#[cfg(feature = "testing")]
pub mod testing;
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

/// Hands napi our runtime when the addon loads. napi takes it once: if every Node environment
/// using the addon shuts down and a new one starts in the same process (an Electron reload, not
/// Node's worker threads while the main thread lives), napi starts its default runtime instead,
/// one thread per core. If the threads cannot be made now, napi's default is left to try later
/// rather than aborting `require`.
#[napi_derive::module_init]
fn init() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(runtime_threads())
        .thread_name("captcha-native")
        .enable_all()
        .build();
    if let Ok(runtime) = runtime {
        napi::bindgen_prelude::create_custom_tokio_runtime(runtime);
    }
}
