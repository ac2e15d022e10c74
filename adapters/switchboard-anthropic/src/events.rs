//! [`EventDecoder`]: Anthropic stream events in, canonical chat chunks out. A pure state
//! machine with no I/O, fed one event's JSON at a time, so it serves the SSE stream of
//! `POST /v1/messages` and Bedrock's InvokeModelWithResponseStream alike.
//!
//! | event | chunks |
//! |---|---|
//! | `message_start` | `delta: {role: "assistant", content: ""}`; usage remembered |
//! | `content_block_start` `tool_use` | `tool_calls[{index: k, id, type, function: {name, arguments: ""}}]`, k = ordinal of the tool call (not the block index) |
//! | `text_delta` | `delta.content` |
//! | `input_json_delta` | `tool_calls[{index: k, function: {arguments}}]` (empty pieces dropped; a call with none gets `"{}"` at its end) |
//! | `thinking_delta` | `delta.reasoning_content` |
//! | `content_block_stop` of a signed thinking block, `redacted_thinking` start | `delta.thinking_blocks: [the block]` |
//! | `message_delta` | stop reason and usage remembered (output is cumulative: the last value wins) |
//! | `message_stop` | a chunk with `finish_reason`, then a usage-only chunk |
//! | `ping`, `signature_delta`, `citations_delta`, server-tool and unknown blocks and events | nothing |
//! | `error` | an error (mapped by [`crate::map_error_event`]) |

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Map, Value, json};
use switchboard_core::GatewayError;
use switchboard_core::chat::{
    ChatChunk, ChunkChoice, ChunkDelta, FunctionCallDelta, Role, ToolCallDelta,
};

use crate::convert::{finish_reason, raw_stop_reason, usage};
use crate::error::map_error_event;
use crate::types::AnthropicUsage;

/// What the decoder remembers of an open content block.
#[derive(Debug, Clone)]
enum Block {
    Text,
    Tool { k: u32, has_args: bool, whole: bool },
    Thinking { text: String, signature: String },
    Ignored,
}

/// Turns a message's stream events into chat chunks; one decoder per stream.
#[derive(Debug, Clone, Default)]
pub struct EventDecoder {
    created: i64,
    id: String,
    model: String,
    usage: AnthropicUsage,
    stop_reason: Option<String>,
    saw_delta: bool,
    blocks: HashMap<u64, Block>,
    tools: u32,
    done: bool,
    secrets: Arc<[String]>,
}

impl EventDecoder {
    /// A decoder whose chunks carry `created` (Unix seconds).
    pub fn new(created: i64) -> Self {
        Self {
            created,
            ..Self::default()
        }
    }

    /// Scrubs `secrets` from the message of an `error` event.
    pub fn with_secrets(mut self, secrets: Arc<[String]>) -> Self {
        self.secrets = secrets;
        self
    }

    /// True once `message_stop` was decoded; later events are ignored.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// Decodes one event's JSON (the SSE `data`, or a Bedrock chunk's decoded `bytes`);
    /// whitespace around it is allowed. An `error` event, or JSON we cannot read, is an
    /// error.
    pub fn decode(&mut self, data: &[u8]) -> Result<Vec<ChatChunk>, GatewayError> {
        let data = data.trim_ascii();
        if self.done || data.is_empty() {
            return Ok(Vec::new());
        }
        let event: Value = serde_json::from_slice(data).map_err(|e| {
            GatewayError::bad_gateway(format!("the upstream sent an event we cannot read: {e}"))
        })?;
        let index = event.get("index").and_then(Value::as_u64).unwrap_or(0);
        let mut out = Vec::new();
        match event.get("type").and_then(Value::as_str).unwrap_or("") {
            "message_start" => self.start(&event["message"], &mut out),
            "content_block_start" => self.block_start(index, &event["content_block"], &mut out),
            "content_block_delta" => self.block_delta(index, &event["delta"], &mut out),
            "content_block_stop" => self.block_stop(index, &mut out),
            "message_delta" => {
                if let Some(reason) = event.pointer("/delta/stop_reason").and_then(Value::as_str) {
                    self.stop_reason = Some(reason.to_owned());
                }
                if let Ok(newer) = AnthropicUsage::deserialize_from(&event["usage"]) {
                    self.usage.update(&newer);
                }
                self.saw_delta = true;
            }
            "message_stop" => self.stop(&mut out),
            "error" => {
                self.done = true;
                return Err(map_error_event(data, &self.secrets));
            }
            _ => {}
        }
        Ok(out)
    }

