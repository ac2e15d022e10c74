//! OpenTelemetry traces (the `otel` Cargo feature): one CLIENT span per model request, with
//! the GenAI semantic conventions as of v1.37 (`gen_ai.provider.name`, which replaced
//! `gen_ai.system`), made when the request's [`RequestLog`](crate::access_log::RequestLog)
//! closes and exported in batches over OTLP/HTTP (protobuf).
//!
//! - [`Telemetry`]: built with the gateway from `[telemetry]`. It holds the SDK's tracer
//!   provider, whose batch span processor keeps a bounded queue (2048 spans by default;
//!   `OTEL_BSP_*` variables tune it) drained by its own thread: a full queue drops the span
//!   and counts it, and a request never waits on the export.
//! - [`RequestTrace`]: begun with each request: its wall-clock start and the parent named by
//!   an incoming W3C `traceparent`.
//! - `span`: the span's name and attributes, read from the closed record.
//! - `export`: the exporter, which posts through switchboard-http's client (rustls with
//!   ring), so tracing brings no second HTTP or TLS stack.

mod export;
mod parent;
mod span;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime};

use http::HeaderMap;
use opentelemetry::trace::{SpanContext, TracerProvider as _};
use opentelemetry::{InstrumentationScope, KeyValue};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::{BatchSpanProcessor, Sampler, SdkTracer, SdkTracerProvider};
use switchboard_core::HttpTransport;
use switchboard_http::{ClientConfig, UpstreamClient};
use tokio::runtime::Handle;

use crate::config::{Config, ProviderConfig};

pub(crate) use span::emit;

/// The semantic conventions the spans follow.
const SCHEMA_URL: &str = "https://opentelemetry.io/schemas/1.37.0";

/// The tracer and what the spans need to know about the configured providers.
pub(crate) struct Telemetry {
    /// Kept for flushing; the tracer holds it too, and the last one dropped shuts the
    /// batch processor down (exporting what is queued, for up to 5 s).
    #[cfg_attr(not(test), expect(dead_code, reason = "read by `flush`, in tests"))]
    provider: SdkTracerProvider,
    tracer: SdkTracer,
    /// By configured provider name.
    providers: HashMap<String, ProviderFacts>,
    /// The runtime the exporter posts on: the batch processor's thread has none of its own.
    runtime: Arc<OnceLock<Handle>>,
    /// Failed exports, shared with the exporter.
    #[cfg_attr(
        not(test),
        expect(dead_code, reason = "read by `failed_exports`, in tests")
    )]
    failures: Arc<export::Warnings>,
}

/// What the conventions say about one configured provider.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ProviderFacts {
    /// `gen_ai.provider.name`: the well-known value for the adapter kind, else the kind.
    pub(crate) convention: String,
    /// `server.address` and `server.port`, when the provider's URL is configured.
    pub(crate) server: Option<(String, u16)>,
}

