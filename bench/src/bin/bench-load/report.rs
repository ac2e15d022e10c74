//! Results: latency histograms in microseconds, and the flat JSON object that is printed.

use std::time::Duration;

use hdrhistogram::Histogram;

/// A latency histogram in microseconds, 1 µs to 10 minutes, three significant digits.
pub struct Latencies(Histogram<u64>);

impl Latencies {
    /// An empty histogram.
    #[allow(
        clippy::expect_used,
        reason = "constant bounds that hdrhistogram accepts: low >= 1, high >= 2 * low, sigfig <= 5"
    )]
    pub fn new() -> Self {
        Self(
            Histogram::new_with_bounds(1, 600_000_000, 3)
                .expect("1 us ..= 10 min at 3 significant digits are valid bounds"),
        )
    }

    /// Records one duration (clamped to the histogram's range).
    pub fn record(&mut self, duration: Duration) {
        let micros = u64::try_from(duration.as_micros()).unwrap_or(u64::MAX);
        self.0.saturating_record(micros.max(1));
    }

    /// Adds every value of `other`.
    pub fn merge(&mut self, other: &Latencies) {
        // Same bounds on both sides; on the impossible failure the values are dropped.
        let _ = self.0.add(&other.0);
    }

    /// How many values were recorded.
    pub fn len(&self) -> u64 {
        self.0.len()
    }

    /// Appends `{prefix}_p50_us`, `_p90_us`, `_p99_us`, `_p999_us`, `_max_us` and
    /// `_mean_us` to `report` (all zero when empty).
    pub fn report(&self, prefix: &str, report: &mut Report) {
        let empty = self.0.is_empty();
        for (name, q) in [("p50", 0.5), ("p90", 0.9), ("p99", 0.99), ("p999", 0.999)] {
            let value = if empty {
                0
            } else {
                self.0.value_at_quantile(q)
            };
            report.put(&format!("{prefix}_{name}_us"), value as f64);
        }
        report.put(&format!("{prefix}_max_us"), self.0.max() as f64);
        let mean = if empty { 0.0 } else { self.0.mean() };
        report.put(&format!("{prefix}_mean_us"), mean);
    }
}

/// Named numbers, printed as one flat JSON object in the order they were put.
#[derive(Default)]
pub struct Report(Vec<(String, f64)>);

impl Report {
    /// Adds `name` = `value`.
    pub fn put(&mut self, name: &str, value: f64) {
        self.0.push((name.to_owned(), value));
    }

    /// `{"name":value,...}`; non-finite values are written as 0.
    pub fn to_json(&self) -> String {
        let fields: Vec<String> = self
            .0
            .iter()
            .map(|(name, value)| {
                let value = if value.is_finite() { *value } else { 0.0 };
                format!("\"{name}\":{value}")
            })
            .collect();
        format!("{{{}}}", fields.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_come_out_in_microseconds() {
        let mut latencies = Latencies::new();
        for us in 1..=1000 {
            latencies.record(Duration::from_micros(us));
        }
        let mut report = Report::default();
        latencies.report("lat", &mut report);
        let json = report.to_json();
        assert!(json.starts_with("{\"lat_p50_us\":500,"), "{json}");
        assert!(json.contains("\"lat_p99_us\":990,"), "{json}");
        assert!(json.contains("\"lat_max_us\":1000,"), "{json}");
    }

    #[test]
    fn an_empty_histogram_reports_zeros() {
        let mut report = Report::default();
        Latencies::new().report("x", &mut report);
        report.put("nan", f64::NAN);
        assert!(report.to_json().contains("\"x_p50_us\":0,"));
        assert!(report.to_json().ends_with("\"nan\":0}"));
    }
}
