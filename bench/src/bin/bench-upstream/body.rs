//! The response body: a whole JSON answer, or a stream's frames paced by a delay.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use tokio::time::Sleep;

use crate::canned;

/// What `bench-upstream` answers with.
pub enum ReplyBody {
    /// A whole body, sent at once (taken when sent).
    Whole(Option<Bytes>),
    /// Stream frames, content frames each after `delay`.
    Paced {
        /// The frames still to send, in order.
        frames: std::vec::IntoIter<canned::Frame>,
        /// The pause before each paced frame.
        delay: Duration,
        /// The pause under way, and the frame it holds back.
        waiting: Option<(Pin<Box<Sleep>>, Bytes)>,
    },
}

impl ReplyBody {
    /// A body of `frames`, the paced ones sent `delay` after the one before.
    pub fn paced(frames: Vec<canned::Frame>, delay: Duration) -> Self {
        ReplyBody::Paced {
            frames: frames.into_iter(),
            delay,
            waiting: None,
        }
    }
}

impl Body for ReplyBody {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        match self.get_mut() {
            ReplyBody::Whole(bytes) => Poll::Ready(bytes.take().map(|b| Ok(Frame::data(b)))),
            ReplyBody::Paced {
                frames,
                delay,
                waiting,
            } => {
                if let Some((sleep, _)) = waiting {
                    if sleep.as_mut().poll(cx).is_pending() {
                        return Poll::Pending;
                    }
                    return Poll::Ready(waiting.take().map(|(_, bytes)| Ok(Frame::data(bytes))));
                }
                let Some(frame) = frames.next() else {
                    return Poll::Ready(None);
                };
                if !frame.paced || delay.is_zero() {
                    return Poll::Ready(Some(Ok(Frame::data(frame.bytes))));
                }
                let mut sleep = Box::pin(tokio::time::sleep(*delay));
                if sleep.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(Some(Ok(Frame::data(frame.bytes))));
                }
                *waiting = Some((sleep, frame.bytes));
                Poll::Pending
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            ReplyBody::Whole(bytes) => bytes.is_none(),
            ReplyBody::Paced {
                frames, waiting, ..
            } => waiting.is_none() && frames.len() == 0,
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            ReplyBody::Whole(bytes) => {
                SizeHint::with_exact(bytes.as_ref().map_or(0, |b| b.len() as u64))
            }
            ReplyBody::Paced { .. } => SizeHint::default(),
        }
    }
}
