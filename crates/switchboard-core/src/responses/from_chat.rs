//! A whole chat answer as a Responses `Response`, and as chat chunks.
//!
//! [`response_from_chat`] runs the answer through the same [`ResponseStream`] the
//! streaming path uses, so a non-streamed response has exactly the ids and item shapes a
//! streamed one would. [`chunks_from_chat`] is also what a streaming client over a
//! non-streaming upstream needs: feed its chunks to a `ResponseStream`.

use serde_json::Value;

use super::echo::ResponseEcho;
use super::response::Response;
use super::stream::ResponseStream;
use super::tool_names::ToolNames;
use crate::chat::{
    ChatChoice, ChatChunk, ChatResponse, ChunkChoice, ChunkDelta, FunctionCallDelta, Role,
    ToolCallDelta,
};

/// The `Response` for a whole chat answer (its choice 0): `created_at` and
/// `completed_at` are Unix seconds; item ids derive from `response_id`.
pub fn response_from_chat(
    chat: &ChatResponse,
    response_id: String,
    created_at: i64,
    completed_at: i64,
    echo: ResponseEcho,
    tool_names: ToolNames,
) -> Response {
    let stream = ResponseStream::new(response_id, created_at, echo, tool_names);
    fold_chat(stream, chat, completed_at)
}

/// Runs a whole chat answer through `stream` (one the caller set up, with a sealer, say)
/// as its [`chunks_from_chat`], finishes it at `completed_at` and returns the `Response`.
pub fn fold_chat(stream: ResponseStream, chat: &ChatResponse, completed_at: i64) -> Response {
    // Only the response is wanted: no events are built.
    let mut stream = stream.quiet();
    // The state machine reads only a chunk's choices and usage: the chunks carry no copy
    // of the answer's id, model and the like.
    for chunk in chunks_with(chat, ChatChunk::default()) {
        stream.push(&chunk);
    }
    stream.finish(completed_at);
    stream.into_response()
}

/// A chat answer as the chunks a streaming upstream would have sent: one with the whole
/// message of choice 0 (reasoning, text, refusal, tool calls), one with its
/// `finish_reason`, and a final `choices: []` chunk with `usage` when there is usage.
/// Other choices are left out (the Responses API has no `n`).
pub fn chunks_from_chat(chat: &ChatResponse) -> Vec<ChatChunk> {
    let base = ChatChunk {
        id: chat.id.clone(),
        created: chat.created,
        model: chat.model.clone(),
        system_fingerprint: chat.system_fingerprint.clone(),
        service_tier: chat.service_tier.clone(),
        ..ChatChunk::default()
    };
    chunks_with(chat, base)
}

/// The chunks of [`chunks_from_chat`], each made from `base` (its id, model ...).
fn chunks_with(chat: &ChatResponse, base: ChatChunk) -> Vec<ChatChunk> {
    let mut chunks = Vec::with_capacity(3);
    let choice = chat
        .choices
        .iter()
        .find(|choice| choice.index == 0)
        .or_else(|| chat.choices.first());
    if let Some(choice) = choice {
        let message = ChunkChoice {
            delta: message_delta(choice),
            ..ChunkChoice::default()
        };
        let finish = ChunkChoice {
            finish_reason: choice.finish_reason.clone(),
            ..ChunkChoice::default()
        };
        for choice in [message, finish] {
            chunks.push(ChatChunk {
                choices: vec![choice],
                ..base.clone()
            });
        }
    }
    if let Some(usage) = chat.usage() {
        chunks.push(ChatChunk {
            usage: Some(Some(usage.clone())),
            ..base
        });
    }
    chunks
}

/// The whole message of `choice` as one delta.
fn message_delta(choice: &ChatChoice) -> ChunkDelta {
    let message = &choice.message;
    let reasoning = message
        .reasoning_content()
        .or_else(|| message.extra.get("reasoning").and_then(Value::as_str));
    let text = message.text();
    let tool_calls: Vec<ToolCallDelta> = message
        .tool_calls
        .iter()
        .flatten()
        .zip(0u32..)
        .map(|(call, index)| ToolCallDelta {
            index,
            id: Some(call.id.clone()),
            r#type: Some(call.r#type.clone()),
            function: Some(FunctionCallDelta {
                name: Some(call.function.name.clone()),
                arguments: Some(call.function.arguments.clone()),
                ..FunctionCallDelta::default()
            }),
            ..ToolCallDelta::default()
        })
        .collect();
    ChunkDelta {
        role: Some(Role::Assistant),
        content: (!text.is_empty()).then_some(Some(text)),
        reasoning_content: reasoning.map(|reasoning| Some(reasoning.to_owned())),
        refusal: message.refusal().map(|refusal| Some(refusal.to_owned())),
        tool_calls: (!tool_calls.is_empty()).then_some(tool_calls),
        ..ChunkDelta::default()
    }
}
