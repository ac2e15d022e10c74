//! A token bucket refilled continuously: `capacity` tokens, refilled at `capacity` per
//! minute. Its level may go below zero when a charge comes after the fact (tokens used).

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
