//! Time for rollouts: the wall clock in production, a virtual one in tests.
//!
//! Strategies never read the system time or call `tokio::time::sleep`
//! themselves; they ask a [`Clock`]. With [`VirtualClock`], a sleep returns at
//! once and moves the clock forward, so a 21-minute blue-green rollout runs in
//! milliseconds and always ends at the same virtual instant. Tokio's paused
//! time is not used: the virtual clock is an explicit counter, independent of
//! the runtime and of other tasks.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

/// A boxed, sendable future, as [`Clock::sleep`] returns.
pub type Sleep = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// Where rollout time comes from. `now` is the time since the clock's own
/// start, so event logs read `+05:00` rather than a date.
///
/// ```
/// use leanvibe_test::deploy::{Clock, VirtualClock};
/// use std::time::Duration;
/// # leanvibe_test::tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let clock = VirtualClock::new();
/// clock.sleep(Duration::from_secs(300)).await; // returns at once
/// assert_eq!(clock.now(), Duration::from_secs(300));
/// # });
/// ```
pub trait Clock: Send + Sync {
    /// Time elapsed since the clock started.
    fn now(&self) -> Duration;

    /// Waits for `duration`. The wait is measured from the moment of the
    /// call, not of the first poll, so sleeps started together (as the
    /// instances of one rolling batch do) overlap on any clock.
    fn sleep(&self, duration: Duration) -> Sleep;
}

/// The real clock: [`Instant`] for `now`, tokio's timer for `sleep` (so it
/// needs a runtime with time enabled).
///
/// ```
/// use leanvibe_test::deploy::{Clock, SystemClock};
/// let clock = SystemClock::new();
/// assert!(clock.now() < std::time::Duration::from_secs(60));
/// ```
#[derive(Debug, Clone, Copy)]
pub struct SystemClock {
    start: Instant,
}

impl SystemClock {
    /// A clock whose `now` counts from this call.
    ///
    /// ```
    /// let _clock = leanvibe_test::deploy::SystemClock::new();
    /// ```
    pub fn new() -> Self {
        SystemClock {
            start: Instant::now(),
        }
    }
}

impl Default for SystemClock {
    fn default() -> Self {
        SystemClock::new()
    }
}

impl Clock for SystemClock {
    fn now(&self) -> Duration {
        self.start.elapsed()
    }

