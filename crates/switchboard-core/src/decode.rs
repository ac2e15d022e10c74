//! [`decode_stream`]: the one driver that turns an upstream body into canonical chunks
//! through a provider's pure [`ChunkDecode`] state machine. Adapters write the decoder;
//! this feeds it bytes as they arrive and ends the stream on `done`, an error or EOF.

use std::collections::VecDeque;

use futures_util::StreamExt;

use crate::chat::ChatChunk;
use crate::{ByteStream, ChunkStream, GatewayError};

/// A provider's stream decoder: bytes in, canonical chunks out, no I/O.
pub trait ChunkDecode: Send + 'static {
    /// Feeds bytes as they arrive.
    fn push(&mut self, bytes: &[u8]);

    /// The next complete chunk; `Ok(None)` when more bytes are needed or after the end.
    fn next_chunk(&mut self) -> Result<Option<ChatChunk>, GatewayError>;

    /// True once the provider's end-of-stream marker was read: nothing more is read.
    fn is_done(&self) -> bool;

    /// At end of input: the last chunks, then an error if the stream was cut short
    /// (chunks that arrived before the cut are still delivered).
    fn finish(&mut self) -> (Vec<ChatChunk>, Option<GatewayError>);
}

/// Canonical chunks from `body` through `decoder`. An error ends the stream after being
/// yielded; dropping the stream drops the body (and so cancels the upstream call).
pub fn decode_stream<D: ChunkDecode>(body: ByteStream, decoder: D) -> ChunkStream {
    type Tail = VecDeque<Result<ChatChunk, GatewayError>>;
    let state = (body, decoder, Tail::new(), false);
    Box::pin(futures_util::stream::unfold(
        state,
        |(mut body, mut decoder, mut tail, ended)| async move {
            if let Some(item) = tail.pop_front() {
                return Some((item, (body, decoder, tail, ended)));
            }
            if ended {
                return None;
            }
            loop {
                match decoder.next_chunk() {
                    Ok(Some(chunk)) => return Some((Ok(chunk), (body, decoder, tail, false))),
                    Err(e) => return Some((Err(e), (body, decoder, tail, true))),
                    Ok(None) if decoder.is_done() => return None,
                    Ok(None) => {}
                }
                match body.next().await {
                    Some(Ok(bytes)) => decoder.push(&bytes),
                    Some(Err(e)) => return Some((Err(e), (body, decoder, tail, true))),
                    None => {
                        let (chunks, error) = decoder.finish();
                        tail.extend(chunks.into_iter().map(Ok));
                        tail.extend(error.map(Err));
                        let first = tail.pop_front()?;
                        return Some((first, (body, decoder, tail, true)));
                    }
                }
            }
        },
    ))
}

/// [`ChunkDecode::finish`] for a decoder whose own `finish` hands out one chunk per call
/// (`Ok(None)` when there are no more, `Err` for a cut stream).
pub fn drain_one_by_one(
    mut next: impl FnMut() -> Result<Option<ChatChunk>, GatewayError>,
) -> (Vec<ChatChunk>, Option<GatewayError>) {
    let mut chunks = Vec::new();
    loop {
        match next() {
            Ok(Some(chunk)) => chunks.push(chunk),
            Ok(None) => return (chunks, None),
            Err(e) => return (chunks, Some(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use futures_util::FutureExt;

    use super::*;

    /// Emits one chunk per pushed byte `c`, and at the end a leftover chunk and a cut.
    struct Fake {
        ready: VecDeque<ChatChunk>,
        done: bool,
    }

    fn chunk(id: &str) -> ChatChunk {
        serde_json::from_value(serde_json::json!({"id": id, "choices": []})).unwrap()
    }

    impl ChunkDecode for Fake {
        fn push(&mut self, bytes: &[u8]) {
            for b in bytes {
                match b {
                    b'c' => self.ready.push_back(chunk("c")),
                    b'.' => self.done = true,
                    _ => {}
                }
            }
        }
        fn next_chunk(&mut self) -> Result<Option<ChatChunk>, GatewayError> {
            Ok(self.ready.pop_front())
        }
        fn is_done(&self) -> bool {
            self.done && self.ready.is_empty()
        }
        fn finish(&mut self) -> (Vec<ChatChunk>, Option<GatewayError>) {
            (vec![chunk("last")], Some(GatewayError::bad_gateway("cut")))
        }
    }

    fn run(parts: &[&'static str]) -> Vec<Result<String, String>> {
        let body: ByteStream = Box::pin(futures_util::stream::iter(
            parts
                .iter()
                .map(|p| Ok(bytes::Bytes::from_static(p.as_bytes())))
                .collect::<Vec<_>>(),
        ));
        let fake = Fake {
            ready: VecDeque::new(),
            done: false,
        };
        let mut stream = decode_stream(body, fake);
        let mut out = Vec::new();
        while let Some(item) = stream.next().now_or_never().expect("ready") {
            out.push(item.map(|c| c.id).map_err(|e| e.message().to_owned()));
        }
        out
    }

    #[test]
    fn chunks_before_a_cut_are_delivered_then_the_error() {
        assert_eq!(
            run(&["c", "xc"]),
            [
                Ok("c".into()),
                Ok("c".into()),
                Ok("last".into()),
                Err("cut".into())
            ]
        );
    }

    #[test]
    fn the_end_marker_stops_reading() {
        assert_eq!(run(&["c.", "c"]), [Ok("c".into())]);
    }
}
