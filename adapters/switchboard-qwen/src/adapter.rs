//! [`QwenAdapter`]: the `qwen` kind's implementation of [`Adapter`].

use std::sync::Arc;

use async_trait::async_trait;
use futures_util::StreamExt;
use switchboard_core::chat::{ChatRequest, ChatResponse};
use switchboard_core::{
    Adapter, BuildContext, BuildError, CallContext, ChunkStream, Endpoint, GatewayError,
    HttpTransport, Model,
};
use switchboard_openai::OpenAiAdapter;

use crate::QwenConfig;
use crate::error::map_error;
use crate::request::Policy;
use crate::response::{Fold, normalise_response};
use crate::stream::normalise;

/// A client of DashScope's OpenAI-compatible mode: the OpenAI client, with Qwen's
/// request rules before it and DashScope's answers and errors tidied after it.
pub struct QwenAdapter {
    inner: OpenAiAdapter,
    policy: Policy,
}

impl QwenAdapter {
    /// A client for the endpoint `config` names, sending through `transport`. Fails when
    /// the base URL or a header value is invalid.
    pub fn new(config: &QwenConfig, transport: Arc<dyn HttpTransport>) -> Result<Self, BuildError> {
        Ok(Self {
            inner: OpenAiAdapter::new(&config.to_openai(), transport)?,
            policy: Policy::new(config),
        })
    }

    async fn stream(
        &self,
        cx: &CallContext,
        mut request: ChatRequest,
    ) -> Result<ChunkStream, GatewayError> {
        self.policy.prepare(&mut request, true);
        // The OpenAI client sets `stream: true` and `stream_options.include_usage: true`:
        // without the latter DashScope sends no usage at all.
        let chunks = self
            .inner
            .chat_stream(cx, request)
            .await
            .map_err(map_error)?;
        Ok(normalise(chunks))
    }
}

pub(crate) fn build(cx: BuildContext<'_>) -> Result<Arc<dyn Adapter>, BuildError> {
    let config: QwenConfig = cx.parse_config()?;
    Ok(Arc::new(QwenAdapter::new(&config, cx.transport)?))
}

#[async_trait]
impl Adapter for QwenAdapter {
    fn kind(&self) -> &'static str {
        "qwen"
    }

    /// With `non_stream = "fold"` (the default) DashScope streams and the chunks are
    /// folded into one answer; with `"direct"` a non-streaming request goes up.
    async fn chat(
        &self,
        cx: &CallContext,
        mut request: ChatRequest,
    ) -> Result<ChatResponse, GatewayError> {
        if !self.policy.folds() {
            self.policy.prepare(&mut request, false);
            let mut response = self.inner.chat(cx, request).await.map_err(map_error)?;
            normalise_response(&mut response);
            return Ok(response);
        }
        let mut chunks = self.stream(cx, request).await?;
        let mut fold = Fold::new();
        while let Some(chunk) = chunks.next().await {
            fold.push(chunk?);
        }
        fold.finish()
            .ok_or_else(|| GatewayError::bad_gateway("DashScope sent an empty stream"))
    }

    async fn chat_stream(
        &self,
        cx: &CallContext,
        request: ChatRequest,
    ) -> Result<ChunkStream, GatewayError> {
        self.stream(cx, request).await
    }

    async fn list_models(&self, cx: &CallContext) -> Result<Vec<Model>, GatewayError> {
        self.inner.list_models(cx).await.map_err(map_error)
    }

    /// Always false: every request goes through the canonical path, so Qwen's request
    /// rules (roles, thinking, dropped fields) and answer fixes always apply.
    fn native(&self, endpoint: Endpoint) -> bool {
        let _ = endpoint;
        false
    }
}

#[cfg(test)]
mod tests;
