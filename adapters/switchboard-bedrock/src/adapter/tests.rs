//! Request building, config resolution and the Converse translation of recorded answers.

use std::collections::HashMap;

use serde_json::json;
use switchboard_core::chat::ChatMessage;

use super::*;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/converse");

struct NoTransport;

#[async_trait]
impl HttpTransport for NoTransport {
    async fn send(&self, _: http::Request<Bytes>) -> Result<UpstreamResponse, GatewayError> {
        Err(GatewayError::bad_gateway("offline"))
    }
}

fn adapter(config: serde_json::Value, env: &[(&str, &str)]) -> Result<BedrockAdapter, BuildError> {
    let env: HashMap<String, String> = env
        .iter()
        .map(|(k, v)| ((*k).into(), (*v).into()))
        .collect();
    let config: BedrockConfig = serde_json::from_value(config).unwrap();
    BedrockAdapter::with_env(&config, Arc::new(NoTransport), &move |k| {
        env.get(k).cloned()
    })
}

/// The target an adapter knows from its config and environment.
fn target(a: &BedrockAdapter) -> &crate::target::Target {
    a.site.known().expect("a target known at build")
}

#[test]
fn urls_encode_inference_profile_ids_and_arns() {
    let a = adapter(json!({"region": "eu-west-1", "api_key": "k"}), &[]).unwrap();
    let a = target(&a);
    assert_eq!(
        a.url("us.anthropic.claude-sonnet-4-5-20250929-v1:0", "converse"),
        "https://bedrock-runtime.eu-west-1.amazonaws.com/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/converse"
    );
    assert_eq!(
        a.url(
            "arn:aws:bedrock:us-east-1:123:application-inference-profile/abc",
            "invoke"
        ),
        "https://bedrock-runtime.eu-west-1.amazonaws.com/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123%3Aapplication-inference-profile%2Fabc/invoke"
    );
}

#[test]
fn credentials_and_region_come_from_config_then_env() {
    assert!(matches!(
        adapter(
            json!({"region": "us-east-1"}),
            &[("AWS_BEARER_TOKEN_BEDROCK", "b")]
        )
        .unwrap()
        .auth,
        Auth::ApiKey(_)
    ));
    let a = adapter(
        json!({}),
        &[
            ("AWS_REGION", "ap-south-1"),
            ("AWS_ACCESS_KEY_ID", "A"),
            ("AWS_SECRET_ACCESS_KEY", "S"),
            ("AWS_SESSION_TOKEN", "T"),
        ],
    )
    .unwrap();
    assert_eq!(target(&a).region, "ap-south-1");
    let Auth::Static(c) = &a.auth else {
        panic!("static")
    };
    assert_eq!(c.session_token.as_deref(), Some("T"));
    // No credentials at all: a config error, or with the AWS chain, the chain (asked on
    // the first request).
    let none = adapter(json!({"region": "us-east-1"}), &[]);
    #[cfg(not(feature = "aws-chain"))]
    assert!(
        none.unwrap_err().to_string().contains("bedrock-aws-chain"),
        "the error names the build feature"
    );
    #[cfg(feature = "aws-chain")]
    assert!(matches!(none.unwrap().auth, Auth::Chain(_)));
    assert!(adapter(json!({"api_key": "k"}), &[]).is_err(), "no region");
    let local = adapter(
        json!({"endpoint": "http://127.0.0.1:9/", "access_key_id": "A", "secret_access_key": "S"}),
        &[],
    )
    .unwrap();
    assert_eq!(
        (target(&local).region.as_str(), target(&local).host.as_str()),
        ("us-east-1", "127.0.0.1:9")
    );
}

#[test]
fn a_profile_needs_the_aws_chain() {
    let a = adapter(
        json!({"region": "us-east-1", "profile": "bedrock", "api_key": "k"}),
        &[],
    );
    #[cfg(not(feature = "aws-chain"))]
    assert!(a.unwrap_err().to_string().contains("bedrock-aws-chain"));
    #[cfg(feature = "aws-chain")]
    assert!(
        matches!(a.unwrap().auth, Auth::ApiKey(_)),
        "a key still comes first"
    );
}

