//! Token estimates for requests and answers whose provider reported no usage.

use switchboard_core::chat::{ChatMessage, ChatRequest, ContentPart, MessageContent, Usage};

use super::tokenizer::count_tokens;

/// Tokens OpenAI adds around every message (`<|start|>{role}<|message|>...<|end|>`), per
/// the cookbook "How to count tokens with tiktoken".
const TOKENS_PER_MESSAGE: u64 = 3;
/// Tokens a message's `name` costs on top of its text.
const TOKENS_PER_NAME: u64 = 1;
/// Tokens that prime the reply (`<|start|>assistant<|message|>`).
const REPLY_PRIMING: u64 = 3;

/// Tokens of a chat request's prompt: text of every message (content strings and text
/// parts), plus OpenAI's per-message overhead (3 tokens per message + 3 for the reply
/// priming, as in OpenAI's cookbook "How to count tokens"), tool definitions' JSON.
///
/// As in the cookbook, each message also counts its role, its `name` (plus 1 token) and,
/// for an assistant turn, the names and arguments of its tool calls; refusal parts count
/// as text. Images, audio and files are not counted (providers bill them by size, not by
/// text), nor are OpenAI's hidden tool-formatting tokens, so a request with those is
/// underestimated. For plain text messages the result is what OpenAI bills GPT-4o-family
/// models.
pub fn estimate_prompt_tokens(request: &ChatRequest) -> u64 {
    let messages: u64 = request.messages.iter().map(message_tokens).sum();
    let tools: u64 = request
        .tools
        .iter()
        .flatten()
        .map(|tool| json_tokens(&tool))
        .sum();
    // The deprecated `functions` list is the same kind of definition as `tools`.
    let functions = request.functions.as_ref().map_or(0, json_tokens);
    REPLY_PRIMING + messages + tools + functions
}

/// One message's tokens, overhead included.
fn message_tokens(message: &ChatMessage) -> u64 {
    let mut tokens = TOKENS_PER_MESSAGE + count_tokens(message.role.as_str());
    if let Some(name) = &message.name {
        tokens += TOKENS_PER_NAME + count_tokens(name);
    }
    tokens += match message.content() {
        Some(MessageContent::Text(text)) => count_tokens(text),
        Some(MessageContent::Parts(parts)) => parts.iter().map(part_tokens).sum(),
        None => 0,
    };
    for call in message.tool_calls.iter().flatten() {
        tokens += count_tokens(&call.function.name) + count_tokens(&call.function.arguments);
    }
    tokens
}

/// A content part's tokens: text and refusals count, other parts do not.
fn part_tokens(part: &ContentPart) -> u64 {
    match part {
        ContentPart::Text { text, .. } => count_tokens(text),
        ContentPart::Refusal { refusal, .. } => count_tokens(refusal),
        _ => 0,
    }
}

/// Tokens of a value's compact JSON text; 0 if it cannot be serialized.
fn json_tokens<T: serde::Serialize + ?Sized>(value: &T) -> u64 {
    serde_json::to_string(value).map_or(0, |json| count_tokens(&json))
}

/// Accumulates streamed output text (content, reasoning, tool-call arguments) and counts
/// it at the end.
///
/// Text is kept and tokenized once in [`OutputCounter::tokens`], because a token can span
/// two stream pieces: counting piece by piece would overcount.
#[derive(Debug, Clone, Default)]
pub struct OutputCounter {
    text: String,
}

impl OutputCounter {
    /// An empty counter.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one streamed piece: a `delta.content`, `delta.reasoning_content`, a tool
    /// call's name or `function.arguments` piece, or a refusal piece.
    pub fn push(&mut self, text: &str) {
        self.text.push_str(text);
    }

    /// Tokens in everything pushed so far (0 when nothing was).
    pub fn tokens(&self) -> u64 {
        count_tokens(&self.text)
    }
}

/// Fills in a Usage from estimates, for a provider that returned none.
///
/// `total_tokens` is the sum of the two; no cached or reasoning breakdown is claimed, and
/// `extra` is empty. The caller records that the figures are estimates (for example the
/// `estimated` metrics label).
pub fn estimated_usage(prompt_tokens: u64, completion_tokens: u64) -> Usage {
    Usage {
        prompt_tokens,
        completion_tokens,
        total_tokens: prompt_tokens.saturating_add(completion_tokens),
        ..Usage::default()
    }
}
