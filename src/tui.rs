//! Entry points of the TUI: `convmark [tui]` and `convmark demo`.

use std::process::ExitCode;

use crate::cli::{DemoArgs, TuiArgs};

pub fn run(_args: TuiArgs) -> Result<ExitCode, String> {
    Err("the TUI is being written".into())
}

pub fn run_demo(_args: DemoArgs) -> Result<ExitCode, String> {
    Err("the TUI is being written".into())
}
