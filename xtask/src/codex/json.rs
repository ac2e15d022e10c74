//! Just enough JSON to read the upstream's recorded requests: a value type, a parser, and
//! lookups that never fail (a missing key reads as `null`).
//!
//! Why not serde_json: xtask stays std only (see `main.rs`), and the recorded requests are
//! written by Python's `json` module, so the input is always well formed.

/// A JSON value; objects keep their keys in the order they came.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    /// `null`, and what a missing key or index reads as.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// Any number, as `f64`.
    Number(f64),
    /// A string, unescaped.
    String(String),
    /// An array.
    Array(Vec<Json>),
    /// An object, in source order.
    Object(Vec<(String, Json)>),
}

/// What lookups return for something that is not there.
static NULL: Json = Json::Null;

impl Json {
    /// Parses `text`, which must hold one value and nothing else but whitespace.
    pub fn parse(text: &str) -> Result<Json, String> {
        let mut parser = Parser {
            bytes: text.as_bytes(),
            pos: 0,
        };
        let value = parser.value()?;
        parser.skip_whitespace();
        if parser.pos == parser.bytes.len() {
            Ok(value)
        } else {
            Err(format!("unexpected text at byte {}", parser.pos))
        }
    }

    /// The value of `key` in an object; `null` when absent or when this is no object.
    pub fn get(&self, key: &str) -> &Json {
        match self {
            Json::Object(members) => members
                .iter()
                .find(|(name, _)| name == key)
                .map_or(&NULL, |(_, value)| value),
            _ => &NULL,
        }
    }

    /// The elements of an array; empty when this is no array.
    pub fn items(&self) -> &[Json] {
        match self {
            Json::Array(items) => items,
            _ => &[],
        }
    }

    /// The text of a string; `None` when this is no string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::String(text) => Some(text),
            _ => None,
        }
    }

    /// Whether this is an object.
    pub fn is_object(&self) -> bool {
        matches!(self, Json::Object(_))
    }
}

/// A recursive-descent parser over the bytes of one document.
struct Parser<'a> {
    /// The document.
    bytes: &'a [u8],
    /// The next byte to read.
    pos: usize,
}

