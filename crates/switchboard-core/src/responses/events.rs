//! [`ResponseStreamEvent`]: the events of a streamed `Response`, one variant per event
//! type a chat bridge emits, each with exactly the fields of its OpenAI schema.
//!
//! Every event carries `sequence_number`. No event but `error` has a top-level `error`
//! key (openai-python raises on any event that has one). [`ResponseStreamEvent::write_sse`]
//! writes the frame `event: <type>\ndata: <one-line JSON>\n\n`.

mod by_hand;
mod deltas;
mod lifecycle;
mod payloads;

use bytes::BytesMut;
use serde::{Deserialize, Serialize};

pub use self::payloads::{
    CallDeltaEvent, ContentPartEvent, CustomToolCallInputDoneEvent, ErrorEvent,
    FunctionCallArgumentsDoneEvent, LifecycleEvent, OutputItemEvent, PartStatus, RefusalDeltaEvent,
    RefusalDoneEvent, SummaryPartEvent, SummaryTextDeltaEvent, SummaryTextDoneEvent,
    TextDeltaEvent, TextDoneEvent,
};
use crate::sse::{write_event, write_json_event};

/// One event of a streamed response, tagged by `type`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum ResponseStreamEvent {
    /// `response.created`: the first event, the response `in_progress` with no output.
    #[serde(rename = "response.created")]
    Created(LifecycleEvent),
    /// `response.in_progress`: right after `created`, and as a heartbeat.
    #[serde(rename = "response.in_progress")]
    InProgress(LifecycleEvent),
    /// `response.output_item.added`: an item starts, with status `in_progress`.
    #[serde(rename = "response.output_item.added")]
    OutputItemAdded(OutputItemEvent),
    /// `response.output_item.done`: an item is complete; clients act on this one.
    #[serde(rename = "response.output_item.done")]
    OutputItemDone(OutputItemEvent),
    /// `response.content_part.added`: a message part starts, empty.
    #[serde(rename = "response.content_part.added")]
    ContentPartAdded(ContentPartEvent),
    /// `response.content_part.done`: a message part is complete.
    #[serde(rename = "response.content_part.done")]
    ContentPartDone(ContentPartEvent),
    /// `response.output_text.delta`: more text of an `output_text` part.
    #[serde(rename = "response.output_text.delta")]
    OutputTextDelta(TextDeltaEvent),
    /// `response.output_text.done`: the whole text of an `output_text` part.
    #[serde(rename = "response.output_text.done")]
    OutputTextDone(TextDoneEvent),
    /// `response.refusal.delta`: more text of a `refusal` part.
    #[serde(rename = "response.refusal.delta")]
    RefusalDelta(RefusalDeltaEvent),
    /// `response.refusal.done`: the whole text of a `refusal` part.
    #[serde(rename = "response.refusal.done")]
    RefusalDone(RefusalDoneEvent),
    /// `response.reasoning_summary_part.added`: a summary part starts, empty.
    #[serde(rename = "response.reasoning_summary_part.added")]
    ReasoningSummaryPartAdded(SummaryPartEvent),
    /// `response.reasoning_summary_part.done`: a summary part is complete.
    #[serde(rename = "response.reasoning_summary_part.done")]
    ReasoningSummaryPartDone(SummaryPartEvent),
    /// `response.reasoning_summary_text.delta`: more reasoning text.
    #[serde(rename = "response.reasoning_summary_text.delta")]
    ReasoningSummaryTextDelta(SummaryTextDeltaEvent),
    /// `response.reasoning_summary_text.done`: the whole reasoning text of a part.
    #[serde(rename = "response.reasoning_summary_text.done")]
    ReasoningSummaryTextDone(SummaryTextDoneEvent),
    /// `response.function_call_arguments.delta`: more arguments JSON text.
    #[serde(rename = "response.function_call_arguments.delta")]
    FunctionCallArgumentsDelta(CallDeltaEvent),
    /// `response.function_call_arguments.done`: the whole arguments, with the name.
    #[serde(rename = "response.function_call_arguments.done")]
    FunctionCallArgumentsDone(FunctionCallArgumentsDoneEvent),
    /// `response.custom_tool_call_input.delta`: more of a custom call's input.
    #[serde(rename = "response.custom_tool_call_input.delta")]
    CustomToolCallInputDelta(CallDeltaEvent),
    /// `response.custom_tool_call_input.done`: a custom call's whole input.
    #[serde(rename = "response.custom_tool_call_input.done")]
    CustomToolCallInputDone(CustomToolCallInputDoneEvent),
    /// `response.completed`: the terminal event of a completed response.
    #[serde(rename = "response.completed")]
    Completed(LifecycleEvent),
    /// `response.incomplete`: the terminal event of an incomplete response.
    #[serde(rename = "response.incomplete")]
    Incomplete(LifecycleEvent),
    /// `response.failed`: the terminal event of a failed response.
    #[serde(rename = "response.failed")]
    Failed(LifecycleEvent),
    /// `error`: an error outside the response object.
    #[serde(rename = "error")]
    Error(ErrorEvent),
}

