//! The request's `response_format`: plain text, JSON mode or a JSON Schema.

use serde::de::Error as _;
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

/// What shape the model's answer must take, tagged by `type`.
///
/// `Text` and `JsonObject` are read only from an object holding nothing but its `type`;
/// an unknown type, or a known one with extra keys (Together's
/// `{"type": "json_object", "schema": ...}`, for example), is kept whole in `Other`, so
/// nothing a client sent is lost.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum ResponseFormat {
    /// `{"type": "text"}`: free text, the default.
    #[default]
    Text,
    /// `{"type": "json_object"}`: JSON mode, any valid JSON object.
    JsonObject,
    /// `{"type": "json_schema", "json_schema": {...}}`: structured outputs.
    JsonSchema {
        /// The schema and its options.
        json_schema: JsonSchemaFormat,
    },
    /// Anything else, kept verbatim.
    Other(Value),
}

/// The `json_schema` object of [`ResponseFormat::JsonSchema`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct JsonSchemaFormat {
    /// The schema's name.
    #[serde(default)]
    pub name: String,
    /// What the answer is for, for the model.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub description: Option<String>,
    /// The JSON Schema the answer must follow.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub schema: Option<Value>,
    /// Whether the schema is enforced exactly.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub strict: Option<bool>,
    /// Fields we do not model, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl ResponseFormat {
    /// The `type` string: `text`, `json_object`, `json_schema`, or the one in `Other`
    /// (empty when it has none).
    pub fn type_str(&self) -> &str {
        match self {
            Self::Text => "text",
            Self::JsonObject => "json_object",
            Self::JsonSchema { .. } => "json_schema",
            Self::Other(value) => value.get("type").and_then(Value::as_str).unwrap_or(""),
        }
    }
}

impl Serialize for ResponseFormat {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Text | Self::JsonObject => {
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry("type", self.type_str())?;
                map.end()
            }
            Self::JsonSchema { json_schema } => {
                let mut map = serializer.serialize_map(Some(2))?;
                map.serialize_entry("type", "json_schema")?;
                map.serialize_entry("json_schema", json_schema)?;
                map.end()
            }
            Self::Other(value) => value.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for ResponseFormat {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        let Some(object) = value.as_object() else {
            return Ok(Self::Other(value));
        };
        let kind = object.get("type").and_then(Value::as_str);
        match (kind, object.len()) {
            (Some("text"), 1) => Ok(Self::Text),
            (Some("json_object"), 1) => Ok(Self::JsonObject),
            (Some("json_schema"), 2) if object.contains_key("json_schema") => {
                let mut value = value;
                let json_schema = value
                    .get_mut("json_schema")
                    .map(Value::take)
                    .unwrap_or_default();
                let json_schema = JsonSchemaFormat::deserialize(json_schema).map_err(|err| {
                    D::Error::custom(format!("response_format.json_schema: {err}"))
                })?;
                Ok(Self::JsonSchema { json_schema })
            }
            _ => Ok(Self::Other(value)),
        }
    }
}
