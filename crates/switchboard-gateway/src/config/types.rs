//! The configuration types. Every field has a default, so an empty file is a valid config.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;
use switchboard_core::Secret;

use super::routing::{DeploymentConfig, KeyConfig, LimitsConfig, PolicyConfig, RoutingConfig};
use super::telemetry::TelemetryConfig;
use crate::usage::Prices;

/// The whole configuration. Unknown keys are not refused by serde (that would stop at the
/// first one); the loader lists them all, with their sources.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Config {
    /// `[server]`: the listening side.
    pub server: ServerConfig,
    /// `[upstream]`: the shared client to providers.
    pub upstream: UpstreamConfig,
    /// `[log]`: what is logged and how.
    pub log: LogConfig,
    /// `[responses]`: the Responses API's store and streams.
    pub responses: ResponsesConfig,
    /// `[providers.NAME]`: named upstreams.
    pub providers: BTreeMap<String, ProviderConfig>,
    /// `[[models]]`: the model names clients may ask for.
    pub models: Vec<ModelConfig>,
    /// `[routing]`: retries, fallbacks, balancing, the circuit breaker.
    pub routing: RoutingConfig,
    /// `[[keys]]`: named gateway keys with their own limits (beside `server.api_keys`).
    pub keys: Vec<KeyConfig>,
    /// `[state]`: the embedded database.
    pub state: StateConfig,
    /// `[telemetry]`: OpenTelemetry traces (builds with `--features otel`); absent means off.
    pub telemetry: Option<TelemetryConfig>,
}

/// `[server]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct ServerConfig {
    /// Address to listen on. Default `127.0.0.1:8080`.
    pub listen: String,
    /// Gateway keys clients send as `Authorization: Bearer` or `api-key`. Default none:
    /// the gateway is open, which is allowed only on a loopback address.
    pub api_keys: Vec<Secret>,
    /// Allows serving a non-loopback address without keys. Default false.
    pub allow_unauthenticated: bool,
    /// The admin API's key (`Authorization: Bearer` on `/admin/...`; `env:NAME` reads it
    /// from the environment). It must differ from every gateway key, which the admin API
    /// never accepts. Default none: the admin API is off and its paths answer 404.
    pub admin_key: Option<Secret>,
    /// Largest request body, in bytes. Default 32 MiB.
    pub max_body_bytes: usize,
    /// Seconds a client has to send its request headers. Default 30.
    pub header_read_timeout: f64,
    /// Seconds in-flight requests get to finish at shutdown. Default 30.
    pub shutdown_grace: f64,
    /// Seconds to wait for a stream's first event (provider default). Default 60.
    pub first_byte_timeout: f64,
    /// Seconds a whole request may take (provider default). Default 600.
    pub total_timeout: f64,
    /// TLS termination; absent means plain HTTP (with h2c).
    pub tls: Option<TlsConfig>,
    /// Hosts a base URL given through the admin API may name: host names or IP
    /// addresses, `*.example.com` for any subdomain, `*` for any host. Default none: the
    /// admin API accepts no base URL (config-file providers are not affected).
    pub allowed_upstream_hosts: Vec<String>,
    /// Lets providers created at run time reach loopback and private addresses (RFC 1918,
    /// unique-local, CGNAT). Link-local and cloud-metadata addresses stay refused. Default
    /// false.
    pub allow_private_upstreams: bool,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".to_owned(),
            api_keys: Vec::new(),
            allow_unauthenticated: false,
            admin_key: None,
            max_body_bytes: 32 << 20,
            header_read_timeout: 30.0,
            shutdown_grace: 30.0,
            first_byte_timeout: 60.0,
            total_timeout: 600.0,
            tls: None,
            allowed_upstream_hosts: Vec::new(),
            allow_private_upstreams: false,
        }
    }
}

/// `[server.tls]`: PEM files for TLS termination (h2 and HTTP/1.1 via ALPN).
#[derive(Debug, Clone, Deserialize)]
pub struct TlsConfig {
    /// Certificate chain, PEM.
    pub cert: PathBuf,
    /// Private key, PEM (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
}

