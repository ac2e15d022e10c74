//! Output items of a `Response` (`output[]`, and `item` in stream events), written exactly
//! as OpenAI's `OutputItem` schemas require.
//!
//! Only the four kinds a chat bridge produces are modelled: a message, a function call, a
//! custom tool call and a reasoning item. They also read back (the gateway stores a
//! `Response` as JSON); reading is lenient about the arrays we always write.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The status of an output item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    /// Still being generated (the item of `output_item.added`).
    InProgress,
    /// Generated in full.
    Completed,
    /// Cut off: the response hit its token limit, a content filter, or failed.
    Incomplete,
}

/// One entry of a `Response`'s `output`, tagged by `type`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum OutputItem {
    /// `message`: the assistant's text and refusals.
    Message(OutputMessage),
    /// `function_call`: a call of a function tool.
    FunctionCall(FunctionCallItem),
    /// `custom_tool_call`: a call of a custom (freeform input) tool.
    CustomToolCall(CustomToolCallItem),
    /// `reasoning`: the model's reasoning text.
    Reasoning(ReasoningItem),
}

impl OutputItem {
    /// The item's id (`msg_…`, `fc_…`, `ctc_…`, `rs_…`).
    pub fn id(&self) -> &str {
        match self {
            Self::Message(item) => &item.id,
            Self::FunctionCall(item) => &item.id,
            Self::CustomToolCall(item) => &item.id,
            Self::Reasoning(item) => &item.id,
        }
    }

    /// The item's status.
    pub fn status(&self) -> ItemStatus {
        match self {
            Self::Message(item) => item.status,
            Self::FunctionCall(item) => item.status,
            Self::CustomToolCall(item) => item.status,
            Self::Reasoning(item) => item.status,
        }
    }
}

/// The only role an output message has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssistantRole {
    /// `assistant`.
    #[default]
    Assistant,
}

/// A `message` item (`OutputMessage`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutputMessage {
    /// The item id, `msg_…`.
    pub id: String,
    /// The item status.
    pub status: ItemStatus,
    /// Always `assistant`.
    #[serde(default)]
    pub role: AssistantRole,
    /// The text and refusal parts, in order (`[]` while the item is being added).
    #[serde(default)]
    pub content: Vec<OutputContent>,
}

/// One part of a message's `content`, tagged by `type`; also the `part` of
/// `content_part.added`/`.done` events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum OutputContent {
    /// `output_text` (`OutputTextContent`): `annotations` and `logprobs` are required
    /// arrays, written as `[]` when the upstream gave none.
    OutputText {
        /// The text.
        text: String,
        /// URL citations and the like, in OpenAI's annotation shape.
        #[serde(default)]
        annotations: Vec<Value>,
        /// Token log probabilities, in OpenAI's `LogProb` shape.
        #[serde(default)]
        logprobs: Vec<Value>,
    },
    /// `refusal` (`RefusalContent`).
    Refusal {
        /// Why the model refused.
        refusal: String,
    },
}

impl OutputContent {
    /// An `output_text` part with no annotations or log probabilities.
    pub fn text(text: impl Into<String>) -> Self {
        Self::OutputText {
            text: text.into(),
            annotations: Vec::new(),
            logprobs: Vec::new(),
        }
    }

    /// A `refusal` part.
    pub fn refusal(refusal: impl Into<String>) -> Self {
        Self::Refusal {
            refusal: refusal.into(),
        }
    }
}

/// A `function_call` item (`FunctionToolCall`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunctionCallItem {
    /// The item id, `fc_…` (not the call id).
    pub id: String,
    /// The id the client's `function_call_output` answers: the upstream's tool call id,
    /// or a synthesized `call_…`.
    pub call_id: String,
    /// The function's name (a namespace member's own name, without the namespace).
    pub name: String,
    /// The arguments as JSON text (`""` while the item is being added).
    pub arguments: String,
    /// The item status.
    pub status: ItemStatus,
    /// The namespace of a namespace member; left out for a plain function.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

/// A `custom_tool_call` item (`CustomToolCall`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomToolCallItem {
    /// The item id, `ctc_…`.
    pub id: String,
    /// The id the client's `custom_tool_call_output` answers.
    pub call_id: String,
    /// The custom tool's name.
    pub name: String,
    /// The freeform input, unwrapped from the chat call's `{"input": "..."}` arguments.
    pub input: String,
    /// The item status.
    pub status: ItemStatus,
}

