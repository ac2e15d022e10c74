//! One record per request, closed when the request is over: for a stream that is when
//! the last byte went out or the client went away, so it carries the final status, tokens,
//! cost and latency. Closing it writes the log line, feeds the metrics, bills the tokens to
//! the limits that admitted the request, and tells the deployment's health how a committed
//! stream ended. Never a key; prompt text only when `log.prompts` is on.

use std::sync::Arc;
use std::time::Duration;

use switchboard_core::chat::Usage;
use tokio::time::Instant;

use crate::auth::KeyEntry;
use crate::metrics::{Metrics, RequestOutcome};
use crate::routing::AttemptGuard;
use crate::usage::{OutputCounter, Prices, cost};

mod after_response;
mod durable;

pub(crate) use after_response::serve as serve_connection_with_log_slot;
pub(crate) use durable::FAILED_USAGE_WRITES;

/// What is known about a request so far; logs itself when dropped.
pub struct RequestLog {
    armed: bool,
    /// Set once the record was closed (health, limits, metrics), with its cost: only the
    /// log line is left to write (see `after_response.rs`).
    closed: Option<Option<f64>>,
    start: Instant,
    /// The request id.
    pub request_id: Arc<str>,
    /// HTTP method.
    pub method: http::Method,
    /// Request path.
    pub path: String,
    /// The endpoint, as a metrics label.
    pub endpoint: &'static str,
    /// The model the client asked for.
    pub model: Option<String>,
    /// The configured model (or route pattern) that served it: a bounded label.
    pub route: Option<Arc<str>>,
    /// The provider that served it (the last one tried).
    pub provider: Option<Arc<str>>,
    /// The deployment that served it (the last one tried).
    pub deployment: Option<Arc<str>>,
    /// Upstream attempts made.
    pub attempts: u32,
    /// Whether a fallback model served it.
    pub fallback: bool,
    /// The gateway key's entry, when the key is a named one.
    pub key: Option<Arc<KeyEntry>>,
    /// The status sent to the client.
    pub status: u16,
    /// Whether the response streamed.
    pub stream: bool,
    /// Tokens, when the upstream reported usage (or the gateway estimated it).
    pub usage: Option<Usage>,
    /// The usage is the gateway's estimate.
    pub estimated: bool,
    /// The request body, kept (a reference, not a copy) to estimate the prompt's tokens
    /// if the provider reports no usage.
    pub prompt_body: Option<bytes::Bytes>,
    /// The answer's text, collected as it passes, for the same estimate.
    pub output: Option<OutputCounter>,
    /// The served model's prices.
    pub prices: Option<Prices>,
    /// The error's class, for failed requests.
    pub error_class: Option<&'static str>,
    /// When the response was committed (a stream's first byte).
    pub committed: Option<Instant>,
    /// When the last streamed piece went out.
    last_piece: Option<Instant>,
    /// The gaps between streamed pieces, for the inter-token histogram.
    gaps: Vec<Duration>,
    /// Time spent waiting on upstreams (and in backoff) before commit.
    pub upstream_wait: Duration,
    /// The deployment attempt in progress or committed.
    pub attempt: Option<AttemptGuard>,
    /// The limits that admitted the request, billed when it ends.
    pub permits: Vec<crate::limits::LimitPermit>,
    /// Where the record is counted.
    pub metrics: Option<Arc<Metrics>>,
    /// The state database, for the usage record.
    pub state: Option<Arc<crate::state::StateHandle>>,
    /// The usage record was written (or handed to a background write).
    usage_recorded: bool,
    /// The in-flight gauge's hold, while the request is in flight.
    pub in_flight: Option<crate::metrics::InFlight>,
    /// How the request ended: `ok`, `error`, `client_closed`, `stream_error`.
    pub outcome: &'static str,
    /// The error message, for failed requests.
    pub error: Option<String>,
    /// The request body, only when `log.prompts` is on.
    pub prompt: Option<String>,
    /// The request's trace (its start and an incoming `traceparent`), when telemetry is on;
    /// it becomes a span when the record closes.
    #[cfg(feature = "otel")]
    pub trace: Option<crate::telemetry::RequestTrace>,
}

impl RequestLog {
    /// Starts the clock for a request.
    pub fn start(request_id: Arc<str>, method: http::Method, path: &str) -> Self {
        Self {
            armed: true,
            closed: None,
            start: Instant::now(),
            request_id,
            method,
            path: path.to_owned(),
            endpoint: "other",
            model: None,
            route: None,
            provider: None,
            deployment: None,
            attempts: 0,
            fallback: false,
            key: None,
            status: 0,
            stream: false,
            usage: None,
            estimated: false,
            prompt_body: None,
            output: None,
            prices: None,
            error_class: None,
            committed: None,
            last_piece: None,
            gaps: Vec::new(),
            upstream_wait: Duration::ZERO,
            attempt: None,
            permits: Vec::new(),
            metrics: None,
            state: None,
            usage_recorded: false,
            in_flight: None,
            outcome: "ok",
            error: None,
            prompt: None,
            #[cfg(feature = "otel")]
            trace: None,
        }
    }

    /// Moves the live record out (for a stream to log when it ends), leaving a silent one
    /// that still knows the route, for the response headers.
    pub fn take(&mut self) -> RequestLog {
        let mut silent = RequestLog::start(self.request_id.clone(), self.method.clone(), "");
        silent.armed = false;
        silent.start = self.start;
        silent.route = self.route.clone();
        silent.provider = self.provider.clone();
        silent.deployment = self.deployment.clone();
        silent.attempts = self.attempts;
        silent.fallback = self.fallback;
        silent.committed = self.committed;
        silent.upstream_wait = self.upstream_wait;
        std::mem::replace(self, silent)
    }

