//! The command line.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// switchboard: one OpenAI-compatible front door to every model provider.
#[derive(Debug, Parser)]
#[command(name = "switchboard", version, about, long_about = None)]
pub struct Cli {
    /// Config file (default: ./switchboard.toml if it exists).
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Address to listen on, overriding server.listen (e.g. 127.0.0.1:9000).
    #[arg(long, global = true, value_name = "ADDR")]
    pub listen: Option<String>,
    /// What to do; `serve` when omitted.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands.
#[derive(Debug, Clone, Default, Subcommand)]
pub enum Command {
    /// Run the gateway (the default).
    #[default]
    Serve,
    /// List the adapter kinds linked into this binary.
    Adapters,
    /// Load and check the configuration, then exit (0 if valid, 2 with every error).
    CheckConfig,
    /// Check every provider with a minimal call and print what works, with fixes (exit 1
    /// if one fails).
    Doctor,
    /// Re-seal the provider secrets stored in the state database under a new master key.
    RotateMasterKey(crate::rotate::RotateArgs),
}
