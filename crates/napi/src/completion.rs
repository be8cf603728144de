//! How a verification's Promise settles: many per wake-up of the JavaScript thread.
//!
//! napi's own `spawn_future` gives every call a threadsafe function of its own (a libuv async
//! handle made, registered, signalled and closed per call, with a cleanup hook each) and wakes
//! the JavaScript thread once per completion. Here each Node environment has one threadsafe
//! function for all its verifications: a finished call pushes its outcome onto a queue, and only
//! the push that finds the queue unscheduled signals the JavaScript thread, which then settles
//! every outcome queued by the time it runs. Under load one wake-up settles dozens of Promises.
//!
//! Lifetimes: the environment's cleanup hook (Node runs it when the environment ends, a worker's
//! `terminate()` included) marks the queue closed and releases the threadsafe function under the
//! queue's lock, so a call finishing later on a runtime thread finds it closed and drops its
//! outcome; it never touches the released function. While any call is pending the threadsafe
//! function is ref'd, so the process stays alive until each Promise settles, as with napi's own.

use std::cell::RefCell;
use std::ffi::c_void;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::ptr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::task::{Context, Poll};

use napi::bindgen_prelude::{PromiseRaw, ToNapiValue};
use napi::{sys, Env};

use crate::outcome::{NativeOutcome, OutcomeKind};

/// A threadsafe function pointer: only used under `Queue`'s lock, on any thread, as Node allows.
struct Signal(sys::napi_threadsafe_function);

// SAFETY: Node-API allows `napi_call_threadsafe_function` from any thread; the pointer is only
// used while the queue's lock is held and is cleared (under the lock) before it is released.
unsafe impl Send for Signal {}

/// What the runtime threads share with one environment's JavaScript thread.
struct Queue {
    state: Mutex<Shared>,
}

struct Shared {
    /// Finished calls, in the order they finished: (slot, outcome).
    done: Vec<(u32, Settled)>,
    /// Whether the JavaScript thread has been signalled and has not drained the queue yet.
    scheduled: bool,
    /// Whether a finished call is about to signal it (see `finish`).
    deferred: bool,
    /// `None` once the environment has ended.
    signal: Option<Signal>,
}

/// What a call came to: its outcome, or the panic that ended it.
enum Settled {
    Outcome(NativeOutcome),
    Panicked(String),
}

impl Queue {
    fn lock(&self) -> MutexGuard<'_, Shared> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Called on a runtime thread when a call finishes. Whether the caller must `signal` once it
    /// has let the runtime run what else is ready: the first call of a batch waits that long,
    /// so that the calls finishing in the same turn of the runtime share one wake-up of the
    /// JavaScript thread (a lone call waits for nothing: there is nothing else to run).
    fn finish(&self, slot: u32, settled: Settled) -> bool {
        let mut shared = self.lock();
        if shared.signal.is_none() {
            // The environment has ended: nobody is waiting for this Promise any more.
            return false;
        }
        shared.done.push((slot, settled));
        if shared.scheduled || shared.deferred {
            return false;
        }
        shared.deferred = true;
        true
    }

    /// Signals the JavaScript thread, unless it already is or nothing waits.
    fn signal(&self) {
        let mut shared = self.lock();
        shared.deferred = false;
        let Some(signal) = &shared.signal else {
            return;
        };
        let signal = signal.0;
        if !shared.scheduled && !shared.done.is_empty() {
            // SAFETY: `signal` is live: the cleanup hook clears it under this lock before it
            // releases the function.
            let status = unsafe {
                sys::napi_call_threadsafe_function(
                    signal,
                    ptr::null_mut(),
                    sys::ThreadsafeFunctionCallMode::nonblocking,
                )
            };
            shared.scheduled = status == sys::Status::napi_ok;
        }
    }
}

/// One environment's side of the queue, on its JavaScript thread.
struct Local {
    env: sys::napi_env,
    queue: Arc<Queue>,
    signal: sys::napi_threadsafe_function,
    /// The deferred of each pending call, by slot; `None` in a free slot.
    pending: Vec<Option<sys::napi_deferred>>,
    free: Vec<u32>,
    waiting: usize,
    /// The drained list, kept so that its capacity is reused.
    spare: Vec<(u32, Settled)>,
}

