//! [`ResponseStream`]: the pure state machine that turns chat stream chunks into the
//! Responses stream events of one response (bridge spec §4.3).
//!
//! Architecture invariant: no I/O and no clock; the caller passes timestamps in and
//! writes the returned events out. The same machine folds a whole chat answer into a
//! `Response` (see `from_chat.rs`), so both paths produce the same ids and shapes.
//!
//! Guarantees: `response.created` comes first and exactly one terminal event last;
//! `sequence_number` starts at 0 and grows by 1; every item gets a fresh `output_index`
//! in order and goes `added` → deltas → `done`; the terminal response's `output` holds
//! the items of the `output_item.done` events, same ids, in `output_index` order.
//!
//! Files: `core.rs` (emitting, the response under construction), `text.rs` (reasoning
//! and message items), `calls.rs` (tool calls), `custom_input.rs` (unwrapping a custom
//! tool's `{"input": "…"}` as it streams), `outcome.rs` (the final status).

mod calls;
mod core;
mod custom_input;
mod outcome;
#[cfg(test)]
mod tests;
mod text;

use serde_json::Value;

use self::calls::ToolCalls;
use self::core::Core;
pub use self::core::Sealer;
use self::outcome::{Outcome, outcome, response_error};
use self::text::{OpenMessage, OpenReasoning};
use super::echo::ResponseEcho;
use super::events::ResponseStreamEvent;
use super::items::ItemStatus;
use super::response::{IncompleteDetails, Response, ResponseStatus};
use super::tool_names::ToolNames;
use super::usage::ResponseUsage;
use crate::chat::{ChatChunk, ChunkDelta, FinishReason};
use crate::error::GatewayError;

/// Where the stream stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    NotStarted,
    Streaming,
    Ended,
}

/// Chat chunks in, Responses stream events out, for one response.
#[derive(Debug)]
pub struct ResponseStream {
    core: Core,
    phase: Phase,
    reasoning: Option<OpenReasoning>,
    message: Option<OpenMessage>,
    /// Whitespace-only text that arrived with no message open, held back until real
    /// text follows (a tool call drops it: no "phantom" `\n\n` message).
    pending_space: String,
    calls: ToolCalls,
    finish_reason: Option<FinishReason>,
    usage: Option<ResponseUsage>,
}

impl ResponseStream {
    /// A stream for the response `response_id` (`resp_…`, chosen by the caller), created
    /// at `created_at` (Unix seconds), echoing `echo`; `tool_names` maps chat function
    /// names back to custom and namespaced tools. Item ids derive from `response_id`.
    pub fn new(
        response_id: String,
        created_at: i64,
        echo: ResponseEcho,
        tool_names: ToolNames,
    ) -> Self {
        Self {
            core: Core::new(Response::new(response_id, created_at, echo)),
            phase: Phase::NotStarted,
            reasoning: None,
            message: None,
            pending_space: String::new(),
            calls: ToolCalls::new(tool_names),
            finish_reason: None,
            usage: None,
        }
    }

    /// Fills each finished reasoning item's `encrypted_content` with `sealer(text)`, for
    /// clients that replay reasoning without a store (`include:
    /// ["reasoning.encrypted_content"]`).
    pub fn with_sealer(mut self, sealer: Sealer) -> Self {
        self.core.sealer.0 = Some(sealer);
        self
    }

    /// `response.created` and `response.in_progress`; call it before the upstream's
    /// first byte so clients see progress. Empty when already started (`push`, `finish`
    /// and `fail` start the stream themselves if needed).
    pub fn start(&mut self) -> Vec<ResponseStreamEvent> {
        self.begin();
        self.core.take_events()
    }

    /// The events one chat chunk causes (often one delta, sometimes none). Only choice 0
    /// is read; `usage` is kept from the last chunk that has it; `finish_reason` is
    /// remembered for [`ResponseStream::finish`]. Empty after the end.
    pub fn push(&mut self, chunk: &ChatChunk) -> Vec<ResponseStreamEvent> {
        self.begin();
        if self.phase == Phase::Ended {
            return Vec::new();
        }
        if let Some(usage) = chunk.usage() {
            self.usage = Some(ResponseUsage::from(usage));
        }
        let choice = chunk
            .choices
            .iter()
            .find(|choice| choice.index == 0)
            .or_else(|| chunk.choices.first());
        if let Some(choice) = choice {
            self.on_delta(&choice.delta);
            if let Some(reason) = choice.finish_reason() {
                self.finish_reason = Some(reason.clone());
            }
        }
        self.core.take_events()
    }

    /// The upstream ended normally (`[DONE]` or a clean end): closes the open items and
    /// emits the terminal event for the last `finish_reason` — `length` and
    /// `content_filter` end `incomplete` (open items too), an upstream `error`/`abort`
    /// ends `failed`, anything else (tool calls, `stop`, none at all) `completed`, with
    /// `completed_at`. Empty after the end.
    pub fn finish(&mut self, completed_at: i64) -> Vec<ResponseStreamEvent> {
        self.begin();
        if self.phase == Phase::Ended {
            return Vec::new();
        }
        let outcome = outcome(self.finish_reason.as_ref());
        let status = match outcome {
            Outcome::Completed => ItemStatus::Completed,
            Outcome::Incomplete(_) | Outcome::Failed(_) => ItemStatus::Incomplete,
        };
        self.close_all(status);
        self.end(outcome, completed_at);
        self.core.take_events()
    }

