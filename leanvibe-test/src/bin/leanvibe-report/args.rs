//! Reading a subcommand's arguments: one-line errors, `--help` at any point.

use lexopt::{Arg, Parser, ValueExt};
use std::ffi::OsString;
use std::process::ExitCode;

/// What a subcommand's argument reader is given for each argument.
pub type Take<T> = fn(&mut T, Arg<'_>, &mut Parser) -> Result<(), String>;

/// The subcommand (first argument); `--help` or nothing prints `help`.
pub fn command(parser: &mut Parser, help: &str) -> Result<String, ExitCode> {
    match parser.next() {
        Ok(Some(Arg::Value(command))) => command
            .string()
            .map_err(|_| usage_error("the subcommand is not UTF-8")),
        Ok(Some(Arg::Short('h') | Arg::Long("help"))) => {
            print!("{help}");
            Err(ExitCode::SUCCESS)
        }
        Ok(Some(Arg::Short('V') | Arg::Long("version"))) => Ok("--version".into()),
        Ok(Some(Arg::Short(c))) => Err(usage_error(&format!("unexpected argument '-{c}' found"))),
        Ok(Some(Arg::Long(flag))) => Err(usage_error(&format!(
            "unexpected argument '--{flag}' found"
        ))),
        Ok(None) => {
            eprint!("{help}");
            Err(ExitCode::from(2))
        }
        Err(e) => Err(usage_error(&e.to_string())),
    }
}

/// Reads the rest of the command line into a `T` with `take`; `--help`
/// prints `help` and exits 0; a mistake exits 2 with one line.
pub fn parse<T: Default + Complete>(
    mut parser: Parser,
    help: &str,
    take: Take<T>,
) -> Result<T, ExitCode> {
    let mut args = T::default();
    let mut wants_help = false;
    loop {
        let arg = match parser.next() {
            Ok(Some(arg)) => arg,
            Ok(None) => break,
            Err(e) => return Err(usage_error(&e.to_string())),
        };
        if matches!(arg, Arg::Short('h') | Arg::Long("help")) {
            wants_help = true;
            continue;
        }
        // A long flag's name borrows the parser, which `take` needs for
        // the flag's value: give it a copy of the name.
        let taken = match arg {
            Arg::Long(flag) => {
                let flag = flag.to_owned();
                take(&mut args, Arg::Long(&flag), &mut parser)
            }
            Arg::Short(flag) => take(&mut args, Arg::Short(flag), &mut parser),
            Arg::Value(value) => take(&mut args, Arg::Value(value), &mut parser),
        };
        taken.map_err(|e| usage_error(&e))?;
    }
    if wants_help {
        print!("{help}");
        return Err(ExitCode::SUCCESS);
    }
    args.complete().map_err(|e| usage_error(&e))?;
    Ok(args)
}

/// Arguments that may be incomplete once parsed (a required input missing).
pub trait Complete {
    /// `Err` with what is missing, in one line.
    fn complete(&self) -> Result<(), String>;
}

/// The check of a subcommand that reads report files: at least one.
pub fn some_inputs(command: &str, inputs: &[std::path::PathBuf]) -> Result<(), String> {
    if inputs.is_empty() {
        return Err(format!("{command} needs at least one <INPUT>"));
    }
    Ok(())
}

/// The error for an argument this subcommand does not take.
pub fn unexpected(arg: Arg<'_>) -> String {
    match arg {
        Arg::Short(c) => format!("unexpected argument '-{c}' found; see --help for the options"),
        Arg::Long(flag) => {
            format!("unexpected argument '--{flag}' found; see --help for the options")
        }
        Arg::Value(value) => format!("unexpected argument '{}' found", value.to_string_lossy()),
    }
}

/// The option's value.
pub fn value(parser: &mut Parser, option: &str) -> Result<OsString, String> {
    parser
        .value()
        .map_err(|_| format!("a value is required for '{option}' but none was supplied"))
}

/// The option's value as UTF-8 text.
pub fn text(parser: &mut Parser, option: &str) -> Result<String, String> {
    value(parser, option)?
        .string()
        .map_err(|_| format!("the value of '{option}' is not UTF-8"))
}

/// Prints `error: {message}` and gives exit code 2, as clap did.
pub fn usage_error(message: &str) -> ExitCode {
    eprintln!("leanvibe-report: error: {message}");
    ExitCode::from(2)
}
