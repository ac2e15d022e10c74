//! `bench-proxy`: the bare reverse proxy of `cargo xtask bench`, the floor the gateway is
//! read against.
//!
//! The least a reverse proxy can do, built from the crates the gateway uses: a tokio
//! multi-thread runtime (default worker count: one per CPU it may run on), a hyper 1 server
//! through hyper-util's `auto` builder (HTTP/1.1, and h2 by preface, as the gateway serves),
//! and hyper-util's legacy `Client` with its keep-alive pool towards the upstream, with
//! TCP_NODELAY on both sides. Each request goes to the upstream as it came (see
//! [`forward`]); the answer comes back with its body streamed through chunk by chunk. It
//! logs nothing and parses no body: whatever it costs on a machine is what any proxy costs
//! there, before routing, authentication, translation or usage records.
//!
//! It prints `bench-proxy listening on http://ADDR` on stdout once it accepts, and stops on
//! SIGTERM or SIGINT (or when killed).

#![allow(
    clippy::print_stdout,
    reason = "the program announces its address on stdout, as bench-upstream does"
)]

mod forward;

use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::net::TcpListener;

use crate::forward::Proxy;

/// The command line.
#[derive(Debug, Parser)]
#[command(
    name = "bench-proxy",
    about = "A bare reverse proxy on 127.0.0.1, the floor of the gateway's benchmark"
)]
struct Cli {
    /// The port on 127.0.0.1; 0 picks a free one (the address is printed).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// The upstream's base URL, `http://HOST:PORT` (a path, if any, is put before each
    /// request's path).
    #[arg(long)]
    upstream: String,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let proxy = match Proxy::new(&cli.upstream) {
        Ok(proxy) => Arc::new(proxy),
        Err(e) => {
            eprintln!("bench-proxy: {e}");
            return ExitCode::FAILURE;
        }
    };
    // The default worker count, as the gateway has: one per CPU this process may run on
    // (one when `cargo xtask bench` pins it with taskset).
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("bench-proxy: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve(cli.port, proxy)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench-proxy: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Binds 127.0.0.1:`port`, prints the address, and serves until SIGTERM or SIGINT. The
/// connections still open then are dropped with the runtime.
async fn serve(port: u16, proxy: Arc<Proxy>) -> std::io::Result<()> {
    let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port))).await?;
    println!("bench-proxy listening on http://{}", listener.local_addr()?);
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder.http1().keep_alive(true);
    let shutdown = shutdown();
    tokio::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file descriptors, most likely: say so and let connections close.
                    eprintln!("bench-proxy: accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
            () = &mut shutdown => return Ok(()),
        };
        let _ = stream.set_nodelay(true);
        let proxy = Arc::clone(&proxy);
        let builder = builder.clone();
        // The accept loop spawns one task per connection; the connection owns its requests,
        // so a client that goes away drops their upstream calls with it.
        tokio::spawn(async move {
            let service = service_fn(move |request| {
                let proxy = Arc::clone(&proxy);
                async move { proxy.forward(request).await }
            });
            let _ = builder
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

/// Resolves on SIGTERM or SIGINT. A signal that cannot be listened for is left to its
/// default action, which ends the process too.
async fn shutdown() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                term.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}
