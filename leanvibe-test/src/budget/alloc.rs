//! The tracking global allocator behind `max_mb` / `max_kb`.
//!
//! [`TrackingAllocator`] wraps another [`GlobalAlloc`] (the system allocator
//! unless told otherwise) and counts *live heap bytes*: the sum of the
//! [`Layout::size`] of every allocation not yet freed. It does not see the
//! inner allocator's own overhead (headers, size-class rounding).
//!
//! # How counting works
//!
//! A shared atomic updated on every call would make every allocation in every
//! thread fight over one cache line. Instead each thread keeps a *batch*, a
//! const-initialised thread-local holding the bytes it allocated minus those it
//! freed since its last flush, and the highest value that difference reached.
//! When the batch drifts [`FLUSH_THRESHOLD`] bytes away from zero in either
//! direction, it is *flushed*: added to the process-wide live count with one
//! `fetch_add`, and the process-wide peak is raised with `fetch_max` to the
//! live count before the flush plus the batch's own high point. A thread that
//! allocates and frees in a steady state never flushes at all.
//!
//! # Tolerance
//!
//! The peak is exact for allocations made by one thread whose batch is flushed
//! before the peak is read: the test thread's batch is flushed when the body
//! starts and ends (see [`flush_thread`]), and tokio runtimes built by the
//! harness flush each worker when it stops. For every *other* thread that
//! allocates during the test, up to `FLUSH_THRESHOLD - 1` bytes may sit in its
//! unflushed batch when the peak is read, and a batch's high point is combined
//! with the live count at flush time rather than at the moment it was reached.
//! So the reported peak growth is within
//! **(threads that allocated during the test, besides the test thread) × 16 KiB**
//! of the true peak, in either direction. A std thread that exits keeps its
//! last batch unflushed (flushing from a thread-local destructor would mean
//! registering that destructor from inside the allocator, which can allocate
//! and lock); that batch is part of the tolerance above.
//!
//! A worker runs one test at a time, so the process-wide counters belong to
//! that test. What can still leak in: a thread left running by an earlier test
//! (or started by a `static` initialiser) that keeps allocating. Its flushes
//! raise the peak like the test's own allocations.
//!
//! # Never allocate, lock or panic
//!
//! The `GlobalAlloc` methods touch only a `Cell` in a thread-local without a
//! destructor (so accessing it never registers one, never allocates) and two
//! atomics, use wrapping arithmetic, and call nothing that can panic. If the
//! thread-local is unavailable (`try_with` fails, e.g. on a platform whose TLS
//! is built on OS keys and is still being set up) the change is counted
//! directly on the atomics.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicIsize, Ordering::Relaxed};

/// How far (in bytes, either direction) a thread's batch may drift from zero
/// before it is added to the process-wide counts: the per-thread peak
/// tolerance.
///
/// ```
/// assert_eq!(leanvibe_test::budget::alloc::FLUSH_THRESHOLD, 16 * 1024);
/// ```
pub const FLUSH_THRESHOLD: usize = 16 * 1024;

const THRESHOLD: isize = FLUSH_THRESHOLD as isize;

/// Live heap bytes, as of the last flush of every thread.
static LIVE: AtomicIsize = AtomicIsize::new(0);
/// High-water mark of `LIVE` (plus batch high points) since the last reset.
static PEAK: AtomicIsize = AtomicIsize::new(0);
/// Set the first time a tracking allocator flushes: proof it is installed.
static SEEN: AtomicBool = AtomicBool::new(false);

/// One thread's unflushed bytes.
struct Batch {
    /// Bytes allocated minus bytes freed since the last flush.
    pending: Cell<isize>,
    /// Highest value `pending` reached since the last flush (never below 0).
    high: Cell<isize>,
}

thread_local! {
    // `const` and no `Drop`: access compiles to a plain TLS offset, never
    // initialises lazily and never registers a destructor.
    static BATCH: Batch = const { Batch { pending: Cell::new(0), high: Cell::new(0) } };
}

