//! Splitting a byte stream into raw SSE frames, one event block each, without decoding them.

use bytes::{Buf, Bytes, BytesMut};

/// The largest frame [`SseFramer::new`] accepts: 16 MiB.
pub const DEFAULT_MAX_FRAME: usize = 16 * 1024 * 1024;

/// The UTF-8 byte order mark, stripped once at the very start of a stream.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Why a frame could not be produced or decoded.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum SseError {
    /// A frame grew past the framer's limit. The framer drops the rest of that frame and
    /// carries on with the next one.
    #[error("SSE frame exceeds the limit of {limit} bytes")]
    FrameTooLarge {
        /// The limit in bytes that was exceeded.
        limit: usize,
    },
    /// A frame is not valid UTF-8. Only that frame is lost; the next one decodes normally.
    #[error("SSE frame is not valid UTF-8")]
    InvalidUtf8,
}

/// Splits a byte stream into raw SSE frames (one event block each) without decoding them.
///
/// Lines may end in LF, CRLF or CR, mixed; a frame ends at a blank line. Each byte is scanned
/// once: the framer remembers where its scan stopped, so pushing a chunk costs time in the
/// chunk's length, not the buffer's. Frames are split off the buffer without copying.
#[derive(Debug)]
pub struct SseFramer {
    /// Bytes received and not yet returned; always starts at the current frame's first byte.
    buf: BytesMut,
    /// Everything before this offset has been scanned for line ends.
    scan: usize,
    /// Offset of the first byte of the line being scanned.
    line_start: usize,
    /// The line being scanned had bytes that were dropped (only while `skipping`).
    line_dropped: bool,
    /// The last byte scanned was a CR that ended the buffer: an LF that follows belongs to it.
    after_cr: bool,
    /// No byte has been looked at yet, so a BOM may still have to be stripped.
    at_start: bool,
    /// An oversized frame was reported and its remaining bytes are being dropped.
    skipping: bool,
    /// The largest frame returned, in bytes.
    max: usize,
}

impl Default for SseFramer {
    fn default() -> Self {
        Self::new()
    }
}

impl SseFramer {
    /// A framer for a new stream, accepting frames up to [`DEFAULT_MAX_FRAME`] (16 MiB).
    pub fn new() -> Self {
        Self::with_max_frame(DEFAULT_MAX_FRAME)
    }

    /// A framer for a new stream that reports [`SseError::FrameTooLarge`] for any frame
    /// longer than `max` bytes, terminating blank line included.
    pub fn with_max_frame(max: usize) -> Self {
        Self {
            buf: BytesMut::new(),
            scan: 0,
            line_start: 0,
            line_dropped: false,
            after_cr: false,
            at_start: true,
            skipping: false,
            max,
        }
    }

    /// Appends the next chunk of the stream, as received. Call [`Self::next_frame`] until it
    /// returns `Ok(None)` after each push: the limit on frame size is enforced there.
    pub fn push(&mut self, chunk: &[u8]) {
        self.buf.extend_from_slice(chunk);
        if self.at_start {
            if self.buf.starts_with(BOM) {
                self.buf.advance(BOM.len());
                self.at_start = false;
            } else if !BOM.starts_with(&self.buf) {
                self.at_start = false;
            }
        }
    }

    /// The next complete frame: the raw bytes of one event block INCLUDING its terminating
    /// blank line, exactly as received (so a pass-through proxy can forward it untouched).
    ///
    /// Returns `Ok(None)` when no complete frame is buffered yet. A blank line with nothing
    /// before it is a frame of its own, so that no byte is lost. The LF of a CRLF that was
    /// split across two pushes, after the CR ended a frame, starts the next frame.
    /// `Err(FrameTooLarge)` is returned once per oversized frame; that frame is dropped and
    /// the next call continues after it.
    pub fn next_frame(&mut self) -> Result<Option<Bytes>, SseError> {
        if self.at_start {
            // Only a prefix of a BOM has arrived: it holds no line end.
            return Ok(None);
        }
        loop {
            let Some(end) = self.find_frame_end() else {
                if self.skipping {
                    self.drop_scanned();
                } else if self.buf.len() > self.max {
                    self.skipping = true;
                    self.drop_scanned();
                    return Err(SseError::FrameTooLarge { limit: self.max });
                }
                return Ok(None);
            };
            let frame = self.buf.split_to(end);
            self.scan = 0;
            self.line_start = 0;
            if self.skipping {
                // The tail of an oversized frame that was already reported.
                self.skipping = false;
                continue;
            }
            if frame.len() > self.max {
                return Err(SseError::FrameTooLarge { limit: self.max });
            }
            return Ok(Some(frame.freeze()));
        }
    }

    /// At end of input: the trailing block that had no terminating blank line, if it holds
    /// anything but whitespace (a server that closes without the final blank line).
    ///
    /// Call it once [`Self::next_frame`] has returned `Ok(None)`; it returns every byte still
    /// buffered as one block. The framer is then ready for a new stream.
    pub fn finish(&mut self) -> Option<Bytes> {
        let rest = std::mem::take(&mut self.buf).freeze();
        let skipping = self.skipping;
        *self = Self::with_max_frame(self.max);
        if skipping || rest.iter().all(u8::is_ascii_whitespace) {
            None
        } else {
            Some(rest)
        }
    }

    /// How many bytes are buffered: the start of a frame that is not complete yet, plus any
    /// complete frames not taken with [`Self::next_frame`].
    pub fn buffered_len(&self) -> usize {
        self.buf.len()
    }

    /// Scans on from where the last scan stopped, up to the end of the first blank line.
    /// Returns the offset just past that blank line's line end, or `None` when the buffer
    /// ends first.
    fn find_frame_end(&mut self) -> Option<usize> {
        loop {
            if self.after_cr {
                let first = *self.buf.get(self.scan)?;
                self.after_cr = false;
                if first == b'\n' {
                    // The second half of a CRLF split across two pushes.
                    self.scan += 1;
                    self.line_start = self.scan;
                }
            }
            let Some(found) = memchr::memchr2(b'\n', b'\r', &self.buf[self.scan..]) else {
                self.scan = self.buf.len();
                return None;
            };
            let at = self.scan + found;
            let blank = at == self.line_start && !self.line_dropped;
            let mut end = at + 1;
            if self.buf[at] == b'\r' {
                match self.buf.get(end) {
                    Some(b'\n') => end += 1,
                    Some(_) => {}
                    None => self.after_cr = true,
                }
            }
            self.scan = end;
            self.line_start = end;
            self.line_dropped = false;
            if blank {
                return Some(end);
            }
        }
    }

    /// Drops every scanned byte of an oversized frame, remembering whether the line being
    /// scanned had content, so that its end is not mistaken for a blank line.
    fn drop_scanned(&mut self) {
        self.line_dropped |= self.line_start < self.scan;
        self.buf.advance(self.scan);
        self.scan = 0;
        self.line_start = 0;
    }
}
