//! How the mock behaves, read from the words of the model name.

use std::time::Duration;

use crate::MockConfig;

/// What one request to the mock does. Parsed from the model name's `-`-separated words:
///
/// | word | effect |
/// |---|---|
/// | `reasoning` | streams `reasoning_content` before the answer |
/// | `tools` | calls the first tool of the request (or `get_weather`) instead of answering |
/// | `tokensN` | the answer has exactly N words |
/// | `delayN` | N ms between streamed chunks |
/// | `slow` | 50 ms between streamed chunks |
/// | `errorNNN` | fails with HTTP status NNN (e.g. `error429`, `error500`) |
///
/// Other words are ignored, so `mock`, `gpt-4o` or `my-model` all give a plain echo.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Behaviour {
    /// Emit reasoning before the answer.
    pub reasoning: bool,
    /// Answer with a tool call.
    pub tool_call: bool,
    /// Exact number of answer words, if set.
    pub tokens: Option<u32>,
    /// Pause between streamed chunks.
    pub delay: Duration,
    /// Fail with this HTTP status.
    pub error_status: Option<u16>,
}

impl Behaviour {
    /// Reads the behaviour from `model`, with `config` supplying the defaults.
    pub fn from_model(model: &str, config: &MockConfig) -> Self {
        let mut b = Behaviour {
            tokens: config.tokens,
            delay: Duration::from_millis(config.delay_ms),
            ..Behaviour::default()
        };
        for word in model.split(['-', '/', ':', '_']) {
            match word {
                "reasoning" | "thinking" => b.reasoning = true,
                "tools" | "tool" => b.tool_call = true,
                "slow" => b.delay = Duration::from_millis(50),
                _ => {
                    if let Some(n) = number_after(word, "tokens") {
                        b.tokens = u32::try_from(n).ok();
                    } else if let Some(n) = number_after(word, "delay") {
                        b.delay = Duration::from_millis(n);
                    } else if let Some(n) = number_after(word, "error") {
                        b.error_status = u16::try_from(n).ok().filter(|s| (400..600).contains(s));
                    }
                }
            }
        }
        b
    }
}

fn number_after(word: &str, prefix: &str) -> Option<u64> {
    word.strip_prefix(prefix)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_select_behaviour() {
        let c = MockConfig::default();
        let b = Behaviour::from_model("mock-reasoning-tools-tokens32-delay20", &c);
        assert!(b.reasoning && b.tool_call);
        assert_eq!(b.tokens, Some(32));
        assert_eq!(b.delay, Duration::from_millis(20));
        assert_eq!(Behaviour::from_model("gpt-4o", &c), Behaviour::default());
        assert_eq!(
            Behaviour::from_model("mock-error429", &c).error_status,
            Some(429)
        );
        assert_eq!(Behaviour::from_model("mock-error42", &c).error_status, None);
        assert_eq!(
            Behaviour::from_model("mock-slow", &c).delay,
            Duration::from_millis(50)
        );
    }

    #[test]
    fn config_supplies_defaults() {
        let c = MockConfig {
            tokens: Some(5),
            delay_ms: 7,
            ..MockConfig::default()
        };
        let b = Behaviour::from_model("mock", &c);
        assert_eq!((b.tokens, b.delay), (Some(5), Duration::from_millis(7)));
    }
}