    fn sleep(&self, duration: Duration) -> Sleep {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// A clock that only moves when someone sleeps on it (or calls
/// [`advance`](VirtualClock::advance)). Clones share the same time.
///
/// A sleep returns without real waiting: the clock jumps to the end of the
/// earliest pending sleep, so concurrent sleeps end in the order and at the
/// instants a real clock would give. `sleep(d)` called at virtual time `t`
/// ends at `t + d`; two sleeps of 30 s started together both end at
/// `t + 30 s`, and a 10 s sleep started beside a 30 s one ends first.
///
/// To see every sleeper, a sleep yields once when first polled, so futures
/// joined in one task (`join!`, `join_all`, as [`Rolling`](super::Rolling)
/// does for a batch) are ordered exactly. Sleepers in separately spawned
/// tasks on a multi-thread runtime are ordered as the scheduler polls them;
/// keep a simulation in one task, as the strategies do, for determinism.
///
/// ```
/// use leanvibe_test::deploy::{Clock, VirtualClock};
/// use std::time::Duration;
/// # leanvibe_test::tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let clock = VirtualClock::new();
/// let short_twice = async {
///     clock.sleep(Duration::from_secs(10)).await;
///     let first = clock.now();
///     clock.sleep(Duration::from_secs(10)).await;
///     (first, clock.now())
/// };
/// let long = async {
///     clock.sleep(Duration::from_secs(30)).await;
///     clock.now()
/// };
/// let ((a, b), c) = leanvibe_test::tokio::join!(short_twice, long);
/// assert_eq!((a.as_secs(), b.as_secs(), c.as_secs()), (10, 20, 30));
/// # });
/// ```
#[derive(Debug, Clone, Default)]
pub struct VirtualClock {
    inner: Arc<Mutex<Timers>>,
}

/// The virtual time and the sleeps waiting on it.
#[derive(Debug, Default)]
struct Timers {
    now: Duration,
    next_id: u64,
    pending: BTreeMap<u64, (Duration, Option<Waker>)>,
}

impl Timers {
    fn wake_all(&mut self) {
        for (_, waker) in self.pending.values_mut() {
            if let Some(waker) = waker.take() {
                waker.wake();
            }
        }
    }
}

impl VirtualClock {
    /// A clock at zero.
    ///
    /// ```
    /// use leanvibe_test::deploy::{Clock, VirtualClock};
    /// assert_eq!(VirtualClock::new().now(), std::time::Duration::ZERO);
    /// ```
    pub fn new() -> Self {
        VirtualClock::default()
    }

    /// The virtual time now (the same as [`Clock::now`], callable without
    /// importing the trait).
    ///
    /// ```
    /// let clock = leanvibe_test::deploy::VirtualClock::new();
    /// assert_eq!(clock.now(), std::time::Duration::ZERO);
    /// ```
    pub fn now(&self) -> Duration {
        self.lock().now
    }

    /// Moves the clock forward by `duration`.
    ///
    /// ```
    /// use leanvibe_test::deploy::{Clock, VirtualClock};
    /// let clock = VirtualClock::new();
    /// clock.advance(std::time::Duration::from_secs(1));
    /// assert_eq!(clock.now().as_secs(), 1);
    /// ```
    pub fn advance(&self, duration: Duration) {
        let mut timers = self.lock();
        timers.now += duration;
        timers.wake_all();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Timers> {
        // Plain data changed in whole steps; a panic elsewhere cannot leave
        // it half-written.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Clock for VirtualClock {
    fn now(&self) -> Duration {
        VirtualClock::now(self)
    }

    fn sleep(&self, duration: Duration) -> Sleep {
        let mut timers = self.lock();
        let id = timers.next_id;
        timers.next_id += 1;
        Box::pin(VirtualSleep {
            clock: self.clone(),
            id,
            wake_at: timers.now + duration,
            polled: false,
        })
    }
}

/// A sleep on a [`VirtualClock`].
struct VirtualSleep {
    clock: VirtualClock,
    id: u64,
    wake_at: Duration,
    polled: bool,
}

impl Future for VirtualSleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let clock = self.clock.clone();
        let mut timers = clock.lock();
        if timers.now >= self.wake_at {
            timers.pending.remove(&self.id);
            return Poll::Ready(());
        }
        if !self.polled {
            // Let the futures polled after this one register their sleeps
            // before the clock jumps.
            self.polled = true;
            timers
                .pending
                .insert(self.id, (self.wake_at, Some(cx.waker().clone())));
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        let earliest = timers.pending.values().map(|(at, _)| *at).min();
        if earliest.is_some_and(|at| at < self.wake_at) {
            timers
                .pending
                .insert(self.id, (self.wake_at, Some(cx.waker().clone())));
            return Poll::Pending;
        }
        timers.now = self.wake_at;
        timers.pending.remove(&self.id);
        timers.wake_all();
        Poll::Ready(())
    }
}

impl Drop for VirtualSleep {
    fn drop(&mut self) {
        let mut timers = self.clock.lock();
        if timers.pending.remove(&self.id).is_some() {
            // The earliest sleep may have changed: let the others look again.
            timers.wake_all();
        }
    }
}

/// Formats a clock reading as `+MM:SS` (or `+H:MM:SS`) for messages.
///
/// ```
/// use leanvibe_test::deploy::clock::format_offset;
/// assert_eq!(format_offset(std::time::Duration::from_secs(21 * 60 + 5)), "+21:05");
/// ```
pub fn format_offset(at: Duration) -> String {
    let secs = at.as_secs();
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    let millis = at.subsec_millis();
    let frac = if millis == 0 {
        String::new()
    } else {
        format!(".{millis:03}")
    };
    if h > 0 {
        format!("+{h}:{m:02}:{s:02}{frac}")
    } else {
        format!("+{m:02}:{s:02}{frac}")
    }
}
