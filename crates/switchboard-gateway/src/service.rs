//! The request entry point: request id, routing by method and path, auth, the handler,
//! and the error rendering that every failure goes through.

use http::header::{ALLOW, HeaderName, HeaderValue};
use http::{HeaderMap, Method, Request, Response};
use switchboard_core::GatewayError;

use crate::access_log::RequestLog;
use crate::body::ResponseBody;
use crate::{Gateway, auth, handlers, request_id, respond, upstream_clock, virtual_keys};

/// The endpoints. Paths are also served without the `/v1` prefix, because many clients
/// are configured with a base URL that lacks it.
enum Endpoint<'a> {
    ChatCompletions,
    Completions,
    Responses,
    Response(&'a str),
    ResponseInputItems(&'a str),
    Models,
    Model(&'a str),
    Health,
    Ready,
    Metrics,
    /// `/admin/...`: the admin API, which checks its own key and methods.
    Admin,
}

impl Endpoint<'_> {
    /// The methods the endpoint answers (HEAD comes with GET).
    fn methods(&self) -> &'static [Method] {
        match self {
            Endpoint::ChatCompletions | Endpoint::Completions | Endpoint::Responses => {
                &[Method::POST]
            }
            Endpoint::Response(_) => &[Method::GET, Method::DELETE],
            _ => &[Method::GET],
        }
    }
}

impl Gateway {
    /// Answers one request. Never fails: errors become OpenAI-shaped error responses.
    pub async fn handle<B>(&self, request: Request<B>) -> Response<ResponseBody>
    where
        B: http_body::Body<Data = bytes::Bytes> + Send,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let id = request_id::take_or_make(request.headers());
        let mut log = RequestLog::start(id.clone(), request.method().clone(), request.uri().path());
        log.metrics = Some(self.inner.metrics.clone());
        log.state = Some(self.inner.state.clone());
        #[cfg(feature = "otel")]
        {
            log.trace = crate::telemetry::RequestTrace::begin(
                self.inner.telemetry.as_ref(),
                request.headers(),
            );
        }
        // Boxed: the dispatch future holds every endpoint's state (about 7 KiB); inline,
        // each future around it (the clock's scope, this one, hyper's slot for it) would
        // hold and copy it again (49 KiB for this one).
        let dispatch = Box::pin(self.dispatch(request, &mut log));
        let (result, waited) = upstream_clock::measure(dispatch).await;
        log.upstream_wait += waited;
        let mut response = match result {
            Ok(response) => response,
            Err(err) => {
                log.outcome = "error";
                log.error = Some(err.message().to_owned());
                log.error_class = Some(err.class().as_str());
                respond::error(&err)
            }
        };
        log.status = response.status().as_u16();
        if log.is_live() {
            // Not a committed stream (those record at their end): the usage record is
            // durable before the client gets the response.
            log.record_durably().await;
        }
        let headers = response.headers_mut();
        if let Ok(value) = HeaderValue::from_str(&id) {
            headers.insert(request_id::HEADER, value);
        }
        route_headers(&log, headers);
        // Health, limits and metrics now; the log line once the response is out.
        log.close_after_response();
        response
    }

    async fn dispatch<B>(
        &self,
        request: Request<B>,
        log: &mut RequestLog,
    ) -> Result<Response<ResponseBody>, GatewayError>
    where
        B: http_body::Body<Data = bytes::Bytes> + Send,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let method = request.method().clone();
        let path = request.uri().path().to_owned();
        let endpoint =
            endpoint(&path).ok_or_else(|| GatewayError::unknown_path(method.as_str(), &path))?;
        if let Endpoint::Admin = endpoint {
            // Before the method and gateway-key checks: the admin API has its own key (a
            // gateway key never opens it), its own methods, and is a 404 when it is off.
            log.endpoint = "admin";
            return crate::admin::serve(self, request).await;
        }
        let allowed = endpoint.methods();
        // HEAD is GET without a body (hyper drops the body on the wire).
        let head_as_get = method == Method::HEAD && allowed.contains(&Method::GET);
        if !allowed.contains(&method) && !head_as_get {
            let allow = allowed
                .iter()
                .map(Method::as_str)
                .collect::<Vec<_>>()
                .join(", ");
            let mut headers = HeaderMap::new();
            if let Ok(value) = HeaderValue::from_str(&allow) {
                headers.insert(ALLOW, value);
            }
            return Err(
                GatewayError::method_not_allowed(method.as_str(), &path).with_headers(headers)
            );
        }
        match endpoint {
            Endpoint::Health => return Ok(handlers::health()),
            Endpoint::Ready => return Ok(handlers::ready(self)),
            _ => {}
        }
        log.key = match auth::presented_key(request.headers()) {
            Some(key) if virtual_keys::is_virtual(key) => {
                Some(virtual_keys::resolve(self, key).await?)
            }
            _ => self.inner.keys.check(request.headers())?,
        };
        match endpoint {
            Endpoint::ChatCompletions | Endpoint::Completions | Endpoint::Responses => {
                self.admit_key(log)?;
            }
            _ => {}
        }
        match endpoint {
            Endpoint::ChatCompletions => {
                log.endpoint = "chat_completions";
                crate::chat::serve(self, request, log).await
            }
            Endpoint::Completions => {
                log.endpoint = "completions";
                crate::completions::serve(self, request, log).await
            }
            Endpoint::Responses => {
                log.endpoint = "responses";
                crate::responses::create(self, request, log).await
            }
            Endpoint::Metrics => Ok(handlers::metrics(self)),
            Endpoint::Response(id) if method == Method::DELETE => {
                crate::responses::delete(self, &percent_decode(id)).await
            }
            Endpoint::Response(id) => crate::responses::get(self, &percent_decode(id)).await,
            Endpoint::ResponseInputItems(id) => {
                let query = request.uri().query().unwrap_or_default().to_owned();
                crate::responses::input_items(self, &percent_decode(id), &query).await
            }
            Endpoint::Models => Ok(handlers::list_models(self, &log.request_id).await),
            Endpoint::Model(id) => handlers::get_model(self, &percent_decode(id)),
            Endpoint::Health | Endpoint::Ready | Endpoint::Admin => {
                Err(GatewayError::internal("unreachable route"))
            }
        }
    }

    /// Admits a model request under its named key's limits (the model's own come later).
    fn admit_key(&self, log: &mut RequestLog) -> Result<(), GatewayError> {
        let Some(limits) = log.key.as_ref().and_then(|k| k.limits.as_ref()) else {
            return Ok(());
        };
        match limits.admit(tokio::time::Instant::now()) {
            Ok(permit) => {
                log.permits.push(permit);
                Ok(())
            }
            Err((kind, err)) => {
                self.inner
                    .metrics
                    .limit_hit(kind.as_str(), limits.kind().as_str());
                Err(err)
            }
        }
    }
}

