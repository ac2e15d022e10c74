//! [`decode_stream`]: the one driver that turns an upstream body into canonical chunks
//! through a provider's pure [`ChunkDecode`] state machine. Adapters write the decoder;
//! this feeds it bytes as they arrive and ends the stream on `done`, an error or EOF.

use std::collections::VecDeque;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use futures_core::Stream;
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
pub fn decode_stream<D: ChunkDecode + Unpin>(body: ByteStream, decoder: D) -> ChunkStream {
    Box::pin(Decoded {
        body,
        decoder,
        tail: VecDeque::new(),
        ended: false,
    })
}

/// The stream [`decode_stream`] returns. A `Stream` of its own rather than
/// `stream::unfold`: unfold moves its state (the body, the decoder and its buffers) into a
/// new future for every chunk and back out, and every chunk through that future, about
/// 10,000 instructions of `memcpy` per 20-chunk stream.
struct Decoded<D> {
    body: ByteStream,
    decoder: D,
    /// What `finish` returned at the end of the body, handed out one by one.
    tail: VecDeque<Result<ChatChunk, GatewayError>>,
    /// Nothing more is read: the end marker, an error, or the end of the body was seen.
    ended: bool,
}

impl<D: ChunkDecode + Unpin> Stream for Decoded<D> {
    type Item = Result<ChatChunk, GatewayError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if let Some(item) = this.tail.pop_front() {
            return Poll::Ready(Some(item));
        }
        if this.ended {
            return Poll::Ready(None);
        }
        loop {
            match this.decoder.next_chunk() {
                Ok(Some(chunk)) => return Poll::Ready(Some(Ok(chunk))),
                Err(e) => return this.end_with(Some(Err(e))),
                Ok(None) if this.decoder.is_done() => return this.end_with(None),
                Ok(None) => {}
            }
            match ready!(this.body.poll_next_unpin(cx)) {
                Some(Ok(bytes)) => this.decoder.push(&bytes),
                Some(Err(e)) => return this.end_with(Some(Err(e))),
                None => {
                    let (chunks, error) = this.decoder.finish();
                    this.tail.extend(chunks.into_iter().map(Ok));
                    this.tail.extend(error.map(Err));
                    let first = this.tail.pop_front();
                    return this.end_with(first);
                }
            }
        }
    }
}

impl<D> Decoded<D> {
    /// Stops reading and yields `last` (the end of the stream when `None`).
    fn end_with(
        &mut self,
        last: Option<Result<ChatChunk, GatewayError>>,
    ) -> Poll<Option<Result<ChatChunk, GatewayError>>> {
        self.ended = true;
        Poll::Ready(last)
    }
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
    fn a_body_error_ends_the_stream_and_it_stays_ended() {
        let body: ByteStream = Box::pin(futures_util::stream::iter(vec![
            Ok(bytes::Bytes::from_static(b"c")),
            Err(GatewayError::bad_gateway("reset")),
            Ok(bytes::Bytes::from_static(b"c")),
        ]));
        let fake = Fake {
            ready: VecDeque::new(),
            done: false,
        };
        let mut stream = decode_stream(body, fake);
        let mut next = || stream.next().now_or_never().expect("ready");
        assert_eq!(next().expect("a chunk").expect("ok").id, "c");
        let err = next().expect("the error").expect_err("an error");
        assert_eq!(err.message(), "reset");
        assert!(next().is_none());
        assert!(next().is_none(), "polled again after its end");
    }

    #[test]
    fn a_pending_body_is_pending() {
        let body: ByteStream = Box::pin(futures_util::stream::pending());
        let fake = Fake {
            ready: VecDeque::new(),
            done: false,
        };
        let mut stream = decode_stream(body, fake);
        assert!(stream.next().now_or_never().is_none());
    }

    #[test]
    fn the_end_marker_stops_reading() {
        assert_eq!(run(&["c.", "c"]), [Ok("c".into())]);
    }
}
