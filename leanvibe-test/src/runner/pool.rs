//! The harness side of the pool: N worker processes, each fed one test at a
//! time with a few more queued behind it, supervised for crashes and timeouts.
//!
//! A worker's queue is kept a few tests ahead so a trivial test costs a pipe
//! write and a read, not a round trip. Near the end of the run queues shrink to
//! one so a slow test does not hold back tests another worker could take.

use super::protocol::{COMMANDS_FD, RESULTS_FD, RunTest, TestDone, VERSION, WORKER_ENV};
use crate::record::{Failure, FailureKind, Measurements, Outcome, Status};
use crate::registry::Budget;
use std::collections::{HashSet, VecDeque};
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::FileExt;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
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
}

/// What the pool tells its caller as tests progress.
pub(crate) trait PoolEvents {
    /// Job `job` (index into the jobs slice) started.
    fn started(&mut self, job: usize);
    /// Job `job` finished with this outcome and captured output.
    fn finished(&mut self, job: usize, outcome: Outcome, stdout: Vec<u8>, stderr: Vec<u8>);
    /// The pool is about to wait for a worker: a good moment to flush output.
    fn idle(&mut self);
}

/// Most tests queued on one worker at once. Deep queues matter for suites
/// of many trivial tests (measured in docs/benchmarks.md); near the end of a
/// run the depth falls to one anyway.
const MAX_QUEUE: usize = 128;

/// How long the pool waits for a result before it lets the reporters flush.
const IDLE_AFTER: Duration = Duration::from_millis(1);

/// Runs every job; returns once each has been reported finished.
pub(crate) fn run(
    jobs: &[Job],
    config: &PoolConfig,
    events: &mut dyn PoolEvents,
) -> io::Result<()> {
    let capture_dir = tempfile::Builder::new()
        .prefix("leanvibe-capture-")
        .tempdir()?;
    let (sender, receiver) = mpsc::channel();
    let mut pool = Pool {
        jobs,
        config,
        capture_dir: capture_dir.path().to_path_buf(),
        sender,
        workers: Vec::new(),
        next_worker_id: 0,
        pending: (0..jobs.len()).collect(),
        remaining: jobs.len(),
        suspects: HashSet::new(),
    };
    for _ in 0..config.workers.min(jobs.len()) {
        let worker = pool.spawn()?;
        pool.workers.push(worker);
    }
    while pool.remaining > 0 {
        pool.feed(events)?;
        // Output is flushed only once no result has come for a moment: in a
        // suite of fast tests, flushing whenever the channel is empty would be
        // a write per test again.
        let deadline = pool.time_to_next_deadline();
        let message = match receiver.recv_timeout(deadline.min(IDLE_AFTER)) {
            Err(mpsc::RecvTimeoutError::Timeout) if deadline > IDLE_AFTER => {
                events.idle();
                receiver.recv_timeout(deadline - IDLE_AFTER)
            }
            other => other,
        };
        match message {
            Ok(Message::Done { worker, done }) => pool.on_done(worker, done, events),
            Ok(Message::Closed { worker }) => pool.on_closed(worker, events)?,
            Ok(Message::Garbled { worker, line }) => pool.on_garbled(worker, &line, events)?,
            // The pool holds a sender itself, so the channel never disconnects.
            Err(_) => {}
        }
        // Checked on every turn: a steady stream of results from other
        // workers must not postpone killing a hung one.
        pool.on_deadlines(events)?;
    }
    for worker in &mut pool.workers {
        worker.commands = None;
        let _ = worker.child.wait();
    }
    pool.workers.clear();
    Ok(())
}

enum Message {
    Done { worker: u64, done: TestDone },
    Closed { worker: u64 },
    Garbled { worker: u64, line: String },
}

