//! Project automation, run as `cargo xtask <command>` (`.cargo/config.toml` holds the alias).
//!
//! Dependency-light on purpose, like rust-analyzer's xtask: std only, no argument-parsing
//! crate, so it builds in seconds and adds nothing to `Cargo.lock`. Each command runs cargo
//! in the workspace root, prints every command line before running it, and stops at the
//! first failure with a non-zero exit status that says which step failed.

#![allow(
    clippy::print_stdout,
    reason = "a CLI prints its help to stdout; progress goes to stderr beside cargo's"
)]

mod bench;
mod ci;
mod codex;
mod features;
mod run;
mod sdk;

use std::process::ExitCode;

/// What `cargo xtask help` prints: one line for each command.
const HELP: &str = "\
usage: cargo xtask <command>

commands:
  ci         fmt --check, clippy -D warnings, test, cargo deny (if installed), then features
  features   check that the switchboard binary builds with no adapter and with each
             `adapter-*` feature alone, and run its unit tests for each
  sdk-check  run the official OpenAI Python SDK (installed from PyPI into target/sdk-venv)
             against the gateway's built-in mock; exits 3 when the SDK cannot be installed
             (skipped, not failed)
  codex-check
             run the real Codex CLI (npm @openai/codex, into target/codex-npm) through the
             gateway over a scripted chat upstream; exits 3 when Codex cannot be installed
             (skipped, not failed)
  bench [--quick]
             build release binaries and measure the gateway against a mock upstream on
             127.0.0.1 (throughput, added latency, CPU per request, memory), with a bare
             hyper proxy in the same rounds as the machine's floor; prints a
             markdown table, writes target/bench/results.json (docs/performance.md).
             --quick runs each scenario for about a second
  bench --instructions
             build release binaries and count the instructions the gateway runs per
             request under valgrind's callgrind (chat, and Responses translated to chat;
             the mock upstream alone for scale): repeatable where times are not. Prints a
             markdown table, writes target/bench/instructions.json; exits 3 when valgrind
             or callgrind_control is not on PATH (skipped, not failed)
  help       print this message";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = args.first().map(String::as_str);
    // Only `bench` takes an option (`--quick` or `--instructions`); every other command
    // takes none.
    let bench_args = args.get(1..).unwrap_or_default();
    let extra = match command {
        Some("bench") => bench::Mode::parse(bench_args).err(),
        _ => args.get(1).cloned(),
    };
    if let Some(extra) = extra {
        eprintln!("xtask: unexpected argument `{extra}`\n");
        println!("{HELP}");
        return ExitCode::from(2);
    }
    let result = match command {
        None | Some("help" | "--help" | "-h") => {
            println!("{HELP}");
            return ExitCode::SUCCESS;
        }
        Some("ci") => run::workspace_root().and_then(|root| ci::run(&root)),
        Some("features") => run::workspace_root().and_then(|root| features::run(&root)),
        Some("bench") if bench::Mode::parse(bench_args) == Ok(bench::Mode::Instructions) => {
            use bench::instructions::{self, Measured};
            match run::workspace_root().and_then(|root| instructions::run(&root)) {
                Ok(Measured::Skipped(reason)) => {
                    eprintln!("xtask: bench --instructions skipped: {reason}");
                    return ExitCode::from(instructions::SKIPPED_EXIT_CODE);
                }
                Ok(Measured::Done) => Ok(()),
                Err(failure) => Err(failure),
            }
        }
        Some("bench") => {
            let quick = bench::Mode::parse(bench_args) == Ok(bench::Mode::Quick);
            run::workspace_root().and_then(|root| bench::run(&root, quick))
        }
        Some("codex-check") => return codex::command(),
        Some("sdk-check") => match run::workspace_root().and_then(|root| sdk::run(&root)) {
            Ok(sdk::Checked::Skipped(reason)) => {
                eprintln!("xtask: sdk-check skipped: {reason}");
                return ExitCode::from(sdk::SKIPPED_EXIT_CODE);
            }
            Ok(sdk::Checked::Passed) => Ok(()),
            Err(failure) => Err(failure),
        },
        Some(other) => {
            eprintln!("xtask: unknown command `{other}`\n");
            println!("{HELP}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("xtask: {failure}");
            ExitCode::FAILURE
        }
    }
}