impl Telemetry {
    /// Builds the tracer from `[telemetry]`, or `None` when the section is absent. Called
    /// once, by `Gateway::build`, after the configuration was checked; needs no runtime
    /// (the exporter learns it from the first request).
    pub(crate) fn start(config: &Config) -> Result<Option<Arc<Self>>, String> {
        let Some(section) = &config.telemetry else {
            return Ok(None);
        };
        let url = section
            .traces_url()
            .ok_or_else(|| "telemetry.otlp_endpoint: not set, or not an http(s) URL".to_owned())?;
        let mut headers = HeaderMap::new();
        for (name, value) in &section.headers {
            let name = http::HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| format!("telemetry.headers: `{name}` is not a header name"))?;
            let mut value = http::HeaderValue::from_str(value.expose())
                .map_err(|_| format!("telemetry.headers.{name}: not a valid header value"))?;
            value.set_sensitive(true);
            headers.insert(name, value);
        }
        let client = UpstreamClient::new(&ClientConfig {
            connect_timeout: Duration::from_secs(5),
            pool_max_idle_per_host: 2,
            extra_root_certs: config.upstream.ca_certs.clone(),
            ..ClientConfig::default()
        })
        .map_err(|e| format!("telemetry: {e}"))?;
        let runtime = Arc::new(OnceLock::new());
        if let Ok(handle) = Handle::try_current() {
            let _ = runtime.set(handle);
        }
        let failures = Arc::new(export::Warnings::default());
        let exporter = export::OtlpExporter::new(
            Arc::new(client) as Arc<dyn HttpTransport>,
            url,
            headers,
            runtime.clone(),
            failures.clone(),
        );
        let resource = Resource::builder()
            .with_service_name(section.service_name.clone())
            .with_attribute(KeyValue::new("service.version", env!("CARGO_PKG_VERSION")))
            .build();
        let provider = SdkTracerProvider::builder()
            .with_span_processor(BatchSpanProcessor::builder(exporter).build())
            .with_sampler(Sampler::ParentBased(Box::new(Sampler::TraceIdRatioBased(
                section.sample_ratio,
            ))))
            .with_resource(resource)
            .build();
        let tracer = provider.tracer_with_scope(
            InstrumentationScope::builder("switchboard")
                .with_version(env!("CARGO_PKG_VERSION"))
                .with_schema_url(SCHEMA_URL)
                .build(),
        );
        let providers = config
            .providers
            .iter()
            .map(|(name, section)| (name.clone(), ProviderFacts::of(section)))
            .collect();
        Ok(Some(Arc::new(Self {
            provider,
            tracer,
            providers,
            runtime,
            failures,
        })))
    }

    /// Exports what the queue holds now, waiting up to 5 s. Blocks the calling thread: for
    /// tests (from `spawn_blocking`) and shutdown, never on a request's path.
    #[cfg(test)]
    pub(crate) fn flush(&self) {
        let _ = self.provider.force_flush();
    }

    /// Exports that failed (their batches dropped) since start.
    #[cfg(test)]
    pub(crate) fn failed_exports(&self) -> u64 {
        self.failures.total()
    }

    /// Remembers the runtime a request is served on, for the exporter.
    fn remember_runtime(&self) {
        if self.runtime.get().is_none()
            && let Ok(handle) = Handle::try_current()
        {
            let _ = self.runtime.set(handle);
        }
    }
}

impl ProviderFacts {
    /// The facts of a configured provider: its kind's name in the conventions and the host
    /// of its `base_url` (or `endpoint`), when set.
    pub(crate) fn of(section: &ProviderConfig) -> Self {
        let convention = match section.kind.as_str() {
            "azure" => "azure.ai.openai",
            "bedrock" => "aws.bedrock",
            other => other,
        };
        let server = ["base_url", "endpoint"]
            .iter()
            .find_map(|key| section.settings.get(*key)?.as_str())
            .and_then(|url| url.parse::<http::Uri>().ok())
            .and_then(|uri| {
                let host = uri.host()?.trim_matches(['[', ']']).to_owned();
                let port = uri.port_u16().unwrap_or(match uri.scheme_str() {
                    Some("http") => 80,
                    _ => 443,
                });
                Some((host, port))
            });
        Self {
            convention: convention.to_owned(),
            server,
        }
    }
}

/// A request's trace so far: begun when the request arrives, turned into a span when its
/// record closes (only for model requests).
pub struct RequestTrace {
    telemetry: Arc<Telemetry>,
    /// The caller's span, from a valid `traceparent` (and `tracestate`).
    parent: Option<SpanContext>,
    started: SystemTime,
}

impl RequestTrace {
    /// Begins a request's trace when telemetry is on: notes the time and reads the parent
    /// from `headers`. Called where the request's record starts.
    pub(crate) fn begin(telemetry: Option<&Arc<Telemetry>>, headers: &HeaderMap) -> Option<Self> {
        Some(Self {
            telemetry: telemetry?.clone(),
            parent: parent::from_headers(headers),
            started: SystemTime::now(),
        })
    }
}

impl std::fmt::Debug for RequestTrace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestTrace")
            .field("parent", &self.parent)
            .field("started", &self.started)
            .finish_non_exhaustive()
    }
}
