//! The built-in requests: what a typical client sends, about 1 KiB of JSON.

use bytes::Bytes;
use serde_json::json;

/// Which request to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    /// A non-streaming chat completion.
    Chat,
    /// A streaming chat completion asking for the usage chunk.
    ChatStream,
    /// A non-streaming Responses request (`/v1/responses`).
    Responses,
    /// A streaming Responses request (`/v1/responses`).
    ResponsesStream,
}

/// The system prompt both kinds carry.
const INSTRUCTIONS: &str = "You are a concise assistant for a weather service. Answer in plain \
    English, in at most three sentences, and say when you are unsure. Never invent numbers.";

/// The earlier turns of the conversation.
const HISTORY: [(&str, &str); 2] = [
    ("user", "What makes a sunset red?"),
    (
        "assistant",
        "At sunset, light crosses much more air, which scatters the blue away and leaves \
         the reds and oranges.",
    ),
];

/// The question.
const QUESTION: &str = "Then why is the sky blue at noon?";

impl Kind {
    /// The JSON body of this request naming `model`.
    pub fn body(self, model: &str) -> Bytes {
        let value = match self {
            Kind::Chat | Kind::ChatStream => {
                let mut messages = vec![json!({"role": "system", "content": INSTRUCTIONS})];
                messages.extend(
                    HISTORY
                        .iter()
                        .map(|(role, content)| json!({"role": role, "content": content})),
                );
                messages.push(json!({"role": "user", "content": QUESTION}));
                let mut body = json!({
                    "model": model,
                    "messages": messages,
                    "temperature": 0.7,
                    "max_tokens": 256,
                    "user": "bench-user-0001",
                });
                if self == Kind::ChatStream {
                    body["stream"] = json!(true);
                    body["stream_options"] = json!({"include_usage": true});
                }
                body
            }
            Kind::Responses | Kind::ResponsesStream => {
                let mut input: Vec<_> = HISTORY
                    .iter()
                    .map(|(role, content)| json!({"role": role, "content": content}))
                    .collect();
                input.push(json!({"role": "user", "content": QUESTION}));
                let mut body = json!({
                    "model": model,
                    "instructions": INSTRUCTIONS,
                    "input": input,
                    "temperature": 0.7,
                    "max_output_tokens": 256,
                });
                if self == Kind::ResponsesStream {
                    body["stream"] = json!(true);
                }
                body
            }
        };
        Bytes::from(value.to_string())
    }
}
