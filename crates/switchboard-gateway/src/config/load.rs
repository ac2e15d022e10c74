//! Loading a [`Config`] with figment: defaults → TOML file → `SWITCHBOARD__` env vars →
//! the env vars people already have → checks. Every problem is collected, not just the first.

use std::net::SocketAddr;
use std::path::PathBuf;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};

use super::env_compat::EnvDefaults;
use super::{Config, ConfigErrors, MIN_USAGE_RETENTION_DAYS, ModelConfig};

/// The file the gateway looks for in its working directory when given none.
pub const DEFAULT_FILE: &str = "switchboard.toml";

/// Where the TOML layer comes from.
#[derive(Debug, Clone)]
pub enum ConfigSource {
    /// `./switchboard.toml` if it exists, else nothing (defaults and env only).
    Default,
    /// This file, which must exist (`--config PATH`).
    File(PathBuf),
    /// This TOML text (embedders and tests).
    Toml(String),
}

/// A loaded configuration and what the loader decided on the way.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The effective configuration.
    pub config: Config,
    /// The file that was read, if any.
    pub file: Option<PathBuf>,
    /// Decisions worth a log line at start (defaults applied, literal secrets ...).
    pub notes: Vec<String>,
}

/// Loads the configuration from `source` and the process environment.
pub fn load(source: ConfigSource) -> Result<Loaded, ConfigErrors> {
    load_with_listen(source, None)
}

/// Like [`load`], with `server.listen` overridden last (the CLI's `--listen`).
pub fn load_with_listen(
    source: ConfigSource,
    listen: Option<&str>,
) -> Result<Loaded, ConfigErrors> {
    let mut errors = ConfigErrors::default();
    let mut figment = Figment::new();
    let mut file = None;
    match source {
        ConfigSource::Default => {
            let path = PathBuf::from(DEFAULT_FILE);
            if path.is_file() {
                figment = figment.merge(Toml::file_exact(&path));
                file = Some(path);
            }
        }
        ConfigSource::File(path) => {
            if !path.is_file() {
                errors.push(format!("config file `{}` does not exist", path.display()));
                return Err(errors);
            }
            figment = figment.merge(Toml::file_exact(&path));
            file = Some(path);
        }
        ConfigSource::Toml(text) => figment = figment.merge(Toml::string(&text)),
    }
    figment = figment.merge(Env::prefixed("SWITCHBOARD__").split("__"));
    if let Some(listen) = listen {
        figment = figment.merge(Serialized::default("server.listen", listen));
    }

    let (config, notes) = extract(&figment, Some(EnvDefaults::from_env()), errors)?;
    Ok(Loaded {
        config,
        file,
        notes,
    })
}

/// Parses a configuration from TOML text alone: no file, no environment variable is read
/// (`env:` secret references still are). For embedders and tests that want a hermetic config.
pub fn parse_toml(text: &str) -> Result<Config, ConfigErrors> {
    let figment = Figment::from(Toml::string(text));
    extract(&figment, None, ConfigErrors::default()).map(|(config, _)| config)
}

/// Extracts, applies the compatibility variables (if given) and checks.
fn extract(
    figment: &Figment,
    env: Option<EnvDefaults>,
    mut errors: ConfigErrors,
) -> Result<(Config, Vec<String>), ConfigErrors> {
    report_unknown_keys(figment, &mut errors);
    let mut config = match figment.extract::<Config>() {
        Ok(config) => config,
        Err(e) => {
            for one in e {
                errors.push(one.to_string());
            }
            return Err(errors);
        }
    };
    errors.into_result()?;
    let mut notes = Vec::new();
    if let Some(env) = env {
        env.apply(&mut config, &mut notes);
        super::telemetry::apply_env(&mut config, |name| std::env::var(name).ok());
    }
    check(&config, &mut notes).into_result()?;
    Ok((config, notes))
}

/// Lists every key no section knows, with the source it came from.
fn report_unknown_keys(figment: &Figment, errors: &mut ConfigErrors) {
    let Ok(value) = figment.extract::<figment::value::Value>() else {
        return; // extract::<Config> reports the same problem
    };
    let mut unknown = Vec::new();
    let _ = serde_ignored::deserialize::<_, _, Config>(&value, |path| {
        // serde_ignored writes `?` for a step through an Option: not part of the key.
        unknown.push(path.to_string().replace(".?", ""));
    });
    for key in unknown {
        errors.push(format!("unknown key `{key}`{}", source_of(figment, &key)));
    }
}

/// ` (in FILE)` or ` (from SOURCE)` for a key, or for its nearest parent figment can place
/// (array elements have no metadata of their own).
fn source_of(figment: &Figment, key: &str) -> String {
    let mut path = key;
    loop {
        if let Some(m) = figment.find_metadata(path) {
            return match &m.source {
                Some(src) => format!(" (in {src})"),
                None => format!(" (from {})", m.name),
            };
        }
        match path.rsplit_once('.') {
            Some((parent, _)) => path = parent,
            None => return String::new(),
        }
    }
}

