//! A chat-only upstream's answer → the legacy Completions answer the client asked for:
//! a whole [`ChatResponse`] → a [`CompletionResponse`], and a [`ChatChunk`] → a chunk of
//! the same shape. Both are pure functions of their input: no state crosses chunks.

use serde_json::Map;

use super::types::{CompletionChoice, CompletionResponse};
use crate::chat::{ChatChunk, ChatResponse, FinishReason};

/// Translates a whole chat answer into a completion.
///
/// Called when a `/v1/completions` request went to a chat-only upstream without a stream.
/// The id is `cmpl-` followed by the chat id without its `chatcmpl-` prefix (the whole
/// chat id when it has none); `created`, `model`, `usage` and `system_fingerprint` are
/// copied. Each chat choice becomes a choice with the message's text (reasoning, refusals
/// and tool calls are not text and are left out), the same index, `logprobs: null` and
/// the finish reason mapped to OpenAI's three (see [`map_finish_reason`]); a missing finish
/// reason stays `null`. Vendor fields of the chat answer are not copied.
pub fn completion_from_chat(chat: &ChatResponse) -> CompletionResponse {
    let choices = chat
        .choices
        .iter()
        .map(|choice| CompletionChoice {
            text: choice.message.text(),
            index: choice.index,
            logprobs: None,
            finish_reason: choice.finish_reason().map(map_finish_reason),
            extra: Map::new(),
        })
        .collect();
    CompletionResponse {
        id: completion_id(&chat.id),
        created: chat.created,
        model: chat.model.clone(),
        choices,
        usage: chat.usage().cloned(),
        system_fingerprint: chat.system_fingerprint.clone().flatten(),
        ..CompletionResponse::default()
    }
}

/// Translates one chat stream chunk into a completion chunk, or `None` when it carries
/// nothing a completions client can see.
///
/// Called for each chunk when a streamed `/v1/completions` request went to a chat-only
/// upstream. A choice is kept when its delta has text or it has a finish reason: its
/// `text` is the delta's content (`""` on a finish-only piece) and its `finish_reason` is
/// mapped as in [`completion_from_chat`]. Role-only chunks (OpenAI's first chunk, with
/// `content: ""`), reasoning deltas and tool-call deltas have no text, so a chunk made only
/// of them gives `None` and the caller sends nothing; a legacy stream has no role
/// announcement. A chunk with `usage` keeps it, so the chat stream's final `choices: []`
/// usage chunk becomes the completions one. Ids, `created`, `model` and
/// `system_fingerprint` map as for a whole answer, so every chunk of a stream shares one id.
pub fn chunk_from_chat(chunk: &ChatChunk) -> Option<CompletionResponse> {
    let choices: Vec<CompletionChoice> = chunk
        .choices
        .iter()
        .filter_map(|choice| {
            let text = choice.delta.content().unwrap_or_default();
            let finish_reason = choice.finish_reason().map(map_finish_reason);
            if text.is_empty() && finish_reason.is_none() {
                return None;
            }
            Some(CompletionChoice {
                text: text.to_owned(),
                index: choice.index,
                logprobs: None,
                finish_reason,
                extra: Map::new(),
            })
        })
        .collect();
    let usage = chunk.usage().cloned();
    if choices.is_empty() && usage.is_none() {
        return None;
    }
    Some(CompletionResponse {
        id: completion_id(&chunk.id),
        created: chunk.created,
        model: chunk.model.clone(),
        choices,
        usage,
        system_fingerprint: chunk.system_fingerprint.clone().flatten(),
        ..CompletionResponse::default()
    })
}

/// Maps a chat finish reason onto the three a completion may carry.
///
/// `stop`, `length` and `content_filter` are kept. `tool_calls` and `function_call` become
/// `stop`: the model stopped on its own, and a completions client cannot see tool calls.
/// Any other value becomes `stop` too, because the Completions schema allows no other.
pub fn map_finish_reason(reason: &FinishReason) -> FinishReason {
    match reason {
        FinishReason::Length => FinishReason::Length,
        FinishReason::ContentFilter => FinishReason::ContentFilter,
        FinishReason::Stop
        | FinishReason::ToolCalls
        | FinishReason::FunctionCall
        | FinishReason::Other(_) => FinishReason::Stop,
    }
}

/// `cmpl-` + the chat id's tail: `chatcmpl-abc` → `cmpl-abc`, `abc` → `cmpl-abc`.
fn completion_id(chat_id: &str) -> String {
    let tail = chat_id.strip_prefix("chatcmpl-").unwrap_or(chat_id);
    format!("cmpl-{tail}")
}
