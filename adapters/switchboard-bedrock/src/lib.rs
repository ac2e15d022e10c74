//! switchboard adapter for AWS Bedrock (kind `bedrock`): Claude (and other Bedrock models)
//! through Converse / ConverseStream, or InvokeModel with the Anthropic Messages body.
//!
//! The pure parts have no HTTP: [`sign`] (SigV4 with `aws-sigv4`), [`eventstream`] (AWS
//! event-stream frames with `aws-smithy-eventstream`), [`converse`] (chat ↔ Converse),
//! [`invoke`] (chat ↔ InvokeModel, reusing `switchboard-anthropic`), [`stream`] (event
//! frames → chunks) and the error mapping of [`error`]. [`BedrockAdapter`] is the HTTP side.
//! With the crate feature `aws-chain`, credentials (and, for want of one, the region) can
//! also come from the full AWS credential chain of `aws-config`, whose HTTP calls go
//! through the adapter's transport.

mod adapter;
mod auth;
#[cfg(feature = "aws-chain")]
mod chain;
mod config;
pub mod converse;
pub mod error;
pub mod eventstream;
pub mod invoke;
pub mod sign;
pub mod stream;
mod target;

pub use adapter::BedrockAdapter;
pub use config::{Api, BedrockConfig};
pub use error::{map_error_response, map_exception, status_of_exception};
pub use stream::{StreamDecoder, chunk_stream};

inventory::submit! {
    switchboard_core::AdapterFactory {
        kind: "bedrock",
        description: "AWS Bedrock (Converse / InvokeModel), SigV4 or Bedrock API key",
        build: adapter::build,
    }
}
