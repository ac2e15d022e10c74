//! Request translation: what `/api/chat` receives for a canonical request. The expected
//! bodies follow the requests in Ollama's `docs/api.md` (chat with tools, structured
//! outputs, history with tools) and `docs/capabilities/thinking.mdx`.

use serde_json::json;

use super::*;

fn translate(request: Value, config: &OllamaConfig, stream: bool) -> Result<Value, GatewayError> {
    let request: ChatRequest = serde_json::from_value(request).unwrap();
    to_ollama(&request, config, stream).map(|b| serde_json::to_value(b).unwrap())
}

fn plain(request: Value) -> Value {
    translate(request, &OllamaConfig::default(), false).unwrap()
}

#[test]
fn the_docs_tool_request() {
    let body = translate(
        json!({"model":"llama3.2","stream":true,
            "messages":[{"role":"user","content":"What is the weather today in Paris?"}],
            "tools":[{"type":"function","function":{"name":"get_current_weather",
                "description":"Get the current weather for a location",
                "parameters":{"type":"object","properties":{"location":{"type":"string"}},"required":["location"]}}}],
            "tool_choice":"auto","parallel_tool_calls":true,"user":"u-1","stream_options":{"include_usage":true}}),
        &OllamaConfig::default(),
        true,
    )
    .unwrap();
    assert_eq!(
        body,
        json!({"model":"llama3.2",
            "messages":[{"role":"user","content":"What is the weather today in Paris?"}],
            "tools":[{"type":"function","function":{"name":"get_current_weather",
                "description":"Get the current weather for a location",
                "parameters":{"type":"object","properties":{"location":{"type":"string"}},"required":["location"]}}}],
            "stream":true})
    );
}

#[test]
fn sampling_fields_become_options_over_the_configured_ones() {
    let config: OllamaConfig =
        serde_json::from_value(json!({"options": {"num_ctx": 8192, "temperature": 0.1}})).unwrap();
    let body = translate(
        json!({"model":"m","messages":[],"temperature":0.7,"top_p":0.9,"seed":42,
            "max_completion_tokens":256,"max_tokens":100,"stop":"\n\n",
            "frequency_penalty":0.5,"presence_penalty":0.25}),
        &config,
        false,
    )
    .unwrap();
    assert_eq!(
        body["options"],
        json!({"num_ctx":8192,"temperature":0.7,"top_p":0.9,"seed":42,"num_predict":256,
            "stop":["\n\n"],"frequency_penalty":0.5,"presence_penalty":0.25})
    );
    assert_eq!(body["stream"], false);
    // The client's own `options`, `keep_alive`, `think` and `format` win.
    let body = translate(
        json!({"model":"m","messages":[],"temperature":0.7,"options":{"temperature":0.2,"num_ctx":2048},
            "keep_alive":"1h","think":"high","format":"json","reasoning_effort":"low"}),
        &config,
        false,
    )
    .unwrap();
    assert_eq!(body["options"], json!({"num_ctx":2048,"temperature":0.2}));
    assert_eq!(
        (&body["keep_alive"], &body["think"], &body["format"]),
        (&json!("1h"), &json!("high"), &json!("json"))
    );
}

#[test]
fn response_formats() {
    let schema =
        json!({"type":"object","properties":{"age":{"type":"integer"}},"required":["age"]});
    let body = plain(
        json!({"model":"m","messages":[],"response_format":{"type":"json_schema",
        "json_schema":{"name":"x","strict":true,"schema":schema}}}),
    );
    assert_eq!(body["format"], schema);
    let body = plain(json!({"model":"m","messages":[],"response_format":{"type":"json_object"}}));
    assert_eq!(body["format"], "json");
    let body = plain(json!({"model":"m","messages":[],"response_format":{"type":"text"}}));
    assert!(body.get("format").is_none());
    let err = translate(
        json!({"model":"m","messages":[],"response_format":{"type":"grammar","grammar":"x"}}),
        &OllamaConfig::default(),
        false,
    )
    .unwrap_err();
    assert_eq!(err.param(), Some("response_format"));
}

#[test]
fn reasoning_effort_becomes_think() {
    let think = |effort: &str, levels: bool| {
        let config = OllamaConfig {
            think_levels: levels,
            ..OllamaConfig::default()
        };
        translate(
            json!({"model":"m","messages":[],"reasoning_effort":effort}),
            &config,
            true,
        )
        .unwrap()["think"]
            .clone()
    };
    assert_eq!(think("none", true), json!(false));
    assert_eq!(think("minimal", true), json!("low"));
    assert_eq!(think("medium", true), json!("medium"));
    assert_eq!(think("xhigh", true), json!("max"));
    assert_eq!(think("high", false), json!(true));
    assert_eq!(think("none", false), json!(false));
}

#[test]
fn configured_defaults_apply_when_the_request_is_silent() {
    let config: OllamaConfig =
        serde_json::from_value(json!({"keep_alive": -1, "think": true})).unwrap();
    let body = translate(json!({"model":"m","messages":[]}), &config, true).unwrap();
    assert_eq!(
        (&body["keep_alive"], &body["think"]),
        (&json!(-1), &json!(true))
    );
    let body = plain(json!({"model":"m","messages":[]}));
    assert!(body.get("keep_alive").is_none() && body.get("think").is_none());
    assert!(body.get("options").is_none() && body.get("tools").is_none());
}

#[test]
fn tool_choice_none_and_named() {
    let tools = json!([
        {"type":"function","function":{"name":"a"}},
        {"type":"function","function":{"name":"b","parameters":{"type":"object"}}}
    ]);
    let body = plain(json!({"model":"m","messages":[],"tools":tools,"tool_choice":"none"}));
    assert!(body.get("tools").is_none());
    let body = plain(json!({"model":"m","messages":[],"tools":tools,
        "tool_choice":{"type":"function","function":{"name":"a"}}}));
    assert_eq!(
        body["tools"],
        json!([{"type":"function","function":{"name":"a","parameters":{"type":"object","properties":{}}}}])
    );
}

#[test]
fn what_ollama_cannot_do_is_a_400() {
    let bad = |request: Value| translate(request, &OllamaConfig::default(), true).unwrap_err();
    let err = bad(json!({"model":"m","messages":[],"n":2}));
    assert_eq!((err.status().as_u16(), err.param()), (400, Some("n")));
    let err = bad(json!({"model":"m","messages":[],"tools":[{"type":"web_search"}]}));
    assert_eq!(err.param(), Some("tools[0]"));
    let err = bad(json!({"model":"m","messages":[],"options":[1]}));
    assert_eq!(err.param(), Some("options"));
    let err = bad(json!({"model":"m","messages":[],"think":{"x":1}}));
    assert_eq!(err.param(), Some("think"));
}
