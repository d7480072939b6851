//! `rust-version` in Cargo.toml is true: not below what the code and its dependencies need.
//!
//! Only one toolchain can be installed here, so the check reads instead of building: the
//! language features the code uses (edition 2024: 1.85; let chains: 1.88), and the
//! `rust-version` of every package in the build graph (`cargo tree`, offline, then each
//! package's own Cargo.toml). The standard library's APIs are clippy's part: its
//! `incompatible_msrv` lint reads `rust-version` and CI denies warnings, so this test also
//! checks that nothing turns that lint off.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

type Version = (u64, u64, u64);

fn parse_version(text: &str) -> Version {
    let mut parts = text.trim().split('.').map(|p| p.parse::<u64>().unwrap());
    (
        parts.next().unwrap(),
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
    )
}

fn show((a, b, c): Version) -> String {
    format!("{a}.{b}.{c}")
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn manifest() -> toml::Table {
    toml::from_str(&std::fs::read_to_string(root().join("Cargo.toml")).unwrap()).unwrap()
}

fn declared() -> Version {
    let manifest = manifest();
    parse_version(manifest["package"]["rust-version"].as_str().unwrap())
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Whether `&&` appears outside brackets in a condition's text (up to its `{`).
fn top_level_and(text: &str) -> bool {
    let mut depth = 0i32;
    let bytes = text.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        match b {
            b'(' | b'[' => depth += 1,
            b')' | b']' => depth -= 1,
            b'{' if depth == 0 => return false,
            b'&' if depth == 0 && bytes.get(i + 1) == Some(&b'&') => return true,
            _ => {}
        }
    }
    false
}

/// Where the code uses let chains (`if let A = b && c`, `&& let`), as `file:line`.
fn let_chains(text: &str) -> Vec<usize> {
    let mut found = Vec::new();
    let mut in_let_condition = false;
    for (n, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("").trim();
        let starts_let = ["if let ", "while let ", "} else if let "]
            .iter()
            .any(|p| code.starts_with(p) || code.contains(&format!(" {p}")));
        if code.starts_with("&& let ") || code.contains(" && let ") {
            found.push(n + 1);
        } else if starts_let {
            let after = code.split_once(" let ").map_or(code, |(_, rest)| rest);
            if top_level_and(after) {
                found.push(n + 1);
            }
        } else if in_let_condition && code.starts_with("&& ") {
            found.push(n + 1);
        }
        if starts_let {
            in_let_condition = !code.ends_with('{');
        } else if code.ends_with('{') || code == "{" || code.ends_with(';') {
            in_let_condition = false;
        }
    }
    found
}

#[test]
fn the_let_chain_finder_finds_let_chains_and_only_them() {
    let chains = "if let Some(x) = y && x > 1 {\nwhile let Some(a) = it.next()\n    && a.ok()\n{\nif a && let Some(b) = c {\n";
    assert_eq!(let_chains(chains), vec![1, 3, 5]);
    let plain =
        "if let Some(x) = f(a && b) {\nif a && b {\nlet c = a && b;\n// if let x = y && z\n";
    assert_eq!(let_chains(plain), Vec::<usize>::new());
}

#[test]
fn rust_version_covers_the_language_features_the_code_uses() {
    let declared = declared();
    let manifest = manifest();
    let mut needed: Vec<(Version, String)> = Vec::new();
    if manifest["package"]["edition"].as_str() == Some("2024") {
        needed.push(((1, 85, 0), "edition 2024".into()));
    }
    let mut files = Vec::new();
    for dir in ["src", "tests", "benches"] {
        rust_files(&root().join(dir), &mut files);
    }
    assert!(files.len() > 20, "the sources were found: {files:?}");
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        if let Some(line) = let_chains(&text).first() {
            let name = file.strip_prefix(root()).unwrap().display().to_string();
            needed.push(((1, 88, 0), format!("let chains ({name}:{line})")));
        }
    }
    for (version, why) in &needed {
        assert!(
            declared >= *version,
            "rust-version {} in Cargo.toml, but {why} needs {}",
            show(declared),
            show(*version)
        );
    }
}

#[test]
fn nothing_turns_off_clippys_msrv_check() {
    // clippy's incompatible_msrv reads rust-version: an msrv in clippy.toml would override it
    if let Ok(text) = std::fs::read_to_string(root().join("clippy.toml")) {
        let table: toml::Table = toml::from_str(&text).unwrap();
        assert!(
            !table.contains_key("msrv"),
            "clippy.toml must not set msrv: rust-version is the one place"
        );
    }
    let mut files = Vec::new();
    for dir in ["src", "tests", "benches"] {
        rust_files(&root().join(dir), &mut files);
    }
    let lint = ["incompatible", "msrv"].join("_");
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(
            !text.contains(&format!("allow(clippy::{lint})")),
            "{} allows clippy::{lint}",
            file.display()
        );
    }
}

fn cargo_home() -> PathBuf {
    std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .unwrap()
}

/// The `rust-version` of a registry package, read from its unpacked Cargo.toml.
fn package_rust_version(name: &str, version: &str) -> Option<Option<Version>> {
    let src = cargo_home().join("registry").join("src");
    for registry in std::fs::read_dir(src).ok()? {
        let manifest = registry
            .ok()?
            .path()
            .join(format!("{name}-{version}"))
            .join("Cargo.toml");
        if let Ok(text) = std::fs::read_to_string(&manifest) {
            let table: toml::Table = toml::from_str(&text).ok()?;
            let rv = table
                .get("package")
                .and_then(|p| p.get("rust-version"))
                .and_then(|v| v.as_str())
                .map(parse_version);
            return Some(rv);
        }
    }
    None
}

#[test]
fn rust_version_covers_every_dependency_in_the_build_graph() {
    let declared = declared();
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(cargo)
        .current_dir(root())
        .args([
            "tree",
            "--offline",
            "--edges",
            "normal,build,dev",
            "--prefix",
            "none",
            "--format",
            "{p}",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "cargo tree: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tree = String::from_utf8(out.stdout).unwrap();
    let mut packages: Vec<(String, String)> = tree
        .lines()
        // path packages (this crate) have no registry manifest
        .filter(|l| !l.contains(" (/"))
        .filter_map(|l| {
            let mut words = l.split_whitespace();
            let name = words.next()?.to_owned();
            let version = words.next()?.strip_prefix('v')?.to_owned();
            Some((name, version))
        })
        .collect();
    packages.sort();
    packages.dedup();
    let mut checked = 0;
    let mut too_new = Vec::new();
    for (name, version) in &packages {
        if let Some(rv) = package_rust_version(name, version) {
            checked += 1;
            if let Some(rv) = rv.filter(|rv| *rv > declared) {
                too_new.push(format!("{name} {version} needs {}", show(rv)));
            }
        }
    }
    assert!(
        packages.iter().any(|(n, _)| n == "ratatui") && checked > 100,
        "the build graph was read: {checked} of {} packages checked",
        packages.len()
    );
    assert!(
        too_new.is_empty(),
        "rust-version {} in Cargo.toml, but: {}",
        show(declared),
        too_new.join("; ")
    );
}
