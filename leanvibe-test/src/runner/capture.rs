//! Capturing a test's output at the file-descriptor level, so `print!`,
//! `eprint!`, C code and child processes are all caught.
//!
//! Pool workers need none of this: the harness starts them with stdout and
//! stderr already pointing at per-worker capture files. In-process runs point
//! fds 1 and 2 at temporary files for one test, then put them back.

use std::fs::File;
use std::io::{self, Seek, SeekFrom, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

/// Redirects fds 1 and 2 into two files while alive.
pub(crate) struct FdCapture {
    files: [File; 2],
    saved: Option<[OwnedFd; 2]>,
    /// How far each file has been handed out by [`cut`](FdCapture::cut).
    taken: [u64; 2],
}

impl FdCapture {
    /// Two anonymous temporary files, reused for every test.
    pub(crate) fn new() -> io::Result<FdCapture> {
        Ok(FdCapture {
            files: [
                crate::scratch::anonymous_file()?,
                crate::scratch::anonymous_file()?,
            ],
            saved: None,
            taken: [0; 2],
        })
    }

    /// Captures into `files` (stdout, stderr) instead.
    #[cfg(feature = "security")]
    pub(crate) fn with_files(files: [File; 2]) -> FdCapture {
        FdCapture {
            files,
            saved: None,
            taken: [0; 2],
        }
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
        self.taken = [0; 2];
        Ok(())
    }

    /// What was written since the last cut (stdout, stderr), each bounded to
    /// `cap` bytes; capture goes on. Splits a retried test's output by
    /// attempt. It does not flush std's buffers: the caller does, before
    /// taking any lock a stop path needs (a thread of the test may hold
    /// stdout's lock forever).
    pub(crate) fn cut(&mut self, cap: usize) -> io::Result<(Vec<u8>, Vec<u8>)> {
        self.read_rest(cap)
    }

    fn read_rest(&mut self, cap: usize) -> io::Result<(Vec<u8>, Vec<u8>)> {
        let mut read = |i: usize| -> io::Result<Vec<u8>> {
            let file = &self.files[i];
            let end = file.metadata()?.len();
            let start = self.taken[i].min(end);
            self.taken[i] = end;
            Ok(read_bounded(file, start, end, cap))
        };
        Ok((read(0)?, read(1)?))
    }

    /// Puts fds 1 and 2 back and returns what was written since the last
    /// cut (stdout, stderr), each bounded to `cap` bytes by [`read_bounded`].
    pub(crate) fn end(&mut self, cap: usize) -> io::Result<(Vec<u8>, Vec<u8>)> {
        flush_std();
        self.end_unflushed(cap)
    }

    /// [`end`](FdCapture::end) without flushing std's stdout and stderr
    /// first: for a test that is still running and may hold their locks.
    /// What it left in std's buffer is not captured.
    pub(crate) fn end_unflushed(&mut self, cap: usize) -> io::Result<(Vec<u8>, Vec<u8>)> {
        if let Some(saved) = self.saved.take() {
            for (fd, original) in [1, 2].into_iter().zip(&saved) {
                dup2(original.as_raw_fd(), fd)?;
            }
        }
        self.read_rest(cap)
    }
}

impl Drop for FdCapture {
    fn drop(&mut self) {
        let _ = self.end(0);
    }
}

/// Room left in a capped read for the elision marker, so that the text cap
/// applied later (after cleaning) does not cut a second time.
const MARKER_ROOM: usize = 128;

/// Reads bytes `start..end` of a capture file, keeping at most about `cap`
/// of them (`0`: no cap). Past the cap the head and the tail are kept, each
/// cut on a line boundary where one is near, with the elision marker of
/// [`elided_marker`](crate::report::sanitize::elided_marker) between them.
///
/// Only what is kept is read: a test that prints a gigabyte costs the
/// harness `cap` bytes of memory, not a gigabyte.
pub(crate) fn read_bounded(file: &File, start: u64, end: u64, cap: usize) -> Vec<u8> {
    let len = end.saturating_sub(start);
    if cap == 0 || len <= cap as u64 {
        return read_at(file, start, len as usize);
    }
    let keep = cap.saturating_sub(MARKER_ROOM).max(2);
    let half = keep / 2;
    let mut head = read_at(file, start, half);
    if let Some(cut) = head.iter().rposition(|&b| b == b'\n')
        && cut >= half / 2
    {
        head.truncate(cut + 1);
    }
    let mut tail = read_at(file, end - half as u64, half);
    if let Some(cut) = tail.iter().position(|&b| b == b'\n')
        && cut < half / 2
    {
        tail.drain(..=cut);
    }
    let elided = len - head.len() as u64 - tail.len() as u64;
    let marker = crate::report::sanitize::elided_marker(elided, cap);
    // The marker brings its own newlines; the head already ends a line.
    let marker = match head.last() {
        Some(b'\n') => &marker[1..],
        _ => &marker[..],
    };
    head.extend_from_slice(marker.as_bytes());
    head.extend_from_slice(&tail);
    head
}

/// Up to `len` bytes at `offset`; fewer if the file is shorter.
fn read_at(file: &File, offset: u64, len: usize) -> Vec<u8> {
    use std::os::unix::fs::FileExt;
    let mut bytes = vec![0; len];
    let mut filled = 0;
    while filled < len {
        match file.read_at(&mut bytes[filled..], offset + filled as u64) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
    bytes.truncate(filled);
    bytes
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn file_with(bytes: &[u8]) -> File {
        let mut file = crate::scratch::anonymous_file().unwrap();
        file.write_all(bytes).unwrap();
        file
    }

    #[test]
    fn short_output_is_read_whole() {
        let file = file_with(b"one\ntwo\n");
        assert_eq!(read_bounded(&file, 4, 8, 1024), b"two\n");
    }

    #[test]
    fn long_output_keeps_whole_lines_at_both_ends() {
        let text: String = (0..2000).map(|i| format!("line {i}\n")).collect();
        let file = file_with(text.as_bytes());
        let kept = String::from_utf8(read_bounded(&file, 0, text.len() as u64, 1024)).unwrap();
        assert!(kept.starts_with("line 0\nline 1\n"), "{kept}");
        assert!(kept.ends_with("line 1999\n"), "{kept}");
        let marker = kept.lines().find(|l| l.starts_with("[... ")).unwrap();
        assert!(marker.ends_with("bytes elided: output over the 1 KiB cap ...]"));
        for line in kept.lines().filter(|l| !l.starts_with("[... ")) {
            assert!(text.contains(&format!("{line}\n")), "cut line {line:?}");
        }
    }

    proptest! {
        /// Whatever the output, the harness keeps at most the cap plus the
        /// marker, and says exactly how much it left out.
        #[test]
        fn bounded_read_is_bounded_and_accounts_for_every_byte(
            bytes in proptest::collection::vec(prop_oneof![Just(b'\n'), any::<u8>()], 0..5000),
            cap in 0usize..3000,
        ) {
            let file = file_with(&bytes);
            let kept = read_bounded(&file, 0, bytes.len() as u64, cap);
            if cap == 0 || bytes.len() <= cap {
                prop_assert_eq!(kept, bytes);
            } else {
                prop_assert!(kept.len() <= cap.max(MARKER_ROOM), "kept {} of cap {}", kept.len(), cap);
                // Find the marker by its words, then check the parts around
                // it are the output's own head and tail.
                let at = kept.windows(5).position(|w| w == b"[... ").unwrap();
                let digits: String = kept[at + 5..].iter().map(|&b| b as char).take_while(char::is_ascii_digit).collect();
                let elided: u64 = digits.parse().unwrap();
                let marker = crate::report::sanitize::elided_marker(elided, cap);
                // The marker's leading newline is dropped when the head ends
                // a line, so the bytes before "[... " split two ways.
                let fits = |head_end: usize, marker_len: usize| {
                    let head = &kept[..head_end];
                    let tail = &kept[head_end + marker_len..];
                    bytes.starts_with(head)
                        && bytes.ends_with(tail)
                        && head.len() as u64 + elided + tail.len() as u64 == bytes.len() as u64
                };
                prop_assert!(
                    fits(at, marker.len() - 1) || (at > 0 && fits(at - 1, marker.len())),
                    "kept {:?}", String::from_utf8_lossy(&kept)
                );
            }
        }
    }
}