thread_local! {
    /// The environments of this thread (one, but for embedders that run several on a thread).
    static LOCALS: RefCell<Vec<Local>> = const { RefCell::new(Vec::new()) };
}

/// Runs `future` on the addon's runtime and returns a Promise that settles with its outcome (as
/// `crossing` makes it), or rejects with the panic's message if native code panics.
pub fn settle<'env, F>(env: &'env Env, future: F) -> napi::Result<PromiseRaw<'env, NativeOutcome>>
where
    F: Future<Output = NativeOutcome> + Send + 'static,
{
    let raw_env = env.raw();
    let mut deferred = ptr::null_mut();
    let mut promise = ptr::null_mut();
    // SAFETY: called on the environment's JavaScript thread, with valid out pointers.
    napi::check_status!(
        unsafe { sys::napi_create_promise(raw_env, &mut deferred, &mut promise) },
        "cannot create a Promise"
    )?;
    let (queue, slot) = with_local(raw_env, |local| {
        let slot = match local.free.pop() {
            Some(slot) => {
                local.pending[slot as usize] = Some(deferred);
                slot
            }
            None => {
                local.pending.push(Some(deferred));
                (local.pending.len() - 1) as u32
            }
        };
        local.waiting += 1;
        if local.waiting == 1 {
            // SAFETY: on the JavaScript thread, with the environment's live function.
            unsafe { sys::napi_ref_threadsafe_function(raw_env, local.signal) };
        }
        (local.queue.clone(), slot)
    })?;
    let task: Task = Box::pin(async move {
        let settled = match CatchUnwind(future).await {
            Ok(outcome) => Settled::Outcome(outcome),
            Err(message) => Settled::Panicked(message),
        };
        if queue.finish(slot, settled) {
            // To the back of the runtime's queue: what is ready runs first, then this signals.
            tokio::task::yield_now().await;
            queue.signal();
        }
    });
    INTAKE.submit(task);
    Ok(PromiseRaw::new(raw_env, promise))
}

/// A call's work, boxed once (moving a box is moving a pointer).
type Task = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Calls made on JavaScript threads, on their way to the runtime. Spawning each from the
/// JavaScript thread would wake the runtime's thread for each (a futex or eventfd write, and the
/// kernel's wake-up, on the JavaScript thread): instead a call is queued, and only the call that
/// finds no intake pending spawns one; the intake, on the runtime, spawns every call queued by
/// the time it runs. Under load the runtime is busy when calls arrive, so one wake-up carries
/// many; a lone call costs what a spawn did.
struct Intake {
    channel: OnceLock<(Sender<Task>, Mutex<Receiver<Task>>)>,
    pending: AtomicBool,
}

static INTAKE: Intake = Intake {
    channel: OnceLock::new(),
    pending: AtomicBool::new(false),
};

impl Intake {
    fn channel(&self) -> &(Sender<Task>, Mutex<Receiver<Task>>) {
        self.channel.get_or_init(|| {
            let (sender, receiver) = channel();
            (sender, Mutex::new(receiver))
        })
    }

    fn submit(&'static self, task: Task) {
        // The receiver lives as long as the process (a static): sending cannot fail.
        let _ = self.channel().0.send(task);
        if !self.pending.swap(true, Ordering::AcqRel) {
            napi::bindgen_prelude::spawn(self.take_in());
        }
    }

    async fn take_in(&'static self) {
        // Cleared before draining: a call queued from here on spawns an intake of its own (which
        // may find nothing), so none is left behind.
        self.pending.store(false, Ordering::Release);
        let receiver = self.channel().1.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        while let Ok(task) = receiver.try_recv() {
            tokio::spawn(task);
        }
    }
}

