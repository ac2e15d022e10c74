//! A lifecycle event's frame from its response's JSON already written. A streamed
//! response is serialised whole up to four times: in `response.created` and
//! `response.in_progress` (the same response, without output), in the terminal event
//! (`response.completed`, `.incomplete` or `.failed`) and for the store (the same final
//! response). With the text of one, the others splice it in instead of serialising the
//! response again; with a request's tools echoed (Codex sends dozens), that is most of a
//! stream's serialising.

use bytes::{BufMut, BytesMut};

use super::ResponseStreamEvent;
use super::by_hand::write_head;

/// Appends the frame of `event` when it is a lifecycle event, with `response_json` as its
/// `response`, and returns true; returns false, `out` as it was, for any other event.
/// `response_json` must be the compact JSON of the event's own response (in debug builds
/// this is checked).
pub(super) fn write_lifecycle_sse(
    event: &ResponseStreamEvent,
    response_json: &str,
    out: &mut BytesMut,
) -> bool {
    let lifecycle = match event {
        ResponseStreamEvent::Created(e)
        | ResponseStreamEvent::InProgress(e)
        | ResponseStreamEvent::Completed(e)
        | ResponseStreamEvent::Incomplete(e)
        | ResponseStreamEvent::Failed(e) => e,
        _ => return false,
    };
    debug_assert_eq!(
        serde_json::to_string(&lifecycle.response).ok().as_deref(),
        Some(response_json),
        "the event's response is the one written"
    );
    let event_type = event.event_type();
    out.reserve(2 * event_type.len() + response_json.len() + 64);
    write_head(out, event_type, lifecycle.sequence_number);
    out.put_slice(b",\"response\":");
    out.put_slice(response_json.as_bytes());
    out.put_slice(b"}\n\n");
    true
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::GatewayError;
    use crate::chat::ChatChunk;
    use crate::responses::{ResponseEcho, ResponseStream, ToolNames};

    fn stream() -> ResponseStream {
        let mut stream = ResponseStream::new(
            "resp_0123456789abcdef0123456789abcdef".to_owned(),
            100,
            ResponseEcho::for_model("test-model"),
            ToolNames::default(),
        );
        stream.start();
        let chunk: ChatChunk = serde_json::from_value(json!({"choices": [{"index": 0,
            "delta": {"content": "Hi \"there\"\n"}}]}))
        .expect("a chunk");
        stream.push(&chunk);
        stream
    }

    /// The frames `write_sse` and the splice write for each of a finished stream's
    /// events; the splice's is `None` when it declined.
    fn frames(
        mut stream: ResponseStream,
        end: fn(&mut ResponseStream) -> Vec<ResponseStreamEvent>,
    ) -> Vec<(BytesMut, Option<BytesMut>)> {
        let events = end(&mut stream);
        let json = serde_json::to_string(stream.response()).expect("a response serialises");
        events
            .iter()
            .map(|event| {
                let mut derived = BytesMut::new();
                event.write_sse(&mut derived);
                let mut spliced = BytesMut::new();
                let wrote = write_lifecycle_sse(event, &json, &mut spliced);
                (derived, wrote.then_some(spliced))
            })
            .collect()
    }

    #[test]
    fn each_terminal_event_is_written_as_the_derive_writes_it() {
        let endings: [fn(&mut ResponseStream) -> Vec<ResponseStreamEvent>; 3] = [
            |s| s.finish(200),
            |s| {
                let chunk: ChatChunk = serde_json::from_value(json!({"choices": [{"index": 0,
                    "delta": {}, "finish_reason": "length"}]}))
                .expect("a chunk");
                s.push(&chunk);
                s.finish(200)
            },
            |s| {
                s.fail(
                    &GatewayError::bad_gateway("connection reset by upstream"),
                    200,
                )
            },
        ];
        let mut kinds = Vec::new();
        for end in endings {
            let frames = frames(stream(), end);
            let (last, others) = frames.split_last().expect("events");
            for (_, spliced) in others {
                assert!(
                    spliced.is_none(),
                    "the items' events are not lifecycle events"
                );
            }
            let (derived, spliced) = last;
            assert_eq!(spliced.as_ref(), Some(derived));
            kinds.push(String::from_utf8_lossy(&derived[..derived.len().min(30)]).into_owned());
        }
        assert_eq!(
            kinds,
            [
                "event: response.completed\ndata",
                "event: response.incomplete\ndat",
                "event: response.failed\ndata: {",
            ]
        );
    }

    #[test]
    fn created_and_in_progress_share_created_s_response() {
        let mut stream = ResponseStream::new(
            "resp_0123456789abcdef0123456789abcdef".to_owned(),
            100,
            ResponseEcho::for_model("test-model"),
            ToolNames::default(),
        );
        let events = stream.start();
        let Some(ResponseStreamEvent::Created(created)) = events.first() else {
            panic!("created first: {events:?}");
        };
        let json = serde_json::to_string(&created.response).expect("a response serialises");
        assert_eq!(events.len(), 2);
        for event in &events {
            let mut derived = BytesMut::new();
            event.write_sse(&mut derived);
            let mut spliced = BytesMut::new();
            assert!(write_lifecycle_sse(event, &json, &mut spliced));
            assert_eq!(spliced, derived);
        }
    }

    #[cfg(debug_assertions)]
    #[test]
    #[should_panic(expected = "the event's response is the one written")]
    fn another_response_is_caught_in_debug_builds() {
        let mut stream = stream();
        let events = stream.finish(200);
        let last = events.last().expect("the terminal event");
        write_lifecycle_sse(last, "{}", &mut BytesMut::new());
    }
}
