//! The wire types of `POST /v1/completions`: the request, its prompt, and the response
//! object that both a whole answer and every stream chunk use.

use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::chat::{FinishReason, Stop, StreamOptions, Usage};

/// The `max_tokens` a completion gets when the request leaves it out (OpenAI's default).
pub const DEFAULT_MAX_TOKENS: u32 = 16;

/// A legacy Completions request, as a client sends it.
///
/// Every field but `model` and `prompt` is optional; an absent field stays absent when the
/// request is forwarded, and an explicit `null` reads as absent. A missing `model` reads as
/// `""` so the caller can report it in its own error format. Values are kept as sent, even
/// out-of-range ones (`max_tokens: -1`), so that [`super::to_chat`] can refuse them with
/// OpenAI's own error. Vendor fields are kept in `extra` and forwarded.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CompletionRequest {
    /// The model to use, as the client named it.
    #[serde(default)]
    pub model: String,
    /// The prompt(s) to complete; `None` when absent or `null`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub prompt: Option<Prompt>,
    /// Text that comes after the completion (fill-in-the-middle).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub suffix: Option<String>,
    /// Limit on generated tokens; [`DEFAULT_MAX_TOKENS`] when absent. Signed, so that a
    /// negative value can be refused with a clear message rather than a parse error.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub max_tokens: Option<i64>,
    /// Sampling temperature, 0 to 2.
    #[serde(
        skip_serializing_if = "Option::is_none",
        default,
        serialize_with = "compact_f64"
    )]
    pub temperature: Option<f64>,
    /// Nucleus sampling probability mass, 0 to 1.
    #[serde(
        skip_serializing_if = "Option::is_none",
        default,
        serialize_with = "compact_f64"
    )]
    pub top_p: Option<f64>,
    /// How many completions to generate for each prompt.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub n: Option<u32>,
    /// Whether to answer as a server-sent event stream; see [`CompletionRequest::wants_stream`].
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub stream: Option<bool>,
    /// Options for a streamed answer (`include_usage`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub stream_options: Option<StreamOptions>,
    /// How many most likely tokens to return log probabilities for, 0 to 5.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub logprobs: Option<u32>,
    /// Whether to return the prompt in front of the completion.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub echo: Option<bool>,
    /// Up to four sequences that stop generation.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub stop: Option<Stop>,
    /// Penalty for tokens that appeared at all, -2.0 to 2.0.
    #[serde(
        skip_serializing_if = "Option::is_none",
        default,
        serialize_with = "compact_f64"
    )]
    pub presence_penalty: Option<f64>,
    /// Penalty for tokens by how often they appeared, -2.0 to 2.0.
    #[serde(
        skip_serializing_if = "Option::is_none",
        default,
        serialize_with = "compact_f64"
    )]
    pub frequency_penalty: Option<f64>,
    /// How many completions to generate server-side, returning the best `n`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub best_of: Option<u32>,
    /// Token id (as a string) to bias, -100 to 100.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub logit_bias: Option<Map<String, Value>>,
    /// An end-user id, for abuse detection.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub user: Option<String>,
    /// Seed for best-effort deterministic sampling.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub seed: Option<i64>,
    /// Fields we do not model, kept verbatim and forwarded.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl CompletionRequest {
    /// True when the client asked for a stream (`"stream": true`); absent means no.
    pub fn wants_stream(&self) -> bool {
        self.stream == Some(true)
    }

    /// True when the client asked for a final usage chunk
    /// (`stream_options.include_usage: true`).
    pub fn wants_stream_usage(&self) -> bool {
        self.stream_options
            .as_ref()
            .and_then(|options| options.include_usage)
            == Some(true)
    }
}

/// The request's `prompt`, in any of the four forms OpenAI takes, plus a fallback.
///
/// Token arrays are parsed, not rejected, so that a chat-only route can refuse them with a
/// 400 naming `prompt` and a route with a native completions endpoint can forward them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Prompt {
    /// One prompt as text.
    Text(String),
    /// Several prompts as text (a batch); `[]` parses here too.
    Texts(Vec<String>),
    /// One prompt as token ids.
    Tokens(Vec<u32>),
    /// Several prompts as token ids.
    TokenBatches(Vec<Vec<u32>>),
    /// Anything else (a number, an object, a mixed array), kept verbatim.
    Other(Value),
}

fn text_completion() -> String {
    "text_completion".to_owned()
}

/// A completion (`"object": "text_completion"`): a whole answer, or one stream chunk.
///
/// Unlike chat, the stream uses this same shape: each chunk's `choices[].text` is a piece
/// of the answer, `finish_reason` is `null` until the choice's last chunk, and a final
/// chunk with `choices: []` carries `usage` when the client set
/// `stream_options.include_usage`. `usage` and `system_fingerprint` are left out when
/// `None`. Vendor fields read from a native upstream stay in `extra`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompletionResponse {
    /// The completion's id (`cmpl-...`), the same on every chunk.
    #[serde(default)]
    pub id: String,
    /// Always `"text_completion"`; read as sent, defaulting to that.
    #[serde(default = "text_completion")]
    pub object: String,
    /// Unix time, in seconds, when the completion was created.
    #[serde(default)]
    pub created: i64,
    /// The model that answered, as the provider names it.
    #[serde(default)]
    pub model: String,
    /// The answers (or their pieces); empty on the final usage chunk.
    #[serde(default)]
    pub choices: Vec<CompletionChoice>,
    /// Token counts: on a whole answer, or on the final stream chunk.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub usage: Option<Usage>,
    /// The backend configuration's fingerprint.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub system_fingerprint: Option<String>,
    /// Fields we do not model, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Default for CompletionResponse {
    /// An empty completion with `object` set to `"text_completion"`.
    fn default() -> Self {
        Self {
            id: String::new(),
            object: text_completion(),
            created: 0,
            model: String::new(),
            choices: Vec::new(),
            usage: None,
            system_fingerprint: None,
            extra: Map::new(),
        }
    }
}

/// One answer of a [`CompletionResponse`], or its piece in a stream chunk.
///
/// All four keys are always written: `logprobs` and `finish_reason` as `null` when `None`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CompletionChoice {
    /// The generated text, or this chunk's piece of it.
    #[serde(default)]
    pub text: String,
    /// The choice's position, 0 unless the request set `n`.
    #[serde(default)]
    pub index: u32,
    /// Log probabilities, kept as JSON; `None` is written as `null`.
    #[serde(default)]
    pub logprobs: Option<Value>,
    /// Why generation stopped; `None` (written as `null`) until the choice's last chunk.
    #[serde(default)]
    pub finish_reason: Option<FinishReason>,
    /// Fields we do not model, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Writes a whole-number `f64` as an integer, so a client's `"temperature": 1` is forwarded
/// as `1`, not `1.0`. (The chat types have the same helper, private to their module.)
fn compact_f64<S: Serializer>(value: &Option<f64>, serializer: S) -> Result<S::Ok, S::Error> {
    // 2^53: every integer below it is exact in an f64, so the cast loses nothing.
    const EXACT: f64 = 9_007_199_254_740_992.0;
    match *value {
        Some(v) if v.fract() == 0.0 && v.abs() < EXACT => {
            #[allow(clippy::cast_possible_truncation)]
            let whole = v as i64;
            serializer.serialize_i64(whole)
        }
        Some(v) => serializer.serialize_f64(v),
        None => serializer.serialize_none(),
    }
}
