//! `bench-upstream`: the fast mock OpenAI upstream of `cargo xtask bench`.
//!
//! A tiny hyper 1 HTTP/1.1 server on 127.0.0.1 that answers `POST .../chat/completions` with
//! canned OpenAI JSON, or, for `"stream": true`, with an SSE stream: a role chunk, N content
//! chunks (each after an optional delay), a finish chunk, a usage chunk when the request
//! asks for one, and `data: [DONE]`. It does as little as it can, so that the gateway's cost
//! stands out against it. One process serves every scenario: the chunk count and the delay
//! come from the command line, and each request may change them (see [`options`]).
//!
//! It prints `bench-upstream listening on http://ADDR` on stdout once it accepts.

#![allow(
    clippy::print_stdout,
    reason = "the program announces its address on stdout, as the gateway does in its log"
)]

mod body;
mod canned;
mod options;
mod reply;

use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use crate::options::Options;

/// The command line.
#[derive(Debug, Parser)]
#[command(
    name = "bench-upstream",
    about = "A fast mock OpenAI chat upstream on 127.0.0.1"
)]
struct Cli {
    /// The port on 127.0.0.1; 0 picks a free one (the address is printed).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Content chunks per stream, by default.
    #[arg(long, default_value_t = 20)]
    chunks: u32,
    /// Milliseconds before each content chunk, by default.
    #[arg(long, default_value_t = 0)]
    delay_ms: u64,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let defaults = Options {
        chunks: cli.chunks,
        delay: Duration::from_millis(cli.delay_ms),
    };
    // One thread: `cargo xtask bench` pins this process to one core.
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("bench-upstream: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve(cli.port, defaults)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench-upstream: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Binds 127.0.0.1:`port`, prints the address, and serves until killed.
async fn serve(port: u16, defaults: Options) -> std::io::Result<()> {
    let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port))).await?;
    println!(
        "bench-upstream listening on http://{}",
        listener.local_addr()?
    );
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(e) => {
                // Out of file descriptors, most likely: say so and let connections close.
                eprintln!("bench-upstream: accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        tokio::spawn(async move {
            let service = service_fn(move |request| reply::handle(request, defaults));
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}
