//! The same-shape fast path's view of a request body: read `model` and `stream` without
//! parsing the rest, and splice small edits into the bytes in place.
//!
//! [`ChatPeek::parse`] validates the whole body as JSON (a malformed body is a 400, never
//! forwarded) but materialises only the three fields it needs; the byte spans of `model`
//! and `stream_options` come from borrowed [`RawValue`]s, which are slices of the input.

use std::borrow::Cow;
use std::ops::Range;

use bytes::{Bytes, BytesMut};
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::GatewayError;

/// What the gateway needs to know about a chat request before routing it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatPeek {
    /// The requested model name.
    pub model: String,
    /// Whether the client asked for a stream.
    pub stream: bool,
    /// Whether the client asked for the final usage chunk of a stream.
    pub include_usage: bool,
    model_span: Range<usize>,
    stream_options_span: Option<Range<usize>>,
}

#[derive(Deserialize)]
struct Fields<'a> {
    #[serde(borrow, default)]
    model: Option<&'a RawValue>,
    #[serde(default)]
    stream: Option<bool>,
    #[serde(borrow, default, deserialize_with = "present")]
    stream_options: Option<&'a RawValue>,
}

/// `Some` for any present value, `null` included (plain `Option` would read `null` as
/// absent, and the usage edit would then add a second `stream_options` key).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<&'de RawValue>, D::Error> {
    <&RawValue>::deserialize(d).map(Some)
}

#[derive(Deserialize, Default)]
struct StreamOptionsPeek {
    #[serde(default)]
    include_usage: Option<bool>,
}

impl ChatPeek {
    /// Reads `model`, `stream` and `stream_options.include_usage` from a chat body.
    ///
    /// Errors are 400s: not JSON, not an object, `model` missing or not a string,
    /// `stream` not a boolean.
    pub fn parse(body: &[u8]) -> Result<Self, GatewayError> {
        // Derived structs also accept a JSON array; a chat request is always an object.
        match body.iter().find(|b| !b.is_ascii_whitespace()) {
            Some(b'{') => {}
            None => return Err(GatewayError::invalid_json("the body is empty")),
            Some(_) => {
                return Err(GatewayError::invalid_request(
                    "the request body must be a JSON object",
                ));
            }
        }
        let fields: Fields<'_> = serde_json::from_slice(body).map_err(bad_json)?;
        let raw_model = fields
            .model
            .ok_or_else(|| GatewayError::missing_param("model"))?;
        let model: Cow<'_, str> = serde_json::from_str(raw_model.get()).map_err(|_| {
            GatewayError::invalid_request("`model` must be a string").with_param("model")
        })?;
        if model.is_empty() {
            return Err(GatewayError::missing_param("model"));
        }
        let include_usage = match fields.stream_options {
            Some(raw) if raw.get() != "null" => {
                serde_json::from_str::<StreamOptionsPeek>(raw.get())
                    .map_err(|_| {
                        GatewayError::invalid_request(
                            "`stream_options` must be an object whose `include_usage` is a boolean",
                        )
                        .with_param("stream_options")
                    })?
                    .include_usage
                    .unwrap_or(false)
            }
            _ => false,
        };
        Ok(Self {
            model: model.into_owned(),
            stream: fields.stream.unwrap_or(false),
            include_usage,
            model_span: span_of(body, raw_model.get()),
            stream_options_span: fields.stream_options.map(|raw| span_of(body, raw.get())),
        })
    }

    /// Rewrites the body for the upstream: `model` replaced by `upstream_model` when it
    /// differs, and, for a stream, `stream_options.include_usage` forced on so usage is
    /// always known. Returns the input untouched (no copy) when nothing changes.
    pub fn rewrite(&self, body: &Bytes, upstream_model: &str, force_usage: bool) -> Bytes {
        let new_model = (upstream_model != self.model).then(|| json_string(upstream_model));
        let usage_edit = if force_usage && self.stream && !self.include_usage {
            Some(self.usage_edit(body))
        } else {
            None
        };
        if new_model.is_none() && usage_edit.is_none() {
            return body.clone();
        }
        let mut edits: Vec<(Range<usize>, Vec<u8>)> = Vec::with_capacity(2);
        if let Some(m) = new_model {
            edits.push((self.model_span.clone(), m.into_bytes()));
        }
        if let Some(e) = usage_edit {
            edits.push(e);
        }
        edits.sort_by_key(|(r, _)| r.start);
        let extra: usize = edits.iter().map(|(_, b)| b.len()).sum();
        let mut out = BytesMut::with_capacity(body.len() + extra);
        let mut at = 0;
        for (range, bytes) in edits {
            out.extend_from_slice(&body[at..range.start]);
            out.extend_from_slice(&bytes);
            at = range.end;
        }
        out.extend_from_slice(&body[at..]);
        out.freeze()
    }

    /// The edit that turns `include_usage` on: insert a `stream_options` member after the
    /// opening brace, or replace the existing (null or object) value.
    fn usage_edit(&self, body: &[u8]) -> (Range<usize>, Vec<u8>) {
        match &self.stream_options_span {
            Some(span) => {
                let mut options: serde_json::Map<String, serde_json::Value> =
                    serde_json::from_slice(&body[span.clone()]).unwrap_or_default();
                options.insert("include_usage".into(), serde_json::Value::Bool(true));
                let value = serde_json::to_vec(&options)
                    .unwrap_or_else(|_| br#"{"include_usage":true}"#.to_vec());
                (span.clone(), value)
            }
            None => {
                // parse() proved the body is an object with a `model` member, so the first
                // `{` opens it and a member follows: insert ours with a trailing comma.
                let at = body.iter().position(|b| *b == b'{').map_or(0, |i| i + 1);
                let member = br#""stream_options":{"include_usage":true},"#;
                (at..at, member.to_vec())
            }
        }
    }
}

