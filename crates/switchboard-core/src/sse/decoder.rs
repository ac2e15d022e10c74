//! Bytes in, events out: an [`SseFramer`] feeding [`parse_frame`].

use super::event::{SseEvent, parse_frame};
use super::framer::{SseError, SseFramer};

/// Framer + [`parse_frame`]: bytes in, events out.
///
/// Push each chunk as it arrives, then call [`Self::next_event`] until it returns `Ok(None)`.
/// Keep-alive frames (comments, blank lines) are skipped. An error is reported for one frame
/// only: the next call carries on with the frame after it.
#[derive(Debug, Default)]
pub struct SseDecoder {
    /// Splits the byte stream into frames.
    framer: SseFramer,
}

impl SseDecoder {
    /// A decoder for a new stream, accepting frames up to 16 MiB.
    pub fn new() -> Self {
        Self::default()
    }

    /// A decoder for a new stream that reports [`SseError::FrameTooLarge`] for any frame
    /// longer than `max` bytes.
    pub fn with_max_frame(max: usize) -> Self {
        Self {
            framer: SseFramer::with_max_frame(max),
        }
    }

    /// Appends the next chunk of the stream, as received.
    pub fn push(&mut self, chunk: &[u8]) {
        self.framer.push(chunk);
    }

    /// The next complete event, or `Ok(None)` when more bytes are needed.
    ///
    /// `Err(InvalidUtf8)` or `Err(FrameTooLarge)` stands for one frame, already dropped; call
    /// again to carry on.
    pub fn next_event(&mut self) -> Result<Option<SseEvent>, SseError> {
        while let Some(frame) = self.framer.next_frame()? {
            if let Some(event) = parse_frame(&frame)? {
                return Ok(Some(event));
            }
        }
        Ok(None)
    }

    /// At end of input: the events still buffered, one per call, the last one decoded from a
    /// trailing block that had no terminating blank line (a server that closes without it).
    ///
    /// Call it until it returns `Ok(None)`; by then the decoder is ready for a new stream.
    /// Calling it once after [`Self::next_event`] returned `Ok(None)` gets the last event.
    pub fn finish(&mut self) -> Result<Option<SseEvent>, SseError> {
        if let Some(event) = self.next_event()? {
            return Ok(Some(event));
        }
        match self.framer.finish() {
            Some(block) => parse_frame(&block),
            None => Ok(None),
        }
    }
}
