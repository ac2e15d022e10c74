//! The SSE codec as data: one helper per layer, many small fixtures, and property tests.

use super::*;
use bytes::{Bytes, BytesMut};
use proptest::prelude::*;

type Outcome = Vec<Result<SseEvent, SseError>>;
type Frames = Vec<Result<Bytes, SseError>>;

/// Pushes `chunks` one by one into a decoder with frame limit `max`, taking every event
/// after each push, then finishes.
fn decode_with(max: usize, chunks: &[&[u8]]) -> Outcome {
    let mut decoder = SseDecoder::with_max_frame(max);
    let mut out = Vec::new();
    for chunk in chunks {
        decoder.push(chunk);
        out.extend(std::iter::from_fn(|| decoder.next_event().transpose()));
    }
    out.extend(std::iter::from_fn(|| decoder.finish().transpose()));
    out
}

fn decode(chunks: &[&[u8]]) -> Outcome {
    decode_with(DEFAULT_MAX_FRAME, chunks)
}

/// Decodes `input` whole, cut at every split point (two pushes) and one byte at a time.
fn decode_every_way(input: &[u8]) -> (Outcome, Vec<Outcome>, Outcome) {
    let whole = decode(&[input]);
    let splits = (0..=input.len())
        .map(|at| decode(&[&input[..at], &input[at..]]))
        .collect();
    let bytes: Vec<&[u8]> = input.chunks(1).collect();
    (whole, splits, decode(&bytes))
}

/// The one fixture runner: `input` must decode to `expected` however it is cut.
fn check(cases: Vec<(&str, &[u8], Outcome)>) {
    for (name, input, expected) in cases {
        let (whole, splits, bytewise) = decode_every_way(input);
        assert_eq!(whole, expected, "{name}: whole");
        for (at, split) in splits.iter().enumerate() {
            assert_eq!(split, &expected, "{name}: split at {at}");
        }
        assert_eq!(bytewise, expected, "{name}: byte by byte");
    }
}

/// Every frame and the trailing block a framer with limit `max` yields for `chunks`.
fn frames(max: usize, chunks: &[&[u8]]) -> Frames {
    let mut framer = SseFramer::with_max_frame(max);
    let mut out = Vec::new();
    for chunk in chunks {
        framer.push(chunk);
        out.extend(std::iter::from_fn(|| framer.next_frame().transpose()));
    }
    out.extend(framer.finish().map(Ok));
    out
}

fn data(data: &str) -> Result<SseEvent, SseError> {
    Ok(SseEvent::data(data))
}

#[rustfmt::skip]
fn named(event: &str, data: &str) -> Result<SseEvent, SseError> {
    Ok(SseEvent { event: Some(event.to_owned()), ..SseEvent::data(data) })
}

fn frame(frame: &'static [u8]) -> Result<Bytes, SseError> {
    Ok(Bytes::from_static(frame))
}

const BAD: Result<SseEvent, SseError> = Err(SseError::InvalidUtf8);
const OPENAI: &str = r#"{"id":"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT","object":"chat.completion.chunk","created":1741569952,"model":"gpt-4o-2024-08-06","choices":[{"index":0,"delta":{"content":"Hi"},"logprobs":null,"finish_reason":null}]}"#;
const ANTHROPIC: &str = r#"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}          }"#;
const LLAMA_ERROR: &str = r#"{"code":500,"message":"boom","type":"server_error"}"#;

#[test]
#[rustfmt::skip]
fn provider_streams() {
    let openai = format!("data: {OPENAI}\n\ndata: [DONE]\n\n");
    let anthropic = format!("event: content_block_delta\ndata: {ANTHROPIC}\n\n");
    let llama = format!("error: {LLAMA_ERROR}\n\n");
    check(vec![
        ("openai", openai.as_bytes(), vec![data(OPENAI), data("[DONE]")]),
        ("anthropic padding kept", anthropic.as_bytes(), vec![named("content_block_delta", ANTHROPIC)]),
        ("anthropic stop", b"event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n", vec![named("message_stop", "{\"type\":\"message_stop\"}")]),
        ("deepseek keep-alive", b": keep-alive\n\n: keep-alive\n\ndata: {}\n\n", vec![data("{}")]),
        ("openrouter comment", b": OPENROUTER PROCESSING\n\n", vec![]),
        ("llama.cpp error field", llama.as_bytes(), vec![named("error", LLAMA_ERROR)]),
        ("no space after colon", b"data:{\"a\":1}\n\n", vec![data("{\"a\":1}")]),
    ]);
    assert!(SseEvent::data("[DONE]").is_done() && !SseEvent::data("[DONE]x").is_done());
}

