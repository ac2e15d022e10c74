//! The request side of the bridge: a client's [`CreateResponse`] (plus the history it
//! continues) → a canonical [`ChatRequest`] for a chat-only upstream.
//!
//! Pure: the caller loads the `previous_response_id` chain and resolves `item_reference`
//! ids; this module only maps. `messages.rs` assembles the conversation, `content.rs`
//! converts content parts, `tools.rs` translates the tools and `tool_choice`; the
//! parameters are mapped here (bridge spec §2).

mod content;
mod messages;
mod tools;

#[cfg(test)]
mod tests;

use std::borrow::Cow;

use serde_json::Value;

use super::echo::ResponseEcho;
use super::input::{Input, InputContent, InputItem, MessageInput};
use super::request::{CreateResponse, TextFormat};
use super::tool_names::ToolNames;
use crate::chat::{ChatRequest, ResponseFormat, Role, StreamOptions};
use crate::error::GatewayError;

/// How the translation treats system and developer messages.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TranslateOptions {
    /// Where system/developer messages go; [`SystemPolicy::MergeLeading`] by default.
    pub system_policy: SystemPolicy,
}

/// Where `instructions` and system/developer messages end up in the chat conversation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SystemPolicy {
    /// `instructions` as a leading `system` message; system and developer messages kept
    /// where and as they are (for upstreams that accept them anywhere, OpenAI's own).
    Keep,
    /// The default: `instructions` and all leading system/developer messages become ONE
    /// first `system` message (texts joined by blank lines); a system or developer
    /// message later in the conversation becomes a `user` message, since Qwen-style
    /// templates reject a system message anywhere but first.
    #[default]
    MergeLeading,
}

/// The result of [`to_chat`]: the chat request and what the response side needs.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatTranslation {
    /// The chat request, `model` as the client named it (the gateway replaces it with the
    /// upstream's id) and `max_completion_tokens` for the output limit (the adapter
    /// renames it per provider).
    pub request: ChatRequest,
    /// How chat function names map back to custom and namespaced Responses tools.
    pub tool_names: ToolNames,
    /// The request parameters every `Response` echoes.
    pub echo: ResponseEcho,
    /// True when the client wants reasoning items: `reasoning.summary` is set or
    /// `include` has `reasoning.encrypted_content`.
    pub include_reasoning: bool,
}

/// Translates a Responses request into a chat request.
///
/// `history`: the items replayed before this request's input (the stored
/// `previous_response_id` chain's inputs and outputs, oldest first), as JSON; this
/// request's `instructions` apply, earlier ones are not inherited. `lookup` resolves an
/// `item_reference` id to a stored item (`None` if unknown: a 400 `Item with id 'X' not
/// found.`, param `input`, for a reference in `input`). A history item that does not parse,
/// or a reference in `history` that `lookup` cannot resolve, is skipped.
///
/// Errors (all 400, whose fault is the client's): `background: true`, `conversation`,
/// `prompt` (unsupported); an unknown item reference; an image given by file id; a
/// `tool_choice` that forces a tool chat cannot offer.
pub fn to_chat(
    request: &CreateResponse,
    history: &[Value],
    lookup: &dyn Fn(&str) -> Option<Value>,
    options: &TranslateOptions,
) -> Result<ChatTranslation, GatewayError> {
    reject_unsupported(request)?;
    let items = items(request, history, lookup)?;
    let messages = messages::assemble(
        request.instructions.as_deref(),
        &items,
        options.system_policy,
    )?;

    let mut tools = tools::translate(request.tools.as_deref().unwrap_or_default());
    let tool_choice = tools::choice(request.tool_choice.as_ref(), &mut tools)?;
    let mut chat = ChatRequest {
        model: request.model.clone(),
        messages,
        ..ChatRequest::default()
    };
    // Some servers reject `tool_choice` or `parallel_tool_calls` without tools.
    if !tools.tools.is_empty() {
        chat.tools = Some(tools.tools);
        chat.tool_choice = tool_choice;
        chat.parallel_tool_calls = request.parallel_tool_calls;
    }
    parameters(request, &mut chat);

    Ok(ChatTranslation {
        request: chat,
        tool_names: tools.names,
        echo: request.echo(),
        include_reasoning: request.wants_reasoning(),
    })
}

