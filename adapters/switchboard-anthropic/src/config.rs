//! The `[providers.NAME]` keys of kind `anthropic`.

use std::collections::BTreeMap;

use serde::Deserialize;
use switchboard_core::Secret;

use crate::convert::ConvertOptions;
use crate::thinking::ThinkingRules;

/// Where the Messages API is, how to authenticate, and the translation's defaults.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnthropicConfig {
    /// The API root. `/v1/messages` and `/v1/models` are appended, or only `/messages`
    /// and `/models` when it already ends in `/v1`. Default `https://api.anthropic.com`.
    #[serde(default = "default_base_url")]
    pub base_url: String,
    /// The API key, sent as `x-api-key` (or as a bearer token, see `auth`).
    #[serde(default)]
    pub api_key: Option<Secret>,
    /// How `api_key` is sent: `x-api-key` (the default) or `bearer`
    /// (`Authorization: Bearer`, for OAuth tokens and some compatible servers).
    #[serde(default)]
    pub auth: AuthStyle,
    /// The `anthropic-version` header. Default `2023-06-01`.
    #[serde(default = "default_version")]
    pub anthropic_version: String,
    /// `max_tokens` for a request that sets no output limit. Default 4096.
    #[serde(default = "default_max_tokens")]
    pub max_tokens: u32,
    /// Beta flags, sent joined by commas as `anthropic-beta`. Default none.
    #[serde(default)]
    pub beta: Vec<String>,
    /// Extra headers sent with every request; values may be `env:NAME` references.
    #[serde(default)]
    pub headers: BTreeMap<String, Secret>,
    /// How `reasoning_effort` maps to thinking per model; added to the defaults.
    #[serde(default)]
    pub thinking: ThinkingRules,
}

/// How the API key is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AuthStyle {
    /// `x-api-key: KEY`.
    #[default]
    XApiKey,
    /// `Authorization: Bearer KEY`.
    Bearer,
}

impl AnthropicConfig {
    /// A config for `base_url` with no key and every default.
    pub fn new(base_url: impl Into<String>) -> Self {
        Self {
            base_url: base_url.into(),
            api_key: None,
            auth: AuthStyle::XApiKey,
            anthropic_version: default_version(),
            max_tokens: default_max_tokens(),
            beta: Vec::new(),
            headers: BTreeMap::new(),
            thinking: ThinkingRules::default(),
        }
    }

    /// The translation options this config implies.
    pub fn convert_options(&self) -> ConvertOptions {
        ConvertOptions {
            default_max_tokens: self.max_tokens,
            thinking: ThinkingRules::with_overrides(&self.thinking),
        }
    }
}

fn default_base_url() -> String {
    "https://api.anthropic.com".to_owned()
}

fn default_version() -> String {
    "2023-06-01".to_owned()
}

fn default_max_tokens() -> u32 {
    4096
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::thinking::ThinkingForm;

    #[test]
    fn a_provider_section_reads_with_its_defaults_and_thinking_overrides() {
        let config: AnthropicConfig = serde_json::from_value(serde_json::json!({
            "api_key": "sk-ant-x",
            "auth": "bearer",
            "beta": ["a"],
            "thinking": {"models": {"claude-3-5*": "none"}, "budgets": {"high": 20000}}
        }))
        .unwrap();
        assert_eq!(config.base_url, "https://api.anthropic.com");
        assert_eq!(config.anthropic_version, "2023-06-01");
        assert_eq!(config.auth, AuthStyle::Bearer);
        let options = config.convert_options();
        assert_eq!(options.default_max_tokens, 4096);
        assert_eq!(
            options.thinking.form_for("claude-3-5-haiku"),
            ThinkingForm::None
        );
        assert_eq!(
            options.thinking.form_for("claude-opus-4-7"),
            ThinkingForm::Adaptive
        );
        assert_eq!(options.thinking.budget_for("high"), 20000);
        assert_eq!(options.thinking.budget_for("low"), 2048);
        let unknown = serde_json::from_value::<AnthropicConfig>(serde_json::json!({"nope": 1}));
        assert!(unknown.is_err());
    }
}
