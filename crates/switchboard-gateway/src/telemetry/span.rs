//! The span of one model request, made from its closed record: the name, the kind and the
//! attributes of the GenAI semantic conventions, plus switchboard's own.

use std::time::SystemTime;

use opentelemetry::trace::{Span as _, SpanKind, Status, TraceContextExt, Tracer as _};
use opentelemetry::{Context, KeyValue};

use super::ProviderFacts;
use crate::access_log::RequestLog;

/// Ends the request's trace as a span, when telemetry is on and the request was a model
/// request. Called once, when the record closes; never blocks (the span joins the batch
/// processor's queue, or is dropped and counted when the queue is full).
pub(crate) fn emit(log: &mut RequestLog, cost_usd: Option<f64>) {
    let Some(trace) = log.trace.take() else {
        return;
    };
    let Some(operation) = operation(log.endpoint) else {
        return;
    };
    let telemetry = &trace.telemetry;
    telemetry.remember_runtime();
    let facts = log
        .provider
        .as_deref()
        .and_then(|name| telemetry.providers.get(name));
    let name = match &log.model {
        Some(model) => format!("{operation} {model}"),
        None => operation.to_owned(),
    };
    let error = error_type(log);
    let attributes = attributes(log, operation, facts, error.as_deref(), cost_usd);
    let parent = match trace.parent {
        Some(remote) => Context::new().with_remote_span_context(remote),
        None => Context::new(),
    };
    let tracer = &telemetry.tracer;
    let mut span = tracer
        .span_builder(name)
        .with_kind(SpanKind::Client)
        .with_start_time(trace.started)
        .with_attributes(attributes)
        .start_with_context(tracer, &parent);
    if let Some(error) = error {
        span.set_status(Status::error(log.error.clone().unwrap_or(error)));
    }
    span.end_with_timestamp(SystemTime::now().max(trace.started));
}

/// `gen_ai.operation.name` for an endpoint; `None` for requests that are not model calls.
pub(crate) fn operation(endpoint: &str) -> Option<&'static str> {
    match endpoint {
        // The Responses API is a chat in the conventions' terms.
        "chat_completions" | "responses" => Some("chat"),
        "completions" => Some("text_completion"),
        _ => None,
    }
}

/// `error.type` for a request that failed: its error class, how a stream ended, or the
/// status code; `None` for a success.
pub(crate) fn error_type(log: &RequestLog) -> Option<String> {
    if let Some(class) = log.error_class {
        return Some(class.to_owned());
    }
    match log.outcome {
        "ok" | "error" if log.status < 400 => None,
        "ok" | "error" => Some(log.status.to_string()),
        other => Some(other.to_owned()),
    }
}

/// The model that answered: the deployment's upstream id, else the rest of the name on a
/// prefix route, else the route; `None` when nothing answered.
fn response_model(log: &RequestLog) -> Option<String> {
    if log.status >= 400 || log.attempts == 0 {
        return None;
    }
    if let Some(upstream) = log
        .attempt
        .as_ref()
        .and_then(|a| a.deployment().upstream.as_deref())
    {
        return Some(upstream.to_owned());
    }
    let route = log.route.as_deref()?;
    let rest = route
        .strip_suffix('*')
        .and_then(|prefix| log.model.as_deref()?.strip_prefix(prefix))
        .filter(|rest| !rest.is_empty());
    Some(rest.unwrap_or(route).to_owned())
}

