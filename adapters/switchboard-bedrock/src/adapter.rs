//! [`BedrockAdapter`]: the `bedrock` kind's implementation of [`Adapter`].

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use bytes::Bytes;
use serde_json::Value;
use switchboard_anthropic::ConvertOptions;
use switchboard_anthropic::types::MessagesResponse;
use switchboard_core::chat::{ChatRequest, ChatResponse};
use switchboard_core::transport::collect_body;
use switchboard_core::{
    Adapter, BuildContext, BuildError, CallContext, ChunkStream, GatewayError, HttpTransport,
    Model, UpstreamResponse,
};

use crate::auth::Auth;
use crate::config::{Api, BedrockConfig, Env, process_env};
use crate::converse::{from_converse_response, to_converse_request};
use crate::error::map_error_response;
use crate::invoke::to_invoke_body;
use crate::sign::{AwsCredentials, sign_request};
use crate::stream::{StreamDecoder, chunk_stream};
use crate::target::Site;

/// Largest error body read from an upstream.
const MAX_ERROR_BODY: usize = 1 << 20;
/// Largest non-streaming response body read from an upstream.
const MAX_RESPONSE_BODY: usize = 64 << 20;
/// The SigV4 signing name of bedrock-runtime.
const SERVICE: &str = "bedrock";

/// A client of Bedrock Runtime (or a server that speaks it).
pub struct BedrockAdapter {
    site: Site,
    api: Api,
    auth: Auth,
    options: ConvertOptions,
    secrets: Arc<[String]>,
    transport: Arc<dyn HttpTransport>,
}

impl std::fmt::Debug for BedrockAdapter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BedrockAdapter")
            .field("target", &self.site.known())
            .field("api", &self.api)
            .finish_non_exhaustive()
    }
}

impl BedrockAdapter {
    /// A client for the Bedrock `config` describes, reading defaults from the process
    /// environment. Fails without a region, credentials or a valid endpoint. With the
    /// crate feature `aws-chain` and no keys configured, the AWS credential chain (and for
    /// want of a region, the AWS profile's) is asked on the first request, not here.
    pub fn new(
        config: &BedrockConfig,
        transport: Arc<dyn HttpTransport>,
    ) -> Result<Self, BuildError> {
        Self::with_env(config, transport, &process_env)
    }

    pub(crate) fn with_env(
        config: &BedrockConfig,
        transport: Arc<dyn HttpTransport>,
        env: Env<'_>,
    ) -> Result<Self, BuildError> {
        let auth = Auth::resolve(config, env, &transport)?;
        let site = Site::new(config, env, &auth)?;
        let mut options = ConvertOptions {
            thinking: switchboard_anthropic::ThinkingRules::with_overrides(&config.thinking),
            ..ConvertOptions::default()
        };
        if let Some(max) = config.max_tokens {
            options.default_max_tokens = max;
        }
        Ok(Self {
            secrets: auth.secrets().into(),
            site,
            api: config.api,
            auth,
            options,
            transport,
        })
    }

    /// Builds, authenticates and sends one POST of operation `op` for `model`; a non-2xx
    /// answer becomes a mapped error. Also returns the strings to scrub from the answer.
    async fn post(
        &self,
        model: &str,
        op: &str,
        body: Vec<u8>,
        stream: bool,
    ) -> Result<(UpstreamResponse, Arc<[String]>), GatewayError> {
        let target = self.site.target().await?;
        let accept = if stream {
            "application/vnd.amazon.eventstream"
        } else {
            "application/json"
        };
        let mut request = http::Request::builder()
            .method("POST")
            .uri(target.url(model, op))
            .header("host", &target.host)
            .header("content-type", "application/json")
            .header("accept", accept)
            .body(Bytes::from(body))
            .map_err(|e| GatewayError::internal(format!("could not build the request: {e}")))?;
        let secrets = match &self.auth {
            Auth::ApiKey(key) => {
                let value =
                    http::HeaderValue::from_str(&format!("Bearer {key}")).map_err(|_| {
                        GatewayError::internal("the Bedrock API key is not a valid header")
                    })?;
                request.headers_mut().insert("authorization", value);
                self.secrets.clone()
            }
            Auth::Static(credentials) => {
                sign(&mut request, credentials, &target.region)?;
                self.secrets.clone()
            }
            #[cfg(feature = "aws-chain")]
            Auth::Chain(chain) => {
                let current = chain.credentials(&target.region).await?;
                sign(&mut request, &current.credentials, &target.region)?;
                current.secrets.clone()
            }
        };
        let response = self.transport.send(request).await?;
        if response.status.is_success() {
            return Ok((response, secrets));
        }
        let body = collect_body(response.body, MAX_ERROR_BODY)
            .await
            .unwrap_or_default();
        Err(map_error_response(
            response.status,
            &response.headers,
            &body,
            &secrets,
        ))
    }