/// 400 for the request fields the gateway does not implement.
fn reject_unsupported(request: &CreateResponse) -> Result<(), GatewayError> {
    let unsupported = |param: &str, message: &str| {
        Err(GatewayError::invalid_request(message)
            .with_param(param)
            .with_code("unsupported_parameter"))
    };
    if request.background == Some(true) {
        return unsupported(
            "background",
            "Background responses are not supported by this gateway.",
        );
    }
    if request.conversation.is_some() {
        return unsupported(
            "conversation",
            "Conversations are not supported by this gateway; send the conversation as \
             `input` items or continue it with `previous_response_id`.",
        );
    }
    if request.prompt.is_some() {
        return unsupported(
            "prompt",
            "Stored prompt templates (`prompt`) are not supported by this gateway.",
        );
    }
    Ok(())
}

/// History then input, as items, with every `item_reference` resolved.
fn items<'a>(
    request: &'a CreateResponse,
    history: &[Value],
    lookup: &dyn Fn(&str) -> Option<Value>,
) -> Result<Vec<Cow<'a, InputItem>>, GatewayError> {
    let mut items = Vec::with_capacity(history.len() + 1);
    for value in history {
        // A stored reference the store cannot resolve any more is the gateway's data, not
        // the client's mistake: it is skipped rather than answered with a 400.
        if let Ok(item) = resolve(stored(value), lookup) {
            items.push(Cow::Owned(item));
        }
    }
    match &request.input {
        Input::Text(text) => items.push(Cow::Owned(InputItem::Message(MessageInput {
            role: Role::User,
            content: InputContent::Text(text.clone()),
            ..MessageInput::default()
        }))),
        Input::Items(input) => {
            for item in input {
                items.push(match item {
                    InputItem::ItemReference(_) => Cow::Owned(resolve(item.clone(), lookup)?),
                    other => Cow::Borrowed(other),
                });
            }
        }
    }
    Ok(items)
}

/// A stored item read back; one that does not parse is kept as `Unknown` (and skipped).
fn stored(value: &Value) -> InputItem {
    InputItem::from_value::<serde_json::Error>(value.clone())
        .unwrap_or_else(|_| InputItem::Unknown(value.clone()))
}

/// The item an `item_reference` names (one level: a reference to a reference is not
/// found); any other item as it is.
fn resolve(
    item: InputItem,
    lookup: &dyn Fn(&str) -> Option<Value>,
) -> Result<InputItem, GatewayError> {
    let InputItem::ItemReference(reference) = item else {
        return Ok(item);
    };
    match lookup(&reference.id).map(|value| stored(&value)) {
        Some(found) if !matches!(found, InputItem::ItemReference(_)) => Ok(found),
        _ => Err(GatewayError::invalid_request(format!(
            "Item with id '{}' not found.",
            reference.id
        ))
        .with_param("input")),
    }
}

/// The sampling, format and output parameters (bridge spec §2.1).
fn parameters(request: &CreateResponse, chat: &mut ChatRequest) {
    if let Some(text) = &request.text {
        chat.response_format = match &text.format {
            Some(TextFormat::JsonSchema(schema)) => Some(ResponseFormat::JsonSchema {
                json_schema: schema.clone(),
            }),
            Some(TextFormat::JsonObject) => Some(ResponseFormat::JsonObject),
            Some(TextFormat::Other(other)) => Some(ResponseFormat::Other(other.clone())),
            Some(TextFormat::Text) | None => None,
        };
        chat.verbosity = text.verbosity.clone();
    }
    chat.reasoning_effort = request
        .reasoning
        .as_ref()
        .and_then(|reasoning| reasoning.effort.clone());
    chat.max_completion_tokens = request.max_output_tokens;
    chat.temperature = request.temperature;
    chat.top_p = request.top_p;
    chat.user = request.user.clone();
    chat.safety_identifier = request.safety_identifier.clone();
    chat.prompt_cache_key = request.prompt_cache_key.clone();
    chat.service_tier = request.service_tier.clone();
    if request.includes("message.output_text.logprobs")
        || request.top_logprobs.is_some_and(|top| top > 0)
    {
        chat.logprobs = Some(true);
        chat.top_logprobs = request.top_logprobs;
    }
    chat.stream = request.stream;
    if request.stream == Some(true) {
        chat.stream_options = Some(StreamOptions {
            include_usage: Some(true),
            ..StreamOptions::default()
        });
    }
}