/// The span's attributes.
pub(crate) fn attributes(
    log: &RequestLog,
    operation: &'static str,
    facts: Option<&ProviderFacts>,
    error: Option<&str>,
    cost_usd: Option<f64>,
) -> Vec<KeyValue> {
    let int = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    let mut out = vec![KeyValue::new("gen_ai.operation.name", operation)];
    if let Some(facts) = facts {
        out.push(KeyValue::new(
            "gen_ai.provider.name",
            facts.convention.clone(),
        ));
        if let Some((host, port)) = &facts.server {
            out.push(KeyValue::new("server.address", host.clone()));
            out.push(KeyValue::new("server.port", i64::from(*port)));
        }
    }
    if let Some(model) = &log.model {
        out.push(KeyValue::new("gen_ai.request.model", model.clone()));
    }
    if let Some(model) = response_model(log) {
        out.push(KeyValue::new("gen_ai.response.model", model));
    }
    if let Some(usage) = &log.usage {
        out.push(KeyValue::new(
            "gen_ai.usage.input_tokens",
            int(usage.prompt_tokens),
        ));
        out.push(KeyValue::new(
            "gen_ai.usage.output_tokens",
            int(usage.completion_tokens),
        ));
        let cached = usage.cached_tokens();
        if cached > 0 {
            out.push(KeyValue::new(
                "gen_ai.usage.cache_read.input_tokens",
                int(cached),
            ));
        }
    }
    if let Some(error) = error {
        out.push(KeyValue::new("error.type", error.to_owned()));
    }
    if log.status != 0 {
        out.push(KeyValue::new(
            "http.response.status_code",
            i64::from(log.status),
        ));
    }
    out.push(KeyValue::new(
        "switchboard.request_id",
        log.request_id.to_string(),
    ));
    let names = [
        ("switchboard.route", &log.route),
        ("switchboard.provider", &log.provider),
        ("switchboard.deployment", &log.deployment),
    ];
    for (key, value) in names {
        if let Some(value) = value {
            out.push(KeyValue::new(key, value.to_string()));
        }
    }
    if let Some(key) = &log.key {
        out.push(KeyValue::new("switchboard.key", key.name.to_string()));
    }
    out.push(KeyValue::new(
        "switchboard.attempts",
        i64::from(log.attempts),
    ));
    out.push(KeyValue::new("switchboard.fallback", log.fallback));
    out.push(KeyValue::new("switchboard.stream", log.stream));
    out.push(KeyValue::new("switchboard.tokens_estimated", log.estimated));
    if let Some(cost) = cost_usd {
        out.push(KeyValue::new("switchboard.cost_usd", cost));
    }
    out
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn log(endpoint: &'static str) -> RequestLog {
        let mut log = RequestLog::start(Arc::from("req-1"), http::Method::POST, "/v1/x");
        log.endpoint = endpoint;
        log
    }

    fn value<'a>(attributes: &'a [KeyValue], key: &str) -> Option<&'a opentelemetry::Value> {
        attributes
            .iter()
            .find(|kv| kv.key.as_str() == key)
            .map(|kv| &kv.value)
    }

    #[test]
    fn operations_follow_the_endpoint() {
        assert_eq!(operation("chat_completions"), Some("chat"));
        assert_eq!(operation("responses"), Some("chat"));
        assert_eq!(operation("completions"), Some("text_completion"));
        assert_eq!(operation("other"), None);
    }

    #[test]
    fn the_error_type_is_the_class_else_the_ending_else_the_status() {
        let mut l = log("chat_completions");
        l.status = 200;
        assert_eq!(error_type(&l), None);
        l.outcome = "stream_error";
        assert_eq!(error_type(&l).as_deref(), Some("stream_error"));
        l.outcome = "error";
        l.status = 503;
        assert_eq!(error_type(&l).as_deref(), Some("503"));
        l.error_class = Some("transient");
        assert_eq!(error_type(&l).as_deref(), Some("transient"));
    }

    #[test]
    fn a_prefix_route_answers_with_the_rest_of_the_name() {
        let mut l = log("chat_completions");
        l.status = 200;
        l.attempts = 1;
        l.model = Some("openai/gpt-4o".into());
        l.route = Some(Arc::from("openai/*"));
        assert_eq!(response_model(&l).as_deref(), Some("gpt-4o"));
        l.route = Some(Arc::from("fast"));
        assert_eq!(response_model(&l).as_deref(), Some("fast"));
        l.status = 502;
        assert_eq!(response_model(&l), None);
    }

    #[test]
    fn failures_carry_the_error_type_and_no_usage() {
        let mut l = log("completions");
        l.status = 404;
        l.model = Some("nope".into());
        let facts = ProviderFacts {
            convention: "openai".into(),
            server: Some(("api.openai.com".into(), 443)),
        };
        let attrs = attributes(&l, "text_completion", Some(&facts), Some("caller"), None);
        assert_eq!(
            value(&attrs, "error.type").map(|v| v.as_str().into_owned()),
            Some("caller".into())
        );
        assert_eq!(
            value(&attrs, "http.response.status_code"),
            Some(&opentelemetry::Value::I64(404))
        );
        assert_eq!(
            value(&attrs, "server.address").map(|v| v.as_str().into_owned()),
            Some("api.openai.com".into())
        );
        assert!(value(&attrs, "gen_ai.usage.input_tokens").is_none());
        assert!(value(&attrs, "gen_ai.response.model").is_none());
        assert!(value(&attrs, "switchboard.cost_usd").is_none());
    }

    #[test]
    fn provider_facts_name_well_known_systems_and_their_hosts() {
        let section = |kind: &str, settings: serde_json::Value| crate::config::ProviderConfig {
            kind: kind.into(),
            connect_timeout: None,
            first_byte_timeout: None,
            total_timeout: None,
            settings: settings.as_object().cloned().unwrap_or_default(),
        };
        let facts = ProviderFacts::of(&section(
            "azure",
            serde_json::json!({"endpoint": "https://r.openai.azure.com"}),
        ));
        assert_eq!(facts.convention, "azure.ai.openai");
        assert_eq!(facts.server, Some(("r.openai.azure.com".into(), 443)));
        let facts = ProviderFacts::of(&section(
            "openai",
            serde_json::json!({"base_url": "http://127.0.0.1:8000/v1"}),
        ));
        assert_eq!(facts.convention, "openai");
        assert_eq!(facts.server, Some(("127.0.0.1".into(), 8000)));
        let facts = ProviderFacts::of(&section("bedrock", serde_json::json!({})));
        assert_eq!(facts.convention, "aws.bedrock");
        assert_eq!(facts.server, None);
        assert_eq!(
            ProviderFacts::of(&section("mock", serde_json::json!({}))).convention,
            "mock"
        );
    }
}
