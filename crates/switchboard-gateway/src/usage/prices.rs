//! Model prices and the cost of a request.

use serde::Deserialize;
use switchboard_core::chat::Usage;

/// Prices of one model, USD per 1M tokens (config: `[[models]] ... price = { input = 2.5,
/// cached_input = 1.25, output = 10.0 }`).
///
/// `cached_input` is the price of prompt tokens read from the provider's prompt cache;
/// when absent, they cost `input` like any other prompt token.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Prices {
    /// USD per 1M prompt tokens not read from cache.
    pub input: f64,
    /// USD per 1M prompt tokens read from cache; `None` bills them at `input`.
    #[serde(default)]
    pub cached_input: Option<f64>,
    /// USD per 1M completion tokens, reasoning tokens included.
    pub output: f64,
}

/// Tokens per price unit: prices are per million tokens.
const TOKENS_PER_UNIT: f64 = 1_000_000.0;

/// The cost in USD of one request's `usage` at `prices`.
///
/// Prompt tokens read from cache (`usage.prompt_tokens_details.cached_tokens`, which
/// OpenAI counts inside `prompt_tokens`) cost `cached_input` (or `input` when the model
/// has no cached price); the rest of `prompt_tokens` cost `input`; `completion_tokens`
/// cost `output`. Reasoning tokens need no term of their own: OpenAI's
/// `completion_tokens` already include them (`completion_tokens_details.reasoning_tokens`
/// is a breakdown, not an addition). A cached count above `prompt_tokens` is capped at it.
pub fn cost(prices: &Prices, usage: &Usage) -> f64 {
    let cached = usage.cached_tokens().min(usage.prompt_tokens);
    let uncached = usage.prompt_tokens - cached;
    let cached_price = prices.cached_input.unwrap_or(prices.input);
    (uncached as f64 * prices.input
        + cached as f64 * cached_price
        + usage.completion_tokens as f64 * prices.output)
        / TOKENS_PER_UNIT
}
