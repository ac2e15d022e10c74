//! ConverseStream events → chat chunks, by way of the Anthropic events they stand for.
//!
//! | Converse event | Anthropic event |
//! |---|---|
//! | `messageStart` | `message_start` (id and model from the adapter) |
//! | `contentBlockStart` `toolUse` | `content_block_start` `tool_use` |
//! | `contentBlockDelta` `text` / `toolUse.input` / `reasoningContent.text`, `.signature` | `text_delta` / `input_json_delta` / `thinking_delta`, `signature_delta` (a `thinking` block start first) |
//! | `contentBlockDelta` `reasoningContent.redactedContent` | `content_block_start` `redacted_thinking` |
//! | `contentBlockStop` | `content_block_stop` |
//! | `messageStop` + `metadata` (either order) | `message_delta` (stop reason, usage) + `message_stop` |

use std::collections::HashSet;

use serde_json::{Value, json};
use switchboard_anthropic::EventDecoder;
use switchboard_core::GatewayError;
use switchboard_core::chat::ChatChunk;

/// One stream's translation state.
#[derive(Debug)]
pub struct ConverseEvents {
    decoder: EventDecoder,
    id: String,
    model: String,
    started: HashSet<u64>,
    stop_reason: Option<String>,
    usage: Option<Value>,
    stopped: bool,
}

impl ConverseEvents {
    /// A translator whose chunks carry `id`, `model` and `created`.
    pub fn new(id: &str, model: &str, created: i64) -> Self {
        Self {
            decoder: EventDecoder::new(created),
            id: id.to_owned(),
            model: model.to_owned(),
            started: HashSet::new(),
            stop_reason: None,
            usage: None,
            stopped: false,
        }
    }

    /// True once the message is over (stop reason and usage both seen).
    pub fn is_done(&self) -> bool {
        self.decoder.is_done()
    }

    /// Translates one event (`:event-type` and its JSON payload).
    pub fn decode(
        &mut self,
        event_type: &str,
        payload: &[u8],
    ) -> Result<Vec<ChatChunk>, GatewayError> {
        let event: Value = serde_json::from_slice(payload.trim_ascii()).map_err(|e| {
            GatewayError::bad_gateway(format!("the upstream sent an event we cannot read: {e}"))
        })?;
        let index = event
            .get("contentBlockIndex")
            .and_then(Value::as_u64)
            .unwrap_or(0);
        let mut events = Vec::new();
        match event_type {
            "messageStart" => events.push(json!({"type": "message_start", "message": {
                "id": self.id, "model": self.model, "role": "assistant", "usage": {}}})),
            "contentBlockStart" => {
                if let Some(tool) = event.pointer("/start/toolUse") {
                    self.started.insert(index);
                    events.push(json!({"type": "content_block_start", "index": index,
                        "content_block": {"type": "tool_use", "id": tool["toolUseId"],
                            "name": tool["name"], "input": {}}}));
                }
            }
            "contentBlockDelta" => self.delta(index, &event["delta"], &mut events),
            "contentBlockStop" => {
                self.started.remove(&index);
                events.push(json!({"type": "content_block_stop", "index": index}));
            }
            "messageStop" => {
                let reason = event
                    .get("stopReason")
                    .and_then(Value::as_str)
                    .unwrap_or("end_turn");
                self.stop_reason = Some(super::stop_reason(reason).to_owned());
                self.stopped = true;
            }
            "metadata" => self.usage = Some(event.get("usage").cloned().unwrap_or(Value::Null)),
            _ => {}
        }
        if self.stopped && self.usage.is_some() {
            events.extend(self.end());
        }
        self.feed(&events)
    }

    /// At the end of the body: the last chunks when `messageStop` came without `metadata`,
    /// or an error when the stream was cut before `messageStop`.
    pub fn finish(&mut self) -> Result<Vec<ChatChunk>, GatewayError> {
        if self.decoder.is_done() {
            return Ok(Vec::new());
        }
        let events = if self.stopped { self.end() } else { Vec::new() };
        let mut out = self.feed(&events)?;
        out.extend(self.decoder.finish()?);
        Ok(out)
    }

    fn end(&mut self) -> Vec<Value> {
        let usage = super::response::usage(self.usage.as_ref());
        vec![
            json!({"type": "message_delta", "delta": {"stop_reason": self.stop_reason}, "usage": usage}),
            json!({"type": "message_stop"}),
        ]
    }

    fn delta(&mut self, index: u64, delta: &Value, events: &mut Vec<Value>) {
        if let Some(text) = delta.get("text").and_then(Value::as_str) {
            events.push(json!({"type": "content_block_delta", "index": index,
                "delta": {"type": "text_delta", "text": text}}));
        } else if let Some(input) = delta.pointer("/toolUse/input").and_then(Value::as_str) {
            events.push(json!({"type": "content_block_delta", "index": index,
                "delta": {"type": "input_json_delta", "partial_json": input}}));
        } else if let Some(reasoning) = delta.get("reasoningContent") {
            if let Some(data) = reasoning.get("redactedContent").and_then(Value::as_str) {
                self.started.insert(index);
                events.push(json!({"type": "content_block_start", "index": index,
                    "content_block": {"type": "redacted_thinking", "data": data}}));
                return;
            }
            if self.started.insert(index) {
                events.push(json!({"type": "content_block_start", "index": index,
                    "content_block": {"type": "thinking", "thinking": "", "signature": ""}}));
            }
            if let Some(text) = reasoning.get("text").and_then(Value::as_str) {
                events.push(json!({"type": "content_block_delta", "index": index,
                    "delta": {"type": "thinking_delta", "thinking": text}}));
            }
            if let Some(sig) = reasoning.get("signature").and_then(Value::as_str) {
                events.push(json!({"type": "content_block_delta", "index": index,
                    "delta": {"type": "signature_delta", "signature": sig}}));
            }
        }
    }

    fn feed(&mut self, events: &[Value]) -> Result<Vec<ChatChunk>, GatewayError> {
        let mut out = Vec::new();
        for event in events {
            out.extend(self.decoder.decode(event.to_string().as_bytes())?);
        }
        Ok(out)
    }
}
