//! [`ResponseUsage`]: the token counts of a `Response`, mapped from chat [`Usage`].

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::chat::Usage;

/// A `Response`'s `usage` (OpenAI's `ResponseUsage`): every key is required and an
/// integer; Codex rejects `response.completed` otherwise.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ResponseUsage {
    /// Tokens in the input (chat `prompt_tokens`).
    #[serde(default)]
    pub input_tokens: u64,
    /// Breakdown of the input tokens.
    #[serde(default)]
    pub input_tokens_details: InputTokensDetails,
    /// Tokens generated, reasoning included (chat `completion_tokens`).
    #[serde(default)]
    pub output_tokens: u64,
    /// Breakdown of the output tokens.
    #[serde(default)]
    pub output_tokens_details: OutputTokensDetails,
    /// Input plus output tokens, as the upstream counted them.
    #[serde(default)]
    pub total_tokens: u64,
}

/// `usage.input_tokens_details`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct InputTokensDetails {
    /// Input tokens read from the provider's prompt cache; 0 when not reported.
    #[serde(default)]
    pub cached_tokens: u64,
    /// Input tokens written to the prompt cache; 0 when not reported. Required by the
    /// current OpenAPI schema.
    #[serde(default)]
    pub cache_write_tokens: u64,
}

/// `usage.output_tokens_details`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct OutputTokensDetails {
    /// Output tokens spent reasoning; 0 when not reported.
    #[serde(default)]
    pub reasoning_tokens: u64,
}

impl From<&Usage> for ResponseUsage {
    /// Maps chat usage. Cached tokens come from `prompt_tokens_details.cached_tokens`,
    /// else DeepSeek's top-level `prompt_cache_hit_tokens`, else 0; cache writes from
    /// `prompt_tokens_details.cache_write_tokens`, else 0. A missing (zero) total becomes
    /// the sum of input and output.
    fn from(usage: &Usage) -> Self {
        let details = usage.prompt_tokens_details.as_ref();
        let cached_tokens = details
            .and_then(|details| details.cached_tokens)
            .or_else(|| counter(usage.extra.get("prompt_cache_hit_tokens")))
            .unwrap_or(0);
        let cache_write_tokens = details
            .and_then(|details| counter(details.extra.get("cache_write_tokens")))
            .unwrap_or(0);
        let total_tokens = if usage.total_tokens == 0 {
            usage.prompt_tokens.saturating_add(usage.completion_tokens)
        } else {
            usage.total_tokens
        };
        Self {
            input_tokens: usage.prompt_tokens,
            input_tokens_details: InputTokensDetails {
                cached_tokens,
                cache_write_tokens,
            },
            output_tokens: usage.completion_tokens,
            output_tokens_details: OutputTokensDetails {
                reasoning_tokens: usage.reasoning_tokens(),
            },
            total_tokens,
        }
    }
}

/// A vendor token counter: a non-negative integer, or nothing.
fn counter(value: Option<&Value>) -> Option<u64> {
    value.and_then(Value::as_u64)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn map(chat: Value) -> Value {
        let usage: Usage = serde_json::from_value(chat).unwrap();
        serde_json::to_value(ResponseUsage::from(&usage)).unwrap()
    }

    #[test]
    fn openai_usage_maps_with_details() {
        let got = map(json!({
            "prompt_tokens": 36, "completion_tokens": 18, "total_tokens": 54,
            "prompt_tokens_details": {"cached_tokens": 4, "cache_write_tokens": 2},
            "completion_tokens_details": {"reasoning_tokens": 7}
        }));
        assert_eq!(
            got,
            json!({
                "input_tokens": 36,
                "input_tokens_details": {"cached_tokens": 4, "cache_write_tokens": 2},
                "output_tokens": 18,
                "output_tokens_details": {"reasoning_tokens": 7},
                "total_tokens": 54
            })
        );
    }

    #[test]
    fn deepseek_cache_hits_and_missing_total() {
        let got = map(json!({
            "prompt_tokens": 339, "completion_tokens": 83,
            "prompt_cache_hit_tokens": 320, "prompt_cache_miss_tokens": 19
        }));
        assert_eq!(got["input_tokens_details"]["cached_tokens"], 320);
        assert_eq!(got["input_tokens_details"]["cache_write_tokens"], 0);
        assert_eq!(got["output_tokens_details"]["reasoning_tokens"], 0);
        assert_eq!(got["total_tokens"], 422);
    }

    #[test]
    fn details_default_when_reading_a_bare_usage() {
        let usage: ResponseUsage = serde_json::from_value(
            json!({"input_tokens": 1, "output_tokens": 2, "total_tokens": 3}),
        )
        .unwrap();
        assert_eq!(usage.input_tokens_details, InputTokensDetails::default());
    }
}