    /// True until a stream took the live record ([`RequestLog::take`]).
    pub fn is_live(&self) -> bool {
        self.armed
    }

    /// The response is committed (a stream's first byte is going out): the status is 200
    /// and the deployment answered.
    pub fn commit(&mut self) {
        let now = Instant::now();
        self.status = http::StatusCode::OK.as_u16();
        self.committed = Some(now);
        if let Some(attempt) = &mut self.attempt {
            attempt.succeeded(now);
        }
    }

    /// A streamed piece of the answer went out: records the gap since the previous one.
    pub fn piece_sent(&mut self) {
        let now = Instant::now();
        if let Some(last) = self.last_piece.replace(now) {
            self.gaps.push(now.saturating_duration_since(last));
        }
    }

    /// Milliseconds since the request arrived.
    pub fn elapsed_ms(&self) -> f64 {
        self.start.elapsed().as_secs_f64() * 1000.0
    }

    /// The gateway's own time so far: time to commit (or now) minus the upstream wait.
    pub fn overhead(&self) -> Duration {
        let until = self.committed.unwrap_or_else(Instant::now);
        until
            .saturating_duration_since(self.start)
            .saturating_sub(self.upstream_wait)
    }

    /// Closes the record now (health, limits, metrics) and writes its log line once the
    /// response is out: at the end of the connection's current poll where it keeps a slot
    /// for it (see `after_response.rs`), else at once. What it holds is let go now too (a
    /// concurrency permit, the deployment's in-flight count or breaker probe, the in-flight
    /// gauge), so only the line waits. A record a stream took (not live) is left alone:
    /// the stream closes it when it ends.
    pub fn close_after_response(mut self) {
        if !self.armed {
            return;
        }
        self.closed = Some(self.close());
        self.permits.clear();
        self.attempt = None;
        self.in_flight = None;
        after_response::keep_until_polled(self);
    }

    /// Closes the record: health, limits, metrics. Returns the cost, if priced.
    fn close(&mut self) -> Option<f64> {
        let now = Instant::now();
        self.settle_usage();
        self.record_later();
        if let Some(attempt) = &mut self.attempt
            && self.outcome == "stream_error"
        {
            attempt.failed(now);
        }
        let tokens = self
            .usage
            .as_ref()
            .map_or(0, |u| u.prompt_tokens + u.completion_tokens);
        for permit in &self.permits {
            permit.charge(tokens, now);
        }
        let cost = match (&self.prices, &self.usage) {
            (Some(prices), Some(usage)) => Some(cost(prices, usage)),
            _ => None,
        };
        if let Some(metrics) = &self.metrics {
            let model = self.route.as_deref().unwrap_or("none");
            let provider = self.provider.as_deref().unwrap_or("none");
            metrics.inter_tokens(model, provider, &self.gaps);
            let usage = self.usage.as_ref();
            metrics.request(&RequestOutcome {
                model,
                provider,
                endpoint: self.endpoint,
                status: self.status,
                error_class: self.error_class.unwrap_or("none"),
                stream: self.stream,
                total: self.start.elapsed(),
                first_token: self
                    .committed
                    .filter(|_| self.stream)
                    .map(|at| at.saturating_duration_since(self.start)),
                overhead: Some(self.overhead()),
                prompt_tokens: usage.map_or(0, |u| u.prompt_tokens),
                completion_tokens: usage.map_or(0, |u| u.completion_tokens),
                cached_tokens: usage.map_or(0, Usage::cached_tokens),
                estimated: self.estimated,
                cost_usd: cost,
                attempts: self.attempts,
                fallback: self.fallback,
            });
        }
        #[cfg(feature = "otel")]
        crate::telemetry::emit(self, cost);
        cost
    }
}

impl Drop for RequestLog {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        let cost_usd = match self.closed {
            Some(cost) => cost,
            None => self.close(),
        };
        let (prompt_tokens, completion_tokens) = self.usage.as_ref().map_or((None, None), |u| {
            (Some(u.prompt_tokens), Some(u.completion_tokens))
        });
        let latency_ms = (self.elapsed_ms() * 1000.0).round() / 1000.0;
        macro_rules! line {
            ($level:ident) => {
                tracing::$level!(
                    target: "switchboard::access",
                    request_id = %self.request_id,
                    method = %self.method,
                    path = %self.path,
                    model = self.model.as_deref(),
                    route = self.route.as_deref(),
                    provider = self.provider.as_deref(),
                    deployment = self.deployment.as_deref(),
                    attempts = self.attempts,
                    fallback = self.fallback,
                    key = self.key.as_ref().map(|k| &*k.name),
                    status = self.status,
                    stream = self.stream,
                    latency_ms,
                    prompt_tokens,
                    completion_tokens,
                    estimated = self.estimated,
                    cost_usd,
                    overhead_us = self.overhead().as_micros() as u64,
                    outcome = self.outcome,
                    error = self.error.as_deref(),
                    prompt = self.prompt.as_deref(),
                    "request"
                )
            };
        }
        if self.status >= 500 || self.outcome == "stream_error" || self.outcome == "client_closed" {
            line!(warn);
        } else {
            line!(info);
        }
    }
}
