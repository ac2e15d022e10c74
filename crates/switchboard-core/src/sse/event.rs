//! Decoding one raw frame into an [`SseEvent`], by the WHATWG event-stream field rules plus
//! the quirks real providers show (no space after the colon, padded JSON, llama.cpp's
//! `error:` field).

use super::framer::SseError;

/// One decoded event.
///
/// `data` is the frame's `data:` lines joined with `\n`, kept verbatim (Anthropic pads its
/// JSON with trailing spaces). `event`, `id` and `retry` are `None` when the frame did not
/// set them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SseEvent {
    /// The `event:` field: the event type (Anthropic's `content_block_delta`), or `None`
    /// for an unnamed event, which browsers call `message`.
    pub event: Option<String>,
    /// The `data:` lines, joined with `\n`; empty when the frame had an `event:` and no data.
    pub data: String,
    /// The `id:` field; an id containing NUL is ignored, as the WHATWG rules say.
    pub id: Option<String>,
    /// The `retry:` field in milliseconds; a value that is not all ASCII digits is ignored.
    pub retry: Option<u64>,
}

impl SseEvent {
    /// Whether this is the `data: [DONE]` sentinel that OpenAI-style streams end with.
    /// Whitespace around `[DONE]` is tolerated (lenient on input).
    pub fn is_done(&self) -> bool {
        self.data.trim_ascii() == "[DONE]"
    }

    /// An unnamed event carrying `data`, with no id and no retry.
    pub fn data(data: impl Into<String>) -> Self {
        Self {
            data: data.into(),
            ..Self::default()
        }
    }
}

/// Decodes one raw frame, as [`super::SseFramer::next_frame`] returns it.
///
/// Returns `Ok(None)` when the frame holds only comments, blank lines or fields that make no
/// event (a keep-alive such as DeepSeek's `: keep-alive`), and `Err(InvalidUtf8)` when the
/// frame is not UTF-8. Lines may end in LF, CRLF or CR; blank lines are skipped, so a frame
/// is taken as a single event block. An `error:` field (old llama.cpp servers) decodes as an
/// event named `error` carrying the field's value as data.
pub fn parse_frame(frame: &[u8]) -> Result<Option<SseEvent>, SseError> {
    let text = std::str::from_utf8(frame).map_err(|_| SseError::InvalidUtf8)?;
    let mut event = SseEvent::default();
    let mut has_data = false;
    for line in Lines::new(text) {
        if line.starts_with(':') {
            continue;
        }
        let (name, value) = match line.split_once(':') {
            Some((name, value)) => (name, value.strip_prefix(' ').unwrap_or(value)),
            None => (line, ""),
        };
        match name {
            "event" => event.event = Some(value.to_owned()),
            "data" => push_data(&mut event.data, &mut has_data, value),
            "error" => {
                event.event = Some("error".to_owned());
                push_data(&mut event.data, &mut has_data, value);
            }
            "id" if !value.contains('\0') => event.id = Some(value.to_owned()),
            "retry" if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
                // Digits only, so parsing fails only on overflow: ignore it like any bad value.
                if let Ok(retry) = value.parse() {
                    event.retry = Some(retry);
                }
            }
            _ => {}
        }
    }
    if has_data || event.event.is_some() {
        Ok(Some(event))
    } else {
        Ok(None)
    }
}

/// Appends one `data:` line, joining it to earlier lines with `\n`.
fn push_data(data: &mut String, has_data: &mut bool, value: &str) {
    if *has_data {
        data.push('\n');
    }
    data.push_str(value);
    *has_data = true;
}

/// The non-empty lines of a frame, split at LF, CRLF and CR with `memchr`.
struct Lines<'a> {
    /// What is left of the frame.
    rest: &'a str,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Self {
        Self { rest: text }
    }
}

impl<'a> Iterator for Lines<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        loop {
            if self.rest.is_empty() {
                return None;
            }
            // CR and LF are ASCII, so the offsets around them are char boundaries.
            let end =
                memchr::memchr2(b'\n', b'\r', self.rest.as_bytes()).unwrap_or(self.rest.len());
            let line = &self.rest[..end];
            self.rest = self.rest.get(end + 1..).unwrap_or("");
            if !line.is_empty() {
                return Some(line);
            }
        }
    }
}
