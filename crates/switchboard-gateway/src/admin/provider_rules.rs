//! What a provider created through the admin API may not do, beyond its base URL: read the
//! gateway's own environment or files. The config file's providers may (the operator wrote
//! them); an admin key must not be a way to send the gateway's other secrets upstream.
//!
//! - No `env:NAME` value anywhere in the settings: it would be filled in from the
//!   gateway's environment (the master key, the admin key, cloud credentials).
//! - No `profile`: it reads the host's `~/.aws` files.
//! - A kind whose adapter falls back to environment credentials when none is given
//!   (`deepseek`: `DEEPSEEK_API_KEY`; `bedrock`: `AWS_*`, then the AWS credential chain)
//!   must be given its credentials.

use serde_json::{Map, Value};
use switchboard_core::GatewayError;

use super::invalid;

/// Kinds that need explicit credentials, and the field sets that count as such (any one).
const EXPLICIT_CREDENTIALS: &[(&str, &[&[&str]])] = &[
    ("deepseek", &[&["api_key"]]),
    (
        "bedrock",
        &[&["api_key"], &["access_key_id", "secret_access_key"]],
    ),
];

/// Checks the settings of a provider of `kind` created at run time.
pub(super) fn check(kind: &str, settings: &Map<String, Value>) -> Result<(), GatewayError> {
    if let Some(field) = env_reference(settings) {
        return Err(invalid(
            &field,
            "cannot be an `env:` reference for a provider created through the admin API: \
             give the value itself (it is stored encrypted)",
        ));
    }
    if settings.contains_key("profile") {
        return Err(invalid(
            "profile",
            "cannot be used by a provider created through the admin API (it reads the \
             gateway host's files); give `access_key_id` and `secret_access_key` or `api_key`",
        ));
    }
    if let Some((_, sets)) = EXPLICIT_CREDENTIALS.iter().find(|(k, _)| *k == kind) {
        let given = |field: &&str| {
            settings
                .get(*field)
                .and_then(Value::as_str)
                .is_some_and(|v| !v.is_empty())
        };
        if !sets.iter().any(|set| set.iter().all(given)) {
            let wanted: Vec<String> = sets.iter().map(|set| set.join(" + ")).collect();
            return Err(invalid(
                sets[0][0],
                &format!(
                    "is required for a `{kind}` provider created through the admin API \
                     (give {}); it may not fall back to the gateway's environment",
                    wanted.join(", or ")
                ),
            ));
        }
    }
    Ok(())
}

/// The dotted path of the first string value starting with `env:`, at any depth.
fn env_reference(settings: &Map<String, Value>) -> Option<String> {
    fn walk(value: &Value, path: &str) -> Option<String> {
        match value {
            Value::String(s) if s.trim_start().starts_with("env:") => Some(path.to_owned()),
            Value::Object(map) => map
                .iter()
                .find_map(|(k, v)| walk(v, &format!("{path}.{k}"))),
            Value::Array(items) => items
                .iter()
                .enumerate()
                .find_map(|(i, v)| walk(v, &format!("{path}[{i}]"))),
            _ => None,
        }
    }
    settings.iter().find_map(|(k, v)| walk(v, k))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn settings(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap()
    }

    fn param(result: Result<(), GatewayError>) -> Option<String> {
        result.err().and_then(|e| e.param().map(str::to_owned))
    }

    #[test]
    fn the_gateways_environment_and_files_are_out_of_reach() {
        let ok = settings(json!({"base_url": "https://a.example.com", "api_key": "sk-1"}));
        assert!(check("openai", &ok).is_ok());
        let env = settings(json!({"api_key": "env:SWITCHBOARD_MASTER_KEY"}));
        assert_eq!(param(check("openai", &env)).as_deref(), Some("api_key"));
        let nested = settings(json!({"api_key": "sk", "headers": {"x-k": " env:ADMIN"}}));
        assert_eq!(
            param(check("openai", &nested)).as_deref(),
            Some("headers.x-k")
        );
        let profile = settings(json!({"profile": "prod", "api_key": "k"}));
        assert_eq!(
            param(check("bedrock", &profile)).as_deref(),
            Some("profile")
        );
    }

    #[test]
    fn kinds_that_fall_back_to_the_environment_need_their_credentials() {
        let none = settings(json!({"base_url": "https://api.deepseek.com"}));
        assert_eq!(param(check("deepseek", &none)).as_deref(), Some("api_key"));
        assert!(check("deepseek", &settings(json!({"api_key": "sk"}))).is_ok());
        let region = settings(json!({"region": "us-east-1"}));
        assert_eq!(param(check("bedrock", &region)).as_deref(), Some("api_key"));
        let half = settings(json!({"region": "us-east-1", "access_key_id": "AKIA"}));
        assert!(check("bedrock", &half).is_err());
        let pair = settings(
            json!({"region": "us-east-1", "access_key_id": "AKIA", "secret_access_key": "s"}),
        );
        assert!(check("bedrock", &pair).is_ok());
        // Other kinds send nothing when no key is given.
        assert!(check("ollama", &settings(json!({}))).is_ok());
    }
}
