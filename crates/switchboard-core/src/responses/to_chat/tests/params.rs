//! Sampling, format and output parameters, unsupported fields and the echo.

use super::*;

#[test]
fn parameters_map_to_chat_fields() {
    let schema = json!({"type": "object", "properties": {"n": {"type": "integer"}},
                        "required": ["n"], "additionalProperties": false});
    for (name, fields, expected) in [
        (
            "json_schema nests",
            json!({"text": {"format": {"type": "json_schema", "name": "count", "strict": true,
                                       "schema": schema}, "verbosity": "low"}}),
            json!({"response_format": {"type": "json_schema", "json_schema":
                       {"name": "count", "strict": true, "schema": schema}},
                   "verbosity": "low"}),
        ),
        (
            "json_object",
            json!({"text": {"format": {"type": "json_object"}}}),
            json!({"response_format": {"type": "json_object"}}),
        ),
        (
            "text format is the default",
            json!({"text": {"format": {"type": "text"}}}),
            json!({"response_format": null}),
        ),
        (
            "sampling and identity",
            json!({"max_output_tokens": 2048, "temperature": 0.2, "top_p": 0.9, "user": "u1",
                   "safety_identifier": "h1", "prompt_cache_key": "k1", "service_tier": "flex",
                   "reasoning": {"effort": "high", "summary": "auto"}}),
            json!({"max_completion_tokens": 2048, "temperature": 0.2, "top_p": 0.9, "user": "u1",
                   "safety_identifier": "h1", "prompt_cache_key": "k1", "service_tier": "flex",
                   "reasoning_effort": "high", "max_tokens": null}),
        ),
        (
            "echo-only fields stay out",
            json!({"metadata": {"k": "v"}, "store": true, "truncation": "auto",
                   "max_tool_calls": 3, "client_metadata": {"originator": "codex_exec"},
                   "include": ["reasoning.encrypted_content"], "stream": false}),
            json!({"metadata": null, "store": null, "truncation": null, "max_tool_calls": null,
                   "client_metadata": null, "include": null, "stream": false,
                   "stream_options": null, "logprobs": null}),
        ),
        (
            "logprobs",
            json!({"top_logprobs": 5, "include": ["message.output_text.logprobs"]}),
            json!({"logprobs": true, "top_logprobs": 5}),
        ),
        (
            "stream",
            json!({"stream": true}),
            json!({"stream": true, "stream_options": {"include_usage": true}}),
        ),
    ] {
        let mut request = json!({"model": "gpt-x", "input": "hi"});
        request
            .as_object_mut()
            .unwrap()
            .extend(fields.as_object().unwrap().clone());
        check(name, request, expected);
    }
}

#[test]
fn unsupported_fields_are_rejected() {
    for (param, value) in [
        ("background", json!(true)),
        ("conversation", json!("conv_123")),
        ("conversation", json!({"id": "conv_123"})),
        ("prompt", json!({"id": "pmpt_1", "version": "2"})),
    ] {
        let request = json!({"model": "m", "input": "x", param: value});
        check_rejected(param, request, &[], param, "not supported");
    }
    check(
        "background false",
        json!({"model": "m", "input": "x", "background": false}),
        json!({"model": "m"}),
    );
}

#[test]
fn echo_fills_openai_defaults() {
    let defaults = translate(json!({"model": "my-model", "input": "hi"}));
    assert_eq!(defaults.echo, ResponseEcho::for_model("my-model"));
    assert!(!defaults.include_reasoning);

    let tools = json!([function("a"), {"type": "web_search", "external_web_access": false}]);
    let echo = translate(json!({
        "model": "m", "input": "hi", "instructions": "be brief", "tools": tools,
        "tool_choice": {"type": "function", "name": "a"}, "parallel_tool_calls": false,
        "temperature": 0.5, "max_output_tokens": 100, "store": false, "metadata": {"k": "v"},
        "text": {"verbosity": "low"}, "reasoning": {"effort": "low"}, "service_tier": "flex",
        "previous_response_id": "resp_1", "top_logprobs": 2, "prompt_cache_key": "k",
    }))
    .echo;
    assert_eq!(echo.instructions, json!("be brief"));
    assert_eq!(
        echo.tools, tools,
        "tools echo in the client's shape, hosted ones included"
    );
    assert_eq!(echo.tool_choice, json!({"type": "function", "name": "a"}));
    assert!(!echo.parallel_tool_calls && !echo.store && !echo.background);
    assert_eq!(echo.temperature, json!(0.5));
    assert_eq!(echo.top_p, json!(1.0));
    assert_eq!(echo.max_output_tokens, json!(100));
    assert_eq!(
        echo.text,
        json!({"format": {"type": "text"}, "verbosity": "low"})
    );
    assert_eq!(echo.reasoning, json!({"effort": "low", "summary": null}));
    assert_eq!(echo.metadata.get("k"), Some(&json!("v")));
    assert_eq!(echo.service_tier, json!("flex"));
    assert_eq!(echo.previous_response_id, json!("resp_1"));
    assert_eq!(echo.top_logprobs, json!(2));
    assert_eq!(echo.prompt_cache_key, json!("k"));
}
