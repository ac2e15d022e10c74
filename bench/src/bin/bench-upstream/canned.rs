//! The canned answers, in OpenAI's wire shape: a `chat.completion` object, and the
//! `chat.completion.chunk` frames of a stream (as api.openai.com sends them: `usage: null` on
//! every chunk when usage was asked for, then one chunk with empty `choices` and the usage).

use bytes::Bytes;

/// The id every answer carries.
const ID: &str = "chatcmpl-bench5Qm2yJ8cVt0d1Xh3kRnPz";

/// When every answer was "created" (fixed: nothing here reads a clock).
const CREATED: u64 = 1_795_278_769;

/// What the prompt counts as.
const PROMPT_TOKENS: u32 = 42;

/// The words of the answer, one per content chunk, repeated as needed.
const WORDS: &[&str] = &[
    "The",
    " sky",
    " looks",
    " blue",
    " because",
    " air",
    " molecules",
    " scatter",
    " short",
    " blue",
    " wavelengths",
    " of",
    " sunlight",
    " far",
    " more",
    " than",
    " the",
    " longer",
    " red",
    " ones",
    ".",
];

/// The `n`th word of the answer.
fn word(n: u32) -> &'static str {
    WORDS[n as usize % WORDS.len()]
}

/// `model` as a JSON string literal.
fn json_string(model: &str) -> String {
    serde_json::Value::from(model).to_string()
}

/// The `usage` object of an answer of `completion` tokens.
fn usage(completion: u32) -> String {
    format!(
        "{{\"prompt_tokens\":{PROMPT_TOKENS},\"completion_tokens\":{completion},\"total_tokens\":{},\
         \"prompt_tokens_details\":{{\"cached_tokens\":0,\"audio_tokens\":0}},\
         \"completion_tokens_details\":{{\"reasoning_tokens\":0,\"audio_tokens\":0,\
         \"accepted_prediction_tokens\":0,\"rejected_prediction_tokens\":0}}}}",
        PROMPT_TOKENS + completion
    )
}

/// The non-streaming answer: `chunks` words of content for `model`.
pub fn completion(model: &str, chunks: u32) -> Bytes {
    let content: String = (0..chunks).map(word).collect();
    Bytes::from(format!(
        "{{\"id\":\"{ID}\",\"object\":\"chat.completion\",\"created\":{CREATED},\"model\":{},\
         \"choices\":[{{\"index\":0,\"message\":{{\"role\":\"assistant\",\"content\":{},\
         \"refusal\":null,\"annotations\":[]}},\"logprobs\":null,\"finish_reason\":\"stop\"}}],\
         \"usage\":{},\"service_tier\":\"default\",\"system_fingerprint\":null}}",
        json_string(model),
        json_string(&content),
        usage(chunks)
    ))
}

/// One frame of a stream, and whether the stream pauses before sending it.
pub struct Frame {
    /// The frame's bytes, `data: ...\n\n`.
    pub bytes: Bytes,
    /// True for content chunks: they come after the per-chunk delay.
    pub paced: bool,
}

/// The frames of a stream of `chunks` content chunks for `model`, with a usage chunk when
/// `include_usage`, ending with `data: [DONE]`.
pub fn stream(model: &str, chunks: u32, include_usage: bool) -> Vec<Frame> {
    let model = json_string(model);
    let usage_null = if include_usage { ",\"usage\":null" } else { "" };
    let chunk = |delta: &str, finish: &str| {
        Bytes::from(format!(
            "data: {{\"id\":\"{ID}\",\"object\":\"chat.completion.chunk\",\"created\":{CREATED},\
             \"model\":{model},\"service_tier\":\"default\",\"system_fingerprint\":null,\
             \"choices\":[{{\"index\":0,\"delta\":{delta},\"logprobs\":null,\
             \"finish_reason\":{finish}}}]{usage_null}}}\n\n"
        ))
    };
    let mut frames = Vec::with_capacity(chunks as usize + 4);
    frames.push(Frame {
        bytes: chunk(
            "{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null}",
            "null",
        ),
        paced: false,
    });
    for n in 0..chunks {
        frames.push(Frame {
            bytes: chunk(&format!("{{\"content\":{}}}", json_string(word(n))), "null"),
            paced: true,
        });
    }
    frames.push(Frame {
        bytes: chunk("{}", "\"stop\""),
        paced: false,
    });
    if include_usage {
        frames.push(Frame {
            bytes: Bytes::from(format!(
                "data: {{\"id\":\"{ID}\",\"object\":\"chat.completion.chunk\",\"created\":{CREATED},\
                 \"model\":{model},\"service_tier\":\"default\",\"system_fingerprint\":null,\
                 \"choices\":[],\"usage\":{}}}\n\n",
                usage(chunks)
            )),
            paced: false,
        });
    }
    frames.push(Frame {
        bytes: Bytes::from_static(b"data: [DONE]\n\n"),
        paced: false,
    });
    frames
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn data(frame: &Frame) -> &str {
        std::str::from_utf8(&frame.bytes)
            .unwrap()
            .strip_prefix("data: ")
            .unwrap()
            .strip_suffix("\n\n")
            .unwrap()
    }

    #[test]
    fn the_completion_is_openai_json_with_usage() {
        let body: Value = serde_json::from_slice(&completion("m\"x", 3)).unwrap();
        assert_eq!(body["object"], "chat.completion");
        assert_eq!(body["model"], "m\"x");
        assert_eq!(body["choices"][0]["message"]["content"], "The sky looks");
        assert_eq!(body["usage"]["completion_tokens"], 3);
        assert_eq!(body["usage"]["total_tokens"], 45);
    }

    #[test]
    fn the_stream_has_role_content_finish_usage_and_done() {
        let frames = stream("m", 2, true);
        assert_eq!(frames.len(), 6);
        let chunks: Vec<Value> = frames[..5]
            .iter()
            .map(|f| serde_json::from_str(data(f)).unwrap())
            .collect();
        assert_eq!(chunks[0]["choices"][0]["delta"]["role"], "assistant");
        assert_eq!(chunks[1]["choices"][0]["delta"]["content"], "The");
        assert_eq!(chunks[3]["choices"][0]["finish_reason"], "stop");
        assert_eq!(chunks[4]["choices"], Value::Array(vec![]));
        assert_eq!(chunks[4]["usage"]["completion_tokens"], 2);
        assert!(chunks[..4].iter().all(|c| c["usage"].is_null()));
        assert_eq!(data(&frames[5]), "[DONE]");
        let paced: Vec<bool> = frames.iter().map(|f| f.paced).collect();
        assert_eq!(paced, [false, true, true, false, false, false]);
        assert_eq!(stream("m", 2, false).len(), 5);
    }
}
