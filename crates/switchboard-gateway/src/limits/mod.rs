//! Limits an operator sets, per model and per gateway key: requests per minute, tokens per
//! minute, requests in flight, and a minimum interval between requests.
//!
//! [`LimitSet`] is one scope's limits (`model:gpt-4o`, `key:team-a`) over a
//! [`LimitCounters`] backend. [`MemoryCounters`], the default, keeps token buckets in this
//! process: exact on one instance. A shared backend (for several replicas) implements the
//! same trait.
//!
//! [`MemoryCounters`] survive a restart through the state database: [`restore`] at start,
//! [`spawn_saver`] while serving, [`CounterSaver::flush`] at shutdown (module `persist`).

mod bucket;
mod memory;
mod persist;

use std::sync::Arc;
use std::time::Duration;

use http::StatusCode;
use switchboard_core::{ErrorClass, Fault, GatewayError};
use tokio::time::Instant;

pub use memory::{CounterStateError, MemoryCounters};
pub use persist::{CounterSaver, MIN_SAVE_INTERVAL, RESTORE_WINDOW, restore, spawn_saver};

use crate::config::{LimitsConfig, secs};

/// One scope's limits. A `None` is no limit.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Limits {
    /// Requests per minute.
    pub rpm: Option<u32>,
    /// Tokens per minute, charged when a request ends.
    pub tpm: Option<u64>,
    /// Requests in flight at once.
    pub concurrency: Option<u32>,
    /// Time that must pass between two admitted requests.
    pub min_interval: Option<Duration>,
}

impl From<&LimitsConfig> for Limits {
    fn from(config: &LimitsConfig) -> Self {
        Self {
            rpm: config.rpm,
            tpm: config.tpm,
            concurrency: config.concurrency,
            min_interval: config.min_interval.map(secs),
        }
    }
}

/// Which limit refused a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitKind {
    /// Requests per minute.
    Rpm,
    /// Tokens per minute.
    Tpm,
    /// Requests in flight.
    Concurrency,
    /// The minimum interval.
    MinInterval,
}

impl LimitKind {
    /// A short label (`rpm`, `tpm`, `concurrency`, `min_interval`) for metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            LimitKind::Rpm => "rpm",
            LimitKind::Tpm => "tpm",
            LimitKind::Concurrency => "concurrency",
            LimitKind::MinInterval => "min_interval",
        }
    }

    fn describe(self) -> &'static str {
        match self {
            LimitKind::Rpm => "requests per minute (RPM)",
            LimitKind::Tpm => "tokens per minute (TPM)",
            LimitKind::Concurrency => "concurrent requests",
            LimitKind::MinInterval => "the minimum interval between requests",
        }
    }
}

/// A refusal: which limit, its value, and when to come back.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Refusal {
    /// The limit that refused.
    pub kind: LimitKind,
    /// How long until it would admit the request.
    pub retry_after: Duration,
}

/// Where limit counters live.
pub trait LimitCounters: Send + Sync + 'static {
    /// Admits one request in `scope` under `limits` (taking a request token, a concurrency
    /// slot and the interval together, or none of them), or says which limit refused.
    fn admit(&self, scope: &str, limits: &Limits, now: Instant) -> Result<(), Refusal>;
    /// Gives back the concurrency slot of an admitted request.
    fn release(&self, scope: &str, limits: &Limits);
    /// Charges the tokens a finished request used against the TPM budget.
    fn charge(&self, scope: &str, limits: &Limits, tokens: u64, now: Instant);
}

/// Which kind of scope a limit set covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeKind {
    /// One model, all clients together.
    Model,
    /// One gateway key.
    Key,
}

impl ScopeKind {
    /// `model` or `key`, for metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            ScopeKind::Model => "model",
            ScopeKind::Key => "key",
        }
    }
}

/// One scope's limits over a counters backend.
#[derive(Clone)]
pub struct LimitSet {
    kind: ScopeKind,
    /// `model:NAME` or `key:NAME`: the counters' key.
    scope: Arc<str>,
    /// The model or key name, for messages.
    name: Arc<str>,
    limits: Limits,
    counters: Arc<dyn LimitCounters>,
}

impl std::fmt::Debug for LimitSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LimitSet")
            .field("scope", &self.scope)
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

impl LimitSet {
    /// The limits of model or key `name`; `None` when `limits` sets nothing.
    pub fn new(
        kind: ScopeKind,
        name: &str,
        limits: Limits,
        counters: Arc<dyn LimitCounters>,
    ) -> Option<Self> {
        (limits != Limits::default()).then(|| Self {
            kind,
            scope: format!("{}:{name}", kind.as_str()).into(),
            name: name.into(),
            limits,
            counters,
        })
    }

    /// Which kind of scope this is.
    pub fn kind(&self) -> ScopeKind {
        self.kind
    }

    /// Admits a request, or a 429 naming the limit, with `Retry-After`.
    pub fn admit(&self, now: Instant) -> Result<LimitPermit, (LimitKind, GatewayError)> {
        match self.counters.admit(&self.scope, &self.limits, now) {
            Ok(()) => Ok(LimitPermit { set: self.clone() }),
            Err(refusal) => Err((refusal.kind, self.refusal_error(refusal))),
        }
    }

    fn refusal_error(&self, refusal: Refusal) -> GatewayError {
        let value = match refusal.kind {
            LimitKind::Rpm => self.limits.rpm.map(u64::from),
            LimitKind::Tpm => self.limits.tpm,
            LimitKind::Concurrency => self.limits.concurrency.map(u64::from),
            LimitKind::MinInterval => None,
        };
        let limit = match (refusal.kind, value) {
            (LimitKind::MinInterval, _) => format!(
                "{} s",
                self.limits.min_interval.unwrap_or_default().as_secs_f64()
            ),
            (_, Some(v)) => v.to_string(),
            (_, None) => "?".to_owned(),
        };
        // Whole seconds for the header, rounded up (never 0 for a real wait).
        let wait = refusal.retry_after.as_secs_f64().ceil().max(1.0);
        let whose = match self.kind {
            ScopeKind::Model => format!("model `{}`", self.name),
            ScopeKind::Key => format!("gateway key `{}`", self.name),
        };
        let kind = if refusal.kind == LimitKind::Tpm {
            "tokens"
        } else {
            "requests"
        };
        GatewayError::new(
            StatusCode::TOO_MANY_REQUESTS,
            kind,
            format!(
                "Rate limit reached for {whose} on {}: Limit {limit}. Please try again in {wait}s.",
                refusal.kind.describe()
            ),
            Fault::Client,
        )
        .with_code("rate_limit_exceeded")
        .with_retry_after(Duration::from_secs_f64(wait))
        .with_class(ErrorClass::Policy)
    }
}

/// An admitted request's hold on a limit set: gives back its concurrency slot when
/// dropped; [`LimitPermit::charge`] bills its tokens.
pub struct LimitPermit {
    set: LimitSet,
}

impl LimitPermit {
    /// Whether this is a model's or a key's permit.
    pub fn kind(&self) -> ScopeKind {
        self.set.kind
    }

    /// Charges the tokens the request used.
    pub fn charge(&self, tokens: u64, now: Instant) {
        if self.set.limits.tpm.is_some() && tokens > 0 {
            self.set
                .counters
                .charge(&self.set.scope, &self.set.limits, tokens, now);
        }
    }
}

impl Drop for LimitPermit {
    fn drop(&mut self) {
        if self.set.limits.concurrency.is_some() {
            self.set.counters.release(&self.set.scope, &self.set.limits);
        }
    }
}

#[cfg(test)]
mod tests;
