//! [`ReplayTransport`]: an upstream that answers every request with the same recorded body.

use async_trait::async_trait;
use bytes::Bytes;
use futures_util::StreamExt;
use http::{HeaderMap, HeaderValue, StatusCode, header};
use switchboard_core::{ChunkStream, GatewayError, HttpTransport, UpstreamResponse};

/// Answers every request with `200`, a content type and a body cut into the given pieces
/// (as they would come off the network), without looking at the request.
#[derive(Debug, Clone)]
pub struct ReplayTransport {
    /// The `content-type` header of the answer.
    content_type: &'static str,
    /// The body, piece by piece.
    pieces: Vec<Bytes>,
}

impl ReplayTransport {
    /// A transport answering with `pieces` as a body of type `content_type`.
    pub fn new(content_type: &'static str, pieces: Vec<Bytes>) -> Self {
        Self {
            content_type,
            pieces,
        }
    }
}

#[async_trait]
impl HttpTransport for ReplayTransport {
    async fn send(&self, _request: http::Request<Bytes>) -> Result<UpstreamResponse, GatewayError> {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(self.content_type),
        );
        let pieces = self.pieces.clone();
        Ok(UpstreamResponse {
            status: StatusCode::OK,
            headers,
            body: Box::pin(futures_util::stream::iter(pieces.into_iter().map(Ok))),
        })
    }
}

/// Reads a chunk stream to its end; the number of chunks, or the error that ended it.
pub async fn drain(mut stream: ChunkStream) -> Result<usize, GatewayError> {
    let mut count = 0;
    while let Some(chunk) = stream.next().await {
        std::hint::black_box(chunk?);
        count += 1;
    }
    Ok(count)
}
