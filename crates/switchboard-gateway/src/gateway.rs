//! [`Gateway`]: the built, immutable state behind every request (routes, keys, limits),
//! made from a [`Config`] and the adapter [`Registry`].

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use arc_swap::ArcSwap;
use switchboard_core::{HttpTransport, Registry};
use switchboard_http::{AddressPolicy, ClientConfig, HostAllowlist, UpstreamClient};
use switchboard_state::{Keyring, MASTER_KEY_ENV, MasterKey, StateError};

use crate::auth::{KeyEntry, Keys};
use crate::catalog::build::{self, Defaults};
use crate::catalog::{Catalog, CatalogParts, RuntimeUpstream};
use crate::config::StoreKind;
use crate::config::{Config, ConfigErrors, RoutingConfig, StateConfig, secs};
use crate::limits::{LimitCounters, LimitSet, Limits, MemoryCounters, ScopeKind};
use crate::metrics::Metrics;
use crate::responses::ReasoningSeal;
use crate::routing::Router;
use crate::state::StateHandle;
use crate::store::{DatabaseStore, MemoryStore, ResponseStore, StoreLimits};

/// The gateway: cheap to clone, shared by every connection.
#[derive(Clone)]
pub struct Gateway {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    /// The routing table, swapped whole by [`Gateway::reload_catalog`].
    pub(crate) router: ArcSwap<Router>,
    /// Where the routing table comes from (the config file and the state database).
    pub(crate) catalog: Catalog,
    /// `server.allowed_upstream_hosts`: the hosts a base URL set at run time may name.
    pub(crate) upstream_hosts: HostAllowlist,
    /// Which addresses providers created at run time may reach.
    pub(crate) address_policy: AddressPolicy,
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
    /// `state.usage_retention_days` (0: keep every usage record).
    pub(crate) usage_retention_days: u32,
    /// Where every limit's counters live (virtual keys' limits are built per request).
    pub(crate) counters: Arc<dyn LimitCounters>,
    /// The same counters, to save them in the state database and restore them at start.
    pub(crate) memory_counters: Arc<MemoryCounters>,
    /// OpenTelemetry traces, when `[telemetry]` is configured.
    #[cfg(feature = "otel")]
    pub(crate) telemetry: Option<Arc<crate::telemetry::Telemetry>>,
}

