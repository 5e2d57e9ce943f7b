//! The harness side of the pool: N worker processes, each fed one test at a
//! time with a few more queued behind it, supervised for crashes and timeouts.
//!
//! A worker's queue is kept a few tests ahead so a trivial test costs a pipe
//! write and a read, not a round trip. Near the end of the run queues shrink to
//! one so a slow test does not hold back tests another worker could take.
//!
//! # Who is blamed
//!
//! A worker appends each result to its results file before it reads the
//! next command (see [`protocol`](super::protocol)). So whenever a worker is
//! lost (it crashed, exited, or was killed for a timeout or an interrupt),
//! the harness first reads that file to its end: every test the worker
//! finished gets its own verdict, and the first queued test without a result
//! is the one that was running. Only that test is failed; the tests queued
//! behind it go back to the front of the queue for another worker. A worker
//! that stops on its own between tests says so in the file (`retire`), and
//! then nobody is blamed.
//!
//! # One thread, never blocked
//!
//! The loop waits with `ppoll` on every worker's wake pipe, every worker's
//! pidfd (readable when it exits, whatever holds its pipes open), every
//! command pipe with bytes still to write, and the signal pipe, with the
//! nearest deadline as the timeout. Commands go out through non-blocking
//! writes: a worker busy with a hung test cannot stall the loop, whose
//! deadlines and signals must stay live.

use super::capture::read_bounded;
use super::checkpoint::{CheckpointLine, MAX_RESUMES, Resume};
use super::interrupt::{self, Interrupts, Signal};
use super::protocol::{Report, RunTest};
use super::retry::RetryFilter;
use super::spawn::{self, WorkerProcess};
use crate::record::{Attempt, Failure, FailureKind, Measurements, Status, TestOutcome};
use crate::registry::Budget;
use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::FileExt;
use std::os::unix::process::ExitStatusExt;
use std::process::ExitStatus;
use std::time::{Duration, Instant};

/// One test for the pool to run.
pub(crate) struct Job {
    /// Registry position, sent to the worker.
    pub registry_index: usize,
    /// Full name.
    pub name: String,
    /// Effective budget.
    pub budget: Budget,
    /// Kill the worker after this long.
    pub timeout: Duration,
}

/// How the pool runs.
pub(crate) struct PoolConfig {
    /// Worker processes.
    pub workers: usize,
    /// Capture output into files (false: workers inherit the terminal).
    pub capture: bool,
    /// Bytes of each test's stdout and stderr the harness keeps (head and
    /// tail); 0 keeps everything.
    pub output_cap: usize,
    /// Which failures are retried (`--only-rerun`), retries allowing.
    pub retry: RetryFilter,
}

/// What the pool tells its caller as tests progress.
pub(crate) trait PoolEvents {
    /// Job `job` (index into the jobs slice) started.
    fn started(&mut self, job: usize);
    /// Job `job` finished with this outcome and captured output.
    fn finished(&mut self, job: usize, outcome: TestOutcome, stdout: Vec<u8>, stderr: Vec<u8>);
    /// The pool is about to wait for a worker: a good moment to flush output.
    fn idle(&mut self);
}

/// How a pool run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PoolEnd {
    /// Every job has been reported finished.
    Completed,
    /// A signal stopped the run: the jobs that were running were reported
    /// interrupted; `not_run` jobs never started.
    Interrupted { signal: Signal, not_run: usize },
    /// No worker could be started to run what was left: `not_run` jobs
    /// never started.
    Stopped { reason: String, not_run: usize },
}

/// Most tests queued on one worker at once. Deep queues matter for suites
/// of many trivial tests (measured in docs/benchmarks.md); near the end of a
/// run the depth falls to one anyway.
const MAX_QUEUE: usize = 128;

/// How long the pool waits for a result before it lets the reporters flush.
const IDLE_AFTER: Duration = Duration::from_millis(1);

/// How long a worker whose pipe closed may take to exit before it is killed.
const EXIT_GRACE: Duration = Duration::from_secs(2);

/// How long a worker may take to start (fork or exec, then the registry)
/// before its first test's clock runs, or that test's timeout if longer.
/// Past it, the worker is killed and the test sent to it fails as a harness
/// error: its binary cannot start.
const START_LIMIT: Duration = Duration::from_secs(30);

/// Workers in a row that failed to start (never ready) before the pool stops
/// replacing them: a binary that cannot start a worker would otherwise cost
/// [`START_LIMIT`] per test.
const START_FAILURES_TO_STOP: u32 = 2;

/// Without pidfds (Linux before 5.3) exits are found by polling this often.
const EXIT_POLL: Duration = Duration::from_millis(100);

