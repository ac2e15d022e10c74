//! The delta events' frames written by hand: most of a streamed response's events are
//! `response.output_text.delta` (one per upstream chunk), and serde's derive writes an
//! internally tagged enum through a wrapper serializer, field by field. Here the fixed
//! parts are byte strings, the numbers `itoa`, and only the strings (and non-empty
//! `logprobs`) go through serde_json, so its escaping applies. The bytes are the derive's
//! exactly: the tests hold every delta event type to it, escapes and extremes included.

use bytes::{BufMut, BytesMut};
use serde_json::Value;

use super::ResponseStreamEvent;
use super::by_hand::{put_int, write_head};
use crate::sse::Appender;

/// The fields of one delta event, in the order its struct declares them.
struct Delta<'a> {
    event_type: &'static str,
    sequence_number: u64,
    item_id: &'a str,
    output_index: usize,
    /// `content_index` or `summary_index`, when the event has one.
    part_index: Option<(&'static [u8], usize)>,
    delta: &'a str,
    /// Text deltas only.
    logprobs: Option<&'a [Value]>,
}

/// Appends `event`'s SSE frame when it is a delta event and returns true; returns false,
/// `out` as it was, for any other event (or, which cannot happen with strings and JSON
/// values, when serde_json refuses one of its fields).
pub(super) fn write_delta_sse(event: &ResponseStreamEvent, out: &mut BytesMut) -> bool {
    let event_type = event.event_type();
    let delta = match event {
        ResponseStreamEvent::OutputTextDelta(e) => Delta::new(
            event_type,
            e.sequence_number,
            &e.item_id,
            e.output_index,
            &e.delta,
        )
        .part(b"content_index", e.content_index)
        .logprobs(&e.logprobs),
        ResponseStreamEvent::RefusalDelta(e) => Delta::new(
            event_type,
            e.sequence_number,
            &e.item_id,
            e.output_index,
            &e.delta,
        )
        .part(b"content_index", e.content_index),
        ResponseStreamEvent::ReasoningSummaryTextDelta(e) => Delta::new(
            event_type,
            e.sequence_number,
            &e.item_id,
            e.output_index,
            &e.delta,
        )
        .part(b"summary_index", e.summary_index),
        ResponseStreamEvent::FunctionCallArgumentsDelta(e)
        | ResponseStreamEvent::CustomToolCallInputDelta(e) => Delta::new(
            event_type,
            e.sequence_number,
            &e.item_id,
            e.output_index,
            &e.delta,
        ),
        _ => return false,
    };
    let start = out.len();
    match write_frame(&delta, out) {
        Ok(()) => true,
        Err(_) => {
            out.truncate(start);
            false
        }
    }
}

impl<'a> Delta<'a> {
    /// The fields every delta event has.
    fn new(
        event_type: &'static str,
        sequence_number: u64,
        item_id: &'a str,
        output_index: usize,
        delta: &'a str,
    ) -> Self {
        Self {
            event_type,
            sequence_number,
            item_id,
            output_index,
            part_index: None,
            delta,
            logprobs: None,
        }
    }

    /// With the part's index, written as `name`.
    fn part(self, name: &'static [u8], index: usize) -> Self {
        Self {
            part_index: Some((name, index)),
            ..self
        }
    }

    /// With `logprobs` (text deltas).
    fn logprobs(self, logprobs: &'a [Value]) -> Self {
        Self {
            logprobs: Some(logprobs),
            ..self
        }
    }
}

