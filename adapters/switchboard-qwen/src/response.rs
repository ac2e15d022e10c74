//! DashScope's non-streaming answer → ours, and a stream folded into one answer.
//!
//! A direct answer is already OpenAI-shaped (with `message.reasoning_content`); what OpenAI's
//! schema would refuse is tidied: the `index` DashScope adds to each `message.tool_calls[]`
//! entry is removed, `system_fingerprint: null` is left out, and a message without
//! `refusal` or `content` gets them as `null`. [`Fold`] builds the same answer from a
//! stream's chunks, for the default `non_stream = "fold"`.

use std::collections::BTreeMap;

use serde_json::Value;
use switchboard_core::chat::{
    ChatChoice, ChatChunk, ChatMessage, ChatResponse, FinishReason, MessageContent, Role, ToolCall,
};

/// Tidies a direct (non-streamed) answer in place.
pub fn normalise_response(response: &mut ChatResponse) {
    if response.system_fingerprint == Some(None) {
        response.system_fingerprint = None;
    }
    if response.service_tier == Some(None) {
        response.service_tier = None;
    }
    for choice in &mut response.choices {
        let message = &mut choice.message;
        message.content.get_or_insert(None);
        message.refusal.get_or_insert(None);
        if choice.logprobs.is_none() {
            choice.logprobs = Some(Value::Null);
        }
        for call in choice.message.tool_calls.iter_mut().flatten() {
            call.extra.remove("index");
        }
    }
}

/// Accumulates stream chunks into the answer a non-streaming call would have given.
#[derive(Debug, Default)]
pub struct Fold {
    response: Option<ChatResponse>,
    choices: BTreeMap<u32, ChoiceState>,
}

#[derive(Debug, Default)]
struct ChoiceState {
    role: Option<Role>,
    content: Option<String>,
    reasoning: Option<String>,
    refusal: Option<String>,
    calls: BTreeMap<u32, ToolCall>,
    finish_reason: Option<FinishReason>,
    logprobs: Vec<Value>,
}

impl Fold {
    /// An empty fold.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one chunk: its ids, text, reasoning, tool-call pieces, finish reason, usage.
    pub fn push(&mut self, chunk: ChatChunk) {
        let response = self.response.get_or_insert_with(|| ChatResponse {
            id: chunk.id.clone(),
            created: chunk.created,
            model: chunk.model.clone(),
            ..ChatResponse::default()
        });
        if response.system_fingerprint.is_none() {
            response.system_fingerprint = chunk.system_fingerprint.clone();
        }
        if response.service_tier.is_none() {
            response.service_tier = chunk.service_tier.clone();
        }
        if chunk.usage().is_some() {
            response.usage = chunk.usage.clone();
        }
        for choice in chunk.choices {
            let state = self.choices.entry(choice.index).or_default();
            let delta = choice.delta;
            if delta.role.is_some() {
                state.role = delta.role;
            }
            append(&mut state.content, delta.content.flatten());
            append(&mut state.reasoning, delta.reasoning_content.flatten());
            append(&mut state.refusal, delta.refusal.flatten());
            for piece in delta.tool_calls.into_iter().flatten() {
                let call = state.calls.entry(piece.index).or_default();
                if let Some(id) = piece.id.filter(|id| !id.is_empty()) {
                    call.id = id;
                }
                if let Some(kind) = piece.r#type.filter(|t| !t.is_empty()) {
                    call.r#type = kind;
                }
                if let Some(function) = piece.function {
                    if let Some(name) = function.name.filter(|n| !n.is_empty()) {
                        call.function.name = name;
                    }
                    if let Some(arguments) = function.arguments {
                        call.function.arguments.push_str(&arguments);
                    }
                }
            }
            if let Some(Some(reason)) = choice.finish_reason {
                state.finish_reason = Some(reason);
            }
            if let Some(Value::Object(mut logprobs)) = choice.logprobs
                && let Some(Value::Array(content)) = logprobs.remove("content")
            {
                state.logprobs.extend(content);
            }
        }
    }

    /// The folded answer; `None` if no chunk arrived.
    pub fn finish(self) -> Option<ChatResponse> {
        let mut response = self.response?;
        response.choices = self
            .choices
            .into_iter()
            .map(|(index, state)| state.into_choice(index))
            .collect();
        Some(response)
    }
}

impl ChoiceState {
    fn into_choice(self, index: u32) -> ChatChoice {
        let tool_calls: Vec<ToolCall> = self.calls.into_values().collect();
        let message = ChatMessage {
            role: self.role.unwrap_or(Role::Assistant),
            content: Some(self.content.map(MessageContent::Text)),
            refusal: Some(self.refusal),
            reasoning_content: self.reasoning.map(Some),
            tool_calls: (!tool_calls.is_empty()).then_some(tool_calls),
            ..ChatMessage::default()
        };
        let logprobs = if self.logprobs.is_empty() {
            Value::Null
        } else {
            serde_json::json!({ "content": self.logprobs, "refusal": null })
        };
        ChatChoice {
            index,
            message,
            finish_reason: Some(self.finish_reason),
            logprobs: Some(logprobs),
            ..ChatChoice::default()
        }
    }
}

/// Appends a piece of text, leaving `None` until some non-empty text arrives.
fn append(into: &mut Option<String>, piece: Option<String>) {
    match (into.as_mut(), piece) {
        (_, None) => {}
        (_, Some(p)) if p.is_empty() => {}
        (Some(text), Some(p)) => text.push_str(&p),
        (None, Some(p)) => *into = Some(p),
    }
}

#[cfg(test)]
mod tests;
