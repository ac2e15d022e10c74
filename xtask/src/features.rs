//! `cargo xtask features`: the `switchboard` binary builds with no adapter, and with each
//! `adapter-*` feature alone, and its unit tests pass for each.
//!
//! Why: an adapter is linked only through its feature (see "Known traps" in the style
//! guide), so a feature that builds only together with another one, or a registry that
//! disagrees with the enabled features, shows up here and not in a default build.

use std::fs;
use std::path::Path;

use crate::run::{self, Failure};

/// The package whose features are checked.
const PACKAGE: &str = "switchboard";

/// Its manifest, relative to the workspace root.
const MANIFEST: &str = "bins/switchboard/Cargo.toml";

/// Checks the binary with no adapter, then checks and unit-tests it with each adapter
/// feature alone. Fails on the first command that fails, or when the manifest declares no
/// `adapter-*` feature at all (a sign that the parse below no longer fits the manifest).
pub fn run(root: &Path) -> Result<(), Failure> {
    let path = root.join(MANIFEST);
    let manifest = fs::read_to_string(&path)
        .map_err(|e| Failure::new(format!("cannot read {}: {e}", path.display())))?;
    let features = adapter_features(&manifest);
    if features.is_empty() {
        return Err(Failure::new(format!(
            "no `adapter-*` feature found under [features] in {MANIFEST}"
        )));
    }

    eprintln!("==> features: {PACKAGE} with no adapter");
    run::cargo(
        root,
        &[
            "clippy",
            "-p",
            PACKAGE,
            "--locked",
            "--no-default-features",
            "--",
            "-D",
            "warnings",
        ],
    )
    .map_err(|failure| failure.context("the binary does not build without adapters"))?;

    for feature in &features {
        eprintln!("==> features: {PACKAGE} with `{feature}` alone");
        let only = [
            "-p",
            PACKAGE,
            "--locked",
            "--no-default-features",
            "--features",
            feature,
        ];
        let context = format!("feature `{feature}` alone");
        // clippy with -D warnings: an import that is unused only without some adapter fails.
        run::cargo(
            root,
            &[&["clippy"], &only[..], &["--", "-D", "warnings"]].concat(),
        )
        .map_err(|failure| failure.context(&context))?;
        run::cargo(root, &[&["test"], &only[..], &["--bin", PACKAGE]].concat())
            .map_err(|failure| failure.context(&context))?;
    }
    eprintln!(
        "==> features: no adapter and {} adapter feature(s) alone all passed: {}",
        features.len(),
        features.join(", ")
    );
    Ok(())
}

/// The names of the `adapter-*` features in the `[features]` table of `manifest`, in the
/// order they are declared.
///
/// A line-based parse, enough for our manifests: a table starts at a line beginning with
/// `[`, and a feature is a `name = ...` line whose name (quoted or not) starts `adapter-`.
/// Continuation lines of a multi-line feature list hold no `=` and are skipped.
fn adapter_features(manifest: &str) -> Vec<String> {
    let mut in_features = false;
    let mut found = Vec::new();
    for line in manifest.lines() {
        let line = line.split('#').next().unwrap_or_default().trim();
        if line.starts_with('[') {
            in_features = line == "[features]";
            continue;
        }
        if !in_features {
            continue;
        }
        let Some((name, _)) = line.split_once('=') else {
            continue;
        };
        let name = name.trim().trim_matches('"');
        if name.starts_with("adapter-") {
            found.push(name.to_owned());
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::adapter_features;

    #[test]
    fn finds_adapter_features_only_in_the_features_table() {
        let manifest = r#"
[package]
name = "switchboard"
adapter-not-a-feature = "x"

[features] # the adapters
default = ["adapter-openai"]
adapter-openai = ["dep:switchboard-openai"]
"adapter-quoted" = [
    "dep:switchboard-quoted",
]
# adapter-commented = []
other = []

[dependencies]
adapter-dep = "1"
"#;
        assert_eq!(
            adapter_features(manifest),
            ["adapter-openai", "adapter-quoted"]
        );
    }

    #[test]
    fn the_binary_manifest_declares_adapter_features() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join(super::MANIFEST);
        let manifest = std::fs::read_to_string(path).unwrap();
        assert!(adapter_features(&manifest).contains(&"adapter-mock".to_owned()));
    }
}
