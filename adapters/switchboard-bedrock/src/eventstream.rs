//! AWS event-stream frames (providers.md §5.4), decoded with `aws-smithy-eventstream`'s
//! [`MessageFrameDecoder`] from bytes split anywhere.
//!
//! [`FrameReader`] is a pure state machine: [`FrameReader::push`] the bytes as they arrive,
//! take [`Frame`]s with [`FrameReader::next_frame`] until it gives `None`, and call
//! [`FrameReader::finish`] at the end of the body to catch a cut frame.

use aws_smithy_eventstream::frame::{DecodedFrame, MessageFrameDecoder};
use aws_smithy_types::event_stream::{HeaderValue, Message};
use bytes::{Bytes, BytesMut};
use switchboard_core::GatewayError;

/// One decoded message, by its `:message-type`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// `:message-type: event`: `:event-type` (`chunk`, `contentBlockDelta`, ...) and the JSON
    /// payload.
    Event {
        /// The `:event-type` header.
        event_type: String,
        /// The payload bytes.
        payload: Bytes,
    },
    /// `:message-type: exception`: `:exception-type` (`throttlingException`, ...) and the
    /// JSON payload (`{"message": ...}`).
    Exception {
        /// The `:exception-type` header.
        exception_type: String,
        /// The payload bytes.
        payload: Bytes,
    },
    /// `:message-type: error`: `:error-code` and `:error-message`.
    Error {
        /// The `:error-code` header.
        code: String,
        /// The `:error-message` header.
        message: String,
    },
}

/// Reassembles frames from a byte stream.
#[derive(Debug, Default)]
pub struct FrameReader {
    decoder: MessageFrameDecoder,
    buffer: BytesMut,
    /// True while a frame's prelude was taken from `buffer` but its rest has not arrived.
    partial: bool,
}

impl FrameReader {
    /// A reader at the start of a stream.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends bytes as they arrive.
    pub fn push(&mut self, bytes: &[u8]) {
        self.buffer.extend_from_slice(bytes);
    }

    /// The next whole frame; `Ok(None)` when more bytes are needed. A frame with a bad
    /// length or checksum is a 502.
    pub fn next_frame(&mut self) -> Result<Option<Frame>, GatewayError> {
        let before = self.buffer.len();
        match self.decoder.decode_frame(&mut self.buffer) {
            Ok(DecodedFrame::Complete(message)) => {
                self.partial = false;
                Ok(Some(classify(&message)))
            }
            Ok(DecodedFrame::Incomplete) => {
                self.partial |= self.buffer.len() < before;
                Ok(None)
            }
            Err(e) => Err(GatewayError::bad_gateway(format!(
                "the upstream sent a bad event-stream frame: {e}"
            ))),
        }
    }

    /// At the end of the body: an error when a frame was cut short.
    pub fn finish(&self) -> Result<(), GatewayError> {
        if self.partial || !self.buffer.is_empty() {
            return Err(GatewayError::bad_gateway(
                "the upstream closed the stream in the middle of an event-stream frame",
            ));
        }
        Ok(())
    }
}

/// The string value of header `name`, or "".
pub fn header<'a>(message: &'a Message, name: &str) -> &'a str {
    message
        .headers()
        .iter()
        .find(|h| h.name().as_str() == name)
        .and_then(|h| match h.value() {
            HeaderValue::String(s) => Some(s.as_str()),
            _ => None,
        })
        .unwrap_or("")
}

fn classify(message: &Message) -> Frame {
    let payload = message.payload().clone();
    match header(message, ":message-type") {
        "exception" => Frame::Exception {
            exception_type: header(message, ":exception-type").to_owned(),
            payload,
        },
        "error" => Frame::Error {
            code: header(message, ":error-code").to_owned(),
            message: header(message, ":error-message").to_owned(),
        },
        _ => Frame::Event {
            event_type: header(message, ":event-type").to_owned(),
            payload,
        },
    }
}

/// Encodes one `:message-type: event` frame with a JSON payload, as Bedrock sends them
/// (for test servers and fixtures).
pub fn encode_event(event_type: &str, payload: &[u8]) -> Vec<u8> {
    use aws_smithy_types::event_stream::Header;
    let message = Message::new(Bytes::copy_from_slice(payload))
        .add_header(Header::new(":event-type", text(event_type.to_owned())))
        .add_header(Header::new(":content-type", text("application/json")))
        .add_header(Header::new(":message-type", text("event")));
    encode(&message)
}

/// Encodes one `:message-type: exception` frame (for test servers and fixtures).
pub fn encode_exception(exception_type: &str, payload: &[u8]) -> Vec<u8> {
    use aws_smithy_types::event_stream::Header;
    let message = Message::new(Bytes::copy_from_slice(payload))
        .add_header(Header::new(
            ":exception-type",
            text(exception_type.to_owned()),
        ))
        .add_header(Header::new(":content-type", text("application/json")))
        .add_header(Header::new(":message-type", text("exception")));
    encode(&message)
}

fn text(value: impl Into<String>) -> HeaderValue {
    HeaderValue::String(value.into().into())
}

fn encode(message: &Message) -> Vec<u8> {
    let mut out = Vec::new();
    // Writing to a Vec fails only for a frame over 16 MiB; ours are tiny.
    if let Err(e) = aws_smithy_eventstream::frame::write_message_to(message, &mut out) {
        tracing::error!("could not encode an event-stream frame: {e}");
    }
    out
}

#[cfg(test)]
mod tests;
