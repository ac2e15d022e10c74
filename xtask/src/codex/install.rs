//! Getting Codex: `@openai/codex` from npm into `target/codex-npm`, reused while its
//! version is the one checked.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::run;

/// The Codex release checked: the one spec §7 was captured with. A newer release is a new
/// client to look at before it gates anything.
const CODEX_VERSION: &str = "0.169.0";

/// Where npm installs Codex, relative to the workspace root; kept between runs.
const NPM_PREFIX: &str = "target/codex-npm";

/// Installs `@openai/codex@CODEX_VERSION` under [`NPM_PREFIX`] unless it is there already,
/// and returns the native binary. The error is the reason to skip.
pub fn install_codex(root: &Path) -> Result<PathBuf, String> {
    let prefix = root.join(NPM_PREFIX);
    if let Some(codex) = find_codex_binary(&prefix)
        && codex_version(&codex).as_deref() == Some(CODEX_VERSION)
    {
        eprintln!("==> codex-check: reusing Codex {CODEX_VERSION} from {NPM_PREFIX}");
        return Ok(codex);
    }
    if !run::on_path("npm") {
        return Err("no `npm` on PATH to install @openai/codex with".to_owned());
    }
    let package = format!("@openai/codex@{CODEX_VERSION}");
    let mut npm = Command::new("npm");
    npm.arg("install")
        .arg("--prefix")
        .arg(&prefix)
        .args([
            "--save-exact",
            "--no-audit",
            "--no-fund",
            "--fetch-retries=1",
        ])
        .arg(&package)
        // Our stdout is for the scenario lines; npm's progress goes with the rest, to stderr.
        .stdout(std::io::stderr());
    run_status(&mut npm).map_err(|why| {
        format!("npm could not install {package} (is the registry reachable?): {why}")
    })?;
    let codex = find_codex_binary(&prefix).ok_or_else(|| {
        format!(
            "{package} has no prebuilt binary for {}-{} (looked in {NPM_PREFIX}/node_modules/@openai/*/vendor/*/bin)",
            std::env::consts::OS,
            std::env::consts::ARCH
        )
    })?;
    match codex_version(&codex) {
        Some(version) if version == CODEX_VERSION => Ok(codex),
        other => Err(format!(
            "{} does not run as Codex {CODEX_VERSION} (`--version` gave {other:?})",
            codex.display()
        )),
    }
}

/// The native binary the npm package ships, `node_modules/@openai/<platform
/// package>/vendor/<target>/bin/codex`. Run directly rather than through the package's Node
/// wrapper, so that killing it kills Codex and not only Node.
fn find_codex_binary(prefix: &Path) -> Option<PathBuf> {
    let file_name = format!("codex{}", std::env::consts::EXE_SUFFIX);
    let mut found = Vec::new();
    for package in fs::read_dir(prefix.join("node_modules/@openai"))
        .ok()?
        .flatten()
    {
        let Ok(targets) = fs::read_dir(package.path().join("vendor")) else {
            continue;
        };
        for target in targets.flatten() {
            let binary = target.path().join("bin").join(&file_name);
            if binary.is_file() {
                found.push(binary);
            }
        }
    }
    found.sort();
    found.into_iter().next()
}

/// The version `codex --version` prints (`codex-cli 0.169.0` gives `0.169.0`), or `None`
/// when it does not run.
fn codex_version(codex: &Path) -> Option<String> {
    let out = Command::new(codex).arg("--version").output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    (out.status.success())
        .then(|| text.split_whitespace().last().map(str::to_owned))
        .flatten()
}

/// Runs `command` after printing it; `Err` says how it ended when that was not success.
fn run_status(command: &mut Command) -> Result<(), String> {
    let line = format!("{command:?}");
    eprintln!("$ {line}");
    match command.status() {
        Ok(status) if status.success() => Ok(()),
        Ok(status) => Err(format!("`{line}` failed ({status})")),
        Err(e) => Err(format!("`{line}` could not be started: {e}")),
    }
}
