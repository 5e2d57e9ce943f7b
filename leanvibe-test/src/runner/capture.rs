//! Capturing a test's output at the file-descriptor level, so `print!`,
//! `eprint!`, C code and child processes are all caught.
//!
//! Pool workers need none of this: the harness starts them with stdout and
//! stderr already pointing at per-worker capture files. In-process runs point
//! fds 1 and 2 at temporary files for one test, then put them back.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

/// Redirects fds 1 and 2 into two files while alive.
pub(crate) struct FdCapture {
    files: [File; 2],
    saved: Option<[OwnedFd; 2]>,
}

impl FdCapture {
    /// Two anonymous temporary files, reused for every test.
    pub(crate) fn new() -> io::Result<FdCapture> {
        Ok(FdCapture {
            files: [tempfile::tempfile()?, tempfile::tempfile()?],
            saved: None,
        })
    }

    /// Empties the files and points fds 1 and 2 at them.
    pub(crate) fn begin(&mut self) -> io::Result<()> {
        flush_std();
        let mut saved = Vec::with_capacity(2);
        for (fd, file) in [1, 2].into_iter().zip(&mut self.files) {
            file.set_len(0)?;
            file.seek(SeekFrom::Start(0))?;
            saved.push(dup(fd)?);
            dup2(file.as_raw_fd(), fd)?;
        }
        let [out, err]: [OwnedFd; 2] = saved.try_into().expect("two fds were saved");
        self.saved = Some([out, err]);
        Ok(())
    }

    /// Puts fds 1 and 2 back and returns what was written (stdout, stderr).
    pub(crate) fn end(&mut self) -> io::Result<(Vec<u8>, Vec<u8>)> {
        flush_std();
        if let Some(saved) = self.saved.take() {
            for (fd, original) in [1, 2].into_iter().zip(&saved) {
                dup2(original.as_raw_fd(), fd)?;
            }
        }
        let read = |file: &mut File| -> io::Result<Vec<u8>> {
            let mut bytes = Vec::new();
            file.seek(SeekFrom::Start(0))?;
            file.read_to_end(&mut bytes)?;
            Ok(bytes)
        };
        let [out, err] = &mut self.files;
        Ok((read(out)?, read(err)?))
    }
}

impl Drop for FdCapture {
    fn drop(&mut self) {
        let _ = self.end();
    }
}

/// Rust's stdout is line-buffered: a `print!` without a newline would land in
/// whatever fd 1 points at next unless flushed now.
pub(crate) fn flush_std() {
    let _ = io::stdout().flush();
    let _ = io::stderr().flush();
}

fn dup(fd: i32) -> io::Result<OwnedFd> {
    // SAFETY: F_DUPFD_CLOEXEC on an open descriptor returns a new descriptor we own.
    let new = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 3) };
    if new < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `new` is a fresh descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(new) })
}

fn dup2(from: i32, to: i32) -> io::Result<()> {
    // SAFETY: dup2 on valid descriptors; `to` is 1 or 2, which we do not own
    // as Rust objects, so replacing it invalidates nothing.
    if unsafe { libc::dup2(from, to) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}
