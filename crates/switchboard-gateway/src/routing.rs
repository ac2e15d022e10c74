//! Model name → provider and upstream model id.
//!
//! Exact names win; then prefix routes (`openai/*`), longest prefix first; `*` matches
//! everything. A prefix route sends the rest of the name upstream.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use switchboard_core::Adapter;

/// A built provider: its adapter and its timeouts.
pub struct Provider {
    /// The configured name (`[providers.NAME]`).
    pub name: Arc<str>,
    /// The adapter serving it.
    pub adapter: Arc<dyn Adapter>,
    /// How long a stream's first event may take.
    pub first_byte_timeout: Duration,
    /// How long the whole request may take.
    pub total_timeout: Duration,
}

/// Where one model name goes.
#[derive(Clone)]
pub struct Route {
    /// The provider serving it.
    pub provider: Arc<Provider>,
    /// The upstream id for an exact route; `None` for a prefix route.
    upstream: Option<Arc<str>>,
    /// The prefix a prefix route strips (empty for `*`).
    prefix: Arc<str>,
}

/// The routing table.
#[derive(Default, Clone)]
pub struct Router {
    exact: HashMap<String, Route>,
    /// Sorted by prefix length, longest first.
    prefixes: Vec<Route>,
    /// Exact names in config order, for `/v1/models`.
    listed: Vec<String>,
}

impl Router {
    /// Adds a route for `name` (a trailing `*` makes it a prefix route).
    pub fn add(&mut self, name: &str, provider: Arc<Provider>, upstream: Option<&str>) {
        match name.strip_suffix('*') {
            Some(prefix) => {
                self.prefixes.push(Route {
                    provider,
                    upstream: None,
                    prefix: prefix.into(),
                });
                self.prefixes
                    .sort_by_key(|r| std::cmp::Reverse(r.prefix.len()));
            }
            None => {
                let upstream = upstream.unwrap_or(name);
                self.exact.insert(
                    name.to_owned(),
                    Route {
                        provider,
                        upstream: Some(upstream.into()),
                        prefix: "".into(),
                    },
                );
                self.listed.push(name.to_owned());
            }
        }
    }

    /// The route for `model` and the id to send upstream, or `None` if nothing serves it.
    pub fn resolve<'a>(&self, model: &'a str) -> Option<(&Route, Cow<'a, str>)> {
        if let Some(route) = self.exact.get(model) {
            let upstream = route.upstream.as_deref().unwrap_or(model);
            return Some((route, Cow::Owned(upstream.to_owned())));
        }
        self.prefixes.iter().find_map(|route| {
            let rest = model.strip_prefix(&*route.prefix)?;
            (!rest.is_empty()).then_some((route, Cow::Borrowed(rest)))
        })
    }

    /// The exact model names, in config order, with their providers.
    pub fn listed(&self) -> impl Iterator<Item = (&str, &Route)> {
        self.listed
            .iter()
            .filter_map(|name| Some((name.as_str(), self.exact.get(name)?)))
    }

    /// The prefix routes, longest prefix first.
    pub fn prefix_routes(&self) -> impl Iterator<Item = &Route> {
        self.prefixes.iter()
    }
}

impl Route {
    /// The prefix a prefix route strips; empty for `*` and for exact routes.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_core::chat::{ChatRequest, ChatResponse};
    use switchboard_core::{CallContext, ChunkStream, GatewayError, Model};

    struct Nothing;

    #[async_trait::async_trait]
    impl Adapter for Nothing {
        fn kind(&self) -> &'static str {
            "nothing"
        }
        async fn chat(
            &self,
            _: &CallContext,
            _: ChatRequest,
        ) -> Result<ChatResponse, GatewayError> {
            Err(GatewayError::internal("unused"))
        }
        async fn chat_stream(
            &self,
            _: &CallContext,
            _: ChatRequest,
        ) -> Result<ChunkStream, GatewayError> {
            Err(GatewayError::internal("unused"))
        }
        async fn list_models(&self, _: &CallContext) -> Result<Vec<Model>, GatewayError> {
            Ok(vec![])
        }
    }

    fn provider(name: &str) -> Arc<Provider> {
        Arc::new(Provider {
            name: name.into(),
            adapter: Arc::new(Nothing),
            first_byte_timeout: Duration::from_secs(1),
            total_timeout: Duration::from_secs(1),
        })
    }

    fn resolve(router: &Router, model: &str) -> Option<(String, String)> {
        router
            .resolve(model)
            .map(|(r, up)| (r.provider.name.to_string(), up.into_owned()))
    }

    #[test]
    fn exact_then_longest_prefix_then_catch_all() {
        let mut r = Router::default();
        r.add("*", provider("fallback"), None);
        r.add("dash/*", provider("dash"), None);
        r.add("dash/qwen/*", provider("qwen"), None);
        r.add("fast", provider("openai"), Some("gpt-4o-mini"));
        let s = |a: &str, b: &str| Some((a.to_owned(), b.to_owned()));
        assert_eq!(resolve(&r, "fast"), s("openai", "gpt-4o-mini"));
        assert_eq!(resolve(&r, "dash/qwen/qwen-plus"), s("qwen", "qwen-plus"));
        assert_eq!(resolve(&r, "dash/other"), s("dash", "other"));
        assert_eq!(resolve(&r, "anything"), s("fallback", "anything"));
        assert_eq!(r.listed().map(|(n, _)| n).collect::<Vec<_>>(), ["fast"]);
    }

    #[test]
    fn nothing_matches_without_a_catch_all() {
        let mut r = Router::default();
        r.add("openai/*", provider("openai"), None);
        assert_eq!(resolve(&r, "gpt-4o"), None);
        assert_eq!(resolve(&r, "openai/"), None);
    }
}
