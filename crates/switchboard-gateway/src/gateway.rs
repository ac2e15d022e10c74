//! [`Gateway`]: the built, immutable state behind every request (routes, keys, limits),
//! made from a [`Config`] and the adapter [`Registry`].

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use switchboard_core::{BuildContext, HttpTransport, Registry};
use switchboard_http::{ClientConfig, UpstreamClient};

use crate::auth::{KeyEntry, Keys};
use crate::config::StoreKind;
use crate::config::{Config, ConfigErrors, RoutingConfig, secs};
use crate::limits::{LimitCounters, LimitSet, Limits, MemoryCounters, ScopeKind};
use crate::metrics::Metrics;
use crate::policy::Policy;
use crate::responses::ReasoningSeal;
use crate::routing::{Breaker, Deployment, Health, ModelRoute, Provider, Router};
use crate::state::StateHandle;
use crate::store::{DatabaseStore, MemoryStore, ResponseStore, StoreLimits};
use crate::upstream_clock::TimedTransport;

/// The gateway: cheap to clone, shared by every connection.
#[derive(Clone)]
pub struct Gateway {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) router: Router,
    pub(crate) keys: Keys,
    /// `server.admin_key`: the admin API's key; `None` turns the admin API off.
    pub(crate) admin_key: Option<switchboard_core::Secret>,
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
    pub(crate) routing: RoutingConfig,
    pub(crate) metrics: Arc<Metrics>,
    pub(crate) state: Arc<StateHandle>,
    /// Where every limit's counters live (virtual keys' limits are built per request).
    pub(crate) counters: Arc<dyn LimitCounters>,
    /// OpenTelemetry traces, when `[telemetry]` is configured.
    #[cfg(feature = "otel")]
    pub(crate) telemetry: Option<Arc<crate::telemetry::Telemetry>>,
}

/// The response store `[responses] store` asks for.
fn response_store(config: &Config, state: &Arc<StateHandle>) -> Arc<dyn ResponseStore> {
    let responses = &config.responses;
    let ttl = secs(responses.store_ttl);
    match responses.store {
        StoreKind::Database => DatabaseStore::new(state.clone(), ttl),
        StoreKind::Memory => Arc::new(MemoryStore::new(StoreLimits {
            max_entries: responses.store_max_entries,
            max_bytes: responses.store_max_bytes,
            ttl,
        })),
    }
}

impl Gateway {
    /// Builds the gateway: the shared upstream client, every provider's adapter, the routes.
    /// All problems are reported together.
    pub fn build(config: &Config, registry: &Registry) -> Result<Self, ConfigErrors> {
        let upstream = &config.upstream;
        let client = |connect_timeout: f64| {
            UpstreamClient::new(&ClientConfig {
                connect_timeout: secs(connect_timeout),
                pool_idle_timeout: secs(upstream.pool_idle_timeout),
                pool_max_idle_per_host: upstream.pool_max_idle_per_host,
                http2: upstream.http2,
                extra_root_certs: upstream.ca_certs.clone(),
                ..ClientConfig::default()
            })
            .map(|c| Arc::new(c) as Arc<dyn HttpTransport>)
            .map_err(|e| ConfigErrors(vec![format!("upstream: {e}")]))
        };
        // A provider with its own connect timeout gets its own connection pool.
        let mut own = BTreeMap::new();
        for (name, section) in &config.providers {
            if let Some(timeout) = section.connect_timeout {
                own.insert(name.clone(), client(timeout)?);
            }
        }
        Self::build_inner(config, registry, client(upstream.connect_timeout)?, own)
    }

    /// Like [`Gateway::build`], with the upstream transport supplied by the caller (for
    /// every provider).
    pub fn build_with_transport(
        config: &Config,
        registry: &Registry,
        transport: Arc<dyn HttpTransport>,
    ) -> Result<Self, ConfigErrors> {
        Self::build_inner(config, registry, transport, BTreeMap::new())
    }

