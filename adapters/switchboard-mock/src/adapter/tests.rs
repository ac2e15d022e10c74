use futures_util::StreamExt;
use serde_json::json;
use switchboard_core::chat::{ChatChunk, FinishReason};

use super::*;

fn request(model: &str, body: serde_json::Value) -> ChatRequest {
    let mut v = body;
    v["model"] = json!(model);
    serde_json::from_value(v).unwrap()
}

fn hello(model: &str) -> ChatRequest {
    request(
        model,
        json!({"messages":[{"role":"user","content":"hello mock world"}]}),
    )
}

fn mock() -> MockAdapter {
    MockAdapter::new("mock", MockConfig::default())
}

async fn collect(adapter: &MockAdapter, req: ChatRequest) -> Vec<ChatChunk> {
    let stream = adapter
        .chat_stream(&CallContext::default(), req)
        .await
        .unwrap();
    stream.map(|c| c.unwrap()).collect().await
}

#[tokio::test]
async fn echoes_the_prompt_deterministically() {
    let a = mock();
    let one = a
        .chat(&CallContext::default(), hello("mock"))
        .await
        .unwrap();
    let two = a
        .chat(&CallContext::default(), hello("mock"))
        .await
        .unwrap();
    assert_eq!(one.id, two.id);
    assert_eq!(one.choices[0].message.text(), "You said: hello mock world");
    assert_eq!(one.choices[0].finish_reason(), Some(&FinishReason::Stop));
    let usage = one.usage().unwrap();
    assert_eq!(
        (
            usage.prompt_tokens,
            usage.completion_tokens,
            usage.total_tokens
        ),
        (4, 5, 9)
    );
}

#[tokio::test]
async fn tokens_n_gives_exactly_n_words_and_max_tokens_cuts_with_length() {
    let a = mock();
    let r = a
        .chat(&CallContext::default(), hello("mock-tokens12"))
        .await
        .unwrap();
    assert_eq!(r.choices[0].message.text().split(' ').count(), 12);
    let mut req = hello("mock-tokens12");
    req.max_completion_tokens = Some(3);
    let r = a.chat(&CallContext::default(), req).await.unwrap();
    assert_eq!(r.choices[0].message.text(), "You said: hello");
    assert_eq!(r.choices[0].finish_reason(), Some(&FinishReason::Length));
}

#[tokio::test]
async fn tools_call_the_first_tool_with_arguments_from_its_schema() {
    let req = request(
        "mock-tools",
        json!({"messages":[{"role":"user","content":"Paris"}],"tools":[{"type":"function","function":{
            "name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"},"days":{"type":"integer"}}}}}]}),
    );
    let r = mock()
        .chat(&CallContext::default(), req.clone())
        .await
        .unwrap();
    let call = &r.choices[0].message.tool_calls.as_ref().unwrap()[0];
    assert_eq!(call.function.name, "get_weather");
    let args: serde_json::Value = serde_json::from_str(&call.function.arguments).unwrap();
    assert_eq!(args, json!({"city":"Paris","days":1}));
    assert_eq!(r.choices[0].finish_reason(), Some(&FinishReason::ToolCalls));
    assert!(call.id.starts_with("call_"));

    // The streamed call carries the same id, name and arguments.
    let chunks = collect(&mock(), req).await;
    let mut arguments = String::new();
    for c in &chunks {
        for choice in &c.choices {
            for d in choice.delta.tool_calls.iter().flatten() {
                if let Some(id) = &d.id {
                    assert_eq!(id, &call.id);
                }
                arguments.push_str(
                    d.function
                        .as_ref()
                        .and_then(|f| f.arguments.as_deref())
                        .unwrap_or(""),
                );
            }
        }
    }
    assert_eq!(arguments, call.function.arguments);
}

#[tokio::test]
async fn after_a_tool_result_it_answers_in_text() {
    let req = request(
        "mock-tools",
        json!({"messages":[
            {"role":"user","content":"weather?"},
            {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{}"}}]},
            {"role":"tool","tool_call_id":"call_1","content":"sunny"}]}),
    );
    let r = mock().chat(&CallContext::default(), req).await.unwrap();
    assert_eq!(r.choices[0].message.text(), "Tool result received: sunny");
}

#[tokio::test]
async fn reasoning_comes_first_and_is_counted() {
    let chunks = collect(&mock(), hello("mock-reasoning")).await;
    let reasoning: String = chunks
        .iter()
        .flat_map(|c| c.choices.iter())
        .filter_map(|c| c.delta.reasoning_content())
        .collect();
    assert!(
        reasoning.starts_with("The user wrote 3 words."),
        "{reasoning}"
    );
    let first_content = chunks
        .iter()
        .position(|c| {
            c.choices
                .iter()
                .any(|c| c.delta.content().is_some_and(|t| !t.is_empty()))
        })
        .unwrap();
    let last_reasoning = chunks
        .iter()
        .rposition(|c| {
            c.choices
                .iter()
                .any(|c| c.delta.reasoning_content().is_some())
        })
        .unwrap();
    assert!(last_reasoning < first_content);
    let usage = chunks.last().unwrap().usage().unwrap();
    assert_eq!(usage.reasoning_tokens(), 9);
}

#[tokio::test]
async fn stream_matches_the_non_stream_answer_and_ends_with_usage() {
    let a = mock();
    let whole = a
        .chat(&CallContext::default(), hello("mock"))
        .await
        .unwrap();
    let chunks = collect(&a, hello("mock")).await;
    let text: String = chunks
        .iter()
        .flat_map(|c| c.choices.iter())
        .filter_map(|c| c.delta.content())
        .collect();
    assert_eq!(text, whole.choices[0].message.text());
    assert_eq!(
        chunks[0].choices[0].delta.role,
        Some(switchboard_core::chat::Role::Assistant)
    );
    let n = chunks.len();
    assert_eq!(
        chunks[n - 2].choices[0].finish_reason(),
        Some(&FinishReason::Stop)
    );
    assert!(chunks[n - 1].is_usage_only());
    assert_eq!(chunks[n - 1].usage(), whole.usage());
}

#[tokio::test]
async fn error_models_fail_with_their_status() {
    let err = mock()
        .chat(&CallContext::default(), hello("mock-error429"))
        .await
        .unwrap_err();
    assert_eq!(err.status().as_u16(), 429);
    assert_eq!(err.retry_after(), Some(Duration::from_secs(1)));
    let err = mock()
        .chat_stream(&CallContext::default(), hello("mock-error503"))
        .await
        .err()
        .unwrap();
    assert_eq!(err.status().as_u16(), 503);
}

#[tokio::test]
async fn lists_its_configured_models() {
    let models = mock().list_models(&CallContext::default()).await.unwrap();
    assert_eq!(models[0].id, "mock");
    assert!(models.iter().all(|m| m.owned_by == "mock"));
}
