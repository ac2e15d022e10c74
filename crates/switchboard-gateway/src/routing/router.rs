//! Model name → [`ModelRoute`].
//!
//! Exact names and aliases win; then prefix routes (`openai/*`), longest prefix first; `*`
//! matches everything; then `routing.default_model`, if the operator set one. A prefix
//! route sends the rest of the name upstream.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use super::deployment::Deployment;
use crate::limits::LimitSet;
use crate::policy::Policy;
use crate::usage::Prices;

/// Everything about one configured model.
pub struct ModelRoute {
    /// The configured name (`gpt-4o`, or the pattern `openai/*`): a bounded label.
    pub name: Arc<str>,
    /// The prefix a prefix route strips (`openai/`; empty for `*`); `None` for exact names.
    pub prefix: Option<Arc<str>>,
    /// Where it is served.
    pub deployments: Vec<Arc<Deployment>>,
    /// Models tried, in order, when the deployments are exhausted.
    pub fallbacks: Vec<String>,
    /// Models tried after a content-policy refusal.
    pub content_policy_fallbacks: Vec<String>,
    /// Its context window in tokens, if configured.
    pub context_window: Option<u64>,
    /// Overrides the providers' first-byte timeout.
    pub first_byte_timeout: Option<Duration>,
    /// Overrides the providers' total timeout.
    pub total_timeout: Option<Duration>,
    /// Its prices, for cost.
    pub prices: Option<Prices>,
    /// Its request policy, when it has one.
    pub policy: Option<Policy>,
    /// Its limits, when it has any.
    pub limits: Option<LimitSet>,
}

/// A model name resolved: its route and, for a prefix route, the rest of the name.
#[derive(Clone)]
pub struct Resolved {
    /// The route.
    pub route: Arc<ModelRoute>,
    /// What the client asked for.
    pub requested: Arc<str>,
    /// The rest of the name after a prefix route's prefix.
    rest: Option<Arc<str>>,
}

impl Resolved {
    /// The id to send to `deployment`: its own upstream id, else the rest of the name.
    pub fn upstream_model(&self, deployment: &Deployment) -> Arc<str> {
        deployment
            .upstream
            .clone()
            .or_else(|| self.rest.clone())
            .unwrap_or_else(|| self.route.name.clone())
    }
}

/// The routing table.
#[derive(Default)]
pub struct Router {
    exact: HashMap<String, Arc<ModelRoute>>,
    /// Sorted by prefix length, longest first.
    prefixes: Vec<Arc<ModelRoute>>,
    /// Exact names in config order (aliases after their model), for `/v1/models`.
    listed: Vec<(String, Arc<ModelRoute>)>,
    default_model: Option<String>,
}

impl Router {
    /// Adds a route under its name (a trailing `*` makes it a prefix route) and aliases.
    pub fn add(&mut self, route: ModelRoute, aliases: &[String]) {
        self.add_shared(Arc::new(route), aliases);
    }

    /// Like [`Router::add`], for a route already shared (kept across rebuilds of the
    /// table, so its deployments keep their health).
    pub fn add_shared(&mut self, route: Arc<ModelRoute>, aliases: &[String]) {
        if route.prefix.is_some() {
            self.prefixes.push(route);
            self.prefixes
                .sort_by_key(|r| std::cmp::Reverse(r.prefix.as_ref().map_or(0, |p| p.len())));
            return;
        }
        for name in std::iter::once(&*route.name).chain(aliases.iter().map(String::as_str)) {
            self.exact.insert(name.to_owned(), route.clone());
            self.listed.push((name.to_owned(), route.clone()));
        }
    }

    /// The default model's name, if one is set.
    pub fn default_model(&self) -> Option<&str> {
        self.default_model.as_deref()
    }

    /// Names the model serving requests for names nobody configured.
    pub fn set_default(&mut self, model: Option<String>) {
        self.default_model = model;
    }

    /// The route `name` is an exact name or alias of (prefix routes not considered).
    pub fn exact_route(&self, name: &str) -> Option<&Arc<ModelRoute>> {
        self.exact.get(name)
    }

    /// The route for `model`, without the default model.
    pub fn resolve_exactly(&self, model: &str) -> Option<Resolved> {
        if let Some(route) = self.exact.get(model) {
            return Some(Resolved {
                route: route.clone(),
                requested: model.into(),
                rest: None,
            });
        }
        self.prefixes.iter().find_map(|route| {
            let prefix = route.prefix.as_deref().unwrap_or_default();
            let rest = model.strip_prefix(prefix)?;
            (!rest.is_empty()).then(|| Resolved {
                route: route.clone(),
                requested: model.into(),
                rest: Some(rest.into()),
            })
        })
    }

