//! The `neuralnet` command: parses arguments, calls the library, prints. Errors end as one line on
//! stderr (argument errors as clap words them, with its suggestion and the usage line) and an exit
//! code from DESIGN.md (2 bad input, 3 diverged, 130 interrupted, 1 a bug).

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    use clap::{CommandFactory, FromArgMatches};
    let parsed = cli::args::Cli::command()
        .try_get_matches()
        .and_then(|m| cli::args::Cli::from_arg_matches(&m).map(|args| (args, m)));
    let (args, matches) = match parsed {
        Ok(parsed) => parsed,
        // --help, --version, and a bare `neuralnet` (which prints the help)
        Err(e) if !e.use_stderr() || e.kind() == clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            e.exit()
        }
        Err(e) => {
            // clap's whole message: what is wrong, the similar flag it suggests, the usage line.
            let _ = e.print();
            return ExitCode::from(2);
        }
    };
    match cli::run(args, &matches) {
        Ok(code) => code,
        Err(err) => {
            let code =
                err.chain().find_map(|c| c.downcast_ref::<neuralnet::Error>()).map(|e| e.exit_code()).unwrap_or(1);
            eprintln!("error: {}", one_line(&err));
            ExitCode::from(code)
        }
    }
}

/// The error and its causes joined by ": ", leaving out a cause its predecessor already quotes
/// (an I/O error's message usually ends with the OS error it wraps).
fn one_line(err: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in err.chain().map(|c| c.to_string()) {
        if line.is_empty() {
            line = cause;
        } else if !line.contains(&cause) {
            line = format!("{line}: {cause}");
        }
    }
    line
}
