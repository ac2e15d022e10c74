//! The small endpoints: `/health`, `/ready`, `/metrics`, `GET /v1/models`,
//! `GET /v1/models/{id}`.

use std::collections::HashSet;
use std::time::Duration;

use http::{Response, StatusCode};
use switchboard_core::{CallContext, GatewayError, Model, ModelList};

use crate::body::ResponseBody;
use crate::routing::BreakerState;
use crate::{Gateway, metrics, respond};

/// How long `/v1/models` waits for a provider's own list.
const LIST_TIMEOUT: Duration = Duration::from_secs(5);

/// `GET /health`: the process is up. No auth.
pub fn health() -> Response<ResponseBody> {
    respond::json(StatusCode::OK, &br#"{"status":"ok"}"#[..])
}

/// `GET /ready`: 200 while serving, 503 once shutdown has begun. No auth.
pub fn ready(gateway: &Gateway) -> Response<ResponseBody> {
    if gateway.is_draining() {
        respond::error(&GatewayError::unavailable("the gateway is shutting down"))
    } else {
        respond::json(StatusCode::OK, &br#"{"status":"ready"}"#[..])
    }
}

/// `GET /v1/models`: the configured names, then what each prefix route's provider lists
/// (with the route's prefix in front). A provider that fails to list is skipped and logged.
pub async fn list_models(
    gateway: &Gateway,
    request_id: &std::sync::Arc<str>,
) -> Response<ResponseBody> {
    let router = gateway.router();
    let mut seen = HashSet::new();
    let mut data = Vec::new();
    for (name, route) in router.listed() {
        if seen.insert(name.to_owned()) {
            data.push(Model::new(name, route.owner()));
        }
    }
    let cx = CallContext {
        request_id: request_id.clone(),
    };
    // Each prefix route lists what its deployments' providers serve, behind its prefix.
    let sources = router.prefix_routes().flat_map(|route| {
        route
            .deployments
            .iter()
            .map(move |d| (route.prefix.as_deref().unwrap_or_default(), &d.provider))
    });
    let lists = futures_util::future::join_all(sources.map(|(prefix, provider)| {
        let cx = cx.clone();
        async move {
            let listed =
                tokio::time::timeout(LIST_TIMEOUT, provider.adapter.list_models(&cx)).await;
            (prefix, provider, listed)
        }
    }))
    .await;
    for (prefix, provider, listed) in lists {
        match listed {
            Ok(Ok(models)) => {
                for mut model in models {
                    model.id = format!("{prefix}{}", model.id);
                    model.owned_by = provider.name.to_string();
                    if seen.insert(model.id.clone()) {
                        data.push(model);
                    }
                }
            }
            Ok(Err(e)) => {
                tracing::warn!(provider = %provider.name, error = %e, "could not list models")
            }
            Err(_) => tracing::warn!(provider = %provider.name, "listing models timed out"),
        }
    }
    respond::json_value(StatusCode::OK, &ModelList::new(data))
}

/// `GET /v1/models/{id}`: the model if a route serves it, else 404.
pub fn get_model(gateway: &Gateway, id: &str) -> Result<Response<ResponseBody>, GatewayError> {
    let resolved = gateway
        .router()
        .resolve_exactly(id)
        .ok_or_else(|| GatewayError::model_not_found(id))?;
    let model = Model::new(id, resolved.route.owner());
    Ok(respond::json_value(StatusCode::OK, &model))
}

/// `GET /metrics`: Prometheus text; each deployment's breaker state is read now.
pub fn metrics(gateway: &Gateway) -> Response<ResponseBody> {
    let metrics = gateway.metrics();
    let now = tokio::time::Instant::now();
    for route in gateway.router().routes() {
        for deployment in &route.deployments {
            let state = match deployment.health.breaker.state(now) {
                BreakerState::Closed => metrics::BreakerState::Closed,
                BreakerState::HalfOpen => metrics::BreakerState::HalfOpen,
                BreakerState::Open => metrics::BreakerState::Open,
            };
            metrics.breaker(&deployment.provider.name, &deployment.label, state);
        }
    }
    let mut text = metrics.render();
    let failures =
        crate::access_log::FAILED_USAGE_WRITES.load(std::sync::atomic::Ordering::Relaxed);
    text.push_str(&format!(
        "# HELP switchboard_usage_write_failures_total Usage records that could not be written to the state database.\n\
         # TYPE switchboard_usage_write_failures_total counter\n\
         switchboard_usage_write_failures_total {failures}\n"
    ));
    let mut response = Response::new(ResponseBody::full(bytes::Bytes::from(text)));
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static(metrics::CONTENT_TYPE),
    );
    response
}
