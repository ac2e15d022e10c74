//! `closed`: C workers, each sending its next request as soon as its last one is answered.
//!
//! Prints `requests`, `errors`, `elapsed_s`, `rps` and `latency_*_us` (see
//! [`crate::report::Latencies::report`]).

use std::time::{Duration, Instant};

use http_body_util::BodyExt;
use tokio::task::JoinSet;

use crate::client::{Error, Target};
use crate::report::{Latencies, Report};

/// Runs `concurrency` workers against `target` for `duration`.
pub async fn run(target: Target, concurrency: usize, duration: Duration) -> Report {
    let started = Instant::now();
    let deadline = started + duration;
    let mut workers = JoinSet::new();
    for _ in 0..concurrency.max(1) {
        let target = target.clone();
        workers.spawn(async move {
            let mut latencies = Latencies::new();
            let mut errors = 0u64;
            while Instant::now() < deadline {
                let sent = Instant::now();
                match exchange(&target).await {
                    Ok(()) => latencies.record(sent.elapsed()),
                    Err(_) => errors += 1,
                }
            }
            (latencies, errors)
        });
    }
    let mut latencies = Latencies::new();
    let mut errors = 0;
    while let Some(joined) = workers.join_next().await {
        match joined {
            Ok((worker, worker_errors)) => {
                latencies.merge(&worker);
                errors += worker_errors;
            }
            Err(_) => errors += 1,
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let mut report = Report::default();
    report.put("requests", latencies.len() as f64);
    report.put("errors", errors as f64);
    report.put("elapsed_s", elapsed);
    report.put("rps", latencies.len() as f64 / elapsed);
    latencies.report("latency", &mut report);
    report
}

/// One request, its whole body read; an error unless the status is 200.
pub async fn exchange(target: &Target) -> Result<(), Error> {
    let response = target.send().await?;
    let status = response.status();
    response.into_body().collect().await?;
    if status.is_success() {
        Ok(())
    } else {
        Err(format!("status {status}").into())
    }
}
