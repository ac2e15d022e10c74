//! The Anthropic Messages API wire types: the request body of `POST /v1/messages`, the
//! response body, their content blocks and the usage object.
//!
//! Lenient on input: every object keeps the keys we do not model in `extra`, and a content
//! block of an unknown type is kept whole in [`ContentBlock::Other`]. The same types serve
//! Bedrock's InvokeModel, whose body is this request minus `model` and `stream`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The body of `POST /v1/messages`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct MessagesRequest {
    /// The model id; left out of the JSON when empty (Bedrock puts it in the URL).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub model: String,
    /// The output limit, which Anthropic requires.
    pub max_tokens: u32,
    /// The conversation, alternating `user` and `assistant`.
    pub messages: Vec<Message>,
    /// The system prompt, lifted out of the conversation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<System>,
    /// Sequences that stop generation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_sequences: Option<Vec<String>>,
    /// Sampling temperature, 0 to 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    /// Nucleus sampling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_p: Option<f64>,
    /// Tool definitions (`{name, description, input_schema}` or server tools).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tools: Option<Vec<Value>>,
    /// `{type: auto|any|tool|none, ...}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_choice: Option<Value>,
    /// `{type: "enabled", budget_tokens}`, `{type: "adaptive"}` or `{type: "disabled"}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thinking: Option<Value>,
    /// `{effort, format}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_config: Option<Map<String, Value>>,
    /// `{user_id}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
    /// `auto` or `standard_only`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_tier: Option<String>,
    /// Whether to answer as an event stream; left out for Bedrock.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<bool>,
    /// Other top-level keys (`top_k`, `context_management`, Bedrock's `anthropic_version`).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The request's `system`: a string, or text blocks (which can carry `cache_control`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum System {
    /// Plain text.
    Text(String),
    /// Text blocks.
    Blocks(Vec<ContentBlock>),
}

/// One turn of the conversation.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Message {
    /// `user` or `assistant`.
    pub role: String,
    /// The turn's blocks (always written as an array).
    pub content: Vec<ContentBlock>,
}

/// A content block, tagged by `type`. Unknown types are kept whole in `Other`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ContentBlock {
    /// `{"type":"text","text":..}`, maybe with `cache_control` or `citations`.
    Text {
        /// The text.
        text: String,
        /// Other keys, kept verbatim.
        #[serde(flatten)]
        extra: Map<String, Value>,
    },
    /// `{"type":"image","source":{"type":"base64"|"url",..}}`.
    Image {
        /// The image's source object.
        source: Value,
        /// Other keys, kept verbatim.
        #[serde(flatten)]
        extra: Map<String, Value>,
    },
    /// `{"type":"document","source":{..}}` (PDF and text documents).
    Document {
        /// The document's source object.
        source: Value,
        /// Other keys, kept verbatim.
        #[serde(flatten)]
        extra: Map<String, Value>,
    },
    /// A client tool call by the model.
    ToolUse {
        /// The call id (`toolu_...`).
        id: String,
        /// The tool's name.
        name: String,
        /// The arguments, a JSON object.
        #[serde(default)]
        input: Value,
        /// Other keys (`caller`), kept verbatim.
        #[serde(flatten)]
        extra: Map<String, Value>,
    },
    /// A tool's answer, in a user turn.
    ToolResult {
        /// The call it answers.
        tool_use_id: String,
        /// A string or an array of text/image blocks.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        content: Option<Value>,
        /// Whether the tool failed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        is_error: Option<bool>,
        /// Other keys, kept verbatim.
        #[serde(flatten)]
        extra: Map<String, Value>,
    },
    /// The model's visible reasoning, signed.
    Thinking {
        /// The reasoning text.
        #[serde(default)]
        thinking: String,
        /// The signature that must come back unchanged on the next turn.
        #[serde(default)]
        signature: String,
        /// Other keys, kept verbatim.
        #[serde(flatten)]
        extra: Map<String, Value>,
    },
    /// Reasoning the API encrypted; opaque, sent back unchanged.
    RedactedThinking {
        /// The encrypted reasoning.
        data: String,
        /// Other keys, kept verbatim.
        #[serde(flatten)]
        extra: Map<String, Value>,
    },
    /// Any other block (`server_tool_use`, `web_search_tool_result`, ...), kept whole.
    #[serde(untagged)]
    Other(Value),
}

impl ContentBlock {
    /// A text block without extra keys.
    pub fn text(text: impl Into<String>) -> Self {
        Self::Text {
            text: text.into(),
            extra: Map::new(),
        }
    }
}