/// The master key: `SWITCHBOARD_MASTER_KEY`, else `state.master_key_file`, else none.
fn master_key(state: &StateConfig) -> Result<Option<MasterKey>, String> {
    if let Some(key) =
        MasterKey::from_env_var(MASTER_KEY_ENV).map_err(|e| format!("{MASTER_KEY_ENV}: {e}"))?
    {
        return Ok(Some(key));
    }
    match &state.master_key_file {
        Some(path) => MasterKey::from_file(path)
            .map(Some)
            .map_err(|e| format!("state.master_key_file: {e}")),
        None => Ok(None),
    }
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
        let base = ClientConfig {
            connect_timeout: secs(upstream.connect_timeout),
            pool_idle_timeout: secs(upstream.pool_idle_timeout),
            pool_max_idle_per_host: upstream.pool_max_idle_per_host,
            http2: upstream.http2,
            extra_root_certs: upstream.ca_certs.clone(),
            ..ClientConfig::default()
        };
        let client = |config: &ClientConfig| {
            UpstreamClient::new(config)
                .map(|c| Arc::new(c) as Arc<dyn HttpTransport>)
                .map_err(|e| ConfigErrors(vec![format!("upstream: {e}")]))
        };
        // A provider with its own connect timeout gets its own connection pool.
        let mut own = BTreeMap::new();
        for (name, section) in &config.providers {
            if let Some(timeout) = section.connect_timeout {
                let config = ClientConfig {
                    connect_timeout: secs(timeout),
                    ..base.clone()
                };
                own.insert(name.clone(), client(&config)?);
            }
        }
        // Providers created at run time connect through a client that checks every host
        // against the allowlist and every address it resolves.
        // A list that does not parse is reported by `build_inner`; until then, nothing.
        let allowed = HostAllowlist::new(&config.server.allowed_upstream_hosts).unwrap_or_default();
        let guarded = ClientConfig {
            address_policy: Some(AddressPolicy {
                allow_private: config.server.allow_private_upstreams,
            }),
            allowed_hosts: Some(allowed),
            ..base.clone()
        };
        let runtime = RuntimeUpstream::Guarded {
            shared: client(&guarded)?,
            config: guarded,
        };
        Self::build_inner(config, registry, client(&base)?, own, runtime)
    }

    /// Like [`Gateway::build`], with the upstream transport supplied by the caller (for
    /// every provider, those created at run time included: the caller's transport decides
    /// which addresses may be reached).
    pub fn build_with_transport(
        config: &Config,
        registry: &Registry,
        transport: Arc<dyn HttpTransport>,
    ) -> Result<Self, ConfigErrors> {
        let runtime = RuntimeUpstream::Given(transport.clone());
        Self::build_inner(config, registry, transport, BTreeMap::new(), runtime)
    }

    fn build_inner(
        config: &Config,
        registry: &Registry,
        shared: Arc<dyn HttpTransport>,
        own: BTreeMap<String, Arc<dyn HttpTransport>>,
        runtime: RuntimeUpstream,
    ) -> Result<Self, ConfigErrors> {
        let mut errors = ConfigErrors::default();
        let server = &config.server;
        let memory_counters = Arc::new(MemoryCounters::new());
        let counters: Arc<dyn LimitCounters> = memory_counters.clone();
        let defaults = Defaults {
            first_byte_timeout: server.first_byte_timeout,
            total_timeout: server.total_timeout,
            routing: config.routing.clone(),
            counters: counters.clone(),
        };
        let mut providers = BTreeMap::new();
        for (name, section) in &config.providers {
            let transport = own.get(name).unwrap_or(&shared).clone();
            match build::provider(registry, name, section, transport, &defaults) {
                Ok(provider) => {
                    providers.insert(name.clone(), provider);
                }
                Err(e) => errors.push(format!("providers.{name} (kind {}): {e}", section.kind)),
            }
        }
        let mut models = Vec::new();
        for model in &config.models {
            let (route, missing) = build::route(model, |p| providers.get(p).cloned(), &defaults);
            for provider in missing {
                if !config.providers.contains_key(&provider) {
                    errors.push(format!(
                        "models `{}`: provider `{provider}` is not defined",
                        model.name
                    ));
                }
            }
            models.push((route, model.aliases.clone()));
        }
        let upstream_hosts = match HostAllowlist::new(&server.allowed_upstream_hosts) {
            Ok(list) => list,
            Err(e) => {
                errors.push(format!("server.allowed_upstream_hosts: {e}"));
                HostAllowlist::default()
            }
        };
        let keyring = match master_key(&config.state) {
            Ok(key) => key.map(|k| Arc::new(Keyring::new(k))),
            Err(e) => {
                errors.push(e);
                None
            }
        };
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
        let catalog = Catalog::new(CatalogParts {
            registry: registry.clone(),
            defaults,
            config_providers: providers,
            config_models: models,
            config_default: config.routing.default_model.clone(),
            upstream: runtime,
            keyring,
        });
        Ok(Self {
            inner: Arc::new(Inner {
                router: ArcSwap::from_pointee(catalog.config_router()),
                catalog,
                upstream_hosts,
                address_policy: AddressPolicy {
                    allow_private: server.allow_private_upstreams,
                },
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
                usage_retention_days: config.state.usage_retention_days,
                counters,
                memory_counters,
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

    /// The routing table as it is now (the admin API may swap in a new one at any time;
    /// this one stays valid for as long as it is held).
    pub fn router(&self) -> Arc<Router> {
        self.inner.router.load_full()
    }

    /// Reads the providers and models created at run time from the state database and
    /// swaps in the routing table with them. Called at start and after every admin change.
    /// Returns what was left out and why (also logged as warnings).
    pub async fn reload_catalog(&self) -> Result<Vec<String>, StateError> {
        let db = self.inner.state.open().await?;
        self.inner.catalog.reload(db, &self.inner.router).await
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
