//! Why a choice stopped: an open enum, so a provider's new reason is kept, not rejected.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The reason a choice stopped generating, as in a choice's `finish_reason`.
///
/// Unknown values (DeepSeek's `insufficient_system_resource`, for example) are kept in
/// [`FinishReason::Other`] and written back unchanged.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FinishReason {
    /// `stop`: a natural stop point or a stop sequence.
    Stop,
    /// `length`: the token limit was reached.
    Length,
    /// `tool_calls`: the model called one or more tools.
    ToolCalls,
    /// `content_filter`: content was left out by a content filter.
    ContentFilter,
    /// `function_call`: the deprecated single function call.
    FunctionCall,
    /// Any other value, kept verbatim.
    Other(String),
}

impl FinishReason {
    /// The wire string, as OpenAI spells it (or as the provider sent it, for `Other`).
    pub fn as_str(&self) -> &str {
        match self {
            Self::Stop => "stop",
            Self::Length => "length",
            Self::ToolCalls => "tool_calls",
            Self::ContentFilter => "content_filter",
            Self::FunctionCall => "function_call",
            Self::Other(other) => other,
        }
    }
}

impl From<&str> for FinishReason {
    /// Maps a wire string to its variant; an unknown one becomes `Other`.
    fn from(value: &str) -> Self {
        match value {
            "stop" => Self::Stop,
            "length" => Self::Length,
            "tool_calls" => Self::ToolCalls,
            "content_filter" => Self::ContentFilter,
            "function_call" => Self::FunctionCall,
            other => Self::Other(other.to_owned()),
        }
    }
}

impl From<String> for FinishReason {
    /// Maps a wire string to its variant, reusing the allocation for `Other`.
    fn from(value: String) -> Self {
        match Self::from(value.as_str()) {
            Self::Other(_) => Self::Other(value),
            known => known,
        }
    }
}

impl fmt::Display for FinishReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for FinishReason {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for FinishReason {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self::from)
    }
}
