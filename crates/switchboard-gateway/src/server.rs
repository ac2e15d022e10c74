//! The listening side: the accept loop over hyper-util's auto builder (HTTP/1.1 and h2,
//! h2c on plain TCP, ALPN under TLS), a header read timeout, and graceful shutdown that
//! drains in-flight requests and streams up to the grace period.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;

use crate::Gateway;
use crate::access_log::serve_connection_with_log_slot;
use crate::limits::{CounterSaver, restore, spawn_saver};
use crate::usage::{PRUNE_INTERVAL, UsagePruner, spawn_pruner};

/// How long a TLS client has to finish its handshake.
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// A bound, not yet running server.
pub struct Server {
    gateway: Gateway,
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    /// Saves the limit counters while serving; flushed at shutdown.
    saver: Option<CounterSaver>,
    /// Deletes usage records past their retention while serving.
    pruner: Option<UsagePruner>,
}

/// How often changed limit counters are saved: what a crash can lose.
const COUNTER_SAVE_INTERVAL: Duration = Duration::from_secs(2);

/// Restores the limit counters saved by the last run and starts saving them. A store that
/// fails here costs only the counters' memory of the last run: logged, not fatal.
async fn keep_counters(gateway: &Gateway) -> Option<CounterSaver> {
    let db = match gateway.inner.state.open().await {
        Ok(db) => db,
        Err(e) => {
            tracing::warn!(error = %e, "limit counters will not be kept across restarts");
            return None;
        }
    };
    let counters = &gateway.inner.memory_counters;
    match restore(counters, &db.counters()).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(scopes = n, "limit counters restored"),
        Err(e) => {
            tracing::warn!(error = %e, "saved limit counters could not be read; starting fresh")
        }
    }
    Some(spawn_saver(
        counters.clone(),
        db.counters(),
        COUNTER_SAVE_INTERVAL,
    ))
}

impl Server {
    /// Binds the configured address.
    pub async fn bind(gateway: Gateway) -> std::io::Result<Self> {
        let addr = gateway.listen_addr();
        Self::bind_addr(gateway, addr).await
    }

    /// Binds `addr` instead of the configured address (`--listen`, tests on port 0).
    pub async fn bind_addr(gateway: Gateway, addr: SocketAddr) -> std::io::Result<Self> {
        // A store that cannot open (a database file in a folder we may not write) stops
        // the start, with the reason, rather than failing the first request.
        gateway
            .store()
            .ready()
            .await
            .map_err(|e| std::io::Error::other(format!("the response store: {}", e.message())))?;
        // Providers and models created through the admin API are served from the start.
        gateway
            .reload_catalog()
            .await
            .map_err(|e| std::io::Error::other(format!("the state database: {e}")))?;
        let saver = keep_counters(&gateway).await;
        let tls = gateway.inner.tls.clone();
        let listener = TcpListener::bind(addr).await?;
        let pruner = spawn_pruner(
            gateway.inner.state.clone(),
            gateway.inner.usage_retention_days,
            PRUNE_INTERVAL,
        );
        Ok(Self {
            gateway,
            listener,
            tls,
            saver,
            pruner,
        })
    }

    /// The bound address (the real port when bound to port 0).
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// True when the server terminates TLS.
    pub fn is_tls(&self) -> bool {
        self.tls.is_some()
    }

    /// Serves until `shutdown` resolves, then stops accepting and gives in-flight requests
    /// up to the grace period to finish.
    pub async fn run(self, shutdown: impl Future<Output = ()>) {
        let Server {
            gateway,
            listener,
            tls,
            saver,
            pruner,
        } = self;
        let mut builder = auto::Builder::new(TokioExecutor::new());
        builder
            .http1()
            .timer(TokioTimer::new())
            .header_read_timeout(gateway.inner.header_read_timeout)
            .keep_alive(true);
        builder.http2().timer(TokioTimer::new());
        let graceful = GracefulShutdown::new();
        tokio::pin!(shutdown);
        loop {
            let (stream, peer) = tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok(pair) => pair,
                    Err(e) => {
                        // Usually out of file descriptors: back off instead of spinning.
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                },
                () = &mut shutdown => break,
            };
            let _ = stream.set_nodelay(true);
            // The accept loop is the one place a task is spawned per connection; the
            // connection owns its requests, so a closed connection drops their upstream calls.
            tokio::spawn(serve_connection(
                gateway.clone(),
                builder.clone(),
                graceful.watcher(),
                tls.clone(),
                stream,
                peer,
            ));
        }
        drop(listener);
        gateway.start_draining();
        let open = graceful.count();
        tracing::info!(
            open_connections = open,
            "shutting down: draining in-flight requests"
        );
        tokio::select! {
            () = graceful.shutdown() => tracing::info!("all connections closed"),
            () = tokio::time::sleep(gateway.inner.shutdown_grace) => {
                tracing::warn!("grace period over: closing the remaining connections");
            }
        }
        drop(pruner);
        if let Some(saver) = saver {
            saver.flush().await;
        }
    }
}

async fn serve_connection(
    gateway: Gateway,
    builder: auto::Builder<TokioExecutor>,
    watcher: hyper_util::server::graceful::Watcher,
    tls: Option<TlsAcceptor>,
    stream: TcpStream,
    peer: SocketAddr,
) {
    let service = service_fn(move |request| {
        let gateway = gateway.clone();
        async move { Ok::<_, Infallible>(gateway.handle(request).await) }
    });
    let result = match tls {
        None => {
            let conn = builder.serve_connection(TokioIo::new(stream), service);
            serve_connection_with_log_slot(watcher.watch(conn.into_owned())).await
        }
        Some(acceptor) => {
            let tls_stream =
                match tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                    Ok(Ok(s)) => s,
                    Ok(Err(e)) => {
                        tracing::debug!(%peer, error = %e, "TLS handshake failed");
                        return;
                    }
                    Err(_) => {
                        tracing::debug!(%peer, "TLS handshake timed out");
                        return;
                    }
                };
            let conn = builder.serve_connection(TokioIo::new(tls_stream), service);
            serve_connection_with_log_slot(watcher.watch(conn.into_owned())).await
        }
    };
    if let Err(e) = result {
        tracing::debug!(%peer, error = %e, "connection ended with an error");
    }
}