/// Runs `f` with this environment's `Local`, made on its first call.
fn with_local<T>(env: sys::napi_env, f: impl FnOnce(&mut Local) -> T) -> napi::Result<T> {
    LOCALS.with(|locals| {
        let mut locals = locals.borrow_mut();
        if let Some(local) = locals.iter_mut().find(|local| local.env == env) {
            return Ok(f(local));
        }
        let local = Local::new(env)?;
        locals.push(local);
        let local = locals.last_mut().expect("just pushed");
        Ok(f(local))
    })
}

impl Local {
    fn new(env: sys::napi_env) -> napi::Result<Local> {
        let queue = Arc::new(Queue {
            state: Mutex::new(Shared {
                done: Vec::new(),
                scheduled: false,
                deferred: false,
                signal: None,
            }),
        });
        let mut name = ptr::null_mut();
        let label = "captcha-native verifications";
        // SAFETY: on the JavaScript thread; the string is valid UTF-8 of the given length.
        napi::check_status!(
            unsafe { sys::napi_create_string_utf8(env, label.as_ptr().cast(), label.len() as isize, &mut name) },
            "cannot name the completion queue"
        )?;
        // The function's context: one strong count of the queue, given back by `finalized`.
        let context = Arc::into_raw(queue.clone()) as *mut c_void;
        let mut signal = ptr::null_mut();
        // SAFETY: on the JavaScript thread; `drain` and `finalized` match Node-API's signatures.
        let status = unsafe {
            sys::napi_create_threadsafe_function(
                env,
                ptr::null_mut(),
                ptr::null_mut(),
                name,
                0,
                1,
                ptr::null_mut(),
                Some(finalized),
                context,
                Some(drain),
                &mut signal,
            )
        };
        if status != sys::Status::napi_ok {
            // SAFETY: the function was not made, so the count given to it comes back here.
            drop(unsafe { Arc::from_raw(context as *const Queue) });
            napi::check_status!(status, "cannot create the completion queue")?;
        }
        // Not keeping the process alive while nothing is pending.
        // SAFETY: on the JavaScript thread, with the function just made.
        unsafe { sys::napi_unref_threadsafe_function(env, signal) };
        queue.lock().signal = Some(Signal(signal));
        // The hook runs before Node finalizes the function (hooks run in reverse order of
        // registration, and Node registered the function's own when it made it).
        // SAFETY: `env` is the environment the hook is for; the argument is the env pointer.
        let hooked = unsafe { sys::napi_add_env_cleanup_hook(env, Some(environment_ended), env.cast()) };
        if hooked != sys::Status::napi_ok {
            close(&queue, signal);
            napi::check_status!(hooked, "cannot watch the environment's end")?;
        }
        Ok(Local {
            env,
            queue,
            signal,
            pending: Vec::new(),
            free: Vec::new(),
            waiting: 0,
            spare: Vec::new(),
        })
    }
}

/// Marks the queue closed and releases its function: no runtime thread signals it afterwards.
fn close(queue: &Queue, signal: sys::napi_threadsafe_function) {
    let mut shared = queue.lock();
    shared.signal = None;
    shared.done.clear();
    // SAFETY: released once, under the lock that every signaller holds.
    unsafe { sys::napi_release_threadsafe_function(signal, sys::ThreadsafeFunctionReleaseMode::abort) };
}

/// The environment's cleanup hook: its Promises can no longer settle, and nobody awaits them.
unsafe extern "C" fn environment_ended(env: *mut c_void) {
    let env = env as sys::napi_env;
    let local = LOCALS.with(|locals| {
        let mut locals = locals.borrow_mut();
        let index = locals.iter().position(|local| local.env == env)?;
        Some(locals.swap_remove(index))
    });
    if let Some(local) = local {
        close(&local.queue, local.signal);
    }
}

/// The function's finalizer: gives back the queue's count it held as its context.
unsafe extern "C" fn finalized(_env: sys::napi_env, _data: *mut c_void, context: *mut c_void) {
    // SAFETY: `context` is the count `Local::new` gave the function, given back once.
    drop(unsafe { Arc::from_raw(context as *const Queue) });
}

