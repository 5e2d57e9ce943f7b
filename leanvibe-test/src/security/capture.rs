//! What one payload call printed: fds 1 and 2 point at temporary files for
//! the call, so `print!`, logging crates, C code and child processes that
//! inherit the fds are all seen. Afterwards the text is written on to the
//! real fds, so the test's own captured output still shows it.
//!
//! Pool workers run one test at a time, so pointing the process's fds
//! elsewhere for a moment only affects the test doing it. Nested captures
//! (the in-process runner capturing around the test) work: the original fd
//! is restored, whatever it pointed at.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

/// An active redirection of fds 1 and 2.
pub(crate) struct Capture {
    files: [File; 2],
    saved: [OwnedFd; 2],
}

impl Capture {
    /// Points fds 1 and 2 at fresh temporary files.
    pub(crate) fn begin() -> io::Result<Capture> {
        flush_std();
        let files = [tempfile::tempfile()?, tempfile::tempfile()?];
        let saved = [dup(1)?, dup(2)?];
        for (fd, file) in [1, 2].into_iter().zip(&files) {
            dup2(file.as_raw_fd(), fd)?;
        }
        Ok(Capture { files, saved })
    }

    /// Restores fds 1 and 2, writes what was captured on to them, and
    /// returns it (stdout, stderr), lossily decoded.
    pub(crate) fn end(mut self) -> io::Result<(String, String)> {
        flush_std();
        for (fd, original) in [1, 2].into_iter().zip(&self.saved) {
            dup2(original.as_raw_fd(), fd)?;
        }
        let mut texts = Vec::with_capacity(2);
        for file in &mut self.files {
            let mut bytes = Vec::new();
            file.seek(SeekFrom::Start(0))?;
            file.read_to_end(&mut bytes)?;
            texts.push(bytes);
        }
        // Replayed so the test's report still shows what the function printed.
        let _ = io::stdout().write_all(&texts[0]);
        let _ = io::stderr().write_all(&texts[1]);
        flush_std();
        let err = String::from_utf8_lossy(&texts[1]).into_owned();
        let out = String::from_utf8_lossy(&texts[0]).into_owned();
        Ok((out, err))
    }
}

fn flush_std() {
    let _ = io::stdout().flush();
    let _ = io::stderr().flush();
}

fn dup(fd: i32) -> io::Result<OwnedFd> {
    // SAFETY: `dup` has no memory-safety preconditions; a negative result is
    // an error, checked before the fd is wrapped.
    let new = unsafe { libc::dup(fd) };
    if new < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `new` is a freshly duplicated descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(new) })
}

fn dup2(from: i32, to: i32) -> io::Result<()> {
    // SAFETY: `dup2` has no memory-safety preconditions; both fds are open.
    if unsafe { libc::dup2(from, to) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}
