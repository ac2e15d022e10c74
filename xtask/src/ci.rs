//! `cargo xtask ci`: the checks CI runs, in order, stopping at the first that fails.
//!
//! The order puts the cheapest and most common failures first: formatting, then lints,
//! then tests, then the dependency policy, then the slow per-feature builds.

use std::path::Path;

use crate::features;
use crate::run::{self, Failure};

/// One step of CI: the name printed when it fails, and the cargo arguments it runs.
struct Step {
    /// The short name in "ci step `name` failed".
    name: &'static str,
    /// The arguments after `cargo`.
    args: &'static [&'static str],
}

/// The steps that always run, in order.
const STEPS: &[Step] = &[
    Step {
        name: "fmt",
        args: &["fmt", "--all", "--check"],
    },
    Step {
        name: "clippy",
        args: &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--locked",
            "--",
            "-D",
            "warnings",
        ],
    },
    Step {
        name: "test",
        args: &["test", "--workspace", "--locked"],
    },
];

/// The dependency policy in `deny.toml`. Advisories are left out: they need the network.
const DENY: Step = Step {
    name: "deny",
    args: &["deny", "check", "bans", "licenses", "sources"],
};

/// Runs every CI step in `root`; the first failure ends the run and names its step.
///
/// `cargo deny` runs only when `cargo-deny` is on `PATH`; otherwise the step is skipped with
/// a note, so a machine without it can still run the rest.
pub fn run(root: &Path) -> Result<(), Failure> {
    for step in STEPS {
        run_step(root, step)?;
    }
    if run::on_path("cargo-deny") {
        run_step(root, &DENY)?;
    } else {
        eprintln!(
            "==> ci step `{}` skipped: cargo-deny is not on PATH \
             (install it with `cargo install cargo-deny --locked`)",
            DENY.name
        );
    }
    eprintln!("==> ci step `features`");
    features::run(root).map_err(|failure| failure.context("ci step `features` failed"))?;
    eprintln!("==> ci: every step passed");
    Ok(())
}

/// Runs one step, announcing it first and naming it in the failure.
fn run_step(root: &Path, step: &Step) -> Result<(), Failure> {
    eprintln!("==> ci step `{}`", step.name);
    run::cargo(root, step.args)
        .map_err(|failure| failure.context(&format!("ci step `{}` failed", step.name)))
}