    fn build_inner(
        config: &Config,
        registry: &Registry,
        shared: Arc<dyn HttpTransport>,
        own: BTreeMap<String, Arc<dyn HttpTransport>>,
    ) -> Result<Self, ConfigErrors> {
        let mut errors = ConfigErrors::default();
        let server = &config.server;
        let mut providers = BTreeMap::new();
        for (name, section) in &config.providers {
            let factory = match registry.get(&section.kind) {
                Ok(f) => f,
                Err(e) => {
                    errors.push(format!("providers.{name}.kind: {e}"));
                    continue;
                }
            };
            let settings = serde_json::Value::Object(section.settings.clone());
            let transport = own.get(name).unwrap_or(&shared).clone();
            let transport: Arc<dyn HttpTransport> = Arc::new(TimedTransport(transport));
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
        let counters: Arc<dyn LimitCounters> = Arc::new(MemoryCounters::new());
        let mut router = Router::default();
        for model in &config.models {
            let mut deployments = Vec::new();
            for d in model.all_deployments() {
                let Some(provider) = providers.get(&d.provider) else {
                    if !config.providers.contains_key(&d.provider) {
                        errors.push(format!(
                            "models `{}`: provider `{}` is not defined",
                            model.name, d.provider
                        ));
                    }
                    continue;
                };
                let prefix_route = model.name.ends_with('*');
                let upstream = d
                    .model
                    .clone()
                    .or_else(|| model.model.clone())
                    .or_else(|| (!prefix_route).then(|| model.name.clone()));
                let label = match &upstream {
                    Some(up) => format!("{}/{up}", d.provider),
                    None => d.provider.clone(),
                };
                deployments.push(Arc::new(Deployment {
                    label: label.into(),
                    provider: provider.clone(),
                    upstream: upstream.map(Arc::from),
                    weight: d.weight,
                    priority: d.priority,
                    health: Health::new(Breaker::new(
                        config.routing.breaker_failures,
                        secs(config.routing.breaker_cooldown),
                    )),
                }));
            }
            let mut route = ModelRoute::plain(&model.name, deployments);
            route.fallbacks = model.fallbacks.clone();
            route.content_policy_fallbacks = model.content_policy_fallbacks.clone();
            route.context_window = model.context_window;
            route.first_byte_timeout = model.first_byte_timeout.map(secs);
            route.total_timeout = model.total_timeout.map(secs);
            route.prices = model.price;
            route.policy = Policy::new(&model.name, &model.policy);
            route.limits = LimitSet::new(
                ScopeKind::Model,
                &model.name,
                Limits::from(&model.limits),
                counters.clone(),
            );
            router.add(route, &model.aliases);
        }
        router.set_default(config.routing.default_model.clone());
        let named_keys = config
            .keys
            .iter()
            .map(|k| {
                let entry = KeyEntry {
                    name: k.name.as_str().into(),
                    id: Some(format!("cfg:{}", k.name)),
                    models: k.models.clone(),
                    limits: LimitSet::new(
                        ScopeKind::Key,
                        &k.name,
                        Limits::from(&k.limits),
                        counters.clone(),
                    ),
                };
                (k.key.clone(), entry)
            })
            .collect();
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
        let state = Arc::new(StateHandle::new(config.state.path.clone()));
        // A seal that failed pushed an error above, so here there is one.
        let seal = seal.ok_or_else(|| ConfigErrors(vec!["responses.reasoning_key".into()]))?;
        #[cfg(feature = "otel")]
        let telemetry =
            crate::telemetry::Telemetry::start(config).map_err(|e| ConfigErrors(vec![e]))?;
        Ok(Self {
            inner: Arc::new(Inner {
                router,
                keys: Keys::new(server.api_keys.clone(), named_keys),
                admin_key: server.admin_key.clone(),
                max_body: server.max_body_bytes,
                log_prompts: config.log.prompts,
                draining: AtomicBool::new(false),
                listen,
                tls,
                header_read_timeout: secs(server.header_read_timeout),
                shutdown_grace: secs(server.shutdown_grace),
                store: response_store(config, &state),
                state,
                counters,
                heartbeat: secs(config.responses.heartbeat),
                seal: Arc::new(seal),
                routing: config.routing.clone(),
                metrics: Arc::new(Metrics::new()),
                #[cfg(feature = "otel")]
                telemetry,
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

    /// The state database.
    pub fn state(&self) -> &Arc<StateHandle> {
        &self.inner.state
    }

    /// The gateway's metrics.
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.inner.metrics
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
