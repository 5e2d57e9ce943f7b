//! Calls the function under test with one payload: on its own thread (so a
//! hang is noticed and a panic is caught), with fds 1 and 2 captured, and
//! with its heap growth measured.

use super::capture::Capture;
use super::outcome::{IntoResponse, Response};
use super::probe::Probe;
use crate::__private::AsyncConfig;
use crate::budget::alloc;
use crate::json::Value;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A boxed future borrowing the probe.
pub type BoxedResponse<'a> = Pin<Box<dyn Future<Output = Reply> + 'a>>;

/// How generated code calls the user's function for one probe.
#[derive(Clone, Copy)]
pub enum Call {
    /// A sync function.
    Sync(fn(&Probe) -> Reply),
    /// An async function, run on a fresh runtime per payload.
    Async(for<'a> fn(&'a Probe) -> BoxedResponse<'a>, AsyncConfig),
}

/// A response, whether its type has error codes, and the structured value
/// its output was flattened from (see [`IntoResponse`]).
#[derive(Debug, Clone)]
pub struct Reply {
    pub(crate) response: Response,
    pub(crate) has_code: bool,
    pub(crate) value: Option<Value>,
}

/// Wraps what the user's function returned.
pub fn reply<O: IntoResponse>(outcome: O) -> Reply {
    let (response, value) = outcome.into_response_and_value();
    Reply {
        response,
        has_code: O::HAS_CODE,
        value,
    }
}

/// How one call ended.
#[derive(Debug)]
pub(crate) enum Ended {
    Returned(Reply),
    Panicked(String),
    /// No answer within the limit; the thread is left behind.
    Hung,
}

/// Everything observed about one call.
#[derive(Debug)]
pub(crate) struct Observed {
    pub(crate) ended: Ended,
    pub(crate) elapsed: Duration,
    /// Peak heap growth during the call, when the tracking allocator is in.
    pub(crate) heap_growth: Option<u64>,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

/// Runs `call` on `probe` with a time `limit`.
pub(crate) fn execute(call: Call, probe: Probe, limit: Duration, track_heap: bool) -> Observed {
    let capture = Capture::begin(probe.capture_dir()).ok();
    let baseline = track_heap.then(alloc::reset_peak);
    let started = Instant::now();
    let (sender, receiver) = mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name(format!("security-{}", probe.payload_id()))
        .spawn(move || {
            let result = catch_unwind(AssertUnwindSafe(|| run(call, &probe)));
            let ended = match result {
                Ok(Ok(reply)) => Ended::Returned(reply),
                Ok(Err(runtime)) => Ended::Panicked(runtime),
                Err(payload) => {
                    Ended::Panicked(crate::runner::execute::payload_text(payload.as_ref()))
                }
            };
            // Dropping what the call produced inside the thread keeps its
            // frees in this thread's batch, flushed next.
            alloc::flush_thread();
            let _ = sender.send(ended);
        });
    let ended = match spawned {
        Err(e) => Ended::Panicked(format!("could not start the payload thread: {e}")),
        Ok(_) => receiver.recv_timeout(limit).unwrap_or(Ended::Hung),
    };
    let elapsed = started.elapsed();
    alloc::flush_thread();
    let heap_growth = baseline.map(|base| (alloc::peak_bytes() - base).max(0) as u64);
    let (stdout, stderr) = capture.and_then(|c| c.end().ok()).unwrap_or_default();
    Observed {
        ended,
        elapsed,
        heap_growth,
        stdout,
        stderr,
    }
}

fn run(call: Call, probe: &Probe) -> Result<Reply, String> {
    match call {
        Call::Sync(function) => Ok(function(probe)),
        Call::Async(function, config) => {
            let runtime = crate::__private::build_runtime(config)?;
            Ok(runtime.block_on(function(probe)))
        }
    }
}
