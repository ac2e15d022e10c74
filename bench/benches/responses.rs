//! The Responses translation's own work (`switchboard_core::responses`): chat chunks →
//! stream events (`ResponseStream`: `push` per chunk, then `finish`), alone and with each
//! event written as SSE; and the steps of a non-streaming translated request, as the
//! gateway runs them: the request parsed, translated and written as a chat request, the
//! chat answer folded into a `Response` and written.

#![allow(
    clippy::expect_used,
    reason = "a benchmark whose setup fails is a bug to see at once, as in a test"
)]

use bytes::BytesMut;
use divan::counter::{BytesCount, ItemsCount};
use divan::{Bencher, black_box};
use switchboard_bench::fixtures::{
    CHAT_RESPONSE, DEEPSEEK_CHUNKS, OPENAI_STREAM, RESPONSES_REQUEST, sse_data, sse_from_lines,
};
use switchboard_core::chat::{ChatChunk, ChatResponse};
use switchboard_core::responses::{
    CreateResponse, ResponseEcho, ResponseStream, ResponseStreamEvent, ToolNames, TranslateOptions,
    fold_chat, to_chat,
};

fn main() {
    divan::main();
}

/// The recorded streams: OpenAI text (50 chunks), DeepSeek reasoning then a tool call.
const STREAMS: [&str; 2] = ["openai text", "deepseek reasoning + tool call"];

/// The chunks of the named recording.
fn chunks(name: &str) -> Vec<ChatChunk> {
    let body = match name {
        "openai text" => OPENAI_STREAM.to_vec(),
        _ => sse_from_lines(DEEPSEEK_CHUNKS),
    };
    sse_data(&body)
        .into_iter()
        .map(|data| serde_json::from_slice(data).expect("a chat chunk"))
        .collect()
}

/// A fresh machine, as the gateway makes one per request.
fn machine() -> ResponseStream {
    ResponseStream::new(
        "resp_0123456789abcdef0123456789abcdef".to_owned(),
        1_795_278_769,
        ResponseEcho::for_model("gpt-4o-mini"),
        ToolNames::default(),
    )
}

/// The state machine alone: events built, not written (per chunk: divide by the count).
#[divan::bench(args = STREAMS)]
fn events(bencher: Bencher, name: &str) {
    let chunks = chunks(name);
    bencher.counter(ItemsCount::new(chunks.len())).bench(|| {
        let mut stream = machine();
        let mut events = stream.start().len();
        for chunk in black_box(&chunks) {
            events += black_box(stream.push(chunk)).len();
        }
        events + black_box(stream.finish(1_795_278_770)).len()
    });
}

/// The machine and each event written as an SSE frame, as the gateway sends them.
#[divan::bench(args = STREAMS)]
fn events_as_sse(bencher: Bencher, name: &str) {
    let chunks = chunks(name);
    bencher.counter(ItemsCount::new(chunks.len())).bench(|| {
        let mut stream = machine();
        let mut out = BytesMut::new();
        let mut write = |events: Vec<ResponseStreamEvent>| {
            for event in events {
                event.write_sse(&mut out);
            }
        };
        write(stream.start());
        for chunk in black_box(&chunks) {
            write(stream.push(chunk));
        }
        write(stream.finish(1_795_278_770));
        out.len()
    });
}

/// `CreateResponse` from the 2 KiB request, as the gateway reads it (one UTF-8 check of
/// the body, then a parse from text).
#[divan::bench]
fn request_parse(bencher: Bencher) {
    bencher
        .counter(BytesCount::of_slice(RESPONSES_REQUEST))
        .bench(|| {
            let text = std::str::from_utf8(black_box(RESPONSES_REQUEST)).expect("UTF-8");
            serde_json::from_str::<CreateResponse>(text).expect("a Responses request")
        });
}

/// The parsed request translated to a chat request, and that written as JSON (what goes
/// upstream).
#[divan::bench]
fn request_to_chat(bencher: Bencher) {
    let request = parsed_request();
    let options = TranslateOptions::default();
    bencher.bench(|| {
        let translation =
            to_chat(black_box(&request), &[], &|_| None, &options).expect("it translates");
        serde_json::to_vec(&translation.request).expect("a chat request serialises")
    });
}

/// A recorded api.openai.com chat answer folded into a `Response` (echoing the request
/// above), and the `Response` written as the JSON the client gets.
#[divan::bench]
fn response_fold_and_write(bencher: Bencher) {
    let request = parsed_request();
    let answer: ChatResponse = serde_json::from_slice(CHAT_RESPONSE).expect("a chat answer");
    bencher.bench(|| {
        let stream = ResponseStream::new(
            "resp_0123456789abcdef0123456789abcdef".to_owned(),
            1_795_278_769,
            request.echo(),
            ToolNames::default(),
        );
        let response = fold_chat(stream, black_box(&answer), 1_795_278_770);
        serde_json::value::to_raw_value(&response).expect("a response serialises")
    });
}

/// The benchmark request, parsed.
fn parsed_request() -> CreateResponse {
    serde_json::from_slice(RESPONSES_REQUEST).expect("a Responses request")
}
