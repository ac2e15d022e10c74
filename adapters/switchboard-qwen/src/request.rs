//! Our chat request → DashScope's: roles, thinking switches, fields it does not take.
//!
//! The body stays OpenAI-shaped (the OpenAI client underneath sends it and renames
//! `max_completion_tokens` to `max_tokens`); this module only changes what DashScope reads
//! differently. Vendor fields the client sent (`enable_search`, `top_k`, ...) pass through.

use std::collections::BTreeMap;

use serde_json::Value;
use switchboard_core::chat::{ChatRequest, Role};

use crate::config::{NonStream, QwenConfig};

/// The request-side policy taken from config.
#[derive(Debug, Clone)]
pub(crate) struct Policy {
    budgets: BTreeMap<String, u32>,
    default_thinking: Option<bool>,
    non_stream: NonStream,
    stream_only_thinking: Vec<String>,
}

impl Policy {
    /// The policy `config` describes.
    pub(crate) fn new(config: &QwenConfig) -> Self {
        Self {
            budgets: config.thinking_budgets.clone(),
            default_thinking: config.thinking,
            non_stream: config.non_stream,
            stream_only_thinking: config.stream_only_thinking.clone(),
        }
    }

    /// Whether a non-streaming chat is served by streaming and folding.
    pub(crate) fn folds(&self) -> bool {
        self.non_stream == NonStream::Fold
    }

    /// Rewrites `request` for DashScope. `stream` is whether it goes up as a stream.
    pub(crate) fn prepare(&self, request: &mut ChatRequest, stream: bool) {
        for message in &mut request.messages {
            if message.role == Role::Developer {
                message.role = Role::System;
            }
        }
        self.thinking(request);
        if !stream && self.refuses_thinking_unstreamed(&request.model) {
            tracing::debug!(model = %request.model, "thinking turned off: non-streaming call");
            request
                .extra
                .insert("enable_thinking".into(), Value::Bool(false));
            request.extra.remove("thinking_budget");
        }
        drop_unsupported(request);
    }

    /// `reasoning_effort` → `enable_thinking` (+ `thinking_budget`). A client's own
    /// `enable_thinking` / `thinking_budget` win over the mapping.
    fn thinking(&self, request: &mut ChatRequest) {
        let effort = request.reasoning_effort.take();
        let extra = &mut request.extra;
        if extra.get("enable_thinking").is_some_and(Value::is_boolean) {
            return;
        }
        let Some(effort) = effort else {
            if let Some(on) = self.default_thinking {
                extra.insert("enable_thinking".into(), Value::Bool(on));
            }
            return;
        };
        let on = !effort.eq_ignore_ascii_case("none");
        extra.insert("enable_thinking".into(), Value::Bool(on));
        if !on {
            extra.remove("thinking_budget");
            return;
        }
        if let Some(budget) = self.budgets.get(effort.to_ascii_lowercase().as_str())
            && !extra.contains_key("thinking_budget")
        {
            extra.insert("thinking_budget".into(), Value::from(*budget));
        }
    }

    fn refuses_thinking_unstreamed(&self, model: &str) -> bool {
        let model = model.to_ascii_lowercase();
        self.stream_only_thinking
            .iter()
            .any(|prefix| model.starts_with(&prefix.to_ascii_lowercase()))
    }
}

/// Drops the OpenAI fields DashScope does not take (providers.md §0.1), logging each at
/// debug. Fields DashScope serves (`n` on some models, `logprobs`, `seed`, `audio` and
/// `modalities` for Omni models, `parallel_tool_calls`) stay.
fn drop_unsupported(request: &mut ChatRequest) {
    let mut dropped: Vec<&str> = Vec::new();
    let mut take = |name: &'static str, present: bool| {
        if present {
            dropped.push(name);
        }
    };
    take("user", request.user.take().is_some());
    take("store", request.store.take().is_some());
    take("metadata", request.metadata.take().is_some());
    take("service_tier", request.service_tier.take().is_some());
    take(
        "safety_identifier",
        request.safety_identifier.take().is_some(),
    );
    take(
        "prompt_cache_key",
        request.prompt_cache_key.take().is_some(),
    );
    take("verbosity", request.verbosity.take().is_some());
    take("prediction", request.prediction.take().is_some());
    take(
        "web_search_options",
        request.web_search_options.take().is_some(),
    );
    if let Some(options) = &mut request.stream_options {
        take(
            "stream_options.include_obfuscation",
            options.include_obfuscation.take().is_some(),
        );
    }
    if !dropped.is_empty() {
        tracing::debug!(fields = ?dropped, "fields DashScope does not take were dropped");
    }
}

#[cfg(test)]
mod tests;
