//! The tracking allocator and the meter, measured end to end.
//!
//! This target installs the tracking allocator itself, so it does not disturb
//! other test targets. Its tests share the process-wide counters, so they take
//! a lock and run one at a time. Bounds come from the documented tolerance:
//! the body's thread is exact once flushed, every other thread that allocated
//! may be off by up to `FLUSH_THRESHOLD`.

use leanvibe_test::__private::{AsyncConfig, run_async, run_sync};
use leanvibe_test::budget::Budget;
use leanvibe_test::budget::alloc::{self, FLUSH_THRESHOLD};
use leanvibe_test::budget::{TestMeter, TrackingAllocator, check};
use leanvibe_test::report::{FailureKind, Measurements};
use std::alloc::{Layout, alloc_zeroed, dealloc, realloc};
use std::hint::black_box;
use std::sync::Mutex;

#[global_allocator]
static ALLOC: TrackingAllocator = TrackingAllocator::system();

const MIB: u64 = 1 << 20;
const T: u64 = FLUSH_THRESHOLD as u64;

/// One test at a time: they share the process-wide counters.
static SERIAL: Mutex<()> = Mutex::new(());

/// Runs `body` once as a sync test under `budget`, as the runner does.
fn measure_sync(budget: &Budget, body: impl Fn()) -> Measurements {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let meter = TestMeter::start(budget);
    let runs = budget.warmup.unwrap_or(0) + budget.iterations.unwrap_or(1);
    for _ in 0..runs {
        run_sync(|| {
            body();
            Ok(())
        })
        .unwrap();
    }
    meter.finish()
}

fn heap(m: &Measurements) -> u64 {
    m.peak_heap_bytes
        .expect("the tracking allocator is installed")
}

/// `value` is within `tolerance` of `expected`.
#[track_caller]
fn assert_near(value: u64, expected: u64, tolerance: u64) {
    assert!(
        value.abs_diff(expected) <= tolerance,
        "{value} is not within {tolerance} of {expected} (off by {})",
        value as i64 - expected as i64
    );
}

/// Allocates exactly `size` bytes (one `Vec<u8>` of that capacity), touched
/// so it cannot be optimised away.
fn hold(size: usize) -> Vec<u8> {
    let mut v = Vec::with_capacity(size);
    v.push(1);
    black_box(v)
}

#[test]
fn installed_allocator_is_detected() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    assert!(alloc::is_installed());
    assert!(TestMeter::start(&Budget::NONE).tracks_heap());
}

#[test]
fn exact_bytes_on_the_test_thread() {
    // Odd sizes, below and above the threshold: the body's own thread is
    // flushed at body end, so its peak is exact up to other threads' batches
    // (libtest's main thread is the only other one, and it is idle).
    for k in [1_000u64, T - 1, T + 7, 3 * MIB + 123] {
        let m = measure_sync(&Budget::NONE, || drop(hold(k as usize)));
        assert_near(heap(&m), k, T);
    }
}

#[test]
fn exact_bytes_in_a_spawned_thread() {
    const K: u64 = 5 * MIB + 17;
    let m = measure_sync(&Budget::NONE, || {
        std::thread::spawn(|| drop(hold(K as usize)))
            .join()
            .unwrap();
    });
    // The spawned thread's batch is flushed as soon as it passes the
    // threshold, carrying its high point; the thread's own stack-setup
    // allocations and its last unflushed batch are within one threshold.
    assert_near(heap(&m), K, 2 * T);

    // Below the threshold, an exiting thread's batch is lost unless it
    // flushes: the documented tolerance. An explicit flush makes it exact.
    let small = T / 2;
    let m = measure_sync(&Budget::NONE, || {
        std::thread::spawn(move || {
            let v = hold(small as usize);
            alloc::flush_thread();
            drop(v);
        })
        .join()
        .unwrap();
    });
    assert_near(heap(&m), small, 2 * T);
    assert!(
        heap(&m) >= small - T / 4,
        "explicit flush counts the high point"
    );
}

#[test]
fn tokio_multi_thread_workers_are_counted() {
    const TASKS: u64 = 4;
    const K: u64 = MIB + 5;
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let meter = TestMeter::start(&Budget::NONE);
    let config = AsyncConfig {
        multi_thread: true,
        worker_threads: Some(2),
        start_paused: false,
    };
    run_async(config, || async {
        let handles: Vec<_> = (0..TASKS)
            .map(|_| leanvibe_test::tokio::spawn(async { hold(K as usize) }))
            .collect();
        let mut held = Vec::new();
        for h in handles {
            held.push(h.await.unwrap());
        }
        drop(black_box(held));
        Ok(())
    })
    .unwrap();
    let m = meter.finish();
    // Threads that allocated: 2 workers, the body's thread, libtest's main.
    // Above that, tokio's own task bookkeeping is real growth and counts;
    // one threshold covers it for four tasks.
    let threads = 4;
    let peak = heap(&m);
    assert!(
        peak + threads * T >= TASKS * K,
        "peak {peak} < {}",
        TASKS * K
    );
    assert!(peak <= TASKS * K + (threads + 1) * T, "peak {peak}");
}

