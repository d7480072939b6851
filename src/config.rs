//! Configuration and credentials: the TOML file, `CONVMARK_*` variables and flags, in that
//! order of increasing precedence.
//!
//! The variables are read by clap (`env` on each flag, so `--help` shows them), which hands
//! a flag and its variable over as one value: `resolve` reads no environment. An empty (or
//! blank) flag or variable counts as not set. Every error about the file names the file, the
//! line and the key, and never quotes the file's text (a line may hold the secret key).

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::api::client::{base_url, region_url};
use crate::api::{Auth, ClientConfig};

/// Connection flags shared by every command that talks to an app. Each one but `--profile`
/// can also come from the `CONVMARK_*` variable its help names.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct ConnArgs {
    /// Profile of the config file to use ([profile.NAME]; default: default_profile, else [profile.default])
    #[arg(long)]
    pub profile: Option<String>,
    /// The app's SDKAppID
    #[arg(long, env = "CONVMARK_SDKAPPID", hide_env_values = true, value_name = "N", value_parser = sdkappid_arg)]
    pub sdkappid: Option<String>,
    /// An app admin account
    #[arg(long, env = "CONVMARK_IDENTIFIER", hide_env_values = true)]
    pub identifier: Option<String>,
    /// The app's secret key; a UserSig is generated per request
    #[arg(long, env = "CONVMARK_SECRET_KEY", hide_env_values = true)]
    pub secret_key: Option<String>,
    /// A ready UserSig for the identifier (instead of the secret key)
    #[arg(long, env = "CONVMARK_USERSIG", hide_env_values = true)]
    pub usersig: Option<String>,
    /// Region: china, singapore, seoul, tokyo, frankfurt, mumbai, silicon-valley, jakarta
    #[arg(long, env = "CONVMARK_REGION", hide_env_values = true)]
    pub region: Option<String>,
    /// Custom base URL, overriding the region (http:// only to loopback)
    #[arg(
        long,
        env = "CONVMARK_BASE_URL",
        hide_env_values = true,
        value_name = "URL"
    )]
    pub base_url: Option<String>,
    /// Extra trusted CA certificate (PEM), e.g. the one `convmark serve --tls --cert` wrote
    #[arg(
        long,
        env = "CONVMARK_CA_CERT",
        hide_env_values = true,
        value_name = "FILE"
    )]
    pub ca_cert: Option<PathBuf>,
    /// Seconds a request may take before it times out (decimals allowed, e.g. 0.5) [default: 15]
    #[arg(long, env = "CONVMARK_TIMEOUT", hide_env_values = true, value_name = "SECONDS", value_parser = timeout_arg)]
    pub timeout: Option<String>,
}

/// Checks `--sdkappid` / `CONVMARK_SDKAPPID` as clap reads it; blank passes (not set).
pub fn sdkappid_arg(text: &str) -> Result<String, String> {
    if !text.trim().is_empty() {
        parse_sdkappid(text).map_err(|e| format!("{e} (from the flag or CONVMARK_SDKAPPID)"))?;
    }
    Ok(text.to_owned())
}

/// Checks `--timeout` / `CONVMARK_TIMEOUT` as clap reads it; blank passes (not set).
pub fn timeout_arg(text: &str) -> Result<String, String> {
    if !text.trim().is_empty() {
        parse_timeout(text).map_err(|e| format!("{e} (from the flag or CONVMARK_TIMEOUT)"))?;
    }
    Ok(text.to_owned())
}

/// An SDKAppID: a decimal number.
pub fn parse_sdkappid(text: &str) -> Result<u64, String> {
    text.trim()
        .parse::<u64>()
        .map_err(|_| format!("{text:?} is not a number; use the app's SDKAppID, e.g. 1400000000"))
}

/// A timeout in seconds: a positive decimal number, e.g. `15` or `0.5`.
pub fn parse_timeout(text: &str) -> Result<Duration, String> {
    let seconds = text
        .trim()
        .parse::<f64>()
        .map_err(|_| format!("{text:?} is not a number of seconds; give e.g. 15 or 0.5"))?;
    timeout_from_seconds(seconds)
}

