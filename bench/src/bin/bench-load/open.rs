//! `open`: requests at a fixed rate, each latency measured from its scheduled send time.
//!
//! A pacing thread sleeps until each scheduled instant (the OS timer, finer than tokio's
//! millisecond wheel) and hands the instant to the runtime, which sends the request at
//! once, whatever else is in flight. Latency runs from the scheduled instant to the last
//! byte of the answer: when the system falls behind, requests queue and their wait counts,
//! which a closed loop would hide (coordinated omission).
//!
//! Prints `rate`, `requests`, `errors`, `elapsed_s`, `achieved_rps` and `latency_*_us`.

use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use tokio::task::{JoinError, JoinSet};

use crate::client::{Error, Target};
use crate::closed::exchange;
use crate::report::{Latencies, Report};

/// What one request task ends with: its latency from the scheduled time, or an error.
type Outcome = Result<Result<Duration, Error>, JoinError>;

/// Sends `rate` requests per second to `target` for `duration`, then waits for the answers.
pub async fn run(target: Target, rate: f64, duration: Duration) -> Report {
    let rate = if rate.is_finite() && rate > 0.0 {
        rate
    } else {
        1.0
    };
    let interval = Duration::from_secs_f64(1.0 / rate);
    let count = (duration.as_secs_f64() * rate).floor() as u64;
    // Open the pool's first connection before the clock starts.
    let _ = exchange(&target).await;
    let (tx, mut rx) = mpsc::unbounded_channel::<Instant>();
    let started = Instant::now();
    let pacer = std::thread::spawn(move || {
        for n in 0..count {
            let due = started + interval.mul_f64(n as f64);
            if let Some(wait) = due.checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
            if tx.send(due).is_err() {
                break;
            }
        }
    });
    let mut latencies = Latencies::new();
    let mut errors = 0u64;
    let mut record = |outcome: Outcome| match outcome {
        Ok(Ok(latency)) => latencies.record(latency),
        _ => errors += 1,
    };
    let mut in_flight = JoinSet::new();
    while let Some(due) = rx.recv().await {
        let target = target.clone();
        in_flight.spawn(async move { exchange(&target).await.map(|()| due.elapsed()) });
        // Collect what has finished, so the set stays small.
        while let Some(done) = in_flight.try_join_next() {
            record(done);
        }
    }
    while let Some(done) = in_flight.join_next().await {
        record(done);
    }
    let elapsed = started.elapsed().as_secs_f64();
    let _ = pacer.join();
    let mut report = Report::default();
    report.put("rate", rate);
    report.put("requests", latencies.len() as f64);
    report.put("errors", errors as f64);
    report.put("elapsed_s", elapsed);
    report.put("achieved_rps", latencies.len() as f64 / elapsed);
    latencies.report("latency", &mut report);
    report
}
