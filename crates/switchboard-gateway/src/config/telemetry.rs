//! `[telemetry]`: OpenTelemetry traces sent over OTLP/HTTP. The section parses in every
//! build, so that a build without the `otel` Cargo feature can say what to do about it
//! rather than call it an unknown key; only a build with the feature acts on it.

use std::collections::BTreeMap;

use serde::Deserialize;
use switchboard_core::Secret;

use super::{Config, ConfigErrors};

/// The standard variable naming the collector, read when `otlp_endpoint` is unset.
pub const ENDPOINT_VAR: &str = "OTEL_EXPORTER_OTLP_ENDPOINT";

/// The path OTLP/HTTP receives traces on, appended to a base endpoint.
const TRACES_PATH: &str = "/v1/traces";

/// `[telemetry]`. The section's presence turns tracing on (builds with `--features otel`
/// only): each model request becomes one span with the GenAI semantic conventions.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct TelemetryConfig {
    /// The collector's OTLP/HTTP (protobuf) base URL, e.g. `http://127.0.0.1:4318`: spans
    /// are posted to `{otlp_endpoint}/v1/traces` (a URL already ending in `/v1/traces` is
    /// used as it is). Default: the `OTEL_EXPORTER_OTLP_ENDPOINT` variable.
    pub otlp_endpoint: Option<String>,
    /// The `service.name` of the exported resource. Default `switchboard`.
    pub service_name: String,
    /// The share of traces started here that are sampled, 0.0 to 1.0; a request that
    /// arrives with a `traceparent` follows its parent's decision. Default 1.0.
    pub sample_ratio: f64,
    /// Headers sent with every export, e.g. a collector's `authorization`; values may be
    /// `env:NAME` references. Default none.
    pub headers: BTreeMap<String, Secret>,
}

impl Default for TelemetryConfig {
    fn default() -> Self {
        Self {
            otlp_endpoint: None,
            service_name: "switchboard".to_owned(),
            sample_ratio: 1.0,
            headers: BTreeMap::new(),
        }
    }
}

impl TelemetryConfig {
    /// The URL spans are posted to: `otlp_endpoint` with `/v1/traces` appended unless it
    /// already ends so. `None` when no endpoint is set or it is not an `http(s)` URL.
    pub fn traces_url(&self) -> Option<http::Uri> {
        traces_url(self.otlp_endpoint.as_deref()?).ok()
    }
}

/// Fills `telemetry.otlp_endpoint` from `OTEL_EXPORTER_OTLP_ENDPOINT` (read through
/// `var`) when the section is present and leaves it unset.
pub(crate) fn apply_env(config: &mut Config, var: impl Fn(&str) -> Option<String>) {
    if let Some(telemetry) = &mut config.telemetry
        && telemetry.otlp_endpoint.is_none()
    {
        telemetry.otlp_endpoint = var(ENDPOINT_VAR).filter(|v| !v.trim().is_empty());
    }
}

/// Checks the section: without the `otel` feature its presence is the error; with it,
/// the endpoint, the ratio and the headers.
pub(crate) fn check(config: &Config, errors: &mut ConfigErrors) {
    let Some(telemetry) = &config.telemetry else {
        return;
    };
    if !cfg!(feature = "otel") {
        errors.push(
            "[telemetry]: this switchboard was built without OpenTelemetry support; rebuild it \
             with `--features otel` (e.g. `cargo build --release -p switchboard --features otel`) \
             or remove the [telemetry] section",
        );
        return;
    }
    match &telemetry.otlp_endpoint {
        None => errors.push(format!(
            "telemetry.otlp_endpoint is not set and {ENDPOINT_VAR} is empty: name the \
             collector, e.g. \"http://127.0.0.1:4318\""
        )),
        Some(endpoint) => {
            if let Err(e) = traces_url(endpoint) {
                errors.push(format!("telemetry.otlp_endpoint = \"{endpoint}\": {e}"));
            }
        }
    }
    let ratio = telemetry.sample_ratio;
    if !(0.0..=1.0).contains(&ratio) {
        errors.push(format!(
            "telemetry.sample_ratio must be between 0.0 and 1.0, got {ratio}"
        ));
    }
    if telemetry.service_name.is_empty() {
        errors.push("telemetry.service_name is empty");
    }
    for (name, value) in &telemetry.headers {
        if http::HeaderName::from_bytes(name.as_bytes()).is_err() {
            errors.push(format!("telemetry.headers: `{name}` is not a header name"));
        } else if http::HeaderValue::from_str(value.expose()).is_err() {
            errors.push(format!(
                "telemetry.headers.{name}: the value is not a valid header value"
            ));
        }
    }
}

