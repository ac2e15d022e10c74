//! The items of a `CreateResponse` `input` and their content parts.
//!
//! Open unions: an item or part of a type we do not translate (`web_search_call`,
//! `compaction`, a new Codex item ...) is kept whole in `Unknown`/`Other`, never an error.
//! A known type with a missing or mistyped required field is an error naming the type.
//! Ids, `status` and `phase` are tolerated everywhere; unmodelled keys stay in `extra`.
//! The same types read the output items the gateway stored, replayed as history.

use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use crate::chat::Role;
use crate::chat::open_object::deserialize_open_object;

/// Reads the object of a tagged union as `T` once its `type` is known: drops `type` (the
/// variant says it) and reads the rest; `what` names the shape in an error.
pub(super) fn tagged<T: DeserializeOwned, E: serde::de::Error>(
    mut value: Value,
    what: &str,
) -> Result<T, E> {
    if let Value::Object(object) = &mut value {
        object.remove("type");
    }
    T::deserialize(value).map_err(|err| E::custom(format!("{what}: {err}")))
}

/// For fields OpenAI allows to be `null`: reads `null` as the type's default.
pub(super) fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Option::unwrap_or_default)
}

/// For `arguments`: a string as sent, any other JSON (an object some clients send) as its
/// JSON text, `null` as empty.
fn json_text(value: Value) -> String {
    match value {
        Value::String(text) => text,
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// The request's `input`: a string (one user message) or a list of items.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Input {
    /// A text input, equivalent to one `user` message.
    Text(String),
    /// Items in conversation order.
    Items(Vec<InputItem>),
}

impl Default for Input {
    /// No items (an absent or `null` `input`).
    fn default() -> Self {
        Self::Items(Vec::new())
    }
}

impl<'de> Deserialize<'de> for Input {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match Value::deserialize(deserializer)? {
            Value::String(text) => Ok(Self::Text(text)),
            Value::Null => Ok(Self::default()),
            Value::Array(items) => items
                .into_iter()
                .enumerate()
                .map(|(index, item)| {
                    InputItem::from_value::<D::Error>(item)
                        .map_err(|err| D::Error::custom(format!("input[{index}]: {err}")))
                })
                .collect::<Result<_, _>>()
                .map(Self::Items),
            _ => Err(D::Error::custom(
                "input: expected a string or an array of items",
            )),
        }
    }
}

/// One input item, tagged by `type`.
///
/// A message may omit `type` (`EasyInputMessage`), and so may an `item_reference`
/// (an object with only an `id`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum InputItem {
    /// A message from the user, the application (`system`, `developer`) or a replayed
    /// assistant answer.
    Message(MessageInput),
    /// A function call the model made.
    FunctionCall(FunctionCallInput),
    /// The result of a function call.
    FunctionCallOutput(ToolOutput),
    /// A call of a custom (freeform input) tool the model made.
    CustomToolCall(CustomToolCallInput),
    /// The result of a custom tool call.
    CustomToolCallOutput(ToolOutput),
    /// The model's reasoning from an earlier turn.
    Reasoning(ReasoningInput),
    /// A reference to a stored item, by id.
    ItemReference(ItemReference),
    /// Any other item (hosted tool calls, `compaction`, ...), kept verbatim.
    #[serde(untagged)]
    Unknown(Value),
}

impl<'de> Deserialize<'de> for InputItem {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Self::from_value(Value::deserialize(deserializer)?)
    }
}

impl InputItem {
    /// The item `value` holds. Taking the value rather than reading it through a
    /// `Deserializer` saves rebuilding its tree: a `Value` read from a `Value` is
    /// built again container by container.
    pub fn from_value<E: serde::de::Error>(value: Value) -> Result<Self, E> {
        let untyped = matches!(value.get("type"), None | Some(Value::Null));
        let kind = match value.get("type").and_then(Value::as_str) {
            Some(kind) => kind,
            None if untyped && value.get("role").is_some() => "message",
            None if untyped && value.get("id").is_some() => "item_reference",
            None => return Ok(Self::Unknown(value)),
        };
        match kind {
            "message" => tagged(value, "message").map(Self::Message),
            "function_call" => tagged(value, "function_call").map(Self::FunctionCall),
            "function_call_output" => {
                tagged(value, "function_call_output").map(Self::FunctionCallOutput)
            }
            "custom_tool_call" => tagged(value, "custom_tool_call").map(Self::CustomToolCall),
            "custom_tool_call_output" => {
                tagged(value, "custom_tool_call_output").map(Self::CustomToolCallOutput)
            }
            "reasoning" => tagged(value, "reasoning").map(Self::Reasoning),
            "item_reference" => tagged(value, "item_reference").map(Self::ItemReference),
            _ => Ok(Self::Unknown(value)),
        }
    }
}

