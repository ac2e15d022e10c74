//! The environment variables people already have, turned into routes.
//!
//! - `FORCE_MOCK_OPENAI=1` (or `true`): every model goes to the built-in mock provider.
//! - Otherwise, when the config defines no provider: `OPENAI_API_KEY` and/or
//!   `OPENAI_API_BASE` (or `OPENAI_BASE_URL`) define provider `openai` (kind `openai`) and a
//!   catch-all route `*` to it; `OPENAI_MODEL` adds that name to the model list.
//! - Otherwise, with no provider at all: the mock provider serves every model.

use super::{Config, ModelConfig, ProviderConfig};

/// The compatibility variables, read once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EnvDefaults {
    /// `OPENAI_API_KEY`.
    pub api_key: Option<String>,
    /// `OPENAI_API_BASE`, else `OPENAI_BASE_URL`.
    pub api_base: Option<String>,
    /// `OPENAI_MODEL`.
    pub model: Option<String>,
    /// `FORCE_MOCK_OPENAI` is `1` or `true`.
    pub force_mock: bool,
}

impl EnvDefaults {
    /// Reads the variables from the process environment (empty counts as unset).
    pub fn from_env() -> Self {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        Self {
            api_key: var("OPENAI_API_KEY"),
            api_base: var("OPENAI_API_BASE").or_else(|| var("OPENAI_BASE_URL")),
            model: var("OPENAI_MODEL"),
            force_mock: var("FORCE_MOCK_OPENAI")
                .is_some_and(|v| v == "1" || v.eq_ignore_ascii_case("true")),
        }
    }

    /// Adds the routes these variables imply to `config`, noting what it did.
    pub fn apply(&self, config: &mut Config, notes: &mut Vec<String>) {
        if self.force_mock {
            config.providers.clear();
            config.models.clear();
            add_mock(config);
            notes.push(
                "FORCE_MOCK_OPENAI is set: every model is served by the mock provider".into(),
            );
            return;
        }
        if !config.providers.is_empty() {
            return;
        }
        if self.api_key.is_some() || self.api_base.is_some() {
            let mut settings = serde_json::Map::new();
            if let Some(base) = &self.api_base {
                settings.insert("base_url".into(), base.clone().into());
            }
            if self.api_key.is_some() {
                settings.insert("api_key".into(), "env:OPENAI_API_KEY".into());
            }
            config.providers.insert(
                "openai".into(),
                ProviderConfig {
                    kind: "openai".into(),
                    first_byte_timeout: None,
                    connect_timeout: None,
                    total_timeout: None,
                    settings,
                },
            );
            if let Some(model) = &self.model {
                config.models.push(route(model, "openai"));
            }
            config.models.push(route("*", "openai"));
            notes.push(format!(
                "no providers configured: every model goes to {} (from OPENAI_API_KEY / OPENAI_API_BASE)",
                self.api_base.as_deref().unwrap_or("https://api.openai.com/v1")
            ));
            return;
        }
        add_mock(config);
        notes.push(
            "no providers configured: serving the built-in mock provider for every model".into(),
        );
    }
}

fn add_mock(config: &mut Config) {
    config.providers.insert(
        "mock".into(),
        ProviderConfig {
            kind: "mock".into(),
            first_byte_timeout: None,
            connect_timeout: None,
            total_timeout: None,
            settings: serde_json::Map::new(),
        },
    );
    config.models.push(route("*", "mock"));
}

fn route(name: &str, provider: &str) -> ModelConfig {
    ModelConfig {
        name: name.into(),
        provider: Some(provider.into()),
        ..ModelConfig::default()
    }
}