/// A [`GlobalAlloc`] that counts live and peak heap bytes, delegating the
/// allocation itself to `A`.
///
/// `leanvibe_test::main!()` installs one wrapping [`System`]; use
/// `main!(allocator = path::To::Alloc)` to wrap your own. To install it by
/// hand (a custom `main`, or an ordinary test target):
///
/// ```
/// use leanvibe_test::budget::TrackingAllocator;
///
/// #[global_allocator]
/// static ALLOC: TrackingAllocator = TrackingAllocator::system();
///
/// fn main() {
///     let v = vec![0u8; 1 << 20];
///     leanvibe_test::budget::alloc::flush_thread();
///     assert!(leanvibe_test::budget::alloc::live_bytes() >= 1 << 20);
///     drop(v);
/// }
/// ```
#[derive(Debug, Default, Clone, Copy)]
pub struct TrackingAllocator<A = System> {
    inner: A,
}

impl TrackingAllocator<System> {
    /// Tracks the system allocator.
    ///
    /// ```
    /// static ALLOC: leanvibe_test::budget::TrackingAllocator =
    ///     leanvibe_test::budget::TrackingAllocator::system();
    /// ```
    pub const fn system() -> Self {
        TrackingAllocator { inner: System }
    }
}

impl<A> TrackingAllocator<A> {
    /// Tracks `inner`, which does the allocating.
    ///
    /// ```
    /// use leanvibe_test::budget::TrackingAllocator;
    /// static ALLOC: TrackingAllocator<std::alloc::System> =
    ///     TrackingAllocator::new(std::alloc::System);
    /// ```
    pub const fn new(inner: A) -> Self {
        TrackingAllocator { inner }
    }

    /// The wrapped allocator.
    ///
    /// ```
    /// let alloc = leanvibe_test::budget::TrackingAllocator::system();
    /// let _system: &std::alloc::System = alloc.inner();
    /// ```
    pub const fn inner(&self) -> &A {
        &self.inner
    }
}

// SAFETY: every method forwards to `inner` with the caller's arguments
// unchanged and returns its result unchanged, so `A`'s guarantees carry over.
// The bookkeeping around the call never allocates, locks or panics (see the
// module docs), so it cannot re-enter the allocator or unwind out of it.
unsafe impl<A: GlobalAlloc> GlobalAlloc for TrackingAllocator<A> {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller upholds `alloc`'s contract for `layout`.
        let ptr = unsafe { self.inner.alloc(layout) };
        if !ptr.is_null() {
            record(size_of_layout(layout.size()));
        }
        ptr
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller upholds `alloc_zeroed`'s contract for `layout`.
        let ptr = unsafe { self.inner.alloc_zeroed(layout) };
        if !ptr.is_null() {
            record(size_of_layout(layout.size()));
        }
        ptr
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // Counted first so the call below is a tail call: nothing is left
        // to do after it.
        record(size_of_layout(layout.size()).wrapping_neg());
        // SAFETY: `ptr` was allocated by this allocator (hence by `inner`)
        // with `layout`, as the caller guarantees.
        unsafe { self.inner.dealloc(ptr, layout) };
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller upholds `realloc`'s contract; `inner` allocated
        // `ptr` with `layout`.
        let new = unsafe { self.inner.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            // On failure the old block is untouched and still counted.
            record(size_of_layout(new_size).wrapping_sub(size_of_layout(layout.size())));
        }
        new
    }
}

/// A layout size as a signed delta. `Layout` (and `realloc`'s contract for
/// `new_size`) keep sizes at most `isize::MAX`, so the cast is lossless.
#[inline(always)]
fn size_of_layout(size: usize) -> isize {
    size as isize
}

/// Adds `delta` to this thread's batch, flushing it past the threshold.
///
/// Split by sign so each path does the least work: only growth can set a new
/// high point or cross the upper threshold, only shrinking the lower one. In
/// steady alloc/free churn the batch's high point is already set, so an
/// allocation costs a load, an add, a store and one predictable branch.
#[inline(always)]
fn record(delta: isize) {
    let batched = if delta >= 0 {
        BATCH.try_with(|batch| {
            let pending = batch.pending.get().wrapping_add(delta);
            batch.pending.set(pending);
            if pending > batch.high.get() {
                batch.high.set(pending);
                if pending >= THRESHOLD {
                    flush(batch);
                }
            }
        })
    } else {
        BATCH.try_with(|batch| {
            let pending = batch.pending.get().wrapping_add(delta);
            batch.pending.set(pending);
            if pending <= -THRESHOLD {
                flush(batch);
            }
        })
    };
    if batched.is_err() {
        // Thread-local storage is gone or not set up yet: count directly.
        let before = LIVE.fetch_add(delta, Relaxed);
        PEAK.fetch_max(before.wrapping_add(delta.max(0)), Relaxed);
        SEEN.store(true, Relaxed);
    }
}