#[test]
fn peak_survives_the_free() {
    const K: u64 = 100 * MIB;
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let meter = TestMeter::start(&Budget::NONE);
    let mut live_after = 0;
    let mut baseline = 0;
    run_sync(|| {
        baseline = alloc::live_bytes();
        drop(hold(K as usize));
        alloc::flush_thread();
        live_after = alloc::live_bytes();
        Ok(())
    })
    .unwrap();
    let m = meter.finish();
    assert!(heap(&m) >= K, "peak {}", heap(&m));
    assert_near(heap(&m), K, T);
    // Freed: live bytes are back where they were.
    assert_near(live_after.abs_diff(baseline), 0, T);
}

#[test]
fn realloc_growth_counts_the_new_size_once() {
    let from = MIB as usize;
    let to = 90 * MIB as usize;
    let m = measure_sync(&Budget::NONE, || {
        let layout = Layout::from_size_align(from, 8).unwrap();
        // SAFETY: non-zero size; each pointer is freed once with its layout.
        unsafe {
            let p = std::alloc::alloc(layout);
            assert!(!p.is_null());
            let q = realloc(p, layout, to);
            assert!(!q.is_null());
            black_box(q);
            dealloc(q, Layout::from_size_align(to, 8).unwrap());
        }
    });
    // An alloc-copy-free realloc would peak at 91 MiB.
    assert_near(heap(&m), to as u64, T);
}

#[test]
fn alloc_zeroed_is_counted() {
    const K: usize = 7 * MIB as usize + 3;
    let m = measure_sync(&Budget::NONE, || {
        let layout = Layout::from_size_align(K, 1).unwrap();
        // SAFETY: non-zero size; freed once with the same layout.
        unsafe {
            let p = alloc_zeroed(layout);
            assert!(!p.is_null());
            assert_eq!(*black_box(p), 0);
            dealloc(p, layout);
        }
    });
    assert_near(heap(&m), K as u64, T);
}

#[test]
fn warmup_runs_are_not_measured() {
    use std::sync::atomic::{AtomicU32, Ordering};
    let run = AtomicU32::new(0);
    let budget = Budget {
        warmup: Some(1),
        iterations: Some(2),
        ..Budget::NONE
    };
    // The warmup run allocates 50 MiB, the measured ones 2 MiB.
    let m = measure_sync(&budget, || {
        let size = if run.fetch_add(1, Ordering::Relaxed) == 0 {
            50 * MIB
        } else {
            2 * MIB
        };
        drop(hold(size as usize));
    });
    assert_eq!(run.load(Ordering::Relaxed), 3);
    assert_near(heap(&m), 2 * MIB, T);
}

#[test]
fn memory_budget_verdict_from_a_real_measurement() {
    let budget = Budget {
        max_heap_bytes: Some(80 * MIB),
        ..Budget::NONE
    };
    let m = measure_sync(&budget, || drop(hold(96 * MIB as usize)));
    let failure = check(&budget, &m).expect("96 MiB > 80 MiB");
    assert_eq!(failure.kind, FailureKind::BudgetMemory);
    assert!(
        failure
            .message
            .starts_with("memory budget exceeded: peak heap +96.0 MiB > 80 MiB"),
        "{}",
        failure.message
    );
    let m = measure_sync(&budget, || drop(hold(10 * MIB as usize)));
    assert!(check(&budget, &m).is_none());
}

#[test]
#[cfg(target_os = "linux")]
fn rss_is_measured_only_when_budgeted() {
    let m = measure_sync(&Budget::NONE, || drop(vec![1u8; 8 << 20]));
    assert_eq!(m.peak_rss_bytes, None);

    let budget = Budget {
        max_rss_bytes: Some(16 * MIB),
        ..Budget::NONE
    };
    // 64 MiB of non-zero bytes: every page becomes resident.
    let m = measure_sync(&budget, || drop(black_box(vec![1u8; 64 << 20])));
    match m.peak_rss_bytes {
        Some(rss) => {
            assert!(rss >= 60 * MIB, "rss growth {rss}");
            let failure = check(&budget, &m).expect("64 MiB > 16 MiB");
            assert_eq!(failure.kind, FailureKind::BudgetRss);
        }
        // A sandbox that forbids clear_refs: the verdict must say so.
        None => {
            let failure = check(&budget, &m).expect("unmeasured RSS must fail");
            assert!(
                failure.message.starts_with("max_rss_mb "),
                "{}",
                failure.message
            );
        }
    }
}
