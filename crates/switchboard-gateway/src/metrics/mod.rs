//! Prometheus metrics: the `switchboard_*` families, recorded by the request path and
//! rendered for a scrape in the Prometheus text format.
//!
//! One [`Metrics`] lives for the process (share it behind an `Arc`); every method takes
//! `&self` and is safe to call from many threads at once. Recording is cheap: a label set
//! is a small struct, and building one allocates only the model and provider names.
//!
//! Labels are bounded because callers pass configured names only: a configured model name
//! or route pattern (never the raw `model` string a client sent), a configured provider
//! and deployment name, and `&'static str` classes. Each distinct label set is a series
//! kept for the process's life, so an unbounded value here would grow memory without end.
//!
//! | family | type | labels |
//! |---|---|---|
//! | `switchboard_requests_total` | counter | model, provider, endpoint, status, error_class, stream |
//! | `switchboard_request_duration_seconds` | histogram | model, provider, endpoint, stream |
//! | `switchboard_time_to_first_token_seconds` | histogram | model, provider |
//! | `switchboard_inter_token_seconds` | histogram | model, provider |
//! | `switchboard_overhead_seconds` | histogram | endpoint |
//! | `switchboard_tokens_total` | counter | model, provider, direction, estimated |
//! | `switchboard_cost_usd_total` | counter (float) | model, provider |
//! | `switchboard_retries_total` | counter | model, provider, error_class |
//! | `switchboard_fallbacks_total` | counter | from_model, to_model |
//! | `switchboard_breaker_state` | gauge | provider, deployment |
//! | `switchboard_in_flight_requests` | gauge | model, provider |
//! | `switchboard_limit_hits_total` | counter | limit, scope |
//!
//! - `outcome.rs`: [`RequestOutcome`] and [`BreakerState`], what callers pass in.
//! - `labels.rs`: the label set structs; `buckets.rs`: histogram bounds.
//! - `in_flight.rs`: the [`InFlight`] guard; `exposition.rs`: OpenMetrics → 0.0.4 text.

mod buckets;
mod exposition;
mod in_flight;
mod labels;
mod outcome;

#[cfg(test)]
mod tests;

use std::sync::atomic::AtomicU64;
use std::time::Duration;

use prometheus_client::encoding::text::{encode, encode_registry};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

pub use in_flight::InFlight;
pub use outcome::{BreakerState, RequestOutcome};

use labels::{
    DeploymentLabels, DurationLabels, EndpointLabels, FallbackLabels, LimitLabels, RequestLabels,
    RetryLabels, Target, TokenLabels,
};

/// The `Content-Type` of [`Metrics::render`]'s output: Prometheus text format 0.0.4.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The `Content-Type` of [`Metrics::render_openmetrics`]'s output: OpenMetrics 1.0 text.
pub const OPENMETRICS_CONTENT_TYPE: &str =
    "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// A histogram family whose buckets are set by a plain function per family.
type HistogramFamily<L> = Family<L, Histogram, fn() -> Histogram>;

/// The gateway's metrics: a registry and handles to each family in it.
///
/// The handles share their state with the registry, so recording through them shows up
/// in the next [`Metrics::render`].
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    request_duration: HistogramFamily<DurationLabels>,
    first_token: HistogramFamily<Target>,
    inter_token: HistogramFamily<Target>,
    overhead: HistogramFamily<EndpointLabels>,
    tokens: Family<TokenLabels, Counter>,
    cost: Family<Target, Counter<f64, AtomicU64>>,
    retries: Family<RetryLabels, Counter>,
    fallbacks: Family<FallbackLabels, Counter>,
    breaker: Family<DeploymentLabels, Gauge>,
    in_flight: Family<Target, Gauge>,
    limit_hits: Family<LimitLabels, Counter>,
}

impl Default for Metrics {
    /// Same as [`Metrics::new`].
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Registers every `switchboard_*` family, all empty: a family shows up in
    /// [`Metrics::render`] once something was recorded in it.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("switchboard");
        let requests = Family::default();
        let request_duration: HistogramFamily<DurationLabels> =
            Family::new_with_constructor(|| {
                Histogram::new(buckets::REQUEST_DURATION.iter().copied())
            });
        let first_token: HistogramFamily<Target> = Family::new_with_constructor(|| {
            Histogram::new(buckets::TIME_TO_FIRST_TOKEN.iter().copied())
        });
        let inter_token: HistogramFamily<Target> =
            Family::new_with_constructor(|| Histogram::new(buckets::INTER_TOKEN.iter().copied()));
        let overhead: HistogramFamily<EndpointLabels> =
            Family::new_with_constructor(|| Histogram::new(buckets::OVERHEAD.iter().copied()));
        let tokens = Family::default();
        let cost = Family::default();
        let retries = Family::default();
        let fallbacks = Family::default();
        let breaker = Family::default();
        let in_flight = Family::default();
        let limit_hits = Family::default();

