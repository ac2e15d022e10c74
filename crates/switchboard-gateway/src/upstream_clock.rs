//! How long a request waited on upstreams, so the gateway can tell its own overhead apart.
//!
//! [`TimedTransport`] wraps the transport every adapter uses: it times the wait for an
//! upstream's headers and every wait for its body while the request's task is measuring
//! (inside [`measure`]). After commit a stream's body is polled elsewhere and nothing is
//! recorded. The clock is a task-local: no lock, no shared counter.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use futures_core::Stream;
use switchboard_core::{ByteStream, GatewayError, HttpTransport, UpstreamResponse};
use tokio::time::Instant;

tokio::task_local! {
    static WAITED: Cell<Duration>;
}

/// Runs `work`, returning its output and the time it spent waiting on upstreams.
pub(crate) async fn measure<F: Future>(work: F) -> (F::Output, Duration) {
    WAITED
        .scope(Cell::new(Duration::ZERO), async {
            let out = work.await;
            (out, WAITED.with(Cell::get))
        })
        .await
}

/// Adds `waited` to the current request's upstream time (nothing outside [`measure`]).
pub(crate) fn add(waited: Duration) {
    let _ = WAITED.try_with(|cell| cell.set(cell.get() + waited));
}

/// A transport that times upstream waits for [`measure`].
pub(crate) struct TimedTransport(pub(crate) Arc<dyn HttpTransport>);

#[async_trait]
impl HttpTransport for TimedTransport {
    async fn send(&self, request: http::Request<Bytes>) -> Result<UpstreamResponse, GatewayError> {
        let start = Instant::now();
        let result = self.0.send(request).await;
        add(start.elapsed());
        result.map(|mut response| {
            response.body = Box::pin(TimedBody {
                inner: response.body,
                waiting_since: None,
            });
            response
        })
    }
}

/// A body that adds each wait for its next piece to the request's upstream time.
struct TimedBody {
    inner: ByteStream,
    waiting_since: Option<Instant>,
}

impl Stream for TimedBody {
    type Item = Result<Bytes, GatewayError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let poll = self.inner.as_mut().poll_next(cx);
        match &poll {
            Poll::Pending => {
                if self.waiting_since.is_none() {
                    self.waiting_since = Some(Instant::now());
                }
            }
            Poll::Ready(_) => {
                if let Some(since) = self.waiting_since.take() {
                    add(since.elapsed());
                }
            }
        }
        poll
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn waits_inside_measure_are_added_and_outside_ignored() {
        add(Duration::from_secs(5));
        let ((), waited) = measure(async {
            add(Duration::from_millis(30));
            tokio::time::sleep(Duration::from_millis(50)).await;
            add(Duration::from_millis(20));
        })
        .await;
        assert_eq!(waited, Duration::from_millis(50));
    }
}
