//! Checks that what the gateway emits matches OpenAI's published schemas.
//!
//! The schemas are `schemas/openai-subset.json`: the part of OpenAI's OpenAPI spec that
//! describes responses, cut out by `schemas/extract.py` (see `schemas/NOTICE.md`). A check
//! names a schema of its `components.schemas` (`"CreateChatCompletionResponse"`,
//! `"ResponseStreamEvent"`, ...) and panics with every violation when the value does not
//! match. Each schema is compiled once, on first use, and shared by all tests.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::OnceLock;

use jsonschema::error::ValidationErrorKind;
use jsonschema::{Registry, ValidationError, Validator};
use serde_json::Value;

/// The URI the subset is registered under; `$ref`s inside it stay relative to it.
const BASE: &str = "urn:switchboard:openai-subset";

/// The subset document and one lazily compiled validator per schema name.
struct Schemas {
    registry: Registry<'static>,
    validators: HashMap<String, OnceLock<Validator>>,
}

fn schemas() -> &'static Schemas {
    static SCHEMAS: OnceLock<Schemas> = OnceLock::new();
    SCHEMAS.get_or_init(|| {
        let document: Value = serde_json::from_str(include_str!("schemas/openai-subset.json"))
            .expect("schemas/openai-subset.json is JSON");
        let validators = document["components"]["schemas"]
            .as_object()
            .expect("the subset has components.schemas")
            .keys()
            .map(|name| (name.clone(), OnceLock::new()))
            .collect();
        let registry = Registry::new()
            .add(BASE, document)
            .and_then(|builder| builder.prepare())
            .unwrap_or_else(|e| panic!("the schema subset does not load: {e}"));
        Schemas {
            registry,
            validators,
        }
    })
}

fn validator(name: &str) -> &'static Validator {
    let schemas = schemas();
    let cell = schemas.validators.get(name).unwrap_or_else(|| {
        panic!("no schema `{name}` in openai-subset.json; add it to ROOTS in schemas/extract.py")
    });
    cell.get_or_init(|| {
        // Formats stay annotations (draft 2020-12's default); `offline` because every
        // reference is inside the registry.
        jsonschema::draft202012::options()
            .offline()
            .with_registry(&schemas.registry)
            .build(&serde_json::json!({ "$ref": format!("{BASE}#/components/schemas/{name}") }))
            .unwrap_or_else(|e| panic!("schema `{name}` does not compile: {e}"))
    })
}

/// Every violation of schema `name` by `value`, one readable line (or indented block) each;
/// empty when `value` matches.
pub fn violations(name: &str, value: &Value) -> Vec<String> {
    validator(name)
        .iter_errors(value)
        .map(|error| {
            let mut text = String::new();
            describe(&error, 0, &mut text);
            text
        })
        .collect()
}

/// Panics unless `value` matches schema `name` of OpenAI's spec (for example
/// `"CreateChatCompletionResponse"`); the message lists every violation, each with its
/// place in `value` and in the schema, then `value` itself.
pub fn validate(name: &str, value: &Value) {
    let found = violations(name, value);
    if !found.is_empty() {
        let pretty = serde_json::to_string_pretty(value).unwrap_or_default();
        panic!(
            "{} violation(s) of OpenAI's `{name}` schema:\n{}\nin:\n{pretty}",
            found.len(),
            found.join("\n")
        );
    }
}

/// Panics unless `body` is a chat completion stream whose every `data:` payload but the final
/// `[DONE]` is a `CreateChatCompletionStreamResponse`, or an `ErrorResponse` when it has a
/// top-level `error`. A body with no payload at all fails too.
pub fn validate_sse_chat(body: &str) {
    let events = sse_events(body);
    assert!(
        !events.is_empty(),
        "no `data:` event in the chat stream:\n{body}"
    );
    for (index, event) in events.iter().enumerate() {
        if event.data == "[DONE]" {
            assert_eq!(index + 1, events.len(), "`[DONE]` before the end:\n{body}");
            continue;
        }
        let value = event_json(index, event, body);
        let schema = if value.get("error").is_some() {
            "ErrorResponse"
        } else {
            "CreateChatCompletionStreamResponse"
        };
        validate(schema, &value);
    }
}

