//! Tests of costs and token estimates. Expected token counts come from OpenAI's cookbook
//! "How to count tokens with tiktoken" (its `o200k_base` examples and the GPT-4o figure
//! reported by the API), not from this code.

use serde_json::json;
use switchboard_core::chat::{
    ChatMessage, ChatRequest, ContentPart, FunctionDefinition, MessageContent, Role, Tool,
    ToolCall, Usage,
};

use super::tokenizer::count_with;
use super::{
    OutputCounter, Prices, cost, count_tokens, estimate_prompt_tokens, estimated_usage,
    heuristic_tokens,
};

fn usage(value: serde_json::Value) -> Usage {
    serde_json::from_value(value).unwrap()
}

fn assert_close(actual: f64, expected: f64) {
    assert!(
        (actual - expected).abs() < 1e-12,
        "expected {expected}, got {actual}"
    );
}

const GPT_4O: Prices = Prices {
    input: 2.5,
    cached_input: Some(1.25),
    output: 10.0,
};

#[test]
fn cached_prompt_tokens_cost_the_cached_price() {
    let usage = usage(json!({
        "prompt_tokens": 1000, "completion_tokens": 200, "total_tokens": 1200,
        "prompt_tokens_details": {"cached_tokens": 400}
    }));
    // 600 × 2.5 + 400 × 1.25 + 200 × 10 = 1500 + 500 + 2000 = 4000 per million.
    assert_close(cost(&GPT_4O, &usage), 0.004);
}

#[test]
fn without_a_cached_price_cached_tokens_cost_the_input_price() {
    let prices = Prices {
        input: 3.0,
        cached_input: None,
        output: 15.0,
    };
    let usage = usage(json!({
        "prompt_tokens": 2000, "completion_tokens": 100,
        "prompt_tokens_details": {"cached_tokens": 500}
    }));
    // 2000 × 3 + 100 × 15 = 7500 per million.
    assert_close(cost(&prices, &usage), 0.0075);
}

#[test]
fn reasoning_tokens_are_billed_once_inside_completion_tokens() {
    let usage = usage(json!({
        "prompt_tokens": 0, "completion_tokens": 300,
        "completion_tokens_details": {"reasoning_tokens": 250}
    }));
    // 300 × 10 per million, not (300 + 250) × 10.
    assert_close(cost(&GPT_4O, &usage), 0.003);
}

#[test]
fn a_million_tokens_cost_the_listed_price() {
    let usage = estimated_usage(1_000_000, 1_000_000);
    assert_close(cost(&GPT_4O, &usage), 12.5);
    assert_close(cost(&Prices::default(), &usage), 0.0);
}

#[test]
fn a_cached_count_above_the_prompt_is_capped() {
    let usage = usage(json!({
        "prompt_tokens": 100, "completion_tokens": 0,
        "prompt_tokens_details": {"cached_tokens": 150}
    }));
    assert_close(cost(&GPT_4O, &usage), 100.0 * 1.25 / 1e6);
}

#[test]
fn prices_read_from_config() {
    let prices: Prices =
        serde_json::from_value(json!({"input": 2.5, "cached_input": 1.25, "output": 10.0}))
            .unwrap();
    assert_eq!(prices, GPT_4O);
    let prices: Prices = serde_json::from_value(json!({"input": 1, "output": 2})).unwrap();
    assert_eq!(prices.cached_input, None);
    let unknown = serde_json::from_value::<Prices>(json!({"input": 1, "output": 2, "cache": 1}));
    assert!(unknown.is_err());
    let missing = serde_json::from_value::<Prices>(json!({"input": 1}));
    assert!(missing.is_err());
}

#[test]
fn strings_count_as_o200k_base_does() {
    assert_eq!(count_tokens("hello world"), 2);
    assert_eq!(count_tokens("antidisestablishmentarianism"), 6);
    assert_eq!(count_tokens("2 + 2 = 4"), 7);
    assert_eq!(count_tokens("お誕生日おめでとう"), 8);
    assert_eq!(count_tokens(""), 0);
    // A special-token marker in client text is ordinary text, not one special token.
    assert!(count_tokens("<|endoftext|>") > 1);
}

#[test]
fn the_heuristic_is_a_quarter_of_the_characters_rounded_up() {
    assert_eq!(heuristic_tokens(""), 0);
    assert_eq!(heuristic_tokens("a"), 1);
    assert_eq!(heuristic_tokens("abcd"), 1);
    assert_eq!(heuristic_tokens("abcde"), 2);
    assert_eq!(heuristic_tokens("hello world"), 3);
    // Characters, not bytes: 9 characters in 27 UTF-8 bytes.
    assert_eq!(heuristic_tokens("お誕生日おめでとう"), 3);
    // Without a tokenizer, counting falls back to the heuristic.
    assert_eq!(count_with(None, "hello world"), 3);
    assert_eq!(count_with(None, ""), 0);
}

