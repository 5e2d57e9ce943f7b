//! The entry point: read the command line, then list, run in-process, or run
//! a worker pool.

/// How a harness run ended. Call [`Conclusion::exit`] to end the process with
/// libtest's exit code.
#[must_use = "a conclusion carries the exit code"]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Conclusion {
    /// 0 when every selected test passed, 101 otherwise (libtest's codes).
    pub exit_code: i32,
}

impl Conclusion {
    /// Ends the process with [`exit_code`](Conclusion::exit_code).
    pub fn exit(self) -> ! {
        std::process::exit(self.exit_code)
    }
}

/// Runs the harness with the process's arguments.
pub fn run() -> Conclusion {
    todo!()
}
