//! A custom tool's input, unwrapped from the chat call's `{"input": "..."}` arguments.
//!
//! [`InputUnwrapper`] decodes the JSON string value while the arguments stream in, so a
//! client sees `custom_tool_call_input.delta` events as the patch is written. It only
//! follows the expected shape `{"input": "…` (whitespace allowed); for anything else it
//! streams nothing and [`unwrap_input`] decides at the end. An escape split across two
//! fragments waits for the next one.

use serde_json::Value;

use super::super::tool_names::CUSTOM_INPUT_PARAM;

/// Where the unwrapper stands in the arguments text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Before the opening quote of the `input` value.
    Prefix,
    /// Inside the string value.
    Body,
    /// Past the closing quote, or the arguments do not have the expected shape.
    Stopped,
}

/// Streams the `input` string out of growing arguments text.
#[derive(Debug, Clone)]
pub(super) struct InputUnwrapper {
    mode: Mode,
    /// Byte offset in the arguments of the first byte not yet decoded.
    pos: usize,
    /// Everything decoded so far.
    emitted: String,
}

impl InputUnwrapper {
    /// An unwrapper at the start of the arguments.
    pub(super) fn new() -> Self {
        Self {
            mode: Mode::Prefix,
            pos: 0,
            emitted: String::new(),
        }
    }

    /// Everything [`InputUnwrapper::advance`] has returned so far, concatenated.
    pub(super) fn emitted(&self) -> &str {
        &self.emitted
    }

    /// Decodes what `args` (the whole arguments so far, growing between calls) adds to
    /// the input since the last call; empty when nothing new can be decoded yet.
    pub(super) fn advance(&mut self, args: &str) -> String {
        if self.mode == Mode::Prefix {
            match value_start(args) {
                Some(Some(start)) => {
                    self.mode = Mode::Body;
                    self.pos = start;
                }
                Some(None) => return String::new(),
                None => {
                    self.mode = Mode::Stopped;
                    return String::new();
                }
            }
        }
        if self.mode != Mode::Body {
            return String::new();
        }
        let mut out = String::new();
        let bytes = args.as_bytes();
        let mut at = self.pos;
        while at < bytes.len() {
            match bytes[at] {
                b'"' => {
                    self.mode = Mode::Stopped;
                    break;
                }
                b'\\' => match unescape(&args[at..]) {
                    Some((ch, len)) => {
                        out.push(ch);
                        at += len;
                    }
                    None => break,
                },
                _ => {
                    // `"` and `\` are ASCII, so the run ends on a character boundary.
                    let end =
                        memchr::memchr2(b'"', b'\\', &bytes[at..]).map_or(bytes.len(), |n| at + n);
                    out.push_str(&args[at..end]);
                    at = end;
                }
            }
        }
        self.pos = at;
        self.emitted.push_str(&out);
        out
    }
}

/// The byte offset just past the opening quote of the value in `{"input": "`:
/// `Some(Some(offset))` when found, `Some(None)` when `args` is still a prefix of that
/// shape, `None` when it cannot have that shape.
fn value_start(args: &str) -> Option<Option<usize>> {
    let key = format!("\"{CUSTOM_INPUT_PARAM}\"");
    let mut rest = args;
    for token in ["{", key.as_str(), ":", "\""] {
        rest = rest.trim_start();
        if rest.is_empty() {
            return Some(None);
        }
        if let Some(after) = rest.strip_prefix(token) {
            rest = after;
        } else if token.starts_with(rest) {
            return Some(None);
        } else {
            return None;
        }
    }
    Some(Some(args.len() - rest.len()))
}

/// Decodes the JSON escape at the start of `text` (which starts with `\`): the character
/// and the bytes it took, or `None` when the escape is cut off. A bad escape decodes as
/// U+FFFD; the final input comes from [`unwrap_input`] anyway.
fn unescape(text: &str) -> Option<(char, usize)> {
    let mut chars = text[1..].chars();
    let ch = match chars.next()? {
        '"' => '"',
        '\\' => '\\',
        '/' => '/',
        'b' => '\u{8}',
        'f' => '\u{c}',
        'n' => '\n',
        'r' => '\r',
        't' => '\t',
        'u' => return unicode_escape(text),
        other => return Some((char::REPLACEMENT_CHARACTER, 1 + other.len_utf8())),
    };
    Some((ch, 2))
}

