//! A gateway started in-process on a real socket (127.0.0.1:0), from TOML text.

use std::net::SocketAddr;

use switchboard_core::Registry;
use switchboard_gateway::{Gateway, Server, config};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A running gateway; shuts down when dropped.
pub struct TestGateway {
    /// Where it listens.
    pub addr: SocketAddr,
    /// The built gateway (for draining checks).
    pub gateway: Gateway,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl TestGateway {
    /// Starts a gateway configured by `toml` (no environment variable is read; the state
    /// database is in memory unless `toml` has a `[state]` section).
    pub async fn start(toml: &str) -> Self {
        // State lives with the test unless the test names a file.
        let toml = if toml.contains("[state]") {
            toml.to_owned()
        } else {
            format!("{toml}\n[state]\npath = \":memory:\"\n")
        };
        let config = config::parse_toml(&toml).unwrap_or_else(|e| panic!("{e}"));
        let registry = Registry::linked().unwrap();
        let gateway = Gateway::build(&config, &registry).unwrap_or_else(|e| panic!("{e}"));
        let server = Server::bind_addr(gateway.clone(), "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        let addr = server.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(server.run(async {
            let _ = stopped.await;
        }));
        Self {
            addr,
            gateway,
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// A gateway with one `openai` provider named `up` at `base_url` and a catch-all route;
    /// `extra` is appended to the TOML (more sections, or `[server]` keys).
    pub async fn openai(base_url: &str, extra: &str) -> Self {
        let toml = format!(
            "{extra}\n[providers.up]\nkind = \"openai\"\nbase_url = \"{base_url}\"\napi_key = \"sk-upstream-secret-1234\"\n\n[[models]]\nname = \"*\"\nprovider = \"up\"\n"
        );
        Self::start(&toml).await
    }

    /// A gateway serving only the mock provider for every model.
    pub async fn mock() -> Self {
        Self::start(
            "[providers.mock]\nkind = \"mock\"\n[[models]]\nname = \"*\"\nprovider = \"mock\"\n",
        )
        .await
    }

    /// `http://ADDR`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Begins shutdown and returns the server task, to await its end.
    pub fn shutdown(&mut self) -> JoinHandle<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.task.take().expect("shutdown called twice")
    }
}

impl Drop for TestGateway {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
