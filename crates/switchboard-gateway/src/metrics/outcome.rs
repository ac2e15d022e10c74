//! What callers hand to [`Metrics`](super::Metrics): one finished request, and a circuit
//! breaker's state.

use std::time::Duration;

/// One finished request, as the access log sees it; passed to
/// [`Metrics::request`](super::Metrics::request) once, when the request is over (for a
/// stream: when the last byte went out or the client went away).
///
/// The string fields become label values, so each must come from a bounded set: a
/// configured model name or route pattern (never the raw `model` a client sent, which
/// could be anything), a configured provider name, and the `&'static str` classes below.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RequestOutcome<'a> {
    /// A configured model name or route pattern (bounded: never the client's raw string).
    pub model: &'a str,
    /// The configured provider name that served the request, or `"none"`.
    pub provider: &'a str,
    /// `"chat_completions"`, `"responses"`, `"completions"`, `"models"` or `"other"`.
    pub endpoint: &'static str,
    /// The HTTP status sent to the client.
    pub status: u16,
    /// `"none"`, or the error's class: `"transient"`, `"per_key"`, `"caller"`, `"policy"`,
    /// `"context_window"`, `"content_filter"`, ...
    pub error_class: &'static str,
    /// Whether the answer was streamed.
    pub stream: bool,
    /// From the request's arrival to its last byte.
    pub total: Duration,
    /// Time to the first streamed byte of the answer; streams only, `None` otherwise.
    pub first_token: Option<Duration>,
    /// The gateway's own time (total minus time spent waiting on providers), when known.
    pub overhead: Option<Duration>,
    /// Prompt tokens, cached ones included (as in OpenAI's `usage.prompt_tokens`).
    pub prompt_tokens: u64,
    /// Completion tokens, reasoning included (as in OpenAI's `usage.completion_tokens`).
    pub completion_tokens: u64,
    /// The part of `prompt_tokens` read from the provider's cache.
    pub cached_tokens: u64,
    /// True when the token counts are the gateway's estimates, not the provider's report.
    pub estimated: bool,
    /// The request's cost in USD, when the model has prices configured.
    pub cost_usd: Option<f64>,
    /// Upstream attempts made, retries and fallbacks included (1 for a first-try answer).
    ///
    /// Not exported on its own: [`Metrics::retry`](super::Metrics::retry) counts each
    /// retry as it happens, with its error class. Kept so that one value describes the
    /// request for both the access log and the metrics.
    pub attempts: u32,
    /// True when the answer came from a fallback model.
    ///
    /// Not exported on its own: [`Metrics::fallback`](super::Metrics::fallback) counts
    /// each fallback with its source and target models.
    pub fallback: bool,
}

impl Default for RequestOutcome<'_> {
    /// A successful, non-streamed request to no model (`""`, provider `"none"`) with no
    /// tokens and no time: a base for `..RequestOutcome::default()`.
    fn default() -> Self {
        Self {
            model: "",
            provider: "none",
            endpoint: "other",
            status: 200,
            error_class: "none",
            stream: false,
            total: Duration::ZERO,
            first_token: None,
            overhead: None,
            prompt_tokens: 0,
            completion_tokens: 0,
            cached_tokens: 0,
            estimated: false,
            cost_usd: None,
            attempts: 1,
            fallback: false,
        }
    }
}

/// A circuit breaker's state, exported by [`Metrics::breaker`](super::Metrics::breaker) as
/// the gauge value 0 (closed), 1 (half-open) or 2 (open).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BreakerState {
    /// Requests flow; the gauge reads 0.
    Closed,
    /// A probe request is allowed through; the gauge reads 1.
    HalfOpen,
    /// Requests are refused without trying; the gauge reads 2.
    Open,
}

impl BreakerState {
    /// The gauge value of this state: 0 closed, 1 half-open, 2 open.
    pub fn gauge_value(self) -> i64 {
        match self {
            Self::Closed => 0,
            Self::HalfOpen => 1,
            Self::Open => 2,
        }
    }
}
