//! `convmark man` and `convmark completions`: both generated from the CLI definition
//! (`cli::Cli`) into a buffer, then written with `output::emit_bytes`, so a closed pipe
//! (`| head`) or a full disk never panics.

use std::process::ExitCode;

use clap::CommandFactory;

use crate::cli::Cli;
use crate::commands::output::emit_bytes;

/// The completion script for a shell.
pub fn completions_script(shell: clap_complete::Shell) -> Vec<u8> {
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "convmark", &mut buf);
    buf
}

pub fn completions(shell: clap_complete::Shell) -> Result<ExitCode, String> {
    emit_bytes(&completions_script(shell))?;
    Ok(ExitCode::SUCCESS)
}

/// The man page (roff) of convmark, or of one of its commands (`convmark-mark(1)`).
pub fn page(command: Option<&str>) -> Result<Vec<u8>, String> {
    let mut cli = Cli::command();
    // Building gives every command its full name (`convmark-mark`, `convmark mark`).
    cli.build();
    let cmd = match command {
        None => cli,
        Some(name) => match cli.find_subcommand(name) {
            Some(sub) if name != "help" => sub.clone(),
            _ => {
                let known: Vec<&str> = cli
                    .get_subcommands()
                    .map(|c| c.get_name())
                    .filter(|n| *n != "help")
                    .collect();
                return Err(format!(
                    "no command {name:?} to show the page of; commands: {}",
                    known.join(", ")
                ));
            }
        },
    };
    let mut buf = Vec::new();
    clap_mangen::Man::new(cmd)
        .manual("convmark manual")
        .source(concat!("convmark ", env!("CARGO_PKG_VERSION")))
        .render(&mut buf)
        .map_err(|e| format!("cannot render the man page: {e}"))?;
    Ok(buf)
}

pub fn man(command: Option<&str>) -> Result<ExitCode, String> {
    emit_bytes(&page(command)?)?;
    Ok(ExitCode::SUCCESS)
}