        // Counter names go without `_total`, which the encoder adds to the samples; help
        // texts go without their final period, which the registry adds.
        registry.register(
            "requests",
            "Finished requests, by model, provider, endpoint, HTTP status, error class and streaming",
            requests.clone(),
        );
        registry.register(
            "request_duration_seconds",
            "Time from a request's arrival to its last byte",
            request_duration.clone(),
        );
        registry.register(
            "time_to_first_token_seconds",
            "Time from a streamed request's arrival to the first byte of the answer",
            first_token.clone(),
        );
        registry.register(
            "inter_token_seconds",
            "Time between two streamed pieces of an answer",
            inter_token.clone(),
        );
        registry.register(
            "overhead_seconds",
            "The gateway's own time per request, provider time excluded",
            overhead.clone(),
        );
        registry.register(
            "tokens",
            "Tokens by direction: input (prompt tokens not read from cache), cached_input (prompt tokens read from cache) and output (completion tokens, reasoning included); estimated=true when the gateway counted them",
            tokens.clone(),
        );
        registry.register(
            "cost_usd",
            "Cost of requests in US dollars, from the configured prices",
            cost.clone(),
        );
        registry.register(
            "retries",
            "Upstream attempts retried, by the error class that caused the retry",
            retries.clone(),
        );
        registry.register(
            "fallbacks",
            "Requests moved from one model to a fallback model",
            fallbacks.clone(),
        );
        registry.register(
            "breaker_state",
            "Circuit breaker state of a deployment: 0 closed, 1 half-open, 2 open",
            breaker.clone(),
        );
        registry.register(
            "in_flight_requests",
            "Requests being served right now",
            in_flight.clone(),
        );
        registry.register(
            "limit_hits",
            "Requests refused by a limit (rpm, tpm, concurrency, min_interval, budget) of a key or a model",
            limit_hits.clone(),
        );

