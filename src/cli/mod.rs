//! The subcommands: each turns parsed arguments into library calls and prints the results.

pub mod args;
mod inspect;
mod progress;
mod resilience;
mod train;

use anyhow::Result;
use args::{Cli, Command};
use std::process::ExitCode;

/// Runs one parsed command line.
pub fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Train(a) => train::run(*a),
        Command::Eval(a) => inspect::eval(a),
        Command::Inspect(a) => inspect::inspect(a),
        Command::Gradcheck(a) => inspect::gradcheck(a),
    }
}