    fn messages_body(
        &self,
        request: &ChatRequest,
    ) -> Result<switchboard_anthropic::MessagesRequest, GatewayError> {
        switchboard_anthropic::to_messages_request(request, &self.options)
    }

    fn request_body(&self, request: &ChatRequest) -> Result<Vec<u8>, GatewayError> {
        let messages = self.messages_body(request)?;
        let value = match self.api {
            Api::Converse => to_converse_request(&messages)?,
            Api::Invoke => serde_json::to_value(to_invoke_body(messages)).map_err(|e| {
                GatewayError::internal(format!("could not encode the request: {e}"))
            })?,
        };
        serde_json::to_vec(&value)
            .map_err(|e| GatewayError::internal(format!("could not encode the request: {e}")))
    }
}

/// Signs `request` for Bedrock in `region` now.
fn sign(
    request: &mut http::Request<Bytes>,
    credentials: &AwsCredentials,
    region: &str,
) -> Result<(), GatewayError> {
    sign_request(request, credentials, region, SERVICE, SystemTime::now())
        .map(drop)
        .map_err(|e| GatewayError::internal(e.to_string()))
}

/// A chat id from the upstream's request id (or the time).
fn chat_id(response: &UpstreamResponse) -> String {
    match response
        .headers
        .get("x-amzn-requestid")
        .and_then(|v| v.to_str().ok())
    {
        Some(id) => format!("chatcmpl-{id}"),
        None => format!("chatcmpl-bedrock-{}", now()),
    }
}

pub(crate) fn build(cx: BuildContext<'_>) -> Result<Arc<dyn Adapter>, BuildError> {
    let config: BedrockConfig = cx.parse_config()?;
    Ok(Arc::new(BedrockAdapter::new(&config, cx.transport)?))
}

/// Unix seconds now (0 if the clock is before 1970).
fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

async fn read_json(response: UpstreamResponse) -> Result<Value, GatewayError> {
    let body = collect_body(response.body, MAX_RESPONSE_BODY).await?;
    serde_json::from_slice(body.trim_ascii()).map_err(|e| {
        GatewayError::bad_gateway(format!("the upstream sent a body we cannot read: {e}"))
    })
}

#[async_trait]
impl Adapter for BedrockAdapter {
    fn kind(&self) -> &'static str {
        "bedrock"
    }

    async fn chat(
        &self,
        _cx: &CallContext,
        request: ChatRequest,
    ) -> Result<ChatResponse, GatewayError> {
        let body = self.request_body(&request)?;
        match self.api {
            Api::Converse => {
                let (response, _) = self.post(&request.model, "converse", body, false).await?;
                let id = chat_id(&response);
                let json = read_json(response).await?;
                Ok(from_converse_response(&json, &request.model, &id, now()))
            }
            Api::Invoke => {
                let (response, _) = self.post(&request.model, "invoke", body, false).await?;
                let json = read_json(response).await?;
                let mut answer: MessagesResponse = serde_json::from_value(json).map_err(|e| {
                    GatewayError::bad_gateway(format!(
                        "the upstream sent a body we cannot read: {e}"
                    ))
                })?;
                if answer.model.is_empty() {
                    answer.model = request.model.clone();
                }
                Ok(switchboard_anthropic::from_messages_response(answer, now()))
            }
        }
    }

    async fn chat_stream(
        &self,
        _cx: &CallContext,
        request: ChatRequest,
    ) -> Result<ChunkStream, GatewayError> {
        let body = self.request_body(&request)?;
        let (op, converse) = match self.api {
            Api::Converse => ("converse-stream", true),
            Api::Invoke => ("invoke-with-response-stream", false),
        };
        let (response, secrets) = self.post(&request.model, op, body, true).await?;
        let decoder = if converse {
            StreamDecoder::converse(&chat_id(&response), &request.model, now(), secrets)
        } else {
            StreamDecoder::invoke(now(), secrets)
        };
        Ok(chunk_stream(response.body, decoder))
    }

    /// Bedrock lists models on its control-plane endpoint (`bedrock.{region}`), not on
    /// bedrock-runtime; the gateway's configured model names are the list.
    async fn list_models(&self, _cx: &CallContext) -> Result<Vec<Model>, GatewayError> {
        Ok(Vec::new())
    }
}

#[cfg(test)]
mod tests;
