//! Routing and resilience end to end: several local upstreams per test, each failing its
//! own way or healthy, and the gateway's retries, fallbacks, breakers, limits, policy and
//! metrics seen from outside (status, headers, what each upstream received).

mod accounting;
mod breaker;
mod doctor;
mod failover;
mod fallbacks;
mod limits;
mod metrics;
mod policy;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::json;
use tests::fixtures::{CHAT_BASIC_RESPONSE, CHAT_STREAMING_SSE};
use tests::{Reply, Upstream};

/// A chat request body for `model`.
pub(crate) fn chat(model: &str, stream: bool) -> String {
    json!({"model": model, "stream": stream,
        "messages": [{"role": "user", "content": "Hi"}]})
    .to_string()
}

/// An upstream answering OpenAI's recorded chat completion (its recorded stream to a
/// streaming request).
pub(crate) async fn healthy() -> Upstream {
    Upstream::start(|seen| {
        if seen.json()["stream"] == true {
            Reply::sse(CHAT_STREAMING_SSE)
        } else {
            Reply::json(CHAT_BASIC_RESPONSE)
        }
    })
    .await
}

/// An upstream answering `status` with an OpenAI error body, always.
pub(crate) async fn failing(status: u16, code: &'static str) -> Upstream {
    Upstream::start(move |_| Reply::status_json(status, error_body(code))).await
}

/// OpenAI's error body with `code`.
pub(crate) fn error_body(code: &str) -> String {
    json!({"error": {"message": format!("upstream says {code}"), "type": "server_error",
        "param": null, "code": code}})
    .to_string()
}

/// An upstream that answers `first` to its first `n` requests, then OpenAI's recorded
/// completion.
pub(crate) async fn failing_first(
    n: usize,
    first: impl Fn() -> Reply + Send + Sync + 'static,
) -> Upstream {
    let count = Arc::new(AtomicUsize::new(0));
    Upstream::start(move |_| {
        if count.fetch_add(1, Ordering::SeqCst) < n {
            first()
        } else {
            Reply::json(CHAT_BASIC_RESPONSE)
        }
    })
    .await
}

/// A base URL nothing listens on (a port bound, then released).
pub(crate) fn refused_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}/v1")
}

/// A `[providers.NAME]` section of kind openai at `base_url`.
pub(crate) fn provider(name: &str, base_url: &str) -> String {
    format!(
        "[providers.{name}]\nkind = \"openai\"\nbase_url = \"{base_url}\"\napi_key = \"sk-test-{name}\"\n"
    )
}

/// Model `m` served by provider `first` and, when `first` is unavailable, by `second`
/// (priority 1), both with upstream id `x`.
pub(crate) fn preferred_then(first: &str, second: &str) -> String {
    format!(
        "\n[[models]]\nname = \"m\"\n[[models.deployments]]\nprovider = \"{first}\"\nmodel = \"x\"\n[[models.deployments]]\nprovider = \"{second}\"\nmodel = \"x\"\npriority = 1\n"
    )
}

/// A response header as text.
pub(crate) fn header<'a>(reply: &'a tests::ClientReply, name: &str) -> &'a str {
    reply
        .headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}