/// Checks what types cannot: addresses, references between sections, the auth rule.
fn check(config: &Config, notes: &mut Vec<String>) -> ConfigErrors {
    let mut errors = ConfigErrors::default();
    let server = &config.server;
    match server.listen.parse::<SocketAddr>() {
        Ok(addr) => {
            if server.api_keys.is_empty() && config.keys.is_empty() && !addr.ip().is_loopback() {
                if server.allow_unauthenticated {
                    notes.push(format!(
                        "serving {addr} WITHOUT authentication (server.allow_unauthenticated = true)"
                    ));
                } else {
                    errors.push(format!(
                        "server.listen = \"{addr}\" is not a loopback address and server.api_keys is empty: \
                         set api_keys, or allow_unauthenticated = true to serve it open"
                    ));
                }
            }
        }
        Err(_) => errors.push(format!(
            "server.listen = \"{}\" is not an address like 127.0.0.1:8080",
            server.listen
        )),
    }
    for (key, value) in [
        ("server.header_read_timeout", server.header_read_timeout),
        ("server.shutdown_grace", server.shutdown_grace),
        ("server.first_byte_timeout", server.first_byte_timeout),
        ("server.total_timeout", server.total_timeout),
        ("upstream.connect_timeout", config.upstream.connect_timeout),
        (
            "upstream.pool_idle_timeout",
            config.upstream.pool_idle_timeout,
        ),
        ("responses.store_ttl", config.responses.store_ttl),
        ("responses.heartbeat", config.responses.heartbeat),
    ] {
        check_seconds(key, value, &mut errors);
    }
    if config.responses.store_max_entries == 0 || config.responses.store_max_bytes == 0 {
        errors.push(
            "responses.store_max_entries and responses.store_max_bytes must be greater than 0",
        );
    }
    let retention = config.state.usage_retention_days;
    if retention != 0 && retention < MIN_USAGE_RETENTION_DAYS {
        errors.push(format!(
            "state.usage_retention_days = {retention}: use 0 to keep every usage record, or at least \
             {MIN_USAGE_RETENTION_DAYS} (budgets read the current month's records)"
        ));
    }
    if server.max_body_bytes == 0 {
        errors.push("server.max_body_bytes must be greater than 0");
    }
    for key in server
        .api_keys
        .iter()
        .chain(config.keys.iter().map(|k| &k.key))
    {
        if key.is_literal() {
            notes.push(
                "a gateway key is written literally in the config; prefer \"env:NAME\"".into(),
            );
        }
    }
    check_admin_key(config, notes, &mut errors);
    for (name, provider) in &config.providers {
        for key in ["api_key", "api_key_header"] {
            if let Some(serde_json::Value::String(v)) = provider.settings.get(key)
                && !v.starts_with("env:")
            {
                notes.push(format!(
                    "providers.{name}.{key} is written literally in the config; prefer \"env:NAME\""
                ));
            }
        }
        let routed = config
            .models
            .iter()
            .any(|m| m.all_deployments().iter().any(|d| &d.provider == name));
        if !routed {
            notes.push(format!(
                "provider `{name}` has no [[models]] route, so no request reaches it"
            ));
        }
        for (key, value) in [
            ("first_byte_timeout", provider.first_byte_timeout),
            ("total_timeout", provider.total_timeout),
            ("connect_timeout", provider.connect_timeout),
        ] {
            if let Some(v) = value {
                check_seconds(&format!("providers.{name}.{key}"), v, &mut errors);
            }
        }
    }
    check_models(config, &mut errors);
    check_routing(config, &mut errors);
    super::telemetry::check(config, &mut errors);
    errors
}

/// `server.admin_key`: not empty, not a gateway key (a client holding a gateway key must
/// not reach the admin API); a note when it is written literally.
fn check_admin_key(config: &Config, notes: &mut Vec<String>, errors: &mut ConfigErrors) {
    let Some(admin) = &config.server.admin_key else {
        return;
    };
    if admin.expose().trim().is_empty() {
        errors.push("server.admin_key is empty: set a long random key, or remove it to turn the admin API off");
        return;
    }
    if admin.is_literal() {
        notes.push(
            "server.admin_key is written literally in the config; prefer \"env:NAME\"".into(),
        );
    }
    let mut gateway_keys = config
        .server
        .api_keys
        .iter()
        .chain(config.keys.iter().map(|k| &k.key));
    if gateway_keys.any(|key| key.expose() == admin.expose()) {
        errors.push(
            "server.admin_key is also a gateway key (server.api_keys or [[keys]]): the admin key must be its own",
        );
    }
}