impl ResponseStreamEvent {
    /// The event's `type`, also written as the SSE `event:` name.
    pub fn event_type(&self) -> &'static str {
        match self {
            Self::Created(_) => "response.created",
            Self::InProgress(_) => "response.in_progress",
            Self::OutputItemAdded(_) => "response.output_item.added",
            Self::OutputItemDone(_) => "response.output_item.done",
            Self::ContentPartAdded(_) => "response.content_part.added",
            Self::ContentPartDone(_) => "response.content_part.done",
            Self::OutputTextDelta(_) => "response.output_text.delta",
            Self::OutputTextDone(_) => "response.output_text.done",
            Self::RefusalDelta(_) => "response.refusal.delta",
            Self::RefusalDone(_) => "response.refusal.done",
            Self::ReasoningSummaryPartAdded(_) => "response.reasoning_summary_part.added",
            Self::ReasoningSummaryPartDone(_) => "response.reasoning_summary_part.done",
            Self::ReasoningSummaryTextDelta(_) => "response.reasoning_summary_text.delta",
            Self::ReasoningSummaryTextDone(_) => "response.reasoning_summary_text.done",
            Self::FunctionCallArgumentsDelta(_) => "response.function_call_arguments.delta",
            Self::FunctionCallArgumentsDone(_) => "response.function_call_arguments.done",
            Self::CustomToolCallInputDelta(_) => "response.custom_tool_call_input.delta",
            Self::CustomToolCallInputDone(_) => "response.custom_tool_call_input.done",
            Self::Completed(_) => "response.completed",
            Self::Incomplete(_) => "response.incomplete",
            Self::Failed(_) => "response.failed",
            Self::Error(_) => "error",
        }
    }

    /// The event's `sequence_number`.
    pub fn sequence_number(&self) -> u64 {
        match self {
            Self::Created(e)
            | Self::InProgress(e)
            | Self::Completed(e)
            | Self::Incomplete(e)
            | Self::Failed(e) => e.sequence_number,
            Self::OutputItemAdded(e) | Self::OutputItemDone(e) => e.sequence_number,
            Self::ContentPartAdded(e) | Self::ContentPartDone(e) => e.sequence_number,
            Self::OutputTextDelta(e) => e.sequence_number,
            Self::OutputTextDone(e) => e.sequence_number,
            Self::RefusalDelta(e) => e.sequence_number,
            Self::RefusalDone(e) => e.sequence_number,
            Self::ReasoningSummaryPartAdded(e) | Self::ReasoningSummaryPartDone(e) => {
                e.sequence_number
            }
            Self::ReasoningSummaryTextDelta(e) => e.sequence_number,
            Self::ReasoningSummaryTextDone(e) => e.sequence_number,
            Self::FunctionCallArgumentsDelta(e) | Self::CustomToolCallInputDelta(e) => {
                e.sequence_number
            }
            Self::FunctionCallArgumentsDone(e) => e.sequence_number,
            Self::CustomToolCallInputDone(e) => e.sequence_number,
            Self::Error(e) => e.sequence_number,
        }
    }

    /// As [`ResponseStreamEvent::write_sse`], except that a lifecycle event (`created`,
    /// `in_progress`, `completed`, `incomplete`, `failed`) takes its `response` from
    /// `response_json`, which must be that response's compact JSON, already written: the
    /// store's copy of the final response for the terminal event, `created`'s response
    /// for `in_progress`. Saves serialising the whole response again. In debug builds the
    /// text is checked against the event's response.
    pub fn write_sse_with_response(&self, response_json: &str, out: &mut BytesMut) {
        if !lifecycle::write_lifecycle_sse(self, response_json, out) {
            self.write_sse(out);
        }
    }

    /// Appends the SSE frame `event: <type>\ndata: <JSON on one line>\n\n` to `out`.
    /// The delta events' frames are written by hand (`deltas.rs`), the same bytes as the
    /// derive's; the others through the derive.
    ///
    /// Serialising these types cannot fail (all map keys are strings); should it ever,
    /// an `error` event with the same sequence number is written instead, so the client
    /// still gets valid JSON.
    pub fn write_sse(&self, out: &mut BytesMut) {
        if deltas::write_delta_sse(self, out) {
            return;
        }
        match write_json_event(out, self.event_type(), self) {
            Ok(()) => {}
            Err(_) => {
                let json = format!(
                    r#"{{"type":"error","sequence_number":{},"code":"server_error","message":"the gateway could not encode a stream event","param":null}}"#,
                    self.sequence_number()
                );
                write_event(out, "error", json.as_bytes());
            }
        }
    }
}
