//! The incremental SSE codec (`switchboard_core::sse`) on a recorded api.openai.com stream.

#![allow(
    clippy::expect_used,
    reason = "a benchmark whose setup fails is a bug to see at once, as in a test"
)]

use bytes::Bytes;
use divan::counter::BytesCount;
use divan::{Bencher, black_box};
use switchboard_bench::fixtures::{OPENAI_STREAM, pieces};
use switchboard_core::sse::{SseDecoder, SseFramer};

fn main() {
    divan::main();
}

/// How the body is cut before it is pushed.
const CUTS: [&str; 3] = ["whole", "per event", "64-byte pieces"];

/// The recorded stream cut as `cut` says.
fn cut(cut: &str) -> Vec<Bytes> {
    match cut {
        "whole" => vec![Bytes::from_static(OPENAI_STREAM)],
        "per event" => pieces(OPENAI_STREAM, b"\n\n"),
        _ => OPENAI_STREAM
            .chunks(64)
            .map(Bytes::copy_from_slice)
            .collect(),
    }
}

/// `SseDecoder`: bytes in, parsed events out (the canonical path's decoder).
#[divan::bench(args = CUTS)]
fn decoder(bencher: Bencher, how: &str) {
    let input = cut(how);
    bencher
        .counter(BytesCount::of_slice(OPENAI_STREAM))
        .bench(|| {
            let mut decoder = SseDecoder::new();
            let mut events = 0usize;
            for piece in black_box(&input) {
                decoder.push(piece);
                while let Some(event) = decoder.next_event().expect("a valid stream") {
                    black_box(event);
                    events += 1;
                }
            }
            while let Some(event) = decoder.finish().expect("a valid stream") {
                black_box(event);
                events += 1;
            }
            events
        });
}

/// `SseFramer` alone: raw frames out, not parsed (the same-shape relay's framer).
#[divan::bench(args = CUTS)]
fn framer(bencher: Bencher, how: &str) {
    let input = cut(how);
    bencher
        .counter(BytesCount::of_slice(OPENAI_STREAM))
        .bench(|| {
            let mut framer = SseFramer::new();
            let mut frames = 0usize;
            for piece in black_box(&input) {
                framer.push(piece);
                while let Some(frame) = framer.next_frame().expect("a valid stream") {
                    black_box(frame);
                    frames += 1;
                }
            }
            frames
        });
}
