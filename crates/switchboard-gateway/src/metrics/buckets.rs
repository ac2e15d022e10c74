//! Histogram bucket bounds, in seconds, chosen for LLM traffic: answers take from tens of
//! milliseconds (a cached or tiny completion) to minutes (long reasoning), while the
//! gateway's own overhead lives in microseconds.

/// `switchboard_request_duration_seconds`: 50 ms up to 10 minutes.
pub(super) const REQUEST_DURATION: &[f64] = &[
    0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0, 600.0,
];

/// `switchboard_time_to_first_token_seconds`: 25 ms up to 2 minutes, finest below 2 s
/// where most interactive streams start.
pub(super) const TIME_TO_FIRST_TOKEN: &[f64] = &[
    0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 7.5, 10.0, 15.0, 30.0, 60.0,
    120.0,
];

/// `switchboard_inter_token_seconds`: 1 ms up to 5 s between two streamed pieces; most
/// gaps are 5–100 ms, long ones are stalls.
pub(super) const INTER_TOKEN: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.2, 0.5, 1.0, 2.5, 5.0,
];

/// `switchboard_overhead_seconds`: 10 µs up to 100 ms, the gateway's own share of a
/// request (parsing, routing, translation).
pub(super) const OVERHEAD: &[f64] = &[
    0.000_01, 0.000_025, 0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025,
    0.05, 0.1,
];
