//! Configuration and credentials: the TOML file, `CONVMARK_*` variables and flags, in that
//! order of increasing precedence.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::api::client::{base_url, region_url};
use crate::api::{Auth, ClientConfig};

/// Connection flags shared by every command that talks to an app.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct ConnArgs {
    /// Profile of the config file to use ([profile.NAME])
    #[arg(long)]
    pub profile: Option<String>,
    /// The app's SDKAppID [env: CONVMARK_SDKAPPID]
    #[arg(long)]
    pub sdkappid: Option<u64>,
    /// An app admin account [env: CONVMARK_IDENTIFIER]
    #[arg(long)]
    pub identifier: Option<String>,
    /// The app's secret key; a UserSig is generated per request [env: CONVMARK_SECRET_KEY]
    #[arg(long)]
    pub secret_key: Option<String>,
    /// A ready UserSig for the identifier (instead of the secret key) [env: CONVMARK_USERSIG]
    #[arg(long)]
    pub usersig: Option<String>,
    /// Region: china, singapore, seoul, tokyo, frankfurt, mumbai, silicon-valley, jakarta [env: CONVMARK_REGION]
    #[arg(long)]
    pub region: Option<String>,
    /// Custom base URL, overriding the region (http:// only to loopback) [env: CONVMARK_BASE_URL]
    #[arg(long)]
    pub base_url: Option<String>,
    /// Extra trusted CA certificate (PEM), e.g. the one `convmark serve --tls --cert` wrote [env: CONVMARK_CA_CERT]
    #[arg(long)]
    pub ca_cert: Option<PathBuf>,
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
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the config file {path} is not valid: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("no profile {name:?} in {path}; profiles there: {known}")]
    UnknownProfile {
        name: String,
        path: PathBuf,
        known: String,
    },
    #[error("{0}")]
    Invalid(String),
    #[error(
        "no credentials: {missing} not set.\nSet them in {path} under [profile.NAME] (sdkappid, identifier, region or base_url, secret_key or usersig),\nor with CONVMARK_SDKAPPID, CONVMARK_IDENTIFIER, CONVMARK_SECRET_KEY (or CONVMARK_USERSIG) and CONVMARK_REGION (or CONVMARK_BASE_URL),\nor with the flags of the same names.\nTo try convmark without an app, run `convmark demo`."
    )]
    Missing { missing: String, path: PathBuf },
}

/// Where the config file lives: `CONVMARK_CONFIG`, else the platform config dir.
pub fn config_path() -> PathBuf {
    if let Some(p) = std::env::var_os("CONVMARK_CONFIG") {
        return PathBuf::from(p);
    }
    directories::ProjectDirs::from("", "", "convmark")
        .map(|d| d.config_dir().join("config.toml"))
        .unwrap_or_else(|| PathBuf::from("convmark.toml"))
}

/// Where logs, the journal and the audit log go: `CONVMARK_DATA_DIR`, else the platform dir.
pub fn data_dir() -> PathBuf {
    if let Some(p) = std::env::var_os("CONVMARK_DATA_DIR") {
        return PathBuf::from(p);
    }
    directories::ProjectDirs::from("", "", "convmark")
        .map(|d| d.data_dir().to_path_buf())
        .unwrap_or_else(|| PathBuf::from(".convmark"))
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
    parse_file(&text).map_err(|message| ConfigError::Parse {
        path: path.to_owned(),
        message,
    })
}

pub fn parse_file(text: &str) -> Result<ConfigFile, String> {
    let file: ConfigFile = toml::from_str(text).map_err(|e| e.to_string())?;
    for key in file.labels.keys() {
        match key.parse::<u8>() {
            Ok(n) if (32..=63).contains(&n) => {}
            _ => {
                return Err(format!(
                    "[labels] key {key:?} must be an extension bit index 32..=63"
                ));
            }
        }
    }
    Ok(file)
}

/// Extension bit labels as index -> name.
pub fn labels(file: &ConfigFile) -> BTreeMap<u8, String> {
    file.labels
        .iter()
        .filter_map(|(k, v)| Some((k.parse::<u8>().ok()?, v.clone())))
        .collect()
}

/// Warns when a config file that holds a secret can be read by group or others.
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
            "warning: {} holds a secret and is readable by others (mode {:o}); run: chmod 600 {}",
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