        Self {
            registry,
            requests,
            request_duration,
            first_token,
            inter_token,
            overhead,
            tokens,
            cost,
            retries,
            fallbacks,
            breaker,
            in_flight,
            limit_hits,
        }
    }

    /// Records one finished request: its count, duration, first-token time (streams),
    /// overhead, tokens and cost. Call once per request, when it is over.
    ///
    /// Tokens are split so that the directions add up to the request's total:
    /// `input` is `prompt_tokens - cached_tokens`, `cached_input` is `cached_tokens` and
    /// `output` is `completion_tokens`. A direction with 0 tokens is not touched. A cost
    /// that is `None`, negative or not finite is not added (a counter only goes up).
    pub fn request(&self, outcome: &RequestOutcome<'_>) {
        let labels = RequestLabels {
            target: Target::new(outcome.model, outcome.provider),
            endpoint: outcome.endpoint,
            status: outcome.status,
            error_class: outcome.error_class,
            stream: outcome.stream,
        };
        self.requests.get_or_create(&labels).inc();

        let labels = DurationLabels {
            target: labels.target,
            endpoint: outcome.endpoint,
            stream: outcome.stream,
        };
        self.request_duration
            .get_or_create(&labels)
            .observe(outcome.total.as_secs_f64());
        let target = labels.target;

        if let Some(first_token) = outcome.first_token {
            self.first_token
                .get_or_create(&target)
                .observe(first_token.as_secs_f64());
        }
        if let Some(overhead) = outcome.overhead {
            let labels = EndpointLabels {
                endpoint: outcome.endpoint,
            };
            self.overhead
                .get_or_create(&labels)
                .observe(overhead.as_secs_f64());
        }

        let mut labels = TokenLabels {
            target,
            direction: "input",
            estimated: outcome.estimated,
        };
        let directions = [
            (
                "input",
                outcome.prompt_tokens.saturating_sub(outcome.cached_tokens),
            ),
            ("cached_input", outcome.cached_tokens),
            ("output", outcome.completion_tokens),
        ];
        for (direction, tokens) in directions {
            if tokens > 0 {
                labels.direction = direction;
                self.tokens.get_or_create(&labels).inc_by(tokens);
            }
        }

        if let Some(cost) = outcome
            .cost_usd
            .filter(|cost| cost.is_finite() && *cost > 0.0)
        {
            self.cost.get_or_create(&labels.target).inc_by(cost);
        }
    }

    /// Records the gap between two streamed pieces of an answer from `model` at
    /// `provider`. Call it for each piece after the first.
    pub fn inter_token(&self, model: &str, provider: &str, gap: Duration) {
        self.inter_token
            .get_or_create(&Target::new(model, provider))
            .observe(gap.as_secs_f64());
    }

    /// Records the gaps between the streamed pieces of one answer, at once (one label
    /// lookup for the whole stream).
    pub fn inter_tokens(&self, model: &str, provider: &str, gaps: &[Duration]) {
        if gaps.is_empty() {
            return;
        }
        let histogram = self
            .inter_token
            .get_or_create(&Target::new(model, provider));
        for gap in gaps {
            histogram.observe(gap.as_secs_f64());
        }
    }

    /// Counts one retry of a request to `model` at `provider`, caused by an error of
    /// `error_class` (`"transient"`, `"per_key"`, ...). Call it when the retry is decided.
    pub fn retry(&self, model: &str, provider: &str, error_class: &'static str) {
        let labels = RetryLabels {
            target: Target::new(model, provider),
            error_class,
        };
        self.retries.get_or_create(&labels).inc();
    }

    /// Counts one move of a request from `from_model` to its fallback `to_model` (both
    /// configured names).
    pub fn fallback(&self, from_model: &str, to_model: &str) {
        let labels = FallbackLabels {
            from_model: from_model.to_owned(),
            to_model: to_model.to_owned(),
        };
        self.fallbacks.get_or_create(&labels).inc();
    }

    /// Sets the circuit breaker gauge of `deployment` at `provider` to `state`. Call it on
    /// every state change (and once at start, to show closed breakers as 0).
    pub fn breaker(&self, provider: &str, deployment: &str, state: BreakerState) {
        let labels = DeploymentLabels {
            provider: provider.to_owned(),
            deployment: deployment.to_owned(),
        };
        self.breaker.get_or_create(&labels).set(state.gauge_value());
    }

    /// Counts a request to `model` at `provider` as in flight until the returned guard is
    /// dropped.
    pub fn in_flight(&self, model: &str, provider: &str) -> InFlight {
        InFlight::enter(
            self.in_flight
                .get_or_create_owned(&Target::new(model, provider)),
        )
    }

    /// Counts one request refused by a limit: `limit` is `"rpm"`, `"tpm"`,
    /// `"concurrency"`, `"min_interval"` or `"budget"`; `scope` is `"key"` or `"model"`.
    pub fn limit_hit(&self, limit: &'static str, scope: &'static str) {
        self.limit_hits
            .get_or_create(&LimitLabels { limit, scope })
            .inc();
    }

    /// Every family with something recorded, in the Prometheus text format 0.0.4: the
    /// body of a `GET /metrics` answer, sent with [`CONTENT_TYPE`].
    pub fn render(&self) -> String {
        exposition::to_prometheus_text(&self.encode(false))
    }

    /// The same as [`Metrics::render`] in the OpenMetrics 1.0 text format (ending with
    /// `# EOF`), sent with [`OPENMETRICS_CONTENT_TYPE`]: for a scraper whose `Accept`
    /// header asks for `application/openmetrics-text`.
    pub fn render_openmetrics(&self) -> String {
        self.encode(true)
    }

    /// The registry as OpenMetrics text, with the `# EOF` line when `eof` is true.
    fn encode(&self, eof: bool) -> String {
        let mut text = String::with_capacity(16 * 1024);
        let encoded = if eof {
            encode(&mut text, &self.registry)
        } else {
            encode_registry(&mut text, &self.registry)
        };
        // Writing to a `String` cannot fail, and the encoder fails only for native-only
        // histograms, which we never register; should that change, serve what was written.
        if encoded.is_err() {
            tracing::error!("encoding the metrics registry failed; the scrape is partial");
        }
        text
    }
}
