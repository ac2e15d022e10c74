//! The request peek: the first look the gateway takes at every `POST` body, and the splice
//! of the same-shape path (`switchboard_core::ChatPeek`).

#![allow(
    clippy::expect_used,
    reason = "a benchmark whose setup fails is a bug to see at once, as in a test"
)]

use bytes::Bytes;
use divan::counter::BytesCount;
use divan::{Bencher, black_box};
use switchboard_bench::fixtures::CHAT_REQUEST;
use switchboard_core::ChatPeek;

fn main() {
    divan::main();
}

/// `ChatPeek::parse` of a 2.7 KiB streaming chat request with tools.
#[divan::bench]
fn parse(bencher: Bencher) {
    bencher
        .counter(BytesCount::of_slice(CHAT_REQUEST))
        .bench(|| ChatPeek::parse(black_box(CHAT_REQUEST)));
}

/// `ChatPeek::rewrite` with a new model and `include_usage` forced on: two splices, one copy.
#[divan::bench]
fn rewrite_model_and_usage(bencher: Bencher) {
    let body = Bytes::from_static(CHAT_REQUEST);
    let peek = ChatPeek::parse(&body).expect("the fixture is a chat request");
    bencher
        .counter(BytesCount::of_slice(CHAT_REQUEST))
        .bench(|| peek.rewrite(black_box(&body), "gpt-4o-mini-2024-07-18", true));
}

/// `ChatPeek::rewrite` when nothing changes (same model, no usage edit): no copy.
#[divan::bench]
fn rewrite_unchanged(bencher: Bencher) {
    let body = Bytes::from_static(CHAT_REQUEST);
    let peek = ChatPeek::parse(&body).expect("the fixture is a chat request");
    bencher.bench(|| peek.rewrite(black_box(&body), "gpt-4o-mini", false));
}

/// Both, as the same-shape path runs them for each request.
#[divan::bench]
fn parse_and_rewrite(bencher: Bencher) {
    let body = Bytes::from_static(CHAT_REQUEST);
    bencher
        .counter(BytesCount::of_slice(CHAT_REQUEST))
        .bench(|| {
            let peek = ChatPeek::parse(black_box(&body)).expect("a chat request");
            peek.rewrite(&body, "gpt-4o-mini-2024-07-18", true)
        });
}
