//! [`MemoryCounters`]: the in-process [`LimitCounters`], exact on one instance.
//!
//! Each scope's state sits behind its own small mutex, found through a read-mostly map, so
//! requests in different scopes never wait on each other and a scope's limits are checked
//! and taken atomically.
//!
//! Persistence (see [`super::persist`]): admit and charge set a `dirty` mark in the
//! scope's state (under the lock they already hold); [`MemoryCounters::export_dirty`]
//! returns those scopes as JSON and clears the marks, and [`MemoryCounters::import`]
//! puts a saved scope back, crediting the wall time since it was saved. The JSON is
//!
//! ```json
//! {"requests": {"level": 1.0, "capacity": 2.0},
//!  "tokens": {"level": -300.0, "capacity": 600.0},
//!  "last_admitted_ms": 1700000000000}
//! ```
//!
//! with each part left out when the scope has none. Requests in flight are not saved: they
//! died with the process. A restored bucket keeps the capacity it was saved with until the
//! next admit or charge, which rescales it to the limit then in force (see
//! [`super::bucket`]): changing `rpm` from 2 to 60 across a restart turns "both requests of
//! this minute used" into "all 60 used", refilling over the same minute (one a second).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use switchboard_state::UnixMillis;
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
    /// Changed since the last [`MemoryCounters::export_dirty`].
    dirty: bool,
}

/// A saved scope: the JSON shape of the module docs.
#[derive(Debug, Default, Serialize, Deserialize)]
struct SavedScope {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    requests: Option<SavedBucket>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tokens: Option<SavedBucket>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last_admitted_ms: Option<UnixMillis>,
}

/// A saved bucket.
#[derive(Debug, Serialize, Deserialize)]
struct SavedBucket {
    level: f64,
    capacity: f64,
}

impl SavedBucket {
    fn of(bucket: &Bucket) -> Self {
        Self {
            level: bucket.level(),
            capacity: bucket.capacity(),
        }
    }

    /// The bucket as of `now`, with `elapsed` refilled; `None` when the numbers make no
    /// bucket.
    fn restore(&self, elapsed: Duration, now: Instant) -> Option<Bucket> {
        let mut bucket = Bucket::restored(self.capacity, self.level, now)?;
        bucket.credit(elapsed);
        Some(bucket)
    }
}

