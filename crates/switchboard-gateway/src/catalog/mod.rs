//! [`Catalog`]: where the routing table comes from. The config file's providers and models
//! are built once, at start; those created at run time through the admin API live in the
//! state database and are built when the table is (re)loaded: at start, and after every
//! admin change. The gateway then swaps the whole table at once, so a request sees either
//! the old table or the new one, never a mix.
//!
//! - Config-file names win: a stored provider or model whose name (or alias) the config
//!   file also uses is left out, with a warning each time the table is loaded.
//! - `routing.default_model` from the file wins over a default model marked at run time.
//! - Providers created at run time connect through a guarded client that refuses
//!   link-local, cloud-metadata and (unless `server.allow_private_upstreams`) private
//!   addresses on every resolution; the admin API checks their base URL against
//!   `server.allowed_upstream_hosts` when they are created or changed.
//! - A stored provider's adapter is built once and kept while the record is unchanged
//!   (same `updated_at`), so its connections stay pooled across reloads; config-file
//!   routes keep their deployments (and their health) across reloads too.
//!
//! - `build.rs`: one provider or route from its section.
//! - `records.rs`: stored records ⇄ sections.

pub(crate) mod build;
pub(crate) mod records;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use arc_swap::ArcSwap;
use switchboard_core::{HttpTransport, Registry};
use switchboard_http::{ClientConfig, UpstreamClient};
use switchboard_state::{Database, Keyring, StateError, UnixMillis};
use tokio::sync::Mutex;

use self::build::Defaults;
use crate::config::{ModelConfig, ProviderConfig, secs};
use crate::routing::{ModelRoute, Provider, Router};

/// How providers created at run time reach their upstreams.
pub(crate) enum RuntimeUpstream {
    /// Guarded clients: `shared` for most, and one built from `config` for a provider that
    /// sets its own connect timeout.
    Guarded {
        /// The shared guarded client.
        shared: Arc<dyn HttpTransport>,
        /// Its settings (address policy included).
        config: ClientConfig,
    },
    /// The transport the embedder gave [`Gateway::build_with_transport`](crate::Gateway),
    /// used as is.
    Given(Arc<dyn HttpTransport>),
}

/// The config file's part of the routing table, and how to add the stored part.
pub(crate) struct Catalog {
    registry: Registry,
    defaults: Defaults,
    config_providers: BTreeMap<String, Arc<Provider>>,
    /// The file's routes with their aliases, in file order.
    config_routes: Vec<(Arc<ModelRoute>, Vec<String>)>,
    /// Every model name and alias the file uses.
    config_names: HashSet<String>,
    config_default: Option<String>,
    upstream: RuntimeUpstream,
    keyring: Option<Arc<Keyring>>,
    /// Built stored providers by name, with the `updated_at` they were built from. The
    /// lock also makes reloads one at a time.
    built: Mutex<HashMap<String, (UnixMillis, Arc<Provider>)>>,
}

/// What [`Catalog::new`] needs.
pub(crate) struct CatalogParts {
    pub(crate) registry: Registry,
    pub(crate) defaults: Defaults,
    pub(crate) config_providers: BTreeMap<String, Arc<Provider>>,
    pub(crate) config_models: Vec<(ModelRoute, Vec<String>)>,
    pub(crate) config_default: Option<String>,
    pub(crate) upstream: RuntimeUpstream,
    pub(crate) keyring: Option<Arc<Keyring>>,
}

impl Catalog {
    /// The catalog of the file's providers and routes.
    pub(crate) fn new(parts: CatalogParts) -> Self {
        let config_names = parts
            .config_models
            .iter()
            .flat_map(|(route, aliases)| {
                std::iter::once(route.name.to_string()).chain(aliases.iter().cloned())
            })
            .collect();
        Self {
            registry: parts.registry,
            defaults: parts.defaults,
            config_providers: parts.config_providers,
            config_routes: parts
                .config_models
                .into_iter()
                .map(|(route, aliases)| (Arc::new(route), aliases))
                .collect(),
            config_names,
            config_default: parts.config_default,
            upstream: parts.upstream,
            keyring: parts.keyring,
            built: Mutex::new(HashMap::new()),
        }
    }

