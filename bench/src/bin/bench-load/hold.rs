//! `hold`: N streams opened at once, each read to its end.
//!
//! Used with a slow stream (a long delay per chunk) so that all N are open together while
//! `cargo xtask bench` watches the gateway's memory. Prints `streams` (asked for),
//! `opened` (had their first byte), `ended_ok`, `errors`, `all_open_ms` (from the start
//! until the last first byte; 0 when not all opened) and `elapsed_s`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::task::JoinSet;

use crate::client::Target;
use crate::report::{Latencies, Report};
use crate::stream::read_one;

/// Opens `streams` streams against `target` at once; gives up on those still open after
/// `timeout`.
pub async fn run(target: Target, streams: usize, timeout: Duration) -> Report {
    let started = Instant::now();
    let opened = Arc::new(AtomicU64::new(0));
    let last_open_us = Arc::new(AtomicU64::new(0));
    let mut readers = JoinSet::new();
    for _ in 0..streams {
        let target = target.clone();
        let opened = Arc::clone(&opened);
        let last_open_us = Arc::clone(&last_open_us);
        readers.spawn(async move {
            let mut gaps = Latencies::new();
            let first_byte = || {
                opened.fetch_add(1, Ordering::Relaxed);
                let at = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
                last_open_us.fetch_max(at, Ordering::Relaxed);
            };
            read_one(&target, &mut gaps, first_byte).await
        });
    }
    let mut ended_ok = 0u64;
    let mut errors = 0u64;
    let _ = tokio::time::timeout(timeout, async {
        while let Some(joined) = readers.join_next().await {
            match joined {
                Ok(Ok(read)) => ended_ok += u64::from(read.ended_ok),
                _ => errors += 1,
            }
        }
    })
    .await;
    let elapsed = started.elapsed().as_secs_f64();
    let opened = opened.load(Ordering::Relaxed);
    let all_open_ms = if opened == streams as u64 {
        last_open_us.load(Ordering::Relaxed) as f64 / 1000.0
    } else {
        0.0
    };
    let mut report = Report::default();
    report.put("streams", streams as f64);
    report.put("opened", opened as f64);
    report.put("ended_ok", ended_ok as f64);
    report.put("errors", errors as f64);
    report.put("all_open_ms", all_open_ms);
    report.put("elapsed_s", elapsed);
    report
}
