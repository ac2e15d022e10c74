//! Checking a provider with a minimal call: what `switchboard doctor` runs for every
//! provider. The call is a one-word chat completion with a tiny output limit to a model the
//! provider serves (a model routed to it), or, for a provider reached only through prefix
//! routes, its model list. The report says how long it took, or the upstream's exact error
//! and the likely fix for the common mistakes.

use std::sync::Arc;
use std::time::Duration;

use switchboard_core::chat::{ChatMessage, ChatRequest};
use switchboard_core::{CallContext, GatewayError};
use tokio::time::{Instant, timeout};

use crate::Gateway;
use crate::routing::Provider;

/// The longest a probe waits.
const PROBE_TIMEOUT: Duration = Duration::from_secs(30);

/// What one provider answered.
#[derive(Debug, Clone)]
pub struct ProbeReport {
    /// The provider's configured name.
    pub provider: String,
    /// Its adapter kind.
    pub kind: &'static str,
    /// What was called: `chat <upstream model>` or `list models`.
    pub call: String,
    /// How long the call took.
    pub latency: Duration,
    /// The error, when it failed: status, code and the upstream's message.
    pub error: Option<ProbeError>,
}

/// A failed probe.
#[derive(Debug, Clone)]
pub struct ProbeError {
    /// The HTTP status the gateway would answer with.
    pub status: u16,
    /// The error code, if any.
    pub code: Option<String>,
    /// The upstream's message (credentials already scrubbed by the adapter).
    pub message: String,
    /// The likely fix.
    pub hint: Option<&'static str>,
}

impl ProbeReport {
    /// True when the provider answered.
    pub fn ok(&self) -> bool {
        self.error.is_none()
    }
}

impl Gateway {
    /// The providers that routes use, once each, in routing order.
    fn routed_providers(&self) -> Vec<(Arc<Provider>, Option<Arc<str>>)> {
        let mut out: Vec<(Arc<Provider>, Option<Arc<str>>)> = Vec::new();
        for route in self.router().routes() {
            for deployment in &route.deployments {
                let known = out
                    .iter_mut()
                    .find(|(p, _)| Arc::ptr_eq(p, &deployment.provider));
                match known {
                    // Prefer a concrete model over a prefix route's list.
                    Some((_, model)) if model.is_none() => model.clone_from(&deployment.upstream),
                    Some(_) => {}
                    None => out.push((deployment.provider.clone(), deployment.upstream.clone())),
                }
            }
        }
        out
    }

    /// Probes every provider a route uses, all at once.
    pub async fn probe_all(&self) -> Vec<ProbeReport> {
        let probes = self
            .routed_providers()
            .into_iter()
            .map(|(provider, model)| probe(provider, model));
        futures_util::future::join_all(probes).await
    }

    /// Probes the provider named `name`: one a route uses (with a model it serves), else
    /// one defined but unrouted (the probe then lists its models); `None` if there is none.
    pub async fn probe(&self, name: &str) -> Option<ProbeReport> {
        let routed = self
            .routed_providers()
            .into_iter()
            .find(|(p, _)| &*p.name == name);
        let (provider, model) = match routed {
            Some(pair) => pair,
            None => (self.inner.catalog.provider(name).await?, None),
        };
        Some(probe(provider, model).await)
    }
}

async fn probe(provider: Arc<Provider>, model: Option<Arc<str>>) -> ProbeReport {
    let cx = CallContext {
        request_id: "probe".into(),
    };
    let adapter = provider.adapter.clone();
    let started = Instant::now();
    let (call, result) = match &model {
        Some(model) => {
            let request = ChatRequest {
                model: model.to_string(),
                messages: vec![ChatMessage::user("ping")],
                max_completion_tokens: Some(16),
                ..ChatRequest::default()
            };
            let answer = timeout(PROBE_TIMEOUT, adapter.chat(&cx, request)).await;
            (format!("chat {model}"), answer.map(|r| r.map(|_| ())))
        }
        None => {
            let answer = timeout(PROBE_TIMEOUT, adapter.list_models(&cx)).await;
            ("list models".to_owned(), answer.map(|r| r.map(|_| ())))
        }
    };
    let error = match result {
        Ok(Ok(())) => None,
        Ok(Err(e)) => Some(explain(&e)),
        Err(_) => Some(explain(&GatewayError::gateway_timeout(
            "probe",
            PROBE_TIMEOUT,
        ))),
    };
    ProbeReport {
        provider: provider.name.to_string(),
        kind: adapter.kind(),
        call,
        latency: started.elapsed(),
        error,
    }
}

/// The fix for a model the upstream does not know.
const MODEL_MISSING: &str = "the upstream does not know this model: check `model` in [[models]] \
                             (is it deployed, pulled or spelled as the provider spells it?)";

/// The error with the likely fix for the common mistakes.
fn explain(e: &GatewayError) -> ProbeError {
    let status = e.status().as_u16();
    let code = e.code().map(str::to_owned);
    let message = e.message().to_owned();
    let lower = message.to_ascii_lowercase();
    let hint = match (status, code.as_deref()) {
        (401 | 403, _) | (_, Some("invalid_api_key")) => Some(
            "the upstream refused the credentials: check the provider's api_key (and that the \
             environment variable it names is set)",
        ),
        (_, Some("model_not_found")) => Some(MODEL_MISSING),
        (404, _) if lower.contains("model") => Some(MODEL_MISSING),
        (404 | 405, _) => Some(
            "the URL was not found: check base_url (most OpenAI-compatible servers want it to \
             end in /v1)",
        ),
        (504, _) => Some(
            "no answer in time: the server is overloaded, or base_url points at something that \
             accepts connections but does not answer HTTP",
        ),
        (502, _) if lower.contains("connect") || lower.contains("refused") => Some(
            "could not connect: check base_url's host and port, and that the server is running",
        ),
        (502, _) if lower.contains("certificate") || lower.contains("tls") => {
            Some("TLS failed: a private or corporate CA must be listed in upstream.ca_certs")
        }
        _ => None,
    };
    ProbeError {
        status,
        code,
        message,
        hint,
    }
}
