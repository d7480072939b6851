//! `convmark mark`.

pub fn run(_args: crate::cli::MarkArgs) -> Result<std::process::ExitCode, String> {
    Err("mark is being written".into())
}