/// The body of a successful non-streaming `POST /v1/messages`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct MessagesResponse {
    /// `msg_...`.
    #[serde(default)]
    pub id: String,
    /// The model that answered.
    #[serde(default)]
    pub model: String,
    /// Always `assistant`.
    #[serde(default)]
    pub role: String,
    /// The answer's blocks.
    #[serde(default)]
    pub content: Vec<ContentBlock>,
    /// `end_turn`, `max_tokens`, `stop_sequence`, `tool_use`, `pause_turn`, `refusal`, ...
    #[serde(default)]
    pub stop_reason: Option<String>,
    /// The stop sequence that matched, if one did.
    #[serde(default)]
    pub stop_sequence: Option<String>,
    /// Token counts.
    #[serde(default)]
    pub usage: AnthropicUsage,
    /// Other keys (`type`, `stop_details`, `container`), kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Anthropic's `usage`: input excludes the cache; output includes thinking.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AnthropicUsage {
    /// Uncached input tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_tokens: Option<u64>,
    /// Output tokens, thinking included (cumulative in a stream's `message_delta`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_tokens: Option<u64>,
    /// Input tokens written to the cache.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_creation_input_tokens: Option<u64>,
    /// Input tokens read from the cache.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_read_input_tokens: Option<u64>,
    /// `{thinking_tokens}` on newer models.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_tokens_details: Option<OutputTokensDetails>,
    /// Other keys (`cache_creation`, `service_tier`, `iterations`), kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `usage.output_tokens_details`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct OutputTokensDetails {
    /// Output tokens spent thinking.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thinking_tokens: Option<u64>,
    /// Other keys, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl AnthropicUsage {
    /// Overlays the counts `newer` reports (a stream's `message_delta` repeats some, and
    /// its `output_tokens` is cumulative, so a later value replaces an earlier one).
    pub fn update(&mut self, newer: &AnthropicUsage) {
        let keep = |old: &mut Option<u64>, new: Option<u64>| {
            if new.is_some() {
                *old = new;
            }
        };
        keep(&mut self.input_tokens, newer.input_tokens);
        keep(&mut self.output_tokens, newer.output_tokens);
        keep(
            &mut self.cache_creation_input_tokens,
            newer.cache_creation_input_tokens,
        );
        keep(
            &mut self.cache_read_input_tokens,
            newer.cache_read_input_tokens,
        );
        if newer.output_tokens_details.is_some() {
            self.output_tokens_details = newer.output_tokens_details.clone();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_read_known_and_unknown_types() {
        let blocks: Vec<ContentBlock> = serde_json::from_str(
            r#"[{"type":"text","text":"a","citations":null},
                {"type":"tool_use","id":"t","name":"f","input":{},"caller":{"type":"direct"}},
                {"type":"server_tool_use","id":"s","name":"web_search","input":{}},
                {"type":"thinking","thinking":"hm","signature":"sig"}]"#,
        )
        .unwrap();
        assert!(
            matches!(&blocks[0], ContentBlock::Text { text, extra } if text == "a" && extra.contains_key("citations"))
        );
        assert!(
            matches!(&blocks[1], ContentBlock::ToolUse { extra, .. } if extra.contains_key("caller"))
        );
        assert!(matches!(&blocks[2], ContentBlock::Other(v) if v["type"] == "server_tool_use"));
        assert!(
            matches!(&blocks[3], ContentBlock::Thinking { signature, .. } if signature == "sig")
        );
        let back = serde_json::to_value(&blocks[2]).unwrap();
        assert_eq!(back["type"], "server_tool_use");
        let text = serde_json::to_string(&ContentBlock::text("x")).unwrap();
        assert_eq!(text, r#"{"type":"text","text":"x"}"#);
    }

    #[test]
    fn delta_usage_replaces_what_it_repeats() {
        let mut usage: AnthropicUsage =
            serde_json::from_str(r#"{"input_tokens":43,"output_tokens":1}"#).unwrap();
        usage.update(&serde_json::from_str(r#"{"input_tokens":61,"output_tokens":2}"#).unwrap());
        assert_eq!(
            (usage.input_tokens, usage.output_tokens),
            (Some(61), Some(2))
        );
        usage.update(&serde_json::from_str(r#"{"output_tokens":5}"#).unwrap());
        assert_eq!(
            (usage.input_tokens, usage.output_tokens),
            (Some(61), Some(5))
        );
    }
}
