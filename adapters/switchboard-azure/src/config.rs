//! The `[providers.NAME]` keys of kind `azure_openai`.

use std::collections::BTreeMap;

use serde::Deserialize;
use switchboard_core::Secret;
pub use switchboard_openai::Mode;

/// The `api-version` sent on the deployments surface when none is configured: the last
/// date-versioned GA release of the Azure OpenAI data plane (providers.md §2).
pub const DEFAULT_API_VERSION: &str = "2024-10-21";

/// The longest `Retry-After` passed on by default, in seconds (providers.md §0.5).
pub const DEFAULT_MAX_RETRY_AFTER: u64 = 60;

/// Where the Azure OpenAI resource is, which URL surface to use and how to authenticate.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AzureConfig {
    /// The resource's root URL, e.g. `https://my-resource.openai.azure.com` (or a
    /// `*.cognitiveservices.azure.com` Foundry resource, or any proxy or test server).
    /// The adapter appends `/openai/...`; a trailing `/openai` or `/openai/v1` is ignored.
    /// Also accepted as `base_url`. Either this or `resource` is required.
    #[serde(default, alias = "base_url")]
    pub endpoint: Option<String>,
    /// The resource name alone: short for `endpoint = "https://NAME.openai.azure.com"`.
    #[serde(default)]
    pub resource: Option<String>,
    /// Which URL surface requests go to; default [`Surface::V1`].
    #[serde(default)]
    pub surface: Surface,
    /// The deployment every request goes to. Unset (the default), the request's model
    /// (after the gateway's `[[models]]` mapping) is the deployment name.
    #[serde(default)]
    pub deployment: Option<String>,
    /// The `api-version` query parameter. On the deployments surface it is always sent
    /// (default [`DEFAULT_API_VERSION`]); on the v1 surface only when set (e.g. `preview`).
    #[serde(default)]
    pub api_version: Option<String>,
    /// A resource key, sent as `api-key: KEY`.
    #[serde(default)]
    pub api_key: Option<Secret>,
    /// A Microsoft Entra ID access token, sent as `Authorization: Bearer TOKEN`. The token
    /// is used as given (it is not refreshed); at most one of `api_key` and `bearer_token`.
    #[serde(default)]
    pub bearer_token: Option<Secret>,
    /// Extra headers sent with every request; values may be `env:NAME` references.
    #[serde(default)]
    pub headers: BTreeMap<String, Secret>,
    /// How `/v1/responses` is served: `native` forwards it to Azure's own Responses API,
    /// `translate` goes through chat completions, `auto` (the default) is native on the v1
    /// surface and on the deployments surface when `api_version` is `2025-03-01-preview`
    /// or later, translate otherwise.
    #[serde(default)]
    pub responses: Mode,
    /// How legacy `/v1/completions` is served: `native` forwards it (only instruct and base
    /// model deployments serve it), `translate` (what `auto`, the default, means here)
    /// turns it into a chat completion.
    #[serde(default)]
    pub completions: Mode,
    /// The longest `Retry-After` (seconds) passed on with a 429. A longer one (Azure asks
    /// for 86400 s when a daily quota is spent) is cut to this, and the error says to try
    /// elsewhere. Default [`DEFAULT_MAX_RETRY_AFTER`].
    #[serde(default = "default_max_retry_after")]
    pub max_retry_after: u64,
}

/// Azure OpenAI's two URL layouts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Surface {
    /// `{endpoint}/openai/v1/chat/completions`, GA since August 2025: no `api-version`
    /// needed, the body's `model` names the deployment.
    #[default]
    V1,
    /// `{endpoint}/openai/deployments/{deployment}/chat/completions?api-version=...`:
    /// the deployment is in the path and the body's `model` is ignored by Azure.
    Deployments,
}

impl AzureConfig {
    /// A config for the resource at `endpoint` on the v1 surface, with no credential.
    pub fn new(endpoint: impl Into<String>) -> Self {
        Self {
            endpoint: Some(endpoint.into()),
            resource: None,
            surface: Surface::V1,
            deployment: None,
            api_version: None,
            api_key: None,
            bearer_token: None,
            headers: BTreeMap::new(),
            responses: Mode::Auto,
            completions: Mode::Auto,
            max_retry_after: DEFAULT_MAX_RETRY_AFTER,
        }
    }

    /// The `api-version` to send, if any, for the configured surface.
    pub fn effective_api_version(&self) -> Option<&str> {
        match (self.surface, self.api_version.as_deref()) {
            (_, Some(v)) if !v.trim().is_empty() => Some(v.trim()),
            (Surface::Deployments, _) => Some(DEFAULT_API_VERSION),
            (Surface::V1, _) => None,
        }
    }

    /// Whether `/v1/responses` goes to Azure's own Responses API.
    pub fn native_responses(&self) -> bool {
        match self.responses {
            Mode::Native => true,
            Mode::Translate => false,
            Mode::Auto => match self.surface {
                Surface::V1 => true,
                // The Responses API arrived in 2025-03-01-preview; versions are dates.
                Surface::Deployments => self
                    .effective_api_version()
                    .is_some_and(|v| v.get(..10).is_some_and(|date| date >= "2025-03-01")),
            },
        }
    }

    /// Whether `/v1/completions` goes to Azure's own legacy completions endpoint.
    pub fn native_completions(&self) -> bool {
        self.completions == Mode::Native
    }
}

fn default_max_retry_after() -> u64 {
    DEFAULT_MAX_RETRY_AFTER
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: serde_json::Value) -> Result<AzureConfig, serde_json::Error> {
        serde_json::from_value(json)
    }

    #[test]
    fn defaults() {
        let c = parse(serde_json::json!({"endpoint": "https://r.openai.azure.com"})).unwrap();
        assert_eq!(c.surface, Surface::V1);
        assert_eq!(c.effective_api_version(), None);
        assert!(c.native_responses());
        assert!(!c.native_completions());
        assert_eq!(c.max_retry_after, 60);
    }

    #[test]
    fn deployments_surface_defaults_its_api_version() {
        let c =
            parse(serde_json::json!({"base_url": "http://x", "surface": "deployments"})).unwrap();
        assert_eq!(c.endpoint.as_deref(), Some("http://x"));
        assert_eq!(c.effective_api_version(), Some(DEFAULT_API_VERSION));
        assert!(!c.native_responses(), "2024-10-21 has no Responses API");
        let c = parse(
            serde_json::json!({"endpoint": "http://x", "surface": "deployments",
            "api_version": "2025-04-01-preview"}),
        )
        .unwrap();
        assert!(c.native_responses());
    }

    #[test]
    fn unknown_keys_and_surfaces_are_refused() {
        assert!(parse(serde_json::json!({"endpoint": "http://x", "apikey": "k"})).is_err());
        assert!(parse(serde_json::json!({"endpoint": "http://x", "surface": "v2"})).is_err());
    }
}