/// A resolved connection: the client configuration plus what the header shows.
#[derive(Debug, Clone)]
pub struct Connection {
    pub client: ClientConfig,
    /// Region name or base URL, for display.
    pub endpoint_label: String,
    pub profile: Option<String>,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// Resolves flags > `CONVMARK_*` variables > config file profile.
pub fn resolve(args: &ConnArgs, file: &ConfigFile, path: &Path) -> Result<Connection, ConfigError> {
    let profile_name = args
        .profile
        .clone()
        .or_else(|| file.default_profile.clone());
    let profile = match &profile_name {
        Some(name) => {
            file.profile
                .get(name)
                .cloned()
                .ok_or_else(|| ConfigError::UnknownProfile {
                    name: name.clone(),
                    path: path.to_owned(),
                    known: if file.profile.is_empty() {
                        "none".into()
                    } else {
                        file.profile.keys().cloned().collect::<Vec<_>>().join(", ")
                    },
                })?
        }
        None => file.profile.get("default").cloned().unwrap_or_default(),
    };
    let sdkappid = match args.sdkappid {
        Some(v) => Some(v),
        None => match env("CONVMARK_SDKAPPID") {
            Some(v) => Some(v.trim().parse::<u64>().map_err(|_| {
                ConfigError::Invalid(format!("CONVMARK_SDKAPPID={v:?} is not a number; use the app's SDKAppID, e.g. 1400000000"))
            })?),
            None => profile.sdkappid,
        },
    };
    let pick = |flag: &Option<String>, var: &str, file: &Option<String>| {
        flag.clone().or_else(|| env(var)).or_else(|| file.clone())
    };
    let identifier = pick(&args.identifier, "CONVMARK_IDENTIFIER", &profile.identifier);
    let secret_key = pick(&args.secret_key, "CONVMARK_SECRET_KEY", &profile.secret_key);
    let usersig = pick(&args.usersig, "CONVMARK_USERSIG", &profile.usersig);
    let base = pick(&args.base_url, "CONVMARK_BASE_URL", &profile.base_url);
    let region = pick(&args.region, "CONVMARK_REGION", &profile.region);
    let ca_cert = args
        .ca_cert
        .clone()
        .or_else(|| env("CONVMARK_CA_CERT").map(PathBuf::from))
        .or(profile.ca_cert);

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
    let (Some(sdkappid), Some(identifier), Some(auth_pick), Some(endpoint)) = (
        sdkappid,
        identifier,
        secret_key
            .map(Auth::SecretKey)
            .or(usersig.map(Auth::UserSig)),
        base.clone().or(region.clone()),
    ) else {
        return Err(ConfigError::Missing {
            missing: missing.join(", "),
            path: path.to_owned(),
        });
    };
    crate::domain::validate_id(&identifier)
        .map_err(|e| ConfigError::Invalid(format!("identifier: {e}")))?;
    let (url, label) = if base.is_some() {
        (
            base_url(&endpoint).map_err(|e| ConfigError::Invalid(e.to_string()))?,
            endpoint.clone(),
        )
    } else {
        (
            region_url(&endpoint).map_err(|e| ConfigError::Invalid(e.to_string()))?,
            endpoint.clone(),
        )
    };
    let mut client = ClientConfig::new(sdkappid, identifier, url, auth_pick);
    if let Some(path) = ca_cert {
        client.ca_pem = Some(std::fs::read(&path).map_err(|e| {
            ConfigError::Invalid(format!(
                "cannot read the CA certificate {}: {e}",
                path.display()
            ))
        })?);
    }
    Ok(Connection {
        client,
        endpoint_label: label,
        profile: profile_name,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_must_name_extension_bits() {
        let f = parse_file("[labels]\n32 = \"VIP\"\n63 = \"last\"\n").unwrap();
        assert_eq!(labels(&f)[&32], "VIP");
        assert!(
            parse_file("[labels]\n3 = \"x\"\n")
                .unwrap_err()
                .contains("32..=63")
        );
        assert!(parse_file("[labels]\nabc = \"x\"\n").is_err());
        assert!(parse_file("bogus = 1\n").is_err());
    }

    #[test]
    fn flags_resolve_and_missing_names_what_is_missing() {
        let args = ConnArgs {
            sdkappid: Some(1),
            identifier: Some("admin".into()),
            secret_key: Some("k".into()),
            base_url: Some("http://127.0.0.1:1".into()),
            ..Default::default()
        };
        let c = resolve(&args, &ConfigFile::default(), Path::new("/x.toml")).unwrap();
        assert_eq!(c.client.sdkappid, 1);
        let file = parse_file("[profile.default]\nsdkappid = 5\n").unwrap();
        // no variables are set by the test harness for these names
        if std::env::var_os("CONVMARK_IDENTIFIER").is_none()
            && std::env::var_os("CONVMARK_SECRET_KEY").is_none()
        {
            let err = resolve(&ConnArgs::default(), &file, Path::new("/x.toml"))
                .unwrap_err()
                .to_string();
            assert!(err.contains("identifier"), "{err}");
            assert!(err.contains("/x.toml"), "{err}");
            assert!(err.contains("convmark demo"), "{err}");
        }
    }
}
