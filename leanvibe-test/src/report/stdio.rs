//! The harness's own writes to standard output and error, straight to fds 1
//! and 2 without going through `std::io::stdout()`.
//!
//! std's handles take a process-wide lock on every write. In-process, the
//! test shares the process, and a test that hangs while holding that lock (a
//! `print!` in progress, a held `stdout().lock()`) would keep the watchdog
//! and the signal handler from printing its verdict and the summary: the run
//! would hang with it. Lines written here never wait for a lock. The
//! harness only writes between tests and after them, so nothing it writes
//! lands in a test's captured output.

use std::io::{self, Write};

/// Standard output, unlocked, unbuffered (wrap it in a `BufWriter`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct RawStdout;

/// Standard error, unlocked, unbuffered.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RawStderr;

fn write_fd(fd: i32, bytes: &[u8]) -> io::Result<usize> {
    loop {
        // SAFETY: write from a valid buffer to fd 1 or 2.
        let n = unsafe { libc::write(fd, bytes.as_ptr().cast(), bytes.len()) };
        if n >= 0 {
            return Ok(n as usize);
        }
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}

impl Write for RawStdout {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        write_fd(1, bytes)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Write for RawStderr {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        write_fd(2, bytes)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// `println!` without std's lock.
pub(crate) fn print_line(text: &str) {
    let _ = RawStdout.write_all(format!("{text}\n").as_bytes());
}

/// `eprintln!` without std's lock.
pub(crate) fn eprint_line(text: &str) {
    let _ = RawStderr.write_all(format!("{text}\n").as_bytes());
}
