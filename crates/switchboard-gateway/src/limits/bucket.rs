//! A token bucket refilled continuously: `capacity` tokens, refilled at `capacity` per
//! minute. Its level may go below zero when a charge comes after the fact (tokens used).
//!
//! When the limit in force differs from the capacity a bucket was made with (a bucket
//! restored from before a restart, or a limit changed since), [`Bucket::rescale`] keeps the
//! same fraction of the budget: a full bucket stays full, an empty one empty, and the time
//! to refill (or to pay off a debt) stays what it was.

use std::time::Duration;

use tokio::time::Instant;

/// One bucket.
#[derive(Debug, Clone)]
pub(crate) struct Bucket {
    capacity: f64,
    level: f64,
    at: Instant,
}

impl Bucket {
    /// A full bucket of `per_minute` tokens.
    pub(crate) fn per_minute(per_minute: f64, now: Instant) -> Self {
        Self {
            capacity: per_minute,
            level: per_minute,
            at: now,
        }
    }

    /// A bucket restored from a saved `level` out of `capacity`, as of `now`; `None` unless
    /// the capacity is positive and both are finite. A level above the capacity is cut to it.
    pub(crate) fn restored(capacity: f64, level: f64, now: Instant) -> Option<Self> {
        (capacity.is_finite() && capacity > 0.0 && level.is_finite()).then(|| Self {
            capacity,
            level: level.min(capacity),
            at: now,
        })
    }

    /// The capacity (tokens per minute) it was made with.
    pub(crate) fn capacity(&self) -> f64 {
        self.capacity
    }

    /// The level at the last refill.
    pub(crate) fn level(&self) -> f64 {
        self.level
    }

    /// Adds what `elapsed` refills (time that passed while nobody was looking, such as a
    /// restart).
    pub(crate) fn credit(&mut self, elapsed: Duration) {
        self.level = (self.level + elapsed.as_secs_f64() * self.rate()).min(self.capacity);
    }

    /// Changes the capacity to `capacity`, keeping the same fraction of the budget (see the
    /// module docs). Refill first, so the time before counts at the old rate.
    pub(crate) fn rescale(&mut self, capacity: f64) {
        if capacity > 0.0 && self.capacity > 0.0 {
            self.level = self.level / self.capacity * capacity;
        } else {
            self.level = capacity;
        }
        self.capacity = capacity;
    }

    fn rate(&self) -> f64 {
        self.capacity / 60.0
    }

    /// Refills for the time since the last look.
    pub(crate) fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        self.level = (self.level + elapsed * self.rate()).min(self.capacity);
        self.at = self.at.max(now);
    }

    /// How long until the level reaches `needed` (zero if it already has).
    pub(crate) fn wait_for(&self, needed: f64) -> Duration {
        if self.level >= needed || self.rate() <= 0.0 {
            return Duration::ZERO;
        }
        Duration::from_secs_f64((needed - self.level) / self.rate())
    }

    /// Takes `amount`, even below zero.
    pub(crate) fn take(&mut self, amount: f64) {
        self.level -= amount;
    }

    /// Whether the level is positive (some budget left).
    pub(crate) fn has_budget(&self) -> bool {
        self.level > 0.0
    }
}
