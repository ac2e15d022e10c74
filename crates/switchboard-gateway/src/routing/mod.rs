//! Where a request goes: [`Router`] maps a model name (exact, alias, prefix route, or the
//! default model) to a [`ModelRoute`] — its [`Deployment`]s, fallbacks and policy — and
//! [`balance::pick`] chooses a healthy deployment for each attempt.

pub mod balance;
pub mod breaker;
pub mod deployment;
mod router;

use std::sync::Arc;
use std::time::Duration;

use switchboard_core::Adapter;

pub use breaker::{Breaker, BreakerState};
pub use deployment::{AttemptGuard, Deployment, Health};
pub use router::{ModelRoute, Resolved, Router};

/// A built provider: its adapter and its timeouts.
pub struct Provider {
    /// The configured name (`[providers.NAME]`).
    pub name: Arc<str>,
    /// The adapter serving it.
    pub adapter: Arc<dyn Adapter>,
    /// How long a stream's first event may take.
    pub first_byte_timeout: Duration,
    /// How long the whole request may take.
    pub total_timeout: Duration,
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use switchboard_core::chat::{ChatRequest, ChatResponse};
    use switchboard_core::{CallContext, ChunkStream, GatewayError, Model};

    struct Nothing;

    #[async_trait::async_trait]
    impl Adapter for Nothing {
        fn kind(&self) -> &'static str {
            "nothing"
        }
        async fn chat(
            &self,
            _: &CallContext,
            _: ChatRequest,
        ) -> Result<ChatResponse, GatewayError> {
            Err(GatewayError::internal("unused"))
        }
        async fn chat_stream(
            &self,
            _: &CallContext,
            _: ChatRequest,
        ) -> Result<ChunkStream, GatewayError> {
            Err(GatewayError::internal("unused"))
        }
        async fn list_models(&self, _: &CallContext) -> Result<Vec<Model>, GatewayError> {
            Ok(vec![])
        }
    }

    /// A provider whose adapter is never called.
    pub(crate) fn provider(name: &str) -> Arc<Provider> {
        Arc::new(Provider {
            name: name.into(),
            adapter: Arc::new(Nothing),
            first_byte_timeout: Duration::from_secs(1),
            total_timeout: Duration::from_secs(1),
        })
    }
}
