//! Input items → chat messages, keeping the rules chat upstreams and their templates
//! enforce (bridge spec §2.2, "assembly rules"):
//!
//! - one leading system message (policy [`SystemPolicy::MergeLeading`]), later
//!   system/developer messages as `user` messages;
//! - consecutive calls, and assistant text between a call and its output, in ONE
//!   assistant message, answered by adjacent `tool` messages; an output without a pending
//!   call is dropped, and a call left unanswered (by a later message, or at the very end)
//!   gets a `(no output)` tool message, since chat upstreams refuse an assistant
//!   `tool_calls` message that is not answered;
//! - reasoning attached to the next assistant message, forgotten at a user message.

use std::borrow::Cow;

use serde_json::json;

use super::SystemPolicy;
use super::content::{assistant_text, chat_content, plain_text, tool_output};
use crate::chat::{ChatMessage, ContentPart, MessageContent, Role, ToolCall};
use crate::error::GatewayError;
use crate::responses::input::{InputItem, MessageInput, ReasoningInput, ToolOutput};
use crate::responses::tool_names::{CUSTOM_INPUT_PARAM, chat_name};

/// The content of the tool message synthesized for a call the client never answered.
const NO_OUTPUT: &str = "(no output)";

/// The text before the images of tool outputs, in the user message that carries them.
const IMAGES_INTRO: &str = "Images returned by the tool calls above:";