/// Runs every job; returns once each has been reported finished, or once a
/// signal has stopped the run.
///
/// With no thread of its own, the harness can start every worker by `fork`
/// (see [`spawn`](super::spawn)).
pub(crate) fn run(
    jobs: &[Job],
    config: &PoolConfig,
    events: &mut dyn PoolEvents,
) -> io::Result<PoolEnd> {
    let mut pool = Pool {
        jobs,
        config,
        interrupts: interrupt::listen(),
        workers: Vec::new(),
        next_worker_id: 0,
        pending: (0..jobs.len()).collect(),
        remaining: jobs.len(),
        stopping: false,
        spawn_failure: None,
        start_failures: 0,
        earlier_attempts: vec![Vec::new(); jobs.len()],
        this_worker_ms: vec![0.0; jobs.len()],
        resumed: (0..jobs.len()).map(|_| None).collect(),
    };
    for _ in 0..config.workers.min(jobs.len()) {
        let worker = pool.spawn()?;
        pool.workers.push(worker);
    }
    while pool.remaining > 0 {
        if pool.workers.is_empty() {
            // Every worker was lost and none could be started again.
            pool.give_up_retries(events);
            let reason = pool
                .spawn_failure
                .take()
                .unwrap_or_else(|| "no worker is left to run the remaining tests".into());
            return Ok(PoolEnd::Stopped {
                reason,
                not_run: pool.remaining,
            });
        }
        pool.feed(events);
        // Output is flushed only once no result has come for a moment: in a
        // suite of fast tests, flushing whenever a result is read would be a
        // write per test again.
        let deadline = pool.time_to_next_deadline();
        let mut woken = pool.wait(deadline.min(IDLE_AFTER))?;
        if woken.is_empty() && deadline > IDLE_AFTER {
            events.idle();
            woken = pool.wait(deadline - IDLE_AFTER)?;
        }
        for wake in woken {
            match wake {
                Wake::Results { worker } => pool.drain(worker, events)?,
                Wake::Writable { worker } => pool.send_pending(worker),
                Wake::Exited { worker } => pool.on_exited(worker, events)?,
                Wake::Interrupted(signal) => return Ok(pool.interrupt(signal, events)),
            }
        }
        // Checked on every turn: a steady stream of results from other
        // workers must not postpone killing a hung one.
        pool.on_deadlines(events)?;
    }
    for mut worker in std::mem::take(&mut pool.workers) {
        // End of file on its command pipe is the worker's signal to exit;
        // reaping it also stops what its tests left running (a server of a
        // worker-scope fixture).
        worker.commands = None;
        let _ = wait_briefly(&mut worker.process);
    }
    Ok(PoolEnd::Completed)
}

/// What woke the pool.
enum Wake {
    /// A worker has appended results to its results file.
    Results { worker: u64 },
    /// A worker's command pipe can take more of its pending commands.
    Writable { worker: u64 },
    /// A worker exited (its pidfd, or its wake pipe, says so).
    Exited { worker: u64 },
    /// The harness got SIGINT, SIGTERM or SIGHUP.
    Interrupted(Signal),
}

struct Pool<'a> {
    jobs: &'a [Job],
    config: &'a PoolConfig,
    interrupts: Option<&'static Interrupts>,
    workers: Vec<Worker>,
    next_worker_id: u64,
    /// Jobs not yet sent to any worker, in order.
    pending: VecDeque<usize>,
    /// Jobs not yet reported finished.
    remaining: usize,
    /// A signal is stopping the run: lost workers are not replaced.
    stopping: bool,
    /// Why the last replacement worker could not be started.
    spawn_failure: Option<String>,
    /// Workers in a row that never became ready.
    start_failures: u32,
    /// Per job, its failed attempts so far, with their output: kept here
    /// as each is reported, so a worker that dies later loses none.
    earlier_attempts: Vec<Vec<Attempt>>,
    /// Per job, the time of the failed attempts its current worker ran:
    /// the worker's result times all of them and the last.
    this_worker_ms: Vec<f64>,
    /// Per job, the crashes it was resumed after (see
    /// [`checkpoint`](super::checkpoint)): the last checkpoint, with the time
    /// and output of the workers that died.
    resumed: Vec<Option<Resumed>>,
}

/// A test being resumed after its worker crashed past a checkpoint.
struct Resumed {
    /// What the next worker hands the test.
    resume: Resume,
    /// Time spent in the workers that crashed.
    ms: f64,
    /// Their output, in order.
    stdout: Vec<u8>,
    stderr: Vec<u8>,
}

impl Drop for Pool<'_> {
    /// A pool that stops early (an I/O error) must not leave workers running
    /// a hung test, holding the terminal or a CI pipe open.
    fn drop(&mut self) {
        for worker in &mut self.workers {
            worker.commands = None;
            worker.process.kill();
        }
    }
}

struct Worker {
    id: u64,
    process: WorkerProcess,
    /// The command pipe, non-blocking; `None` once closed or broken.
    commands: Option<io::PipeWriter>,
    /// Encoded commands not yet taken by the pipe.
    unsent: Vec<u8>,
    /// Bytes here mean results are waiting; end of file means the worker is
    /// gone (or a process it forked closed its copy: the pidfd tells).
    wake: io::PipeReader,
    /// The wake pipe reached end of file.
    wake_closed: bool,
    /// Jobs sent to this worker; the front one is running.
    queue: VecDeque<usize>,
    /// When the front job started, as far as the harness knows: when it
    /// read the worker's `ready` line or the previous result. Never earlier
    /// than the truth, so a timeout is never declared early.
    front_started: Instant,
    /// When the worker was started.
    spawned: Instant,
    /// The worker has said it is ready: until then its start-up, not a
    /// test, is being timed (against [`START_LIMIT`]).
    ready: bool,
    results: File,
    /// How far the results file has been read.
    results_pos: u64,
    /// Bytes of an unfinished last line.
    partial: Vec<u8>,
    /// The worker said it stops on its own: the tests queued behind are
    /// not at fault when it exits.
    retired: Option<String>,
    /// The last checkpoint the front test saved in this worker.
    checkpoint: Option<CheckpointLine>,
    stdout: Option<File>,
    stderr: Option<File>,
    stdout_pos: u64,
    stderr_pos: u64,
}

