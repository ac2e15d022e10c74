//! Direct answers and folded streams, from the recorded fixtures.

use super::*;
use crate::testing::{
    REASONING, REASONING_JSON, TEXT, TEXT_JSON, TOOL_CALL, TOOL_CALL_JSON, decode,
};

fn fold(lines: &str) -> ChatResponse {
    let mut fold = Fold::new();
    for chunk in decode(lines) {
        fold.push(chunk);
    }
    fold.finish().unwrap()
}

fn direct(json: &str) -> ChatResponse {
    let mut response: ChatResponse = serde_json::from_str(json).unwrap();
    normalise_response(&mut response);
    response
}

#[test]
fn direct_tool_call_loses_dashscopes_index() {
    let r = direct(TOOL_CALL_JSON);
    let call = &r.choices[0].message.tool_calls.as_ref().unwrap()[0];
    assert_eq!(call.id, "call_962bfd2ab8f54b89a1161356");
    assert_eq!(call.function.name, "weather");
    assert!(call.extra.is_empty(), "{:?}", call.extra);
    assert_eq!(r.choices[0].finish_reason(), Some(&FinishReason::ToolCalls));
    assert_eq!(r.usage().unwrap().total_tokens, 317);
}

#[test]
fn direct_reasoning_is_reasoning_content() {
    let r = direct(REASONING_JSON);
    let message = &r.choices[0].message;
    assert!(
        message
            .reasoning_content()
            .unwrap()
            .starts_with("We are asked")
    );
    assert!(message.text().contains("**3**"));
    assert_eq!(r.usage().unwrap().reasoning_tokens(), 1353);
    let r = direct(TEXT_JSON);
    assert_eq!(r.choices[0].finish_reason(), Some(&FinishReason::Stop));
}

#[test]
fn folded_tool_call_matches_the_direct_answer() {
    let folded = fold(TOOL_CALL);
    let direct = direct(TOOL_CALL_JSON);
    let (f, d) = (&folded.choices[0], &direct.choices[0]);
    let (fc, dc) = (
        &f.message.tool_calls.as_ref().unwrap()[0],
        &d.message.tool_calls.as_ref().unwrap()[0],
    );
    assert_eq!(fc.id, "call_eee11723464a4b9eb8cee71d");
    assert_eq!(
        (&fc.r#type, &fc.function.name),
        (&dc.r#type, &dc.function.name)
    );
    assert_eq!(fc.function.arguments, dc.function.arguments);
    assert_eq!(f.finish_reason(), Some(&FinishReason::ToolCalls));
    assert_eq!(f.message.role, Role::Assistant);
    assert_eq!(f.message.content, Some(None));
    assert_eq!(folded.usage(), direct.usage());
    assert_eq!(folded.id, "chatcmpl-8e243c57-23b3-9db2-a02e-e3c53929c368");
    assert_eq!(folded.object, "chat.completion");
    assert_eq!(folded.model, "qwen3-max");
}

#[test]
fn folded_reasoning_and_text() {
    let r = fold(REASONING);
    let message = &r.choices[0].message;
    assert!(
        message
            .reasoning_content()
            .unwrap()
            .starts_with("We are asked: \"How many 'r's")
    );
    assert!(!message.text().is_empty());
    assert_eq!(r.usage().unwrap().reasoning_tokens(), 1084);
    assert_eq!(r.choices[0].finish_reason(), Some(&FinishReason::Stop));

    let r = fold(TEXT);
    assert!(
        r.choices[0]
            .message
            .text()
            .starts_with("## The Festival of Shared Stories")
    );
    assert_eq!(r.choices[0].message.reasoning_content, None);
    assert_eq!(r.usage().unwrap().completion_tokens, 779);
    // Written back, the folded answer has OpenAI's keys.
    let json = serde_json::to_value(&r).unwrap();
    assert!(json["choices"][0]["message"]["refusal"].is_null());
    assert!(json["choices"][0]["logprobs"].is_null());
}

#[test]
fn an_empty_stream_folds_to_nothing() {
    assert!(Fold::new().finish().is_none());
}