/// On the JavaScript thread: settles every outcome queued so far.
unsafe extern "C" fn drain(env: sys::napi_env, _callback: sys::napi_value, context: *mut c_void, _data: *mut c_void) {
    if env.is_null() {
        // The function is being torn down; there is nothing to settle into.
        return;
    }
    // SAFETY: the context is the queue, alive while the function is (see `finalized`).
    let queue = unsafe { &*(context as *const Queue) };
    LOCALS.with(|locals| {
        let mut locals = locals.borrow_mut();
        let Some(local) = locals.iter_mut().find(|local| local.env == env) else {
            return;
        };
        let mut done = std::mem::take(&mut local.spare);
        {
            let mut shared = queue.lock();
            shared.scheduled = false;
            std::mem::swap(&mut shared.done, &mut done);
        }
        for (slot, settled) in done.drain(..) {
            let Some(deferred) = local.pending.get_mut(slot as usize).and_then(Option::take) else {
                continue;
            };
            local.free.push(slot);
            local.waiting -= 1;
            // SAFETY: on the JavaScript thread of `env`, which made `deferred`.
            unsafe { settle_one(env, deferred, settled) };
        }
        local.spare = done;
        if local.waiting == 0 {
            // SAFETY: on the JavaScript thread, with the environment's live function.
            unsafe { sys::napi_unref_threadsafe_function(env, local.signal) };
        }
    });
}

/// Resolves (or, for a panic or a failed conversion, rejects) one Promise, in a handle scope of
/// its own so that a large batch does not pile up handles.
unsafe fn settle_one(env: sys::napi_env, deferred: sys::napi_deferred, settled: Settled) {
    let mut scope = ptr::null_mut();
    // SAFETY (whole function): on the JavaScript thread of `env`.
    let scoped = unsafe { sys::napi_open_handle_scope(env, &mut scope) } == sys::Status::napi_ok;
    let rejection = match settled {
        Settled::Outcome(outcome) => match unsafe { crossing(env, outcome) } {
            Ok(value) => {
                unsafe { sys::napi_resolve_deferred(env, deferred, value) };
                None
            }
            Err(error) => Some(format!("cannot hand the outcome to JavaScript: {}", error.reason)),
        },
        Settled::Panicked(message) => Some(message),
    };
    if let Some(message) = rejection {
        let mut text = ptr::null_mut();
        let mut error = ptr::null_mut();
        unsafe {
            sys::napi_create_string_utf8(env, message.as_ptr().cast(), message.len() as isize, &mut text);
            sys::napi_create_error(env, ptr::null_mut(), text, &mut error);
            sys::napi_reject_deferred(env, deferred, error);
        }
    }
    if scoped {
        unsafe { sys::napi_close_handle_scope(env, scope) };
    }
}

/// The JavaScript value of an outcome: the most common one, verified with a value and nothing
/// else to say, crosses as its value's JSON text alone (one string; `lib/outcome.js` knows it),
/// any other as the `NativeOutcome` object.
unsafe fn crossing(env: sys::napi_env, outcome: NativeOutcome) -> napi::Result<sys::napi_value> {
    match outcome {
        NativeOutcome {
            kind: OutcomeKind::Verified,
            code: None,
            value: Some(text),
            error: None,
        } => unsafe { String::to_napi_value(env, text) },
        outcome => unsafe { NativeOutcome::to_napi_value(env, outcome) },
    }
}

/// A future that turns a panic while polling `F` into `Err(message)`.
struct CatchUnwind<F>(F);

impl<F: Future> Future for CatchUnwind<F> {
    type Output = Result<F::Output, String>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: the inner future is never moved out of its pinned place.
        let inner = unsafe { self.map_unchecked_mut(|this| &mut this.0) };
        match catch_unwind(AssertUnwindSafe(|| inner.poll(cx))) {
            Ok(Poll::Ready(output)) => Poll::Ready(Ok(output)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(panic) => {
                let message = panic
                    .downcast_ref::<&str>()
                    .map(|text| (*text).to_owned())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "native code panicked".to_owned());
                Poll::Ready(Err(message))
            }
        }
    }
}