/// Decodes `\uXXXX`, or a surrogate pair `\uD83D\uDE00`, at the start of `text`.
fn unicode_escape(text: &str) -> Option<(char, usize)> {
    let high = hex4(text, 2)?;
    let Some(high) = high else {
        return Some((char::REPLACEMENT_CHARACTER, 2));
    };
    if !(0xD800..0xDC00).contains(&high) {
        return Some((
            char::from_u32(high).unwrap_or(char::REPLACEMENT_CHARACTER),
            6,
        ));
    }
    if text.len() < 8 {
        return None;
    }
    if text.as_bytes().get(6..8) != Some(b"\\u".as_slice()) {
        return Some((char::REPLACEMENT_CHARACTER, 6));
    }
    match hex4(text, 8)? {
        Some(low) if (0xDC00..0xE000).contains(&low) => {
            let code = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
            Some((
                char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER),
                12,
            ))
        }
        _ => Some((char::REPLACEMENT_CHARACTER, 6)),
    }
}

/// The four hex digits at `text[at..at + 4]`: `None` when cut off, `Some(None)` when not
/// hex.
fn hex4(text: &str, at: usize) -> Option<Option<u32>> {
    let digits = text.as_bytes().get(at..at + 4)?;
    let digits = std::str::from_utf8(digits).ok();
    Some(digits.and_then(|digits| u32::from_str_radix(digits, 16).ok()))
}

/// The input of a finished custom call: the `input` string of a JSON object, a JSON
/// string itself, or else the arguments text unchanged (a model that wrote the raw input).
pub(super) fn unwrap_input(args: &str) -> String {
    match serde_json::from_str::<Value>(args) {
        Ok(Value::Object(mut object)) => match object.remove(CUSTOM_INPUT_PARAM) {
            Some(Value::String(input)) => input,
            _ => args.to_owned(),
        },
        Ok(Value::String(input)) => input,
        _ => args.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `args` cut at every byte (on char boundaries) and checks the deltas add up
    /// to the final input.
    fn streams_whole(args: &str) {
        let expected = unwrap_input(args);
        for cut in (0..=args.len()).filter(|&cut| args.is_char_boundary(cut)) {
            let mut unwrapper = InputUnwrapper::new();
            let mut got = unwrapper.advance(&args[..cut]);
            got.push_str(&unwrapper.advance(args));
            assert_eq!(got, expected, "cut at {cut} of {args:?}");
        }
        let mut unwrapper = InputUnwrapper::new();
        let mut grown = String::new();
        let mut got = String::new();
        for ch in args.chars() {
            grown.push(ch);
            got.push_str(&unwrapper.advance(&grown));
        }
        assert_eq!(got, expected, "char by char: {args:?}");
    }

    #[test]
    fn unwraps_escapes_split_anywhere() {
        streams_whole(
            r#"{"input":"*** Begin Patch\n*** Add File: a.txt\n+hi \"x\" \\ y\n*** End Patch"}"#,
        );
        streams_whole(r#"{ "input" : "emoji \ud83d\ude00 é \u00e9 tab\t" }"#);
        streams_whole(r#"{"input":"ünïcödé ✓"}"#);
    }

    #[test]
    fn a_lone_surrogate_before_a_wide_character_does_not_panic() {
        // Invalid JSON (serde rejects it, so the final input is the raw text), but the
        // streamed decoding must not slice inside the `✓`.
        let args = r#"{"input":"\ud83d✓ ok"}"#;
        let mut unwrapper = InputUnwrapper::new();
        assert_eq!(unwrapper.advance(args), "\u{fffd}✓ ok");
    }

    #[test]
    fn other_shapes_stream_nothing() {
        let mut unwrapper = InputUnwrapper::new();
        assert_eq!(unwrapper.advance(r#"{"patch":"x"}"#), "");
        assert_eq!(unwrapper.advance("*** Begin Patch"), "");
        assert_eq!(unwrap_input("*** Begin Patch"), "*** Begin Patch");
        assert_eq!(unwrap_input(r#""raw""#), "raw");
        assert_eq!(unwrap_input(r#"{"patch":"x"}"#), r#"{"patch":"x"}"#);
    }
}