/// Panics unless every event of the Responses stream `body` has a `data:` payload that is a
/// `ResponseStreamEvent` and an `event:` line naming the payload's `type`. A body with no
/// event fails too, and so does `data: [DONE]` (OpenAI does not end these streams with it).
pub fn validate_sse_responses(body: &str) {
    let events = sse_events(body);
    assert!(
        !events.is_empty(),
        "no event in the Responses stream:\n{body}"
    );
    for (index, event) in events.iter().enumerate() {
        let value = event_json(index, event, body);
        validate("ResponseStreamEvent", &value);
        assert_eq!(
            event.name.as_deref(),
            value["type"].as_str(),
            "event #{index}: the `event:` line does not name the data's `type`:\n{body}"
        );
    }
}

/// One server-sent event: its `event:` name, if any, and its `data:` lines joined by `\n`.
struct SseEvent {
    name: Option<String>,
    data: String,
}

/// The events of `body` that carry data; comments (`: ping`) and blank events are skipped.
fn sse_events(body: &str) -> Vec<SseEvent> {
    let body = body.replace("\r\n", "\n");
    body.split("\n\n")
        .filter_map(|block| {
            let mut name = None;
            let mut data: Option<String> = None;
            for line in block.lines() {
                let (field, value) = line.split_once(':').unwrap_or((line, ""));
                let value = value.strip_prefix(' ').unwrap_or(value);
                match field {
                    "event" => name = Some(value.to_owned()),
                    "data" => match &mut data {
                        Some(joined) => {
                            joined.push('\n');
                            joined.push_str(value);
                        }
                        None => data = Some(value.to_owned()),
                    },
                    _ => {}
                }
            }
            data.map(|data| SseEvent { name, data })
        })
        .collect()
}

fn event_json(index: usize, event: &SseEvent, body: &str) -> Value {
    serde_json::from_str(&event.data).unwrap_or_else(|e| {
        panic!(
            "event #{index}: data is not JSON ({e}): {}\nin:\n{body}",
            event.data
        )
    })
}

/// A failed union lists at most this many alternatives: with more, the value has no usable
/// `type` and the list would be one screen per variant.
const MAX_ALTERNATIVES: usize = 3;

