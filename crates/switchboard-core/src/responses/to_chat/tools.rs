//! Responses `tools` and `tool_choice` → chat `tools` and `tool_choice`.
//!
//! Chat has only function tools: flat Responses functions become nested ones, a custom
//! tool becomes a function taking one string parameter, a namespace's members become
//! functions named `NAMESPACE__NAME`, and hosted tools are dropped. [`ToolNames`] records
//! the renames so the response side can map calls back.

use std::collections::HashSet;

use serde_json::{Map, Value, json};

use crate::chat::{FunctionDefinition, Tool, ToolChoice};
use crate::error::GatewayError;
use crate::responses::ToolNames;
use crate::responses::tool_names::{CUSTOM_INPUT_PARAM, ToolOrigin, chat_name};
use crate::responses::tools::{CustomTool, FunctionTool, ResponsesTool, ResponsesToolChoice};

/// The chat side of a request's tools.
#[derive(Debug, Default)]
pub(super) struct ChatTools {
    /// The chat function tools, in declaration order.
    pub(super) tools: Vec<Tool>,
    /// The custom and namespaced tools among them.
    pub(super) names: ToolNames,
    /// The `type` of each tool that chat cannot offer and was dropped.
    pub(super) dropped: Vec<String>,
}

/// Translates the request's tools; hosted and unknown kinds are dropped (and listed).
pub(super) fn translate(tools: &[ResponsesTool]) -> ChatTools {
    let mut out = ChatTools::default();
    for tool in tools {
        match tool {
            ResponsesTool::Function(function) => out.tools.push(function_tool(function, None)),
            ResponsesTool::Custom(custom) => {
                let name = out.names.add_custom(&custom.name);
                out.tools.push(custom_tool(name, custom));
            }
            ResponsesTool::Namespace(namespace) => {
                for member in &namespace.tools {
                    match member {
                        ResponsesTool::Function(function) => {
                            let name = out.names.add_namespaced(&namespace.name, &function.name);
                            out.tools.push(function_tool(function, Some(name)));
                        }
                        // A custom tool inside a namespace has no `ToolOrigin` to map its
                        // calls back to, so it is dropped like any other unsupported member.
                        other => {
                            out.dropped
                                .push(format!("{}.{}", namespace.name, other.type_str()))
                        }
                    }
                }
            }
            ResponsesTool::Other(_) => out.dropped.push(tool.type_str().to_owned()),
        }
    }
    out
}

/// A flat function tool as a nested chat one, named `name` (or its own name).
fn function_tool(function: &FunctionTool, name: Option<String>) -> Tool {
    Tool::function(FunctionDefinition {
        name: name.unwrap_or_else(|| function.name.clone()),
        description: function.description.clone(),
        parameters: Some(object_schema(function.parameters.as_ref())),
        strict: function.strict,
        extra: Map::new(),
    })
}

/// A JSON Schema that some upstreams (Anthropic-style) accept: an object schema. Absent
/// or non-object parameters become an empty object schema; an object without `type`
/// gets `"type": "object"`.
fn object_schema(parameters: Option<&Value>) -> Value {
    match parameters {
        Some(Value::Object(schema)) => {
            let mut schema = schema.clone();
            schema
                .entry("type")
                .or_insert_with(|| Value::String("object".into()));
            Value::Object(schema)
        }
        _ => json!({"type": "object", "properties": {}}),
    }
}

