//! Overhead of the tracking allocator: 32-byte alloc/free pairs through the
//! system allocator, the tracking allocator wrapping it, and (for context) a
//! naive tracker that updates shared atomics on every call.
//!
//! `cargo bench -p leanvibe-test --bench alloc_overhead`
//!
//! One process can have one global allocator, so the three are not installed
//! as such: each is called directly, through the same `#[inline(never)]`
//! function standing in for the `__rust_alloc` / `__rust_dealloc` shims the
//! compiler generates for a `#[global_allocator]`. The code inside is what a
//! real global allocator runs (the tracking allocator's `#[inline]` methods,
//! its thread-local batch, `malloc`/`free`).
//!
//! The machine this runs on is shared, so each run is timed by the CPU time
//! of the threads doing the work (`CLOCK_THREAD_CPUTIME_ID`), which does not
//! count time spent descheduled, with wall time printed beside it. Each round
//! runs the three variants back to back in a rotating order, the ratio is
//! taken within the round, and the figures are medians over the rounds.
//! Without `--bench` (as under `cargo test --benches`), it runs a few thousand
//! pairs once, to show it works.

use leanvibe_test::budget::TrackingAllocator;
use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::Barrier;
use std::sync::atomic::{AtomicIsize, Ordering::Relaxed};
use std::time::Instant;

/// Counts on process-wide atomics at every call: what batching avoids.
struct SharedAtomics;

static LIVE: AtomicIsize = AtomicIsize::new(0);
static PEAK: AtomicIsize = AtomicIsize::new(0);

// SAFETY: forwards to `System` unchanged; the counting never allocates.
unsafe impl GlobalAlloc for SharedAtomics {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller upholds `alloc`'s contract.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let size = layout.size() as isize;
            let before = LIVE.fetch_add(size, Relaxed);
            PEAK.fetch_max(before + size, Relaxed);
        }
        p
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System` with `layout`.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size() as isize, Relaxed);
    }
}

static TRACKING: TrackingAllocator = TrackingAllocator::system();

/// Stands in for `__rust_alloc`: a real call, as in a program.
#[inline(never)]
unsafe fn shim_alloc<A: GlobalAlloc>(a: &A, layout: Layout) -> *mut u8 {
    // SAFETY: forwarded from the caller.
    unsafe { a.alloc(layout) }
}

/// Stands in for `__rust_dealloc`.
#[inline(never)]
unsafe fn shim_dealloc<A: GlobalAlloc>(a: &A, ptr: *mut u8, layout: Layout) {
    // SAFETY: forwarded from the caller.
    unsafe { a.dealloc(ptr, layout) }
}

fn pairs<A: GlobalAlloc>(a: &A, n: u64) {
    let layout = Layout::from_size_align(32, 8).unwrap();
    for _ in 0..n {
        // SAFETY: non-zero size; the block is freed once, with its layout.
        unsafe {
            let p = shim_alloc(a, layout);
            assert!(!p.is_null());
            black_box(p);
            shim_dealloc(a, p, layout);
        }
    }
}

/// CPU time of the calling thread, in seconds.
fn thread_cpu_seconds() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

/// One run: `threads` threads each do `n` pairs, released together.
/// Returns (summed thread CPU seconds, wall seconds).
fn run<A: GlobalAlloc + Sync>(a: &A, threads: usize, n: u64) -> (f64, f64) {
    let barrier = Barrier::new(threads + 1);
    let mut wall = 0.0;
    let cpu: f64 = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    barrier.wait();
                    let start = thread_cpu_seconds();
                    pairs(a, n);
                    thread_cpu_seconds() - start
                })
            })
            .collect();
        barrier.wait();
        let start = Instant::now();
        let cpu = workers.into_iter().map(|w| w.join().unwrap()).sum();
        wall = start.elapsed().as_secs_f64();
        cpu
    });
    (cpu, wall)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

#[derive(Default)]
struct Samples {
    cpu_ns: Vec<f64>,
    wall_ms: Vec<f64>,
    ratio: Vec<f64>,
}

fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    let (n, rounds) = if bench { (10_000_000, 11) } else { (10_000, 1) };
    println!(
        "{n} pairs of 32-byte alloc+free per thread; medians of {rounds} rounds; \
         ns/pair is thread CPU time per pair, ratio is to the system allocator in the same round\n"
    );
    println!("| threads | system | tracking | ratio | shared atomics | ratio |");
    println!("|---|---|---|---|---|---|");
    for threads in [1, 2] {
        let mut v: [Samples; 3] = Default::default();
        for round in 0..rounds {
            let mut cpu = [0.0; 3];
            // Rotate the order so no variant always runs first.
            for k in 0..3 {
                let which = (round + k) % 3;
                let (c, w) = match which {
                    0 => run(&System, threads, n),
                    1 => run(&TRACKING, threads, n),
                    _ => run(&SharedAtomics, threads, n),
                };
                cpu[which] = c;
                v[which].cpu_ns.push(c * 1e9 / (n as f64 * threads as f64));
                v[which].wall_ms.push(w * 1e3);
            }
            for which in 0..3 {
                v[which].ratio.push(cpu[which] / cpu[0]);
            }
        }
        let cell = |s: &Samples| {
            format!(
                "{:.1} ns/pair (wall {:.0} ms)",
                median(s.cpu_ns.clone()),
                median(s.wall_ms.clone())
            )
        };
        println!(
            "| {threads} | {} | {} | {:.2}x | {} | {:.2}x |",
            cell(&v[0]),
            cell(&v[1]),
            median(v[1].ratio.clone()),
            cell(&v[2]),
            median(v[2].ratio.clone()),
        );
    }
}
