//! Writing a report file so that no reader ever sees half of it.

use std::io::{self, Write};
use std::path::Path;

/// Writes a file through a temporary file in the same directory, then renames
/// it over `path`. A reader sees the old file or the whole new one, never a
/// partial write; a crash leaves at most a stray `.tmp` file. Creates the
/// parent directory if needed.
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("out/report.txt");
/// leanvibe_test::report::atomic::write_atomically(&path, |w| w.write_all(b"done")).unwrap();
/// assert_eq!(std::fs::read(&path).unwrap(), b"done");
/// ```
pub fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir)?;
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // A report is an ordinary file others read (the umask still applies).
    let (temp, temp_path) = crate::scratch::create_unique(dir, &format!(".{file_name}."), 0o644)?;
    let written = (|| {
        // Reports of large suites run to megabytes: few, large writes.
        let mut out = io::BufWriter::with_capacity(1 << 20, temp);
        write(&mut out)?;
        out.into_inner().map_err(io::IntoInnerError::into_error)?;
        // No fsync: the rename alone means a reader sees the old file or the
        // whole new one. Syncing would add durability across a power cut,
        // which a CI report does not need, at the cost of tens of
        // milliseconds a run.
        std::fs::rename(&temp_path, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temp_path);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_write_leaves_old_file_and_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.xml");
        write_atomically(&path, |w| w.write_all(b"old")).unwrap();
        let err = write_atomically(&path, |w| {
            w.write_all(b"partial")?;
            Err(io::Error::other("boom"))
        });
        assert!(err.is_err());
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn report_is_readable_by_others() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.json");
        write_atomically(&path, |w| w.write_all(b"{}")).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o044, 0o044 & !umask(), "mode {mode:o}");
    }

    /// The process umask, read from /proc where available (0o022 otherwise).
    #[cfg(unix)]
    fn umask() -> u32 {
        std::fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|s| {
                s.lines()
                    .find_map(|l| l.strip_prefix("Umask:").map(|v| v.trim().to_owned()))
            })
            .and_then(|v| u32::from_str_radix(&v, 8).ok())
            .unwrap_or(0o022)
    }
}