/// A `reasoning` item (`ReasoningItem`).
///
/// `summary` is always written (Codex drops a reasoning item without it);
/// `encrypted_content` is always written, `null` when the gateway has no token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReasoningItem {
    /// The item id, `rs_…`.
    pub id: String,
    /// The reasoning as summary parts (`[]` while the item is being added).
    #[serde(default)]
    pub summary: Vec<SummaryText>,
    /// The raw reasoning text, when there is any; left out otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<Vec<ReasoningText>>,
    /// An opaque token a client sends back to replay the reasoning, or `null`.
    #[serde(default)]
    pub encrypted_content: Option<String>,
    /// The item status.
    pub status: ItemStatus,
}

/// A `summary_text` part of a reasoning item's `summary`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename = "summary_text")]
pub struct SummaryText {
    /// The text.
    pub text: String,
}

/// A `reasoning_text` part of a reasoning item's `content`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename = "reasoning_text")]
pub struct ReasoningText {
    /// The text.
    pub text: String,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn round_trip(item: &OutputItem, expected: Value) {
        let written = serde_json::to_value(item).unwrap();
        assert_eq!(written, expected);
        let read: OutputItem = serde_json::from_value(written).unwrap();
        assert_eq!(&read, item);
    }

    #[test]
    fn message_has_required_arrays() {
        let item = OutputItem::Message(OutputMessage {
            id: "msg_1".into(),
            status: ItemStatus::Completed,
            role: AssistantRole::Assistant,
            content: vec![OutputContent::text("hi"), OutputContent::refusal("no")],
        });
        round_trip(
            &item,
            json!({"type": "message", "id": "msg_1", "status": "completed", "role": "assistant",
                   "content": [{"type": "output_text", "text": "hi", "annotations": [], "logprobs": []},
                               {"type": "refusal", "refusal": "no"}]}),
        );
    }

    #[test]
    fn calls_and_reasoning_shapes() {
        let call = OutputItem::FunctionCall(FunctionCallItem {
            id: "fc_1".into(),
            call_id: "call_1".into(),
            name: "spawn".into(),
            arguments: "{}".into(),
            status: ItemStatus::InProgress,
            namespace: Some("agents".into()),
        });
        round_trip(
            &call,
            json!({"type": "function_call", "id": "fc_1", "call_id": "call_1", "name": "spawn",
                   "arguments": "{}", "status": "in_progress", "namespace": "agents"}),
        );
        let custom = OutputItem::CustomToolCall(CustomToolCallItem {
            id: "ctc_1".into(),
            call_id: "call_2".into(),
            name: "apply_patch".into(),
            input: "*** Begin Patch".into(),
            status: ItemStatus::Completed,
        });
        round_trip(
            &custom,
            json!({"type": "custom_tool_call", "id": "ctc_1", "call_id": "call_2",
                   "name": "apply_patch", "input": "*** Begin Patch", "status": "completed"}),
        );
        let reasoning = OutputItem::Reasoning(ReasoningItem {
            id: "rs_1".into(),
            summary: vec![SummaryText { text: "t".into() }],
            content: Some(vec![ReasoningText { text: "t".into() }]),
            encrypted_content: None,
            status: ItemStatus::Completed,
        });
        round_trip(
            &reasoning,
            json!({"type": "reasoning", "id": "rs_1", "status": "completed",
                   "summary": [{"type": "summary_text", "text": "t"}],
                   "content": [{"type": "reasoning_text", "text": "t"}],
                   "encrypted_content": null}),
        );
    }

    #[test]
    fn added_reasoning_item_has_an_empty_summary_and_no_content() {
        let item = OutputItem::Reasoning(ReasoningItem {
            id: "rs_1".into(),
            summary: Vec::new(),
            content: None,
            encrypted_content: None,
            status: ItemStatus::InProgress,
        });
        round_trip(
            &item,
            json!({"type": "reasoning", "id": "rs_1", "status": "in_progress", "summary": [],
                   "encrypted_content": null}),
        );
    }
}
