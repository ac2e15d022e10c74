//! Canonical chunks as a Responses event stream: the core state machine does the
//! translation; this drives it from the encoder and stores the final response before the
//! terminal event goes out, so the next request can already refer to it.

use std::sync::Arc;

use async_trait::async_trait;
use bytes::BytesMut;
use serde_json::value::RawValue;
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
    pub(super) async fn save(self, response: &ResponseObject, json: Box<RawValue>) {
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
        match serde_json::value::to_raw_value(response) {
            Ok(json) => {
                for event in events {
                    event.write_sse_with_response(json.get(), out);
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
                    event.write_sse_with_response(&json, out);
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
