//! What one payload call printed: fds 1 and 2 point at temporary files for
//! the call, so `print!`, logging crates, C code and child processes that
//! inherit the fds are all seen. Afterwards the text is written on to the
//! real fds, so the test's own captured output still shows it.
//!
//! The files are named (`stdout` and `stderr` in the test's capture
//! directory) and emptied for each call: a call that crashes the worker
//! leaves what it printed there (a stack overflow's message, an abort's
//! last words), and the resumed run reads it back (see `crash`).
//!
//! Pool workers run one test at a time, so pointing the process's fds
//! elsewhere for a moment only affects the test doing it. Nested captures
//! (the in-process runner capturing around the test) work: the original fd
//! is restored, whatever it pointed at.

use crate::runner::capture::FdCapture;
use std::fs::File;
use std::io::{self, Write};
use std::path::Path;

/// fds 1 and 2 redirected for one payload call.
pub(crate) struct Capture(FdCapture);

impl Capture {
    /// Points fds 1 and 2 at `stdout` and `stderr` in `dir`, emptied.
    pub(crate) fn begin(dir: &Path) -> io::Result<Capture> {
        let open = |name| {
            File::options()
                .read(true)
                .write(true)
                .create(true)
                .truncate(true)
                .open(dir.join(name))
        };
        let mut capture = FdCapture::with_files([open("stdout")?, open("stderr")?]);
        capture.begin()?;
        Ok(Capture(capture))
    }

    /// Restores the fds, replays what was printed (so the test's own captured
    /// output still shows it) and returns it as (stdout, stderr).
    pub(crate) fn end(mut self) -> io::Result<(String, String)> {
        // Uncapped: an oracle looks for its canary anywhere in the output.
        let (out, err) = self.0.end(0)?;
        let _ = io::stdout().write_all(&out);
        let _ = io::stderr().write_all(&err);
        crate::runner::capture::flush_std();
        Ok((
            String::from_utf8_lossy(&out).into_owned(),
            String::from_utf8_lossy(&err).into_owned(),
        ))
    }
}