struct Pool<'a> {
    jobs: &'a [Job],
    config: &'a PoolConfig,
    capture_dir: PathBuf,
    sender: mpsc::Sender<Message>,
    workers: Vec<Worker>,
    next_worker_id: u64,
    /// Jobs not yet sent to any worker, in order.
    pending: VecDeque<usize>,
    /// Jobs not yet reported finished.
    remaining: usize,
    /// Jobs that were in flight on a worker that died with several of them
    /// sent: any of them may have killed it (results are batched, so even
    /// finished ones may be unreported). While any is left, every worker gets
    /// one job at a time, so the next death names its test exactly.
    suspects: HashSet<usize>,
}

impl Drop for Pool<'_> {
    /// A pool that stops early (an I/O error) must not leave workers running
    /// a hung test, holding the terminal or a CI pipe open.
    fn drop(&mut self) {
        for worker in &mut self.workers {
            worker.commands = None;
            kill(&mut worker.child);
        }
    }
}

struct Worker {
    id: u64,
    child: Child,
    commands: Option<BufWriter<io::PipeWriter>>,
    /// Jobs sent to this worker; the front one is running.
    queue: VecDeque<usize>,
    /// When the front job started (the previous result's arrival).
    front_started: Instant,
    stdout: Option<File>,
    stderr: Option<File>,
    stdout_pos: u64,
    stderr_pos: u64,
}

