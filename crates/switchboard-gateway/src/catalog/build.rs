//! Building the routing table's parts: a [`Provider`] from a provider section (an adapter
//! built by its registered factory over a transport), and a [`ModelRoute`] from a model
//! section. The config file's sections and those created at run time go through the same
//! code, so they behave the same.

use std::sync::Arc;

use switchboard_core::{BuildContext, HttpTransport, Registry};

use crate::config::{ModelConfig, ProviderConfig, RoutingConfig, secs};
use crate::limits::{LimitCounters, LimitSet, Limits, ScopeKind};
use crate::policy::Policy;
use crate::routing::{Breaker, Deployment, Health, ModelRoute, Provider};
use crate::upstream_clock::TimedTransport;

/// What every provider and route is built with besides its own section.
#[derive(Clone)]
pub(crate) struct Defaults {
    /// `server.first_byte_timeout`, seconds.
    pub(crate) first_byte_timeout: f64,
    /// `server.total_timeout`, seconds.
    pub(crate) total_timeout: f64,
    /// `[routing]`, for the breakers.
    pub(crate) routing: RoutingConfig,
    /// Where the limits' counters live.
    pub(crate) counters: Arc<dyn LimitCounters>,
}

/// Builds provider `name` from `section` over `transport`, or says why it cannot be built
/// (an unknown kind, or the adapter refusing its settings).
pub(crate) fn provider(
    registry: &Registry,
    name: &str,
    section: &ProviderConfig,
    transport: Arc<dyn HttpTransport>,
    defaults: &Defaults,
) -> Result<Arc<Provider>, String> {
    let factory = registry.get(&section.kind).map_err(|e| e.to_string())?;
    let settings = serde_json::Value::Object(section.settings.clone());
    let transport: Arc<dyn HttpTransport> = Arc::new(TimedTransport(transport));
    let adapter = (factory.build)(BuildContext {
        name,
        config: &settings,
        transport,
    })
    .map_err(|e| e.to_string())?;
    Ok(Arc::new(Provider {
        name: name.into(),
        adapter,
        first_byte_timeout: secs(
            section
                .first_byte_timeout
                .unwrap_or(defaults.first_byte_timeout),
        ),
        total_timeout: secs(section.total_timeout.unwrap_or(defaults.total_timeout)),
    }))
}

/// Builds the route of `model`, its deployments on the providers `find` knows; returns
/// the route and the names of the providers `find` did not know (their deployments are
/// left out).
pub(crate) fn route(
    model: &ModelConfig,
    find: impl Fn(&str) -> Option<Arc<Provider>>,
    defaults: &Defaults,
) -> (ModelRoute, Vec<String>) {
    let mut deployments = Vec::new();
    let mut missing = Vec::new();
    let prefix_route = model.name.ends_with('*');
    for d in model.all_deployments() {
        let Some(provider) = find(&d.provider) else {
            missing.push(d.provider.clone());
            continue;
        };
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
            provider,
            upstream: upstream.map(Arc::from),
            weight: d.weight,
            priority: d.priority,
            health: Health::new(Breaker::new(
                defaults.routing.breaker_failures,
                secs(defaults.routing.breaker_cooldown),
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
        defaults.counters.clone(),
    );
    (route, missing)
}
