//! `convmark export`: a user's marks, custom marks and groups as a versioned JSON document
//! (`service::document`), on stdout or written atomically to a file.

use std::path::Path;
use std::process::ExitCode;

use super::connect;
use super::output::{Progress, emit, note, thousands, warning};
use crate::cli::ExportArgs;
use crate::service::apply::read;
use crate::service::document::{DocUser, Document, unnamed_groups};

pub fn run(args: ExportArgs) -> Result<ExitCode, String> {
    let mut users: Vec<String> = Vec::new();
    for u in &args.user {
        let u = connect::user_id(u)?;
        if !users.contains(&u) {
            users.push(u);
        }
    }
    let out = args.out.as_deref().filter(|p| p.as_os_str() != "-");
    if let Some(path) = out
        && let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && !dir.is_dir()
    {
        return Err(format!(
            "--out {}: the directory {} does not exist",
            path.display(),
            dir.display()
        ));
    }
    let client = connect::client(&args.conn)?;
    let rt = connect::runtime()?;
    let progress = Progress::new();
    let mut parts = Vec::new();
    for user in &users {
        progress.show(&format!("reading {user}"));
        let read = rt.block_on(read(&client, user, None));
        progress.finish();
        match read {
            Ok(current) => {
                let unnamed = unnamed_groups(&current.snapshot);
                if !unnamed.is_empty() {
                    warning(&format!(
                        "{user}: conversations are in group id(s) {unnamed:?} that the group list does not name; those memberships are left out of the document"
                    ));
                }
                parts.push(DocUser::from_snapshot(&current.snapshot));
            }
            Err(e) => {
                super::output::error(&format!(
                    "cannot read {user:?}: {}; nothing was written",
                    e.describe()
                ));
                return Ok(ExitCode::FAILURE);
            }
        }
    }
    let doc = Document::new(
        client.config().sdkappid,
        crate::api::usersig::unix_now(),
        parts,
    );
    let text = doc.to_text();
    match out {
        None => emit(&text)?,
        Some(path) => {
            write(path, &text)?;
            for part in &doc.users {
                note(&format!(
                    "wrote {} conversation(s) and {} group(s) of {} to {}",
                    thousands(part.conversations.len()),
                    part.groups.len(),
                    part.user,
                    path.display()
                ));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    crate::atomic_file::write(path, text.as_bytes())
        .map_err(|e| format!("--out {}: cannot write it: {e}", path.display()))
}
