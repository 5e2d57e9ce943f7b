//! Checkpoints: how a test made of many independent calls (the security
//! suite: one call per payload) survives one of them taking the process
//! down.
//!
//! Before each call the test saves a checkpoint: a short note naming the
//! call ("payload [xss-3] ...") and an opaque JSON state (what it has found
//! so far, where it is). In a pool worker the checkpoint is a `checkpoint`
//! line appended to the worker's results file in one `write`, like the
//! `retrying` line: it outlives the worker. When the worker then crashes
//! (a signal, `exit`), the harness does not fail the test: it runs it again
//! in a fresh worker, first in line, with the last checkpoint and how the
//! worker ended ([`Resume`]), and the test carries on after the call that
//! crashed. The harness never looks inside the state; only the test that
//! wrote it reads it back.
//!
//! A resumed test must get further each time: if the worker dies again
//! before the test saves a checkpoint other than the one it was resumed
//! from, or after [`MAX_RESUMES`] resumptions, the crash fails the test as
//! any crash does, its message naming the last checkpoint's note.
//!
//! In-process (`--in-process`, a debugger, nextest) nothing can outlive a
//! crash: an abort or a segfault takes the run with it, as under libtest.
//! The note is kept, so an `exit` a call makes fails the test naming it.

// The security suite is the one writer of checkpoints so far; without it
// the saving side is unused, and the harness side still reads lines.
#![cfg_attr(not(feature = "security"), allow(dead_code))]

use super::protocol::RESULTS_FD;
use crate::json::Value;
use serde::{Deserialize, Serialize};
use std::sync::Mutex;

/// Most times one test is resumed after a crash, each time from a later
/// checkpoint. A suite's payloads are far fewer.
pub(crate) const MAX_RESUMES: u32 = 1000;

/// What a resumed test is handed: its last checkpoint and how the worker
/// that was running it ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Resume {
    /// The state of the last checkpoint, as the test saved it.
    pub state: Value,
    /// The note of that checkpoint.
    pub note: String,
    /// How the worker ended: "the worker process running the test was
    /// killed by signal 6 (SIGABRT): stack overflow".
    pub ended: String,
    /// Resumptions of this test so far, this one included.
    pub count: u32,
}

/// The `checkpoint` line, as the worker writes it.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct CheckpointLine {
    /// Position in the registry of the running test.
    pub index: usize,
    /// What the test is about to do, for messages.
    pub note: String,
    /// The test's own state.
    pub state: Value,
}

#[derive(Serialize)]
struct Line<'a> {
    checkpoint: &'a CheckpointLine,
}

/// Where checkpoints go while a test runs.
enum Sink {
    /// A pool worker running registry entry `index`: lines to fd 3.
    Worker { index: usize },
    /// In-process: only the last note is kept.
    InProcess,
}

struct Running {
    sink: Sink,
    resume: Option<Resume>,
    note: Option<String>,
}

static RUNNING: Mutex<Option<Running>> = Mutex::new(None);

fn lock() -> std::sync::MutexGuard<'static, Option<Running>> {
    RUNNING.lock().unwrap_or_else(|p| p.into_inner())
}

/// A worker is about to run registry entry `index`, resumed or not.
pub(crate) fn begin_in_worker(index: usize, resume: Option<Resume>) {
    *lock() = Some(Running {
        sink: Sink::Worker { index },
        resume,
        note: None,
    });
}

/// A test is about to run in the harness process.
pub(crate) fn begin_in_process() {
    *lock() = Some(Running {
        sink: Sink::InProcess,
        resume: None,
        note: None,
    });
}

/// The running test ended; its checkpoints are void.
pub(crate) fn end() {
    *lock() = None;
}

/// The last note saved by the test running in this process, if any.
pub(crate) fn last_note() -> Option<String> {
    lock().as_ref().and_then(|r| r.note.clone())
}

/// What the running test was resumed with, once (see the module docs).
pub(crate) fn take_resume() -> Option<Resume> {
    lock().as_mut().and_then(|r| r.resume.take())
}

/// Saves a checkpoint of the running test: `note` says what it is about to
/// do, `state` is what it needs to carry on after that, should it take the
/// process down. Returns once the checkpoint is durable (written to the
/// results file). Outside a test, does nothing.
pub(crate) fn save(note: &str, state: Value) {
    let mut running = lock();
    let Some(running) = running.as_mut() else {
        return;
    };
    running.note = Some(note.to_string());
    let Sink::Worker { index } = running.sink else {
        return;
    };
    let line = CheckpointLine {
        index,
        note: note.to_string(),
        state,
    };
    let Ok(mut encoded) = crate::json::to_vec(&Line { checkpoint: &line }) else {
        return;
    };
    encoded.push(b'\n');
    write_all(RESULTS_FD, &encoded);
}

/// One `write` of the whole line where the file takes it (a regular file
/// does), so the harness never reads half a checkpoint as the last line.
fn write_all(fd: i32, mut bytes: &[u8]) {
    while !bytes.is_empty() {
        // SAFETY: writes from a live slice to fd 3, the worker's results
        // file, open for the worker's whole life.
        let written = unsafe { libc::write(fd, bytes.as_ptr().cast(), bytes.len()) };
        if written < 0 {
            if std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            return;
        }
        bytes = &bytes[written as usize..];
    }
}
