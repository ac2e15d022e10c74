//! The `[providers.NAME]` keys of kind `bedrock`.

use serde::Deserialize;
use switchboard_anthropic::ThinkingRules;
use switchboard_core::Secret;

/// Which Bedrock operations carry chat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Api {
    /// Converse / ConverseStream (the default): AWS's model-agnostic API, so the same
    /// provider serves Claude and the other Bedrock models.
    #[default]
    Converse,
    /// InvokeModel / InvokeModelWithResponseStream with the Anthropic Messages body: for
    /// Anthropic-only features (`cache_control` on any block, server tools, betas).
    Invoke,
}

/// Where Bedrock is, how to authenticate, and the translation's defaults.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BedrockConfig {
    /// The AWS region (signing region and default endpoint). Default: `AWS_REGION`, then
    /// `AWS_DEFAULT_REGION`; with an `endpoint` and neither, `us-east-1`.
    #[serde(default)]
    pub region: Option<String>,
    /// The endpoint root; default `https://bedrock-runtime.{region}.amazonaws.com` (set it
    /// for VPC endpoints, FIPS endpoints and tests). `base_url` is accepted as an alias.
    #[serde(default, alias = "base_url")]
    pub endpoint: Option<String>,
    /// `converse` (default) or `invoke`.
    #[serde(default)]
    pub api: Api,
    /// A Bedrock API key, sent as `Authorization: Bearer` with no signing. Default: env
    /// `AWS_BEARER_TOKEN_BEDROCK` when no access key is configured.
    #[serde(default)]
    pub api_key: Option<Secret>,
    /// The access key id for SigV4. Default: env `AWS_ACCESS_KEY_ID`.
    #[serde(default)]
    pub access_key_id: Option<Secret>,
    /// The secret access key. Default: env `AWS_SECRET_ACCESS_KEY`.
    #[serde(default)]
    pub secret_access_key: Option<Secret>,
    /// The session token of temporary credentials. Default: env `AWS_SESSION_TOKEN` (when
    /// the keys also come from the environment).
    #[serde(default)]
    pub session_token: Option<Secret>,
    /// The profile of the shared AWS config and credentials files that the AWS credential
    /// chain reads (crate feature `aws-chain`; an error without it). Default: env
    /// `AWS_PROFILE`, then `default`.
    #[serde(default)]
    pub profile: Option<String>,
    /// `max_tokens` for a request that sets no output limit. Default 4096.
    #[serde(default)]
    pub max_tokens: Option<u32>,
    /// How `reasoning_effort` maps to thinking per model (as kind `anthropic`).
    #[serde(default)]
    pub thinking: ThinkingRules,
}

/// The environment, as a function (tests pass a map).
pub(crate) type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

/// Reads a non-empty environment variable.
pub(crate) fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

impl BedrockConfig {
    /// The signing region from the config or the environment.
    pub(crate) fn configured_region(&self, env: Env<'_>) -> Option<String> {
        self.region
            .clone()
            .or_else(|| env("AWS_REGION"))
            .or_else(|| env("AWS_DEFAULT_REGION"))
    }

    /// The region when nothing names one: `us-east-1` with an `endpoint`, else none.
    pub(crate) fn fallback_region(&self) -> Option<String> {
        self.endpoint.as_ref().map(|_| "us-east-1".to_owned())
    }
}
