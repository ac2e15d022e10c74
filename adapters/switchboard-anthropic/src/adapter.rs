//! [`AnthropicAdapter`]: the `anthropic` kind's implementation of [`Adapter`].

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use bytes::Bytes;
use switchboard_core::chat::{ChatRequest, ChatResponse};
use switchboard_core::transport::collect_body;
use switchboard_core::{
    Adapter, BuildContext, BuildError, CallContext, ChunkStream, GatewayError, HttpTransport,
    Model, UpstreamResponse,
};

use crate::AnthropicConfig;
use crate::convert::{ConvertOptions, from_messages_response, to_messages_request};
use crate::error::map_error_response;
use crate::models::ModelsPage;
use crate::request::Endpoints;
use crate::stream::{SseChunkDecoder, chunk_stream};
use crate::types::{MessagesRequest, MessagesResponse};

/// Largest error body read from an upstream.
const MAX_ERROR_BODY: usize = 1 << 20;
/// Largest non-streaming response body read from an upstream.
const MAX_RESPONSE_BODY: usize = 64 << 20;

/// A client of the Anthropic Messages API (or a server that speaks it).
pub struct AnthropicAdapter {
    endpoints: Endpoints,
    options: ConvertOptions,
    secrets: Arc<[String]>,
    transport: Arc<dyn HttpTransport>,
}

impl AnthropicAdapter {
    /// A client for the API `config` describes, sending through `transport`. Fails when
    /// the base URL or a header value is invalid.
    pub fn new(
        config: &AnthropicConfig,
        transport: Arc<dyn HttpTransport>,
    ) -> Result<Self, BuildError> {
        let endpoints = Endpoints::new(config).map_err(BuildError::Config)?;
        Ok(Self {
            options: config.convert_options(),
            secrets: endpoints.secrets(),
            endpoints,
            transport,
        })
    }

    /// The Messages body this adapter would send for `request` (`stream` unset).
    pub fn messages_request(&self, request: &ChatRequest) -> Result<MessagesRequest, GatewayError> {
        to_messages_request(request, &self.options)
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
            GatewayError::bad_gateway(format!("the upstream sent a body we cannot read: {e}"))
        })
    }
}

pub(crate) fn build(cx: BuildContext<'_>) -> Result<Arc<dyn Adapter>, BuildError> {
    let config: AnthropicConfig = cx.parse_config()?;
    Ok(Arc::new(AnthropicAdapter::new(&config, cx.transport)?))
}

fn to_body(request: &MessagesRequest) -> Result<Bytes, GatewayError> {
    serde_json::to_vec(request)
        .map(Bytes::from)
        .map_err(|e| GatewayError::internal(format!("could not encode the request: {e}")))
}

/// Unix seconds now (0 if the clock is before 1970).
fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

#[async_trait]
impl Adapter for AnthropicAdapter {
    fn kind(&self) -> &'static str {
        "anthropic"
    }

    async fn chat(
        &self,
        _cx: &CallContext,
        request: ChatRequest,
    ) -> Result<ChatResponse, GatewayError> {
        let body = self.messages_request(&request)?;
        let response = self
            .send(self.endpoints.messages(to_body(&body)?, false))
            .await?;
        let response: MessagesResponse = self.read_json(response).await?;
        Ok(from_messages_response(response, now()))
    }

    async fn chat_stream(
        &self,
        _cx: &CallContext,
        request: ChatRequest,
    ) -> Result<ChunkStream, GatewayError> {
        let mut body = self.messages_request(&request)?;
        body.stream = Some(true);
        let response = self
            .send(self.endpoints.messages(to_body(&body)?, true))
            .await?;
        let decoder = SseChunkDecoder::new(now(), self.secrets.clone());
        Ok(chunk_stream(response.body, decoder))
    }

    async fn list_models(&self, _cx: &CallContext) -> Result<Vec<Model>, GatewayError> {
        let response = self.send(self.endpoints.models()).await?;
        let page: ModelsPage = self.read_json(response).await?;
        Ok(page.into_models())
    }
}