/// The chat messages for `instructions` followed by `items` (oldest first).
pub(super) fn assemble(
    instructions: Option<&str>,
    items: &[Cow<'_, InputItem>],
    policy: SystemPolicy,
) -> Result<Vec<ChatMessage>, GatewayError> {
    let mut assembler = Assembler {
        policy,
        ..Assembler::default()
    };
    if let Some(instructions) = instructions.filter(|text| !text.is_empty()) {
        match policy {
            SystemPolicy::MergeLeading => assembler.leading.push(instructions.to_owned()),
            SystemPolicy::Keep => assembler.messages.push(ChatMessage::system(instructions)),
        }
    }
    for item in items {
        assembler.item(item)?;
    }
    Ok(assembler.finish())
}

/// An assistant message whose tool calls still wait for outputs.
#[derive(Debug)]
struct Turn {
    /// Its index in `messages`.
    assistant: usize,
    /// The call ids not answered yet, in call order.
    awaiting: Vec<String>,
}

#[derive(Debug, Default)]
struct Assembler {
    policy: SystemPolicy,
    /// MergeLeading: the texts of the one leading system message.
    leading: Vec<String>,
    /// True once an item other than a system/developer message was seen.
    past_leading: bool,
    messages: Vec<ChatMessage>,
    turn: Option<Turn>,
    /// Reasoning waiting for the next assistant message.
    reasoning: Option<String>,
    /// Images from tool outputs, sent in a user message once the turn is answered.
    images: Vec<ContentPart>,
}

impl Assembler {
    fn item(&mut self, item: &InputItem) -> Result<(), GatewayError> {
        match item {
            InputItem::Message(message) => self.message(message)?,
            InputItem::FunctionCall(call) => {
                let name = match &call.namespace {
                    Some(namespace) => chat_name(namespace, &call.name),
                    None => call.name.clone(),
                };
                let arguments = if call.arguments.trim().is_empty() {
                    "{}".to_owned()
                } else {
                    call.arguments.clone()
                };
                self.call(&call.call_id, name, arguments);
            }
            InputItem::CustomToolCall(call) => {
                let arguments = json!({ CUSTOM_INPUT_PARAM: call.input }).to_string();
                self.call(&call.call_id, call.name.clone(), arguments);
            }
            InputItem::FunctionCallOutput(output) | InputItem::CustomToolCallOutput(output) => {
                self.output(output);
            }
            InputItem::Reasoning(reasoning) => self.reasoning(reasoning),
            // References are resolved before assembly; other items are hosted-tool
            // history that chat has no place for.
            InputItem::ItemReference(_) | InputItem::Unknown(_) => {}
        }
        Ok(())
    }

    fn message(&mut self, message: &MessageInput) -> Result<(), GatewayError> {
        let instruction = matches!(message.role, Role::System | Role::Developer);
        match (&message.role, self.policy) {
            (_, SystemPolicy::MergeLeading) if instruction && !self.past_leading => {
                let text = plain_text(&message.content);
                if !text.is_empty() {
                    self.leading.push(text);
                }
                Ok(())
            }
            (_, SystemPolicy::MergeLeading) if instruction => self.push(Role::User, message),
            (Role::Assistant, _) => {
                self.assistant(message);
                Ok(())
            }
            (role, _) => self.push(role.clone(), message),
        }
    }

    /// A user (or demoted system) message: it ends any open turn.
    fn push(&mut self, role: Role, message: &MessageInput) -> Result<(), GatewayError> {
        let content = chat_content(&message.content)?;
        self.past_leading = true;
        self.close_turn();
        self.reasoning = None;
        self.messages.push(ChatMessage {
            role,
            content: Some(Some(content)),
            ..ChatMessage::default()
        });
        Ok(())
    }

    fn assistant(&mut self, message: &MessageInput) {
        self.past_leading = true;
        let (text, refusal) = assistant_text(&message.content);
        let reasoning = self.reasoning.take();
        if let Some(turn) = &self.turn {
            // Text between a call and its output belongs to the tool-calling message.
            if let Some(target) = self.messages.get_mut(turn.assistant) {
                append_content(target, &text);
                append(&mut target.refusal, &refusal);
                append(
                    &mut target.reasoning_content,
                    reasoning.as_deref().unwrap_or(""),
                );
            }
            return;
        }
        if text.is_empty() && refusal.is_empty() && reasoning.is_none() {
            return;
        }
        let content = if text.is_empty() && !refusal.is_empty() {
            None
        } else {
            Some(MessageContent::Text(text))
        };
        self.messages.push(ChatMessage {
            role: Role::Assistant,
            content: Some(content),
            refusal: (!refusal.is_empty()).then_some(Some(refusal)),
            reasoning_content: reasoning.map(Some),
            ..ChatMessage::default()
        });
    }

    fn call(&mut self, call_id: &str, name: String, arguments: String) {
        self.past_leading = true;
        if self.turn.is_none() {
            let merge = self
                .messages
                .last()
                .is_some_and(|last| last.role == Role::Assistant && last.tool_calls.is_none());
            if !merge {
                self.messages.push(ChatMessage {
                    role: Role::Assistant,
                    content: Some(None),
                    ..ChatMessage::default()
                });
            }
            self.turn = Some(Turn {
                assistant: self.messages.len().saturating_sub(1),
                awaiting: Vec::new(),
            });
        }
        let Some(turn) = &mut self.turn else {
            return;
        };
        let Some(target) = self.messages.get_mut(turn.assistant) else {
            return;
        };
        if let Some(reasoning) = self.reasoning.take() {
            append(&mut target.reasoning_content, &reasoning);
        }
        let calls = target.tool_calls.get_or_insert_with(Vec::new);
        // A call replayed twice (same id) is one call.
        if calls.iter().any(|call| call.id == call_id) {
            return;
        }
        calls.push(ToolCall::function(call_id, name, arguments));
        turn.awaiting.push(call_id.to_owned());
    }

    fn output(&mut self, output: &ToolOutput) {
        self.past_leading = true;
        let Some(turn) = &mut self.turn else {
            return; // No pending call: an orphan, dropped.
        };
        let Some(position) = turn.awaiting.iter().position(|id| *id == output.call_id) else {
            return;
        };
        turn.awaiting.remove(position);
        let answered = turn.awaiting.is_empty();
        let (text, images) = tool_output(&output.output);
        self.images.extend(images);
        self.messages.push(ChatMessage::tool(&output.call_id, text));
        if answered {
            self.close_turn();
        }
    }

    fn reasoning(&mut self, item: &ReasoningInput) {
        self.past_leading = true;
        // `encrypted_content` is never forwarded: only the gateway could read its own.
        let text = item.text();
        if text.is_empty() {
            return;
        }
        match &mut self.reasoning {
            Some(pending) => {
                pending.push_str("\n\n");
                pending.push_str(&text);
            }
            None => self.reasoning = Some(text),
        }
    }

    /// Ends the open turn: `(no output)` for each unanswered call, then the images its
    /// outputs returned, in a user message.
    fn close_turn(&mut self) {
        let Some(turn) = self.turn.take() else {
            return;
        };
        for call_id in turn.awaiting {
            self.messages.push(ChatMessage::tool(call_id, NO_OUTPUT));
        }
        if !self.images.is_empty() {
            let mut parts = vec![ContentPart::text(IMAGES_INTRO)];
            parts.append(&mut self.images);
            self.messages.push(ChatMessage {
                role: Role::User,
                content: Some(Some(MessageContent::Parts(parts))),
                ..ChatMessage::default()
            });
        }
    }

    fn finish(mut self) -> Vec<ChatMessage> {
        // Every unanswered call is closed so tool-call adjacency holds: OpenAI and its
        // kin answer 400 to an assistant `tool_calls` message without its tool messages.
        self.close_turn();
        if !self.leading.is_empty() {
            let system = ChatMessage::system(self.leading.join("\n\n"));
            self.messages.insert(0, system);
        }
        self.messages
    }
}

/// Appends `text` to an assistant message's text content, a blank line between.
fn append_content(message: &mut ChatMessage, text: &str) {
    if text.is_empty() {
        return;
    }
    match &mut message.content {
        Some(Some(MessageContent::Text(existing))) if !existing.is_empty() => {
            existing.push_str("\n\n");
            existing.push_str(text);
        }
        _ => message.content = Some(Some(MessageContent::Text(text.to_owned()))),
    }
}

/// Appends `text` to a nullable text field, a blank line between.
fn append(field: &mut Option<Option<String>>, text: &str) {
    if text.is_empty() {
        return;
    }
    match field {
        Some(Some(existing)) if !existing.is_empty() => {
            existing.push_str("\n\n");
            existing.push_str(text);
        }
        _ => *field = Some(Some(text.to_owned())),
    }
}
