//! A legacy Completions request → a canonical Chat Completions request, for upstreams that
//! speak only chat. Upstreams with a native `/v1/completions` endpoint get the request as
//! it came and never reach this file.

use serde_json::{Map, Value};

use super::types::{CompletionRequest, DEFAULT_MAX_TOKENS, Prompt};
use crate::chat::{ChatMessage, ChatRequest};
use crate::error::GatewayError;

/// Why a feature a chat upstream lacks is refused, and what would serve it instead.
const NEEDS_NATIVE: &str = "this model's upstream speaks only Chat Completions, so it \
    would need an upstream with a native /v1/completions endpoint";

/// Translates a Completions request into the chat request a chat-only upstream takes.
///
/// Called by the gateway when a `/v1/completions` request is routed to an adapter without
/// a native completions endpoint. The prompt becomes one `user` message; `max_tokens`
/// becomes chat `max_tokens`, [`DEFAULT_MAX_TOKENS`] (16) when absent, as OpenAI's
/// completions default, unless `extra` carries a chat `max_completion_tokens`. `stop`,
/// `temperature`, `top_p`, `n`, `seed`, both penalties, `logit_bias`, `user`, `stream` and
/// `stream_options` pass through unchanged. Unmodelled fields are read as chat fields:
/// a chat field (`response_format`, `reasoning_effort`, ...) lands in its slot, anything
/// else in the chat request's `extra`, and all are forwarded.
///
/// Errors (all 400 `invalid_request_error` naming the `param`): a missing prompt, an
/// empty or batched (more than one) prompt array, token-array prompts, a non-empty
/// `suffix`, `echo: true`, `best_of` above 1, any `logprobs`, and `max_tokens` out of
/// range (with OpenAI's own message and code). `echo: false` and `best_of` 0 or 1 change
/// nothing and are dropped.
pub fn to_chat(req: &CompletionRequest) -> Result<ChatRequest, GatewayError> {
    let prompt = prompt_text(req.prompt.as_ref())?;
    refuse_unsupported(req)?;
    let max_tokens = max_tokens(req.max_tokens)?;

    let mut chat = chat_from_extra(&req.extra)?;
    chat.model.clone_from(&req.model);
    chat.messages = vec![ChatMessage::user(prompt)];
    chat.max_tokens = match max_tokens {
        Some(limit) => Some(limit),
        None if chat.max_completion_tokens.is_some() => None,
        None => Some(DEFAULT_MAX_TOKENS),
    };
    chat.temperature = req.temperature;
    chat.top_p = req.top_p;
    chat.n = req.n;
    chat.stream = req.stream;
    chat.stream_options.clone_from(&req.stream_options);
    chat.stop.clone_from(&req.stop);
    chat.presence_penalty = req.presence_penalty;
    chat.frequency_penalty = req.frequency_penalty;
    chat.logit_bias.clone_from(&req.logit_bias);
    chat.user.clone_from(&req.user);
    chat.seed = req.seed;
    Ok(chat)
}

/// A chat request holding only the unmodelled fields, each in its chat slot if it has one.
fn chat_from_extra(extra: &Map<String, Value>) -> Result<ChatRequest, GatewayError> {
    serde_json::from_value(Value::Object(extra.clone())).map_err(|err| {
        // Only on this error path: read the fields one by one to name the bad one.
        let culprit = extra.iter().find(|(key, value)| {
            let alone = Map::from_iter([((*key).clone(), (*value).clone())]);
            serde_json::from_value::<ChatRequest>(Value::Object(alone)).is_err()
        });
        let error = GatewayError::invalid_request(format!(
            "A parameter could not be read as the Chat Completions parameter of the same \
             name: {err}"
        ))
        .with_code("invalid_type");
        match culprit {
            Some((key, _)) => error.with_param(key.clone()),
            None => error,
        }
    })
}

/// The one prompt's text, or the 400 that explains why there is none.
fn prompt_text(prompt: Option<&Prompt>) -> Result<String, GatewayError> {
    let refuse = |message: String| Err(unsupported("prompt", message, "unsupported_value"));
    match prompt {
        None => Err(GatewayError::missing_param("prompt")),
        Some(Prompt::Text(text)) => Ok(text.clone()),
        Some(Prompt::Texts(texts)) => match texts.as_slice() {
            [one] => Ok(one.clone()),
            [] => Err(
                GatewayError::invalid_request("Invalid 'prompt': the array is empty.")
                    .with_param("prompt")
                    .with_code("empty_array"),
            ),
            many => refuse(format!(
                "'prompt' holds {} prompts. Batched prompts are not supported here: \
                 {NEEDS_NATIVE}. Send one prompt per request.",
                many.len()
            )),
        },
        Some(Prompt::Tokens(_) | Prompt::TokenBatches(_)) => refuse(format!(
            "'prompt' is given as token ids. Token-array prompts are not supported here: \
             {NEEDS_NATIVE}. Send the prompt as text."
        )),
        Some(Prompt::Other(_)) => Err(GatewayError::invalid_request(
            "Invalid 'prompt': expected a string, an array of strings, an array of \
             integers or an array of integer arrays.",
        )
        .with_param("prompt")
        .with_code("invalid_type")),
    }
}

/// Refuses the parameters a chat upstream cannot honour.
fn refuse_unsupported(req: &CompletionRequest) -> Result<(), GatewayError> {
    if req
        .suffix
        .as_deref()
        .is_some_and(|suffix| !suffix.is_empty())
    {
        return Err(unsupported(
            "suffix",
            format!("'suffix' (fill-in-the-middle) is not supported here: {NEEDS_NATIVE}."),
            "unsupported_parameter",
        ));
    }
    if req.echo == Some(true) {
        return Err(unsupported(
            "echo",
            format!("'echo: true' is not supported here: {NEEDS_NATIVE}."),
            "unsupported_value",
        ));
    }
    if let Some(best_of) = req.best_of.filter(|best_of| *best_of > 1) {
        return Err(unsupported(
            "best_of",
            format!("'best_of: {best_of}' is not supported here: {NEEDS_NATIVE}."),
            "unsupported_value",
        ));
    }
    if req.logprobs.is_some() {
        return Err(unsupported(
            "logprobs",
            format!("'logprobs' is not supported here: {NEEDS_NATIVE}."),
            "unsupported_parameter",
        ));
    }
    Ok(())
}

/// The requested limit as the chat type holds it; out of range is OpenAI's own 400.
fn max_tokens(requested: Option<i64>) -> Result<Option<u32>, GatewayError> {
    let Some(requested) = requested else {
        return Ok(None);
    };
    if requested < 0 {
        return Err(GatewayError::invalid_request(format!(
            "Invalid 'max_tokens': integer below minimum value. Expected a value >= 0, \
             but got {requested} instead."
        ))
        .with_param("max_tokens")
        .with_code("integer_below_min_value"));
    }
    u32::try_from(requested).map(Some).map_err(|_| {
        GatewayError::invalid_request(format!(
            "Invalid 'max_tokens': integer above maximum value. Expected a value <= {}, \
             but got {requested} instead.",
            u32::MAX
        ))
        .with_param("max_tokens")
        .with_code("integer_above_max_value")
    })
}

/// A 400 for a parameter (or value) this route cannot serve.
fn unsupported(param: &str, message: String, code: &'static str) -> GatewayError {
    GatewayError::invalid_request(message)
        .with_param(param)
        .with_code(code)
}
