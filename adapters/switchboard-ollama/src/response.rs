//! Ollama's answers → canonical ones: the non-streaming chat body, and the pieces the
//! stream shares with it (finish reason, usage, tool calls, timestamps), and `/api/tags`.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;
use switchboard_core::chat::{
    ChatChoice, ChatMessage, ChatResponse, FinishReason, MessageContent, Role, ToolCall, Usage,
};
use switchboard_core::responses::IdGen;
use switchboard_core::{GatewayError, Model};

use crate::error::stream_error;
use crate::wire::{ChatLine, Tags, ToolCallIn};

/// A new completion id, `chatcmpl-` and 24 random hex digits.
pub(crate) fn completion_id() -> String {
    format!("chatcmpl-{:024x}", fastrand::u128(..) >> 32)
}

/// The whole answer of a non-streaming call (`"stream": false`), with `id` as its id.
pub(crate) fn to_response(
    body: ChatLine,
    id: String,
    secrets: &[String],
) -> Result<ChatResponse, GatewayError> {
    if let Some(error) = &body.error {
        return Err(stream_error(error, secrets));
    }
    let mut ids = IdGen::new(&id);
    let usage = usage(&body);
    let message = body.message.unwrap_or_default();
    let tool_calls: Vec<ToolCall> = message
        .tool_calls
        .unwrap_or_default()
        .into_iter()
        .map(|call| tool_call(call, &mut ids))
        .collect();
    let content = message.content.unwrap_or_default();
    let had_tools = !tool_calls.is_empty();
    let choice = ChatChoice {
        index: 0,
        message: ChatMessage {
            role: Role::Assistant,
            content: Some(
                (!content.is_empty() || !had_tools).then_some(MessageContent::Text(content)),
            ),
            reasoning_content: message.thinking.filter(|t| !t.is_empty()).map(Some),
            tool_calls: had_tools.then_some(tool_calls),
            refusal: Some(None),
            ..ChatMessage::default()
        },
        finish_reason: Some(Some(finish_reason(body.done_reason.as_deref(), had_tools))),
        logprobs: Some(Value::Null),
        ..ChatChoice::default()
    };
    Ok(ChatResponse {
        id,
        created: body
            .created_at
            .as_deref()
            .and_then(unix_seconds)
            .unwrap_or_else(now),
        model: body.model.unwrap_or_default(),
        choices: vec![choice],
        usage: Some(Some(usage)),
        ..ChatResponse::default()
    })
}

/// A whole tool call: Ollama's id if it sent one, else a synthesized `call_<24 hex>`
/// (unique per completion); arguments serialized to JSON text.
pub(crate) fn tool_call(call: ToolCallIn, ids: &mut IdGen) -> ToolCall {
    let id = call
        .id
        .filter(|id| !id.is_empty())
        .unwrap_or_else(|| ids.call_id());
    ToolCall::function(
        id,
        call.function.name,
        arguments_text(call.function.arguments),
    )
}

/// Arguments as OpenAI's JSON text: an object is serialized, a string kept, none is `{}`.
pub(crate) fn arguments_text(arguments: Option<Value>) -> String {
    match arguments {
        None | Some(Value::Null) => "{}".to_owned(),
        Some(Value::String(text)) => text,
        Some(other) => other.to_string(),
    }
}

/// `done_reason` → OpenAI's: `stop` is `tool_calls` when the turn called tools; `length`
/// stays; `load`, `unload`, an absent reason (older versions) or an unknown one is `stop`.
pub(crate) fn finish_reason(done_reason: Option<&str>, had_tools: bool) -> FinishReason {
    match done_reason {
        Some("length") => FinishReason::Length,
        _ if had_tools => FinishReason::ToolCalls,
        _ => FinishReason::Stop,
    }
}

/// `prompt_eval_count` and `eval_count` as OpenAI usage (absent counts are 0).
pub(crate) fn usage(line: &ChatLine) -> Usage {
    let prompt = line.prompt_eval_count.unwrap_or(0);
    let completion = line.eval_count.unwrap_or(0);
    Usage {
        prompt_tokens: prompt,
        completion_tokens: completion,
        total_tokens: prompt + completion,
        ..Usage::default()
    }
}

/// `/api/tags` as models: the id is the name clients send as `model`.
pub(crate) fn to_models(tags: Tags) -> Vec<Model> {
    tags.models
        .into_iter()
        .map(|m| {
            let id = m.model.filter(|id| !id.is_empty()).unwrap_or(m.name);
            let mut model = Model::new(id, "ollama");
            model.created = m.modified_at.as_deref().and_then(unix_seconds).unwrap_or(0);
            model
        })
        .collect()
}

/// Unix seconds now.
pub(crate) fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Unix seconds of an RFC 3339 time such as `2023-08-04T08:52:19.385406455-07:00`
/// (fractions dropped); `None` when it is not one.
pub(crate) fn unix_seconds(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    let num = |from: usize, len: usize| -> Option<i64> {
        let s = text.get(from..from + len)?;
        s.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| s.parse().ok())?
    };
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    let (year, month, day) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    let (hour, minute, second) = (num(11, 2)?, num(14, 2)?, num(17, 2)?);
    let mut rest = &text[19..];
    if let Some(fraction) = rest.strip_prefix('.') {
        rest = fraction.trim_start_matches(|c: char| c.is_ascii_digit());
    }
    let offset = match rest.as_bytes().first()? {
        b'Z' | b'z' => 0,
        sign @ (b'+' | b'-') => {
            let h: i64 = rest.get(1..3)?.parse().ok()?;
            let m: i64 = rest.get(4..6)?.parse().ok()?;
            let o = h * 3600 + m * 60;
            if *sign == b'-' { -o } else { o }
        }
        _ => return None,
    };
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second - offset)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests;
