//! Canonical chunks as a Responses event stream: the core state machine does the
//! translation; this drives it from the encoder and stores the final response before the
//! terminal event goes out, so the next request can already refer to it.

use std::sync::Arc;

use async_trait::async_trait;
use bytes::BytesMut;
use switchboard_core::GatewayError;
use switchboard_core::chat::ChatChunk;
use switchboard_core::responses::{
    Response as ResponseObject, ResponseStream, ResponseStreamEvent,
};

use super::now;
use crate::encoder::Shaper;
use crate::store::{ResponseStore, StoredInput, stored_response};

/// Where and what to store once the response is over (`store: true`).
pub(super) struct StoreTarget {
    pub(super) store: Arc<dyn ResponseStore>,
    pub(super) previous_response_id: Option<String>,
    pub(super) input: StoredInput,
}

impl StoreTarget {
    /// Stores the finished `response`, whose JSON is `json`. A failed write is logged,
    /// not fatal to the client's answer (which is already on its way).
    pub(super) async fn save(self, response: &ResponseObject, json: Arc<str>) {
        let record = stored_response(response, json, self.previous_response_id, self.input);
        if let Err(e) = self.store.put(record).await {
            tracing::warn!(response_id = %response.id, error = %e, "could not store the response");
        }
    }
}

/// Drives a [`ResponseStream`] from the encoder.
pub(super) struct ResponsesShaper {
    stream: ResponseStream,
    target: Option<StoreTarget>,
}

impl ResponsesShaper {
    pub(super) fn new(stream: ResponseStream, target: Option<StoreTarget>) -> Self {
        Self { stream, target }
    }

    /// Writes `events` (the last ones: the terminal event among them) and stores the
    /// final response if asked to. The response is serialised once, for the store, and the
    /// terminal event splices that text in. `out` goes to the client only after this
    /// returns, so the response is stored before the terminal event leaves.
    async fn save_and_write(&mut self, events: Vec<ResponseStreamEvent>, out: &mut BytesMut) {
        let Some(target) = self.target.take() else {
            return write(events, out);
        };
        let response = self.stream.response();
        match crate::json_text::encode::<_, Arc<str>>(response) {
            Ok(json) => {
                for event in events {
                    // Only the terminal event carries the final response (a stream that
                    // never started would also have `created` here, with no output).
                    if is_terminal(&event) {
                        event.write_sse_with_response(&json, out);
                    } else {
                        event.write_sse(out);
                    }
                }
                target.save(response, json).await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "could not encode the response to store it");
                write(events, out);
            }
        }
    }
}

/// `response.completed`, `.incomplete` or `.failed`.
fn is_terminal(event: &ResponseStreamEvent) -> bool {
    matches!(
        event,
        ResponseStreamEvent::Completed(_)
            | ResponseStreamEvent::Incomplete(_)
            | ResponseStreamEvent::Failed(_)
    )
}

fn write(events: Vec<ResponseStreamEvent>, out: &mut BytesMut) {
    for event in events {
        event.write_sse(out);
    }
}

#[async_trait]
impl Shaper for ResponsesShaper {
    fn open(&mut self, out: &mut BytesMut) {
        let events = self.stream.start();
        // `created` and `in_progress` carry the same response (no output yet, the
        // request's echo): it is serialised once.
        let shared = match events.first() {
            Some(ResponseStreamEvent::Created(created)) => {
                serde_json::to_string(&created.response).ok()
            }
            _ => None,
        };
        match shared {
            Some(json) => {
                for event in events {
                    match event {
                        ResponseStreamEvent::Created(_) | ResponseStreamEvent::InProgress(_) => {
                            event.write_sse_with_response(&json, out);
                        }
                        other => other.write_sse(out),
                    }
                }
            }
            None => write(events, out),
        }
    }

    fn chunk(&mut self, chunk: ChatChunk, out: &mut BytesMut) {
        write(self.stream.push(&chunk), out);
    }

