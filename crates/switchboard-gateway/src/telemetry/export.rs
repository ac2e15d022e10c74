//! [`OtlpExporter`]: posts batches of spans to an OTLP/HTTP collector as protobuf
//! (`application/x-protobuf`), through the gateway's own HTTP client. A batch that cannot
//! be delivered is dropped (no retry) and the failure is logged at `warn`, at most once a
//! minute with the count of those not logged; the SDK is told the export went well, so it
//! logs nothing more.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::StreamExt;
use http::HeaderMap;
use http::header::{CONTENT_TYPE, USER_AGENT};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::transform::common::tonic::ResourceAttributesWithSchema;
use opentelemetry_proto::transform::trace::tonic::group_spans_by_resource_and_scope;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SpanData, SpanExporter};
use prost::Message as _;
use switchboard_core::HttpTransport;
use tokio::runtime::Handle;

/// How long one export may take, connection included.
const EXPORT_TIMEOUT: Duration = Duration::from_secs(10);

/// The least time between two warnings about failed exports.
const WARN_EVERY: Duration = Duration::from_secs(60);

/// The exporter the batch span processor calls from its own thread, one batch at a time.
pub(super) struct OtlpExporter {
    transport: Arc<dyn HttpTransport>,
    url: http::Uri,
    headers: HeaderMap,
    resource: ResourceAttributesWithSchema,
    runtime: Arc<OnceLock<Handle>>,
    warnings: Arc<Warnings>,
}

impl OtlpExporter {
    /// An exporter posting to `url` with `headers`, on the runtime `runtime` will hold.
    pub(super) fn new(
        transport: Arc<dyn HttpTransport>,
        url: http::Uri,
        headers: HeaderMap,
        runtime: Arc<OnceLock<Handle>>,
        warnings: Arc<Warnings>,
    ) -> Self {
        Self {
            transport,
            url,
            headers,
            resource: ResourceAttributesWithSchema::default(),
            runtime,
            warnings,
        }
    }

    /// The POST that carries `batch`.
    fn request(&self, batch: Vec<SpanData>) -> Result<http::Request<Bytes>, String> {
        let body = ExportTraceServiceRequest {
            resource_spans: group_spans_by_resource_and_scope(batch, &self.resource),
        }
        .encode_to_vec();
        let mut request = http::Request::post(self.url.clone())
            .header(CONTENT_TYPE, "application/x-protobuf")
            .header(
                USER_AGENT,
                concat!("switchboard/", env!("CARGO_PKG_VERSION")),
            )
            .body(Bytes::from(body))
            .map_err(|e| format!("cannot build the request: {e}"))?;
        for (name, value) in &self.headers {
            request.headers_mut().insert(name, value.clone());
        }
        Ok(request)
    }
}

impl std::fmt::Debug for OtlpExporter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The headers may hold the collector's credentials: only their names are shown.
        f.debug_struct("OtlpExporter")
            .field("url", &self.url)
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl SpanExporter for OtlpExporter {
    fn export(&self, batch: Vec<SpanData>) -> impl Future<Output = OTelSdkResult> + Send {
        let request = self.request(batch);
        let runtime = self.runtime.get().cloned();
        let transport = self.transport.clone();
        async move {
            let delivered = match (request, runtime) {
                (Err(e), _) => Err(e),
                (Ok(_), None) => Err("no request has been served yet, so no runtime".to_owned()),
                // The batch processor's thread has no Tokio runtime: the POST runs on the
                // gateway's, and this thread waits for it.
                (Ok(request), Some(runtime)) => runtime
                    .spawn(post(transport, request))
                    .await
                    .unwrap_or_else(|e| Err(format!("the export task ended: {e}"))),
            };
            if let Err(error) = delivered {
                self.warnings.failed(&self.url, &error, Instant::now());
            }
            Ok(())
        }
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.resource = resource.into();
    }
}

/// Sends one export and reads the answer; any 2xx is a success.
async fn post(
    transport: Arc<dyn HttpTransport>,
    request: http::Request<Bytes>,
) -> Result<(), String> {
    let exchange = async {
        let response = transport
            .send(request)
            .await
            .map_err(|e| e.message().to_owned())?;
        // Read the (small) answer to the end so the connection can be reused.
        let mut body = response.body;
        while let Some(Ok(_)) = body.next().await {}
        if response.status.is_success() {
            Ok(())
        } else {
            Err(format!("the collector answered {}", response.status))
        }
    };
    tokio::time::timeout(EXPORT_TIMEOUT, exchange)
        .await
        .unwrap_or_else(|_| Err(format!("no answer within {}s", EXPORT_TIMEOUT.as_secs())))
}

/// Export failures, logged at most once per period with the count of those not logged.
pub(super) struct Warnings {
    every: Duration,
    /// When the last warning went out, and how many failures were not logged since.
    state: Mutex<(Option<Instant>, u64)>,
    /// Failed exports (batches dropped) since start.
    total: AtomicU64,
}

impl Default for Warnings {
    /// A warning a minute at most.
    fn default() -> Self {
        Self::new(WARN_EVERY)
    }
}

impl Warnings {
    pub(super) fn new(every: Duration) -> Self {
        Self {
            every,
            state: Mutex::new((None, 0)),
            total: AtomicU64::new(0),
        }
    }

    /// Failed exports since start.
    #[cfg(test)]
    pub(super) fn total(&self) -> u64 {
        self.total.load(Ordering::Relaxed)
    }

    /// Records a failure at `now`; logs it unless a warning went out less than a period
    /// ago. Returns whether it logged.
    pub(super) fn failed(&self, url: &http::Uri, error: &str, now: Instant) -> bool {
        self.total.fetch_add(1, Ordering::Relaxed);
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let (last, unlogged) = &mut *state;
        if last.is_some_and(|at| now.saturating_duration_since(at) < self.every) {
            *unlogged += 1;
            return false;
        }
        *last = Some(now);
        let not_logged = std::mem::take(unlogged);
        drop(state);
        tracing::warn!(
            target: "switchboard::telemetry",
            collector = %url,
            error,
            failures_not_logged = not_logged,
            "OpenTelemetry export failed; the batch of spans was dropped"
        );
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_are_logged_at_most_once_a_period() {
        let warnings = Warnings::new(Duration::from_secs(60));
        let url: http::Uri = "http://127.0.0.1:4318/v1/traces".parse().unwrap();
        let t0 = Instant::now();
        assert!(warnings.failed(&url, "refused", t0));
        assert!(!warnings.failed(&url, "refused", t0 + Duration::from_secs(1)));
        assert!(!warnings.failed(&url, "refused", t0 + Duration::from_secs(59)));
        assert_eq!(warnings.state.lock().unwrap().1, 2);
        assert!(warnings.failed(&url, "refused", t0 + Duration::from_secs(60)));
        assert_eq!(
            warnings.state.lock().unwrap().1,
            0,
            "the count was reported"
        );
        assert_eq!(warnings.total(), 4);
    }
}