/// With the AWS chain and no region configured, the region is learnt on the first request
/// (from the profile), so building succeeds; a bad endpoint is still refused at once.
#[cfg(feature = "aws-chain")]
#[test]
fn with_the_aws_chain_the_region_can_wait_for_the_profile() {
    let a = adapter(json!({}), &[]).unwrap();
    assert!(matches!(a.site, crate::target::Site::FromChain { .. }));
    assert!(a.site.known().is_none());
    assert!(adapter(json!({"endpoint": "not a url"}), &[]).is_err());
    // Keys in the environment do not need the chain, so a region is needed at once.
    assert!(
        adapter(
            json!({}),
            &[("AWS_ACCESS_KEY_ID", "A"), ("AWS_SECRET_ACCESS_KEY", "S")]
        )
        .is_err()
    );
}

#[test]
fn a_chat_request_becomes_a_converse_body() {
    let a = adapter(json!({"region": "us-east-1", "api_key": "k"}), &[]).unwrap();
    let request: ChatRequest = serde_json::from_value(json!({
        "model": "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Weather in Paris?"},
            {"role": "assistant", "content": null, "tool_calls": [{"id": "t1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}}]},
            {"role": "tool", "tool_call_id": "t1", "content": "sunny"}
        ],
        "tools": [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}],
        "tool_choice": "required",
        "max_tokens": 4000, "temperature": 0.5, "stop": ["END"],
        "reasoning_effort": "low"
    }))
    .unwrap();
    let body: Value = serde_json::from_slice(&a.request_body(&request).unwrap()).unwrap();
    assert_eq!(body["system"], json!([{"text": "Be brief."}]));
    assert_eq!(
        body["messages"][1]["content"][0]["toolUse"]["input"],
        json!({"city": "Paris"})
    );
    assert_eq!(
        body["messages"][2]["content"][0]["toolResult"]["toolUseId"],
        "t1"
    );
    assert_eq!(body["toolConfig"]["toolChoice"], json!({"any": {}}));
    assert_eq!(
        body["toolConfig"]["tools"][0]["toolSpec"]["inputSchema"]["json"],
        json!({"type": "object"})
    );
    assert_eq!(body["inferenceConfig"]["stopSequences"], json!(["END"]));
    assert!(body["additionalModelRequestFields"]["thinking"].is_object());
    assert!(body.get("model").is_none());
    let mut invoke = adapter(
        json!({"region": "us-east-1", "api_key": "k", "api": "invoke"}),
        &[],
    )
    .unwrap();
    invoke.api = Api::Invoke;
    let plain = ChatRequest {
        model: "m".into(),
        messages: vec![ChatMessage::user("hi")],
        ..ChatRequest::default()
    };
    let body: Value = serde_json::from_slice(&invoke.request_body(&plain).unwrap()).unwrap();
    assert_eq!(body["anthropic_version"], "bedrock-2023-05-31");
    assert!(body.get("model").is_none() && body.get("stream").is_none());
}

#[test]
fn recorded_converse_answers_translate() {
    let read = |name: &str| -> Value {
        serde_json::from_str(&std::fs::read_to_string(format!("{DIR}/{name}")).unwrap()).unwrap()
    };
    let text = from_converse_response(&read("amazon-bedrock-text.json"), "m", "chatcmpl-1", 1);
    assert!(!text.choices[0].message.text().is_empty());
    let usage = text.usage.clone().flatten().unwrap();
    assert_eq!(
        usage.total_tokens,
        usage.prompt_tokens + usage.completion_tokens
    );
    let reasoning =
        from_converse_response(&read("amazon-bedrock-reasoning.json"), "m", "chatcmpl-1", 1);
    assert!(
        reasoning.choices[0]
            .message
            .reasoning_content()
            .is_some_and(|r| !r.is_empty())
    );
    let guard = from_converse_response(
        &read("amazon-bedrock-guard-content-intervened.json"),
        "m",
        "c",
        1,
    );
    assert_eq!(
        serde_json::to_value(&guard.choices[0].finish_reason).unwrap(),
        "content_filter"
    );
}