// The route headers' names, built at compile time: a name given as a `&str` is parsed and
// checked on every insert (about 4,500 instructions a request for these six).
const MODEL_HEADER: HeaderName = HeaderName::from_static("x-switchboard-model");
const PROVIDER_HEADER: HeaderName = HeaderName::from_static("x-switchboard-provider");
const DEPLOYMENT_HEADER: HeaderName = HeaderName::from_static("x-switchboard-deployment");
const ATTEMPTS_HEADER: HeaderName = HeaderName::from_static("x-switchboard-attempts");
const FALLBACK_HEADER: HeaderName = HeaderName::from_static("x-switchboard-fallback");
const OVERHEAD_HEADER: HeaderName = HeaderName::from_static("x-switchboard-overhead-ms");

/// The headers that say how a model request was served: the model route, provider and
/// deployment of the last attempt, the number of attempts, whether a fallback served it,
/// and the gateway's own time until the response (or a stream's first byte) was ready.
fn route_headers(log: &RequestLog, headers: &mut HeaderMap) {
    if log.attempts == 0 {
        return;
    }
    let mut put = |name: HeaderName, value: &str| {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(name, value);
        }
    };
    if let Some(route) = &log.route {
        put(MODEL_HEADER, route);
    }
    if let Some(provider) = &log.provider {
        put(PROVIDER_HEADER, provider);
    }
    if let Some(deployment) = &log.deployment {
        put(DEPLOYMENT_HEADER, deployment);
    }
    headers.insert(ATTEMPTS_HEADER, HeaderValue::from(log.attempts));
    headers.insert(
        FALLBACK_HEADER,
        HeaderValue::from_static(if log.fallback { "true" } else { "false" }),
    );
    if let Ok(value) = HeaderValue::from_str(&millis_3(log.overhead())) {
        headers.insert(OVERHEAD_HEADER, value);
    }
}

