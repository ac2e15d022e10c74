//! A planned [`Reply`] as stream chunks, paced by the behaviour's delay.

use std::time::Duration;

use serde_json::Map;
use switchboard_core::ChunkStream;
use switchboard_core::chat::{
    ChatChunk, ChunkChoice, ChunkDelta, FunctionCallDelta, Role, ToolCallDelta,
};

use crate::reply::Reply;

/// The chunks of `reply`, in the order OpenAI sends them: role, reasoning deltas, content
/// (or tool call) deltas, the finish chunk, then the usage-only chunk.
pub(crate) fn chunks(reply: &Reply, model: &str, created: i64) -> Vec<ChatChunk> {
    let chunk = |delta: ChunkDelta, finish: Option<_>| ChatChunk {
        id: reply.id.clone(),
        object: "chat.completion.chunk".into(),
        created,
        model: model.to_owned(),
        choices: vec![ChunkChoice {
            index: 0,
            delta,
            finish_reason: Some(finish),
            logprobs: None,
            extra: Map::new(),
        }],
        usage: None,
        system_fingerprint: None,
        service_tier: None,
        extra: Map::new(),
    };
    let mut out = vec![chunk(
        ChunkDelta {
            role: Some(Role::Assistant),
            content: Some(Some(String::new())),
            ..ChunkDelta::default()
        },
        None,
    )];
    for (i, word) in reply.reasoning.iter().enumerate() {
        let text = if i == 0 {
            word.clone()
        } else {
            format!(" {word}")
        };
        out.push(chunk(
            ChunkDelta {
                reasoning_content: Some(Some(text)),
                ..ChunkDelta::default()
            },
            None,
        ));
    }
    for (i, word) in reply.words.iter().enumerate() {
        let text = if i == 0 {
            word.clone()
        } else {
            format!(" {word}")
        };
        out.push(chunk(
            ChunkDelta {
                content: Some(Some(text)),
                ..ChunkDelta::default()
            },
            None,
        ));
    }
    if let Some((call_id, name, arguments)) = &reply.tool_call {
        out.push(chunk(
            ChunkDelta {
                tool_calls: Some(vec![ToolCallDelta {
                    index: 0,
                    id: Some(call_id.clone()),
                    r#type: Some("function".into()),
                    function: Some(FunctionCallDelta {
                        name: Some(name.clone()),
                        arguments: Some(String::new()),
                        extra: Map::new(),
                    }),
                    extra: Map::new(),
                }]),
                ..ChunkDelta::default()
            },
            None,
        ));
        for piece in split_in_three(arguments) {
            out.push(chunk(
                ChunkDelta {
                    tool_calls: Some(vec![ToolCallDelta {
                        index: 0,
                        function: Some(FunctionCallDelta {
                            arguments: Some(piece.to_owned()),
                            ..FunctionCallDelta::default()
                        }),
                        ..ToolCallDelta::default()
                    }]),
                    ..ChunkDelta::default()
                },
                None,
            ));
        }
    }
    out.push(chunk(
        ChunkDelta::default(),
        Some(reply.finish_reason.clone()),
    ));
    let mut usage = chunk(ChunkDelta::default(), None);
    usage.choices.clear();
    usage.usage = Some(Some(reply.usage.clone()));
    out.push(usage);
    out
}

/// Splits `s` into up to three pieces on char boundaries, as a model streams arguments.
fn split_in_three(s: &str) -> Vec<&str> {
    let n = s.chars().count();
    let cuts: Vec<usize> = [n / 3, 2 * n / 3]
        .iter()
        .filter_map(|&c| s.char_indices().nth(c).map(|(i, _)| i))
        .collect();
    let mut pieces = Vec::new();
    let mut at = 0;
    for cut in cuts.into_iter().chain([s.len()]) {
        if cut > at {
            pieces.push(&s[at..cut]);
            at = cut;
        }
    }
    pieces
}

/// Yields `chunks` one by one, sleeping `delay` before each but the first.
pub(crate) fn paced(chunks: Vec<ChatChunk>, delay: Duration) -> ChunkStream {
    let stream = futures_util::stream::unfold(
        (chunks.into_iter(), true),
        move |(mut it, first)| async move {
            let chunk = it.next()?;
            if !first && !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            Some((Ok(chunk), (it, false)))
        },
    );
    Box::pin(stream)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_split_on_char_boundaries_and_rejoin() {
        for s in ["", "a", "{\"city\":\"Zürich\"}", "ééé"] {
            assert_eq!(split_in_three(s).concat(), s);
        }
    }
}