/// The byte range of `part` inside `whole`; `part` must be a borrowed slice of `whole`.
fn span_of(whole: &[u8], part: &str) -> Range<usize> {
    let start = (part.as_ptr() as usize).saturating_sub(whole.as_ptr() as usize);
    start..start + part.len()
}

fn json_string(s: &str) -> String {
    serde_json::Value::String(s.to_owned()).to_string()
}

fn bad_json(e: serde_json::Error) -> GatewayError {
    if e.is_data() {
        GatewayError::invalid_request(format!("the request body has the wrong shape: {e}"))
    } else {
        GatewayError::invalid_json(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn peek(s: &str) -> ChatPeek {
        ChatPeek::parse(s.as_bytes()).unwrap()
    }

    fn rewrite(s: &str, model: &str, force: bool) -> Value {
        let body = Bytes::copy_from_slice(s.as_bytes());
        let out = peek(s).rewrite(&body, model, force);
        serde_json::from_slice(&out).unwrap()
    }

    #[test]
    fn reads_model_stream_and_usage() {
        let p = peek(
            r#"{"messages":[],"model":"gpt-4o","stream":true,"stream_options":{"include_usage":true}}"#,
        );
        assert_eq!(p.model, "gpt-4o");
        assert!(p.stream && p.include_usage);
        let p = peek(r#"{"model":"m","stream_options":null}"#);
        assert!(!p.stream && !p.include_usage);
    }

    #[test]
    fn escaped_model_names_are_decoded() {
        assert_eq!(peek(r#"{"model":"a\/b\u0041"}"#).model, "a/bA");
    }

    #[test]
    fn errors_are_400s_naming_the_problem() {
        for (body, code) in [
            ("{not json", Some("invalid_json")),
            ("[1,2]", None),
            (r#"["gpt-4o", true]"#, None),
            ("", Some("invalid_json")),
            (
                r#"{"model":"m","stream_options":{"include_usage":"yes"}}"#,
                None,
            ),
            (r#"{"messages":[]}"#, Some("missing_required_parameter")),
            (r#"{"model":""}"#, Some("missing_required_parameter")),
            (r#"{"model":7}"#, None),
            (r#"{"model":"m","stream":"yes"}"#, None),
        ] {
            let err = ChatPeek::parse(body.as_bytes()).unwrap_err();
            assert_eq!(err.status().as_u16(), 400, "{body}");
            if code.is_some() {
                assert_eq!(err.code(), code, "{body}");
            }
        }
    }

    #[test]
    fn unchanged_body_is_not_copied() {
        let body = Bytes::from_static(br#"{"model":"m","x":1}"#);
        let out = peek(r#"{"model":"m","x":1}"#).rewrite(&body, "m", true);
        assert_eq!(out.as_ptr(), body.as_ptr());
    }

    #[test]
    fn model_is_spliced_and_everything_else_kept_byte_for_byte() {
        let src = r#"{ "model" : "alias", "guided_json": {"a":[1,2]}, "n": 2 }"#;
        let body = Bytes::copy_from_slice(src.as_bytes());
        let out = peek(src).rewrite(&body, "real/model \"x\"", false);
        assert_eq!(
            std::str::from_utf8(&out).unwrap(),
            r#"{ "model" : "real/model \"x\"", "guided_json": {"a":[1,2]}, "n": 2 }"#
        );
    }

    #[test]
    fn usage_is_forced_on_streams_only() {
        let v = rewrite(r#"{"model":"m","stream":true}"#, "m", true);
        assert_eq!(
            v,
            json!({"stream_options":{"include_usage":true},"model":"m","stream":true})
        );
        let v = rewrite(r#"{"model":"m","stream":false}"#, "m", true);
        assert!(v.get("stream_options").is_none());
        let v = rewrite(
            r#"{"model":"m","stream":true,"stream_options":{"include_obfuscation":false}}"#,
            "n",
            true,
        );
        assert_eq!(
            v,
            json!({"model":"n","stream":true,"stream_options":{"include_obfuscation":false,"include_usage":true}})
        );
        let v = rewrite(
            r#"{"model":"m","stream":true,"stream_options":null}"#,
            "m",
            true,
        );
        assert_eq!(v["stream_options"], json!({"include_usage":true}));
    }

    #[test]
    fn both_edits_apply_in_either_order() {
        let v = rewrite(
            r#"{"stream":true,"stream_options":{"include_usage":false},"model":"a"}"#,
            "b",
            true,
        );
        assert_eq!(
            v,
            json!({"stream":true,"stream_options":{"include_usage":true},"model":"b"})
        );
    }
}
