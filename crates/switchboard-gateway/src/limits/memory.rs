//! [`MemoryCounters`]: the in-process [`LimitCounters`], exact on one instance.
//!
//! Each scope's state sits behind its own small mutex, found through a read-mostly map, so
//! requests in different scopes never wait on each other and a scope's limits are checked
//! and taken atomically.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use tokio::time::Instant;

use super::bucket::Bucket;
use super::{LimitCounters, LimitKind, Limits, Refusal};

/// Counters in this process's memory.
#[derive(Default)]
pub struct MemoryCounters {
    scopes: RwLock<HashMap<Arc<str>, Arc<Mutex<ScopeState>>>>,
}

/// One scope's counters.
#[derive(Debug, Default)]
struct ScopeState {
    requests: Option<Bucket>,
    tokens: Option<Bucket>,
    in_flight: u32,
    last_admitted: Option<Instant>,
}

impl MemoryCounters {
    /// Empty counters.
    pub fn new() -> Self {
        Self::default()
    }

    fn state(&self, scope: &str) -> Arc<Mutex<ScopeState>> {
        if let Some(state) = self
            .scopes
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(scope)
        {
            return state.clone();
        }
        self.scopes
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .entry(scope.into())
            .or_default()
            .clone()
    }

    fn with_state<T>(&self, scope: &str, f: impl FnOnce(&mut ScopeState) -> T) -> T {
        let state = self.state(scope);
        let mut guard = state.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut guard)
    }
}

impl LimitCounters for MemoryCounters {
    fn admit(&self, scope: &str, limits: &Limits, now: Instant) -> Result<(), Refusal> {
        self.with_state(scope, |state| {
            // Look at every limit first; take from them only if all admit.
            if let Some(rpm) = limits.rpm {
                let bucket = state
                    .requests
                    .get_or_insert_with(|| Bucket::per_minute(f64::from(rpm), now));
                bucket.refill(now);
                let wait = bucket.wait_for(1.0);
                if !wait.is_zero() {
                    return Err(Refusal {
                        kind: LimitKind::Rpm,
                        retry_after: wait,
                    });
                }
            }
            if let Some(tpm) = limits.tpm {
                let bucket = state
                    .tokens
                    .get_or_insert_with(|| Bucket::per_minute(tpm as f64, now));
                bucket.refill(now);
                if !bucket.has_budget() {
                    return Err(Refusal {
                        kind: LimitKind::Tpm,
                        retry_after: bucket.wait_for(1.0),
                    });
                }
            }
            if let Some(max) = limits.concurrency
                && state.in_flight >= max
            {
                return Err(Refusal {
                    kind: LimitKind::Concurrency,
                    // Unknown: when one of the requests in flight ends.
                    retry_after: Duration::from_secs(1),
                });
            }
            if let (Some(interval), Some(last)) = (limits.min_interval, state.last_admitted) {
                let since = now.saturating_duration_since(last);
                if since < interval {
                    return Err(Refusal {
                        kind: LimitKind::MinInterval,
                        retry_after: interval - since,
                    });
                }
            }
            if let Some(bucket) = &mut state.requests {
                bucket.take(1.0);
            }
            if limits.concurrency.is_some() {
                state.in_flight += 1;
            }
            if limits.min_interval.is_some() {
                state.last_admitted = Some(now);
            }
            Ok(())
        })
    }

    fn release(&self, scope: &str, _limits: &Limits) {
        self.with_state(scope, |state| {
            state.in_flight = state.in_flight.saturating_sub(1);
        });
    }

    fn charge(&self, scope: &str, limits: &Limits, tokens: u64, now: Instant) {
        let Some(tpm) = limits.tpm else { return };
        self.with_state(scope, |state| {
            let bucket = state
                .tokens
                .get_or_insert_with(|| Bucket::per_minute(tpm as f64, now));
            bucket.refill(now);
            bucket.take(tokens as f64);
        });
    }
}
