//! The response body as a [`ByteStream`]: data frames as they arrive, trailers skipped.

use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use futures_core::Stream;
use http_body::Body;
use hyper::body::Incoming;
use switchboard_core::{ByteStream, GatewayError};

use crate::error::body_error;

/// Wraps `body` so it yields each data frame as soon as hyper has it. No task and no
/// channel sit in between: the stream owns the `Incoming`, so dropping the stream drops the
/// body and hyper closes the HTTP/1.1 connection (or resets the HTTP/2 stream), which
/// cancels the upstream request.
pub(crate) fn byte_stream(body: Incoming) -> ByteStream {
    Box::pin(IncomingStream { body: Some(body) })
}

struct IncomingStream {
    /// `None` once the body ended or failed, so it is not polled again.
    body: Option<Incoming>,
}

impl Stream for IncomingStream {
    type Item = Result<Bytes, GatewayError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            let Some(body) = self.body.as_mut() else {
                return Poll::Ready(None);
            };
            match ready!(Pin::new(body).poll_frame(cx)) {
                Some(Ok(frame)) => match frame.into_data() {
                    Ok(data) if data.is_empty() => continue,
                    Ok(data) => return Poll::Ready(Some(Ok(data))),
                    // Trailers carry nothing an adapter reads; keep reading to the end.
                    Err(_trailers) => continue,
                },
                Some(Err(err)) => {
                    self.body = None;
                    return Poll::Ready(Some(Err(body_error(&err))));
                }
                None => {
                    self.body = None;
                    return Poll::Ready(None);
                }
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match &self.body {
            Some(body) if body.is_end_stream() => (0, Some(0)),
            Some(_) => (0, None),
            None => (0, Some(0)),
        }
    }
}