/// A custom tool as a function with one string parameter, `input`. A grammar is appended
/// to the description so the model sees what the input must look like.
fn custom_tool(name: String, custom: &CustomTool) -> Tool {
    let mut description = custom.description.clone().unwrap_or_default();
    let grammar = custom
        .format
        .as_ref()
        .filter(|format| format.r#type == "grammar")
        .and_then(|format| Some((format.syntax.as_deref(), format.definition.as_deref()?)));
    let input_description = match grammar {
        Some((syntax, definition)) => {
            let grammar = syntax.map_or_else(
                || "grammar".to_owned(),
                |syntax| format!("{syntax} grammar"),
            );
            if !description.is_empty() {
                description.push_str("\n\n");
            }
            description.push_str(&format!(
                "The `{CUSTOM_INPUT_PARAM}` argument must follow this {grammar}:\n```\n{definition}\n```"
            ));
            format!("The tool's input, as text following the {grammar} in the tool description.")
        }
        None => "The tool's input, as free text.".to_owned(),
    };
    Tool::function(FunctionDefinition {
        name,
        description: (!description.is_empty()).then_some(description),
        parameters: Some(json!({
            "type": "object",
            "properties": {
                CUSTOM_INPUT_PARAM: {"type": "string", "description": input_description}
            },
            "required": [CUSTOM_INPUT_PARAM],
        })),
        strict: None,
        extra: Map::new(),
    })
}

/// The chat `tool_choice`, filtering `tools` for `allowed_tools`.
///
/// A choice that forces a tool chat cannot offer (a hosted tool, `required` when every
/// tool was dropped) is a 400 with `param: "tool_choice"`; any other choice never fails.
pub(super) fn choice(
    choice: Option<&ResponsesToolChoice>,
    tools: &mut ChatTools,
) -> Result<Option<ToolChoice>, GatewayError> {
    let Some(choice) = choice else {
        return Ok(None);
    };
    Ok(Some(match choice {
        ResponsesToolChoice::Mode(mode) => {
            if mode == "required" && tools.tools.is_empty() && !tools.dropped.is_empty() {
                return Err(forces_dropped(&format!(
                    "a call of one of the tools ({})",
                    tools.dropped.join(", ")
                )));
            }
            ToolChoice::Mode(mode.clone())
        }
        ResponsesToolChoice::Function(named) => ToolChoice::function(function_name(
            &named.name,
            named.namespace.as_deref(),
            &tools.names,
        )),
        ResponsesToolChoice::Custom(named) => ToolChoice::function(named.name.clone()),
        ResponsesToolChoice::AllowedTools(allowed) => {
            let keep = AllowedSet::new(&allowed.tools, &tools.names);
            tools.tools.retain(|tool| {
                tool.function
                    .as_ref()
                    .is_some_and(|function| keep.allows(&function.name, &tools.names))
            });
            if allowed.mode == "required" && tools.tools.is_empty() {
                return Err(forces_dropped("a call of one of its allowed tools"));
            }
            ToolChoice::Mode(allowed.mode.clone())
        }
        ResponsesToolChoice::Other(other) => {
            let kind = other
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or("unknown");
            return Err(forces_dropped(&format!("the `{kind}` tool")));
        }
    }))
}

/// The chat name of a forced function: `namespace` joined when given, or a dotted
/// `ns.name` when that names a declared namespace member; else `name` itself.
fn function_name(name: &str, namespace: Option<&str>, names: &ToolNames) -> String {
    if let Some(namespace) = namespace {
        return chat_name(namespace, name);
    }
    if let Some((namespace, member)) = name.split_once('.') {
        let joined = chat_name(namespace, member);
        if names.origin(&joined).is_some() {
            return joined;
        }
    }
    name.to_owned()
}

/// The tools an `allowed_tools` choice lets through, by chat name or whole namespace.
struct AllowedSet {
    names: HashSet<String>,
    namespaces: HashSet<String>,
}

impl AllowedSet {
    fn new(entries: &[Value], names: &ToolNames) -> Self {
        let mut set = Self {
            names: HashSet::new(),
            namespaces: HashSet::new(),
        };
        for entry in entries {
            let Some(name) = entry.get("name").and_then(Value::as_str) else {
                continue;
            };
            let namespace = entry.get("namespace").and_then(Value::as_str);
            match entry.get("type").and_then(Value::as_str) {
                Some("function") => {
                    set.names.insert(function_name(name, namespace, names));
                }
                Some("custom") => {
                    set.names.insert(name.to_owned());
                }
                Some("namespace") => {
                    set.namespaces.insert(name.to_owned());
                }
                _ => {}
            }
        }
        set
    }

    fn allows(&self, chat_name: &str, names: &ToolNames) -> bool {
        self.names.contains(chat_name)
            || matches!(names.origin(chat_name),
                Some(ToolOrigin::Namespaced { namespace, .. }) if self.namespaces.contains(namespace))
    }
}

/// 400: `tool_choice` forces something chat cannot offer.
fn forces_dropped(what: &str) -> GatewayError {
    GatewayError::invalid_request(format!(
        "tool_choice forces {what}, which this gateway cannot offer the model: it supports \
         function, custom and namespace tools only."
    ))
    .with_param("tool_choice")
    .with_code("unsupported_value")
}