/// A timeout from a number of seconds: more than 0, and finite.
pub fn timeout_from_seconds(seconds: f64) -> Result<Duration, String> {
    let invalid =
        || format!("{seconds} is not a timeout: give more than 0 seconds, e.g. 15 or 0.5");
    if seconds.is_nan() || seconds <= 0.0 {
        return Err(invalid());
    }
    match Duration::try_from_secs_f64(seconds) {
        Ok(d) if !d.is_zero() => Ok(d),
        _ => Err(invalid()),
    }
}

/// One `[profile.NAME]` of the config file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub sdkappid: Option<u64>,
    pub identifier: Option<String>,
    pub region: Option<String>,
    pub base_url: Option<String>,
    pub secret_key: Option<String>,
    pub usersig: Option<String>,
    pub ca_cert: Option<PathBuf>,
    /// Request timeout in seconds (decimals allowed).
    pub timeout: Option<f64>,
}

/// The config file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// Profile used when `--profile` is not given.
    pub default_profile: Option<String>,
    #[serde(default)]
    pub profile: BTreeMap<String, Profile>,
    /// Names of extension bits 32..=63, e.g. `32 = "VIP"`.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Key map patches: action name = key, e.g. `commit = "ctrl-s"`.
    #[serde(default)]
    pub keys: BTreeMap<String, String>,
    /// Mouse support (also `--mouse`).
    #[serde(default)]
    pub mouse: bool,
    /// The TUI's colours: `theme = "light"`, or a `[theme]` table with `preset` and role
    /// overrides (`error = "red"`).
    #[serde(default)]
    pub theme: Option<ThemeSetting>,
    /// The line of every key, by dotted path (`profile.prod.sdkappid`), for error messages.
    #[serde(skip)]
    pub lines: BTreeMap<String, usize>,
}

impl ConfigFile {
    /// The line of a key (dotted path) in the file, when the file has it.
    pub fn line_of(&self, key: &str) -> Option<usize> {
        self.lines.get(key).copied()
    }
}

/// The config file's `theme`: a preset's name (`theme = "light"`), or a `[theme]` table
/// whose `preset` key names it and whose other keys are roles with a style each
/// (`error = "bold red"`). Names are checked by [`parse_file`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ThemeSetting {
    pub preset: Option<String>,
    /// Role name -> style, as written.
    pub roles: BTreeMap<String, String>,
}

impl<'de> Deserialize<'de> for ThemeSetting {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = ThemeSetting;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a preset name (\"dark\" or \"light\") or a [theme] table")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<ThemeSetting, E> {
                Ok(ThemeSetting {
                    preset: Some(v.to_owned()),
                    roles: BTreeMap::new(),
                })
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<ThemeSetting, A::Error> {
                let mut out = ThemeSetting::default();
                while let Some(key) = map.next_key::<String>()? {
                    let value = map.next_value::<String>()?;
                    if key == "preset" {
                        out.preset = Some(value);
                    } else {
                        out.roles.insert(key, value);
                    }
                }
                Ok(out)
            }
        }
        d.deserialize_any(Visitor)
    }
}

/// Where a setting came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A flag that has no variable.
    Flag(&'static str),
    /// A flag or its variable: clap hands both over as one value.
    Arg {
        flag: &'static str,
        var: &'static str,
    },
    /// A key of the config file.
    File {
        path: PathBuf,
        line: Option<usize>,
        key: String,
    },
}

impl Origin {
    /// The file, then a `CONVMARK_*` variable, then a flag typed on the command line (clap
    /// gives a flag and its variable as one value; [`crate::cli::typed`] tells them apart).
    fn rank(&self) -> u8 {
        match self {
            Origin::Arg { flag, .. }
                if crate::cli::typed(&flag.trim_start_matches('-').replace('-', "_")) =>
            {
                2
            }
            Origin::Flag(_) | Origin::Arg { .. } => 1,
            Origin::File { .. } => 0,
        }
    }
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::Flag(flag) => write!(f, "{flag}"),
            Origin::Arg { flag, var } => write!(f, "{flag} (or {var})"),
            Origin::File { path, line, key } => {
                write!(f, "the config file {}", path.display())?;
                if let Some(line) = line {
                    write!(f, ", line {line}")?;
                }
                write!(f, ", key {key}")
            }
        }
    }
}

