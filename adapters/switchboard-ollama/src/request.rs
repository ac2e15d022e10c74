//! A canonical [`ChatRequest`] → the body of `POST /api/chat`.
//!
//! Sampling fields go into `options` (over the configured defaults), `response_format`
//! becomes `format`, `reasoning_effort` becomes `think`. A client that knows Ollama may
//! also send `options`, `format`, `think` and `keep_alive` itself; those win. Fields Ollama
//! has no use for (`user`, `logit_bias`, `metadata`, `store` ...) are dropped.

use serde_json::{Map, Value, json};
use switchboard_core::GatewayError;
use switchboard_core::chat::{ChatRequest, ResponseFormat, Tool, ToolChoice};

use crate::OllamaConfig;
use crate::config::{KeepAlive, Think};
use crate::messages;
use crate::wire::{self, ChatBody};

/// Builds the Ollama body for `request`; `stream` is sent as is (Ollama's default is true).
/// Fails with a 400 on what Ollama cannot do (`n` > 1, non-function tools, remote images).
pub(crate) fn to_ollama(
    request: &ChatRequest,
    config: &OllamaConfig,
    stream: bool,
) -> Result<ChatBody, GatewayError> {
    if request.n.is_some_and(|n| n > 1) {
        return Err(
            GatewayError::invalid_request("Ollama returns one choice; `n` must be 1")
                .with_param("n"),
        );
    }
    let extra = &request.extra;
    let format = match extra.get("format") {
        Some(own) => Some(own.clone()),
        None => format(request.response_format.as_ref())?,
    };
    let think = match extra.get("think") {
        Some(own) => Some(serde_json::from_value::<Think>(own.clone()).map_err(|_| {
            GatewayError::invalid_request("`think` must be a boolean or a level string")
                .with_param("think")
        })?),
        None => match request.reasoning_effort.as_deref() {
            Some(effort) => Some(think_for(effort, config.think_levels)),
            None => config.think.clone(),
        },
    };
    let keep_alive = match extra.get("keep_alive") {
        Some(own) => Some(
            serde_json::from_value::<KeepAlive>(own.clone()).map_err(|_| {
                GatewayError::invalid_request("`keep_alive` must be a duration string or seconds")
                    .with_param("keep_alive")
            })?,
        ),
        None => config.keep_alive.clone(),
    };
    Ok(ChatBody {
        model: request.model.clone(),
        messages: messages::translate(&request.messages)?,
        tools: tools(request.tools.as_deref(), request.tool_choice.as_ref())?,
        format,
        options: options(request, &config.options)?,
        stream,
        keep_alive,
        think,
    })
}

/// Configured defaults, then the request's sampling fields, then the client's `options`.
fn options(
    request: &ChatRequest,
    defaults: &Map<String, Value>,
) -> Result<Map<String, Value>, GatewayError> {
    let mut options = defaults.clone();
    let mut set = |key: &str, value: Option<Value>| {
        if let Some(value) = value {
            options.insert(key.to_owned(), value);
        }
    };
    set("temperature", request.temperature.map(Value::from));
    set("top_p", request.top_p.map(Value::from));
    set("seed", request.seed.map(Value::from));
    set("num_predict", request.max_output_tokens().map(Value::from));
    set(
        "frequency_penalty",
        request.frequency_penalty.map(Value::from),
    );
    set(
        "presence_penalty",
        request.presence_penalty.map(Value::from),
    );
    set(
        "stop",
        request.stop.as_ref().map(|stop| json!(stop.sequences())),
    );
    match request.extra.get("options") {
        None | Some(Value::Null) => {}
        Some(Value::Object(own)) => {
            options.extend(own.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        Some(_) => {
            return Err(
                GatewayError::invalid_request("`options` must be an object").with_param("options")
            );
        }
    }
    Ok(options)
}

/// `response_format` as Ollama's `format`: `"json"` or the schema itself.
fn format(format: Option<&ResponseFormat>) -> Result<Option<Value>, GatewayError> {
    Ok(match format {
        None | Some(ResponseFormat::Text) => None,
        Some(ResponseFormat::JsonObject) => Some(json!("json")),
        Some(ResponseFormat::JsonSchema { json_schema }) => {
            Some(json_schema.schema.clone().unwrap_or_else(|| json!("json")))
        }
        Some(ResponseFormat::Other(value)) => match (value.get("type"), value.get("schema")) {
            (_, Some(schema)) => Some(schema.clone()),
            (Some(Value::String(t)), None) if t == "text" => None,
            (Some(Value::String(t)), None) if t == "json_object" => Some(json!("json")),
            _ => {
                return Err(GatewayError::invalid_request(format!(
                    "Ollama does not support response_format type `{}`",
                    ResponseFormat::Other(value.clone()).type_str()
                ))
                .with_param("response_format"));
            }
        },
    })
}

/// `reasoning_effort` as `think`: `none` turns thinking off; any other effort is a level
/// (`minimal` → `low`, `xhigh` → `max`), or plain `true` when levels are off.
fn think_for(effort: &str, levels: bool) -> Think {
    let level = match effort {
        "none" => return Think::Enabled(false),
        _ if !levels => return Think::Enabled(true),
        "minimal" | "low" => "low",
        "xhigh" | "max" => "max",
        other => other,
    };
    Think::Level(level.to_owned())
}

/// Function tools as Ollama's. Ollama has no `tool_choice`: `none` sends no tools, a named
/// function sends only that one, `auto` and `required` send them all.
fn tools(
    tools: Option<&[Tool]>,
    choice: Option<&ToolChoice>,
) -> Result<Vec<wire::Tool>, GatewayError> {
    let only = match choice {
        Some(ToolChoice::Mode(mode)) if mode == "none" => return Ok(Vec::new()),
        Some(ToolChoice::Named(named)) => named.function.as_ref().map(|f| f.name.as_str()),
        _ => None,
    };
    let mut out = Vec::new();
    for (i, tool) in tools.unwrap_or_default().iter().enumerate() {
        let Some(function) = tool.function.as_ref().filter(|_| tool.r#type == "function") else {
            return Err(GatewayError::invalid_request(format!(
                "Ollama supports function tools only; `tools[{i}]` is of type `{}`",
                tool.r#type
            ))
            .with_param(format!("tools[{i}]")));
        };
        if only.is_some_and(|name| name != function.name) {
            continue;
        }
        out.push(wire::Tool {
            kind: "function",
            function: wire::ToolFunction {
                name: function.name.clone(),
                description: function.description.clone(),
                parameters: function
                    .parameters
                    .clone()
                    .unwrap_or_else(|| json!({"type": "object", "properties": {}})),
            },
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
