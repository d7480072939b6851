//! `convmark usersig` and `convmark usersig verify`.

use std::process::ExitCode;

use crate::api::usersig;
use crate::cli::{UsersigArgs, UsersigVerify};
use crate::commands::output::emit_line;

/// The identifier used when none is given: the emulator's and the docs' admin.
pub const DEFAULT_IDENTIFIER: &str = "administrator";

fn given(flag: Option<String>) -> Option<String> {
    flag.filter(|v| !v.trim().is_empty())
}

fn sdkappid(flag: Option<String>) -> Result<u64, String> {
    match given(flag) {
        Some(v) => crate::config::parse_sdkappid(&v).map_err(|e| format!("--sdkappid: {e}")),
        None => Err("no SDKAppID: give --sdkappid N or set CONVMARK_SDKAPPID".into()),
    }
}

fn secret_key(flag: Option<String>) -> Result<String, String> {
    given(flag)
        .ok_or_else(|| "no secret key: give --secret-key K or set CONVMARK_SECRET_KEY".into())
}

fn identifier(flag: Option<String>) -> String {
    given(flag).unwrap_or_else(|| DEFAULT_IDENTIFIER.to_owned())
}

pub fn run(args: UsersigArgs) -> Result<ExitCode, String> {
    match args.verify {
        None => {
            let g = args.gen_args;
            let sig = usersig::generate_now(
                sdkappid(g.sdkappid)?,
                &secret_key(g.secret_key)?,
                &identifier(g.identifier),
                g.expire,
            );
            emit_line(&sig)?;
            Ok(ExitCode::SUCCESS)
        }
        Some(UsersigVerify::Verify {
            sig,
            sdkappid: app,
            secret_key: key,
            identifier: id,
        }) => {
            let app = sdkappid(app)?;
            let key = secret_key(key)?;
            let id = identifier(id);
            let doc = match usersig::decode(&sig) {
                Ok(doc) => doc,
                Err(e) => {
                    emit_line(&format!(
                        "does not verify: {e} (check: {}, code {})",
                        e.check(),
                        e.code()
                    ))?;
                    return Ok(ExitCode::FAILURE);
                }
            };
            let pretty = serde_json::to_string_pretty(&doc.json).unwrap_or_default();
            emit_line(&pretty)?;
            emit_line(&format!(
                "valid from {} for {} s, until {} (unix seconds)",
                doc.time,
                doc.expire,
                doc.time.saturating_add(doc.expire)
            ))?;
            match usersig::verify(&sig, app, &key, &id, usersig::unix_now()) {
                Ok(_) => {
                    emit_line(&format!(
                        "verifies: SDKAppID {app}, identifier {id:?}, not expired, signature good"
                    ))?;
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    emit_line(&format!(
                        "does not verify: {e} (check: {}, code {})",
                        e.check(),
                        e.code()
                    ))?;
                    Ok(ExitCode::FAILURE)
                }
            }
        }
    }
}
