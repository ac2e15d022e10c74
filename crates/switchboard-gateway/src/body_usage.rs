//! The `usage` of a whole non-streaming chat body on the pass-through path, which forwards
//! the body untouched and reads only this.
//!
//! Parsing the whole body to find one member costs about 17 instructions a byte (every
//! string of the answer is scanned for escapes); OpenAI and the servers that copy it put
//! `usage` near the end. So the last `"usage"` in the body is tried first: when it is a
//! member name (after `{` or `,`), its value reads as a usage object, and what follows it
//! is the rest of an object that closes at the end of the body, it is the top-level
//! object's member, and only that tail is parsed. Anything else (another layout, a nested
//! `usage`, a body that is not an object) takes the whole parse.
//!
//! Why the last `"usage"` cannot be inside a string: a quote inside a JSON string is
//! escaped, so `"usage"` there would read `\"usage\"`, which does not match. Why it is the
//! top-level member: the object it belongs to closes with the body's last byte, and in a
//! valid body only the top-level value does.

use std::sync::LazyLock;

use memchr::memmem::FinderRev;
use serde::Deserialize;
use serde::de::IgnoredAny;
use switchboard_core::chat::Usage;

/// The whole-body parse: the top-level `usage`, everything else skipped.
#[derive(Deserialize)]
struct UsageOnly {
    #[serde(default)]
    usage: Option<Usage>,
}

/// Finds `"usage"` from the end.
static USAGE_NAME: LazyLock<FinderRev<'static>> = LazyLock::new(|| FinderRev::new(b"\"usage\""));

/// The usage of a whole non-streaming body, if it reports one.
pub(crate) fn body_usage(body: &[u8]) -> Option<Usage> {
    if let Some(usage) = usage_at_the_end(body) {
        return Some(usage);
    }
    serde_json::from_slice::<UsageOnly>(body.trim_ascii_start())
        .ok()?
        .usage
}

/// The usage when the body's last `"usage"` is a top-level member (see the module
/// documentation); `None` when that cannot be shown, and the caller parses it all.
fn usage_at_the_end(body: &[u8]) -> Option<Usage> {
    let at = USAGE_NAME.rfind(body)?;
    let before = body[..at].trim_ascii_end().last()?;
    if !matches!(before, b'{' | b',') {
        return None;
    }
    let value = body[at + b"\"usage\"".len()..]
        .trim_ascii_start()
        .strip_prefix(b":")?;
    let mut values = serde_json::Deserializer::from_slice(value).into_iter::<Usage>();
    let usage = values.next()?.ok()?;
    let tail = value[values.byte_offset()..].trim_ascii();
    if tail == b"}" {
        return Some(usage);
    }
    // More members follow (OpenAI sends `service_tier` and `system_fingerprint`): they
    // and the closing brace must make an object's rest, ending the body.
    let members = tail.strip_prefix(b",")?;
    let mut rest = Vec::with_capacity(members.len() + 1);
    rest.push(b'{');
    rest.extend_from_slice(members);
    serde_json::from_slice::<IgnoredAny>(&rest).ok()?;
    Some(usage)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An answer in api.openai.com's shape and member order.
    const OPENAI: &str = r#"{"id":"chatcmpl-bench","object":"chat.completion","created":1795278769,"model":"gpt-4o","choices":[{"index":0,"message":{"role":"assistant","content":"Blue light scatters more.","refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":42,"completion_tokens":20,"total_tokens":62,"prompt_tokens_details":{"cached_tokens":3,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":5,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}},"service_tier":"default","system_fingerprint":null}"#;

    fn whole(body: &str) -> Option<Usage> {
        serde_json::from_str::<UsageOnly>(body.trim_start())
            .ok()?
            .usage
    }

    #[test]
    fn reads_the_usage_near_the_end_without_the_whole_parse() {
        let usage = usage_at_the_end(OPENAI.as_bytes()).unwrap();
        assert_eq!(usage.total_tokens, 62);
        assert_eq!(usage.cached_tokens(), 3);
        assert_eq!(usage.reasoning_tokens(), 5);
        assert_eq!(Some(usage), whole(OPENAI));
        // `usage` last, pretty-printed with spaces and a newline at the end.
        let last = "{\n  \"choices\": [],\n  \"usage\" : {\"prompt_tokens\": 1, \"completion_tokens\": 2, \"total_tokens\": 3}\n}\n";
        assert_eq!(usage_at_the_end(last.as_bytes()).unwrap().total_tokens, 3);
        // vLLM puts `prompt_logprobs` and `kv_transfer_params` after it.
        let vllm = r#"{"id":"c","choices":[],"usage":{"prompt_tokens":4,"completion_tokens":5,"total_tokens":9},"prompt_logprobs":null,"kv_transfer_params":{"a":[1,{"b":"}"}]}}"#;
        assert_eq!(usage_at_the_end(vllm.as_bytes()).unwrap().total_tokens, 9);
    }

    #[test]
    fn a_usage_that_is_not_the_top_level_member_is_left_to_the_whole_parse() {
        for body in [
            // The last `"usage"` is nested; the top-level one comes first.
            r#"{"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2},"x":{"usage":{"prompt_tokens":9,"completion_tokens":9,"total_tokens":18}}}"#,
            // Nested only: the top level reports none.
            r#"{"choices":[{"message":{"usage":{"prompt_tokens":9,"completion_tokens":9,"total_tokens":18}}}]}"#,
            // A value, not a member name.
            r#"{"a" "usage":{"total_tokens":2}}"#,
            r#"{"usage":{"total_tokens":2},"note":"usage"}"#,
            // In an array.
            r#"[{"usage":{"total_tokens":2}}]"#,
            // Inside a string, escaped.
            r#"{"content":"{\"usage\":{\"total_tokens\":99}}","usage":null}"#,
            // Members after it that do not close the body's object.
            r#"{"usage":{"total_tokens":2},"a":1}}"#,
            r#"{"usage":{"total_tokens":2},"a":}"#,
        ] {
            let fast = usage_at_the_end(body.as_bytes());
            assert!(fast.is_none(), "{body}: {fast:?}");
            assert_eq!(body_usage(body.as_bytes()), whole(body), "{body}");
        }
        assert_eq!(
            body_usage(br#"{"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2},"x":{"usage":{"total_tokens":18}}}"#)
                .unwrap()
                .total_tokens,
            2
        );
    }

    #[test]
    fn bodies_without_usage() {
        assert!(body_usage(b"{}").is_none());
        assert!(body_usage(br#"{"id":"x","choices":[],"usage":null}"#).is_none());
        assert!(body_usage(b"not json").is_none());
        let body = br#"  {"id":"x","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}}"#;
        assert_eq!(body_usage(body).unwrap().total_tokens, 7);
    }
}