/// Moves the batch into the process-wide counts.
#[cold]
#[inline(never)]
fn flush(batch: &Batch) {
    let pending = batch.pending.get();
    let high = batch.high.get();
    batch.pending.set(0);
    batch.high.set(0);
    let before = LIVE.fetch_add(pending, Relaxed);
    PEAK.fetch_max(before.wrapping_add(high), Relaxed);
    SEEN.store(true, Relaxed);
}

/// Flushes the calling thread's batch into the process-wide counts, so
/// [`live_bytes`] and [`peak_bytes`] are exact for this thread.
///
/// The harness calls it on the test thread at body start and end; a test that
/// hands work to its own long-lived threads can call it there before
/// reporting back, to tighten the tolerance.
///
/// ```
/// leanvibe_test::budget::alloc::flush_thread();
/// ```
pub fn flush_thread() {
    let _ = BATCH.try_with(|batch| {
        if batch.pending.get() != 0 || batch.high.get() != 0 {
            flush(batch);
        }
    });
}

/// Live heap bytes counted process-wide (threads' unflushed batches not
/// included). Can be negative: memory allocated before the tracking allocator
/// was consulted, or counted in another thread's lost batch, and freed after.
///
/// ```
/// let live = leanvibe_test::budget::alloc::live_bytes();
/// # let _ = live;
/// ```
pub fn live_bytes() -> i64 {
    LIVE.load(Relaxed) as i64
}

/// The process-wide high-water mark of live heap bytes since the last
/// [`reset_peak`].
///
/// ```
/// use leanvibe_test::budget::alloc;
/// assert!(alloc::peak_bytes() >= alloc::live_bytes() || !alloc::is_installed());
/// ```
pub fn peak_bytes() -> i64 {
    PEAK.load(Relaxed) as i64
}

/// Flushes the calling thread and restarts the high-water mark at the current
/// live count, which it returns: the baseline peak growth is measured from.
///
/// A flush by another thread racing with the reset may be lost from the new
/// peak; it is within the documented tolerance.
///
/// ```
/// use leanvibe_test::budget::alloc;
/// let baseline = alloc::reset_peak();
/// let growth = alloc::peak_bytes() - baseline;
/// # let _ = growth;
/// ```
pub fn reset_peak() -> i64 {
    flush_thread();
    let live = LIVE.load(Relaxed);
    PEAK.store(live, Relaxed);
    // Catch a flush that landed between the load and the store.
    PEAK.fetch_max(LIVE.load(Relaxed), Relaxed);
    live as i64
}

/// Runs `f` without charging its heap use to the running test: what `f`
/// still holds when it returns is taken off the live count, and the peak is
/// put back to where it was (or to the new live count, if higher).
///
/// The harness runs its panic hook through this. With `RUST_BACKTRACE=1`
/// the hook captures and symbolises a backtrace, tens of MiB of which the
/// standard library keeps cached; a `should_panic` test must not fail its
/// `max_mb` because of a diagnostics setting. A flush by another thread while
/// `f` runs may be lost from the peak: within the documented tolerance.
pub(crate) fn uncounted<R>(f: impl FnOnce() -> R) -> R {
    flush_thread();
    let live_before = LIVE.load(Relaxed);
    let peak_before = PEAK.load(Relaxed);
    let result = f();
    flush_thread();
    let retained = LIVE.load(Relaxed).wrapping_sub(live_before);
    let live = LIVE.fetch_sub(retained, Relaxed).wrapping_sub(retained);
    PEAK.store(peak_before.max(live), Relaxed);
    result
}

/// Whether a [`TrackingAllocator`] is the global allocator.
///
/// Allocates and frees one block larger than the flush threshold, which
/// forces a flush if the tracking allocator sees it; so it raises the peak:
/// call it before [`reset_peak`].
///
/// ```
/// // Doctests run on the system allocator.
/// assert!(!leanvibe_test::budget::alloc::is_installed());
/// ```
pub fn is_installed() -> bool {
    if SEEN.load(Relaxed) {
        return true;
    }
    let probe = vec![0u8; 2 * FLUSH_THRESHOLD];
    drop(std::hint::black_box(probe));
    SEEN.load(Relaxed)
}