#[test]
#[rustfmt::skip]
fn line_endings() {
    check(vec![
        ("crlf", b"data: a\r\n\r\ndata: b\r\n\r\n", vec![data("a"), data("b")]),
        ("cr only", b"event: x\rdata: a\r\rdata: b\r\r", vec![named("x", "a"), data("b")]),
        ("mixed", b"data: a\r\ndata: b\rdata: c\n\r\n", vec![data("a\nb\nc")]),
        ("cr then crlf blank", b"data: a\r\r\ndata: b\n\n", vec![data("a"), data("b")]),
        ("leading blank lines", b"\n\r\n\rdata: a\n\n", vec![data("a")]),
        ("bom stripped", b"\xEF\xBB\xBFdata: a\n\n", vec![data("a")]),
        ("bom only at start", b"data: a\n\n\xEF\xBB\xBFdata: b\n\n", vec![data("a")]),
        ("no final blank line", b"data: a\n\ndata: tail", vec![data("a"), data("tail")]),
        ("trailing cr", b"data: tail\r", vec![data("tail")]),
        ("whitespace trailer", b"data: a\n\n\n  \t", vec![data("a")]),
    ]);
}

#[test]
#[rustfmt::skip]
fn fields() {
    let full = SseEvent { id: Some("7".into()), retry: Some(3000), ..SseEvent::data("x") };
    check(vec![
        ("one space stripped", b"data:  x \n\n", vec![data(" x ")]),
        ("tab kept", b"data:\tx\n\n", vec![data("\tx")]),
        ("data lines joined", b"data: a\ndata:\ndata: b\n\n", vec![data("a\n\nb")]),
        ("comment between", b"data: a\n: note\ndata: b\n\n", vec![data("a\nb")]),
        ("colon in value", b"data: http://x:1\n\n", vec![data("http://x:1")]),
        ("no colon is empty value", b"data\n\n", vec![data("")]),
        ("event without data", b"event: ping\n\n", vec![named("ping", "")]),
        ("last event wins", b"event: a\nevent: b\ndata: x\n\n", vec![named("b", "x")]),
        ("unknown field", b"foo: bar\ndata: x\n\n", vec![data("x")]),
        ("names are exact", b"Data: x\n\ndata : x\n\n", vec![]),
        ("id and retry only", b"id: 1\nretry: 5\n\n", vec![]),
        ("unicode", "data: héllo ✓\n\n".as_bytes(), vec![data("héllo ✓")]),
        ("id and retry", b"id: 7\nretry: 3000\ndata: x\n\n", vec![Ok(full)]),
        ("id with nul ignored", b"id: a\0b\ndata: x\n\n", vec![data("x")]),
        ("retry with unit", b"retry: 3s\ndata: x\n\n", vec![data("x")]),
        ("retry negative", b"retry: -1\ndata: x\n\n", vec![data("x")]),
        ("retry empty", b"retry:\ndata: x\n\n", vec![data("x")]),
        ("retry overflow", b"retry: 99999999999999999999999\ndata: x\n\n", vec![data("x")]),
    ]);
}

#[test]
#[rustfmt::skip]
fn errors_are_per_frame() {
    check(vec![
        ("bad utf-8", b"data: \xff\n\ndata: ok\n\n", vec![BAD, data("ok")]),
        ("bad utf-8 in comment", b": \xc3\n\ndata: ok\n\n", vec![BAD, data("ok")]),
        ("bad utf-8 trailer", b"data: ok\n\ndata: \xff", vec![data("ok"), BAD]),
    ]);
    let too_large = || Err(SseError::FrameTooLarge { limit: 16 });
    let cases: [(&[&[u8]], Outcome); 6] = [
        (&[b"data: 0123456789abcdef", b"ghij\n\ndata: ok\n\n"], vec![too_large(), data("ok")]),
        (&[b"data: 0123456789abcdef\r", b"\n\ndata: ok\n\n"], vec![too_large(), data("ok")]),
        (&[b"data: 0123456789abcdef\n\ndata: ok\n\n"], vec![too_large(), data("ok")]),
        (&[b"data: 0123456789abcdef"], vec![too_large()]),
        (&[b"data: 0123456789abcdef", b"\ndata: same frame\n\ndata: ok\n\n"], vec![too_large(), data("ok")]),
        (&[b"data: 01234567\n\n"], vec![data("01234567")]),
    ];
    for (chunks, expected) in cases {
        assert_eq!(decode_with(16, chunks), expected, "{chunks:?}");
    }
}