    /// The upstream failed after the stream began (HTTP error, reset, bad chunk,
    /// timeout): closes the open items as `incomplete` and emits `response.failed` whose
    /// `error` carries `error`'s message and a code Codex acts on (`rate_limit_exceeded`,
    /// `context_length_exceeded`, `insufficient_quota`, else `server_error`).
    /// `completed_at` is not written: OpenAI sets it only on completed responses.
    /// Empty after the end.
    pub fn fail(&mut self, error: &GatewayError, completed_at: i64) -> Vec<ResponseStreamEvent> {
        self.begin();
        if self.phase == Phase::Ended {
            return Vec::new();
        }
        self.close_all(ItemStatus::Incomplete);
        self.end(Outcome::Failed(response_error(error)), completed_at);
        self.core.take_events()
    }

    /// A `response.in_progress` (no output) with the next sequence number, to send when
    /// the upstream has been silent for long: clients ignore it, but it resets Codex's
    /// idle timer (SSE comments do not). Call it only between `start` and the end.
    pub fn heartbeat(&mut self) -> ResponseStreamEvent {
        self.core.lifecycle(ResponseStreamEvent::InProgress, false)
    }

    /// The response as it stands: final after `finish`/`fail`; before that, items not
    /// yet done appear as they were added.
    pub fn response(&self) -> &Response {
        &self.core.response
    }

    /// From now on builds only the response: every call returns no events. For a caller
    /// that folds a whole answer into a `Response` ([`fold_chat`](super::fold_chat)),
    /// which would otherwise build and drop an event per step, each lifecycle event with
    /// a copy of the response.
    pub fn quiet(mut self) -> Self {
        self.core.quiet();
        self
    }

    /// The response, taken out of the stream.
    pub fn into_response(self) -> Response {
        self.core.response
    }

    /// Emits `response.created` and `response.in_progress` once.
    fn begin(&mut self) {
        if self.phase != Phase::NotStarted {
            return;
        }
        self.phase = Phase::Streaming;
        self.core
            .queue_lifecycle(ResponseStreamEvent::Created, false);
        self.core
            .queue_lifecycle(ResponseStreamEvent::InProgress, false);
    }

    /// Handles one choice delta: reasoning, then text, then refusal, then tool calls.
    fn on_delta(&mut self, delta: &ChunkDelta) {
        let reasoning = delta
            .reasoning_content()
            .or_else(|| delta.extra.get("reasoning").and_then(Value::as_str));
        if let Some(text) = reasoning.filter(|text| !text.is_empty()) {
            self.close_message(ItemStatus::Completed);
            let core = &mut self.core;
            self.reasoning
                .get_or_insert_with(|| OpenReasoning::open(core))
                .push(core, text);
        }
        if let Some(text) = delta.content().filter(|text| !text.is_empty()) {
            self.on_text(text);
        }
        if let Some(text) = delta.refusal().filter(|text| !text.is_empty()) {
            self.close_reasoning(ItemStatus::Completed);
            let core = &mut self.core;
            self.message
                .get_or_insert_with(|| OpenMessage::open(core))
                .push_refusal(core, text);
        }
        if let Some(pieces) = delta
            .tool_calls
            .as_deref()
            .filter(|pieces| !pieces.is_empty())
        {
            // Tool calls end the text segment: text after them opens a new message.
            self.close_reasoning(ItemStatus::Completed);
            self.close_message(ItemStatus::Completed);
            self.pending_space.clear();
            for piece in pieces {
                self.calls.push(&mut self.core, piece);
            }
        }
    }

    /// Handles answer text, holding back leading whitespace-only pieces.
    fn on_text(&mut self, text: &str) {
        if self.message.is_none() && text.trim().is_empty() {
            self.pending_space.push_str(text);
            return;
        }
        self.close_reasoning(ItemStatus::Completed);
        let mut delta = std::mem::take(&mut self.pending_space);
        delta.push_str(text);
        let core = &mut self.core;
        self.message
            .get_or_insert_with(|| OpenMessage::open(core))
            .push_text(core, &delta);
    }

    fn close_reasoning(&mut self, status: ItemStatus) {
        if let Some(reasoning) = self.reasoning.take() {
            reasoning.close(&mut self.core, status);
        }
    }

    fn close_message(&mut self, status: ItemStatus) {
        if let Some(message) = self.message.take() {
            message.close(&mut self.core, status);
        }
    }

    /// Closes every open item with `status`, in `output_index` order: tool calls are
    /// still open when text follows them, so those before the open text item go first.
    fn close_all(&mut self, status: ItemStatus) {
        self.calls.start_pending(&mut self.core);
        let text_index = match (&self.reasoning, &self.message) {
            (Some(reasoning), _) => reasoning.output_index(),
            (None, Some(message)) => message.output_index(),
            (None, None) => usize::MAX,
        };
        self.calls.close_before(&mut self.core, status, text_index);
        self.close_reasoning(status);
        self.close_message(status);
        self.calls.close_before(&mut self.core, status, usize::MAX);
        self.pending_space.clear();
    }

    /// Writes the final status into the response and emits the terminal event.
    fn end(&mut self, outcome: Outcome, completed_at: i64) {
        self.phase = Phase::Ended;
        let response = &mut self.core.response;
        response.usage = self.usage.clone();
        let wrap: fn(_) -> ResponseStreamEvent = match outcome {
            Outcome::Completed => {
                response.status = ResponseStatus::Completed;
                response.completed_at = Some(completed_at);
                ResponseStreamEvent::Completed
            }
            Outcome::Incomplete(reason) => {
                response.status = ResponseStatus::Incomplete;
                response.incomplete_details = Some(IncompleteDetails { reason });
                ResponseStreamEvent::Incomplete
            }
            Outcome::Failed(error) => {
                response.status = ResponseStatus::Failed;
                response.error = Some(error);
                ResponseStreamEvent::Failed
            }
        };
        self.core.queue_lifecycle(wrap, true);
    }
}
