use std::process::ExitCode;

use convmark::cli::{Cli, Command};
use convmark::commands;

fn main() -> ExitCode {
    use clap::{CommandFactory, FromArgMatches};
    let cli = match Cli::command()
        .try_get_matches()
        .and_then(|m| Cli::from_arg_matches(&m).map(|cli| (cli, m)))
    {
        Ok((cli, matches)) => {
            convmark::cli::note_typed_flags(&matches);
            cli
        }
        Err(e) => return parse_failed(&e),
    };
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

/// `--help`, `--version` (on stdout) or a usage error (on stderr, exit 2). A help that
/// cannot be written (a full disk) is an error too, as for every other output; a closed
/// pipe is not.
fn parse_failed(e: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    let printed = e.print();
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => match printed {
            Err(err) if err.kind() != std::io::ErrorKind::BrokenPipe => {
                commands::output::error(&format!("cannot write to stdout: {err}"));
                ExitCode::from(2)
            }
            _ => ExitCode::SUCCESS,
        },
        _ => ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2)),
    }
}
