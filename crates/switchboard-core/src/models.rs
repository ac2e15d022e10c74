//! The Models API types: `GET /v1/models` and `GET /v1/models/{id}`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One model as OpenAI's `Model` schema describes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Model {
    /// The name clients send as `model`.
    pub id: String,
    /// Always `"model"`.
    #[serde(default = "model_object")]
    pub object: String,
    /// Unix seconds when the model was created (0 when unknown).
    #[serde(default)]
    pub created: i64,
    /// Who serves it: for the gateway, the provider's configured name.
    #[serde(default)]
    pub owned_by: String,
    /// Fields an upstream adds that we do not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Model {
    /// A model with the given id and owner, created at 0.
    pub fn new(id: impl Into<String>, owned_by: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            object: model_object(),
            created: 0,
            owned_by: owned_by.into(),
            extra: Map::new(),
        }
    }
}

/// The list body of `GET /v1/models`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelList {
    /// Always `"list"`.
    #[serde(default = "list_object")]
    pub object: String,
    /// The models.
    pub data: Vec<Model>,
}

impl ModelList {
    /// A list of the given models.
    pub fn new(data: Vec<Model>) -> Self {
        Self {
            object: list_object(),
            data,
        }
    }
}

fn model_object() -> String {
    "model".to_owned()
}

fn list_object() -> String {
    "list".to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upstream_list_round_trips_with_unknown_fields() {
        let raw = serde_json::json!({"object":"list","data":[
            {"id":"gpt-4o","object":"model","created":1715367049,"owned_by":"system"},
            {"id":"Qwen/Qwen3-8B","object":"model","created":1,"owned_by":"vllm","root":"Qwen/Qwen3-8B","max_model_len":32768,"permission":[]}
        ]});
        let list: ModelList = serde_json::from_value(raw.clone()).unwrap();
        assert_eq!(list.data[1].extra["max_model_len"], 32768);
        assert_eq!(serde_json::to_value(&list).unwrap(), raw);
    }
}