/// A place in the config file's text: the line, and the key there when one is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileError {
    pub line: Option<usize>,
    pub key: Option<String>,
    pub message: String,
}

impl std::fmt::Display for FileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.line, &self.key) {
            (Some(line), Some(key)) => write!(f, "line {line}, key {key}: {}", self.message),
            (Some(line), None) => write!(f, "line {line}: {}", self.message),
            (None, Some(key)) => write!(f, "key {key}: {}", self.message),
            (None, None) => write!(f, "{}", self.message),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the config file {}, {error}", path.display())]
    Parse { path: PathBuf, error: FileError },
    #[error("no profile {name:?} in {path} (asked for by {origin}); profiles there: {known}")]
    UnknownProfile {
        name: String,
        path: PathBuf,
        origin: Box<Origin>,
        known: String,
    },
    /// A setting that is present but not valid, with where it came from.
    #[error("{origin}: {message}")]
    Value { origin: Origin, message: String },
    #[error(
        "no credentials: {missing} not set.\nSet them in {path} under [profile.NAME] (sdkappid, identifier, region or base_url, secret_key or usersig),\nor with CONVMARK_SDKAPPID, CONVMARK_IDENTIFIER, CONVMARK_SECRET_KEY (or CONVMARK_USERSIG) and CONVMARK_REGION (or CONVMARK_BASE_URL),\nor with the flags of the same names.\nTo try convmark without an app, run `convmark demo`."
    )]
    Missing { missing: String, path: PathBuf },
}

/// Where the config file lives: `CONVMARK_CONFIG`, else the platform config dir.
pub fn config_path() -> PathBuf {
    if let Some(p) = std::env::var_os("CONVMARK_CONFIG").filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    directories::ProjectDirs::from("", "", "convmark")
        .map(|d| d.config_dir().join("config.toml"))
        .unwrap_or_else(|| PathBuf::from("convmark.toml"))
}

/// Where logs, the journal and the audit log go: `CONVMARK_DATA_DIR`, else the platform dir.
pub fn data_dir() -> PathBuf {
    if let Some(p) = std::env::var_os("CONVMARK_DATA_DIR").filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    directories::ProjectDirs::from("", "", "convmark")
        .map(|d| d.data_dir().to_path_buf())
        .unwrap_or_else(|| PathBuf::from(".convmark"))
}

/// The TUI's log file in a data dir.
pub fn log_path(data_dir: &Path) -> PathBuf {
    data_dir.join("convmark.log")
}

/// Loads the config file; a missing file is an empty config.
pub fn load_file(path: &Path) -> Result<ConfigFile, ConfigError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(ConfigFile::default()),
        Err(source) => {
            return Err(ConfigError::Read {
                path: path.to_owned(),
                source,
            });
        }
    };
    parse_file(&text).map_err(|error| ConfigError::Parse {
        path: path.to_owned(),
        error,
    })
}

/// Parses the config file's text and checks the `[labels]` keys.
pub fn parse_file(text: &str) -> Result<ConfigFile, FileError> {
    let entries = key_entries(text);
    let mut file: ConfigFile = toml::from_str(text).map_err(|e| {
        let start = e.span().map(|s| s.start);
        let key = start
            .and_then(|at| key_at(&entries, at))
            .or_else(|| start.and_then(|at| key_on_line(text, at)));
        FileError {
            line: start.map(|at| line_at(text, at)),
            message: safe_message(e.message(), key.as_deref()),
            key,
        }
    })?;
    file.lines = entries
        .iter()
        .rev()
        .map(|e| (e.path.clone(), line_at(text, e.key.start)))
        .collect();
    for key in file.labels.keys() {
        match key.parse::<u8>() {
            Ok(n) if (32..=63).contains(&n) => {}
            _ => {
                let path = format!("labels.{key}");
                return Err(FileError {
                    line: file.line_of(&path),
                    key: Some(path),
                    message: "[labels] keys are extension bit indices 32..=63".into(),
                });
            }
        }
    }
    file_theme(&file, None)?;
    Ok(file)
}

