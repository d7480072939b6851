//! `convmark groups`.

pub fn run(_args: crate::cli::GroupsArgs) -> Result<std::process::ExitCode, String> {
    Err("groups is being written".into())
}
