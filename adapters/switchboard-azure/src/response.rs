//! Azure's non-streaming chat answer: OpenAI's shape plus `prompt_filter_results` and each
//! choice's `content_filter_results`, both kept as vendor fields.

use serde_json::Value;
use switchboard_core::chat::ChatResponse;

/// Renames a message's `reasoning` (some models deployed in Foundry and served on the v1
/// surface) to the canonical `reasoning_content`, when that is absent.
pub(crate) fn normalise_response(response: &mut ChatResponse) {
    for choice in &mut response.choices {
        let message = &mut choice.message;
        if message.reasoning_content().is_none()
            && let Some(Value::String(text)) = message.extra.remove("reasoning")
        {
            message.reasoning_content = Some(Some(text));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_core::chat::FinishReason;

    const RECORDED: &str = include_str!("../fixtures/azure-chat-basic.response.json");

    #[test]
    fn the_recorded_answer_reads_with_its_filter_results() {
        let mut response: ChatResponse = serde_json::from_str(RECORDED).unwrap();
        normalise_response(&mut response);
        let choice = &response.choices[0];
        assert_eq!(choice.finish_reason(), Some(&FinishReason::Stop));
        assert!(choice.message.text().starts_with("Hi there!"));
        assert!(choice.extra.contains_key("content_filter_results"));
        assert!(response.extra.contains_key("prompt_filter_results"));
        let usage = response.usage().unwrap();
        assert_eq!(usage.reasoning_tokens(), 192);
        assert_eq!(usage.cached_tokens(), 0);
        assert_eq!(usage.total_tokens, 279);
        // Round trip: nothing dropped, `system_fingerprint: null` kept.
        let back = serde_json::to_value(&response).unwrap();
        let original: Value = serde_json::from_str(RECORDED).unwrap();
        assert_eq!(back, original);
    }

    #[test]
    fn a_reasoning_field_becomes_reasoning_content() {
        let mut response: ChatResponse = serde_json::from_str(
            r#"{"id":"x","object":"chat.completion","created":1,"model":"DeepSeek-R1","choices":[{"index":0,"message":{"role":"assistant","content":"4","reasoning":"2+2"},"finish_reason":"stop"}]}"#,
        )
        .unwrap();
        normalise_response(&mut response);
        assert_eq!(response.choices[0].message.reasoning_content(), Some("2+2"));
        assert!(!response.choices[0].message.extra.contains_key("reasoning"));
    }
}
