//! [`OpenAiAdapter`]: the `openai` kind's implementation of [`Adapter`].

use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use http::HeaderMap;
use switchboard_core::chat::{ChatRequest, ChatResponse, StreamOptions};
use switchboard_core::transport::collect_body;
use switchboard_core::{
    Adapter, BuildContext, BuildError, CallContext, ChunkStream, Endpoint, GatewayError,
    HttpTransport, Model, ModelList, RawRequest, RawResponse, UpstreamResponse,
};

use crate::OpenAiConfig;
use crate::config::Mode;
use crate::error::map_error_response;
use crate::request::Endpoints;
use crate::stream::{chunk_stream, normalise_response_reasoning};

/// Largest error body read from an upstream.
const MAX_ERROR_BODY: usize = 1 << 20;
/// Largest non-streaming response body read from an upstream.
const MAX_RESPONSE_BODY: usize = 64 << 20;

/// A client of one OpenAI-compatible server.
pub struct OpenAiAdapter {
    endpoints: Endpoints,
    /// The upstream is api.openai.com: `max_completion_tokens` stays as it is.
    is_openai: bool,
    native_responses: bool,
    native_completions: bool,
    secrets: Arc<[String]>,
    transport: Arc<dyn HttpTransport>,
}

impl OpenAiAdapter {
    /// A client for the server `config` describes, sending through `transport`.
    /// Fails when the base URL or a header value is invalid.
    pub fn new(
        config: &OpenAiConfig,
        transport: Arc<dyn HttpTransport>,
    ) -> Result<Self, BuildError> {
        let endpoints = Endpoints::new(config).map_err(BuildError::Config)?;
        let is_openai = config
            .base_url
            .parse::<http::Uri>()
            .ok()
            .and_then(|u| u.host().map(|h| h.eq_ignore_ascii_case("api.openai.com")))
            .unwrap_or(false);
        Ok(Self {
            is_openai,
            native_responses: match config.responses {
                Mode::Native => true,
                Mode::Translate => false,
                Mode::Auto => is_openai,
            },
            native_completions: config.completions != Mode::Translate,
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
        // DeepSeek may send keep-alive blank lines before a non-streaming body. The body
        // is checked for UTF-8 once and parsed as text (`from_slice` checks each string
        // it reads on its own, which costs more).
        let text = std::str::from_utf8(body.trim_ascii_start()).map_err(|e| {
            GatewayError::bad_gateway(format!("the upstream sent a body that is not UTF-8: {e}"))
        })?;
        serde_json::from_str(text).map_err(|e| {
            GatewayError::bad_gateway(format!("the upstream sent a body we cannot read: {e}"))
        })
    }
}

pub(crate) fn build(cx: BuildContext<'_>) -> Result<Arc<dyn Adapter>, BuildError> {
    let config: OpenAiConfig = cx.parse_config()?;
    Ok(Arc::new(OpenAiAdapter::new(&config, cx.transport)?))
}

impl OpenAiAdapter {
    /// The output limit under the name the upstream knows: OpenAI wants
    /// `max_completion_tokens` (and refuses `max_tokens` for reasoning models); most
    /// compatible servers (Ollama's /v1, older llama.cpp, TGI) know only `max_tokens`.
    fn name_output_limit(&self, request: &mut ChatRequest) {
        if self.is_openai {
            let legacy = request.max_tokens.take();
            request.max_completion_tokens = request.max_completion_tokens.or(legacy);
        } else {
            let modern = request.max_completion_tokens.take();
            request.max_tokens = request.max_tokens.or(modern);
        }
    }
}

fn to_body(request: &ChatRequest) -> Result<Bytes, GatewayError> {
    serde_json::to_vec(request)
        .map(Bytes::from)
        .map_err(|e| GatewayError::internal(format!("could not encode the request: {e}")))
}

/// The upstream headers a client may see on a successful answer.
fn forwarded_headers(upstream: &HeaderMap) -> HeaderMap {
    let mut out = HeaderMap::new();
    for (name, value) in upstream {
        let n = name.as_str();
        if n == "content-type" || n == "openai-processing-ms" || n.starts_with("x-ratelimit-") {
            out.append(name.clone(), value.clone());
        }
    }
    out
}

#[async_trait]
impl Adapter for OpenAiAdapter {
    fn kind(&self) -> &'static str {
        "openai"
    }

    async fn chat(
        &self,
        _cx: &CallContext,
        mut request: ChatRequest,
    ) -> Result<ChatResponse, GatewayError> {
        request.stream = None;
        request.stream_options = None;
        self.name_output_limit(&mut request);
        let response = self
            .send(self.endpoints.chat(to_body(&request)?, false))
            .await?;
        let mut response: ChatResponse = self.read_json(response).await?;
        normalise_response_reasoning(&mut response);
        Ok(response)
    }

    async fn chat_stream(
        &self,
        _cx: &CallContext,
        mut request: ChatRequest,
    ) -> Result<ChunkStream, GatewayError> {
        request.stream = Some(true);
        self.name_output_limit(&mut request);
        let mut options = request.stream_options.take().unwrap_or_default();
        options.include_usage = Some(true);
        request.stream_options = Some(StreamOptions { ..options });
        let response = self
            .send(self.endpoints.chat(to_body(&request)?, true))
            .await?;
        Ok(chunk_stream(response.body, self.secrets.clone()))
    }

    async fn list_models(&self, _cx: &CallContext) -> Result<Vec<Model>, GatewayError> {
        let response = self.send(self.endpoints.models()).await?;
        let list: ModelList = self.read_json(response).await?;
        Ok(list.data)
    }

    fn native(&self, endpoint: Endpoint) -> bool {
        match endpoint {
            Endpoint::ChatCompletions => true,
            Endpoint::Completions => self.native_completions,
            Endpoint::Responses => self.native_responses,
        }
    }

    async fn send_raw(
        &self,
        _cx: &CallContext,
        request: RawRequest,
    ) -> Result<RawResponse, GatewayError> {
        let response = self
            .send(
                self.endpoints
                    .post(request.endpoint, request.body, request.stream),
            )
            .await?;
        Ok(RawResponse {
            status: response.status,
            headers: forwarded_headers(&response.headers),
            body: response.body,
        })
    }
}
