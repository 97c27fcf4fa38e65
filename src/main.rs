//! The `neuralnet` command: parses arguments, calls the library, prints. Errors end as one line on
//! stderr and an exit code from DESIGN.md (2 bad input, 3 diverged, 130 interrupted, 1 a bug).

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args = <cli::args::Cli as clap::Parser>::parse();
    match cli::run(args) {
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
