//! [`OllamaAdapter`]: the `ollama` kind's implementation of [`Adapter`].

use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use switchboard_core::chat::{ChatRequest, ChatResponse};
use switchboard_core::transport::collect_body;
use switchboard_core::{
    Adapter, BuildContext, BuildError, CallContext, ChunkStream, Endpoint, GatewayError,
    HttpTransport, Model, UpstreamResponse,
};

use crate::OllamaConfig;
use crate::endpoints::Endpoints;
use crate::error::map_error_response;
use crate::request::to_ollama;
use crate::response::{completion_id, to_models, to_response};
use crate::stream::chunk_stream;
use crate::wire::{ChatLine, Tags};

/// Largest error body read from the upstream.
const MAX_ERROR_BODY: usize = 1 << 20;
/// Largest non-streaming response body read from the upstream.
const MAX_RESPONSE_BODY: usize = 64 << 20;

/// A client of one Ollama server's native API (`/api/chat`, `/api/tags`).
pub struct OllamaAdapter {
    config: OllamaConfig,
    endpoints: Endpoints,
    secrets: Arc<[String]>,
    transport: Arc<dyn HttpTransport>,
}

impl OllamaAdapter {
    /// A client for the server `config` describes, sending through `transport`.
    /// Fails when the base URL or a header value is invalid.
    pub fn new(
        config: &OllamaConfig,
        transport: Arc<dyn HttpTransport>,
    ) -> Result<Self, BuildError> {
        let endpoints = Endpoints::new(config).map_err(BuildError::Config)?;
        Ok(Self {
            config: config.clone(),
            secrets: endpoints.secrets(),
            endpoints,
            transport,
        })
    }

    /// Sends a request and turns a non-2xx answer into a mapped error.
    async fn send(&self, request: http::Request<Bytes>) -> Result<UpstreamResponse, GatewayError> {
        let response = self.transport.send(request).await?;
        if response.status.is_success() {
            return Ok(response);
        }
        let body = collect_body(response.body, MAX_ERROR_BODY)
            .await
            .unwrap_or_default();
        Err(map_error_response(
            response.status,
            &response.headers,
            &body,
            &self.secrets,
        ))
    }

    async fn read_json<T: serde::de::DeserializeOwned>(
        &self,
        response: UpstreamResponse,
    ) -> Result<T, GatewayError> {
        let body = collect_body(response.body, MAX_RESPONSE_BODY).await?;
        serde_json::from_slice(body.trim_ascii()).map_err(|e| {
            GatewayError::bad_gateway(format!("Ollama sent a body we cannot read: {e}"))
        })
    }

    fn chat_request(
        &self,
        request: &ChatRequest,
        stream: bool,
    ) -> Result<http::Request<Bytes>, GatewayError> {
        let body = to_ollama(request, &self.config, stream)?;
        let body = serde_json::to_vec(&body)
            .map_err(|e| GatewayError::internal(format!("could not encode the request: {e}")))?;
        Ok(self.endpoints.chat(Bytes::from(body), stream))
    }
}

pub(crate) fn build(cx: BuildContext<'_>) -> Result<Arc<dyn Adapter>, BuildError> {
    let config: OllamaConfig = cx.parse_config()?;
    Ok(Arc::new(OllamaAdapter::new(&config, cx.transport)?))
}

#[async_trait]
impl Adapter for OllamaAdapter {
    fn kind(&self) -> &'static str {
        "ollama"
    }

    async fn chat(
        &self,
        _cx: &CallContext,
        request: ChatRequest,
    ) -> Result<ChatResponse, GatewayError> {
        let response = self.send(self.chat_request(&request, false)?).await?;
        let body: ChatLine = self.read_json(response).await?;
        to_response(body, completion_id(), &self.secrets)
    }

    async fn chat_stream(
        &self,
        _cx: &CallContext,
        request: ChatRequest,
    ) -> Result<ChunkStream, GatewayError> {
        let response = self.send(self.chat_request(&request, true)?).await?;
        Ok(chunk_stream(response.body, self.secrets.clone()))
    }

    async fn list_models(&self, _cx: &CallContext) -> Result<Vec<Model>, GatewayError> {
        let response = self.send(self.endpoints.tags()).await?;
        let tags: Tags = self.read_json(response).await?;
        Ok(to_models(tags))
    }

    /// Ollama's native API speaks no OpenAI endpoint: everything is translated. (Its `/v1`
    /// does; configure kind `openai` for that.)
    fn native(&self, _endpoint: Endpoint) -> bool {
        false
    }
}