    /// The route for `model`, or the default model's, or `None` if nothing serves it.
    pub fn resolve(&self, model: &str) -> Option<Resolved> {
        self.resolve_exactly(model).or_else(|| {
            let fallback = self.default_model.as_deref()?;
            let mut resolved = self.resolve_exactly(fallback)?;
            resolved.requested = model.into();
            Some(resolved)
        })
    }

    /// The exact model names and aliases, in config order, with their routes.
    pub fn listed(&self) -> impl Iterator<Item = (&str, &Arc<ModelRoute>)> {
        self.listed
            .iter()
            .map(|(name, route)| (name.as_str(), route))
    }

    /// The prefix routes, longest prefix first.
    pub fn prefix_routes(&self) -> impl Iterator<Item = &Arc<ModelRoute>> {
        self.prefixes.iter()
    }

    /// Every route (exact ones once each, then prefix routes).
    pub fn routes(&self) -> impl Iterator<Item = &Arc<ModelRoute>> {
        let mut seen = std::collections::HashSet::new();
        self.listed
            .iter()
            .map(|(_, r)| r)
            .filter(move |r| seen.insert(Arc::as_ptr(r)))
            .chain(self.prefixes.iter())
    }
}

impl ModelRoute {
    /// A route with these deployments and nothing else (no fallbacks, policy or limits).
    pub fn plain(name: &str, deployments: Vec<Arc<Deployment>>) -> Self {
        Self {
            name: name.into(),
            prefix: name.strip_suffix('*').map(Arc::from),
            deployments,
            fallbacks: Vec::new(),
            content_policy_fallbacks: Vec::new(),
            context_window: None,
            first_byte_timeout: None,
            total_timeout: None,
            prices: None,
            policy: None,
            limits: None,
        }
    }

    /// The provider of the first deployment (what `/v1/models` names as the owner).
    pub fn owner(&self) -> &str {
        self.deployments
            .first()
            .map_or("switchboard", |d| &*d.provider.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routing::breaker::Breaker;
    use crate::routing::deployment::Health;
    use crate::routing::tests::provider;

    fn route(name: &str, provider_name: &str, upstream: Option<&str>) -> ModelRoute {
        let exact = !name.ends_with('*');
        let deployment = Deployment {
            label: provider_name.into(),
            provider: provider(provider_name),
            upstream: upstream
                .map(Arc::from)
                .or_else(|| exact.then(|| Arc::from(name))),
            weight: 1,
            priority: 0,
            health: Health::new(Breaker::new(1, Duration::from_secs(1))),
        };
        ModelRoute::plain(name, vec![Arc::new(deployment)])
    }

    fn resolve(router: &Router, model: &str) -> Option<(String, String)> {
        router.resolve(model).map(|r| {
            let d = &r.route.deployments[0];
            (d.provider.name.to_string(), r.upstream_model(d).to_string())
        })
    }

    #[test]
    fn exact_then_alias_then_longest_prefix_then_catch_all() {
        let mut r = Router::default();
        r.add(route("*", "fallback", None), &[]);
        r.add(route("dash/*", "dash", None), &[]);
        r.add(route("dash/qwen/*", "qwen", None), &[]);
        r.add(
            route("fast", "openai", Some("gpt-4o-mini")),
            &["quick".into()],
        );
        let s = |a: &str, b: &str| Some((a.to_owned(), b.to_owned()));
        assert_eq!(resolve(&r, "fast"), s("openai", "gpt-4o-mini"));
        assert_eq!(resolve(&r, "quick"), s("openai", "gpt-4o-mini"));
        assert_eq!(resolve(&r, "dash/qwen/qwen-plus"), s("qwen", "qwen-plus"));
        assert_eq!(resolve(&r, "dash/other"), s("dash", "other"));
        assert_eq!(resolve(&r, "anything"), s("fallback", "anything"));
        assert_eq!(
            r.listed().map(|(n, _)| n).collect::<Vec<_>>(),
            ["fast", "quick"]
        );
    }

    #[test]
    fn nothing_matches_without_a_catch_all_or_a_default() {
        let mut r = Router::default();
        r.add(route("openai/*", "openai", None), &[]);
        assert_eq!(resolve(&r, "gpt-4o"), None);
        assert_eq!(resolve(&r, "openai/"), None);
    }

    #[test]
    fn the_default_model_serves_unknown_names_only_when_set() {
        let mut r = Router::default();
        r.add(route("house", "openai", Some("gpt-4o-mini")), &[]);
        assert_eq!(resolve(&r, "whatever"), None);
        r.set_default(Some("house".into()));
        let s = |a: &str, b: &str| Some((a.to_owned(), b.to_owned()));
        assert_eq!(resolve(&r, "whatever"), s("openai", "gpt-4o-mini"));
        assert_eq!(&*r.resolve("whatever").unwrap().requested, "whatever");
    }
}