    /// At the end of the input: the final chunks if the stream stopped after its
    /// `message_delta` but before `message_stop`; an error if it was cut earlier.
    pub fn finish(&mut self) -> Result<Vec<ChatChunk>, GatewayError> {
        if self.done {
            return Ok(Vec::new());
        }
        if self.saw_delta {
            let mut out = Vec::new();
            self.stop(&mut out);
            return Ok(out);
        }
        self.done = true;
        Err(GatewayError::bad_gateway(
            "the upstream closed the stream before it finished",
        ))
    }

    fn start(&mut self, message: &Value, out: &mut Vec<ChatChunk>) {
        let text = |key: &str| message.get(key).and_then(Value::as_str).unwrap_or("");
        self.id = text("id").to_owned();
        self.model = text("model").to_owned();
        if let Ok(usage) = AnthropicUsage::deserialize_from(&message["usage"]) {
            self.usage = usage;
        }
        out.push(self.chunk(ChunkDelta {
            role: Some(Role::Assistant),
            content: Some(Some(String::new())),
            ..ChunkDelta::default()
        }));
    }

    fn block_start(&mut self, index: u64, block: &Value, out: &mut Vec<ChatChunk>) {
        let text = |key: &str| block.get(key).and_then(Value::as_str).unwrap_or("");
        let state = match text("type") {
            "text" => {
                self.content(text("text"), out);
                Block::Text
            }
            "tool_use" => {
                let k = self.tools;
                self.tools += 1;
                // The real API sends `input: {}` and the arguments as deltas; a whole
                // input up front (some proxies) is taken as the arguments.
                let whole = block
                    .get("input")
                    .and_then(Value::as_object)
                    .is_some_and(|input| !input.is_empty());
                let arguments = if whole {
                    block["input"].to_string()
                } else {
                    String::new()
                };
                out.push(self.tool_delta(ToolCallDelta {
                    index: k,
                    id: Some(text("id").to_owned()),
                    r#type: Some("function".to_owned()),
                    function: Some(FunctionCallDelta {
                        name: Some(text("name").to_owned()),
                        arguments: Some(arguments),
                        extra: Map::new(),
                    }),
                    extra: Map::new(),
                }));
                Block::Tool {
                    k,
                    has_args: whole,
                    whole,
                }
            }
            "thinking" => {
                self.reasoning(text("thinking"), out);
                Block::Thinking {
                    text: text("thinking").to_owned(),
                    signature: text("signature").to_owned(),
                }
            }
            "redacted_thinking" => {
                out.push(self.thinking_block(block.clone()));
                Block::Ignored
            }
            _ => Block::Ignored,
        };
        self.blocks.insert(index, state);
    }

    fn block_delta(&mut self, index: u64, delta: &Value, out: &mut Vec<ChatChunk>) {
        let text = |key: &str| delta.get(key).and_then(Value::as_str).unwrap_or("");
        let block = self.blocks.entry(index).or_insert(Block::Text);
        match (text("type"), block) {
            ("text_delta", Block::Text) => self.content(text("text"), out),
            ("input_json_delta", Block::Tool { k, has_args, whole }) => {
                let piece = text("partial_json");
                if piece.is_empty() || *whole {
                    return;
                }
                *has_args = true;
                let k = *k;
                out.push(self.arguments(k, piece));
            }
            ("thinking_delta", Block::Thinking { text: all, .. }) => {
                let piece = text("thinking");
                all.push_str(piece);
                self.reasoning(piece, out);
            }
            ("signature_delta", Block::Thinking { signature, .. }) => {
                signature.push_str(text("signature"));
            }
            _ => {}
        }
    }