/// `[upstream]`: the client every provider shares.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct UpstreamConfig {
    /// Seconds to establish a connection (TCP + TLS). Default 10.
    pub connect_timeout: f64,
    /// Seconds an idle pooled connection is kept. Default 90.
    pub pool_idle_timeout: f64,
    /// Idle connections kept per host. Default 512.
    pub pool_max_idle_per_host: usize,
    /// Offer HTTP/2 to TLS upstreams (ALPN). Default true.
    pub http2: bool,
    /// Extra CA certificates (PEM files) to trust, e.g. a corporate or private CA.
    pub ca_certs: Vec<PathBuf>,
}

impl Default for UpstreamConfig {
    fn default() -> Self {
        Self {
            connect_timeout: 10.0,
            pool_idle_timeout: 90.0,
            pool_max_idle_per_host: 512,
            http2: true,
            ca_certs: Vec::new(),
        }
    }
}

/// `[state]`: the embedded SQLite database the gateway keeps its state in.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct StateConfig {
    /// The database file, created with its folder if missing; `:memory:` keeps the state
    /// in the process only. Default `switchboard-data/switchboard.db` (relative to the
    /// working directory).
    pub path: String,
    /// A file holding the master key (base64 of 32 bytes, optionally `vN:` first) that
    /// provider secrets created at run time are encrypted with. `SWITCHBOARD_MASTER_KEY`
    /// wins over it. Default none: the admin API refuses to store a provider secret.
    pub master_key_file: Option<PathBuf>,
    /// Days a usage record is kept: older ones are deleted at start and every hour. `0`
    /// (the default) keeps every record; otherwise at least [`MIN_USAGE_RETENTION_DAYS`],
    /// since budgets read this month's records.
    pub usage_retention_days: u32,
}

/// The shortest usage retention accepted: a month's budget reads records from the first of
/// the month (up to 31 days back), plus a day for time zones of whoever reads the reports.
pub const MIN_USAGE_RETENTION_DAYS: u32 = 32;

impl Default for StateConfig {
    fn default() -> Self {
        Self {
            path: "switchboard-data/switchboard.db".to_owned(),
            master_key_file: None,
            usage_retention_days: 0,
        }
    }
}

/// Where `store: true` responses are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StoreKind {
    /// In the state database (`[state] path`): durable, survives restarts.
    #[default]
    Database,
    /// In the process's memory, bounded by `store_max_entries` and `store_max_bytes`.
    Memory,
}

/// `[responses]`: what `store: true` keeps, and how translated streams stay alive.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct ResponsesConfig {
    /// Where stored responses live: `database` (default) or `memory`.
    pub store: StoreKind,
    /// Most responses the in-memory store keeps; the oldest go first. Default 10000.
    pub store_max_entries: usize,
    /// Most bytes the in-memory store keeps (JSON size). Default 256 MiB.
    pub store_max_bytes: usize,
    /// Seconds a stored response is kept. Default 86400 (a day).
    pub store_ttl: f64,
    /// Seconds of upstream silence after which a translated stream sends a
    /// `response.in_progress` event, so clients' idle timers do not fire. Default 15.
    pub heartbeat: f64,
    /// The key reasoning tokens (`encrypted_content`) are sealed with. Default: a random
    /// key per process, so tokens do not survive a restart or cross instances.
    pub reasoning_key: Option<Secret>,
}

impl Default for ResponsesConfig {
    fn default() -> Self {
        Self {
            store: StoreKind::Database,
            store_max_entries: 10_000,
            store_max_bytes: 256 << 20,
            store_ttl: 86_400.0,
            heartbeat: 15.0,
            reasoning_key: None,
        }
    }
}

