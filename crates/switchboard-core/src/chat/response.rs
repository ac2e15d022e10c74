//! The body of a non-streamed Chat Completions answer.

use serde::Serialize;
use serde_json::{Map, Value};

use super::finish_reason::FinishReason;
use super::message::ChatMessage;
use super::open_object::deserialize_open_object;
use super::serde_helpers::double_option;
use super::usage::Usage;

fn chat_completion() -> String {
    "chat.completion".to_owned()
}

/// A whole Chat Completions answer (`"object": "chat.completion"`).
///
/// Fields OpenAI may send as `null` (`usage`, `system_fingerprint`, `service_tier`) are
/// `Option<Option<T>>`: `None` is an absent key, `Some(None)` an explicit `null`, and
/// each is written back as it came. Vendor fields (`prompt_filter_results`, ...) stay in
/// `extra`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChatResponse {
    /// The completion's id (`chatcmpl-...`).
    pub id: String,
    /// Always `"chat.completion"` from OpenAI; read as sent, defaulting to that.
    pub object: String,
    /// Unix time, in seconds, when the completion was created.
    pub created: i64,
    /// The model that answered, as the provider names it.
    pub model: String,
    /// The answers; more than one when the request set `n`.
    pub choices: Vec<ChatChoice>,
    /// Token counts; see [`ChatResponse::usage`].
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "double_option::serialize"
    )]
    pub usage: Option<Option<Usage>>,
    /// The backend configuration's fingerprint (deprecated by OpenAI).
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "double_option::serialize"
    )]
    pub system_fingerprint: Option<Option<String>>,
    /// The tier that processed the request.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "double_option::serialize"
    )]
    pub service_tier: Option<Option<String>>,
    /// Fields we do not model, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

deserialize_open_object!(ChatResponse, "a chat completion" {
    id: "id" => or_default,
    object: "object" => or(chat_completion()),
    created: "created" => or_default,
    model: "model" => or_default,
    choices: "choices" => or_default,
    usage: "usage" => present,
    system_fingerprint: "system_fingerprint" => present,
    service_tier: "service_tier" => present,
});

impl Default for ChatResponse {
    /// An empty answer with `object` set to `"chat.completion"`.
    fn default() -> Self {
        Self {
            id: String::new(),
            object: chat_completion(),
            created: 0,
            model: String::new(),
            choices: Vec::new(),
            usage: None,
            system_fingerprint: None,
            service_tier: None,
            extra: Map::new(),
        }
    }
}

impl ChatResponse {
    /// The token counts, whether absent or `null` (both `None`).
    pub fn usage(&self) -> Option<&Usage> {
        self.usage.as_ref().and_then(Option::as_ref)
    }
}

/// One answer of a [`ChatResponse`].
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct ChatChoice {
    /// The choice's position, 0 unless the request set `n`.
    pub index: u32,
    /// The assistant's message.
    pub message: ChatMessage,
    /// Why generation stopped; `Some(None)` for an explicit `null`.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "double_option::serialize"
    )]
    pub finish_reason: Option<Option<FinishReason>>,
    /// Log probabilities, kept as JSON; `Some(Value::Null)` for an explicit `null`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logprobs: Option<Value>,
    /// Fields we do not model (`content_filter_results`, ...), kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

deserialize_open_object!(ChatChoice, "a chat completion choice" {
    index: "index" => or_default,
    message: "message" => or_default,
    finish_reason: "finish_reason" => present,
    logprobs: "logprobs" => present,
});

impl ChatChoice {
    /// Why generation stopped, whether absent or `null` (both `None`).
    pub fn finish_reason(&self) -> Option<&FinishReason> {
        self.finish_reason.as_ref().and_then(Option::as_ref)
    }
}
