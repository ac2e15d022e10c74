//! The [`Adapter`] trait: what every provider crate implements.
//!
//! The canonical surface is Chat Completions: [`Adapter::chat`] and [`Adapter::chat_stream`]
//! take and give the types of [`crate::chat`]. An adapter whose upstream serves an OpenAI
//! endpoint itself ([`Endpoint`]: chat, legacy completions, Responses) says so with
//! [`Adapter::native`] and offers [`Adapter::send_raw`], the same-shape fast path: the
//! gateway hands over the client's body bytes (model already spliced) and forwards the
//! upstream's bytes back without parsing them.

use std::pin::Pin;
use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use futures_core::Stream;
use http::{HeaderMap, StatusCode};

use crate::chat::{ChatChunk, ChatRequest, ChatResponse};
use crate::transport::ByteStream;
use crate::{GatewayError, Model};

/// Canonical chunks as an upstream produces them; an `Err` item ends the stream.
pub type ChunkStream = Pin<Box<dyn Stream<Item = Result<ChatChunk, GatewayError>> + Send>>;

/// What an adapter knows about the request it serves.
#[derive(Debug, Clone, Default)]
pub struct CallContext {
    /// The gateway's request id (from `x-request-id` or made up); adapters may forward it.
    pub request_id: Arc<str>,
}

/// An OpenAI endpoint an upstream may serve itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endpoint {
    /// `POST /chat/completions`.
    ChatCompletions,
    /// `POST /completions` (legacy).
    Completions,
    /// `POST /responses`.
    Responses,
}

impl Endpoint {
    /// The path below an OpenAI-style base URL, e.g. `/chat/completions`.
    pub fn path(self) -> &'static str {
        match self {
            Endpoint::ChatCompletions => "/chat/completions",
            Endpoint::Completions => "/completions",
            Endpoint::Responses => "/responses",
        }
    }
}

/// A same-shape request: an OpenAI body for `endpoint`, ready to send as is.
#[derive(Debug, Clone)]
pub struct RawRequest {
    /// Which endpoint the body is for.
    pub endpoint: Endpoint,
    /// The JSON body, with the upstream's model id already in place.
    pub body: Bytes,
    /// Whether the body asks for a stream.
    pub stream: bool,
}

/// A same-shape answer: a 2xx status, the headers worth forwarding, the body bytes.
pub struct RawResponse {
    /// The upstream's (successful) status.
    pub status: StatusCode,
    /// Headers to pass on to the client (`content-type`, `x-ratelimit-*`, ...).
    pub headers: HeaderMap,
    /// The body exactly as the upstream sends it.
    pub body: ByteStream,
}

impl std::fmt::Debug for RawResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawResponse")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .finish_non_exhaustive()
    }
}

/// One configured upstream provider.
///
/// Implementations are built by their [`crate::AdapterFactory`] from config and hold what
/// they need (base URL, credentials, the shared transport). Every method may be called
/// concurrently. Errors are [`GatewayError`]s mapped from the provider's own errors, never
/// carrying a credential.
#[async_trait]
pub trait Adapter: Send + Sync + 'static {
    /// The registered kind, e.g. `"openai"`.
    fn kind(&self) -> &'static str;

    /// One non-streaming completion. `request.model` is already the upstream's model id.
    async fn chat(
        &self,
        cx: &CallContext,
        request: ChatRequest,
    ) -> Result<ChatResponse, GatewayError>;

    /// A streaming completion. Resolves once the upstream has accepted the request; the
    /// stream then yields chunks as they arrive. The final usage, if the provider reports
    /// it, comes as a chunk whose `usage` is set. Dropping the stream cancels the call.
    async fn chat_stream(
        &self,
        cx: &CallContext,
        request: ChatRequest,
    ) -> Result<ChunkStream, GatewayError>;

    /// The models the upstream offers.
    async fn list_models(&self, cx: &CallContext) -> Result<Vec<Model>, GatewayError>;

    /// True when the upstream serves `endpoint` itself, so [`Adapter::send_raw`] can carry
    /// a client's body for it untouched. The default is false for every endpoint: the
    /// gateway then translates through the canonical chat types.
    fn native(&self, endpoint: Endpoint) -> bool {
        let _ = endpoint;
        false
    }

    /// The same-shape fast path: sends an OpenAI body to its endpoint as is and returns the
    /// upstream's bytes. Non-2xx answers are returned as mapped errors. Called only for an
    /// endpoint [`Adapter::native`] accepts; the default refuses.
    async fn send_raw(
        &self,
        cx: &CallContext,
        request: RawRequest,
    ) -> Result<RawResponse, GatewayError> {
        let _ = cx;
        Err(GatewayError::internal(format!(
            "the `{}` adapter does not serve {} itself",
            self.kind(),
            request.endpoint.path()
        )))
    }
}
