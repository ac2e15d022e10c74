//! `bench-load`: the load generator of `cargo xtask bench`.
//!
//! A hyper HTTP/1.1 client with a keep-alive pool, on one thread, sending one of a few
//! built-in OpenAI requests to a URL on loopback. Four modes:
//!
//! - `closed`: C workers, each sending its next request when the last one is answered, for
//!   D seconds: requests/s and latency percentiles.
//! - `open`: requests at a fixed rate R for D seconds, each sent at its scheduled time
//!   whatever the others are doing; latency runs from the scheduled time, not the actual
//!   send, so a slow answer that holds the next send back still counts its wait
//!   (no coordinated omission).
//! - `stream`: C workers reading streams for D seconds: time to first byte, the gaps
//!   between body chunks, and how many streams ended properly (`data: [DONE]` for chat, a
//!   terminal `response.completed` / `response.incomplete` / `response.failed` event for
//!   Responses).
//! - `hold`: N streams opened at once and read to their end: how long until all had their
//!   first byte, and how many ended properly.
//!
//! It prints one flat JSON object of numbers on stdout (the names are in each mode's file).

#![allow(
    clippy::print_stdout,
    reason = "the program's result is the JSON object it prints on stdout"
)]

mod client;
mod closed;
mod hold;
mod open;
mod report;
mod requests;
mod stream;

use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};

use crate::client::Target;
use crate::requests::Kind;

/// The command line.
#[derive(Debug, Parser)]
#[command(
    name = "bench-load",
    about = "A load generator for switchboard's benchmarks"
)]
struct Cli {
    /// The full URL to send to, e.g. `http://127.0.0.1:8080/v1/chat/completions`.
    #[arg(long)]
    url: String,
    /// Which built-in request to send.
    #[arg(long, value_enum)]
    request: Kind,
    /// The `model` the request names (the mock upstream reads `chunks=N` and `delay_ms=M`
    /// words in it, e.g. `bench/chunks=20/delay_ms=2`).
    #[arg(long, default_value = "bench")]
    model: String,
    /// What to do.
    #[command(subcommand)]
    mode: Mode,
}

/// The modes.
#[derive(Debug, Subcommand)]
enum Mode {
    /// C concurrent workers, each sending when its last answer is in, for D seconds.
    Closed {
        /// Concurrent workers (and connections).
        #[arg(long, default_value_t = 16)]
        concurrency: usize,
        /// Seconds to run.
        #[arg(long, default_value_t = 5.0)]
        duration: f64,
    },
    /// A fixed rate of requests per second, for D seconds.
    Open {
        /// Requests per second.
        #[arg(long)]
        rate: f64,
        /// Seconds to run.
        #[arg(long, default_value_t = 5.0)]
        duration: f64,
    },
    /// C concurrent workers reading streams, for D seconds.
    Stream {
        /// Concurrent workers (and connections).
        #[arg(long, default_value_t = 16)]
        concurrency: usize,
        /// Seconds to run.
        #[arg(long, default_value_t = 5.0)]
        duration: f64,
    },
    /// N streams opened at once and read to their end.
    Hold {
        /// Streams to open.
        #[arg(long)]
        streams: usize,
        /// Seconds after which streams still open are given up (counted as not ended).
        #[arg(long, default_value_t = 60.0)]
        timeout: f64,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let target = match Target::new(&cli.url, cli.request.body(&cli.model)) {
        Ok(target) => target,
        Err(e) => {
            eprintln!("bench-load: {e}");
            return ExitCode::from(2);
        }
    };
    // One thread: `cargo xtask bench` pins this process to one core.
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("bench-load: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let report = runtime.block_on(async {
        match cli.mode {
            Mode::Closed {
                concurrency,
                duration,
            } => closed::run(target, concurrency, seconds(duration)).await,
            Mode::Open { rate, duration } => open::run(target, rate, seconds(duration)).await,
            Mode::Stream {
                concurrency,
                duration,
            } => stream::run(target, concurrency, seconds(duration)).await,
            Mode::Hold { streams, timeout } => hold::run(target, streams, seconds(timeout)).await,
        }
    });
    println!("{}", report.to_json());
    ExitCode::SUCCESS
}

/// `s` seconds (negative and NaN read as zero).
fn seconds(s: f64) -> Duration {
    Duration::try_from_secs_f64(s).unwrap_or(Duration::ZERO)
}