    fn block_stop(&mut self, index: u64, out: &mut Vec<ChatChunk>) {
        match self.blocks.remove(&index) {
            Some(Block::Tool {
                k, has_args: false, ..
            }) => out.push(self.arguments(k, "{}")),
            Some(Block::Thinking { text, signature }) if !signature.is_empty() => {
                let block = json!({"type": "thinking", "thinking": text, "signature": signature});
                out.push(self.thinking_block(block));
            }
            _ => {}
        }
    }

    fn stop(&mut self, out: &mut Vec<ChatChunk>) {
        // A tool call cut before its end still gets valid (empty) arguments.
        let mut open: Vec<u32> = self
            .blocks
            .values()
            .filter_map(|b| match b {
                Block::Tool {
                    k, has_args: false, ..
                } => Some(*k),
                _ => None,
            })
            .collect();
        open.sort_unstable();
        for k in open {
            out.push(self.arguments(k, "{}"));
        }
        self.blocks.clear();
        let reason = self.stop_reason.as_deref();
        let mut last = self.chunk(ChunkDelta::default());
        last.choices[0].finish_reason = Some(Some(finish_reason(reason)));
        last.choices[0].extra = raw_stop_reason(reason);
        out.push(last);
        out.push(ChatChunk {
            choices: Vec::new(),
            usage: Some(Some(usage(&self.usage))),
            ..self.chunk(ChunkDelta::default())
        });
        self.done = true;
    }

    fn content(&self, text: &str, out: &mut Vec<ChatChunk>) {
        if !text.is_empty() {
            out.push(self.chunk(ChunkDelta {
                content: Some(Some(text.to_owned())),
                ..ChunkDelta::default()
            }));
        }
    }

    fn reasoning(&self, text: &str, out: &mut Vec<ChatChunk>) {
        if !text.is_empty() {
            out.push(self.chunk(ChunkDelta {
                reasoning_content: Some(Some(text.to_owned())),
                ..ChunkDelta::default()
            }));
        }
    }

    fn thinking_block(&self, block: Value) -> ChatChunk {
        let mut delta = ChunkDelta::default();
        delta
            .extra
            .insert("thinking_blocks".into(), Value::Array(vec![block]));
        self.chunk(delta)
    }

    fn arguments(&self, k: u32, piece: &str) -> ChatChunk {
        self.tool_delta(ToolCallDelta {
            index: k,
            function: Some(FunctionCallDelta {
                arguments: Some(piece.to_owned()),
                ..FunctionCallDelta::default()
            }),
            ..ToolCallDelta::default()
        })
    }

    fn tool_delta(&self, call: ToolCallDelta) -> ChatChunk {
        self.chunk(ChunkDelta {
            tool_calls: Some(vec![call]),
            ..ChunkDelta::default()
        })
    }

    fn chunk(&self, delta: ChunkDelta) -> ChatChunk {
        ChatChunk {
            id: self.id.clone(),
            created: self.created,
            model: self.model.clone(),
            choices: vec![ChunkChoice {
                index: 0,
                delta,
                finish_reason: Some(None),
                logprobs: None,
                extra: Map::new(),
            }],
            ..ChatChunk::default()
        }
    }
}

impl AnthropicUsage {
    /// Reads a usage object out of an event; absent or `null` is an error (and ignored).
    fn deserialize_from(value: &Value) -> Result<Self, serde_json::Error> {
        <Self as serde::Deserialize>::deserialize(value)
    }
}

#[cfg(test)]
mod tests;
