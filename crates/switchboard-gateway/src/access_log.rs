//! One log line per request, written when the request is over: for a stream that is when
//! the last byte went out or the client went away, so the line carries the final status,
//! tokens and latency. Never a key; prompt text only when `log.prompts` is on.

use std::sync::Arc;
use std::time::Instant;

use switchboard_core::chat::Usage;

/// What is known about a request so far; logs itself when dropped.
pub struct RequestLog {
    armed: bool,
    start: Instant,
    /// The request id.
    pub request_id: Arc<str>,
    /// HTTP method.
    pub method: http::Method,
    /// Request path.
    pub path: String,
    /// The model the client asked for.
    pub model: Option<String>,
    /// The provider that served it.
    pub provider: Option<Arc<str>>,
    /// The status sent to the client.
    pub status: u16,
    /// Whether the response streamed.
    pub stream: bool,
    /// Tokens, when the upstream reported usage.
    pub usage: Option<Usage>,
    /// How the request ended: `ok`, `error`, `client_closed`, `stream_error`.
    pub outcome: &'static str,
    /// The error message, for failed requests.
    pub error: Option<String>,
    /// The request body, only when `log.prompts` is on.
    pub prompt: Option<String>,
}

impl RequestLog {
    /// Starts the clock for a request.
    pub fn start(request_id: Arc<str>, method: http::Method, path: &str) -> Self {
        Self {
            armed: true,
            start: Instant::now(),
            request_id,
            method,
            path: path.to_owned(),
            model: None,
            provider: None,
            status: 0,
            stream: false,
            usage: None,
            outcome: "ok",
            error: None,
            prompt: None,
        }
    }

    /// Moves the live record out (for a stream to log when it ends), leaving a silent one.
    pub fn take(&mut self) -> RequestLog {
        let mut silent = RequestLog::start(self.request_id.clone(), self.method.clone(), "");
        silent.armed = false;
        std::mem::replace(self, silent)
    }

    /// Seconds since the request arrived, in milliseconds.
    pub fn elapsed_ms(&self) -> f64 {
        self.start.elapsed().as_secs_f64() * 1000.0
    }
}

impl Drop for RequestLog {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        let (prompt_tokens, completion_tokens) = self.usage.as_ref().map_or((None, None), |u| {
            (Some(u.prompt_tokens), Some(u.completion_tokens))
        });
        let latency_ms = (self.elapsed_ms() * 1000.0).round() / 1000.0;
        macro_rules! line {
            ($level:ident) => {
                tracing::$level!(
                    target: "switchboard::access",
                    request_id = %self.request_id,
                    method = %self.method,
                    path = %self.path,
                    model = self.model.as_deref(),
                    provider = self.provider.as_deref(),
                    status = self.status,
                    stream = self.stream,
                    latency_ms,
                    prompt_tokens,
                    completion_tokens,
                    outcome = self.outcome,
                    error = self.error.as_deref(),
                    prompt = self.prompt.as_deref(),
                    "request"
                )
            };
        }
        if self.status >= 500 || self.outcome == "stream_error" || self.outcome == "client_closed" {
            line!(warn);
        } else {
            line!(info);
        }
    }
}