/// The cookbook's example conversation, which the OpenAI API counted as 124 prompt tokens
/// for `gpt-4o`.
fn cookbook_request() -> ChatRequest {
    let named = |name: &str, text: &str| ChatMessage {
        name: Some(name.to_owned()),
        ..ChatMessage::system(text)
    };
    ChatRequest {
        model: "gpt-4o".to_owned(),
        messages: vec![
            ChatMessage::system(
                "You are a helpful, pattern-following assistant that translates corporate jargon into plain English.",
            ),
            named(
                "example_user",
                "New synergies will help drive top-line growth.",
            ),
            named(
                "example_assistant",
                "Things working well together will increase revenue.",
            ),
            named(
                "example_user",
                "Let's circle back when we have more bandwidth to touch base on opportunities for increased leverage.",
            ),
            named(
                "example_assistant",
                "Let's talk later when we're less busy about how to do better.",
            ),
            ChatMessage::user(
                "This late pivot means we don't have time to boil the ocean for the client deliverable.",
            ),
        ],
        ..ChatRequest::default()
    }
}

#[test]
fn a_chat_request_estimate_matches_what_openai_billed() {
    assert_eq!(estimate_prompt_tokens(&cookbook_request()), 124);
}

#[test]
fn an_empty_request_costs_the_reply_priming() {
    assert_eq!(estimate_prompt_tokens(&ChatRequest::default()), 3);
    // One message: 3 overhead + "user" (1) + "hello world" (2), plus 3 priming.
    let request = ChatRequest {
        messages: vec![ChatMessage::user("hello world")],
        ..ChatRequest::default()
    };
    assert_eq!(estimate_prompt_tokens(&request), 9);
}

#[test]
fn text_parts_count_and_other_parts_do_not() {
    let parts = ChatMessage {
        role: Role::User,
        content: Some(Some(MessageContent::Parts(vec![
            ContentPart::text("hello world"),
            ContentPart::image_url(
                "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
            ),
        ]))),
        ..ChatMessage::default()
    };
    let request = ChatRequest {
        messages: vec![parts],
        ..ChatRequest::default()
    };
    assert_eq!(estimate_prompt_tokens(&request), 9);
}

#[test]
fn tools_and_tool_calls_add_their_text() {
    let tool = Tool::function(FunctionDefinition {
        name: "get_weather".to_owned(),
        description: Some("Weather of a city.".to_owned()),
        parameters: Some(json!({"type": "object", "properties": {"city": {"type": "string"}}})),
        ..FunctionDefinition::default()
    });
    let tool_json = serde_json::to_string(&tool).unwrap();
    let call = ChatMessage {
        role: Role::Assistant,
        content: Some(None),
        tool_calls: Some(vec![ToolCall::function(
            "call_1",
            "get_weather",
            r#"{"city":"Paris"}"#,
        )]),
        ..ChatMessage::default()
    };
    let base = ChatRequest {
        messages: vec![ChatMessage::user("hello world")],
        ..ChatRequest::default()
    };
    let with_tools = ChatRequest {
        tools: Some(vec![tool]),
        ..base.clone()
    };
    assert_eq!(
        estimate_prompt_tokens(&with_tools),
        9 + count_tokens(&tool_json)
    );
    assert!(count_tokens(&tool_json) > 20, "{tool_json}");

    let mut with_call = base.clone();
    with_call.messages.push(call);
    let call_tokens = 3
        + count_tokens("assistant")
        + count_tokens("get_weather")
        + count_tokens(r#"{"city":"Paris"}"#);
    assert_eq!(estimate_prompt_tokens(&with_call), 9 + call_tokens);
}

#[test]
fn the_output_counter_counts_the_whole_text_once() {
    let mut counter = OutputCounter::new();
    assert_eq!(counter.tokens(), 0);
    for piece in ["hel", "lo", " wor", "ld"] {
        counter.push(piece);
    }
    // Counted piece by piece this would be more than 2.
    assert_eq!(counter.tokens(), 2);
    counter.push(" antidisestablishmentarianism");
    assert_eq!(counter.tokens(), 2 + 6);
}

#[test]
fn estimated_usage_adds_up() {
    let usage = estimated_usage(120, 30);
    assert_eq!(usage.prompt_tokens, 120);
    assert_eq!(usage.completion_tokens, 30);
    assert_eq!(usage.total_tokens, 150);
    assert_eq!(usage.cached_tokens(), 0);
    assert_eq!(usage.prompt_tokens_details, None);
    assert_eq!(estimated_usage(u64::MAX, 1).total_tokens, u64::MAX);
}
