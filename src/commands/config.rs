//! `convmark config path | init | check`: where the files are, a commented config file to
//! start from, and what convmark makes of the config it would use.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::api::Auth;
use crate::cli::{ConfigAction, ConfigArgs};
use crate::commands::output::{Table, emit, warning};
use crate::config::{self, ConnArgs};

/// The example config file, with every setting in place.
pub const EXAMPLE: &str = include_str!("../../assets/config.example.toml");

/// What `convmark config init` writes: the example with every setting commented out (`#key
/// = ...`, `#[table]`), so that a fresh file holds no made-up credentials.
pub fn template() -> String {
    EXAMPLE
        .lines()
        .map(|line| {
            if line.trim().is_empty() || line.starts_with('#') {
                format!("{line}\n")
            } else {
                format!("#{line}\n")
            }
        })
        .collect()
}

pub fn run(args: ConfigArgs) -> Result<ExitCode, String> {
    match args.action {
        ConfigAction::Path => path(),
        ConfigAction::Init => init(),
        ConfigAction::Check { conn } => check(&conn),
    }
}

fn state(path: &Path) -> &'static str {
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => "exists (folder)",
        Ok(_) => "exists",
        Err(_) => "not there yet",
    }
}

fn overridden(var: &str) -> bool {
    std::env::var_os(var).is_some_and(|v| !v.is_empty())
}

/// Every place convmark reads or writes, with whether it is there.
pub fn paths() -> Vec<(&'static str, PathBuf)> {
    let data = config::data_dir();
    vec![
        ("config file", config::config_path()),
        ("data dir", data.clone()),
        ("log", config::log_path(&data)),
        ("journal dir", data.join("journal")),
        ("audit log", crate::audit::path(&data)),
        ("demo data dir", data.join("demo")),
    ]
}

fn path() -> Result<ExitCode, String> {
    let mut table = Table::new(&["WHAT", "PATH", "STATE"]);
    for (what, path) in paths() {
        let mut state = state(&path).to_owned();
        if what == "config file" && overridden("CONVMARK_CONFIG") {
            state.push_str(", from CONVMARK_CONFIG");
        }
        if what == "data dir" && overridden("CONVMARK_DATA_DIR") {
            state.push_str(", from CONVMARK_DATA_DIR");
        }
        table.row(vec![what.to_owned(), path.display().to_string(), state]);
    }
    emit(&table.render())?;
    Ok(ExitCode::SUCCESS)
}

fn init() -> Result<ExitCode, String> {
    use std::io::Write;
    let path = config::config_path();
    let exists = || {
        format!(
            "{} already exists; `convmark config init` never overwrites a config file (edit it, or move it away first)",
            path.display()
        )
    };
    match std::fs::symlink_metadata(&path) {
        Ok(meta) if meta.is_dir() => {
            return Err(format!(
                "{} is a folder, not a config file: point CONVMARK_CONFIG at a file (e.g. {}/config.toml)",
                path.display(),
                path.display()
            ));
        }
        Ok(_) => return Err(exists()),
        Err(_) => {}
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        create_private_dir(dir)
            .map_err(|e| format!("cannot create the folder {}: {e}", dir.display()))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = match options.open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return Err(exists()),
        Err(e) => return Err(format!("cannot create {}: {e}", path.display())),
    };
    file.write_all(template().as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    emit(&format!(
        "wrote {} (mode 600): every setting is commented out; fill in a profile, then run `convmark config check`\n",
        path.display()
    ))?;
    Ok(ExitCode::SUCCESS)
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

fn check(conn: &ConnArgs) -> Result<ExitCode, String> {
    let path = config::config_path();
    let found = std::fs::metadata(&path).is_ok();
    let file = config::load_file(&path).map_err(|e| e.to_string())?;
    if let Some(text) = config::permission_warning(&path, &file) {
        warning(&text);
    }
    // the key map as the TUI will build it: a bad [keys] entry is an error here too
    config::keymap(&file, &path).map_err(|e| e.to_string())?;
    let connection = config::resolve(conn, &file, &path).map_err(|e| e.to_string())?;
    let client = &connection.client;
    let mut table = Table::new(&["SETTING", "VALUE"]);
    let mut row = |what: &str, value: String| table.row(vec![what.to_owned(), value]);
    row(
        "config file",
        if found {
            path.display().to_string()
        } else {
            format!("{} (not there: flags and variables only)", path.display())
        },
    );
    row(
        "profile",
        connection.profile.clone().unwrap_or_else(|| {
            if file.profile.contains_key("default") {
                "default".into()
            } else {
                "none".into()
            }
        }),
    );
    row("SDKAppID", client.sdkappid.to_string());
    row("identifier", client.identifier.clone());
    let url = client.base_url.to_string();
    row(
        "endpoint",
        if connection.endpoint_label.trim_end_matches('/') == url.trim_end_matches('/') {
            url
        } else {
            format!("{} ({url})", connection.endpoint_label)
        },
    );
    row(
        "auth",
        match client.auth {
            Auth::SecretKey(_) => "secret key (a UserSig is made for every request)".into(),
            Auth::UserSig(_) => "UserSig (cannot be renewed)".into(),
        },
    );
    row("timeout", format!("{} s", client.timeout.as_secs_f64()));
    row(
        "CA certificate",
        match &connection.ca_cert {
            Some((p, n)) => format!("{} ({n} certificate(s))", p.display()),
            None => "none (the system's trusted roots)".into(),
        },
    );
    let labels = config::labels(&file);
    row(
        "labels",
        if labels.is_empty() {
            "none".into()
        } else {
            labels
                .iter()
                .map(|(i, l)| format!("{i} {}", crate::commands::output::quoted(l)))
                .collect::<Vec<_>>()
                .join(", ")
        },
    );
    row(
        "keys",
        if file.keys.is_empty() {
            "the defaults".into()
        } else {
            format!(
                "the defaults, with {} changed",
                file.keys.keys().cloned().collect::<Vec<_>>().join(", ")
            )
        },
    );
    row("mouse", if file.mouse { "on" } else { "off" }.into());
    emit(&table.render())?;
    emit("the configuration is valid (nothing was sent: the server has not been asked)\n")?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::{EXAMPLE, template};

    #[test]
    fn the_template_is_the_example_with_every_setting_commented_out() {
        let file = crate::config::parse_file(&template()).unwrap();
        assert!(file.profile.is_empty() && file.labels.is_empty() && file.keys.is_empty());
        assert_eq!(file.default_profile, None);
        // settings are commented as `#key` or `#[table]`, explanations as `# text`
        let uncommented: String = template()
            .lines()
            .map(|l| match l.strip_prefix('#') {
                Some(rest) if !rest.starts_with([' ', '#']) && !rest.is_empty() => rest,
                _ => l,
            })
            .map(|l| format!("{l}\n"))
            .collect();
        assert_eq!(uncommented, EXAMPLE);
        let file = crate::config::parse_file(EXAMPLE).unwrap();
        let prod = &file.profile["prod"];
        assert_eq!(prod.sdkappid, Some(1_400_000_000));
        assert_eq!(prod.timeout, Some(15.0));
        assert_eq!(file.default_profile.as_deref(), Some("prod"));
        assert_eq!(crate::config::labels(&file).len(), 3);
        crate::config::keymap(&file, std::path::Path::new("/t.toml")).unwrap();
        assert!(EXAMPLE.contains("convmark config path"));
        assert!(!EXAMPLE.contains("convmark --help` shows"));
    }
}
