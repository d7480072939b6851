//! `convmark usersig` and `convmark usersig verify`.

use std::process::ExitCode;

use crate::api::usersig;
use crate::cli::{UsersigArgs, UsersigVerify};

/// The identifier used when none is given: the emulator's and the docs' admin.
pub const DEFAULT_IDENTIFIER: &str = "administrator";

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn sdkappid(flag: Option<u64>) -> Result<u64, String> {
    match flag {
        Some(v) => Ok(v),
        None => match env("CONVMARK_SDKAPPID") {
            Some(v) => v
                .trim()
                .parse()
                .map_err(|_| format!("CONVMARK_SDKAPPID={v:?} is not a number")),
            None => Err("no SDKAppID: give --sdkappid N or set CONVMARK_SDKAPPID".into()),
        },
    }
}

fn secret_key(flag: Option<String>) -> Result<String, String> {
    flag.or_else(|| env("CONVMARK_SECRET_KEY"))
        .ok_or_else(|| "no secret key: give --secret-key K or set CONVMARK_SECRET_KEY".into())
}

fn identifier(flag: Option<String>) -> String {
    flag.or_else(|| env("CONVMARK_IDENTIFIER"))
        .unwrap_or_else(|| DEFAULT_IDENTIFIER.to_owned())
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
            println!("{sig}");
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
                    println!(
                        "does not verify: {e} (check: {}, code {})",
                        e.check(),
                        e.code()
                    );
                    return Ok(ExitCode::FAILURE);
                }
            };
            let pretty = serde_json::to_string_pretty(&doc.json).unwrap_or_default();
            println!("{pretty}");
            println!(
                "valid from {} for {} s, until {} (unix seconds)",
                doc.time,
                doc.expire,
                doc.time.saturating_add(doc.expire)
            );
            match usersig::verify(&sig, app, &key, &id, usersig::unix_now()) {
                Ok(_) => {
                    println!(
                        "verifies: SDKAppID {app}, identifier {id:?}, not expired, signature good"
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    println!(
                        "does not verify: {e} (check: {}, code {})",
                        e.check(),
                        e.code()
                    );
                    Ok(ExitCode::FAILURE)
                }
            }
        }
    }
}