/// The TUI's theme: the preset of `flag` (`--theme`), else of the file's `theme`, else
/// dark; then the file's `[theme]` role overrides. An error names the file, line and key.
pub fn theme(
    file: &ConfigFile,
    path: &Path,
    flag: Option<crate::ui::theme::Preset>,
) -> Result<crate::ui::theme::Theme, ConfigError> {
    file_theme(file, flag).map_err(|error| ConfigError::Parse {
        path: path.to_owned(),
        error,
    })
}

fn file_theme(
    file: &ConfigFile,
    flag: Option<crate::ui::theme::Preset>,
) -> Result<crate::ui::theme::Theme, FileError> {
    use crate::ui::theme::{Preset, Role, parse_style};
    let Some(setting) = &file.theme else {
        return Ok(flag.unwrap_or_default().theme());
    };
    let at = |key: String, message: String| FileError {
        line: file.line_of(&key),
        key: Some(key),
        message,
    };
    let from_file = match &setting.preset {
        None => None,
        Some(name) => Some(Preset::from_name(name).ok_or_else(|| {
            let key = if file.lines.contains_key("theme.preset") {
                "theme.preset"
            } else {
                "theme"
            };
            let names: Vec<&str> = Preset::ALL.iter().map(|p| p.name()).collect();
            at(
                key.to_owned(),
                format!("no theme {name:?}; the themes are {}", names.join(", ")),
            )
        })?),
    };
    let mut theme = flag.or(from_file).unwrap_or_default().theme();
    for (name, value) in &setting.roles {
        let key = format!("theme.{name}");
        let Some(role) = Role::from_name(name) else {
            let names: Vec<&str> = Role::ALL.iter().map(|r| r.name()).collect();
            return Err(at(
                key,
                format!(
                    "no role {name:?} to style; [theme] takes preset and the roles {}",
                    names.join(", ")
                ),
            ));
        };
        let style = parse_style(value).map_err(|message| at(key, message))?;
        theme = theme.with(role, style);
    }
    Ok(theme)
}

/// A key of the file with the byte ranges of its name and its value.
struct KeyEntry {
    path: String,
    key: Range<usize>,
    value: Range<usize>,
}

/// Every key of the text, by dotted path; none when the text does not parse.
fn key_entries(text: &str) -> Vec<KeyEntry> {
    fn walk(prefix: &str, table: &toml::de::DeTable<'_>, out: &mut Vec<KeyEntry>) {
        for (key, value) in table.iter() {
            let path = if prefix.is_empty() {
                key.get_ref().to_string()
            } else {
                format!("{prefix}.{}", key.get_ref())
            };
            out.push(KeyEntry {
                path: path.clone(),
                key: key.span(),
                value: value.span(),
            });
            if let Some(inner) = value.get_ref().as_table() {
                walk(&path, inner, out);
            }
        }
    }
    let mut out = Vec::new();
    if let Ok(doc) = toml::de::DeTable::parse(text) {
        walk("", doc.get_ref(), &mut out);
    }
    out
}

/// The innermost key whose name or value holds the byte `at`.
fn key_at(entries: &[KeyEntry], at: usize) -> Option<String> {
    entries
        .iter()
        .filter(|e| e.key.contains(&at) || e.value.contains(&at))
        .min_by_key(|e| {
            if e.key.contains(&at) {
                0
            } else {
                e.value.len()
            }
        })
        .map(|e| e.path.clone())
}

/// The key written at the start of the line that holds byte `at` (`name = ...`), under the
/// last `[table]` header before it, for a file that does not parse.
fn key_on_line(text: &str, at: usize) -> Option<String> {
    let before = text.get(..at)?;
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = text.get(start..)?.lines().next()?;
    let (key, _) = line.split_once('=')?;
    let key = key.trim();
    let plain = |k: &str| {
        !k.is_empty()
            && k.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
    };
    if !plain(key) {
        return None;
    }
    let table = before.get(..start)?.lines().rev().find_map(|l| {
        let l = l.trim();
        let inner = l.strip_prefix('[')?.strip_suffix(']')?.trim();
        plain(inner).then_some(inner)
    });
    Some(match table {
        Some(table) => format!("{table}.{key}"),
        None => key.to_owned(),
    })
}

