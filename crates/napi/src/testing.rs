//! Hooks that only the test suite calls, built with the `testing` feature (`npm test` builds
//! with it; a release never does).

use napi::bindgen_prelude::PromiseRaw;
use napi::Env;
use napi_derive::napi;

use crate::outcome::NativeOutcome;

/// Rejects from inside native async code by panicking. It exists so the tests can prove that
/// a panic anywhere in native code becomes a rejected Promise and never takes Node down.
/// It goes through `completion::settle`, as every verification does.
#[napi(js_name = "__panicInNativeCode", ts_return_type = "Promise<NativeOutcome | string>")]
pub fn panic_in_native_code(env: &Env) -> napi::Result<PromiseRaw<'_, NativeOutcome>> {
    crate::completion::settle(env, async {
        tokio::task::yield_now().await;
        panic!("deliberate panic for the test suite");
    })
}