/// `endpoint` as the traces URL, or why it cannot be one.
fn traces_url(endpoint: &str) -> Result<http::Uri, String> {
    let uri: http::Uri = endpoint
        .trim()
        .parse()
        .map_err(|e| format!("not a URL ({e})"))?;
    if !matches!(uri.scheme_str(), Some("http" | "https")) || uri.host().is_none() {
        return Err("must be an http:// or https:// URL with a host".to_owned());
    }
    if uri.query().is_some() {
        return Err("must not have a query".to_owned());
    }
    let path = uri.path().trim_end_matches('/').to_owned();
    if path.ends_with(TRACES_PATH) {
        return Ok(uri);
    }
    let mut parts = uri.into_parts();
    parts.path_and_query = Some(
        format!("{path}{TRACES_PATH}")
            .parse()
            .map_err(|e| format!("not a URL ({e})"))?,
    );
    http::Uri::from_parts(parts).map_err(|e| format!("not a URL ({e})"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::parse_toml;

    #[test]
    fn the_traces_path_is_appended_once() {
        let url = |e: &str| traces_url(e).map(|u| u.to_string());
        assert_eq!(
            url("http://127.0.0.1:4318").as_deref(),
            Ok("http://127.0.0.1:4318/v1/traces")
        );
        assert_eq!(
            url("http://collector:4318/").as_deref(),
            Ok("http://collector:4318/v1/traces")
        );
        assert_eq!(
            url("https://otlp.example/otlp").as_deref(),
            Ok("https://otlp.example/otlp/v1/traces")
        );
        assert_eq!(
            url("https://otlp.example/v1/traces").as_deref(),
            Ok("https://otlp.example/v1/traces")
        );
        assert!(url("127.0.0.1:4318").is_err());
        assert!(url("grpc://collector:4317").is_err());
        assert!(url("http://c/?a=b").is_err());
    }

    #[test]
    fn the_section_parses_with_its_defaults() {
        let Err(errors) = parse_toml("[telemetry]\n") else {
            panic!("an empty [telemetry] has no endpoint, with or without the feature");
        };
        let text = errors.to_string();
        if cfg!(feature = "otel") {
            assert!(
                text.contains("telemetry.otlp_endpoint is not set"),
                "{text}"
            );
        } else {
            assert!(text.contains("--features otel"), "{text}");
        }
        let defaults = TelemetryConfig::default();
        assert_eq!(defaults.service_name, "switchboard");
        assert_eq!(defaults.sample_ratio, 1.0);
    }

    #[cfg(not(feature = "otel"))]
    #[test]
    fn without_the_feature_the_section_is_an_error_that_says_how_to_rebuild() {
        let errors = parse_toml("[telemetry]\notlp_endpoint = \"http://127.0.0.1:4318\"\n")
            .expect_err("a build without `otel` refuses [telemetry]");
        assert_eq!(errors.0.len(), 1, "{errors}");
        assert!(errors.0[0].contains("--features otel"), "{errors}");
        assert!(!errors.0[0].contains("unknown key"), "{errors}");
    }

    #[cfg(feature = "otel")]
    #[test]
    fn with_the_feature_the_keys_are_checked() {
        let config = parse_toml(
            "[telemetry]\notlp_endpoint = \"http://127.0.0.1:4318\"\nservice_name = \"gw\"\n\
             sample_ratio = 0.25\nheaders = { authorization = \"Bearer t\" }\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let telemetry = config.telemetry.expect("the section is kept");
        assert_eq!(telemetry.service_name, "gw");
        assert_eq!(telemetry.sample_ratio, 0.25);
        assert_eq!(
            telemetry.traces_url().map(|u| u.to_string()).as_deref(),
            Some("http://127.0.0.1:4318/v1/traces")
        );
        let errors = parse_toml(
            "[telemetry]\notlp_endpoint = \"collector\"\nsample_ratio = 2.0\n\
             headers = { \"bad name\" = \"x\" }\nbogus = 1\n",
        )
        .expect_err("bad values are refused");
        let text = errors.to_string();
        // Unknown keys are reported before the checks run.
        assert!(text.contains("unknown key `telemetry.bogus`"), "{text}");
        let errors = parse_toml(
            "[telemetry]\notlp_endpoint = \"collector\"\nsample_ratio = 2.0\n\
             headers = { \"bad name\" = \"x\" }\n",
        )
        .expect_err("bad values are refused");
        let text = errors.to_string();
        assert!(
            text.contains("telemetry.otlp_endpoint = \"collector\""),
            "{text}"
        );
        assert!(text.contains("telemetry.sample_ratio"), "{text}");
        assert!(text.contains("`bad name` is not a header name"), "{text}");
    }

    #[cfg(feature = "otel")]
    #[test]
    #[allow(
        clippy::result_large_err,
        reason = "figment::Jail's closure returns figment's error"
    )]
    fn the_standard_variable_names_the_collector_when_the_key_is_unset() {
        use crate::config::{ConfigSource, load};
        figment::Jail::expect_with(|jail| {
            jail.set_env(ENDPOINT_VAR, "http://127.0.0.1:4318");
            let loaded =
                load(ConfigSource::Toml("[telemetry]\n".into())).map_err(|e| e.to_string())?;
            let telemetry = loaded.config.telemetry.ok_or("the section is kept")?;
            assert_eq!(
                telemetry.otlp_endpoint.as_deref(),
                Some("http://127.0.0.1:4318")
            );
            // The key wins over the variable.
            let loaded = load(ConfigSource::Toml(
                "[telemetry]\notlp_endpoint = \"http://collector.internal:4318\"\n".into(),
            ))
            .map_err(|e| e.to_string())?;
            let endpoint = loaded.config.telemetry.and_then(|t| t.otlp_endpoint);
            assert_eq!(endpoint.as_deref(), Some("http://collector.internal:4318"));
            Ok(())
        });
    }
}