/// The 1-based line of byte `at`.
fn line_at(text: &str, at: usize) -> usize {
    let at = at.min(text.len());
    text.as_bytes()[..at]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// The parser's message, unless it is about a secret's value (serde may quote the value).
fn safe_message(message: &str, key: Option<&str>) -> String {
    let secret = key.is_some_and(|k| k.ends_with(".secret_key") || k.ends_with(".usersig"));
    let message = message.trim().to_owned();
    if secret && message.contains("invalid") {
        "must be a string in quotes".into()
    } else {
        message
    }
}

/// Extension bit labels as index -> name.
pub fn labels(file: &ConfigFile) -> BTreeMap<u8, String> {
    file.labels
        .iter()
        .filter_map(|(k, v)| Some((k.parse::<u8>().ok()?, v.clone())))
        .collect()
}

/// The key map with the file's `[keys]` patch; an error names the file, line and key.
pub fn keymap(file: &ConfigFile, path: &Path) -> Result<crate::app::KeyMap, ConfigError> {
    use crate::app::KeyMap;
    KeyMap::with_patch(&file.keys).map_err(|message| {
        // Find the entry that is wrong by itself; a conflict between entries is the table's.
        let culprit = file.keys.iter().find(|(name, keys)| {
            let one = BTreeMap::from([((*name).clone(), (*keys).clone())]);
            KeyMap::with_patch(&one).is_err()
        });
        let key = match culprit {
            Some((name, _)) => format!("keys.{name}"),
            None => "keys".to_owned(),
        };
        ConfigError::Parse {
            path: path.to_owned(),
            error: FileError {
                line: file.line_of(&key),
                key: Some(key),
                message,
            },
        }
    })
}

/// Warns when a config file that holds a secret can be read by group or others. The text
/// is the warning itself; print it with `output::warning` (`convmark: warning: ...`).
#[cfg(unix)]
pub fn permission_warning(path: &Path, file: &ConfigFile) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;
    let has_secret = file
        .profile
        .values()
        .any(|p| p.secret_key.is_some() || p.usersig.is_some());
    let mode = std::fs::metadata(path).ok()?.permissions().mode();
    (has_secret && mode & 0o077 != 0).then(|| {
        format!(
            "{} holds a secret and is readable by others (mode {:o}); run: chmod 600 {}",
            path.display(),
            mode & 0o777,
            path.display()
        )
    })
}

#[cfg(not(unix))]
pub fn permission_warning(_path: &Path, _file: &ConfigFile) -> Option<String> {
    None
}

/// Checks a CA certificate file's bytes: at least one PEM certificate, each of which parses
/// as X.509 (as rustls will read it). Returns how many there are.
pub fn check_ca_pem(pem: &[u8]) -> Result<usize, String> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let certs = reqwest::Certificate::from_pem_bundle(pem)
        .map_err(|_| "is not a valid PEM file (a BEGIN/END CERTIFICATE block is broken)")?;
    if certs.is_empty() {
        return Err("holds no PEM certificate (no BEGIN CERTIFICATE block)".into());
    }
    let mut roots = rustls::RootCertStore::empty();
    for (i, der) in CertificateDer::pem_slice_iter(pem).enumerate() {
        let der = der.map_err(|_| format!("certificate {} is not valid PEM", i + 1))?;
        roots
            .add(der)
            .map_err(|e| format!("certificate {} does not parse as X.509: {e}", i + 1))?;
    }
    Ok(certs.len())
}

/// A resolved connection: the client configuration plus what the header shows.
#[derive(Debug, Clone)]
pub struct Connection {
    pub client: ClientConfig,
    /// Region name or base URL, for display.
    pub endpoint_label: String,
    pub profile: Option<String>,
    /// The CA certificate file in use and how many certificates it holds.
    pub ca_cert: Option<(PathBuf, usize)>,
}

/// A value with where it came from.
struct Setting<T> {
    value: T,
    origin: Origin,
}

fn blank_to_none(value: &Option<String>) -> Option<String> {
    value.clone().filter(|v| !v.trim().is_empty())
}

