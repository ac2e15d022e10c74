//! [`DeepSeekAdapter`]: the `deepseek` kind's implementation of [`Adapter`].
//!
//! An [`OpenAiAdapter`] underneath does the HTTP, the SSE decoding and the error mapping;
//! this type applies DeepSeek's quirks around its canonical methods. It serves no endpoint
//! natively, so every chat request takes the canonical path (and the quirks), and
//! Responses and legacy completions are translated through chat.

use std::sync::Arc;

use async_trait::async_trait;
use switchboard_core::chat::{ChatRequest, ChatResponse};
use switchboard_core::{
    Adapter, BuildContext, BuildError, CallContext, ChunkStream, Endpoint, GatewayError,
    HttpTransport, Model,
};
use switchboard_openai::OpenAiAdapter;

use crate::DeepSeekConfig;
use crate::error::refine;
use crate::request::{Quirks, prepare};
use crate::response::normalise_response;
use crate::stream::fix_stream;

/// A client of DeepSeek's chat API.
pub struct DeepSeekAdapter {
    inner: OpenAiAdapter,
    quirks: Quirks,
}

impl DeepSeekAdapter {
    /// A client for the DeepSeek API `config` describes, sending through `transport`.
    /// Fails when the base URL or a header value is invalid.
    pub fn new(
        config: &DeepSeekConfig,
        transport: Arc<dyn HttpTransport>,
    ) -> Result<Self, BuildError> {
        Ok(Self {
            inner: OpenAiAdapter::new(&config.openai(), transport)?,
            quirks: Quirks {
                effort: config.reasoning_effort,
                history: config.reasoning_history,
            },
        })
    }
}

pub(crate) fn build(cx: BuildContext<'_>) -> Result<Arc<dyn Adapter>, BuildError> {
    let config: DeepSeekConfig = cx.parse_config()?;
    Ok(Arc::new(DeepSeekAdapter::new(&config, cx.transport)?))
}

#[async_trait]
impl Adapter for DeepSeekAdapter {
    fn kind(&self) -> &'static str {
        "deepseek"
    }

    async fn chat(
        &self,
        cx: &CallContext,
        mut request: ChatRequest,
    ) -> Result<ChatResponse, GatewayError> {
        prepare(&mut request, self.quirks)?;
        let mut response = self.inner.chat(cx, request).await.map_err(refine)?;
        normalise_response(&mut response)?;
        Ok(response)
    }

    async fn chat_stream(
        &self,
        cx: &CallContext,
        mut request: ChatRequest,
    ) -> Result<ChunkStream, GatewayError> {
        prepare(&mut request, self.quirks)?;
        let chunks = self.inner.chat_stream(cx, request).await.map_err(refine)?;
        Ok(fix_stream(chunks))
    }

    async fn list_models(&self, cx: &CallContext) -> Result<Vec<Model>, GatewayError> {
        self.inner.list_models(cx).await.map_err(refine)
    }

    /// Always false: chat must take the canonical path so the quirks apply, and DeepSeek
    /// serves neither Responses nor (outside its beta FIM endpoint) legacy completions.
    fn native(&self, endpoint: Endpoint) -> bool {
        let _ = endpoint;
        false
    }
}

#[cfg(test)]
mod tests;
