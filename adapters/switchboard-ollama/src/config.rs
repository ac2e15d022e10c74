//! The `[providers.NAME]` keys of kind `ollama`.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Map, Value};
use switchboard_core::Secret;

/// Where the Ollama server is, and the defaults sent with every chat request.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OllamaConfig {
    /// The server root, joined with `/api/chat` and `/api/tags`. Default
    /// `http://127.0.0.1:11434` (Ollama's own default). Must not end in `/v1`: that is
    /// Ollama's OpenAI-compatible API, served by kind `openai`.
    #[serde(default = "default_base_url")]
    pub base_url: String,
    /// Sent as `Authorization: Bearer ...`, for Ollama behind an authenticating proxy or
    /// Ollama's cloud (`https://ollama.com`). A local Ollama needs none (the default).
    #[serde(default)]
    pub api_key: Option<Secret>,
    /// Extra headers sent with every request; values may be `env:NAME` references.
    #[serde(default)]
    pub headers: BTreeMap<String, Secret>,
    /// `keep_alive` sent with every chat request unless the client sent its own: a
    /// duration string (`"5m"`, `"1h"`), seconds as a number, `0` to unload at once, or a
    /// negative number to keep the model loaded. None (the default) leaves Ollama's own
    /// default (5 minutes).
    #[serde(default)]
    pub keep_alive: Option<KeepAlive>,
    /// Model options (`num_ctx`, `top_k`, `repeat_penalty`, ...) sent with every chat
    /// request. Options derived from the request (`temperature`, `max_tokens` ...) win
    /// over these, and a client's own `options` object wins over both. Empty by default.
    #[serde(default)]
    pub options: Map<String, Value>,
    /// `think` sent when the request has no `reasoning_effort`: `true`, `false` or a level
    /// (`"low"`, `"medium"`, `"high"`, `"max"`). None (the default) sends no `think`, so
    /// the model's own default applies.
    #[serde(default)]
    pub think: Option<Think>,
    /// How `reasoning_effort` becomes `think`. True (the default): as a level string
    /// (`"low"`, `"medium"`, `"high"`, `"max"`), which gpt-oss needs. False: as `true`,
    /// for models that take only booleans and refuse levels with a 400 (qwen3, deepseek-r1).
    /// Either way `reasoning_effort: "none"` sends `think: false`.
    #[serde(default = "yes")]
    pub think_levels: bool,
}

/// A `keep_alive` value: a duration string or a number of seconds.
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize)]
#[serde(untagged)]
pub enum KeepAlive {
    /// Seconds; `0` unloads at once, negative keeps the model loaded.
    Seconds(serde_json::Number),
    /// A Go duration such as `"5m"` or `"1h30m"`.
    Duration(String),
}

/// A `think` value: on/off or a level.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(untagged)]
pub enum Think {
    /// Thinking on or off.
    Enabled(bool),
    /// A level: `"low"`, `"medium"`, `"high"` or `"max"` (sent as written).
    Level(String),
}

impl OllamaConfig {
    /// A config for the server at `base_url`, with no key and no defaults.
    pub fn new(base_url: impl Into<String>) -> Self {
        Self {
            base_url: base_url.into(),
            ..Self::default()
        }
    }
}

impl Default for OllamaConfig {
    /// A local Ollama on `http://127.0.0.1:11434`, no key, no defaults.
    fn default() -> Self {
        Self {
            base_url: default_base_url(),
            api_key: None,
            headers: BTreeMap::new(),
            keep_alive: None,
            options: Map::new(),
            think: None,
            think_levels: true,
        }
    }
}

fn default_base_url() -> String {
    "http://127.0.0.1:11434".to_owned()
}

fn yes() -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_reads_and_defaults_hold() {
        let c: OllamaConfig = serde_json::from_value(serde_json::json!({})).unwrap();
        assert_eq!(c.base_url, "http://127.0.0.1:11434");
        assert!(c.think_levels && c.keep_alive.is_none() && c.think.is_none());
        let c: OllamaConfig = serde_json::from_value(serde_json::json!({
            "base_url": "https://ollama.com", "api_key": "k", "keep_alive": "10m",
            "options": {"num_ctx": 8192}, "think": "high", "think_levels": false,
            "headers": {"x-a": "b"}
        }))
        .unwrap();
        assert_eq!(c.keep_alive, Some(KeepAlive::Duration("10m".into())));
        assert_eq!(c.think, Some(Think::Level("high".into())));
        assert_eq!(c.options["num_ctx"], 8192);
        let c: OllamaConfig =
            serde_json::from_value(serde_json::json!({"keep_alive": -1, "think": false})).unwrap();
        assert_eq!(c.keep_alive, Some(KeepAlive::Seconds((-1).into())));
        assert_eq!(c.think, Some(Think::Enabled(false)));
    }

    #[test]
    fn unknown_keys_are_refused() {
        let err = serde_json::from_value::<OllamaConfig>(serde_json::json!({"base": "x"}));
        assert!(err.is_err());
    }
}