#[test]
#[rustfmt::skip]
fn framer_keeps_raw_bytes() {
    let cases: [(&[&[u8]], Frames); 8] = [
        (&[b"data: a\r", b"\n\r\n"], vec![frame(b"data: a\r\n\r\n")]),
        (&[b"data: a\r\n\r", b"\ndata: b\r\n\r\n"], vec![frame(b"data: a\r\n\r"), frame(b"\ndata: b\r\n\r\n")]),
        (&[b"data: a\r\n\r\n"], vec![frame(b"data: a\r\n\r\n")]),
        (&[b"\n\n: x\n\n"], vec![frame(b"\n"), frame(b"\n"), frame(b": x\n\n")]),
        (&[b"\xEF", b"\xBB", b"\xBFdata: a\n\n"], vec![frame(b"data: a\n\n")]),
        (&[b"data: a\n\ndata: b"], vec![frame(b"data: a\n\n"), frame(b"data: b")]),
        (&[b"data: a\n\n \r\n\t"], vec![frame(b"data: a\n\n")]),
        (&[b"data: 0123456789\n\n", b"data: 01\n\n"], vec![Err(SseError::FrameTooLarge { limit: 12 }), frame(b"data: 01\n\n")]),
    ];
    for (chunks, expected) in cases {
        assert_eq!(frames(12, chunks), expected, "{chunks:?}");
    }
    let mut framer = SseFramer::new();
    framer.push(b"data: a\n\ndata: partial");
    assert_eq!(framer.buffered_len(), 22);
    assert_eq!(framer.next_frame(), Ok(Some(Bytes::from_static(b"data: a\n\n"))));
    assert_eq!((framer.next_frame(), framer.buffered_len()), (Ok(None), 13));
}

#[test]
#[rustfmt::skip]
fn encoder_writes_frames() {
    let encode = |write: &dyn Fn(&mut BytesMut)| {
        let mut out = BytesMut::new();
        write(&mut out);
        out
    };
    let cases: [(BytesMut, &[u8]); 8] = [
        (encode(&|o| write_data(o, b"{\"a\":1}")), b"data: {\"a\":1}\n\n"),
        (encode(&|o| write_data(o, b"a\nb")), b"data: a\ndata: b\n\n"),
        (encode(&|o| write_data(o, b"a\r\nb\rc\n")), b"data: a\ndata: b\ndata: c\ndata:\n\n"),
        (encode(&|o| write_data(o, b"")), b"data:\n\n"),
        (encode(&|o| write_event(o, "message_stop", b"{}")), b"event: message_stop\ndata: {}\n\n"),
        (encode(&|o| write_event(o, "bad\nname", b"x")), b"event: bad\ndata: x\n\n"),
        (encode(&|o| write_comment(o, "keep-alive")), b": keep-alive\n\n"),
        (encode(&|o| write_comment(o, "a\nb")), b": a\n: b\n\n"),
    ];
    for (written, expected) in cases {
        assert_eq!(&written[..], expected, "{}", String::from_utf8_lossy(expected));
    }
    assert!(matches!(&decode(&[DONE_FRAME])[..], [Ok(event)] if event.is_done()));
}

/// Bytes that bring out the SSE rules, concatenated at random.
#[rustfmt::skip]
fn token_soup() -> impl Strategy<Value = Vec<u8>> {
    let tokens: [&[u8]; 18] = [
        b"data: ", b"data:", b"event: ", b"id: ", b"retry: ", b"error: ", b": keep-alive", b"x",
        b"{\"a\":1}", b"  ", b"\n", b"\r", b"\r\n", b"\n\n", b"\xEF\xBB\xBF", b"\xC3\xA9", b"\xff", b"7",
    ];
    prop::collection::vec(prop::sample::select(tokens.to_vec()), 0..60).prop_map(|t| t.concat())
}

/// A stream of events, comments and blank lines with one line end throughout, and the events
/// it must decode to.
fn event_stream() -> impl Strategy<Value = (Vec<u8>, Vec<SseEvent>)> {
    let text = "[a-zA-Z0-9 {}\":,_é\\[\\]]{0,10}";
    let block = prop_oneof![
        (prop::option::of(text), prop::collection::vec(text, 0..4)).prop_map(|(event, lines)| {
            let mut raw: String = event.iter().map(|e| format!("event: {e}\n")).collect();
            raw.extend(lines.iter().map(|l| format!("data: {l}\n")));
            let decoded = (event.is_some() || !lines.is_empty()).then(|| SseEvent {
                event,
                ..SseEvent::data(lines.join("\n"))
            });
            (raw + "\n", decoded)
        }),
        text.prop_map(|c| (format!(":{c}\n\n"), None)),
        Just(("\n".to_owned(), None)),
    ];
    let ends = prop::sample::select(vec!["\n", "\r\n", "\r"]);
    (prop::collection::vec(block, 0..8), ends).prop_map(|(blocks, end)| {
        let (raw, events): (Vec<String>, Vec<_>) = blocks.into_iter().unzip();
        let input = raw.concat().replace('\n', end).into_bytes();
        (input, events.into_iter().flatten().collect())
    })
}

