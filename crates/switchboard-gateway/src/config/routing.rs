//! The configuration of routing and resilience: `[routing]`, a model's deployments, its
//! per-model policy, and the limits (per model and per `[[keys]]` entry).

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;
use switchboard_core::Secret;

/// `[routing]`: retries, fallbacks, load balancing and the circuit breaker.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct RoutingConfig {
    /// Attempts after the first, for the whole chain (the model's deployments and every
    /// fallback share one budget). Default 2.
    pub retries: u32,
    /// Most attempts on one deployment within one request. Default 2.
    pub attempts_per_deployment: u32,
    /// Seconds before the first retry; doubled each time, with full jitter. Default 0.25.
    pub backoff_base: f64,
    /// Longest wait between two attempts, in seconds. Default 8.
    pub backoff_max: f64,
    /// A `Retry-After` longer than this many seconds is not waited for: the deployment is
    /// cooled down for that long and another is tried. Default 30.
    pub max_retry_after: f64,
    /// Fallback models tried, in order, after a model's own fallbacks. Default none.
    pub fallbacks: Vec<String>,
    /// Fallback models for a content-policy refusal, after a model's own. Default none.
    pub content_policy_fallbacks: Vec<String>,
    /// The model serving requests that name a model nobody configured. Default none:
    /// such requests get a 404.
    pub default_model: Option<String>,
    /// How a model's deployments share its load. Default `peak_ewma`.
    pub balance: Balance,
    /// Consecutive failures that open a deployment's circuit breaker. Default 5.
    pub breaker_failures: u32,
    /// Seconds an open breaker waits before letting one probe through. Default 30.
    pub breaker_cooldown: f64,
}

impl Default for RoutingConfig {
    fn default() -> Self {
        Self {
            retries: 2,
            attempts_per_deployment: 2,
            backoff_base: 0.25,
            backoff_max: 8.0,
            max_retry_after: 30.0,
            fallbacks: Vec::new(),
            content_policy_fallbacks: Vec::new(),
            default_model: None,
            balance: Balance::PeakEwma,
            breaker_failures: 5,
            breaker_cooldown: 30.0,
        }
    }
}

/// Load-balancing strategy across the healthy deployments of one priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Balance {
    /// Power of two choices by weight, the one with the lower peak-EWMA latency × load wins.
    #[default]
    PeakEwma,
    /// Power of two choices by weight, the one with fewer requests in flight wins.
    LeastInFlight,
    /// Random, in proportion to the weights.
    Weighted,
}

/// `[[models.deployments]]`: one place a model is served.
#[derive(Debug, Clone, Deserialize)]
pub struct DeploymentConfig {
    /// The provider's name (`[providers.NAME]`).
    pub provider: String,
    /// The upstream model id; defaults to the model's `model`, else its name.
    #[serde(default)]
    pub model: Option<String>,
    /// Share of the traffic among deployments of the same priority. Default 1.
    #[serde(default = "one")]
    pub weight: u32,
    /// Lower is preferred: a priority is used only when every deployment of the better
    /// ones is unavailable. Default 0.
    #[serde(default)]
    pub priority: u32,
}

fn one() -> u32 {
    1
}

/// Rate and concurrency limits, per model or per gateway key. All optional.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LimitsConfig {
    /// Requests per minute.
    pub rpm: Option<u32>,
    /// Tokens (prompt + completion) per minute.
    pub tpm: Option<u64>,
    /// Requests in flight at once.
    pub concurrency: Option<u32>,
    /// Seconds that must pass between two requests.
    pub min_interval: Option<f64>,
}

impl LimitsConfig {
    /// True when no limit is set.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// `[[keys]]`: a named gateway key with its own limits and models.
#[derive(Debug, Clone, Deserialize)]
pub struct KeyConfig {
    /// A name for logs, metrics and errors (never the key itself).
    pub name: String,
    /// The key clients send (`env:NAME` reads it from the environment).
    pub key: Secret,
    /// Models this key may use (names or aliases as clients send them). Default: all.
    #[serde(default)]
    pub models: Vec<String>,
    /// This key's limits.
    #[serde(default)]
    pub limits: LimitsConfig,
}

/// Where a model's `system_prompt` goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PromptPosition {
    /// Before the client's own system prompt (as the first system message or instructions).
    #[default]
    Prepend,
    /// After the client's own system prompt.
    Append,
}

/// A model's request policy, applied before routing to any deployment.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PolicyConfig {
    /// Text added to every request's system prompt (chat) or `instructions` (Responses).
    pub system_prompt: Option<String>,
    /// Where `system_prompt` goes. Default `prepend`.
    pub system_prompt_position: PromptPosition,
    /// Parameters set when the client did not send them (`temperature`, `max_tokens` ...).
    pub defaults: BTreeMap<String, Value>,
    /// Parameters set whatever the client sent.
    pub force: BTreeMap<String, Value>,
    /// If not empty, the only parameters a client may send (besides the essential ones:
    /// `model`, `messages`, `input`, `prompt`, `stream`, `stream_options`).
    pub allowed_params: Vec<String>,
    /// Parameters a client may not send (a 400 names the first one found).
    pub denied_params: Vec<String>,
    /// The largest request body for this model, in bytes. Default: `server.max_body_bytes`.
    pub max_body_bytes: Option<usize>,
}

impl PolicyConfig {
    /// True when the policy changes nothing.
    pub fn is_empty(&self) -> bool {
        self.system_prompt.is_none()
            && self.defaults.is_empty()
            && self.force.is_empty()
            && self.allowed_params.is_empty()
            && self.denied_params.is_empty()
            && self.max_body_bytes.is_none()
    }
}
