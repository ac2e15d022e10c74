//! The canonical path's JSON work: a whole `ChatRequest`, `ChatResponse` and stream
//! `ChatChunk` parsed and serialised (`switchboard_core::chat`).

#![allow(
    clippy::expect_used,
    reason = "a benchmark whose setup fails is a bug to see at once, as in a test"
)]

use divan::counter::{BytesCount, ItemsCount};
use divan::{Bencher, black_box};
use switchboard_bench::fixtures::{CHAT_REQUEST, CHAT_RESPONSE, OPENAI_STREAM, sse_data};
use switchboard_core::chat::{ChatChunk, ChatRequest, ChatResponse};

fn main() {
    divan::main();
}

/// The recorded answer as an upstream sends it: compact JSON.
fn compact_response() -> Vec<u8> {
    let value: serde_json::Value =
        serde_json::from_slice(CHAT_RESPONSE).expect("the fixture is JSON");
    serde_json::to_vec(&value).expect("a JSON value serialises")
}

/// `ChatRequest` from the 2.7 KiB request.
#[divan::bench]
fn request_parse(bencher: Bencher) {
    bencher
        .counter(BytesCount::of_slice(CHAT_REQUEST))
        .bench(|| serde_json::from_slice::<ChatRequest>(black_box(CHAT_REQUEST)));
}

/// The parsed request back to JSON.
#[divan::bench]
fn request_serialize(bencher: Bencher) {
    let request: ChatRequest = serde_json::from_slice(CHAT_REQUEST).expect("a chat request");
    bencher.bench(|| serde_json::to_vec(black_box(&request)));
}

/// Parse and serialise, as the canonical path does with a request it forwards.
#[divan::bench]
fn request_roundtrip(bencher: Bencher) {
    bencher
        .counter(BytesCount::of_slice(CHAT_REQUEST))
        .bench(|| {
            let request: ChatRequest =
                serde_json::from_slice(black_box(CHAT_REQUEST)).expect("a chat request");
            serde_json::to_vec(&request)
        });
}

/// `ChatResponse` from a recorded api.openai.com answer.
#[divan::bench]
fn response_parse(bencher: Bencher) {
    let body = compact_response();
    bencher
        .counter(BytesCount::of_slice(&body))
        .bench(|| serde_json::from_slice::<ChatResponse>(black_box(&body)));
}

/// Parse and serialise the answer.
#[divan::bench]
fn response_roundtrip(bencher: Bencher) {
    let body = compact_response();
    bencher.counter(BytesCount::of_slice(&body)).bench(|| {
        let response: ChatResponse =
            serde_json::from_slice(black_box(&body)).expect("a chat response");
        serde_json::to_vec(&response)
    });
}

/// Every chunk of a recorded 50-chunk stream parsed and serialised (per chunk: divide by
/// the item count).
#[divan::bench]
fn chunks_roundtrip(bencher: Bencher) {
    let chunks = sse_data(OPENAI_STREAM);
    bencher.counter(ItemsCount::new(chunks.len())).bench(|| {
        for data in black_box(&chunks) {
            let chunk: ChatChunk = serde_json::from_slice(data).expect("a chat chunk");
            black_box(serde_json::to_vec(&chunk).expect("a chunk serialises"));
        }
    });
}

/// Every chunk of the same stream parsed only: what an adapter does per upstream chunk.
#[divan::bench]
fn chunks_parse(bencher: Bencher) {
    let chunks = sse_data(OPENAI_STREAM);
    bencher.counter(ItemsCount::new(chunks.len())).bench(|| {
        for data in black_box(&chunks) {
            let chunk: ChatChunk = serde_json::from_slice(data).expect("a chat chunk");
            black_box(chunk);
        }
    });
}