proptest! {
    #[test]
    fn cutting_the_input_never_changes_the_events(input in prop_oneof![token_soup(), event_stream().prop_map(|s| s.0)]) {
        let (whole, splits, bytewise) = decode_every_way(&input);
        for split in &splits {
            prop_assert_eq!(split, &whole);
        }
        prop_assert_eq!(bytewise, whole);
    }

    #[test]
    fn generated_streams_decode_to_their_events((input, events) in event_stream()) {
        let expected: Outcome = events.into_iter().map(Ok).collect();
        prop_assert_eq!(decode(&[&input]), expected);
    }

    #[test]
    fn frames_concatenate_to_the_input((input, _) in event_stream(), at in any::<prop::sample::Index>()) {
        let whole: Vec<u8> = frames(usize::MAX, &[&input]).into_iter().flatten().flatten().collect();
        prop_assert_eq!(&whole, &input);
        let at = at.index(input.len() + 1);
        let split: Vec<u8> = frames(usize::MAX, &[&input[..at], &input[at..]]).into_iter().flatten().flatten().collect();
        // Only the LF of a CRLF cut after the CR that ended the last frame may be left over.
        prop_assert!(split == input || [&split[..], b"\n"].concat() == input);
    }

    #[test]
    fn arbitrary_bytes_never_panic(input in prop::collection::vec(any::<u8>(), 0..300), cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..6), max in 0usize..40) {
        let mut cuts: Vec<usize> = cuts.iter().map(|c| c.index(input.len() + 1)).collect();
        cuts.sort_unstable();
        let starts = [0].into_iter().chain(cuts.iter().copied());
        let chunks: Vec<&[u8]> = starts.zip(cuts.iter().copied().chain([input.len()])).map(|(a, b)| &input[a..b]).collect();
        decode_with(max, &chunks);
        frames(max, &chunks);
    }

    #[test]
    fn encoded_events_decode_to_their_data(events in prop::collection::vec((prop::option::of("[a-z_]{1,12}"), "[a-z {}\"é\r\n]{0,24}", any::<bool>()), 0..6), at in any::<prop::sample::Index>()) {
        let mut out = BytesMut::new();
        let mut expected = Vec::new();
        for (event, data, comment) in events {
            if comment {
                write_comment(&mut out, &data);
            }
            match &event {
                Some(name) => write_event(&mut out, name, data.as_bytes()),
                None => write_data(&mut out, data.as_bytes()),
            }
            let data = data.replace("\r\n", "\n").replace('\r', "\n");
            expected.push(Ok(SseEvent { event, ..SseEvent::data(data) }));
        }
        let at = at.index(out.len() + 1);
        prop_assert_eq!(decode(&[&out[..at], &out[at..]]), expected);
    }
}

#[test]
fn a_json_event_is_the_frame_of_its_compact_json() {
    let value = serde_json::json!({"type": "x", "text": "line one\nline two\r\tand \u{1b} é", "n": [1, 2.5, null]});
    let mut direct = BytesMut::from(&b"data: earlier\n\n"[..]);
    write_json_event(&mut direct, "response.output_text.delta", &value).unwrap();
    let mut two_steps = BytesMut::from(&b"data: earlier\n\n"[..]);
    write_event(
        &mut two_steps,
        "response.output_text.delta",
        &serde_json::to_vec(&value).unwrap(),
    );
    assert_eq!(direct, two_steps);
    let events = decode(&[&direct[..]]);
    let Some(Ok(event)) = events.last() else {
        panic!("{events:?}")
    };
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&event.data).unwrap(),
        value
    );
}

#[test]
fn a_json_event_that_cannot_be_written_leaves_the_buffer_as_it_was() {
    /// Fails halfway through, as a map with a non-string key would.
    struct Fails;
    impl serde::Serialize for Fails {
        fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            use serde::ser::{Error as _, SerializeMap as _};
            let mut map = serializer.serialize_map(None)?;
            map.serialize_entry("written", "before the failure")?;
            Err(S::Error::custom("no"))
        }
    }
    let mut out = BytesMut::from(&b"data: earlier\n\n"[..]);
    assert!(write_json_event(&mut out, "e", &Fails).is_err());
    assert_eq!(&out[..], b"data: earlier\n\n");
}