/// Resolves flags (and their `CONVMARK_*` variables, read by clap) > config file profile.
/// Where both are set at one level, `base_url` beats `region` and `secret_key` beats
/// `usersig`; a flag or variable of either kind beats the file's.
pub fn resolve(args: &ConnArgs, file: &ConfigFile, path: &Path) -> Result<Connection, ConfigError> {
    let file_key = |key: String| Origin::File {
        path: path.to_owned(),
        line: file.line_of(&key),
        key,
    };
    let (profile_name, asked_by) = match (blank_to_none(&args.profile), &file.default_profile) {
        (Some(name), _) => (Some(name), Some(Origin::Flag("--profile"))),
        (None, Some(name)) => (Some(name.clone()), Some(file_key("default_profile".into()))),
        (None, None) => (None, None),
    };
    let (profile, prefix) = match (&profile_name, asked_by) {
        (Some(name), Some(origin)) => match file.profile.get(name) {
            Some(p) => (p.clone(), format!("profile.{name}")),
            None => {
                return Err(ConfigError::UnknownProfile {
                    name: name.clone(),
                    path: path.to_owned(),
                    origin: Box::new(origin),
                    known: if file.profile.is_empty() {
                        "none".into()
                    } else {
                        file.profile.keys().cloned().collect::<Vec<_>>().join(", ")
                    },
                });
            }
        },
        _ => (
            file.profile.get("default").cloned().unwrap_or_default(),
            "profile.default".to_owned(),
        ),
    };
    let from_file = |field: &str| file_key(format!("{prefix}.{field}"));
    let arg = |flag: &'static str, var: &'static str| Origin::Arg { flag, var };
    let pick = |value: &Option<String>,
                flag: &'static str,
                var: &'static str,
                in_file: &Option<String>,
                field: &str|
     -> Option<Setting<String>> {
        match blank_to_none(value) {
            Some(value) => Some(Setting {
                value,
                origin: arg(flag, var),
            }),
            None => in_file.clone().map(|value| Setting {
                value,
                origin: from_file(field),
            }),
        }
    };

    let sdkappid = match blank_to_none(&args.sdkappid) {
        Some(text) => {
            let origin = arg("--sdkappid", "CONVMARK_SDKAPPID");
            let value =
                parse_sdkappid(&text).map_err(|message| ConfigError::Value { origin, message })?;
            Some(value)
        }
        None => profile.sdkappid,
    };
    let identifier = pick(
        &args.identifier,
        "--identifier",
        "CONVMARK_IDENTIFIER",
        &profile.identifier,
        "identifier",
    );
    let secret_key = pick(
        &args.secret_key,
        "--secret-key",
        "CONVMARK_SECRET_KEY",
        &profile.secret_key,
        "secret_key",
    );
    let usersig = pick(
        &args.usersig,
        "--usersig",
        "CONVMARK_USERSIG",
        &profile.usersig,
        "usersig",
    );
    let base = pick(
        &args.base_url,
        "--base-url",
        "CONVMARK_BASE_URL",
        &profile.base_url,
        "base_url",
    );
    let region = pick(
        &args.region,
        "--region",
        "CONVMARK_REGION",
        &profile.region,
        "region",
    );
    let ca_cert = match args.ca_cert.clone().filter(|p| !p.as_os_str().is_empty()) {
        Some(value) => Some(Setting {
            value,
            origin: arg("--ca-cert", "CONVMARK_CA_CERT"),
        }),
        None => profile.ca_cert.clone().map(|value| Setting {
            value,
            origin: from_file("ca_cert"),
        }),
    };
    let timeout = match blank_to_none(&args.timeout) {
        Some(text) => Some(parse_timeout(&text).map_err(|message| ConfigError::Value {
            origin: arg("--timeout", "CONVMARK_TIMEOUT"),
            message,
        })?),
        None => match profile.timeout {
            Some(seconds) => {
                Some(
                    timeout_from_seconds(seconds).map_err(|message| ConfigError::Value {
                        origin: from_file("timeout"),
                        message,
                    })?,
                )
            }
            None => None,
        },
    };

    // The higher level wins; at one level, the first of the pair.
    let either = |a: Option<Setting<String>>, b: Option<Setting<String>>| match (a, b) {
        (Some(a), Some(b)) if b.origin.rank() > a.origin.rank() => (None, Some(b)),
        (Some(a), _) => (Some(a), None),
        (None, b) => (None, b),
    };
    let (secret_key, usersig) = either(secret_key, usersig);
    let (base, region) = either(base, region);

    let mut missing = Vec::new();
    if sdkappid.is_none() {
        missing.push("SDKAppID");
    }
    if identifier.is_none() {
        missing.push("identifier");
    }
    if secret_key.is_none() && usersig.is_none() {
        missing.push("secret key or UserSig");
    }
    if base.is_none() && region.is_none() {
        missing.push("region or base URL");
    }
    let auth = match (secret_key, usersig) {
        (Some(s), _) => Some(Auth::SecretKey(s.value)),
        (None, Some(u)) => Some(Auth::UserSig(u.value)),
        (None, None) => None,
    };
    let (Some(sdkappid), Some(identifier), Some(auth)) = (sdkappid, identifier, auth) else {
        return Err(ConfigError::Missing {
            missing: missing.join(", "),
            path: path.to_owned(),
        });
    };
    let (url, label) = match (base, region) {
        (Some(base), _) => (
            base_url(&base.value).map_err(|e| ConfigError::Value {
                origin: base.origin,
                message: e.to_string(),
            })?,
            base.value,
        ),
        (None, Some(region)) => (
            region_url(&region.value).map_err(|e| ConfigError::Value {
                origin: region.origin,
                message: e.to_string(),
            })?,
            region.value,
        ),
        (None, None) => {
            return Err(ConfigError::Missing {
                missing: missing.join(", "),
                path: path.to_owned(),
            });
        }
    };
    crate::domain::validate_id(&identifier.value).map_err(|e| ConfigError::Value {
        origin: identifier.origin.clone(),
        message: format!("identifier: {e}"),
    })?;
    let mut client = ClientConfig::new(sdkappid, identifier.value, url, auth);
    if let Some(timeout) = timeout {
        client.timeout = timeout;
    }
    let mut ca = None;
    if let Some(Setting {
        value: ca_path,
        origin,
    }) = ca_cert
    {
        let pem = std::fs::read(&ca_path).map_err(|e| ConfigError::Value {
            origin: origin.clone(),
            message: format!("cannot read the CA certificate {}: {e}", ca_path.display()),
        })?;
        let count = check_ca_pem(&pem).map_err(|why| ConfigError::Value {
            origin,
            message: format!(
                "the CA certificate file {} {why}; give the file `convmark serve --tls --cert` wrote (or your CA's PEM certificate)",
                ca_path.display()
            ),
        })?;
        client.ca_pem = Some(pem);
        ca = Some((ca_path, count));
    }
    Ok(Connection {
        client,
        endpoint_label: label,
        profile: profile_name,
        ca_cert: ca,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_must_name_extension_bits() {
        let f = parse_file("[labels]\n32 = \"VIP\"\n63 = \"last\"\n").unwrap();
        assert_eq!(labels(&f)[&32], "VIP");
        let err = parse_file("[labels]\n3 = \"x\"\n").unwrap_err();
        assert!(err.message.contains("32..=63"), "{err}");
        assert_eq!(err.line, Some(2));
        assert_eq!(err.key.as_deref(), Some("labels.3"));
        assert!(parse_file("[labels]\nabc = \"x\"\n").is_err());
        let err = parse_file("mouse = true\nbogus = 1\n").unwrap_err();
        assert_eq!(
            (err.line, err.key.as_deref()),
            (Some(2), Some("bogus")),
            "{err}"
        );
    }

    #[test]
    fn errors_name_the_line_and_key_and_never_quote_a_secret() {
        let text = "[profile.prod]\nsdkappid = 1\n\nsdkappid_typo = 2\n";
        let err = parse_file(text).unwrap_err();
        assert_eq!(err.line, Some(4), "{err}");
        assert_eq!(
            err.key.as_deref(),
            Some("profile.prod.sdkappid_typo"),
            "{err}"
        );

        let err = parse_file("[profile.prod]\nsdkappid = \"abc\"\n").unwrap_err();
        assert_eq!(err.line, Some(2), "{err}");
        assert_eq!(err.key.as_deref(), Some("profile.prod.sdkappid"), "{err}");

        // a line that does not parse: the key is named, its value never
        let err = parse_file("[profile.prod]\nsecret_key = \"s3cr3t-value\n").unwrap_err();
        assert_eq!(err.line, Some(2), "{err}");
        assert_eq!(err.key.as_deref(), Some("profile.prod.secret_key"), "{err}");
        assert!(!err.to_string().contains("s3cr3t"), "{err}");
        let err = parse_file("[profile.p]\nsecret_key = 12345678\n").unwrap_err();
        assert_eq!(err.key.as_deref(), Some("profile.p.secret_key"), "{err}");
        assert!(!err.to_string().contains("12345678"), "{err}");
    }

    #[test]
    fn timeouts_are_positive_decimal_seconds() {
        assert_eq!(parse_timeout("15").unwrap(), Duration::from_secs(15));
        assert_eq!(parse_timeout(" 0.5 ").unwrap(), Duration::from_millis(500));
        for bad in [
            "0",
            "-1",
            "abc",
            "",
            "nan",
            "inf",
            "1e400",
            "0.0000000000001",
        ] {
            let err = parse_timeout(bad).unwrap_err();
            assert!(err.contains("e.g. 15 or 0.5"), "{bad}: {err}");
        }
    }

    fn args() -> ConnArgs {
        ConnArgs {
            sdkappid: Some("1".into()),
            identifier: Some("admin".into()),
            secret_key: Some("k".into()),
            base_url: Some("http://127.0.0.1:1".into()),
            ..Default::default()
        }
    }

    #[test]
    fn flags_resolve_and_missing_names_what_is_missing() {
        let c = resolve(&args(), &ConfigFile::default(), Path::new("/x.toml")).unwrap();
        assert_eq!(c.client.sdkappid, 1);
        assert_eq!(c.client.timeout, Duration::from_secs(15));
        let file = parse_file("[profile.default]\nsdkappid = 5\n").unwrap();
        let err = resolve(&ConnArgs::default(), &file, Path::new("/x.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("identifier"), "{err}");
        assert!(err.contains("/x.toml"), "{err}");
        assert!(err.contains("convmark demo"), "{err}");
    }

    #[test]
    fn blank_values_are_not_set_and_flags_beat_the_file() {
        let file = parse_file(
            "[profile.default]\nsdkappid = 5\nidentifier = \"fromfile\"\nusersig = \"u\"\nregion = \"singapore\"\ntimeout = 2.5\n",
        )
        .unwrap();
        let mut a = args();
        a.identifier = Some("  ".into());
        a.sdkappid = Some(String::new());
        let c = resolve(&a, &file, Path::new("/x.toml")).unwrap();
        assert_eq!(c.client.sdkappid, 5);
        assert_eq!(c.client.identifier, "fromfile");
        // the flag's secret key and base URL beat the file's UserSig and region
        assert!(matches!(c.client.auth, Auth::SecretKey(_)));
        assert_eq!(c.endpoint_label, "http://127.0.0.1:1");
        assert_eq!(c.client.timeout, Duration::from_millis(2500));
        a.timeout = Some("0.25".into());
        let c = resolve(&a, &file, Path::new("/x.toml")).unwrap();
        assert_eq!(c.client.timeout, Duration::from_millis(250));
    }

    #[test]
    fn a_bad_profile_value_names_file_line_and_key() {
        let file = parse_file("[profile.default]\n\nregion = \"mars\"\ntimeout = 0\n").unwrap();
        let mut a = args();
        a.base_url = None;
        let err = resolve(&a, &file, Path::new("/x.toml"))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("the config file /x.toml, line 4, key profile.default.timeout:"),
            "{err}"
        );
        let file = parse_file("[profile.default]\n\nregion = \"mars\"\n").unwrap();
        let err = resolve(&a, &file, Path::new("/x.toml"))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("the config file /x.toml, line 3, key profile.default.region:"),
            "{err}"
        );
        a.timeout = Some("-1".into());
        let err = resolve(&a, &file, Path::new("/x.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("--timeout (or CONVMARK_TIMEOUT):"), "{err}");
    }
}
