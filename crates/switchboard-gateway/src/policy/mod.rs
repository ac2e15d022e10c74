//! A model's request policy: a system prompt added to every request, parameters set by
//! default or forced, parameters allowed or denied, and a body size cap. Applied to the
//! request body once, before any deployment is tried; a model without a policy costs
//! nothing (the body is not parsed for it).

use std::borrow::Cow;

use bytes::Bytes;
use serde_json::{Map, Value};
use switchboard_core::{ChatPeek, GatewayError};

use crate::config::{PolicyConfig, PromptPosition};
use crate::routing::ModelRoute;

/// The body and its peek as `route` wants them: unchanged (borrowed, nothing parsed) when
/// the model has no policy, else rewritten by it and peeked again.
pub(crate) fn prepare<'a>(
    route: &ModelRoute,
    api: Api,
    body: &'a Bytes,
    peek: &'a ChatPeek,
) -> Result<(Cow<'a, Bytes>, Cow<'a, ChatPeek>), GatewayError> {
    match &route.policy {
        None => Ok((Cow::Borrowed(body), Cow::Borrowed(peek))),
        Some(policy) => {
            let body = policy.apply(api, body)?;
            let peek = ChatPeek::parse(&body)?;
            Ok((Cow::Owned(body), Cow::Owned(peek)))
        }
    }
}

/// Parameters every request needs, never refused by `allowed_params`.
const ESSENTIAL: [&str; 6] = [
    "model",
    "messages",
    "input",
    "prompt",
    "stream",
    "stream_options",
];

/// Which API the body speaks (where the system prompt goes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    /// Chat completions: a system message.
    Chat,
    /// Responses: `instructions`.
    Responses,
    /// Legacy completions: text before or after the prompt.
    Completions,
}

/// One model's policy.
#[derive(Debug, Clone)]
pub struct Policy {
    name: String,
    config: PolicyConfig,
}

impl Policy {
    /// The policy of model `name`; `None` when it changes nothing.
    pub fn new(name: &str, config: &PolicyConfig) -> Option<Self> {
        (!config.is_empty()).then(|| Self {
            name: name.to_owned(),
            config: config.clone(),
        })
    }

    /// The body cap, if this model sets one.
    pub fn max_body_bytes(&self) -> Option<usize> {
        self.config.max_body_bytes
    }

    /// Applies the policy to a request body: a 400 for a denied or not-allowed parameter,
    /// a 413 over the body cap, else the body with defaults, forced values and the system
    /// prompt in place.
    pub fn apply(&self, api: Api, body: &Bytes) -> Result<Bytes, GatewayError> {
        if let Some(limit) = self.config.max_body_bytes
            && body.len() > limit
        {
            return Err(GatewayError::payload_too_large(limit));
        }
        let mut object: Map<String, Value> =
            serde_json::from_slice(body).map_err(GatewayError::invalid_json)?;
        self.check_params(&object)?;
        for (key, value) in &self.config.defaults {
            object.entry(key.clone()).or_insert_with(|| value.clone());
        }
        for (key, value) in &self.config.force {
            object.insert(key.clone(), value.clone());
        }
        if let Some(prompt) = &self.config.system_prompt {
            let position = self.config.system_prompt_position;
            match api {
                Api::Chat => add_system_message(&mut object, prompt, position),
                Api::Responses => add_instructions(&mut object, prompt, position),
                Api::Completions => add_to_prompt(&mut object, prompt, position),
            }
        }
        serde_json::to_vec(&object)
            .map(Bytes::from)
            .map_err(|e| GatewayError::internal(format!("could not encode the request: {e}")))
    }

    fn check_params(&self, object: &Map<String, Value>) -> Result<(), GatewayError> {
        let refuse = |key: &str, why: &str| {
            Err(GatewayError::invalid_request(format!(
                "The parameter `{key}` is {why} for model `{}` by this gateway's policy.",
                self.name
            ))
            .with_param(key.to_owned())
            .with_code("parameter_not_allowed"))
        };
        for key in object.keys() {
            if self.config.denied_params.iter().any(|d| d == key) {
                return refuse(key, "denied");
            }
            if !self.config.allowed_params.is_empty()
                && !ESSENTIAL.contains(&key.as_str())
                && !self.config.allowed_params.iter().any(|a| a == key)
            {
                return refuse(key, "not allowed");
            }
        }
        Ok(())
    }
}

/// Chat: the prompt as a system message, first (prepend) or right after the client's own
/// leading system/developer messages (append).
fn add_system_message(object: &mut Map<String, Value>, prompt: &str, position: PromptPosition) {
    let message = serde_json::json!({"role": "system", "content": prompt});
    let Some(Value::Array(messages)) = object.get_mut("messages") else {
        return;
    };
    let at = match position {
        PromptPosition::Prepend => 0,
        PromptPosition::Append => messages
            .iter()
            .take_while(|m| {
                matches!(
                    m.get("role").and_then(Value::as_str),
                    Some("system" | "developer")
                )
            })
            .count(),
    };
    messages.insert(at, message);
}

/// Responses: the prompt joined with the client's `instructions`.
fn add_instructions(object: &mut Map<String, Value>, prompt: &str, position: PromptPosition) {
    let joined = match object.get("instructions").and_then(Value::as_str) {
        Some(own) if !own.is_empty() => match position {
            PromptPosition::Prepend => format!("{prompt}\n\n{own}"),
            PromptPosition::Append => format!("{own}\n\n{prompt}"),
        },
        _ => prompt.to_owned(),
    };
    object.insert("instructions".into(), Value::String(joined));
}

/// Legacy completions: the prompt text before or after a string prompt.
fn add_to_prompt(object: &mut Map<String, Value>, prompt: &str, position: PromptPosition) {
    if let Some(Value::String(own)) = object.get_mut("prompt") {
        *own = match position {
            PromptPosition::Prepend => format!("{prompt}\n\n{own}"),
            PromptPosition::Append => format!("{own}\n\n{prompt}"),
        };
    }
}

#[cfg(test)]
mod tests;
