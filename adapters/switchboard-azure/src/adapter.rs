//! [`AzureAdapter`]: the `azure_openai` kind's implementation of [`Adapter`].

use std::borrow::Cow;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use http::HeaderMap;
use serde::Deserialize;
use switchboard_core::chat::{ChatRequest, ChatResponse, StreamOptions};
use switchboard_core::transport::collect_body;
use switchboard_core::{
    Adapter, BuildContext, BuildError, CallContext, ChatPeek, ChunkStream, Endpoint, GatewayError,
    HttpTransport, Model, ModelList, RawRequest, RawResponse, UpstreamResponse,
};

use crate::AzureConfig;
use crate::error::{ErrorPolicy, map_azure_error};
use crate::request::Endpoints;
use crate::response::normalise_response;
use crate::stream::azure_chunk_stream;

/// Largest error body read from an upstream.
const MAX_ERROR_BODY: usize = 1 << 20;
/// Largest non-streaming response body read from an upstream.
const MAX_RESPONSE_BODY: usize = 64 << 20;

/// A client of one Azure OpenAI resource (or a proxy in front of one).
pub struct AzureAdapter {
    endpoints: Endpoints,
    native_responses: bool,
    native_completions: bool,
    policy: ErrorPolicy,
    secrets: Arc<[String]>,
    transport: Arc<dyn HttpTransport>,
}

impl AzureAdapter {
    /// A client for the resource `config` describes, sending through `transport`.
    /// Fails when the endpoint, a credential or a header value is invalid.
    pub fn new(
        config: &AzureConfig,
        transport: Arc<dyn HttpTransport>,
    ) -> Result<Self, BuildError> {
        let endpoints = Endpoints::new(config).map_err(BuildError::Config)?;
        Ok(Self {
            native_responses: config.native_responses(),
            native_completions: config.native_completions(),
            policy: ErrorPolicy {
                max_retry_after: Duration::from_secs(config.max_retry_after),
            },
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
        Err(map_azure_error(
            response.status,
            &response.headers,
            &body,
            &self.secrets,
            self.policy,
        ))
    }

    async fn read_json<T: serde::de::DeserializeOwned>(
        &self,
        response: UpstreamResponse,
    ) -> Result<T, GatewayError> {
        let body = collect_body(response.body, MAX_RESPONSE_BODY).await?;
        serde_json::from_slice(body.trim_ascii_start()).map_err(|e| {
            GatewayError::bad_gateway(format!("the upstream sent a body we cannot read: {e}"))
        })
    }

    /// Prepares a canonical request: the configured deployment as the model where the body
    /// names it, and the output limit under the name Azure wants (`max_completion_tokens`;
    /// reasoning deployments refuse `max_tokens`).
    fn prepare(&self, request: &mut ChatRequest) {
        if self.endpoints.model_in_body()
            && let Some(deployment) = &self.endpoints.deployment
        {
            request.model.clone_from(deployment);
        }
        if request.max_completion_tokens.is_none() {
            request.max_completion_tokens = request.max_tokens.take();
        }
    }

    async fn post_chat(
        &self,
        request: &ChatRequest,
        stream: bool,
    ) -> Result<UpstreamResponse, GatewayError> {
        let uri = self
            .endpoints
            .uri(Endpoint::ChatCompletions, &request.model)?;
        let body = serde_json::to_vec(request)
            .map(Bytes::from)
            .map_err(|e| GatewayError::internal(format!("could not encode the request: {e}")))?;
        self.send(self.endpoints.post(uri, body, stream)).await
    }

    /// The same-shape body and URL: on the v1 surface (and for the deployments surface's
    /// Responses API) the body's `model` names the deployment, so a configured deployment
    /// is spliced in; elsewhere the deployment goes in the path and the body is untouched.
    fn raw_target(
        &self,
        endpoint: Endpoint,
        body: Bytes,
    ) -> Result<(http::Uri, Bytes), GatewayError> {
        let model_in_body = self.endpoints.model_in_body() || endpoint == Endpoint::Responses;
        match &self.endpoints.deployment {
            Some(deployment) if model_in_body => {
                let body = ChatPeek::parse(&body)?.rewrite(&body, deployment, false);
                Ok((self.endpoints.uri(endpoint, deployment)?, body))
            }
            Some(deployment) => Ok((self.endpoints.uri(endpoint, deployment)?, body)),
            None if model_in_body => Ok((self.endpoints.uri(endpoint, "")?, body)),
            None => {
                let model = model_of(&body)?;
                Ok((self.endpoints.uri(endpoint, &model)?, body))
            }
        }
    }
}

/// The body's `model`, without materialising the rest.
fn model_of(body: &[u8]) -> Result<String, GatewayError> {
    #[derive(Deserialize)]
    struct ModelOnly<'a> {
        #[serde(borrow, default)]
        model: Option<Cow<'a, str>>,
    }
    let peek: ModelOnly<'_> = serde_json::from_slice(body).map_err(GatewayError::invalid_json)?;
    match peek.model {
        Some(model) if !model.is_empty() => Ok(model.into_owned()),
        _ => Err(GatewayError::missing_param("model")),
    }
}

pub(crate) fn build(cx: BuildContext<'_>) -> Result<Arc<dyn Adapter>, BuildError> {
    let config: AzureConfig = cx.parse_config()?;
    Ok(Arc::new(AzureAdapter::new(&config, cx.transport)?))
}

/// The upstream headers a client may see on a successful answer.
fn forwarded_headers(upstream: &HeaderMap) -> HeaderMap {
    let mut out = HeaderMap::new();
    for (name, value) in upstream {
        let n = name.as_str();
        if n == "content-type" || n == "apim-request-id" || n.starts_with("x-ratelimit-") {
            out.append(name.clone(), value.clone());
        }
    }
    out
}

#[async_trait]
impl Adapter for AzureAdapter {
    fn kind(&self) -> &'static str {
        "azure_openai"
    }

