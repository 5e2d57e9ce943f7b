//! Temporary files the harness makes for itself: anonymous files for
//! captured output and worker results, and uniquely named siblings for
//! atomic report writes. (Small enough not to need the `tempfile` crate and
//! the half-dozen crates it builds.)

use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// A read-write file with no name, in the system temporary directory: it
/// disappears when the last descriptor to it closes, whatever happens to the
/// process.
pub(crate) fn anonymous_file() -> io::Result<File> {
    let dir = std::env::temp_dir();
    #[cfg(target_os = "linux")]
    {
        let unnamed = OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_TMPFILE)
            .mode(0o600)
            .open(&dir);
        match unnamed {
            Ok(file) => return Ok(file),
            // Filesystems without O_TMPFILE support say so in several ways;
            // a named file, removed at once, does the same job.
            Err(e)
                if !matches!(
                    e.kind(),
                    io::ErrorKind::NotFound | io::ErrorKind::PermissionDenied
                ) => {}
            Err(e) => return Err(e),
        }
    }
    let (file, path) = create_unique(&dir, ".leanvibe-", 0o600)?;
    std::fs::remove_file(&path)?;
    Ok(file)
}

/// Creates a new file in `dir` named `{prefix}{unique}.tmp` with `mode`
/// (before the umask), and returns it with its path.
pub(crate) fn create_unique(dir: &Path, prefix: &str, mode: u32) -> io::Result<(File, PathBuf)> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    loop {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = dir.join(format!("{prefix}{}.{n}.{nanos}.tmp", std::process::id()));
        match OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(&path)
        {
            Ok(file) => return Ok((file, path)),
            // Left by a process that had this pid before; try the next name.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Seek, Write};

    #[test]
    fn an_anonymous_file_holds_data_and_has_no_name() {
        let mut file = anonymous_file().unwrap();
        file.write_all(b"captured").unwrap();
        file.rewind().unwrap();
        let mut text = String::new();
        file.read_to_string(&mut text).unwrap();
        assert_eq!(text, "captured");
        let link = std::fs::read_link(format!(
            "/proc/self/fd/{}",
            std::os::fd::AsRawFd::as_raw_fd(&file)
        ))
        .unwrap();
        assert!(
            !link.exists() || link.to_string_lossy().ends_with("(deleted)"),
            "{link:?}"
        );
    }

    #[test]
    fn unique_names_do_not_collide() {
        let dir = tempfile::tempdir().unwrap();
        let mut paths: Vec<_> = (0..100)
            .map(|_| create_unique(dir.path(), ".r.", 0o644).unwrap().1)
            .collect();
        paths.sort();
        paths.dedup();
        assert_eq!(paths.len(), 100);
        assert!(paths.iter().all(|p| p.exists()));
    }
}