/// A message item (`EasyInputMessage`, `InputMessage` or a replayed `OutputMessage`).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct MessageInput {
    /// `user`, `assistant`, `system` or `developer` (any other role is kept).
    pub role: Role,
    /// A string or content parts; absent or `null` reads as empty text.
    pub content: InputContent,
    /// The item's id (`msg_...`), if the client sent one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `in_progress`, `completed` or `incomplete`, if sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Fields we do not model (`phase`, ...), kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A `function_call` item: a call the model made, replayed.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct FunctionCallInput {
    /// The id that the call's output refers to.
    pub call_id: String,
    /// The function's name (within `namespace`, if set).
    pub name: String,
    /// The arguments as JSON text; absent reads as empty (sent upstream as `{}`).
    pub arguments: String,
    /// The namespace tool the function belongs to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// The item's id (`fc_...`), if sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The item's status, if sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Fields we do not model, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A `custom_tool_call` item: a call of a freeform-input tool, replayed.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct CustomToolCallInput {
    /// The id that the call's output refers to.
    pub call_id: String,
    /// The custom tool's name.
    pub name: String,
    /// The freeform input the model wrote.
    pub input: String,
    /// The namespace tool the custom tool belongs to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// The item's id (`ctc_...`), if sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The item's status, if sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Fields we do not model, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A `function_call_output` or `custom_tool_call_output` item: a tool's result.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct ToolOutput {
    /// The `call_id` of the call this answers; empty when absent or `null`.
    pub call_id: String,
    /// The result: a string or content parts.
    pub output: InputContent,
    /// The item's id (`fco_...`, `ctco_...`), if sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The item's status, if sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Fields we do not model, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A `reasoning` item from an earlier turn.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct ReasoningInput {
    /// The item's id (`rs_...`), if sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `summary_text` parts; absent or `null` reads as none.
    pub summary: Vec<ReasoningPart>,
    /// `reasoning_text` parts; Codex replays `null`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<Vec<ReasoningPart>>,
    /// An opaque token carrying the reasoning (ignored by the translation for now).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encrypted_content: Option<String>,
    /// The item's status, if sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Fields we do not model, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl ReasoningInput {
    /// The reasoning as text: the `content` texts joined, else the `summary` texts joined
    /// by blank lines; `""` when both are empty.
    pub fn text(&self) -> String {
        let content: String = self
            .content
            .iter()
            .flatten()
            .map(|part| part.text.as_str())
            .collect();
        if !content.is_empty() {
            return content;
        }
        let summary: Vec<&str> = self
            .summary
            .iter()
            .map(|part| part.text.as_str())
            .filter(|text| !text.is_empty())
            .collect();
        summary.join("\n\n")
    }
}

/// A `summary_text` or `reasoning_text` part of a reasoning item.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct ReasoningPart {
    /// `summary_text`, `reasoning_text` or `text`, as sent.
    #[serde(rename = "type")]
    pub r#type: String,
    /// The text.
    pub text: String,
    /// Fields we do not model, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An `item_reference`: a stored item, by id.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct ItemReference {
    /// The referenced item's id.
    pub id: String,
    /// Fields we do not model, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A message's `content` or a tool output's `output`: a string or content parts.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum InputContent {
    /// Plain text.
    Text(String),
    /// Typed parts, in order.
    Parts(Vec<InputPart>),
}

impl Default for InputContent {
    /// Empty text.
    fn default() -> Self {
        Self::Text(String::new())
    }
}

impl<'de> Deserialize<'de> for InputContent {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match Value::deserialize(deserializer)? {
            Value::String(text) => Ok(Self::Text(text)),
            Value::Null => Ok(Self::default()),
            Value::Array(parts) => parts
                .into_iter()
                .enumerate()
                .map(|(index, part)| {
                    InputPart::from_value::<D::Error>(part)
                        .map_err(|err| D::Error::custom(format!("content[{index}]: {err}")))
                })
                .collect::<Result<_, _>>()
                .map(Self::Parts),
            _ => Err(D::Error::custom(
                "expected a string or an array of content parts",
            )),
        }
    }
}

/// One content part, tagged by `type`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum InputPart {
    /// `input_text`.
    InputText(TextPart),
    /// `input_image`.
    InputImage(ImagePart),
    /// `input_file`.
    InputFile(FilePart),
    /// `output_text`, in a replayed assistant message.
    OutputText(OutputTextPart),
    /// `refusal`, in a replayed assistant message.
    Refusal(RefusalPart),
    /// Any other part, kept verbatim (its `type` included).
    #[serde(untagged)]
    Other(Value),
}

