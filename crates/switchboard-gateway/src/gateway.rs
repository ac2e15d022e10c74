//! [`Gateway`]: the built, immutable state behind every request (routes, keys, limits),
//! made from a [`Config`] and the adapter [`Registry`].

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use switchboard_core::{BuildContext, HttpTransport, Registry};
use switchboard_http::{ClientConfig, UpstreamClient};

use crate::auth::Keys;
use crate::config::{Config, ConfigErrors, secs};
use crate::responses::ReasoningSeal;
use crate::routing::{Provider, Router};
use crate::store::{MemoryStore, ResponseStore, StoreLimits};

/// The gateway: cheap to clone, shared by every connection.
#[derive(Clone)]
pub struct Gateway {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) router: Router,
    pub(crate) keys: Keys,
    pub(crate) max_body: usize,
    pub(crate) log_prompts: bool,
    pub(crate) draining: AtomicBool,
    pub(crate) listen: SocketAddr,
    pub(crate) tls: Option<tokio_rustls::TlsAcceptor>,
    pub(crate) header_read_timeout: Duration,
    pub(crate) shutdown_grace: Duration,
    pub(crate) store: Arc<dyn ResponseStore>,
    pub(crate) heartbeat: Duration,
    pub(crate) seal: Arc<ReasoningSeal>,
}

impl Gateway {
    /// Builds the gateway: the shared upstream client, every provider's adapter, the routes.
    /// All problems are reported together.
    pub fn build(config: &Config, registry: &Registry) -> Result<Self, ConfigErrors> {
        let upstream = &config.upstream;
        let client = UpstreamClient::new(&ClientConfig {
            connect_timeout: secs(upstream.connect_timeout),
            pool_idle_timeout: secs(upstream.pool_idle_timeout),
            pool_max_idle_per_host: upstream.pool_max_idle_per_host,
            http2: upstream.http2,
            extra_root_certs: upstream.ca_certs.clone(),
            ..ClientConfig::default()
        })
        .map_err(|e| ConfigErrors(vec![format!("upstream: {e}")]))?;
        Self::build_with_transport(config, registry, Arc::new(client))
    }

    /// Like [`Gateway::build`], with the upstream transport supplied by the caller.
    pub fn build_with_transport(
        config: &Config,
        registry: &Registry,
        transport: Arc<dyn HttpTransport>,
    ) -> Result<Self, ConfigErrors> {
        let mut errors = ConfigErrors::default();
        let server = &config.server;
        let mut providers = std::collections::BTreeMap::new();
        for (name, section) in &config.providers {
            let factory = match registry.get(&section.kind) {
                Ok(f) => f,
                Err(e) => {
                    errors.push(format!("providers.{name}.kind: {e}"));
                    continue;
                }
            };
            let settings = serde_json::Value::Object(section.settings.clone());
            let built = (factory.build)(BuildContext {
                name,
                config: &settings,
                transport: transport.clone(),
            });
            match built {
                Ok(adapter) => {
                    providers.insert(
                        name.clone(),
                        Arc::new(Provider {
                            name: name.as_str().into(),
                            adapter,
                            first_byte_timeout: secs(
                                section
                                    .first_byte_timeout
                                    .unwrap_or(server.first_byte_timeout),
                            ),
                            total_timeout: secs(
                                section.total_timeout.unwrap_or(server.total_timeout),
                            ),
                        }),
                    );
                }
                Err(e) => errors.push(format!("providers.{name} (kind {}): {e}", section.kind)),
            }
        }
        let mut router = Router::default();
        for model in &config.models {
            if let Some(provider) = providers.get(&model.provider) {
                router.add(&model.name, provider.clone(), model.model.as_deref());
            } else if !config.providers.contains_key(&model.provider) {
                errors.push(format!(
                    "models `{}`: provider `{}` is not defined",
                    model.name, model.provider
                ));
            }
        }
        let listen = match server.listen.parse() {
            Ok(addr) => addr,
            Err(_) => {
                errors.push(format!(
                    "server.listen = \"{}\" is not an address",
                    server.listen
                ));
                SocketAddr::from(([127, 0, 0, 1], 8080))
            }
        };
        let tls = match &server.tls {
            Some(files) => match crate::tls::acceptor(files) {
                Ok(acceptor) => Some(acceptor),
                Err(e) => {
                    errors.push(e);
                    None
                }
            },
            None => None,
        };
        let seal = match ReasoningSeal::new(config.responses.reasoning_key.as_ref()) {
            Ok(seal) => Some(seal),
            Err(e) => {
                errors.push(format!("responses.reasoning_key: {e}"));
                None
            }
        };
        errors.into_result()?;
        // A seal that failed pushed an error above, so here there is one.
        let seal = seal.ok_or_else(|| ConfigErrors(vec!["responses.reasoning_key".into()]))?;
        Ok(Self {
            inner: Arc::new(Inner {
                router,
                keys: Keys::new(server.api_keys.clone()),
                max_body: server.max_body_bytes,
                log_prompts: config.log.prompts,
                draining: AtomicBool::new(false),
                listen,
                tls,
                header_read_timeout: secs(server.header_read_timeout),
                shutdown_grace: secs(server.shutdown_grace),
                store: Arc::new(MemoryStore::new(StoreLimits {
                    max_entries: config.responses.store_max_entries,
                    max_bytes: config.responses.store_max_bytes,
                    ttl: secs(config.responses.store_ttl),
                })),
                heartbeat: secs(config.responses.heartbeat),
                seal: Arc::new(seal),
            }),
        })
    }

    /// The address the config asks to listen on.
    pub fn listen_addr(&self) -> SocketAddr {
        self.inner.listen
    }

    /// The response store.
    pub fn store(&self) -> &Arc<dyn ResponseStore> {
        &self.inner.store
    }

    /// The routing table.
    pub fn router(&self) -> &Router {
        &self.inner.router
    }

    /// Marks the gateway as shutting down: `/ready` answers 503 from now on.
    pub fn start_draining(&self) {
        self.inner.draining.store(true, Ordering::Relaxed);
    }

    /// True once shutdown has begun.
    pub fn is_draining(&self) -> bool {
        self.inner.draining.load(Ordering::Relaxed)
    }
}
