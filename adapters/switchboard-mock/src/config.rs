//! The `[providers.NAME]` keys of kind `mock`.

use serde::Deserialize;

/// Settings of a mock provider; every key is optional.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MockConfig {
    /// Words in a reply when the model name has no `tokensN` (default: the echo's length).
    pub tokens: Option<u32>,
    /// Milliseconds between streamed chunks when the model name has no `delayN` (default 0).
    pub delay_ms: u64,
    /// What `GET /v1/models` lists for this provider.
    pub models: Vec<String>,
}

impl Default for MockConfig {
    fn default() -> Self {
        Self {
            tokens: None,
            delay_ms: 0,
            models: ["mock", "mock-reasoning", "mock-tools", "mock-slow"]
                .map(String::from)
                .to_vec(),
        }
    }
}