/// Names, deployments and references between models.
fn check_models(config: &Config, errors: &mut ConfigErrors) {
    let mut seen = std::collections::BTreeSet::new();
    for (i, model) in config.models.iter().enumerate() {
        let label = format!("models[{i}] (`{}`)", model.name);
        if model.name.is_empty() {
            errors.push(format!("models[{i}].name is empty"));
        }
        for name in std::iter::once(&model.name).chain(&model.aliases) {
            if !seen.insert(name.as_str()) {
                errors.push(format!("{label}: the name `{name}` is used twice"));
            }
        }
        check_model(&label, model, &|p| config.providers.contains_key(p), errors);
    }
    let known = |name: &str| {
        config
            .models
            .iter()
            .any(|m| m.name == name || m.aliases.iter().any(|a| a == name))
            || config.models.iter().any(|m| {
                m.name
                    .strip_suffix('*')
                    .is_some_and(|prefix| name.starts_with(prefix) && name.len() > prefix.len())
            })
    };
    for model in &config.models {
        for name in model
            .fallbacks
            .iter()
            .chain(&model.content_policy_fallbacks)
        {
            if !known(name) {
                errors.push(format!(
                    "models `{}`: fallback `{name}` is not a configured model",
                    model.name
                ));
            }
        }
    }
    let routing = &config.routing;
    for name in routing
        .fallbacks
        .iter()
        .chain(&routing.content_policy_fallbacks)
        .chain(&routing.default_model)
    {
        if !known(name) {
            errors.push(format!("routing: `{name}` is not a configured model"));
        }
    }
}

/// The checks of one model section (`label` names it in messages); `has_provider` says
/// whether a provider name is defined. The config file's models and those created through
/// the admin API are checked alike.
pub(crate) fn check_model(
    label: &str,
    model: &ModelConfig,
    has_provider: &dyn Fn(&str) -> bool,
    errors: &mut ConfigErrors,
) {
    if model.aliases.iter().any(|a| a.ends_with('*')) {
        errors.push(format!("{label}: an alias cannot be a prefix route"));
    }
    let deployments = model.all_deployments();
    if deployments.is_empty() {
        errors.push(format!(
            "{label}: set `provider`, or add [[models.deployments]]"
        ));
    }
    for (j, deployment) in deployments.iter().enumerate() {
        if !has_provider(&deployment.provider) {
            errors.push(format!(
                "{label}: provider `{}` is not defined",
                deployment.provider
            ));
        }
        if deployment.weight == 0 {
            errors.push(format!("{label}: deployment {j} has weight 0"));
        }
        if model.name.ends_with('*') && deployment.model.is_some() {
            errors.push(format!(
                "{label}: a prefix route cannot set `model`; the rest of the name is the upstream id"
            ));
        }
    }
    for (key, value) in [
        ("first_byte_timeout", model.first_byte_timeout),
        ("total_timeout", model.total_timeout),
        ("limits.min_interval", model.limits.min_interval),
    ] {
        if let Some(v) = value {
            check_seconds(&format!("{label}.{key}"), v, errors);
        }
    }
    if model.policy.max_body_bytes == Some(0) {
        errors.push(format!(
            "{label}.policy.max_body_bytes must be greater than 0"
        ));
    }
    for key in model
        .policy
        .defaults
        .keys()
        .chain(model.policy.force.keys())
    {
        if matches!(key.as_str(), "model" | "stream") {
            errors.push(format!(
                "{label}.policy cannot set `{key}`: it is the client's choice"
            ));
        }
    }
}

/// `[routing]` numbers and `[[keys]]`.
fn check_routing(config: &Config, errors: &mut ConfigErrors) {
    let routing = &config.routing;
    for (key, value) in [
        ("routing.backoff_base", routing.backoff_base),
        ("routing.backoff_max", routing.backoff_max),
        ("routing.max_retry_after", routing.max_retry_after),
        ("routing.breaker_cooldown", routing.breaker_cooldown),
    ] {
        check_seconds(key, value, errors);
    }
    if routing.attempts_per_deployment == 0 || routing.breaker_failures == 0 {
        errors.push(
            "routing.attempts_per_deployment and routing.breaker_failures must be at least 1",
        );
    }
    let mut names = std::collections::BTreeSet::new();
    for (i, key) in config.keys.iter().enumerate() {
        if key.name.is_empty() || !names.insert(key.name.as_str()) {
            errors.push(format!("keys[{i}]: the name must be set and unique"));
        }
        if let Some(v) = key.limits.min_interval {
            check_seconds(&format!("keys[{i}].limits.min_interval"), v, errors);
        }
    }
}

fn check_seconds(key: &str, value: f64, errors: &mut ConfigErrors) {
    if !(value.is_finite() && value > 0.0) {
        errors.push(format!(
            "{key} must be a positive number of seconds, got {value}"
        ));
    }
}

#[cfg(test)]
mod tests;
