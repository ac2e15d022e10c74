//! Running one command: print its command line, run it in the workspace root, and turn
//! anything but a zero exit status into a [`Failure`].

use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Why a command stopped: a sentence naming the step or command line that failed.
///
/// Callers add context on the way up with [`Failure::context`]; `main` prints it and exits
/// with a non-zero status.
#[derive(Debug)]
pub struct Failure(String);

impl Failure {
    /// A failure described by `message`.
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }

    /// The same failure with `context` (for example "ci step `test` failed") in front.
    pub fn context(self, context: &str) -> Self {
        Self(format!("{context}: {}", self.0))
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The workspace root: the parent of this package's folder (`<root>/xtask`).
///
/// Found from `CARGO_MANIFEST_DIR` at build time, so it does not depend on the folder
/// `cargo xtask` was started from.
pub fn workspace_root() -> Result<PathBuf, Failure> {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir.parent().map(Path::to_path_buf).ok_or_else(|| {
        Failure::new(format!(
            "cannot find the workspace root: {} has no parent folder",
            manifest_dir.display()
        ))
    })
}

/// What `cargo run` sets for the program it runs (a `*` ends a prefix).
const SET_BY_CARGO_RUN: &[&str] = &[
    "CARGO_MANIFEST_*",
    "CARGO_PKG_*",
    "CARGO_CRATE_NAME",
    "CARGO_BIN_NAME",
    "CARGO_PRIMARY_PACKAGE",
    "OUT_DIR",
];

/// A `cargo` command in `root`, without the variables `cargo run` set for xtask itself.
///
/// Uses the cargo that started us (`$CARGO`, which cargo sets for `cargo run`), else
/// `cargo` from `PATH`. Why the variables go: build scripts such as ring's declare
/// `rerun-if-env-changed` on names like `CARGO_MANIFEST_DIR`, so inheriting xtask's values
/// would rebuild ring and everything above it here, and again at the next plain build.
pub fn cargo_command(root: &Path) -> Command {
    let program = std::env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo"));
    let mut command = Command::new(program);
    command.current_dir(root);
    for (name, _) in std::env::vars_os() {
        let text = name.to_string_lossy();
        let set_by_cargo = SET_BY_CARGO_RUN
            .iter()
            .any(|set| match set.strip_suffix('*') {
                Some(prefix) => text.starts_with(prefix),
                None => text == *set,
            });
        if set_by_cargo {
            command.env_remove(&name);
        }
    }
    command
}

/// Runs `cargo <args>` in `root` after printing `$ cargo <args>` to stderr.
///
/// Returns `Ok` when cargo exits with status 0, and a [`Failure`] naming the command line
/// when it exits otherwise or cannot be started.
pub fn cargo(root: &Path, args: &[&str]) -> Result<(), Failure> {
    let line = format!("cargo {}", args.join(" "));
    eprintln!("$ {line}");
    let status = cargo_command(root)
        .args(args)
        .status()
        .map_err(|e| Failure::new(format!("`{line}` could not be started: {e}")))?;
    if status.success() {
        Ok(())
    } else {
        Err(Failure::new(format!("`{line}` failed ({status})")))
    }
}

/// Whether an executable file named `program` (plus `.exe` on Windows) is in one of the
/// folders of `PATH`. False when `PATH` is unset.
pub fn on_path(program: &str) -> bool {
    let file_name = format!("{program}{}", std::env::consts::EXE_SUFFIX);
    std::env::var_os("PATH").is_some_and(|path| {
        std::env::split_paths(&path).any(|folder| folder.join(&file_name).is_file())
    })
}