/// Why [`MemoryCounters::import`] refused a saved state (the scope is then left as it was).
#[derive(Debug, thiserror::Error)]
pub enum CounterStateError {
    /// The JSON is not the shape the module docs describe.
    #[error("saved limit counters are not in the expected shape: {0}")]
    Shape(#[from] serde_json::Error),
    /// A bucket's capacity is not positive, or a number is not finite.
    #[error("saved `{0}` bucket has a capacity that is not positive or a level out of range")]
    Bucket(&'static str),
}

/// The bucket in `slot` for a limit of `per_minute`: made full if there is none, refilled
/// to `now`, and rescaled if it was made under another limit.
fn bucket_for(slot: &mut Option<Bucket>, per_minute: f64, now: Instant) -> &mut Bucket {
    let bucket = slot.get_or_insert_with(|| Bucket::per_minute(per_minute, now));
    bucket.refill(now);
    if bucket.capacity() != per_minute {
        bucket.rescale(per_minute);
    }
    bucket
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

    /// Every scope's state handle, taken under the map's read lock and released before any
    /// scope is locked.
    fn all(&self) -> Vec<(Arc<str>, Arc<Mutex<ScopeState>>)> {
        self.scopes
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .map(|(scope, state)| (scope.clone(), state.clone()))
            .collect()
    }

    /// Called by the saver: the scopes changed since the last call, each as
    /// `(scope, state JSON)` with its buckets refilled to `now` (whose wall-clock time is
    /// `wall_now_ms`, the time to save them under). Clears their marks; empty when nothing
    /// changed.
    pub fn export_dirty(&self, wall_now_ms: UnixMillis, now: Instant) -> Vec<(String, Value)> {
        let mut out = Vec::new();
        for (scope, state) in self.all() {
            let saved = {
                let mut state = state.lock().unwrap_or_else(|e| e.into_inner());
                if !state.dirty {
                    continue;
                }
                state.dirty = false;
                state.snapshot(wall_now_ms, now)
            };
            match serde_json::to_value(&saved) {
                Ok(json) => out.push((scope.to_string(), json)),
                // Unreachable with numbers and options only; the scope is simply not saved.
                Err(error) => tracing::warn!(%scope, %error, "limit counters not exported"),
            }
        }
        out
    }

    /// Marks `scope` changed, so the next [`MemoryCounters::export_dirty`] returns it again
    /// (after a failed save).
    pub fn mark_dirty(&self, scope: &str) {
        self.with_state(scope, |state| state.dirty = true);
    }

    /// Called at start, before serving: restores `scope` from `state`, saved at
    /// `saved_at_ms`, crediting the wall time from then to `wall_now_ms` (which is `now`).
    /// Replaces the scope's buckets and last admission; an error leaves the scope as it was.
    pub fn import(
        &self,
        scope: &str,
        state: &Value,
        saved_at_ms: UnixMillis,
        wall_now_ms: UnixMillis,
        now: Instant,
    ) -> Result<(), CounterStateError> {
        let saved = SavedScope::deserialize(state)?;
        // A save from the future (a clock set back) credits nothing.
        let elapsed = millis(wall_now_ms.saturating_sub(saved_at_ms));
        let restore = |bucket: &Option<SavedBucket>, which| {
            bucket
                .as_ref()
                .map(|b| {
                    b.restore(elapsed, now)
                        .ok_or(CounterStateError::Bucket(which))
                })
                .transpose()
        };
        let requests = restore(&saved.requests, "requests")?;
        let tokens = restore(&saved.tokens, "tokens")?;
        let last_admitted = saved
            .last_admitted_ms
            .and_then(|at| now.checked_sub(millis(wall_now_ms.saturating_sub(at))));
        self.with_state(scope, |state| {
            state.requests = requests;
            state.tokens = tokens;
            state.last_admitted = last_admitted;
        });
        Ok(())
    }
}

/// `ms` milliseconds as a duration; zero when negative.
fn millis(ms: i64) -> Duration {
    Duration::from_millis(u64::try_from(ms).unwrap_or(0))
}

impl ScopeState {
    /// The state to save, as of `now` (wall clock `wall_now_ms`).
    fn snapshot(&mut self, wall_now_ms: UnixMillis, now: Instant) -> SavedScope {
        let mut saved = SavedScope::default();
        if let Some(bucket) = &mut self.requests {
            bucket.refill(now);
            saved.requests = Some(SavedBucket::of(bucket));
        }
        if let Some(bucket) = &mut self.tokens {
            bucket.refill(now);
            saved.tokens = Some(SavedBucket::of(bucket));
        }
        saved.last_admitted_ms = self.last_admitted.map(|last| {
            let ago = now.saturating_duration_since(last).as_millis();
            wall_now_ms.saturating_sub(i64::try_from(ago).unwrap_or(i64::MAX))
        });
        saved
    }
}

impl LimitCounters for MemoryCounters {
    fn admit(&self, scope: &str, limits: &Limits, now: Instant) -> Result<(), Refusal> {
        self.with_state(scope, |state| {
            // Look at every limit first; take from them only if all admit.
            if let Some(rpm) = limits.rpm {
                let bucket = bucket_for(&mut state.requests, f64::from(rpm), now);
                let wait = bucket.wait_for(1.0);
                if !wait.is_zero() {
                    return Err(Refusal {
                        kind: LimitKind::Rpm,
                        retry_after: wait,
                    });
                }
            }
            if let Some(tpm) = limits.tpm {
                let bucket = bucket_for(&mut state.tokens, tpm as f64, now);
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
            if limits.rpm.is_some()
                && let Some(bucket) = &mut state.requests
            {
                bucket.take(1.0);
                state.dirty = true;
            }
            if limits.concurrency.is_some() {
                state.in_flight += 1;
            }
            if limits.min_interval.is_some() {
                state.last_admitted = Some(now);
                state.dirty = true;
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
            bucket_for(&mut state.tokens, tpm as f64, now).take(tokens as f64);
            state.dirty = true;
        });
    }
}