impl Parser<'_> {
    /// Parses the value that starts at the next non-whitespace byte.
    fn value(&mut self) -> Result<Json, String> {
        self.skip_whitespace();
        match self.bytes.get(self.pos) {
            Some(b'{') => self.object(),
            Some(b'[') => self.array(),
            Some(b'"') => self.string().map(Json::String),
            Some(b't') => self.literal("true", Json::Bool(true)),
            Some(b'f') => self.literal("false", Json::Bool(false)),
            Some(b'n') => self.literal("null", Json::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(other) => Err(format!(
                "unexpected `{}` at byte {}",
                *other as char, self.pos
            )),
            None => Err("unexpected end of text".to_owned()),
        }
    }

    fn object(&mut self) -> Result<Json, String> {
        self.pos += 1;
        let mut members = Vec::new();
        if self.next_is(b'}') {
            return Ok(Json::Object(members));
        }
        loop {
            self.skip_whitespace();
            let key = self.string()?;
            self.expect(b':')?;
            members.push((key, self.value()?));
            if self.next_is(b'}') {
                return Ok(Json::Object(members));
            }
            self.expect(b',')?;
        }
    }

    fn array(&mut self) -> Result<Json, String> {
        self.pos += 1;
        let mut items = Vec::new();
        if self.next_is(b']') {
            return Ok(Json::Array(items));
        }
        loop {
            items.push(self.value()?);
            if self.next_is(b']') {
                return Ok(Json::Array(items));
            }
            self.expect(b',')?;
        }
    }

    /// A string at `pos` (which must be its opening quote), unescaped. `\u` escapes are
    /// decoded with their surrogate pairs; a lone surrogate becomes U+FFFD.
    fn string(&mut self) -> Result<String, String> {
        self.expect(b'"')?;
        let mut out = String::new();
        let mut pending_high: Option<u32> = None;
        loop {
            let start = self.pos;
            while let Some(&b) = self.bytes.get(self.pos) {
                if b == b'"' || b == b'\\' {
                    break;
                }
                self.pos += 1;
            }
            if self.pos > start {
                flush_surrogate(&mut out, &mut pending_high);
                out.push_str(&String::from_utf8_lossy(&self.bytes[start..self.pos]));
            }
            match self.bytes.get(self.pos) {
                Some(b'"') => {
                    self.pos += 1;
                    flush_surrogate(&mut out, &mut pending_high);
                    return Ok(out);
                }
                Some(b'\\') => {
                    let escape = self.bytes.get(self.pos + 1).copied();
                    self.pos += 2;
                    if escape == Some(b'u') {
                        let unit = self.hex4()?;
                        match (pending_high.take(), unit) {
                            (Some(high), 0xDC00..=0xDFFF) => out.push(
                                char::from_u32(0x10000 + ((high - 0xD800) << 10) + (unit - 0xDC00))
                                    .unwrap_or('\u{FFFD}'),
                            ),
                            (high, 0xD800..=0xDBFF) => {
                                if high.is_some() {
                                    out.push('\u{FFFD}');
                                }
                                pending_high = Some(unit);
                            }
                            (high, _) => {
                                if high.is_some() {
                                    out.push('\u{FFFD}');
                                }
                                out.push(char::from_u32(unit).unwrap_or('\u{FFFD}'));
                            }
                        }
                        continue;
                    }
                    flush_surrogate(&mut out, &mut pending_high);
                    out.push(match escape {
                        Some(b'n') => '\n',
                        Some(b't') => '\t',
                        Some(b'r') => '\r',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(c @ (b'"' | b'\\' | b'/')) => c as char,
                        _ => return Err(format!("bad escape before byte {}", self.pos)),
                    });
                }
                _ => return Err("unterminated string".to_owned()),
            }
        }
    }

    /// Four hex digits of a `\u` escape, as a UTF-16 code unit.
    fn hex4(&mut self) -> Result<u32, String> {
        let digits = self
            .bytes
            .get(self.pos..self.pos + 4)
            .and_then(|d| std::str::from_utf8(d).ok())
            .and_then(|d| u32::from_str_radix(d, 16).ok())
            .ok_or_else(|| format!("bad \\u escape at byte {}", self.pos))?;
        self.pos += 4;
        Ok(digits)
    }

    fn number(&mut self) -> Result<Json, String> {
        let start = self.pos;
        while matches!(
            self.bytes.get(self.pos),
            Some(b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E')
        ) {
            self.pos += 1;
        }
        let text = String::from_utf8_lossy(&self.bytes[start..self.pos]);
        text.parse()
            .map(Json::Number)
            .map_err(|_| format!("bad number `{text}` at byte {start}"))
    }

    fn literal(&mut self, word: &str, value: Json) -> Result<Json, String> {
        if self.bytes[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(value)
        } else {
            Err(format!("unexpected text at byte {}", self.pos))
        }
    }

    /// Skips whitespace, then consumes `byte` if it is next; says whether it was.
    fn next_is(&mut self, byte: u8) -> bool {
        self.skip_whitespace();
        let found = self.bytes.get(self.pos) == Some(&byte);
        if found {
            self.pos += 1;
        }
        found
    }

    /// Skips whitespace, then consumes `byte` or fails.
    fn expect(&mut self, byte: u8) -> Result<(), String> {
        if self.next_is(byte) {
            Ok(())
        } else {
            Err(format!("expected `{}` at byte {}", byte as char, self.pos))
        }
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.bytes.get(self.pos), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }
}

/// Writes U+FFFD for a high surrogate that no low surrogate followed.
fn flush_surrogate(out: &mut String, pending_high: &mut Option<u32>) {
    if pending_high.take().is_some() {
        out.push('\u{FFFD}');
    }
}

#[cfg(test)]
mod tests {
    use super::Json;

    #[test]
    fn reads_what_python_writes() {
        let text = r#"{"scenario": "tool", "body": {"stream": true, "n": -1.5e2, "none": null,
            "messages": [{"role": "system", "content": "caf\u00e9 \ud83d\ude00 \"q\"\n"}], "empty": {}, "list": []}}"#;
        let json = Json::parse(text).unwrap();
        let body = json.get("body");
        assert_eq!(json.get("scenario").as_str(), Some("tool"));
        assert_eq!(body.get("stream"), &Json::Bool(true));
        assert_eq!(body.get("n"), &Json::Number(-150.0));
        assert_eq!(body.get("none"), &Json::Null);
        assert_eq!(body.get("missing"), &Json::Null);
        assert!(body.get("empty").is_object());
        assert!(body.get("list").items().is_empty());
        let content = body.get("messages").items()[0].get("content").as_str();
        assert_eq!(content, Some("café 😀 \"q\"\n"));
    }

    #[test]
    fn rejects_what_is_not_json() {
        for bad in [
            "",
            "{",
            "[1,]",
            "{\"a\" 1}",
            "\"open",
            "tru",
            "1 2",
            "\"\\x\"",
        ] {
            assert!(Json::parse(bad).is_err(), "{bad:?} parsed");
        }
        assert_eq!(
            Json::parse("\"\\ud83d\"").unwrap(),
            Json::String("\u{FFFD}".to_owned())
        );
    }
}