impl<'de> Deserialize<'de> for InputPart {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Self::from_value(Value::deserialize(deserializer)?)
    }
}

impl InputPart {
    /// The part `value` holds (taken, not read again: see [`InputItem::from_value`]).
    pub fn from_value<E: serde::de::Error>(value: Value) -> Result<Self, E> {
        match value.get("type").and_then(Value::as_str) {
            Some("input_text") => tagged(value, "input_text").map(Self::InputText),
            Some("input_image") => tagged(value, "input_image").map(Self::InputImage),
            Some("input_file") => tagged(value, "input_file").map(Self::InputFile),
            Some("output_text") => tagged(value, "output_text").map(Self::OutputText),
            Some("refusal") => tagged(value, "refusal").map(Self::Refusal),
            _ => Ok(Self::Other(value)),
        }
    }
}

/// An `input_text` part.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct TextPart {
    /// The text.
    pub text: String,
    /// Fields we do not model, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An `input_image` part: by URL (or data URL) or by uploaded file id.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct ImagePart {
    /// An `https:` or `data:` URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    /// The id of an uploaded file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_id: Option<String>,
    /// `low`, `high`, `auto` or `original`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Fields we do not model, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An `input_file` part: inline, by URL or by uploaded file id.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct FilePart {
    /// The file's content as a data URL or base64.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_data: Option<String>,
    /// The id of an uploaded file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_id: Option<String>,
    /// The file's URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_url: Option<String>,
    /// The file's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filename: Option<String>,
    /// Fields we do not model, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An `output_text` part of a replayed assistant message.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct OutputTextPart {
    /// The text.
    pub text: String,
    /// Citations and other annotations, if sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub annotations: Option<Vec<Value>>,
    /// Token log probabilities, if sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logprobs: Option<Vec<Value>>,
    /// Fields we do not model, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A `refusal` part of a replayed assistant message.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct RefusalPart {
    /// The refusal text.
    pub refusal: String,
    /// Fields we do not model, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

// The item and part structs read without serde's `flatten` (see `chat::open_object`): with
// it, every object was copied into serde's private buffer before its struct was built.
// `tests/responses_unions.rs` holds them to what the derive read.

deserialize_open_object!(MessageInput, "a message item" {
    role: "role" => required,
    content: "content" => or_default,
    id: "id" => or_default,
    status: "status" => or_default,
});

deserialize_open_object!(FunctionCallInput, "a function_call item" {
    call_id: "call_id" => required,
    name: "name" => required,
    arguments: "arguments" => or_default via(json_text),
    namespace: "namespace" => or_default,
    id: "id" => or_default,
    status: "status" => or_default,
});

deserialize_open_object!(CustomToolCallInput, "a custom_tool_call item" {
    call_id: "call_id" => required,
    name: "name" => required,
    input: "input" => or_default,
    namespace: "namespace" => or_default,
    id: "id" => or_default,
    status: "status" => or_default,
});

deserialize_open_object!(ToolOutput, "a tool output item" {
    call_id: "call_id" => or_default via(Option::unwrap_or_default),
    output: "output" => or_default,
    id: "id" => or_default,
    status: "status" => or_default,
});

deserialize_open_object!(ReasoningInput, "a reasoning item" {
    id: "id" => or_default,
    summary: "summary" => or_default via(Option::unwrap_or_default),
    content: "content" => or_default,
    encrypted_content: "encrypted_content" => or_default,
    status: "status" => or_default,
});

deserialize_open_object!(ReasoningPart, "a reasoning part" {
    r#type: "type" => or_default,
    text: "text" => or_default,
});

deserialize_open_object!(ItemReference, "an item_reference" {
    id: "id" => required,
});

deserialize_open_object!(TextPart, "an input_text part" {
    text: "text" => required,
});

deserialize_open_object!(ImagePart, "an input_image part" {
    image_url: "image_url" => or_default,
    file_id: "file_id" => or_default,
    detail: "detail" => or_default,
});

deserialize_open_object!(FilePart, "an input_file part" {
    file_data: "file_data" => or_default,
    file_id: "file_id" => or_default,
    file_url: "file_url" => or_default,
    filename: "filename" => or_default,
});

deserialize_open_object!(OutputTextPart, "an output_text part" {
    text: "text" => required,
    annotations: "annotations" => or_default,
    logprobs: "logprobs" => or_default,
});

deserialize_open_object!(RefusalPart, "a refusal part" {
    refusal: "refusal" => required,
});
