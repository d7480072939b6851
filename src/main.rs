use std::process::ExitCode;

use clap::{CommandFactory, Parser};
use convmark::cli::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Command::Usersig(args)) => convmark::commands::usersig::run(args),
        Some(Command::Completions { shell }) => {
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "convmark",
                &mut std::io::stdout(),
            );
            Ok(ExitCode::SUCCESS)
        }
        Some(other) => Err(format!("{other:?}: not built yet")),
        None => Err("the TUI is not built yet; see `convmark --help`".to_owned()),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("convmark: {message}");
            ExitCode::from(2)
        }
    }
}
