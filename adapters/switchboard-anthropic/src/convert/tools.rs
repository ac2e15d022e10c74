//! `tools`, `tool_choice` and `parallel_tool_calls`.

use serde_json::{Map, Value, json};
use switchboard_core::GatewayError;
use switchboard_core::chat::{ChatRequest, Tool, ToolChoice};

use crate::types::MessagesRequest;

/// Sets the body's tools and tool choice; neither is sent without tools.
pub(super) fn apply(request: &ChatRequest, out: &mut MessagesRequest) -> Result<(), GatewayError> {
    let tools: Vec<Value> = request.tools.iter().flatten().map(tool).collect();
    if tools.is_empty() {
        return Ok(());
    }
    out.tools = Some(tools);
    let mut choice = match &request.tool_choice {
        None => None,
        Some(ToolChoice::Mode(mode)) => Some(match mode.as_str() {
            "auto" => json!({"type": "auto"}),
            "required" => json!({"type": "any"}),
            "none" => json!({"type": "none"}),
            other => return Err(bad_choice(&format!("`{other}`"))),
        }),
        Some(ToolChoice::Named(named)) => match (&*named.r#type, &named.function) {
            ("function", Some(f)) => Some(json!({"type": "tool", "name": f.name})),
            (kind, _) => return Err(bad_choice(&format!("of type `{kind}`"))),
        },
    };
    if request.parallel_tool_calls == Some(false) {
        let choice = choice.get_or_insert_with(|| json!({"type": "auto"}));
        if choice["type"] != "none"
            && let Value::Object(map) = choice
        {
            map.insert("disable_parallel_tool_use".into(), Value::Bool(true));
        }
    }
    out.tool_choice = choice;
    Ok(())
}

/// A function tool as `{name, description, input_schema, strict}`; any other tool kind
/// (Anthropic's server tools such as `web_search_20250305`) goes as sent.
fn tool(tool: &Tool) -> Value {
    let Some(function) = tool.function.as_ref().filter(|_| tool.r#type == "function") else {
        let mut map = tool.extra.clone();
        map.insert("type".into(), Value::String(tool.r#type.clone()));
        return Value::Object(map);
    };
    let mut map = Map::new();
    map.insert("name".into(), Value::String(function.name.clone()));
    if let Some(description) = &function.description {
        map.insert("description".into(), Value::String(description.clone()));
    }
    let schema = function
        .parameters
        .clone()
        .unwrap_or_else(|| json!({"type": "object", "properties": {}}));
    map.insert("input_schema".into(), schema);
    if let Some(strict) = function.strict {
        map.insert("strict".into(), Value::Bool(strict));
    }
    for extra in [&tool.extra, &function.extra] {
        if let Some(cache) = extra.get("cache_control") {
            map.insert("cache_control".into(), cache.clone());
        }
    }
    Value::Object(map)
}

fn bad_choice(what: &str) -> GatewayError {
    GatewayError::invalid_request(format!(
        "a `tool_choice` {what} cannot be sent to an Anthropic model"
    ))
    .with_param("tool_choice")
    .with_code("unsupported_value")
}