impl Worker {
    /// When the harness acts if nothing is heard: the front test's timeout,
    /// or, before the worker is ready, the start-up limit (at least that
    /// timeout). `None` when idle.
    fn deadline(&self, jobs: &[Job], resumed: &[Option<Resumed>]) -> Option<Instant> {
        let front = *self.queue.front()?;
        let timeout = jobs[front].timeout;
        Some(if self.ready {
            // A resumed test carries on the attempt that crashed: the time
            // it spent in the workers that died counts, or each crash past
            // a checkpoint would restart its clock.
            let spent = resumed[front]
                .as_ref()
                .map_or(Duration::ZERO, |r| Duration::from_secs_f64(r.ms / 1000.0));
            self.front_started + timeout.saturating_sub(spent)
        } else {
            start_deadline(self.spawned, timeout)
        })
    }
}

/// When a worker started at `spawned` must be ready, its first test having
/// `timeout`: a test allowed two minutes may wait as long for its worker.
fn start_deadline(spawned: Instant, timeout: Duration) -> Instant {
    spawned + START_LIMIT.max(timeout)
}

impl Pool<'_> {
    /// Starts a worker (see [`spawn`](super::spawn) for how). Its capture
    /// files and results file are anonymous temporary files (`O_TMPFILE`,
    /// mode 0600): no other user can open them, and they vanish with the
    /// last descriptor, however the run ends.
    fn spawn(&mut self) -> io::Result<Worker> {
        let id = self.next_worker_id;
        self.next_worker_id += 1;
        let results = crate::scratch::anonymous_file()?;
        let (wake, wake_write) = io::pipe()?;
        let (commands_read, commands_write) = io::pipe()?;
        set_nonblocking(&commands_write)?;
        let (stdout, stderr) = if self.config.capture {
            (
                Some(crate::scratch::anonymous_file()?),
                Some(crate::scratch::anonymous_file()?),
            )
        } else {
            (None, None)
        };
        let output = match (&stdout, &stderr) {
            (Some(out), Some(err)) => Some((out.try_clone()?, err.try_clone()?)),
            _ => None,
        };
        let ends = spawn::ChildEnds {
            results: results.try_clone()?,
            commands: commands_read,
            wake: wake_write,
            output,
        };
        let process = spawn::start(ends)?;
        Ok(Worker {
            id,
            process,
            commands: Some(commands_write),
            unsent: Vec::new(),
            wake,
            wake_closed: false,
            queue: VecDeque::new(),
            front_started: Instant::now(),
            spawned: Instant::now(),
            ready: false,
            results,
            results_pos: 0,
            partial: Vec::new(),
            retired: None,
            checkpoint: None,
            stdout,
            stderr,
            stdout_pos: 0,
            stderr_pos: 0,
        })
    }

    /// Tops up every worker's queue.
    fn feed(&mut self, events: &mut dyn PoolEvents) {
        let workers = self.workers.len().max(1);
        let depth = (self.pending.len() / (workers * 4)).clamp(1, MAX_QUEUE);
        for position in 0..self.workers.len() {
            let worker = &mut self.workers[position];
            if worker.commands.is_none() || worker.retired.is_some() {
                continue;
            }
            let was_idle = worker.queue.is_empty();
            while worker.queue.len() < depth {
                let Some(job_index) = self.pending.pop_front() else {
                    break;
                };
                let job = &self.jobs[job_index];
                self.this_worker_ms[job_index] = 0.0;
                let command = RunTest {
                    index: job.registry_index,
                    name: job.name.clone(),
                    budget: job.budget,
                    attempts_before: self.earlier_attempts[job_index].len() as u32,
                    only_rerun: self.config.retry.source().map(str::to_owned),
                    resume: self.resumed[job_index].as_ref().map(|r| r.resume.clone()),
                };
                crate::json::to_writer(&mut worker.unsent, &command)
                    .expect("a command always encodes");
                worker.unsent.push(b'\n');
                worker.queue.push_back(job_index);
            }
            if was_idle && let Some(&front) = worker.queue.front() {
                worker.front_started = Instant::now();
                events.started(front);
            }
            let id = worker.id;
            self.send_pending(id);
        }
    }

    /// Writes as much of a worker's unsent commands as its pipe takes now.
    fn send_pending(&mut self, worker_id: u64) {
        let Some(position) = self.position(worker_id) else {
            return;
        };
        let worker = &mut self.workers[position];
        let Some(commands) = worker.commands.as_mut() else {
            return;
        };
        while !worker.unsent.is_empty() {
            match commands.write(&worker.unsent) {
                Ok(written) => {
                    worker.unsent.drain(..written);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(_) => {
                    // The worker is gone; its exit is handled when seen.
                    worker.commands = None;
                    return;
                }
            }
        }
    }

    fn time_to_next_deadline(&self) -> Duration {
        let now = Instant::now();
        let next = self
            .workers
            .iter()
            .filter_map(|w| {
                Some(
                    w.deadline(self.jobs, &self.resumed)?
                        .saturating_duration_since(now),
                )
            })
            .min()
            .unwrap_or(Duration::from_secs(3600));
        if self.workers.iter().any(|w| w.process.exit_fd().is_none()) {
            next.min(EXIT_POLL)
        } else {
            next
        }
    }

    fn position(&self, worker_id: u64) -> Option<usize> {
        self.workers.iter().position(|w| w.id == worker_id)
    }

    /// Waits up to `timeout` for wake-ups, exits, writable pipes and signals.
    fn wait(&mut self, timeout: Duration) -> io::Result<Vec<Wake>> {
        /// What each entry of the poll set stands for.
        enum Source {
            Signals,
            WakePipe(u64),
            ExitFd(u64),
            Commands(u64),
        }
        let pollfd = |fd, events| libc::pollfd {
            fd,
            events,
            revents: 0,
        };
        let mut fds = Vec::with_capacity(self.workers.len() * 3 + 1);
        let mut sources = Vec::with_capacity(fds.capacity());
        if let Some(interrupts) = self.interrupts {
            fds.push(pollfd(interrupts.fd(), libc::POLLIN));
            sources.push(Source::Signals);
        }
        for worker in &self.workers {
            if !worker.wake_closed {
                fds.push(pollfd(worker.wake.as_raw_fd(), libc::POLLIN));
                sources.push(Source::WakePipe(worker.id));
            }
            if let Some(fd) = worker.process.exit_fd() {
                fds.push(pollfd(fd, libc::POLLIN));
                sources.push(Source::ExitFd(worker.id));
            }
            if let Some(commands) = &worker.commands
                && !worker.unsent.is_empty()
            {
                fds.push(pollfd(commands.as_raw_fd(), libc::POLLOUT));
                sources.push(Source::Commands(worker.id));
            }
        }
        let timeout = libc::timespec {
            tv_sec: timeout.as_secs().min(i32::MAX as u64) as libc::time_t,
            tv_nsec: timeout.subsec_nanos() as libc::c_long,
        };
        // SAFETY: `fds` is a valid array of pollfd of the given length.
        let ready = unsafe {
            libc::ppoll(
                fds.as_mut_ptr(),
                fds.len() as libc::nfds_t,
                &timeout,
                std::ptr::null(),
            )
        };
        if ready < 0 {
            let e = io::Error::last_os_error();
            return if e.kind() == io::ErrorKind::Interrupted {
                Ok(Vec::new())
            } else {
                Err(e)
            };
        }
        let mut woken = Vec::new();
        for (fd, source) in fds.iter().zip(sources) {
            if fd.revents == 0 {
                continue;
            }
            match source {
                Source::Signals => {
                    if let Some(signal) = self.interrupts.and_then(Interrupts::take) {
                        woken.push(Wake::Interrupted(signal));
                    }
                }
                Source::WakePipe(id) => {
                    let Some(position) = self.position(id) else {
                        continue;
                    };
                    let worker = &mut self.workers[position];
                    let mut bytes = [0u8; 256];
                    match (&worker.wake).read(&mut bytes) {
                        Ok(n) if n > 0 => woken.push(Wake::Results { worker: id }),
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        _ => {
                            // With a pidfd the exit is reported by it: a
                            // process the test forked may keep the worker
                            // alive-looking or, here, dead-looking.
                            worker.wake_closed = true;
                            if worker.process.exit_fd().is_none() {
                                woken.push(Wake::Exited { worker: id });
                            }
                        }
                    }
                }
                Source::ExitFd(id) => woken.push(Wake::Exited { worker: id }),
                Source::Commands(id) => woken.push(Wake::Writable { worker: id }),
            }
        }
        // Without pidfds, exits are also found by asking.
        for worker in &self.workers {
            if worker.process.exit_fd().is_none()
                && !worker.wake_closed
                && worker.process.has_exited()
            {
                woken.push(Wake::Exited { worker: worker.id });
            }
        }
        Ok(woken)
    }

    /// Reads a worker's new results and reports each finished test. A result
    /// the harness cannot read, or one for another test than the one
    /// running, is a broken worker: it is stopped and its running test fails.
    fn drain(&mut self, worker_id: u64, events: &mut dyn PoolEvents) -> io::Result<()> {
        let Some(position) = self.position(worker_id) else {
            // Results from a worker already stopped were read when it stopped.
            return Ok(());
        };
        let lines = self.workers[position].read_new_lines();
        for line in lines.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
            let done = match crate::json::from_slice::<Report>(line) {
                Ok(Report::Done(done)) => done,
                Ok(Report::Ready { .. }) => {
                    // The worker's start-up is not its first test's time.
                    // Only the first counts: a test writing such lines to
                    // fd 3 must not push its own timeout back.
                    let worker = &mut self.workers[position];
                    if !worker.ready {
                        worker.ready = true;
                        worker.front_started = Instant::now();
                        self.start_failures = 0;
                    }
                    continue;
                }
                Ok(Report::Retire { retire }) => {
                    self.workers[position].retired = Some(retire);
                    continue;
                }
                Ok(Report::Checkpoint { checkpoint }) => {
                    if self.running_job(position, checkpoint.index).is_none() {
                        let message = format!(
                            "the worker reported a checkpoint of registry entry {} while another test was running",
                            checkpoint.index
                        );
                        return self.stop_broken(position, message, events);
                    }
                    self.workers[position].checkpoint = Some(checkpoint);
                    continue;
                }
                Ok(Report::Retrying { retrying }) => {
                    let Some(job_index) = self.running_job(position, retrying.index) else {
                        let message = format!(
                            "the worker reported an attempt of registry entry {} while another test was running",
                            retrying.index
                        );
                        return self.stop_broken(position, message, events);
                    };
                    let retries = self.jobs[job_index].budget.retries.unwrap_or(0) as usize;
                    if self.earlier_attempts[job_index].len() >= retries {
                        // More failed attempts than the test may retry: not
                        // the worker's doing (a test writing to fd 3), and
                        // each would restart the test's clock.
                        let message = format!(
                            "the worker reported more retried attempts than the test's {retries} retries"
                        );
                        return self.stop_broken(position, message, events);
                    }
                    let worker = &mut self.workers[position];
                    let cap = self.config.output_cap;
                    let mut attempt = retrying.attempt;
                    attempt.stdout = take_output(
                        &worker.stdout,
                        &mut worker.stdout_pos,
                        retrying.stdout_end,
                        cap,
                    );
                    attempt.stderr = take_output(
                        &worker.stderr,
                        &mut worker.stderr_pos,
                        retrying.stderr_end,
                        cap,
                    );
                    // Each attempt has the whole timeout, as a retry in a
                    // fresh process would. Read late, never early.
                    worker.front_started = Instant::now();
                    worker.checkpoint = None;
                    self.this_worker_ms[job_index] += attempt.duration_ms;
                    self.earlier_attempts[job_index].push(attempt);
                    continue;
                }
                Err(e) => {
                    let message = format!(
                        "the worker wrote a result the harness could not read ({e}): {:?}",
                        String::from_utf8_lossy(&line[..line.len().min(200)])
                    );
                    return self.stop_broken(position, message, events);
                }
            };
            let Some(job_index) = self.running_job(position, done.index) else {
                let message = format!(
                    "the worker reported a result for registry entry {} while another test was running",
                    done.index
                );
                return self.stop_broken(position, message, events);
            };
            let worker = &mut self.workers[position];
            worker.queue.pop_front();
            worker.checkpoint = None;
            let cap = self.config.output_cap;
            let mut stdout =
                take_output(&worker.stdout, &mut worker.stdout_pos, done.stdout_end, cap);
            let mut stderr =
                take_output(&worker.stderr, &mut worker.stderr_pos, done.stderr_end, cap);
            worker.front_started = Instant::now();
            let next = worker.queue.front().copied();
            self.remaining -= 1;
            let mut outcome = done.outcome;
            // The worker timed the attempts it ran; the ones before ran in
            // workers that are gone.
            let last_ms = (outcome.duration_ms - self.this_worker_ms[job_index]).max(0.0);
            outcome.earlier_attempts = std::mem::take(&mut self.earlier_attempts[job_index]);
            outcome.measurements.attempts = outcome.earlier_attempts.len() as u32 + 1;
            outcome.duration_ms = total_ms(&outcome.earlier_attempts) + last_ms;
            if let Some(resumed) = self.resumed[job_index].take() {
                outcome.duration_ms += resumed.ms;
                stdout = [resumed.stdout, stdout].concat();
                stderr = [resumed.stderr, stderr].concat();
            }
            events.finished(job_index, outcome, stdout, stderr);
            if let Some(next) = next {
                events.started(next);
            }
        }
        Ok(())
    }

    /// The job worker `position` is running, if it is registry entry
    /// `index`: a worker may speak only of the test it is running, the
    /// front of its queue.
    fn running_job(&self, position: usize, index: usize) -> Option<usize> {
        let front = self.workers[position].queue.front().copied()?;
        (self.jobs[front].registry_index == index).then_some(front)
    }

    /// A worker exited (or closed its wake pipe, without pidfds).
    fn on_exited(&mut self, worker_id: u64, events: &mut dyn PoolEvents) -> io::Result<()> {
        self.drain(worker_id, events)?;
        let Some(position) = self.position(worker_id) else {
            return Ok(());
        };
        let mut worker = self.workers.remove(position);
        worker.commands = None;
        let (status, forced) = wait_briefly(&mut worker.process)?;
        self.judge_exit(worker, status, forced, events)
    }

    /// The verdict on a worker that ended on its own, reaped with `status`
    /// (`forced`: it was killed after closing its wake pipe and not exiting):
    /// the test it was running fails with that end; a worker that retired
    /// between tests, or was idle, fails nobody; one that never became ready
    /// ran no test.
    fn judge_exit(
        &mut self,
        mut worker: Worker,
        status: ExitStatus,
        forced: bool,
        events: &mut dyn PoolEvents,
    ) -> io::Result<()> {
        if worker.queue.is_empty() {
            return self.replace_if_needed();
        }
        if let Some(reason) = &worker.retired {
            // It stopped between tests, and said why: the queued tests never
            // started and go to another worker.
            eprintln!("warning: a worker stopped: {reason}");
            self.requeue(&mut worker);
            return self.replace_if_needed();
        }
        if !worker.ready {
            // No test had started: the binary could not start a worker.
            let message = format!("not run: its worker exited while starting ({status})");
            return self.fail_unstarted(worker, message, events);
        }
        let message = if forced {
            "the test closed the worker's pipe to the harness (fd 5) and the worker did not exit, so it was killed".to_string()
        } else {
            describe_exit(status)
        };
        if !forced && self.resume_front(&mut worker, &message) {
            self.requeue(&mut worker);
            return self.replace_if_needed();
        }
        self.fail_front(worker, FailureKind::Crash, message, events)
    }

    /// Puts the crashed worker's front test back, first in line, to carry
    /// on from its last checkpoint in a fresh worker, when it saved one in
    /// this worker that differs from the one it was resumed from (it got
    /// further) and it has been resumed fewer than [`MAX_RESUMES`] times.
    /// The worker's output and time go with the test. `false`: the crash
    /// is the test's verdict.
    fn resume_front(&mut self, worker: &mut Worker, ended: &str) -> bool {
        let (Some(&job), Some(checkpoint)) = (worker.queue.front(), worker.checkpoint.as_ref())
        else {
            return false;
        };
        let previous = self.resumed[job].as_ref();
        let count = previous.map_or(0, |r| r.resume.count) + 1;
        if self.stopping
            || count > MAX_RESUMES
            || previous.is_some_and(|r| r.resume.state == checkpoint.state)
        {
            return false;
        }
        let cap = self.config.output_cap;
        let stdout = take_output(&worker.stdout, &mut worker.stdout_pos, u64::MAX, cap);
        let stderr = take_output(&worker.stderr, &mut worker.stderr_pos, u64::MAX, cap);
        let resume = Resume {
            state: checkpoint.state.clone(),
            note: checkpoint.note.clone(),
            ended: crash_message(ended.to_string(), &stderr),
            count,
        };
        let ms = worker.front_started.elapsed().as_secs_f64() * 1000.0;
        let resumed = self.resumed[job].get_or_insert_with(|| Resumed {
            resume: resume.clone(),
            ms: 0.0,
            stdout: Vec::new(),
            stderr: Vec::new(),
        });
        resumed.resume = resume;
        resumed.ms += ms;
        resumed.stdout.extend_from_slice(&stdout);
        resumed.stderr.extend_from_slice(&stderr);
        worker.queue.pop_front();
        self.pending.push_front(job);
        true
    }

    /// Stops a worker that broke the protocol and fails the test it was
    /// running.
    fn stop_broken(
        &mut self,
        position: usize,
        message: String,
        events: &mut dyn PoolEvents,
    ) -> io::Result<()> {
        let mut worker = self.workers.remove(position);
        worker.process.kill();
        if worker.queue.is_empty() {
            return self.replace_if_needed();
        }
        self.fail_front(worker, FailureKind::Harness, message, events)
    }

    fn on_deadlines(&mut self, events: &mut dyn PoolEvents) -> io::Result<()> {
        let jobs = self.jobs;
        let expired = |w: &Worker, resumed: &[Option<Resumed>], now: Instant| -> Option<usize> {
            let front = *w.queue.front()?;
            (now >= w.deadline(jobs, resumed)?).then_some(front)
        };
        let now = Instant::now();
        let suspects: Vec<u64> = self
            .workers
            .iter()
            .filter(|w| expired(w, &self.resumed, now).is_some())
            .map(|w| w.id)
            .collect();
        for id in suspects {
            // The test the harness timed may have finished already, with its
            // result not yet read.
            self.drain(id, events)?;
            let Some(position) = self.position(id) else {
                continue;
            };
            let Some(hung) = expired(&self.workers[position], &self.resumed, Instant::now()) else {
                continue;
            };
            // Whether a test was running is decided now: a `ready` line read
            // after the kill does not make the start-up a test's time.
            let was_ready = self.workers[position].ready;
            self.workers[position].process.kill();
            // A result written just before the kill still counts.
            self.drain(id, events)?;
            let Some(position) = self.position(id) else {
                continue;
            };
            let mut worker = self.workers.remove(position);
            if let Some(status) = worker.process.status()
                && status.signal() != Some(libc::SIGKILL)
            {
                // It ended on its own: before the harness (held up by other
                // workers' output, or a loaded machine) got to its deadline,
                // or while the kill came (an abort still tearing down). That
                // end is the verdict, as for any exit.
                worker.ready = was_ready;
                self.judge_exit(worker, status, false, events)?;
                continue;
            }
            if worker.queue.front() != Some(&hung) {
                // The hung test finished after all, and the kill caught its
                // successor at its start: that one was not at fault.
                self.requeue(&mut worker);
                self.replace_if_needed()?;
                continue;
            }
            if !was_ready {
                let limit = START_LIMIT.max(jobs[hung].timeout);
                let message = format!(
                    "not run: its worker did not start within {} s, so it was killed",
                    limit.as_secs_f64()
                );
                self.fail_unstarted(worker, message, events)?;
                continue;
            }
            let message = format!(
                "timed out: still running after {} ms (timeout_ms); the worker was killed",
                jobs[hung].timeout.as_millis()
            );
            self.fail_front(worker, FailureKind::Timeout, message, events)?;
        }
        Ok(())
    }

    /// Stops every worker after a signal. Results they wrote are reported;
    /// the tests they were running fail as interrupted; the rest never run.
    fn interrupt(&mut self, signal: Signal, events: &mut dyn PoolEvents) -> PoolEnd {
        self.stopping = true;
        for worker in &mut self.workers {
            worker.commands = None;
            worker.process.kill();
        }
        let ids: Vec<u64> = self.workers.iter().map(|w| w.id).collect();
        for id in ids {
            if self.drain(id, events).is_err() {
                continue;
            }
            let Some(position) = self.position(id) else {
                continue;
            };
            let mut worker = self.workers.remove(position);
            if worker.queue.is_empty() || worker.retired.is_some() || !worker.ready {
                // Nothing was running: a worker not yet ready had started
                // no test. Its queue is given back, so a test waiting for
                // its retry there is reported with its last failure, and
                // the rest count as not run.
                self.requeue(&mut worker);
                continue;
            }
            let running = worker.queue.pop_front().expect("checked above");
            self.requeue(&mut worker);
            let message = format!(
                "interrupted by {}: the run was stopped while this test was running",
                signal.name()
            );
            self.report_lost(
                &mut worker,
                running,
                FailureKind::Interrupted,
                message,
                events,
            );
        }
        self.give_up_retries(events);
        PoolEnd::Interrupted {
            signal,
            not_run: self.remaining,
        }
    }

    /// When the run stops early, a test waiting for a retry has a verdict
    /// already: its last failed attempt, reported as such rather than as
    /// not run.
    fn give_up_retries(&mut self, events: &mut dyn PoolEvents) {
        let resuming: Vec<usize> = self
            .pending
            .iter()
            .copied()
            .filter(|&job| self.resumed[job].is_some())
            .collect();
        self.pending.retain(|job| !resuming.contains(job));
        for job in resuming {
            let resumed = self.resumed[job].take().expect("filtered on a resumption");
            let message = format!(
                "{} (at its last checkpoint: {}); the run stopped before the test could carry on",
                resumed.resume.ended, resumed.resume.note
            );
            let outcome = TestOutcome {
                status: Status::Failed(Failure::new(FailureKind::Crash, message)),
                duration_ms: resumed.ms,
                measurements: Measurements {
                    attempts: 1,
                    ..Measurements::default()
                },
                earlier_attempts: Vec::new(),
                extra: Default::default(),
            };
            self.remaining -= 1;
            events.finished(job, outcome, resumed.stdout, resumed.stderr);
        }
        let waiting: Vec<usize> = self
            .pending
            .iter()
            .copied()
            .filter(|&job| !self.earlier_attempts[job].is_empty())
            .collect();
        self.pending.retain(|job| !waiting.contains(job));
        for job in waiting {
            let mut earlier = std::mem::take(&mut self.earlier_attempts[job]);
            let last = earlier.pop().expect("filtered on a failed attempt");
            let outcome = TestOutcome {
                status: Status::Failed(last.failure),
                duration_ms: total_ms(&earlier) + last.duration_ms,
                measurements: Measurements {
                    attempts: earlier.len() as u32 + 1,
                    ..Measurements::default()
                },
                earlier_attempts: earlier,
                extra: Default::default(),
            };
            self.remaining -= 1;
            events.finished(job, outcome, last.stdout, last.stderr);
        }
    }

    /// Gives a lost worker's queued tests back, in order, to the front.
    fn requeue(&mut self, worker: &mut Worker) {
        for queued in worker.queue.drain(..).rev() {
            self.pending.push_front(queued);
        }
    }

    /// Fails the test a lost worker was running, gives its queued tests back,
    /// and starts a replacement if there is work left.
    fn fail_front(
        &mut self,
        mut worker: Worker,
        kind: FailureKind,
        message: String,
        events: &mut dyn PoolEvents,
    ) -> io::Result<()> {
        let front = worker
            .queue
            .pop_front()
            .expect("a lost worker had a test running");
        self.requeue(&mut worker);
        self.report_lost(&mut worker, front, kind, message, events);
        self.replace_if_needed()
    }

    fn report_lost(
        &mut self,
        worker: &mut Worker,
        job: usize,
        kind: FailureKind,
        message: String,
        events: &mut dyn PoolEvents,
    ) {
        let cap = self.config.output_cap;
        let mut stdout = take_output(&worker.stdout, &mut worker.stdout_pos, u64::MAX, cap);
        let mut stderr = take_output(&worker.stderr, &mut worker.stderr_pos, u64::MAX, cap);
        let mut message = match kind {
            FailureKind::Crash => crash_message(message, &stderr),
            _ => message,
        };
        if let Some(checkpoint) = worker.checkpoint.take() {
            message = format!("{message} (at its last checkpoint: {})", checkpoint.note);
        }
        let mut duration_ms = worker.front_started.elapsed().as_secs_f64() * 1000.0;
        if let Some(resumed) = self.resumed[job].take() {
            // The crashes it was resumed after come first, in its output too.
            message = format!(
                "{message}; before that it was resumed {} time(s) after its worker crashed",
                resumed.resume.count
            );
            duration_ms += resumed.ms;
            stdout = [resumed.stdout, stdout].concat();
            stderr = [resumed.stderr, stderr].concat();
        }
        let failure = Failure::new(kind, message);
        let attempts = self.earlier_attempts[job].len() as u32 + 1;
        let retries = self.jobs[job].budget.retries.unwrap_or(0);
        if attempts <= retries && !self.stopping && self.config.retry.allows(&failure) {
            // A crash or a timeout ends the worker, not the test's retries:
            // the next attempt runs in a fresh worker, first in line.
            self.earlier_attempts[job].push(Attempt {
                failure,
                duration_ms,
                stdout,
                stderr,
            });
            self.pending.push_front(job);
            return;
        }
        let outcome = TestOutcome {
            status: Status::Failed(failure),
            duration_ms: duration_ms + total_ms(&self.earlier_attempts[job]),
            measurements: Measurements {
                attempts,
                ..Measurements::default()
            },
            earlier_attempts: std::mem::take(&mut self.earlier_attempts[job]),
            extra: Default::default(),
        };
        self.remaining -= 1;
        events.finished(job, outcome, stdout, stderr);
    }

    /// Starts a worker in place of a lost one while there is work for it.
    /// If that fails, the run goes on with the workers left; with none left
    /// it stops, saying why (see [`PoolEnd::Stopped`]).
    /// A worker that never became ready: the test sent to it fails as a
    /// harness error (it never ran), and after [`START_FAILURES_TO_STOP`] in
    /// a row no worker is started in its place, so the run ends with the rest
    /// not run instead of paying the start-up limit for each.
    fn fail_unstarted(
        &mut self,
        worker: Worker,
        message: String,
        events: &mut dyn PoolEvents,
    ) -> io::Result<()> {
        self.start_failures += 1;
        if self.start_failures >= START_FAILURES_TO_STOP {
            self.spawn_failure = Some(format!(
                "{START_FAILURES_TO_STOP} workers in a row could not start; the last: {message}"
            ));
        }
        self.fail_front(worker, FailureKind::Harness, message, events)
    }

    fn replace_if_needed(&mut self) -> io::Result<()> {
        if self.stopping || self.pending.is_empty() || self.workers.len() >= self.config.workers {
            return Ok(());
        }
        if self.start_failures >= START_FAILURES_TO_STOP {
            return Ok(());
        }
        match self.spawn() {
            Ok(replacement) => self.workers.push(replacement),
            Err(e) => {
                let reason = format!("a worker could not be started: {e}");
                if self.spawn_failure.is_none() {
                    eprintln!("warning: {reason}; going on with the workers left");
                }
                self.spawn_failure = Some(reason);
            }
        }
        Ok(())
    }
}

