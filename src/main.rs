use std::process::ExitCode;

use clap::Parser;
use convmark::cli::{Cli, Command};
use convmark::commands;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        None => convmark::tui::run(cli.tui),
        Some(Command::Tui(args)) => convmark::tui::run(args),
        Some(Command::Demo(args)) => convmark::tui::run_demo(args),
        Some(Command::Serve(args)) => commands::serve::run(args),
        Some(Command::Get(args)) => commands::get::run(args),
        Some(Command::Mark(args)) => commands::mark::run(args),
        Some(Command::Groups(args)) => commands::groups::run(args),
        Some(Command::Export(args)) => commands::export::run(args),
        Some(Command::Diff(args)) => commands::diff::run(args),
        Some(Command::Apply(args)) => commands::apply::run(args),
        Some(Command::Undo(args)) => commands::undo::run(args),
        Some(Command::Usersig(args)) => commands::usersig::run(args),
        Some(Command::Config(args)) => commands::config::run(args),
        Some(Command::Completions { shell }) => commands::man::completions(shell),
        Some(Command::Man { command }) => commands::man::man(command.as_deref()),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            commands::output::error(&message);
            ExitCode::from(2)
        }
    }
}
