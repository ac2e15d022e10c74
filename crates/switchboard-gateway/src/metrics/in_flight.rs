//! The guard that keeps a request counted in `switchboard_in_flight_requests`.

use prometheus_client::metrics::gauge::Gauge;

/// A request counted as in flight: [`Metrics::in_flight`](super::Metrics::in_flight)
/// raised the gauge by one, and dropping this guard lowers it again. Hold it for as long
/// as the request runs (for a stream, inside the response body).
#[derive(Debug)]
#[must_use = "the request stops counting as in flight as soon as this guard is dropped"]
pub struct InFlight {
    gauge: Gauge,
}

impl InFlight {
    /// Raises `gauge` by one until the returned guard is dropped.
    pub(super) fn enter(gauge: Gauge) -> Self {
        gauge.inc();
        Self { gauge }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.gauge.dec();
    }
}
