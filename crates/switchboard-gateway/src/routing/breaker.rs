//! A deployment's circuit breaker: closed while it answers; open after `threshold`
//! consecutive failures, for `cooldown`; then half-open, letting one probe through, which
//! closes it on success or opens it again on failure. A deployment can also be cooled down
//! for a given time (an upstream's long `Retry-After`).
//!
//! The closed state, the common one, costs one atomic load per check and no lock.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::Duration;

use tokio::time::Instant;

/// A breaker's state, as metrics show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerState {
    /// Requests flow.
    Closed,
    /// The cooldown is over: one probe may go.
    HalfOpen,
    /// No requests until the cooldown is over.
    Open,
}

/// What the breaker says to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Go.
    Go,
    /// Go, as the half-open probe: its verdict decides the breaker.
    Probe,
    /// Not now; it may open again after this long.
    Wait(Duration),
}

/// One deployment's circuit breaker.
#[derive(Debug)]
pub struct Breaker {
    threshold: u32,
    cooldown: Duration,
    failures: AtomicU32,
    /// Open or half-open: the slow path (the lock) decides.
    tripped: AtomicBool,
    trip: Mutex<Trip>,
}

#[derive(Debug)]
struct Trip {
    until: Instant,
    probe_out: bool,
}

impl Breaker {
    /// A closed breaker opening after `threshold` consecutive failures, for `cooldown`.
    pub fn new(threshold: u32, cooldown: Duration) -> Self {
        Self {
            threshold: threshold.max(1),
            cooldown,
            failures: AtomicU32::new(0),
            tripped: AtomicBool::new(false),
            trip: Mutex::new(Trip {
                until: Instant::now(),
                probe_out: false,
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Trip> {
        // A panic while holding this lock cannot leave the two fields inconsistent.
        self.trip.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether a request could go now (without taking the probe).
    pub fn available(&self, now: Instant) -> bool {
        if !self.tripped.load(Ordering::Acquire) {
            return true;
        }
        let trip = self.lock();
        now >= trip.until && !trip.probe_out
    }

    /// Lets a request through, or not; a half-open breaker lets exactly one.
    pub fn admit(&self, now: Instant) -> Admission {
        if !self.tripped.load(Ordering::Acquire) {
            return Admission::Go;
        }
        let mut trip = self.lock();
        if now < trip.until {
            return Admission::Wait(trip.until - now);
        }
        if trip.probe_out {
            return Admission::Wait(Duration::ZERO);
        }
        trip.probe_out = true;
        Admission::Probe
    }

    /// The deployment answered (any answer that is not its own failure).
    pub fn success(&self) {
        if self.failures.load(Ordering::Relaxed) != 0 {
            self.failures.store(0, Ordering::Relaxed);
        }
        if self.tripped.load(Ordering::Acquire) {
            let mut trip = self.lock();
            trip.probe_out = false;
            self.tripped.store(false, Ordering::Release);
        }
    }

    /// The deployment failed; returns true when this failure opened the breaker.
    pub fn failure(&self, now: Instant) -> bool {
        if self.tripped.load(Ordering::Acquire) {
            let mut trip = self.lock();
            if trip.probe_out {
                // The probe failed: open again for another cooldown.
                trip.probe_out = false;
                trip.until = trip.until.max(now + self.cooldown);
            }
            return false;
        }
        let failures = self.failures.fetch_add(1, Ordering::Relaxed) + 1;
        if failures >= self.threshold {
            self.open_for(now, self.cooldown);
            return true;
        }
        false
    }

    /// Opens the breaker for `wait` (an upstream said not to come back sooner).
    pub fn open_for(&self, now: Instant, wait: Duration) {
        let mut trip = self.lock();
        let until = now + wait;
        if !self.tripped.load(Ordering::Acquire) || until > trip.until {
            trip.until = until;
        }
        trip.probe_out = false;
        self.failures.store(0, Ordering::Relaxed);
        self.tripped.store(true, Ordering::Release);
    }

    /// A probe that ended without a verdict (the client left): someone else may probe.
    pub fn release_probe(&self) {
        if self.tripped.load(Ordering::Acquire) {
            self.lock().probe_out = false;
        }
    }

    /// How long until a request could go (zero when it could now).
    pub fn retry_in(&self, now: Instant) -> Duration {
        if !self.tripped.load(Ordering::Acquire) {
            return Duration::ZERO;
        }
        self.lock().until.saturating_duration_since(now)
    }

    /// The state now.
    pub fn state(&self, now: Instant) -> BreakerState {
        if !self.tripped.load(Ordering::Acquire) {
            return BreakerState::Closed;
        }
        if now < self.lock().until {
            BreakerState::Open
        } else {
            BreakerState::HalfOpen
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_after_the_threshold_and_lets_one_probe_through_after_the_cooldown() {
        let b = Breaker::new(3, Duration::from_secs(10));
        let t0 = Instant::now();
        assert!(!b.failure(t0));
        assert!(!b.failure(t0));
        assert_eq!(b.state(t0), BreakerState::Closed);
        assert!(b.failure(t0));
        assert_eq!(b.state(t0), BreakerState::Open);
        assert!(!b.available(t0 + Duration::from_secs(9)));
        assert_eq!(
            b.admit(t0 + Duration::from_secs(4)),
            Admission::Wait(Duration::from_secs(6))
        );
        let later = t0 + Duration::from_secs(10);
        assert_eq!(b.state(later), BreakerState::HalfOpen);
        assert!(b.available(later));
        assert_eq!(b.admit(later), Admission::Probe);
        assert!(!b.available(later), "one probe at a time");
        assert_eq!(b.admit(later), Admission::Wait(Duration::ZERO));
        b.success();
        assert_eq!(b.state(later), BreakerState::Closed);
        assert_eq!(b.admit(later), Admission::Go);
    }

    #[test]
    fn a_failed_probe_opens_it_again_and_a_success_resets_the_count() {
        let b = Breaker::new(2, Duration::from_secs(5));
        let t0 = Instant::now();
        b.failure(t0);
        b.success();
        assert!(!b.failure(t0), "the count restarted after a success");
        assert!(b.failure(t0));
        let t1 = t0 + Duration::from_secs(5);
        assert_eq!(b.admit(t1), Admission::Probe);
        b.failure(t1);
        assert_eq!(b.state(t1), BreakerState::Open);
        assert_eq!(b.state(t1 + Duration::from_secs(5)), BreakerState::HalfOpen);
    }

    #[test]
    fn a_released_probe_lets_another_through() {
        let b = Breaker::new(1, Duration::from_secs(1));
        let t0 = Instant::now();
        b.failure(t0);
        let t1 = t0 + Duration::from_secs(1);
        assert_eq!(b.admit(t1), Admission::Probe);
        b.release_probe();
        assert_eq!(b.admit(t1), Admission::Probe);
    }

    #[test]
    fn open_for_cools_a_closed_breaker_down_for_the_given_time() {
        let b = Breaker::new(5, Duration::from_secs(30));
        let t0 = Instant::now();
        b.open_for(t0, Duration::from_secs(2));
        assert_eq!(b.state(t0 + Duration::from_secs(1)), BreakerState::Open);
        assert_eq!(b.state(t0 + Duration::from_secs(2)), BreakerState::HalfOpen);
    }
}