impl Worker {
    /// The complete lines appended to the results file since the last call.
    fn read_new_lines(&mut self) -> Vec<u8> {
        let mut chunk = [0u8; 64 * 1024];
        loop {
            match self.results.read_at(&mut chunk, self.results_pos) {
                Ok(0) => break,
                Ok(n) => {
                    self.partial.extend_from_slice(&chunk[..n]);
                    self.results_pos += n as u64;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
        match self.partial.iter().rposition(|&b| b == b'\n') {
            Some(last) => {
                let rest = self.partial.split_off(last + 1);
                std::mem::replace(&mut self.partial, rest)
            }
            None => Vec::new(),
        }
    }
}

fn set_nonblocking(pipe: &io::PipeWriter) -> io::Result<()> {
    let fd = pipe.as_raw_fd();
    // SAFETY: fcntl on a descriptor we own.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    // SAFETY: as above.
    if flags < 0 || unsafe { libc::fcntl(fd, libc::F_SETFL, flags | libc::O_NONBLOCK) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// The time of `attempts`, in milliseconds.
fn total_ms(attempts: &[Attempt]) -> f64 {
    attempts.iter().map(|a| a.duration_ms).sum()
}

/// A test's captured output: bytes `*pos..end` of its capture file (to the
/// file's end for `u64::MAX`), bounded to `cap`; moves `*pos` past them and
/// frees their disk space (the file keeps its length and the worker its
/// offset: a hole is punched where they were).
fn take_output(file: &Option<File>, pos: &mut u64, end: u64, cap: usize) -> Vec<u8> {
    let Some(file) = file else { return Vec::new() };
    let end = match end {
        u64::MAX => file.metadata().map(|m| m.len()).unwrap_or(*pos),
        end => end,
    };
    if end <= *pos {
        return Vec::new();
    }
    let bytes = read_bounded(file, *pos, end, cap);
    punch_hole(file, *pos, end - *pos);
    *pos = end;
    bytes
}

/// Frees `len` bytes of `file` from `offset` on file systems that can;
/// elsewhere the space stays used until the worker ends.
fn punch_hole(file: &File, offset: u64, len: u64) {
    let (Ok(offset), Ok(len)) = (libc::off_t::try_from(offset), libc::off_t::try_from(len)) else {
        return;
    };
    // SAFETY: fallocate on a descriptor we own; failure changes nothing.
    unsafe {
        libc::fallocate(
            file.as_raw_fd(),
            libc::FALLOC_FL_PUNCH_HOLE | libc::FALLOC_FL_KEEP_SIZE,
            offset,
            len,
        )
    };
}

/// Reaps a worker that exited or is about to (its pipe closed); one that
/// keeps running (a test closed fd 5) is killed after a grace period.
/// Returns the status and whether the harness had to kill it.
fn wait_briefly(process: &mut WorkerProcess) -> io::Result<(ExitStatus, bool)> {
    let deadline = Instant::now() + EXIT_GRACE;
    // A worker that closed its pipe is usually a few microseconds from
    // exiting: poll fast first, then back off.
    let mut pause = Duration::from_micros(20);
    while Instant::now() < deadline {
        if process.has_exited() {
            return Ok((process.reap()?, false));
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(5));
    }
    process.kill();
    Ok((process.reap()?, true))
}

/// A crash message, with ": stack overflow" when the worker's `stderr` says
/// that is what it was (Rust prints it before aborting).
fn crash_message(message: String, stderr: &[u8]) -> String {
    if String::from_utf8_lossy(stderr).contains("has overflowed its stack") {
        format!("{message}: stack overflow")
    } else {
        message
    }
}

/// "the worker process was killed by signal 6 (SIGABRT)", as a crash message.
fn describe_exit(status: ExitStatus) -> String {
    if let Some(signal) = status.signal() {
        let name = match signal {
            libc::SIGABRT => "SIGABRT",
            libc::SIGSEGV => "SIGSEGV",
            libc::SIGBUS => "SIGBUS",
            libc::SIGILL => "SIGILL",
            libc::SIGFPE => "SIGFPE",
            libc::SIGKILL => "SIGKILL",
            libc::SIGTERM => "SIGTERM",
            libc::SIGINT => "SIGINT",
            _ => "signal",
        };
        format!("the worker process running the test was killed by signal {signal} ({name})")
    } else {
        match status.code() {
            Some(code) => format!(
                "the worker process running the test exited with code {code} (the test called `std::process::exit` or ended the process)"
            ),
            None => "the worker process running the test ended".to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_worker_may_take_its_first_tests_timeout_to_start_if_longer() {
        let spawned = Instant::now();
        let short = Duration::from_millis(300);
        let long = Duration::from_secs(120);
        assert_eq!(start_deadline(spawned, short), spawned + START_LIMIT);
        assert_eq!(start_deadline(spawned, long), spawned + long);
    }
}