/// A duration in milliseconds with three decimals (to the nearest microsecond), without
/// float formatting: this runs for every request.
fn millis_3(duration: std::time::Duration) -> String {
    let micros = (duration.as_nanos() + 500) / 1000;
    let mut text = String::with_capacity(16);
    text.push_str(itoa::Buffer::new().format(micros / 1000));
    text.push('.');
    let fraction = (micros % 1000) as u16;
    text.push_str(&itoa::Buffer::new().format(1000 + fraction)[1..]);
    text
}

fn endpoint(path: &str) -> Option<Endpoint<'_>> {
    match path {
        "/health" => return Some(Endpoint::Health),
        "/ready" => return Some(Endpoint::Ready),
        "/metrics" => return Some(Endpoint::Metrics),
        _ if path.starts_with("/admin/") => return Some(Endpoint::Admin),
        _ => {}
    }
    let rest = path.strip_prefix("/v1").unwrap_or(path);
    match rest {
        "/chat/completions" => return Some(Endpoint::ChatCompletions),
        "/completions" => return Some(Endpoint::Completions),
        "/responses" => return Some(Endpoint::Responses),
        "/models" => return Some(Endpoint::Models),
        _ => {}
    }
    if let Some(id) = rest.strip_prefix("/models/").filter(|id| !id.is_empty()) {
        return Some(Endpoint::Model(id));
    }
    let id = rest.strip_prefix("/responses/")?;
    match id.strip_suffix("/input_items") {
        Some(id) if !id.is_empty() && !id.contains('/') => Some(Endpoint::ResponseInputItems(id)),
        // `compact` and `input_tokens` are OpenAI endpoints we do not serve, not ids.
        _ if !id.is_empty() && !id.contains('/') && !matches!(id, "compact" | "input_tokens") => {
            Some(Endpoint::Response(id))
        }
        _ => None,
    }
}

/// Decodes `%XX` escapes (model ids may hold `/` or `:`); invalid escapes stay as they are.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(b) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overhead_millis_have_three_decimals_rounded_to_the_microsecond() {
        use std::time::Duration;
        for (nanos, text) in [
            (0, "0.000"),
            (499, "0.000"),
            (500, "0.001"),
            (1_000, "0.001"),
            (999_499, "0.999"),
            // Half a microsecond rounds up (float formatting of 0.9995 gives 0.999).
            (999_500, "1.000"),
            (1_234_567, "1.235"),
            (12_000_000, "12.000"),
            (98_765_432_100, "98765.432"),
        ] {
            assert_eq!(millis_3(Duration::from_nanos(nanos)), text, "{nanos} ns");
        }
    }

    #[test]
    fn decodes_escapes_and_keeps_bad_ones() {
        assert_eq!(percent_decode("Qwen%2FQwen3-8B"), "Qwen/Qwen3-8B");
        assert_eq!(percent_decode("a%3Ab"), "a:b");
        assert_eq!(percent_decode("50%"), "50%");
        assert_eq!(percent_decode("%zz"), "%zz");
    }

    #[test]
    fn paths_with_and_without_v1() {
        assert!(matches!(
            endpoint("/v1/chat/completions"),
            Some(Endpoint::ChatCompletions)
        ));
        assert!(matches!(
            endpoint("/chat/completions"),
            Some(Endpoint::ChatCompletions)
        ));
        assert!(matches!(
            endpoint("/v1/models/a/b"),
            Some(Endpoint::Model("a/b"))
        ));
        assert!(endpoint("/v1/models/").is_none());
        assert!(matches!(
            endpoint("/v1/completions"),
            Some(Endpoint::Completions)
        ));
        assert!(matches!(
            endpoint("/v1/responses"),
            Some(Endpoint::Responses)
        ));
        assert!(matches!(
            endpoint("/v1/responses/resp_1"),
            Some(Endpoint::Response("resp_1"))
        ));
        assert!(matches!(
            endpoint("/responses/resp_1/input_items"),
            Some(Endpoint::ResponseInputItems("resp_1"))
        ));
        assert!(endpoint("/v1/responses/").is_none());
        assert!(endpoint("/v1/responses/compact").is_none());
        assert!(endpoint("/v1/responses/a/b").is_none());
        assert!(endpoint("/v1/embeddings").is_none());
    }
}
