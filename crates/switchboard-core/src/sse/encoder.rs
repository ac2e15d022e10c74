//! Writing SSE frames: what the gateway sends to its clients.
//!
//! Every function writes one complete frame, terminating blank line included, with LF line
//! ends. SSE cannot carry a CR or LF inside a field, so data is written one `data:` line per
//! line of input (split at LF, CRLF and CR); a decoder joins them back with `\n`.

use bytes::{BufMut, BytesMut};

/// The frame that ends an OpenAI-style stream.
pub const DONE_FRAME: &[u8] = b"data: [DONE]\n\n";

/// Writes an unnamed event: `data: ...\n` per line of `data`, then the blank line `\n`.
///
/// Empty data writes one `data:` line, which decodes as an event with empty data.
pub fn write_data(out: &mut BytesMut, data: &[u8]) {
    out.reserve(data.len() + 8);
    write_lines(out, b"data", data);
    out.put_u8(b'\n');
}

/// Writes a named event: `event: x\n`, the data lines as [`write_data`] does, then `\n`.
///
/// An event name is one line: if `event` holds a CR or LF, only the part before it is
/// written, so that a bad name cannot split the frame.
pub fn write_event(out: &mut BytesMut, event: &str, data: &[u8]) {
    let event = first_line(event.as_bytes());
    out.reserve(event.len() + data.len() + 16);
    write_field(out, b"event", event);
    write_lines(out, b"data", data);
    out.put_u8(b'\n');
}

/// Bytes reserved for a JSON event's data before it is written: a Responses text delta
/// frame is about 250.
const FRAME_ROOM: usize = 384;

/// Writes a named event whose data is `value` as compact JSON, serialised straight into
/// `out` (no buffer of its own, no copy). Compact JSON is one line: serde_json escapes
/// every control character inside strings and writes no whitespace between tokens, so the
/// data needs no splitting. When `value` cannot be serialised, `out` is left as it was and
/// the error returned.
pub fn write_json_event<T: serde::Serialize + ?Sized>(
    out: &mut BytesMut,
    event: &str,
    value: &T,
) -> Result<(), serde_json::Error> {
    let start = out.len();
    // Room for a typical event at once: serde_json writes in small pieces, and a buffer
    // grown piece by piece from empty (a stream's buffer is new for each chunk) would be
    // reallocated several times per frame.
    out.reserve(event.len() + FRAME_ROOM);
    write_field(out, b"event", first_line(event.as_bytes()));
    out.put_slice(b"data: ");
    match serde_json::to_writer(Appender(out), value) {
        Ok(()) => {
            out.put_slice(b"\n\n");
            Ok(())
        }
        Err(e) => {
            out.truncate(start);
            Err(e)
        }
    }
}

/// `io::Write` into a `BytesMut` by `extend_from_slice`: serde_json writes a frame in many
/// small pieces, and `bytes`' own `Writer` goes through `BufMut::put` for each of them.
pub(crate) struct Appender<'a>(pub(crate) &'a mut BytesMut);

impl std::io::Write for Appender<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn write_all(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.0.extend_from_slice(bytes);
        Ok(())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Writes a comment frame, `: text\n\n`: a keep-alive that decoders ignore. A multi-line
/// `text` becomes one comment line per line.
pub fn write_comment(out: &mut BytesMut, text: &str) {
    out.reserve(text.len() + 4);
    write_lines(out, b"", text.as_bytes());
    out.put_u8(b'\n');
}

/// Writes `name: line\n` for every line of `value`, split at LF, CRLF and CR. An empty
/// line is written as `name:\n`.
fn write_lines(out: &mut BytesMut, name: &[u8], value: &[u8]) {
    let mut rest = value;
    loop {
        match memchr::memchr2(b'\n', b'\r', rest) {
            Some(at) => {
                write_field(out, name, &rest[..at]);
                let skip = if rest[at..].starts_with(b"\r\n") {
                    2
                } else {
                    1
                };
                rest = &rest[at + skip..];
            }
            None => {
                write_field(out, name, rest);
                return;
            }
        }
    }
}

/// Writes one field line, `name: value\n`, or `name:\n` when `value` is empty.
fn write_field(out: &mut BytesMut, name: &[u8], value: &[u8]) {
    out.put_slice(name);
    out.put_u8(b':');
    if !value.is_empty() {
        out.put_u8(b' ');
        out.put_slice(value);
    }
    out.put_u8(b'\n');
}

/// `value` up to its first CR or LF.
fn first_line(value: &[u8]) -> &[u8] {
    let end = memchr::memchr2(b'\n', b'\r', value).unwrap_or(value.len());
    &value[..end]
}
