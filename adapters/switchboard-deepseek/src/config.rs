//! The `[providers.NAME]` keys of kind `deepseek`.

use std::collections::BTreeMap;

use serde::Deserialize;
use switchboard_core::Secret;
use switchboard_openai::OpenAiConfig;

/// The environment variable read for the key when `api_key` is not configured.
pub const API_KEY_ENV: &str = "DEEPSEEK_API_KEY";

/// Where DeepSeek is, how to authenticate, and how its thinking mode is driven.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeepSeekConfig {
    /// The API root, joined with `/chat/completions` and `/models`. Default
    /// `https://api.deepseek.com` (DeepSeek also serves the same API under `/v1`).
    #[serde(default = "default_base_url")]
    pub base_url: String,
    /// Sent as `Authorization: Bearer ...`. When absent, `DEEPSEEK_API_KEY` is read if set.
    #[serde(default)]
    pub api_key: Option<Secret>,
    /// Extra headers sent with every request; values may be `env:NAME` references.
    #[serde(default)]
    pub headers: BTreeMap<String, Secret>,
    /// What a request's `reasoning_effort` becomes; [`EffortMode::Thinking`] by default.
    #[serde(default)]
    pub reasoning_effort: EffortMode,
    /// What is done to `reasoning_content` on the assistant messages of the history;
    /// [`ReasoningHistory::Fill`] by default.
    #[serde(default)]
    pub reasoning_history: ReasoningHistory,
}

/// How `reasoning_effort` is sent to DeepSeek.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EffortMode {
    /// The default: `none` turns thinking off (`thinking: {"type": "disabled"}`, no
    /// effort); any other value turns it on (`thinking: {"type": "enabled"}`) with the
    /// effort named as DeepSeek does (`minimal` and `low` → `low`; `medium`, `high` and
    /// `xhigh` → `high`; `max` and `ultra` → `max`; anything else as sent).
    #[default]
    Thinking,
    /// Sent unchanged, and no `thinking` is added.
    Forward,
    /// Removed, for a model that rejects the parameter.
    Drop,
}

/// What happens to `reasoning_content` on assistant messages sent back to DeepSeek.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReasoningHistory {
    /// The default: kept as sent, and set to `""` on every assistant message without one
    /// unless the request turns thinking off (thinking mode answers 400 when an assistant
    /// message of a tool loop lacks it).
    #[default]
    Fill,
    /// Kept exactly as the client sent it.
    Keep,
    /// Removed from every message (the first `deepseek-reasoner` answered 400 to it).
    Strip,
}

impl DeepSeekConfig {
    /// A config for `base_url` with no key and the default quirks.
    pub fn new(base_url: impl Into<String>) -> Self {
        Self {
            base_url: base_url.into(),
            api_key: None,
            headers: BTreeMap::new(),
            reasoning_effort: EffortMode::default(),
            reasoning_history: ReasoningHistory::default(),
        }
    }

    /// The OpenAI-compatible client config underneath: same URL, key and headers. The key
    /// falls back to `DEEPSEEK_API_KEY` when it is not configured and the variable is set.
    pub(crate) fn openai(&self) -> OpenAiConfig {
        let mut config = OpenAiConfig::new(self.base_url.clone());
        config.api_key = self
            .api_key
            .clone()
            .or_else(|| Secret::resolve(&format!("env:{API_KEY_ENV}")).ok());
        config.headers = self.headers.clone();
        config
    }
}

impl Default for DeepSeekConfig {
    /// `https://api.deepseek.com` with no key.
    fn default() -> Self {
        Self::new(default_base_url())
    }
}

fn default_base_url() -> String {
    "https://api.deepseek.com".to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults() {
        let c: DeepSeekConfig = serde_json::from_value(serde_json::json!({})).unwrap();
        assert_eq!(c.base_url, "https://api.deepseek.com");
        assert_eq!(c.reasoning_effort, EffortMode::Thinking);
        assert_eq!(c.reasoning_history, ReasoningHistory::Fill);
    }

    #[test]
    fn keys_are_read_and_unknown_ones_refused() {
        let c: DeepSeekConfig = serde_json::from_value(serde_json::json!({
            "base_url": "http://127.0.0.1:9/v1", "api_key": "sk-x",
            "reasoning_effort": "drop", "reasoning_history": "strip",
            "headers": {"x-a": "b"}
        }))
        .unwrap();
        assert_eq!(c.reasoning_effort, EffortMode::Drop);
        assert_eq!(c.reasoning_history, ReasoningHistory::Strip);
        let o = c.openai();
        assert_eq!(o.base_url, "http://127.0.0.1:9/v1");
        assert_eq!(o.api_key.unwrap().expose(), "sk-x");
        assert_eq!(o.headers["x-a"].expose(), "b");
        let err =
            serde_json::from_value::<DeepSeekConfig>(serde_json::json!({"organization": "o"}))
                .unwrap_err();
        assert!(err.to_string().contains("organization"), "{err}");
    }
}
