//! `switchboard`: the LLM gateway proxy binary. A thin CLI over `switchboard-gateway`;
//! which adapters it links is chosen by Cargo features (`adapter-openai`, `adapter-mock`, ...).

#![allow(clippy::print_stdout, reason = "a CLI prints its answers to stdout")]

mod cli;
mod doctor;
mod linked;
mod log_fields;
mod log_time;
mod log_writer;
mod logging;
mod rotate;

use std::process::ExitCode;

use clap::Parser;
use switchboard_core::Registry;
use switchboard_gateway::config::{self, ConfigSource, Loaded};
use switchboard_gateway::{Gateway, Server, shutdown_signal};

use crate::cli::{Cli, Command};

/// mimalloc instead of the system allocator (feature `mimalloc`, on by default): the gateway
/// allocates and frees many short-lived buffers per request, and glibc's malloc was about a
/// fifth of its CPU on the translated path (docs/performance.md, "Hot path changes").
#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let source = match &cli.config {
        Some(path) => ConfigSource::File(path.clone()),
        None => ConfigSource::Default,
    };
    let listen = cli.listen.as_deref();
    match cli.command.unwrap_or_default() {
        Command::Adapters => adapters(),
        Command::CheckConfig => check_config(source, listen),
        Command::Doctor => doctor(source, listen),
        Command::RotateMasterKey(args) => match load(source, listen) {
            Ok((loaded, _)) => rotate::run(&loaded.config.state.path, &args),
            Err(code) => code,
        },
        Command::Serve => serve(source, listen),
    }
}

fn adapters() -> ExitCode {
    match Registry::linked() {
        Ok(registry) => {
            for factory in registry.factories() {
                println!("{:<14} {}", factory.kind, factory.description);
            }
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e),
    }
}

fn check_config(source: ConfigSource, listen: Option<&str>) -> ExitCode {
    let (loaded, registry) = match load(source, listen) {
        Ok(pair) => pair,
        Err(code) => return code,
    };
    match Gateway::build(&loaded.config, &registry) {
        Ok(gateway) => {
            for note in &loaded.notes {
                println!("note: {note}");
            }
            println!(
                "configuration OK: {} provider(s), {} model route(s), listening on {}",
                loaded.config.providers.len(),
                loaded.config.models.len(),
                gateway.listen_addr()
            );
            ExitCode::SUCCESS
        }
        Err(errors) => {
            eprint!("{errors}");
            ExitCode::from(2)
        }
    }
}

fn doctor(source: ConfigSource, listen: Option<&str>) -> ExitCode {
    let (loaded, registry) = match load(source, listen) {
        Ok(pair) => pair,
        Err(code) => return code,
    };
    match Gateway::build(&loaded.config, &registry) {
        Ok(gateway) => doctor::run(&gateway),
        Err(errors) => {
            eprint!("{errors}");
            ExitCode::from(2)
        }
    }
}

fn serve(source: ConfigSource, listen: Option<&str>) -> ExitCode {
    let (loaded, registry) = match load(source, listen) {
        Ok(pair) => pair,
        Err(code) => return code,
    };
    let _log_writer = match logging::init(&loaded.config.log) {
        Ok(guard) => guard,
        Err(e) => return fail(&format!("cannot start the log writer: {e}")),
    };
    for note in &loaded.notes {
        tracing::info!("{note}");
    }
    if let Some(file) = &loaded.file {
        tracing::info!(file = %file.display(), "configuration loaded");
    }
    let gateway = match Gateway::build(&loaded.config, &registry) {
        Ok(g) => g,
        Err(errors) => {
            eprint!("{errors}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return fail(&e),
    };
    runtime.block_on(async move {
        let server = match Server::bind(gateway).await {
            Ok(s) => s,
            Err(e) => return fail(&format!("cannot listen: {e}")),
        };
        let scheme = if server.is_tls() { "https" } else { "http" };
        match server.local_addr() {
            Ok(addr) => tracing::info!(
                version = env!("CARGO_PKG_VERSION"),
                "switchboard listening on {scheme}://{addr}"
            ),
            Err(e) => return fail(&e),
        }
        server.run(shutdown_signal()).await;
        ExitCode::SUCCESS
    })
}

/// Loads the config and the registry, printing every problem on failure.
fn load(source: ConfigSource, listen: Option<&str>) -> Result<(Loaded, Registry), ExitCode> {
    let loaded = config::load_with_listen(source, listen).map_err(|errors| {
        eprint!("{errors}");
        ExitCode::from(2)
    })?;
    let registry = Registry::linked().map_err(|e| fail(&e))?;
    Ok((loaded, registry))
}

fn fail(e: &dyn std::fmt::Display) -> ExitCode {
    eprintln!("switchboard: {e}");
    ExitCode::FAILURE
}
