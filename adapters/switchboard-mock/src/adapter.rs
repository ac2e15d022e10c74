//! [`MockAdapter`]: the `mock` kind's implementation of [`Adapter`].

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use http::StatusCode;
use serde_json::Map;
use switchboard_core::chat::{
    ChatChoice, ChatMessage, ChatRequest, ChatResponse, FunctionCall, ToolCall,
};
use switchboard_core::{
    Adapter, BuildContext, BuildError, CallContext, ChunkStream, Fault, GatewayError, Model,
};

use crate::reply::Reply;
use crate::stream::{chunks, paced};
use crate::{Behaviour, MockConfig};

/// The mock provider. Needs no network; the same request always gets the same answer.
pub struct MockAdapter {
    name: String,
    config: MockConfig,
}

impl MockAdapter {
    /// A mock named `name` (the owner shown in model lists).
    pub fn new(name: impl Into<String>, config: MockConfig) -> Self {
        Self {
            name: name.into(),
            config,
        }
    }

    fn behaviour(&self, request: &ChatRequest) -> Result<Behaviour, GatewayError> {
        let b = Behaviour::from_model(&request.model, &self.config);
        match b.error_status {
            Some(status) => Err(scripted_error(status)),
            None => Ok(b),
        }
    }
}

pub(crate) fn build(cx: BuildContext<'_>) -> Result<Arc<dyn Adapter>, BuildError> {
    let config: MockConfig = cx.parse_config()?;
    Ok(Arc::new(MockAdapter::new(cx.name, config)))
}

/// The error an `errorNNN` model answers with, shaped as OpenAI's for that status.
fn scripted_error(status: u16) -> GatewayError {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let (kind, code, fault) = match status.as_u16() {
        429 => ("rate_limit_error", "rate_limit_exceeded", Fault::Upstream),
        400..=499 => ("invalid_request_error", "mock_error", Fault::Client),
        _ => ("server_error", "mock_error", Fault::Upstream),
    };
    let err = GatewayError::new(
        status,
        kind,
        format!(
            "The mock provider was asked to fail with HTTP {}.",
            status.as_u16()
        ),
        fault,
    )
    .with_code(code);
    if status == StatusCode::TOO_MANY_REQUESTS {
        err.with_retry_after(Duration::from_secs(1))
    } else {
        err
    }
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

#[async_trait]
impl Adapter for MockAdapter {
    fn kind(&self) -> &'static str {
        "mock"
    }

    async fn chat(
        &self,
        _cx: &CallContext,
        request: ChatRequest,
    ) -> Result<ChatResponse, GatewayError> {
        let behaviour = self.behaviour(&request)?;
        let reply = Reply::plan(&request, &behaviour);
        let mut message = ChatMessage::assistant(reply.text());
        message.refusal = Some(None);
        if !reply.reasoning.is_empty() {
            message.reasoning_content = Some(Some(reply.reasoning.join(" ")));
        }
        if let Some((id, name, arguments)) = &reply.tool_call {
            message.content = Some(None);
            message.tool_calls = Some(vec![ToolCall {
                id: id.clone(),
                r#type: "function".into(),
                function: FunctionCall {
                    name: name.clone(),
                    arguments: arguments.clone(),
                    extra: Map::new(),
                },
                extra: Map::new(),
            }]);
        }
        Ok(ChatResponse {
            id: reply.id.clone(),
            object: "chat.completion".into(),
            created: now(),
            model: request.model,
            choices: vec![ChatChoice {
                index: 0,
                message,
                finish_reason: Some(Some(reply.finish_reason.clone())),
                logprobs: Some(serde_json::Value::Null),
                extra: Map::new(),
            }],
            usage: Some(Some(reply.usage)),
            system_fingerprint: None,
            service_tier: None,
            extra: Map::new(),
        })
    }

    async fn chat_stream(
        &self,
        _cx: &CallContext,
        request: ChatRequest,
    ) -> Result<ChunkStream, GatewayError> {
        let behaviour = self.behaviour(&request)?;
        let reply = Reply::plan(&request, &behaviour);
        Ok(paced(
            chunks(&reply, &request.model, now()),
            behaviour.delay,
        ))
    }

    async fn list_models(&self, _cx: &CallContext) -> Result<Vec<Model>, GatewayError> {
        Ok(self
            .config
            .models
            .iter()
            .map(|id| Model::new(id, &self.name))
            .collect())
    }
}

#[cfg(test)]
mod tests;
