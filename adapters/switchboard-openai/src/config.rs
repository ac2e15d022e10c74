//! The `[providers.NAME]` keys of kind `openai`.

use std::collections::BTreeMap;

use serde::Deserialize;
use switchboard_core::Secret;

/// Where the upstream is and how to authenticate to it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenAiConfig {
    /// The API root, joined with `/chat/completions` and `/models` (no `/v1` is added).
    /// Default `https://api.openai.com/v1`.
    #[serde(default = "default_base_url")]
    pub base_url: String,
    /// Sent as `Authorization: Bearer ...`; servers such as vLLM or LocalAI need none.
    #[serde(default)]
    pub api_key: Option<Secret>,
    /// Sent as `OpenAI-Organization`.
    #[serde(default)]
    pub organization: Option<String>,
    /// Sent as `OpenAI-Project`.
    #[serde(default)]
    pub project: Option<String>,
    /// Extra headers sent with every request; values may be `env:NAME` references.
    #[serde(default)]
    pub headers: BTreeMap<String, Secret>,
    /// How `/v1/responses` is served: `native` forwards it to `{base_url}/responses`,
    /// `translate` goes through chat completions, `auto` (the default) is native for
    /// api.openai.com and translate for everything else.
    #[serde(default)]
    pub responses: Mode,
    /// How legacy `/v1/completions` is served: `native` (what `auto`, the default, means
    /// here: vLLM, llama.cpp, LocalAI, Ollama and OpenAI serve it) or `translate`.
    #[serde(default)]
    pub completions: Mode,
}

/// Whether an endpoint is forwarded to the upstream's own or translated to chat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// The adapter's per-endpoint default.
    #[default]
    Auto,
    /// Forward to the upstream's own endpoint, untouched.
    Native,
    /// Translate to chat completions.
    Translate,
}

impl OpenAiConfig {
    /// A config for `base_url` with no key.
    pub fn new(base_url: impl Into<String>) -> Self {
        Self {
            base_url: base_url.into(),
            api_key: None,
            organization: None,
            project: None,
            headers: BTreeMap::new(),
            responses: Mode::Auto,
            completions: Mode::Auto,
        }
    }
}

fn default_base_url() -> String {
    "https://api.openai.com/v1".to_owned()
}
