//! [`Deployment`]: one place a model is served (a provider and an upstream model id), with
//! the health the balancer reads: requests in flight, a peak-EWMA of time to first byte,
//! and a circuit breaker. [`AttemptGuard`] counts one request against it until dropped.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

use tokio::time::Instant;

use super::Provider;
use super::breaker::{Admission, Breaker};

/// How fast the latency average forgets: the weight of an old sample halves every
/// `DECAY * ln 2` (about 7 s).
const DECAY: Duration = Duration::from_secs(10);

/// One deployment of a model.
pub struct Deployment {
    /// `provider/upstream-model` (or the provider alone for a prefix route): a bounded label.
    pub label: Arc<str>,
    /// The provider serving it.
    pub provider: Arc<Provider>,
    /// The upstream model id; `None` on a prefix route (the rest of the name is the id).
    pub upstream: Option<Arc<str>>,
    /// Share of traffic within its priority.
    pub weight: u32,
    /// Lower is preferred.
    pub priority: u32,
    /// Its health.
    pub health: Health,
}

/// What the balancer knows about a deployment.
#[derive(Debug)]
pub struct Health {
    in_flight: AtomicU32,
    /// Peak-EWMA of time to first byte, in nanoseconds, as f64 bits (0 = never measured).
    ewma_bits: AtomicU64,
    /// When the average was last updated, as nanoseconds since `epoch`.
    stamp: AtomicU64,
    epoch: Instant,
    /// The circuit breaker.
    pub breaker: Breaker,
}

impl Health {
    /// A healthy deployment with no history.
    pub fn new(breaker: Breaker) -> Self {
        Self {
            in_flight: AtomicU32::new(0),
            ewma_bits: AtomicU64::new(0),
            stamp: AtomicU64::new(0),
            epoch: Instant::now(),
            breaker,
        }
    }

    /// Requests in flight now.
    pub fn in_flight(&self) -> u32 {
        self.in_flight.load(Ordering::Relaxed)
    }

    /// The latency average, in seconds (0 before the first sample).
    pub fn latency(&self) -> f64 {
        f64::from_bits(self.ewma_bits.load(Ordering::Relaxed)) / 1e9
    }

    /// The peak-EWMA cost: latency × (requests in flight + 1). Unmeasured deployments cost
    /// nothing, so they are tried and measured.
    pub fn cost(&self) -> f64 {
        self.latency() * f64::from(self.in_flight() + 1)
    }

    /// Feeds one time-to-first-byte sample. A sample above the average replaces it (the
    /// "peak"); below, it is blended in with a weight that grows with the time since the
    /// last sample. Concurrent updates may lose one sample: fine for balancing.
    pub fn observe(&self, latency: Duration, now: Instant) {
        let sample = latency.as_nanos() as f64;
        let now_ns =
            u64::try_from(now.saturating_duration_since(self.epoch).as_nanos()).unwrap_or(u64::MAX);
        let last_ns = self.stamp.swap(now_ns, Ordering::Relaxed);
        let old = f64::from_bits(self.ewma_bits.load(Ordering::Relaxed));
        let next = if old == 0.0 || sample > old {
            sample
        } else {
            let elapsed = now_ns.saturating_sub(last_ns) as f64;
            let keep = (-elapsed / DECAY.as_nanos() as f64).exp();
            old * keep + sample * (1.0 - keep)
        };
        self.ewma_bits.store(next.to_bits(), Ordering::Relaxed);
    }
}

impl Deployment {
    /// Starts one attempt on this deployment if its breaker lets it.
    pub fn start(self: &Arc<Self>, now: Instant) -> Result<AttemptGuard, Duration> {
        let probe = match self.health.breaker.admit(now) {
            Admission::Go => false,
            Admission::Probe => true,
            Admission::Wait(wait) => return Err(wait),
        };
        self.health.in_flight.fetch_add(1, Ordering::Relaxed);
        Ok(AttemptGuard {
            deployment: self.clone(),
            started: now,
            probe,
            verdict: false,
        })
    }
}

impl Deployment {
    /// Starts an attempt whatever the breaker says (the last resort when every deployment
    /// is cooling down).
    pub fn start_anyway(self: &Arc<Self>, now: Instant) -> AttemptGuard {
        self.health.in_flight.fetch_add(1, Ordering::Relaxed);
        AttemptGuard {
            deployment: self.clone(),
            started: now,
            probe: false,
            verdict: false,
        }
    }
}

/// One request counted against a deployment until dropped. Its verdict (success or
/// failure) feeds the breaker and the latency average; a guard dropped without one (the
/// client went away) only gives back a probe it held.
pub struct AttemptGuard {
    deployment: Arc<Deployment>,
    started: Instant,
    probe: bool,
    verdict: bool,
}

impl AttemptGuard {
    /// The deployment this attempt went to.
    pub fn deployment(&self) -> &Arc<Deployment> {
        &self.deployment
    }

    /// The upstream answered (committed a response, or refused the request itself):
    /// records the time since the attempt started.
    pub fn succeeded(&mut self, now: Instant) {
        if !self.verdict {
            self.verdict = true;
            let health = &self.deployment.health;
            health.observe(now.saturating_duration_since(self.started), now);
            health.breaker.success();
        }
    }

    /// The upstream failed (before or after commit); true when this opened the breaker.
    pub fn failed(&mut self, now: Instant) -> bool {
        self.verdict = true;
        self.deployment.health.breaker.failure(now)
    }

    /// The upstream asked not to come back for `wait`: cools the deployment down.
    pub fn cool_down(&mut self, now: Instant, wait: Duration) {
        self.verdict = true;
        self.deployment.health.breaker.open_for(now, wait);
    }
}

impl Drop for AttemptGuard {
    fn drop(&mut self) {
        let health = &self.deployment.health;
        health.in_flight.fetch_sub(1, Ordering::Relaxed);
        if self.probe && !self.verdict {
            health.breaker.release_probe();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peak_ewma_jumps_up_at_once_and_decays_down_with_time() {
        let h = Health::new(Breaker::new(1, Duration::from_secs(1)));
        let t0 = Instant::now();
        h.observe(Duration::from_millis(100), t0);
        assert!((h.latency() - 0.1).abs() < 1e-9);
        h.observe(Duration::from_millis(500), t0 + Duration::from_millis(1));
        assert!(
            (h.latency() - 0.5).abs() < 1e-9,
            "a peak replaces the average"
        );
        // A fast sample shortly after moves the average a little; long after, almost fully.
        h.observe(Duration::from_millis(100), t0 + Duration::from_millis(101));
        let soon = h.latency();
        assert!(soon > 0.49 && soon < 0.5, "{soon}");
        h.observe(Duration::from_millis(100), t0 + Duration::from_secs(60));
        assert!(h.latency() < 0.11, "{}", h.latency());
    }
}