impl Pool<'_> {
    fn spawn(&mut self) -> io::Result<Worker> {
        let id = self.next_worker_id;
        self.next_worker_id += 1;
        let (results_read, results_write) = io::pipe()?;
        let (commands_read, commands_write) = io::pipe()?;
        let mut command = Command::new(std::env::current_exe()?);
        command.env(WORKER_ENV, VERSION).stdin(Stdio::null());
        let (stdout, stderr) = if self.config.capture {
            let out = self.capture_dir.join(format!("worker-{id}.out"));
            let err = self.capture_dir.join(format!("worker-{id}.err"));
            command
                .stdout(File::create(&out)?)
                .stderr(File::create(&err)?);
            (Some(File::open(out)?), Some(File::open(err)?))
        } else {
            (None, None)
        };
        let (results_fd, commands_fd) = (results_write.as_raw_fd(), commands_read.as_raw_fd());
        // SAFETY: only async-signal-safe calls (fcntl, dup2) between fork and exec.
        // The pipe ends are first moved above fd 10 so placing them on 3 and 4
        // cannot overwrite one with the other; dup2 clears close-on-exec on the
        // copies, so exactly these two survive exec.
        unsafe {
            command.pre_exec(move || {
                let results = libc::fcntl(results_fd, libc::F_DUPFD_CLOEXEC, 10);
                let commands = libc::fcntl(commands_fd, libc::F_DUPFD_CLOEXEC, 10);
                if results < 0
                    || commands < 0
                    || libc::dup2(results, RESULTS_FD) < 0
                    || libc::dup2(commands, COMMANDS_FD) < 0
                {
                    return Err(io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = command.spawn()?;
        drop((results_write, commands_read));
        let sender = self.sender.clone();
        std::thread::Builder::new()
            .name(format!("leanvibe-reader-{id}"))
            .spawn(move || read_results(id, results_read, sender))?;
        Ok(Worker {
            id,
            child,
            commands: Some(BufWriter::new(commands_write)),
            queue: VecDeque::new(),
            front_started: Instant::now(),
            stdout,
            stderr,
            stdout_pos: 0,
            stderr_pos: 0,
        })
    }

    /// Tops up every worker's queue.
    fn feed(&mut self, events: &mut dyn PoolEvents) -> io::Result<()> {
        let workers = self.workers.len().max(1);
        for worker in &mut self.workers {
            let depth = if self.suspects.is_empty() {
                (self.pending.len() / (workers * 4)).clamp(1, MAX_QUEUE)
            } else {
                1
            };
            let was_idle = worker.queue.is_empty();
            let mut sent = false;
            while worker.queue.len() < depth && worker.commands.is_some() {
                let Some(job_index) = self.pending.pop_front() else {
                    break;
                };
                let job = &self.jobs[job_index];
                let command = RunTest {
                    index: job.registry_index,
                    name: job.name.clone(),
                    budget: job.budget,
                };
                let commands = worker.commands.as_mut().expect("checked by the loop");
                let written = serde_json::to_writer(&mut *commands, &command)
                    .map_err(io::Error::from)
                    .and_then(|()| commands.write_all(b"\n"));
                if written.is_err() {
                    // The worker is gone: the job waits for another, and the
                    // worker's death arrives as `Closed`.
                    self.pending.push_front(job_index);
                    worker.commands = None;
                    break;
                }
                worker.queue.push_back(job_index);
                sent = true;
            }
            if sent
                && let Some(commands) = worker.commands.as_mut()
                && commands.flush().is_err()
            {
                worker.commands = None;
            }
            if was_idle && let Some(&front) = worker.queue.front() {
                worker.front_started = Instant::now();
                events.started(front);
            }
        }
        Ok(())
    }

    fn time_to_next_deadline(&self) -> Duration {
        let now = Instant::now();
        self.workers
            .iter()
            .filter_map(|w| {
                let front = *w.queue.front()?;
                Some((w.front_started + self.jobs[front].timeout).saturating_duration_since(now))
            })
            .min()
            .unwrap_or(Duration::from_secs(3600))
    }

    fn worker_mut(&mut self, id: u64) -> Option<&mut Worker> {
        self.workers.iter_mut().find(|w| w.id == id)
    }

    fn on_done(&mut self, worker_id: u64, done: TestDone, events: &mut dyn PoolEvents) {
        let jobs = self.jobs;
        // Results from a worker we already killed are stale.
        let Some(worker) = self.worker_mut(worker_id) else {
            return;
        };
        let Some(job_index) = worker.queue.pop_front() else {
            return;
        };
        debug_assert_eq!(jobs[job_index].registry_index, done.index);
        let stdout = read_range(
            &worker.stdout,
            &mut worker.stdout_pos,
            Some(done.stdout_end),
        );
        let stderr = read_range(
            &worker.stderr,
            &mut worker.stderr_pos,
            Some(done.stderr_end),
        );
        worker.front_started = Instant::now();
        let next = worker.queue.front().copied();
        self.remaining -= 1;
        self.suspects.remove(&job_index);
        events.finished(job_index, done.outcome, stdout, stderr);
        if let Some(next) = next {
            events.started(next);
        }
    }

    /// A worker's result pipe closed: it exited or died.
    fn on_closed(&mut self, worker_id: u64, events: &mut dyn PoolEvents) -> io::Result<()> {
        let Some(position) = self.workers.iter().position(|w| w.id == worker_id) else {
            return Ok(());
        };
        let mut worker = self.workers.remove(position);
        worker.commands = None;
        let status = wait_briefly(&mut worker.child)?;
        if worker.queue.is_empty() {
            return self.replace_if_needed();
        }
        let message = describe_exit(status);
        self.fail_front(worker, FailureKind::Crash, message, events)
    }

    fn on_garbled(
        &mut self,
        worker_id: u64,
        line: &str,
        events: &mut dyn PoolEvents,
    ) -> io::Result<()> {
        let Some(position) = self.workers.iter().position(|w| w.id == worker_id) else {
            return Ok(());
        };
        let mut worker = self.workers.remove(position);
        kill(&mut worker.child);
        if worker.queue.is_empty() {
            return self.replace_if_needed();
        }
        let message = format!("the worker sent a result the harness could not read: {line:?}");
        self.fail_front(worker, FailureKind::Harness, message, events)
    }

    fn on_deadlines(&mut self, events: &mut dyn PoolEvents) -> io::Result<()> {
        let now = Instant::now();
        let jobs = self.jobs;
        let expired: Vec<u64> = self
            .workers
            .iter()
            .filter(|w| {
                w.queue
                    .front()
                    .is_some_and(|&front| now >= w.front_started + jobs[front].timeout)
            })
            .map(|w| w.id)
            .collect();
        for id in expired {
            let position = self
                .workers
                .iter()
                .position(|w| w.id == id)
                .expect("expired worker exists");
            let mut worker = self.workers.remove(position);
            kill(&mut worker.child);
            let timeout = jobs[worker.queue[0]].timeout;
            let message = format!(
                "timed out: still running after {} ms (timeout_ms); the worker was killed",
                timeout.as_millis()
            );
            self.fail_front(worker, FailureKind::Timeout, message, events)?;
        }
        Ok(())
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
        for queued in worker.queue.drain(..).rev() {
            self.pending.push_front(queued);
        }
        let stdout = read_range(&worker.stdout, &mut worker.stdout_pos, None);
        let stderr = read_range(&worker.stderr, &mut worker.stderr_pos, None);
        let message = match kind {
            FailureKind::Crash
                if String::from_utf8_lossy(&stderr).contains("has overflowed its stack") =>
            {
                format!("{message}: stack overflow")
            }
            _ => message,
        };
        let outcome = Outcome {
            status: Status::Failed(Failure { kind, message }),
            duration_ms: worker.front_started.elapsed().as_secs_f64() * 1000.0,
            measurements: Measurements {
                attempts: 1,
                ..Measurements::default()
            },
            extra: Default::default(),
        };
        self.remaining -= 1;
        events.finished(front, outcome, stdout, stderr);
        self.replace_if_needed()
    }

    /// Starts a worker in place of a lost one while there is work for it.
    fn replace_if_needed(&mut self) -> io::Result<()> {
        if !self.pending.is_empty() && self.workers.len() < self.config.workers {
            let replacement = self.spawn()?;
            self.workers.push(replacement);
        }
        Ok(())
    }
}

/// Reads one worker's results until its pipe closes.
fn read_results(worker: u64, pipe: io::PipeReader, sender: mpsc::Sender<Message>) {
    for line in BufReader::new(pipe).lines() {
        let Ok(line) = line else { break };
        let message = match serde_json::from_str(&line) {
            Ok(done) => Message::Done { worker, done },
            Err(_) => Message::Garbled { worker, line },
        };
        if sender.send(message).is_err() {
            return;
        }
    }
    let _ = sender.send(Message::Closed { worker });
}

/// Reads the capture file from `*pos` to `end` (or to its end) and advances.
fn read_range(file: &Option<File>, pos: &mut u64, end: Option<u64>) -> Vec<u8> {
    let Some(file) = file else { return Vec::new() };
    if end == Some(*pos) {
        return Vec::new();
    }
    let end = match end {
        Some(end) => end,
        None => file.metadata().map(|m| m.len()).unwrap_or(*pos),
    };
    let len = end.saturating_sub(*pos) as usize;
    let mut bytes = vec![0; len];
    let read = file.read_at(&mut bytes, *pos).unwrap_or(0);
    bytes.truncate(read);
    *pos = end;
    bytes
}

/// Reaps a worker whose result pipe closed; one that closed the pipe but
/// keeps running (a test closed fd 3) is killed after a grace period.
fn wait_briefly(child: &mut Child) -> io::Result<std::process::ExitStatus> {
    let deadline = Instant::now() + Duration::from_secs(2);
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait()? {
            return Ok(status);
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let _ = child.kill();
    child.wait()
}

fn kill(child: &mut Child) {
    let _ = child.kill();
    let _ = child.wait();
}

/// "the worker process was killed by signal 6 (SIGABRT)", as a crash message.
fn describe_exit(status: std::process::ExitStatus) -> String {
    if let Some(signal) = status.signal() {
        let name = match signal {
            libc::SIGABRT => "SIGABRT",
            libc::SIGSEGV => "SIGSEGV",
            libc::SIGBUS => "SIGBUS",
            libc::SIGILL => "SIGILL",
            libc::SIGFPE => "SIGFPE",
            libc::SIGKILL => "SIGKILL",
            libc::SIGTERM => "SIGTERM",
            _ => "signal",
        };
        format!("the worker process running the test was killed by signal {signal} ({name})")
    } else {
        match status.code() {
            Some(code) => format!("the worker process running the test exited with code {code}"),
            None => "the worker process running the test ended".to_string(),
        }
    }
}