/// Writes one violation at `depth`; a failed `anyOf`/`oneOf` lists the alternatives that
/// could have applied below it.
fn describe(error: &ValidationError<'_>, depth: usize, out: &mut String) {
    let indent = "  ".repeat(depth + 1);
    let at = match error.instance_path().as_str() {
        "" => "/",
        path => path,
    };
    // A whole object or array is printed once, at the end, not in every message.
    let message = if error.instance().is_object() || error.instance().is_array() {
        error.masked().to_string()
    } else {
        error.to_string()
    };
    let keyword = match error.absolute_keyword_location() {
        Some(uri) => uri.as_str().trim_start_matches(BASE).to_owned(),
        None => error.evaluation_path().to_string(),
    };
    let _ = write!(out, "{indent}- at {at}: {message}  [schema {keyword}]");
    let context = match error.kind() {
        ValidationErrorKind::AnyOf { context } | ValidationErrorKind::OneOfNotValid { context } => {
            context
        }
        _ => return,
    };
    let candidates: Vec<(usize, &Vec<ValidationError<'static>>)> = context
        .iter()
        .enumerate()
        .filter(|(_, branch)| !wrong_variant(branch, error.instance_path().as_str()))
        .collect();
    if candidates.is_empty() || candidates.len() > MAX_ALTERNATIVES {
        let tag = error.instance().get("type").map(Value::to_string);
        let _ = write!(
            out,
            "\n{indent}  ({} of {} alternatives fit its `type` ({}); none matches)",
            candidates.len(),
            context.len(),
            tag.as_deref().unwrap_or("none given")
        );
        return;
    }
    for (n, branch) in candidates {
        let _ = write!(
            out,
            "\n{indent}  alternative {} of {}:",
            n + 1,
            context.len()
        );
        for inner in branch {
            out.push('\n');
            describe(inner, depth + 2, out);
        }
    }
}

/// Whether an alternative of a union failed on its `type` tag (OpenAI's unions are
/// discriminated by `type`): such an alternative is another variant, not a near miss.
fn wrong_variant(branch: &[ValidationError<'_>], at: &str) -> bool {
    let tag = format!("{at}/type");
    branch.iter().any(|error| {
        error.instance_path().as_str() == tag
            && matches!(
                error.kind(),
                ValidationErrorKind::Enum { .. } | ValidationErrorKind::Constant { .. }
            )
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn every_root_compiles() {
        for name in [
            "ErrorResponse",
            "ListModelsResponse",
            "Model",
            "CreateChatCompletionResponse",
            "CreateChatCompletionStreamResponse",
            "CreateCompletionResponse",
            "Response",
            "ResponseStreamEvent",
            "OutputItem",
            "ResponseUsage",
        ] {
            validator(name);
        }
    }

    #[test]
    fn an_error_missing_keys_names_them() {
        let found = violations(
            "ErrorResponse",
            &json!({"error": {"message": "x", "type": "y"}}),
        );
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(
            found[0].contains("\"param\" is a required property"),
            "{found:?}"
        );
        assert!(found[0].contains("at /error"), "{found:?}");
        validate(
            "ErrorResponse",
            &json!({"error": {"message": "x", "type": "y", "param": null, "code": null}}),
        );
    }

    #[test]
    fn a_union_reports_only_the_variant_with_the_same_type() {
        let event = json!({"type": "response.output_text.delta", "sequence_number": 1,
            "item_id": "msg_1", "output_index": 0, "content_index": 0, "delta": 5});
        let found = violations("ResponseStreamEvent", &event).join("\n");
        assert!(found.contains("ResponseTextDeltaEvent"), "{found}");
        assert!(
            found.contains("at /delta: 5 is not of type \"string\""),
            "{found}"
        );
        assert_eq!(found.matches("alternative").count(), 1, "{found}");
    }

    #[test]
    #[should_panic(expected = "violation(s) of OpenAI's `CreateChatCompletionStreamResponse`")]
    fn a_chat_chunk_without_choices_fails() {
        validate_sse_chat(concat!(
            r#"data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m"}"#,
            "\n\ndata: [DONE]\n\n",
        ));
    }

    #[test]
    fn chat_streams_accept_chunks_and_error_payloads() {
        validate_sse_chat(concat!(
            ": keep-alive\n\n",
            r#"data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","#,
            r#""choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null,"#,
            r#""logprobs":null}],"usage":null}"#,
            "\n\n",
            r#"data: {"error":{"message":"boom","type":"server_error","param":null,"code":null}}"#,
            "\n\ndata: [DONE]\n\n",
        ));
    }

    #[test]
    #[should_panic(expected = "does not name the data's `type`")]
    fn a_responses_event_line_must_match_the_type() {
        validate_sse_responses(concat!(
            "event: response.output_text.done\n",
            r#"data: {"type":"response.output_text.delta","sequence_number":0,"item_id":"m","#,
            r#""output_index":0,"content_index":0,"delta":"x","logprobs":[]}"#,
            "\n\n",
        ));
    }

    #[test]
    fn a_union_without_a_type_is_summed_up() {
        let found = violations("ResponseStreamEvent", &json!({"sequence_number": 1})).join("\n");
        assert!(found.contains("none given"), "{found}");
        assert!(found.lines().count() < 3, "{found}");
    }

    #[test]
    #[should_panic(expected = "data is not JSON")]
    fn a_responses_stream_does_not_end_with_done() {
        validate_sse_responses("data: [DONE]\n\n");
    }
}
