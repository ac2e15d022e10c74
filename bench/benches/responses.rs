//! Chat chunks → Responses stream events: `switchboard_core::responses::ResponseStream`
//! (`push` per chunk, then `finish`), alone and with each event written as SSE.

#![allow(
    clippy::expect_used,
    reason = "a benchmark whose setup fails is a bug to see at once, as in a test"
)]

use bytes::BytesMut;
use divan::counter::ItemsCount;
use divan::{Bencher, black_box};
use switchboard_bench::fixtures::{DEEPSEEK_CHUNKS, OPENAI_STREAM, sse_data, sse_from_lines};
use switchboard_core::chat::ChatChunk;
use switchboard_core::responses::{ResponseEcho, ResponseStream, ResponseStreamEvent, ToolNames};

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
