//! The `[providers.NAME]` keys of kind `qwen`.

use std::collections::BTreeMap;

use serde::Deserialize;
use switchboard_core::Secret;
use switchboard_openai::{Mode, OpenAiConfig};

/// Where DashScope is, how to authenticate, and how thinking is asked for.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QwenConfig {
    /// A named DashScope region (see [`Region`]); ignored when `base_url` is set.
    /// Default: [`Region::Beijing`].
    #[serde(default)]
    pub region: Option<Region>,
    /// The API root, joined with `/chat/completions` and `/models`; overrides `region`
    /// (for workspace domains, proxies and tests). Default: the region's URL.
    #[serde(default)]
    pub base_url: Option<String>,
    /// Sent as `Authorization: Bearer ...`, usually `"env:DASHSCOPE_API_KEY"`. Keys are
    /// bound to a region: a key of another region is refused with 401.
    #[serde(default)]
    pub api_key: Option<Secret>,
    /// Extra headers sent with every request (`X-DashScope-WorkSpace`, ...); values may
    /// be `env:NAME` references.
    #[serde(default)]
    pub headers: BTreeMap<String, Secret>,
    /// How a non-streaming chat is served. Default [`NonStream::Fold`].
    #[serde(default)]
    pub non_stream: NonStream,
    /// `thinking_budget` sent for each `reasoning_effort` value; an effort not listed
    /// sends `enable_thinking: true` with no budget (the model's maximum). Default
    /// [`default_thinking_budgets`]. A table given in config replaces the default whole.
    #[serde(default = "default_thinking_budgets")]
    pub thinking_budgets: BTreeMap<String, u32>,
    /// `enable_thinking` sent when the client gave neither `reasoning_effort` nor
    /// `enable_thinking`. Default none: the model's own default applies.
    #[serde(default)]
    pub thinking: Option<bool>,
    /// Model id prefixes that refuse thinking on non-streaming calls; with
    /// `non_stream = "direct"` such a call is sent with `enable_thinking: false`.
    /// Default [`default_stream_only_thinking`].
    #[serde(default = "default_stream_only_thinking")]
    pub stream_only_thinking: Vec<String>,
}

/// A DashScope compatible-mode endpoint, by region. API keys are region-bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Region {
    /// China (Beijing): `https://dashscope.aliyuncs.com/compatible-mode/v1`. Alias `cn`.
    #[default]
    #[serde(alias = "cn")]
    Beijing,
    /// Singapore (international): `https://dashscope-intl.aliyuncs.com/compatible-mode/v1`.
    /// Alias `intl`.
    #[serde(alias = "intl")]
    Singapore,
    /// US (Virginia): `https://dashscope-us.aliyuncs.com/compatible-mode/v1`. Alias
    /// `virginia`.
    #[serde(alias = "virginia")]
    Us,
    /// Hong Kong: `https://cn-hongkong.dashscope.aliyuncs.com/compatible-mode/v1`. Alias
    /// `hk`.
    #[serde(alias = "hk")]
    Hongkong,
}

impl Region {
    /// The region's compatible-mode API root.
    pub fn base_url(self) -> &'static str {
        match self {
            Self::Beijing => "https://dashscope.aliyuncs.com/compatible-mode/v1",
            Self::Singapore => "https://dashscope-intl.aliyuncs.com/compatible-mode/v1",
            Self::Us => "https://dashscope-us.aliyuncs.com/compatible-mode/v1",
            Self::Hongkong => "https://cn-hongkong.dashscope.aliyuncs.com/compatible-mode/v1",
        }
    }
}

/// How [`crate::QwenAdapter`]'s non-streaming `chat` calls DashScope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NonStream {
    /// Stream from DashScope and fold the chunks into one answer, so models that think
    /// only when streaming (and stream-only models) serve non-streaming clients too.
    #[default]
    Fold,
    /// Send a non-streaming request; models matching `stream_only_thinking` get
    /// `enable_thinking: false`.
    Direct,
}

/// The default `thinking_budgets`: `minimal` 512, `low` 2048, `medium` 8192 tokens;
/// `high`, `xhigh` and any other effort send no budget (the model's maximum).
pub fn default_thinking_budgets() -> BTreeMap<String, u32> {
    [("minimal", 512), ("low", 2048), ("medium", 8192)]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
}

/// The default `stream_only_thinking`: the open-weight Qwen3 hybrid models, QwQ and QVQ,
/// which DashScope refuses to let think on non-streaming calls.
pub fn default_stream_only_thinking() -> Vec<String> {
    [
        "qwen3-0.6b",
        "qwen3-1.7b",
        "qwen3-4b",
        "qwen3-8b",
        "qwen3-14b",
        "qwen3-32b",
        "qwen3-30b-a3b",
        "qwen3-235b-a22b",
        "qwq",
        "qvq",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect()
}

impl Default for QwenConfig {
    /// The Beijing region, no key, the default thinking policy.
    fn default() -> Self {
        Self {
            region: None,
            base_url: None,
            api_key: None,
            headers: BTreeMap::new(),
            non_stream: NonStream::default(),
            thinking_budgets: default_thinking_budgets(),
            thinking: None,
            stream_only_thinking: default_stream_only_thinking(),
        }
    }
}

impl QwenConfig {
    /// A config for `region` with `api_key`.
    pub fn new(region: Region, api_key: Secret) -> Self {
        Self {
            region: Some(region),
            api_key: Some(api_key),
            ..Self::default()
        }
    }

    /// The API root in use: `base_url`, else the region's.
    pub fn effective_base_url(&self) -> String {
        match &self.base_url {
            Some(url) => url.clone(),
            None => self.region.unwrap_or_default().base_url().to_owned(),
        }
    }

    /// The config of the OpenAI-compatible client underneath. Legacy completions and
    /// Responses are never forwarded natively (the adapter says so), so both translate.
    pub(crate) fn to_openai(&self) -> OpenAiConfig {
        let mut config = OpenAiConfig::new(self.effective_base_url());
        config.api_key = self.api_key.clone();
        config.headers = self.headers.clone();
        config.responses = Mode::Translate;
        config.completions = Mode::Translate;
        config
    }
}
