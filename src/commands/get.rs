//! `convmark get`.

pub fn run(_args: crate::cli::GetArgs) -> Result<std::process::ExitCode, String> {
    Err("get is being written".into())
}
