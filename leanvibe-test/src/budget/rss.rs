//! Peak resident-set size of the worker process, behind `max_rss_mb`.
//!
//! On Linux the kernel keeps the high-water mark of the resident set
//! (`VmHWM` in `/proc/self/status`); writing `5` to `/proc/self/clear_refs`
//! resets it to the current resident set. A run's growth is the mark after
//! the run minus the mark right after the reset. The reset walks the page
//! tables, so the harness only does it for tests with an RSS budget.
//!
//! Elsewhere there is no way to reset the mark, and every function here
//! returns [`RssError::Unsupported`]: an RSS budget then fails the test rather
//! than passing without being checked.

use crate::errors::RssError;

/// Resets the high-water mark to the current resident set and returns it, in
/// bytes: the baseline for [`peak_bytes`].
///
/// ```
/// match leanvibe_test::budget::rss::reset_peak() {
///     Ok(baseline) => assert!(baseline > 0),
///     Err(e) => eprintln!("{e}"),
/// }
/// ```
pub fn reset_peak() -> Result<u64, RssError> {
    imp::reset_peak()
}

/// The high-water mark of the resident set since the last [`reset_peak`], in
/// bytes.
///
/// ```
/// if let Ok(peak) = leanvibe_test::budget::rss::peak_bytes() {
///     assert!(peak > 0);
/// }
/// ```
pub fn peak_bytes() -> Result<u64, RssError> {
    imp::peak_bytes()
}

/// `None` when RSS can be measured here; otherwise why not. Cheap: it opens
/// `/proc/self/clear_refs` for writing without writing to it.
///
/// ```
/// if let Some(reason) = leanvibe_test::budget::rss::unsupported_reason() {
///     eprintln!("RSS budgets will fail: {reason}");
/// }
/// ```
pub fn unsupported_reason() -> Option<RssError> {
    imp::unsupported_reason()
}

#[cfg(target_os = "linux")]
mod imp {
    use super::RssError;
    use std::fs::OpenOptions;
    use std::io::Write;

    const CLEAR_REFS: &str = "/proc/self/clear_refs";
    const STATUS: &str = "/proc/self/status";

    pub(super) fn reset_peak() -> Result<u64, RssError> {
        let proc_error = |source| RssError::Proc {
            what: "writing /proc/self/clear_refs",
            source,
        };
        let mut file = OpenOptions::new()
            .write(true)
            .open(CLEAR_REFS)
            .map_err(proc_error)?;
        // "5" resets the peak RSS (`VmHWM`) to the current RSS (proc(5)).
        file.write_all(b"5").map_err(proc_error)?;
        peak_bytes()
    }

    pub(super) fn peak_bytes() -> Result<u64, RssError> {
        let status = std::fs::read_to_string(STATUS).map_err(|source| RssError::Proc {
            what: "reading /proc/self/status",
            source,
        })?;
        parse_vm_hwm(&status).ok_or_else(|| RssError::Proc {
            what: "reading VmHWM in /proc/self/status",
            source: std::io::Error::new(std::io::ErrorKind::InvalidData, "no VmHWM line"),
        })
    }

    pub(super) fn unsupported_reason() -> Option<RssError> {
        OpenOptions::new()
            .write(true)
            .open(CLEAR_REFS)
            .err()
            .map(|source| RssError::Proc {
                what: "opening /proc/self/clear_refs",
                source,
            })
    }

    /// `VmHWM:     1752 kB` -> bytes.
    pub(super) fn parse_vm_hwm(status: &str) -> Option<u64> {
        let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
        let mut fields = line["VmHWM:".len()..].split_whitespace();
        let value: u64 = fields.next()?.parse().ok()?;
        match fields.next()? {
            "kB" => value.checked_mul(1024),
            _ => None,
        }
    }
}

#[cfg(not(target_os = "linux"))]
mod imp {
    use super::RssError;

    pub(super) fn reset_peak() -> Result<u64, RssError> {
        Err(RssError::Unsupported)
    }

    pub(super) fn peak_bytes() -> Result<u64, RssError> {
        Err(RssError::Unsupported)
    }

    pub(super) fn unsupported_reason() -> Option<RssError> {
        Some(RssError::Unsupported)
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn parses_vm_hwm_in_kib() {
        let status = "Name:\tx\nVmPeak:\t  9000 kB\nVmHWM:\t    1752 kB\nVmRSS:\t 1700 kB\n";
        assert_eq!(imp::parse_vm_hwm(status), Some(1752 * 1024));
        assert_eq!(imp::parse_vm_hwm("VmRSS: 1 kB\n"), None);
        assert_eq!(imp::parse_vm_hwm("VmHWM: 1 MB\n"), None);
    }

    #[test]
    fn touching_pages_raises_the_peak_after_a_reset() {
        let Ok(baseline) = reset_peak() else {
            // Some sandboxes forbid clear_refs; the budget check reports it.
            assert!(unsupported_reason().is_some());
            return;
        };
        // 64 MiB of non-zero bytes: every page is touched and resident.
        let block = vec![1u8; 64 << 20];
        let peak = peak_bytes().unwrap();
        drop(std::hint::black_box(block));
        assert!(
            peak >= baseline + (60 << 20),
            "peak {peak} baseline {baseline}"
        );
    }
}