    /// The master keyring provider secrets are sealed with, if one is configured.
    pub(crate) fn keyring(&self) -> Option<Arc<Keyring>> {
        self.keyring.clone()
    }

    /// Whether the config file defines provider `name`.
    pub(crate) fn is_config_provider(&self, name: &str) -> bool {
        self.config_providers.contains_key(name)
    }

    /// The config file's providers: name and adapter kind, by name.
    pub(crate) fn config_providers(&self) -> impl Iterator<Item = (&str, &'static str)> {
        self.config_providers
            .iter()
            .map(|(name, p)| (name.as_str(), p.adapter.kind()))
    }

    /// The adapter kind of the config file's provider `name`.
    pub(crate) fn config_provider_kind(&self, name: &str) -> Option<&'static str> {
        self.config_providers.get(name).map(|p| p.adapter.kind())
    }

    /// Whether an adapter of `kind` is linked in.
    pub(crate) fn has_kind(&self, kind: &str) -> bool {
        self.registry.get(kind).is_ok()
    }

    /// The adapter kinds linked in.
    pub(crate) fn kinds(&self) -> Vec<&'static str> {
        self.registry.kinds().collect()
    }

    /// Whether the config file uses `name` as a model name or alias.
    pub(crate) fn is_config_model(&self, name: &str) -> bool {
        self.config_names.contains(name)
    }

    /// The config file's routes with their aliases, in file order.
    pub(crate) fn config_models(&self) -> impl Iterator<Item = (&Arc<ModelRoute>, &[String])> {
        self.config_routes
            .iter()
            .map(|(route, aliases)| (route, aliases.as_slice()))
    }

    /// `routing.default_model` from the config file.
    pub(crate) fn config_default(&self) -> Option<&str> {
        self.config_default.as_deref()
    }

    /// The table of the config file alone (before the database is read).
    pub(crate) fn config_router(&self) -> Router {
        let mut router = Router::default();
        for (route, aliases) in &self.config_routes {
            router.add_shared(route.clone(), aliases);
        }
        router.set_default(self.config_default.clone());
        router
    }

    /// Builds the provider `name` of `section` for a check, without keeping it: the
    /// adapter's refusal of its settings, if any.
    pub(crate) fn check_provider(
        &self,
        name: &str,
        section: &ProviderConfig,
    ) -> Result<(), String> {
        self.build_provider(name, section).map(drop)
    }

    fn build_provider(
        &self,
        name: &str,
        section: &ProviderConfig,
    ) -> Result<Arc<Provider>, String> {
        let transport = match (&self.upstream, section.connect_timeout) {
            (RuntimeUpstream::Given(t), _) => t.clone(),
            (RuntimeUpstream::Guarded { shared, .. }, None) => shared.clone(),
            (RuntimeUpstream::Guarded { config, .. }, Some(timeout)) => {
                let config = ClientConfig {
                    connect_timeout: secs(timeout),
                    ..config.clone()
                };
                Arc::new(UpstreamClient::new(&config).map_err(|e| e.to_string())?)
            }
        };
        build::provider(&self.registry, name, section, transport, &self.defaults)
    }

    /// Builds the whole table (the file's part, then the stored providers and models) and
    /// stores it in `table`, under the lock that orders reloads, so a slower reload never
    /// overwrites a newer one. A stored record that cannot be used (a name the file or
    /// another model uses, a secret the master key cannot open, settings its adapter
    /// refuses, no provider left to serve a model) is left out with a warning, and the
    /// warnings are returned; only a database failure is an error.
    pub(crate) async fn reload(
        &self,
        db: &Database,
        table: &ArcSwap<Router>,
    ) -> Result<Vec<String>, StateError> {
        let mut built = self.built.lock().await;
        let mut notes = Vec::new();
        let store = db.providers(self.keyring.clone());
        let mut providers = self.config_providers.clone();
        let mut stored = HashSet::new();
        for record in store.list().await? {
            if self.config_providers.contains_key(&record.name) {
                notes.push(format!(
                    "provider `{}` (created at run time) has the name of one in the config file; the config file's is used",
                    record.name
                ));
                continue;
            }
            stored.insert(record.name.clone());
            if let Some((at, provider)) = built.get(&record.name)
                && *at == record.updated_at
            {
                providers.insert(record.name.clone(), provider.clone());
                continue;
            }
            let provider = match store.reveal(&record.name).await {
                Ok(Some(revealed)) => records::provider_section(&revealed)
                    .and_then(|section| self.build_provider(&record.name, &section)),
                Ok(None) => continue,
                Err(StateError::Crypto(e)) => Err(e.to_string()),
                Err(e) => return Err(e),
            };
            match provider {
                Ok(provider) => {
                    built.insert(record.name.clone(), (record.updated_at, provider.clone()));
                    providers.insert(record.name.clone(), provider);
                }
                Err(e) => notes.push(format!(
                    "provider `{}` (created at run time) cannot be built and is left out: {e}",
                    record.name
                )),
            }
        }
        built.retain(|name, _| stored.contains(name));
        let mut router = self.config_router();
        let mut stored_default = None;
        for record in db.models().list().await? {
            let section = match records::model_section(&record) {
                Ok(section) => section,
                Err(e) => {
                    notes.push(format!(
                        "model `{}` (created at run time) has unreadable settings and is left out: {e}",
                        record.name
                    ));
                    continue;
                }
            };
            if let Some(name) = self.clash(&section) {
                notes.push(format!(
                    "model `{}` (created at run time) uses the name `{name}`, which the config file uses; the config file's is used",
                    record.name
                ));
                continue;
            }
            let names = std::iter::once(&section.name).chain(&section.aliases);
            if let Some(taken) = names.clone().find(|n| router.exact_route(n).is_some()) {
                notes.push(format!(
                    "model `{}` (created at run time) uses the name `{taken}`, which another model already has; it is left out",
                    record.name
                ));
                continue;
            }
            let (route, missing) = build::route(
                &section,
                |name| providers.get(name).cloned(),
                &self.defaults,
            );
            if !missing.is_empty() {
                notes.push(format!(
                    "model `{}` (created at run time): provider(s) {} not available",
                    record.name,
                    missing.join(", ")
                ));
            }
            if route.deployments.is_empty() {
                continue;
            }
            if record.is_default {
                stored_default = Some(record.name.clone());
            }
            router.add(route, &section.aliases);
        }
        match (&self.config_default, stored_default) {
            (Some(file), Some(stored)) => notes.push(format!(
                "routing.default_model `{file}` in the config file wins over `{stored}`, marked as the default through the admin API"
            )),
            (None, Some(stored)) => router.set_default(Some(stored)),
            _ => {}
        }
        table.store(Arc::new(router));
        for note in &notes {
            tracing::warn!("{note}");
        }
        Ok(notes)
    }

    /// Forgets the built adapter of stored provider `name`, so the next reload builds it
    /// from its record again (called when the admin API changes or deletes it: a change
    /// within the same millisecond keeps `updated_at`).
    pub(crate) async fn forget(&self, name: &str) {
        self.built.lock().await.remove(name);
    }

    /// The first of the model's names the config file uses.
    fn clash<'a>(&self, model: &'a ModelConfig) -> Option<&'a str> {
        std::iter::once(&model.name)
            .chain(&model.aliases)
            .find(|name| self.config_names.contains(name.as_str()))
            .map(String::as_str)
    }

    /// The provider `name`, from the file or built from the database, for the admin API's
    /// test: `None` if there is no such provider now.
    pub(crate) async fn provider(&self, name: &str) -> Option<Arc<Provider>> {
        if let Some(provider) = self.config_providers.get(name) {
            return Some(provider.clone());
        }
        self.built.lock().await.get(name).map(|(_, p)| p.clone())
    }
}
