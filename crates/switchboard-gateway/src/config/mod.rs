//! The gateway's configuration: the types ([`Config`] and its sections) and how they are
//! loaded ([`load`]): built-in defaults, then `switchboard.toml` or `--config PATH`, then
//! `SWITCHBOARD__SECTION__KEY` environment variables, then the variables people already
//! have (`OPENAI_API_KEY`, `OPENAI_API_BASE`, `OPENAI_MODEL`, `FORCE_MOCK_OPENAI`).
//! Every key, its variable and its default are listed in `docs/configuration.md`.

mod env_compat;
mod errors;
mod load;
mod routing;
mod telemetry;
mod types;

pub use env_compat::EnvDefaults;
pub use errors::ConfigErrors;
pub(crate) use load::check_model;
pub use load::{ConfigSource, DEFAULT_FILE, Loaded, load, load_with_listen, parse_toml};
pub use routing::{
    Balance, DeploymentConfig, KeyConfig, LimitsConfig, PolicyConfig, PromptPosition, RoutingConfig,
};
pub use telemetry::TelemetryConfig;
pub(crate) use types::secs;
pub use types::{
    Config, LogConfig, LogFormat, MIN_USAGE_RETENTION_DAYS, ModelConfig, ProviderConfig,
    ResponsesConfig, ServerConfig, StateConfig, StoreKind, TlsConfig, UpstreamConfig,
};
