//! `stream`: C workers reading streams back to back.
//!
//! Prints `streams`, `ended_ok`, `errors`, `elapsed_s`, `streams_per_s`, `ttfb_*_us` (send
//! to the first body byte), `gap_*_us` (between body chunks as they arrive) and
//! `total_*_us` (send to the end of the stream).

use std::time::{Duration, Instant};

use http_body_util::BodyExt;
use tokio::task::JoinSet;

use crate::client::{Error, Target};
use crate::report::{Latencies, Report};

/// What a stream's last events may be: chat's `[DONE]`, or a terminal Responses event.
const TERMINAL_MARKERS: [&[u8]; 4] = [
    b"data: [DONE]",
    b"event: response.completed",
    b"event: response.incomplete",
    b"event: response.failed",
];

/// The longest marker, less one: how much of a chunk's end is kept for the next one.
const CARRY: usize = 25;

/// How one stream went.
pub struct Read {
    /// From the send to the first body byte; `None` when none came.
    pub ttfb: Option<Duration>,
    /// From the send to the end of the body.
    pub total: Duration,
    /// Whether the status was 200 and a terminal marker arrived.
    pub ended_ok: bool,
}

/// Sends one streaming request and reads it to its end, recording the gaps between body
/// chunks in `gaps`. `on_first_byte` runs once, when the first body byte arrives.
pub async fn read_one(
    target: &Target,
    gaps: &mut Latencies,
    on_first_byte: impl FnOnce(),
) -> Result<Read, Error> {
    let sent = Instant::now();
    let response = target.send().await?;
    let ok_status = response.status().is_success();
    let mut body = response.into_body();
    let mut ttfb = None;
    let mut last = sent;
    let mut on_first_byte = Some(on_first_byte);
    let mut tail: Vec<u8> = Vec::with_capacity(2 * CARRY);
    let mut marker = false;
    while let Some(frame) = body.frame().await {
        let Ok(data) = frame?.into_data() else {
            continue;
        };
        if data.is_empty() {
            continue;
        }
        let now = Instant::now();
        match ttfb {
            None => {
                ttfb = Some(now - sent);
                if let Some(f) = on_first_byte.take() {
                    f();
                }
            }
            Some(_) => gaps.record(now - last),
        }
        last = now;
        // Look for a marker in this chunk, and across its border with the one before.
        tail.extend_from_slice(&data[..data.len().min(CARRY)]);
        marker |= contains_marker(&tail) || contains_marker(&data);
        tail.clear();
        tail.extend_from_slice(&data[data.len().saturating_sub(CARRY)..]);
    }
    Ok(Read {
        ttfb,
        total: sent.elapsed(),
        ended_ok: ok_status && marker,
    })
}

/// Whether `bytes` holds one of the [`TERMINAL_MARKERS`].
fn contains_marker(bytes: &[u8]) -> bool {
    TERMINAL_MARKERS
        .iter()
        .any(|marker| bytes.windows(marker.len()).any(|w| w == *marker))
}

/// Runs `concurrency` stream readers against `target` for `duration`.
pub async fn run(target: Target, concurrency: usize, duration: Duration) -> Report {
    let started = Instant::now();
    let deadline = started + duration;
    let mut workers = JoinSet::new();
    for _ in 0..concurrency.max(1) {
        let target = target.clone();
        workers.spawn(async move {
            let mut stats = Stats::default();
            while Instant::now() < deadline {
                match read_one(&target, &mut stats.gaps, || {}).await {
                    Ok(read) => stats.add(&read),
                    Err(_) => stats.errors += 1,
                }
            }
            stats
        });
    }
    let mut stats = Stats::default();
    while let Some(joined) = workers.join_next().await {
        match joined {
            Ok(worker) => stats.merge(&worker),
            Err(_) => stats.errors += 1,
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let mut report = Report::default();
    report.put("streams", stats.streams as f64);
    report.put("ended_ok", stats.ended_ok as f64);
    report.put("errors", stats.errors as f64);
    report.put("elapsed_s", elapsed);
    report.put("streams_per_s", stats.streams as f64 / elapsed);
    stats.ttfb.report("ttfb", &mut report);
    stats.gaps.report("gap", &mut report);
    stats.total.report("total", &mut report);
    report
}

/// What a set of streams measured.
pub struct Stats {
    /// Streams read to their end (whatever their ending).
    pub streams: u64,
    /// Of those, how many had status 200 and a terminal marker.
    pub ended_ok: u64,
    /// Requests that failed (connection error, or the body broke off).
    pub errors: u64,
    /// Time to first byte.
    pub ttfb: Latencies,
    /// Gaps between body chunks.
    pub gaps: Latencies,
    /// Whole stream durations.
    pub total: Latencies,
}

impl Default for Stats {
    fn default() -> Self {
        Self {
            streams: 0,
            ended_ok: 0,
            errors: 0,
            ttfb: Latencies::new(),
            gaps: Latencies::new(),
            total: Latencies::new(),
        }
    }
}

impl Stats {
    /// Counts one stream that was read to its end.
    pub fn add(&mut self, read: &Read) {
        self.streams += 1;
        self.ended_ok += u64::from(read.ended_ok);
        if let Some(ttfb) = read.ttfb {
            self.ttfb.record(ttfb);
        }
        self.total.record(read.total);
    }

    /// Adds another set's counts and histograms.
    pub fn merge(&mut self, other: &Stats) {
        self.streams += other.streams;
        self.ended_ok += other.ended_ok;
        self.errors += other.errors;
        self.ttfb.merge(&other.ttfb);
        self.gaps.merge(&other.gaps);
        self.total.merge(&other.total);
    }
}

#[cfg(test)]
mod tests {
    use super::contains_marker;

    #[test]
    fn finds_chat_and_responses_endings() {
        assert!(contains_marker(b"data: {}\n\ndata: [DONE]\n\n"));
        assert!(contains_marker(
            b"event: response.completed\ndata: {\"type\":\"response.completed\"}"
        ));
        assert!(!contains_marker(b"data: {\"content\":\"[DONE\"}\n\n"));
        assert!(!contains_marker(b"event: response.output_text.delta\n"));
    }
}
