//! The `neuralnet` command: parses arguments, calls the library, prints. Errors end as one line on
//! stderr and an exit code from DESIGN.md (2 bad input, 3 diverged, 130 interrupted, 1 a bug).

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
            // One line, as for every other error; `--help` has the rest.
            let text = e.render().to_string();
            eprintln!("{} (see --help)", text.lines().next().unwrap_or("error: bad arguments").trim_end());
            return ExitCode::from(2);
        }
    };
    match cli::run(args, &matches) {
        Ok(code) => code,
        Err(err) => {
            let code =
                err.chain().find_map(|c| c.downcast_ref::<neuralnet::Error>()).map(|e| e.exit_code()).unwrap_or(1);
            let msg: Vec<String> = err.chain().map(|c| c.to_string()).collect();
            eprintln!("error: {}", msg.join(": "));
            ExitCode::from(code)
        }
    }
}