    async fn end(&mut self, out: &mut BytesMut) {
        let events = self.stream.finish(now());
        self.save_and_write(events, out).await;
    }

    async fn fail(&mut self, err: &GatewayError, out: &mut BytesMut) {
        let events = self.stream.fail(err, now());
        self.save_and_write(events, out).await;
    }

    fn heartbeat(&mut self, out: &mut BytesMut) -> bool {
        self.stream.heartbeat().write_sse(out);
        true
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};
    use switchboard_core::responses::{ResponseEcho, ToolNames};

    use super::*;
    use crate::store::{MemoryStore, StoreLimits, StoredInput};

    fn shaper(store: &Arc<MemoryStore>) -> ResponsesShaper {
        let stream = ResponseStream::new(
            "resp_0123456789abcdef0123456789abcdef".to_owned(),
            100,
            ResponseEcho::for_model("test-model"),
            ToolNames::default(),
        );
        let target = StoreTarget {
            store: store.clone(),
            previous_response_id: None,
            input: StoredInput {
                json: "[]".into(),
                ids: Vec::new(),
            },
        };
        ResponsesShaper::new(stream, Some(target))
    }

    /// Each frame's event name and data, parsed.
    fn frames(out: &[u8]) -> Vec<(String, Value)> {
        let text = std::str::from_utf8(out).expect("UTF-8");
        text.split_terminator("\n\n")
            .map(|frame| {
                let (event, data) = frame.split_once('\n').expect("two lines");
                let event = event.strip_prefix("event: ").expect("an event line");
                let data = data.strip_prefix("data: ").expect("a data line");
                let data: Value = serde_json::from_str(data).expect("JSON data");
                assert_eq!(data["type"], event);
                (event.to_owned(), data)
            })
            .collect()
    }

    #[tokio::test]
    async fn the_stored_response_is_the_terminal_event_s_and_created_has_no_output() {
        let store = Arc::new(MemoryStore::new(StoreLimits::default()));
        let mut shaper = shaper(&store);
        let mut out = BytesMut::new();
        shaper.open(&mut out);
        let chunk: ChatChunk = serde_json::from_value(
            json!({"choices": [{"index": 0, "delta": {"content": "Hi \"you\""}}]}),
        )
        .expect("a chunk");
        shaper.chunk(chunk, &mut out);
        shaper.end(&mut out).await;

        let frames = frames(&out);
        let (first, _) = &frames[0];
        assert_eq!(first, "response.created");
        for (event, data) in &frames[..2] {
            assert!(event == "response.created" || event == "response.in_progress");
            assert_eq!(data["response"]["status"], "in_progress");
            assert_eq!(data["response"]["output"], json!([]));
        }
        let (last, data) = frames.last().expect("frames");
        assert_eq!(last, "response.completed");
        assert_eq!(
            data["response"]["output"][0]["content"][0]["text"],
            "Hi \"you\""
        );
        let stored = store
            .get("resp_0123456789abcdef0123456789abcdef")
            .await
            .expect("the store answers")
            .expect("the response was stored");
        let stored: Value = serde_json::from_str(&stored.response).expect("JSON");
        assert_eq!(stored, data["response"]);
    }

    #[tokio::test]
    async fn a_stream_ended_before_it_opened_keeps_created_empty() {
        let store = Arc::new(MemoryStore::new(StoreLimits::default()));
        let mut shaper = shaper(&store);
        let mut out = BytesMut::new();
        shaper
            .fail(&GatewayError::bad_gateway("reset"), &mut out)
            .await;
        let frames = frames(&out);
        let names: Vec<&str> = frames.iter().map(|(event, _)| event.as_str()).collect();
        assert_eq!(
            names,
            [
                "response.created",
                "response.in_progress",
                "response.failed"
            ]
        );
        assert_eq!(frames[0].1["response"]["status"], "in_progress");
        assert_eq!(frames[2].1["response"]["status"], "failed");
    }
}
