//! A message's content: a plain string or a list of typed parts.

use std::fmt;

use serde::de::{self, DeserializeOwned, Error as _, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

/// A message's `content`: a string, or an array of parts (text, images, audio, files).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum MessageContent {
    /// Plain text.
    Text(String),
    /// Typed parts, in order.
    Parts(Vec<ContentPart>),
}

impl Default for MessageContent {
    /// Empty text.
    fn default() -> Self {
        Self::Text(String::new())
    }
}

impl MessageContent {
    /// The text: the string itself, or the `text` parts concatenated in order with
    /// nothing between them (other parts are skipped).
    pub fn text(&self) -> String {
        match self {
            Self::Text(text) => text.clone(),
            Self::Parts(parts) => parts
                .iter()
                .filter_map(|part| match part {
                    ContentPart::Text { text, .. } => Some(text.as_str()),
                    _ => None,
                })
                .collect(),
        }
    }
}

impl<'de> Deserialize<'de> for MessageContent {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // A visitor rather than `untagged`, so that a bad part reports its own error.
        struct ContentVisitor;

        impl<'de> Visitor<'de> for ContentVisitor {
            type Value = MessageContent;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or an array of content parts")
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
                Ok(MessageContent::Text(text.to_owned()))
            }

            fn visit_string<E: de::Error>(self, text: String) -> Result<Self::Value, E> {
                Ok(MessageContent::Text(text))
            }

            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                Vec::deserialize(de::value::SeqAccessDeserializer::new(seq))
                    .map(MessageContent::Parts)
            }
        }

        deserializer.deserialize_any(ContentVisitor)
    }
}

/// One part of an array `content`, tagged by `type`.
///
/// Each known part keeps unknown sibling keys (Anthropic-style `cache_control`, for
/// example) in its `extra`. A part of an unknown type, or without a `type`, is kept whole
/// in [`ContentPart::Other`]. A known type with a missing or mistyped field is an error.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ContentPart {
    /// `{"type": "text", "text": ...}`.
    Text {
        /// The text.
        text: String,
        /// Fields we do not model, kept verbatim.
        #[serde(flatten)]
        extra: Map<String, Value>,
    },
    /// `{"type": "image_url", "image_url": {"url": ...}}`.
    ImageUrl {
        /// The image's URL or data URL.
        image_url: ImageUrl,
        /// Fields we do not model, kept verbatim.
        #[serde(flatten)]
        extra: Map<String, Value>,
    },
    /// `{"type": "input_audio", "input_audio": {"data": ..., "format": ...}}`.
    InputAudio {
        /// The audio, base64-encoded.
        input_audio: InputAudio,
        /// Fields we do not model, kept verbatim.
        #[serde(flatten)]
        extra: Map<String, Value>,
    },
    /// `{"type": "file", "file": {...}}`.
    File {
        /// The file, by id or inline.
        file: FileContent,
        /// Fields we do not model, kept verbatim.
        #[serde(flatten)]
        extra: Map<String, Value>,
    },
    /// `{"type": "refusal", "refusal": ...}` in an assistant message.
    Refusal {
        /// The refusal text.
        refusal: String,
        /// Fields we do not model, kept verbatim.
        #[serde(flatten)]
        extra: Map<String, Value>,
    },
    /// Any other part, kept verbatim (its `type` included).
    #[serde(untagged)]
    Other(Value),
}

impl ContentPart {
    /// A text part.
    pub fn text(text: impl Into<String>) -> Self {
        Self::Text {
            text: text.into(),
            extra: Map::new(),
        }
    }

    /// An image part from a URL or data URL, without `detail`.
    pub fn image_url(url: impl Into<String>) -> Self {
        Self::ImageUrl {
            image_url: ImageUrl {
                url: url.into(),
                ..ImageUrl::default()
            },
            extra: Map::new(),
        }
    }
}

/// Removes `key` from a part's object and reads it as `T`; a missing key is an error.
fn take<T: DeserializeOwned, E: de::Error>(
    part: &mut Map<String, Value>,
    kind: &str,
    key: &str,
) -> Result<T, E> {
    let value = part
        .remove(key)
        .ok_or_else(|| E::custom(format!("content part `{kind}` lacks `{key}`")))?;
    T::deserialize(value).map_err(|err| E::custom(format!("content part `{kind}`: `{key}`: {err}")))
}

impl<'de> Deserialize<'de> for ContentPart {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        let kind = match value.get("type").and_then(Value::as_str) {
            Some(kind @ ("text" | "image_url" | "input_audio" | "file" | "refusal")) => {
                kind.to_owned()
            }
            _ => return Ok(Self::Other(value)),
        };
        let Value::Object(mut part) = value else {
            return Err(D::Error::custom("content part is not an object"));
        };
        part.remove("type");
        let kind = kind.as_str();
        Ok(match kind {
            "text" => Self::Text {
                text: take(&mut part, kind, "text")?,
                extra: part,
            },
            "image_url" => Self::ImageUrl {
                image_url: take(&mut part, kind, "image_url")?,
                extra: part,
            },
            "input_audio" => Self::InputAudio {
                input_audio: take(&mut part, kind, "input_audio")?,
                extra: part,
            },
            "file" => Self::File {
                file: take(&mut part, kind, "file")?,
                extra: part,
            },
            _ => Self::Refusal {
                refusal: take(&mut part, kind, "refusal")?,
                extra: part,
            },
        })
    }
}

/// The `image_url` object of an image part.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ImageUrl {
    /// An `https:` URL or a `data:` URL with base64 image bytes.
    pub url: String,
    /// `low`, `high` or `auto` (kept as sent).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub detail: Option<String>,
    /// Fields we do not model, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The `input_audio` object of an audio part.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct InputAudio {
    /// Base64-encoded audio.
    pub data: String,
    /// The audio format, such as `wav` or `mp3`.
    pub format: String,
    /// Fields we do not model, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The `file` object of a file part: an uploaded file's id or the file inline.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct FileContent {
    /// The id of an uploaded file.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub file_id: Option<String>,
    /// The file's bytes, base64-encoded.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub file_data: Option<String>,
    /// The file's name.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub filename: Option<String>,
    /// Fields we do not model, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