/// `event: <type>\ndata: {"type":"<type>","sequence_number":…}\n\n`.
fn write_frame(d: &Delta<'_>, out: &mut BytesMut) -> Result<(), serde_json::Error> {
    out.reserve(2 * d.event_type.len() + d.item_id.len() + d.delta.len() + 128);
    write_head(out, d.event_type, d.sequence_number);
    out.put_slice(b",\"item_id\":");
    serde_json::to_writer(Appender(out), d.item_id)?;
    out.put_slice(b",\"output_index\":");
    put_int(out, d.output_index);
    if let Some((name, index)) = d.part_index {
        out.put_slice(b",\"");
        out.put_slice(name);
        out.put_slice(b"\":");
        put_int(out, index);
    }
    out.put_slice(b",\"delta\":");
    serde_json::to_writer(Appender(out), d.delta)?;
    match d.logprobs {
        None => {}
        Some([]) => out.put_slice(b",\"logprobs\":[]"),
        Some(logprobs) => {
            out.put_slice(b",\"logprobs\":");
            serde_json::to_writer(Appender(out), logprobs)?;
        }
    }
    out.put_slice(b"}\n\n");
    Ok(())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::json;

    use super::*;
    use crate::responses::events::{
        CallDeltaEvent, RefusalDeltaEvent, SummaryTextDeltaEvent, TextDeltaEvent,
    };
    use crate::sse::write_json_event;

    /// Every delta event type with these fields.
    fn deltas(seq: u64, item_id: &str, index: usize, delta: &str) -> Vec<ResponseStreamEvent> {
        let call = CallDeltaEvent {
            sequence_number: seq,
            item_id: item_id.to_owned(),
            output_index: index,
            delta: delta.to_owned(),
        };
        vec![
            ResponseStreamEvent::OutputTextDelta(TextDeltaEvent {
                sequence_number: seq,
                item_id: item_id.to_owned(),
                output_index: index,
                content_index: index / 2,
                delta: delta.to_owned(),
                logprobs: Vec::new(),
            }),
            ResponseStreamEvent::RefusalDelta(RefusalDeltaEvent {
                sequence_number: seq,
                item_id: item_id.to_owned(),
                output_index: index,
                content_index: index / 3,
                delta: delta.to_owned(),
            }),
            ResponseStreamEvent::ReasoningSummaryTextDelta(SummaryTextDeltaEvent {
                sequence_number: seq,
                item_id: item_id.to_owned(),
                output_index: index,
                summary_index: index / 5,
                delta: delta.to_owned(),
            }),
            ResponseStreamEvent::FunctionCallArgumentsDelta(call.clone()),
            ResponseStreamEvent::CustomToolCallInputDelta(call),
        ]
    }

    /// The frame serde's derive writes (the reference) and the hand-written one.
    fn both(event: &ResponseStreamEvent) -> (String, String) {
        let mut derived = BytesMut::new();
        write_json_event(&mut derived, event.event_type(), event).expect("derive writes it");
        let mut by_hand = BytesMut::from(&b"kept"[..]);
        assert!(write_delta_sse(event, &mut by_hand), "{event:?}");
        let by_hand = by_hand
            .strip_prefix(b"kept")
            .expect("what was there is kept");
        (
            String::from_utf8(derived.to_vec()).expect("UTF-8"),
            String::from_utf8(by_hand.to_vec()).expect("UTF-8"),
        )
    }

    #[test]
    fn every_delta_event_is_written_as_the_derive_writes_it() {
        let texts = [
            "",
            "Hello",
            " world, and \"quotes\" \\ back\\slash",
            "line\nbreak\r\nand\ttab",
            "\u{0}\u{1}\u{1f}\u{7f} controls",
            "é ü 中文 🎉 </script>",
            "{\"arguments\": [1, 2]}",
        ];
        let ids = ["msg_0123abcd", "fc_\"odd\"\n", ""];
        for text in texts {
            for id in ids {
                for (seq, index) in [(0, 0), (7, 1), (u64::MAX, usize::MAX)] {
                    for event in deltas(seq, id, index, text) {
                        let (derived, by_hand) = both(&event);
                        assert_eq!(by_hand, derived);
                    }
                }
            }
        }
    }

    #[test]
    fn text_delta_logprobs_are_written_whole() {
        let event = ResponseStreamEvent::OutputTextDelta(TextDeltaEvent {
            sequence_number: 3,
            item_id: "msg_1".into(),
            output_index: 0,
            content_index: 0,
            delta: "Hi".into(),
            logprobs: vec![
                json!({"token": "Hi", "logprob": -0.25, "bytes": [72, 105], "top_logprobs": []}),
                json!(null),
            ],
        });
        let (derived, by_hand) = both(&event);
        assert_eq!(by_hand, derived);
        assert!(by_hand.contains(r#""logprobs":[{"#), "{by_hand}");
    }

    #[test]
    fn other_events_are_left_to_the_derive() {
        let event = ResponseStreamEvent::Error(crate::responses::events::ErrorEvent {
            sequence_number: 1,
            code: None,
            message: "m".into(),
            param: None,
        });
        let mut out = BytesMut::from(&b"x"[..]);
        assert!(!write_delta_sse(&event, &mut out));
        assert_eq!(&out[..], b"x");
    }

    proptest! {
        #[test]
        fn any_text_is_written_as_the_derive_writes_it(
            delta in any::<String>(),
            item_id in "[ -~]{0,12}",
            seq in any::<u64>(),
            index in any::<usize>(),
        ) {
            for event in deltas(seq, &item_id, index, &delta) {
                let (derived, by_hand) = both(&event);
                prop_assert_eq!(by_hand, derived);
            }
        }
    }
}
