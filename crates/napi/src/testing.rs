//! Hooks that only the test suite calls, built with the `testing` feature (`npm test` builds
//! with it; a release never does).

use napi_derive::napi;

/// Rejects from inside native async code by panicking. It exists so the tests can prove that
/// a panic anywhere in native code becomes a rejected Promise and never takes Node down.
#[napi(js_name = "__panicInNativeCode")]
pub async fn panic_in_native_code() -> napi::Result<()> {
    tokio::task::yield_now().await;
    panic!("deliberate panic for the test suite");
}
