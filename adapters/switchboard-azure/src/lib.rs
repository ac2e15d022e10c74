//! switchboard adapter for Azure OpenAI (kind `azure_openai`): a resource's deployments
//! through either URL surface, the `/openai/v1/` one (the default; the body's `model` is
//! the deployment) or the classic `/openai/deployments/{deployment}/...?api-version=...`.
//!
//! Azure speaks OpenAI's wire format, so chat completions take the same-shape fast path
//! ([`switchboard_core::Adapter::send_raw`]), and so does the Responses API where Azure
//! serves it. Azure's own habits are handled here: the `api-key` header (or an Entra ID
//! bearer token), stream chunks with empty `choices` that carry `prompt_filter_results`,
//! content-filter errors, and 429s that ask to wait a whole day. Used alone,
//! [`AzureAdapter`] is a typed client for one resource.

mod adapter;
mod config;
mod error;
mod request;
mod response;
mod stream;

pub use adapter::AzureAdapter;
pub use config::{AzureConfig, DEFAULT_API_VERSION, DEFAULT_MAX_RETRY_AFTER, Mode, Surface};
pub use stream::{azure_chunk_stream, normalise_chunk};

inventory::submit! {
    switchboard_core::AdapterFactory {
        kind: "azure_openai",
        description: "Azure OpenAI (the /openai/v1 and /openai/deployments surfaces; api-key or Entra ID token)",
        build: adapter::build,
    }
}
