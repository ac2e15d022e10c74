//! Stored records ⇄ config sections: a provider or model created at run time is kept in
//! the state database as JSON and read back as the same [`ProviderConfig`] /
//! [`ModelConfig`] a config file gives, so both are built by the same code.

use serde_json::{Map, Value};
use switchboard_state::{ModelRecord, RevealedProvider};

use crate::config::{DeploymentConfig, ModelConfig, ProviderConfig};

/// The keys of a model section other than its name and deployments: what a stored
/// model's `config` column may hold. A field added to `ModelConfig` goes here too, or the
/// admin API refuses it (a test checks that every key listed is a `ModelConfig` key).
pub(crate) const MODEL_SETTINGS: &[&str] = &[
    "aliases",
    "fallbacks",
    "content_policy_fallbacks",
    "context_window",
    "first_byte_timeout",
    "total_timeout",
    "price",
    "limits",
    "policy",
];

/// The provider section of a stored provider (secrets opened).
pub(crate) fn provider_section(provider: &RevealedProvider) -> Result<ProviderConfig, String> {
    let mut section = provider
        .expose_config()
        .as_object()
        .cloned()
        .unwrap_or_default();
    section.insert("kind".into(), Value::String(provider.kind.clone()));
    serde_json::from_value(Value::Object(section)).map_err(|e| e.to_string())
}

/// The model section of a stored model.
pub(crate) fn model_section(record: &ModelRecord) -> Result<ModelConfig, String> {
    let mut section = record.config.as_object().cloned().unwrap_or_default();
    section.insert("name".into(), Value::String(record.name.clone()));
    section.insert("deployments".into(), record.deployments.clone());
    serde_json::from_value(Value::Object(section)).map_err(|e| e.to_string())
}

/// A model section split the way it is stored: its deployments (the `provider`/`model`
/// shorthand included) as a JSON array, and its other settings as an object.
pub(crate) fn split_model(model: &ModelConfig, settings: &Map<String, Value>) -> (Value, Value) {
    let deployments = model
        .all_deployments()
        .iter()
        .map(deployment_json)
        .collect();
    let kept = settings
        .iter()
        .filter(|(key, _)| MODEL_SETTINGS.contains(&key.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    (Value::Array(deployments), Value::Object(kept))
}

fn deployment_json(d: &DeploymentConfig) -> Value {
    let mut out = Map::new();
    out.insert("provider".into(), Value::String(d.provider.clone()));
    if let Some(model) = &d.model {
        out.insert("model".into(), Value::String(model.clone()));
    }
    out.insert("weight".into(), d.weight.into());
    out.insert("priority".into(), d.priority.into());
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The stored-settings list names only real model keys: a key the list holds that
    /// `ModelConfig` does not know would be accepted by the admin API and then dropped.
    #[test]
    fn every_listed_setting_is_a_model_key() {
        let mut section = json!({"name": "m", "provider": "p", "model": "x", "deployments": []});
        for key in MODEL_SETTINGS {
            // A valid value of each: an empty list, object or a number, by the key.
            section[*key] = match *key {
                "aliases" | "fallbacks" | "content_policy_fallbacks" => json!([]),
                "price" => json!({"input": 1.0, "output": 2.0}),
                "limits" | "policy" => json!({}),
                _ => json!(1),
            };
        }
        section["not_a_setting"] = json!(1);
        let mut ignored = Vec::new();
        let parsed = serde_ignored::deserialize::<_, _, ModelConfig>(&section, |path| {
            ignored.push(path.to_string());
        });
        assert!(parsed.is_ok(), "{parsed:?}");
        // Only the planted key is unknown.
        assert_eq!(ignored, ["not_a_setting"]);
    }

    #[test]
    fn a_model_survives_the_round_trip_through_its_stored_form() {
        let body = json!({"name": "house", "provider": "up", "model": "gpt-4o-mini",
            "aliases": ["h"], "context_window": 8000, "limits": {"rpm": 5}});
        let Value::Object(settings) = body.clone() else {
            unreachable!()
        };
        let model: ModelConfig = serde_json::from_value(body).unwrap();
        let (deployments, config) = split_model(&model, &settings);
        assert_eq!(
            deployments,
            json!([{"provider": "up", "model": "gpt-4o-mini", "weight": 1, "priority": 0}])
        );
        assert_eq!(
            config,
            json!({"aliases": ["h"], "context_window": 8000, "limits": {"rpm": 5}})
        );
        let record = ModelRecord {
            name: "house".into(),
            deployments,
            config,
            is_default: false,
            created_at: 0,
            updated_at: 0,
        };
        let back = model_section(&record).unwrap();
        assert_eq!(back.name, "house");
        assert_eq!(back.aliases, ["h"]);
        assert_eq!(back.context_window, Some(8000));
        assert_eq!(back.limits.rpm, Some(5));
        let d = back.all_deployments();
        assert_eq!(d.len(), 1);
        assert_eq!(
            (d[0].provider.as_str(), d[0].model.as_deref()),
            ("up", Some("gpt-4o-mini"))
        );
    }
}