/// `[log]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct LogConfig {
    /// `text` (readable, the default) or `json` (one object per line).
    pub format: LogFormat,
    /// A tracing filter such as `info` or `switchboard=debug`. Default `info`;
    /// `SWITCHBOARD_LOG` overrides it.
    pub level: String,
    /// Adds the request body (first 4 KiB) to each request's log line. Default false:
    /// prompt text is never logged unless this is set.
    pub prompts: bool,
}

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            format: LogFormat::Text,
            level: "info".to_owned(),
            prompts: false,
        }
    }
}

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// `[providers.NAME]`: one upstream. `kind` picks the adapter; the adapter reads the
/// other keys (its own, documented on its page in `docs/providers/`).
#[derive(Debug, Clone, Deserialize)]
pub struct ProviderConfig {
    /// The adapter kind, as registered (`openai`, `mock`, ...).
    pub kind: String,
    /// Seconds to open a connection (TCP + TLS); default `upstream.connect_timeout`. A
    /// provider that sets it gets its own connection pool.
    #[serde(default)]
    pub connect_timeout: Option<f64>,
    /// Seconds to wait for a stream's first event; default `server.first_byte_timeout`.
    #[serde(default)]
    pub first_byte_timeout: Option<f64>,
    /// Seconds the whole request may take; default `server.total_timeout`.
    #[serde(default)]
    pub total_timeout: Option<f64>,
    /// The adapter's own keys.
    #[serde(flatten)]
    pub settings: serde_json::Map<String, serde_json::Value>,
}

/// `[[models]]`: a model name clients may ask for, where it is served, and its policy.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ModelConfig {
    /// What clients send as `model`. A trailing `*` makes a prefix route: `openai/*`
    /// sends `openai/gpt-4o` upstream as `gpt-4o`; `*` alone matches every name.
    pub name: String,
    /// The provider's name (`[providers.NAME]`): the shorthand for one deployment.
    #[serde(default)]
    pub provider: Option<String>,
    /// The upstream's model id; defaults to `name` (not allowed on prefix routes).
    #[serde(default)]
    pub model: Option<String>,
    /// `[[models.deployments]]`: several places serving this model, balanced and failed
    /// over (instead of, or beside, `provider`).
    #[serde(default)]
    pub deployments: Vec<DeploymentConfig>,
    /// Other names clients may use for this model.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Models tried, in order, when this one's deployments are exhausted.
    #[serde(default)]
    pub fallbacks: Vec<String>,
    /// Models tried when a provider's content policy refuses the request.
    #[serde(default)]
    pub content_policy_fallbacks: Vec<String>,
    /// The model's context window in tokens: a context-window error falls back only to
    /// models with a larger one.
    #[serde(default)]
    pub context_window: Option<u64>,
    /// Seconds to wait for a stream's first event; default the provider's.
    #[serde(default)]
    pub first_byte_timeout: Option<f64>,
    /// Seconds the whole request may take; default the provider's.
    #[serde(default)]
    pub total_timeout: Option<f64>,
    /// Prices, USD per 1M tokens, for the cost of each request.
    #[serde(default)]
    pub price: Option<Prices>,
    /// This model's limits (all clients together).
    #[serde(default)]
    pub limits: LimitsConfig,
    /// The request policy: system prompt, defaults, forced, allowed and denied parameters.
    #[serde(default)]
    pub policy: PolicyConfig,
}

impl ModelConfig {
    /// The deployments, with the `provider`/`model` shorthand as the first one.
    pub fn all_deployments(&self) -> Vec<DeploymentConfig> {
        let mut out = Vec::with_capacity(self.deployments.len() + 1);
        if let Some(provider) = &self.provider {
            out.push(DeploymentConfig {
                provider: provider.clone(),
                model: self.model.clone(),
                weight: 1,
                priority: 0,
            });
        }
        out.extend(self.deployments.iter().cloned());
        out
    }
}

/// Seconds from config as a `Duration`; validation has checked the value is positive.
pub(crate) fn secs(value: f64) -> Duration {
    Duration::try_from_secs_f64(value).unwrap_or(Duration::MAX)
}
