//! What the mock answers: a pure function of the request and the [`Behaviour`].

use std::hash::{DefaultHasher, Hash, Hasher};

use serde_json::{Map, Value, json};
use switchboard_core::chat::{
    ChatRequest, CompletionTokensDetails, FinishReason, Role, Tool, Usage,
};

use crate::Behaviour;

/// Longest echo when the model name sets no `tokensN`.
const MAX_ECHO_WORDS: usize = 64;
/// Words used to pad an answer to exactly `tokensN` words.
const FILLER: &[&str] = &[
    "lorem",
    "ipsum",
    "dolor",
    "sit",
    "amet",
    "consectetur",
    "adipiscing",
    "elit",
];

/// One planned answer, before it is shaped as a response or as stream chunks.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Reply {
    /// A stable id derived from the request.
    pub id: String,
    /// Reasoning words, streamed before the answer.
    pub reasoning: Vec<String>,
    /// Answer words.
    pub words: Vec<String>,
    /// A tool call instead of (or after) the words: (call id, name, JSON arguments).
    pub tool_call: Option<(String, String, String)>,
    /// Why the answer ended.
    pub finish_reason: FinishReason,
    /// Token counts (a word is a token).
    pub usage: Usage,
}

impl Reply {
    /// Plans the answer to `request`.
    pub(crate) fn plan(request: &ChatRequest, behaviour: &Behaviour) -> Reply {
        let last = request.messages.last();
        let prompt = last.map(|m| m.text()).unwrap_or_default();
        let after_tool = last.is_some_and(|m| m.role == Role::Tool);
        let id = stable_id(request);

        let reasoning: Vec<String> = if behaviour.reasoning {
            let count = prompt.split_whitespace().count();
            let noun = if count == 1 { "word" } else { "words" };
            format!("The user wrote {count} {noun}. I will answer deterministically.")
                .split_whitespace()
                .map(String::from)
                .collect()
        } else {
            Vec::new()
        };

        if behaviour.tool_call && !after_tool {
            let (name, arguments) = tool_call_for(request.tools.as_deref().unwrap_or(&[]), &prompt);
            let call_id = format!("call_{}", &id[id.len() - 24..]);
            let completion = reasoning.len() as u64 + (arguments.len() as u64).div_ceil(4);
            return Reply {
                usage: usage(request, completion, reasoning.len() as u64),
                id,
                reasoning,
                words: Vec::new(),
                tool_call: Some((call_id, name, arguments)),
                finish_reason: FinishReason::ToolCalls,
            };
        }

        let lead = if after_tool {
            "Tool result received:"
        } else {
            "You said:"
        };
        let mut words: Vec<String> = lead
            .split_whitespace()
            .chain(prompt.split_whitespace())
            .map(String::from)
            .collect();
        match behaviour.tokens {
            Some(n) => {
                let n = n as usize;
                let mut filler = FILLER.iter().cycle();
                while words.len() < n {
                    words.push(filler.next().copied().unwrap_or("lorem").to_owned());
                }
                words.truncate(n);
            }
            None => words.truncate(MAX_ECHO_WORDS),
        }
        let mut finish_reason = FinishReason::Stop;
        if let Some(max) = request.max_output_tokens()
            && words.len() > max as usize
        {
            words.truncate(max as usize);
            finish_reason = FinishReason::Length;
        }
        let completion = (words.len() + reasoning.len()) as u64;
        Reply {
            usage: usage(request, completion, reasoning.len() as u64),
            id,
            reasoning,
            words,
            tool_call: None,
            finish_reason,
        }
    }

    /// The answer's text: the words joined by spaces.
    pub(crate) fn text(&self) -> String {
        self.words.join(" ")
    }
}

fn usage(request: &ChatRequest, completion: u64, reasoning: u64) -> Usage {
    let prompt: u64 = request
        .messages
        .iter()
        .map(|m| m.text().split_whitespace().count() as u64 + 1)
        .sum();
    Usage {
        prompt_tokens: prompt,
        completion_tokens: completion,
        total_tokens: prompt + completion,
        completion_tokens_details: (reasoning > 0).then(|| CompletionTokensDetails {
            reasoning_tokens: Some(reasoning),
            ..CompletionTokensDetails::default()
        }),
        ..Usage::default()
    }
}

/// The call the mock makes: the first function tool with arguments filled from its schema,
/// or `get_weather({"location":"Paris"})` when the request offers no tool.
fn tool_call_for(tools: &[Tool], prompt: &str) -> (String, String) {
    let Some(function) = tools.iter().find_map(|t| t.function.as_ref()) else {
        return (
            "get_weather".into(),
            json!({"location": "Paris"}).to_string(),
        );
    };
    let mut args = Map::new();
    if let Some(Value::Object(props)) = function
        .parameters
        .as_ref()
        .and_then(|p| p.get("properties"))
    {
        for (key, schema) in props {
            let value = match schema.get("type").and_then(Value::as_str) {
                Some("integer") | Some("number") => json!(1),
                Some("boolean") => json!(true),
                Some("array") => json!([]),
                Some("object") => json!({}),
                _ => json!(if prompt.is_empty() { "mock" } else { prompt }),
            };
            args.insert(key.clone(), value);
        }
    }
    (function.name.clone(), Value::Object(args).to_string())
}

/// `chatcmpl-mock` followed by 24 hex digits derived from the messages.
fn stable_id(request: &ChatRequest) -> String {
    let mut h = DefaultHasher::new();
    request.model.hash(&mut h);
    for m in &request.messages {
        m.text().hash(&mut h);
    }
    let a = h.finish();
    a.rotate_left(17).hash(&mut h);
    let b = h.finish();
    format!("chatcmpl-mock{:016x}{:08x}", a, b as u32)
}
