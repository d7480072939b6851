use std::process::ExitCode;

use clap::{CommandFactory, Parser};
use convmark::cli::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        None => convmark::tui::run(cli.tui),
        Some(Command::Tui(args)) => convmark::tui::run(args),
        Some(Command::Demo(args)) => convmark::tui::run_demo(args),
        Some(Command::Serve(args)) => convmark::commands::serve::run(args),
        Some(Command::Get(args)) => convmark::commands::get::run(args),
        Some(Command::Mark(args)) => convmark::commands::mark::run(args),
        Some(Command::Groups(args)) => convmark::commands::groups::run(args),
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
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("convmark: {message}");
            ExitCode::from(2)
        }
    }
}