    async fn chat(
        &self,
        _cx: &CallContext,
        mut request: ChatRequest,
    ) -> Result<ChatResponse, GatewayError> {
        request.stream = None;
        request.stream_options = None;
        self.prepare(&mut request);
        let response = self.post_chat(&request, false).await?;
        let mut response: ChatResponse = self.read_json(response).await?;
        normalise_response(&mut response);
        Ok(response)
    }

    async fn chat_stream(
        &self,
        _cx: &CallContext,
        mut request: ChatRequest,
    ) -> Result<ChunkStream, GatewayError> {
        request.stream = Some(true);
        self.prepare(&mut request);
        let mut options = request.stream_options.take().unwrap_or_default();
        options.include_usage = Some(true);
        request.stream_options = Some(StreamOptions { ..options });
        let response = self.post_chat(&request, true).await?;
        Ok(azure_chunk_stream(response.body, self.secrets.clone()))
    }

    /// With a configured deployment, that deployment alone (no upstream call). Otherwise
    /// the upstream's list: `/openai/v1/models`, or on the deployments surface
    /// `/openai/models`, the models the resource can deploy (Azure has no data-plane list
    /// of deployments).
    async fn list_models(&self, _cx: &CallContext) -> Result<Vec<Model>, GatewayError> {
        if let Some(deployment) = &self.endpoints.deployment {
            return Ok(vec![Model::new(deployment.clone(), "azure_openai")]);
        }
        let response = self.send(self.endpoints.models()?).await?;
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
        let (uri, body) = self.raw_target(request.endpoint, request.body)?;
        let response = self
            .send(self.endpoints.post(uri, body, request.stream))
            .await?;
        Ok(RawResponse {
            status: response.status,
            headers: forwarded_headers(&response.headers),
            body: response.body,
        })
    }
}

#[cfg(test)]
mod tests;
