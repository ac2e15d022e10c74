//! The upstream HTTP requests: `POST {base_url}/api/chat` and `GET {base_url}/api/tags`.

use std::sync::Arc;

use bytes::Bytes;
use http::{Request, Uri};
use switchboard_core::UpstreamHeaders;

use crate::OllamaConfig;

/// The ready-made parts of every request: URIs and headers, validated once.
#[derive(Debug, Clone)]
pub(crate) struct Endpoints {
    chat: Uri,
    tags: Uri,
    headers: UpstreamHeaders,
}

impl Endpoints {
    /// Validates the config into URIs and headers; the message names the bad key.
    pub(crate) fn new(config: &OllamaConfig) -> Result<Self, String> {
        let base = config.base_url.trim_end_matches('/');
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(format!(
                "`base_url` must start with http:// or https://, got `{base}`"
            ));
        }
        if base.ends_with("/v1") {
            return Err(format!(
                "`base_url` `{base}` ends in /v1, Ollama's OpenAI-compatible API: kind `ollama` \
                 talks to the native API, so drop the /v1 (or use kind `openai` for /v1)"
            ));
        }
        let uri = |path: &str| -> Result<Uri, String> {
            format!("{base}{path}")
                .parse()
                .map_err(|e| format!("`base_url` is not a valid URL: {e}"))
        };
        let mut headers = UpstreamHeaders::new();
        if let Some(key) = &config.api_key {
            headers.bearer(key, "api_key")?;
        }
        headers.extra(&config.headers)?;
        Ok(Self {
            chat: uri("/api/chat")?,
            tags: uri("/api/tags")?,
            headers,
        })
    }

    /// The credential values, so error bodies can be scrubbed of them.
    pub(crate) fn secrets(&self) -> Arc<[String]> {
        self.headers.secrets()
    }

    /// `POST {base}/api/chat` with a JSON `body`; accepts NDJSON when `stream`.
    pub(crate) fn chat(&self, body: Bytes, stream: bool) -> Request<Bytes> {
        let accept = if stream {
            "application/x-ndjson"
        } else {
            "application/json"
        };
        self.headers.post_json(self.chat.clone(), body, accept)
    }

    /// `GET {base}/api/tags`.
    pub(crate) fn tags(&self) -> Request<Bytes> {
        self.headers.get_json(self.tags.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::Method;
    use http::header::{ACCEPT, AUTHORIZATION};
    use switchboard_core::Secret;

    #[test]
    fn joins_paths_and_sets_auth() {
        let mut config = OllamaConfig::new("https://ollama.com/");
        config.api_key = Some(Secret::new("ollama-key-123456"));
        let e = Endpoints::new(&config).unwrap();
        let req = e.chat(Bytes::from_static(b"{}"), true);
        assert_eq!(req.uri(), "https://ollama.com/api/chat");
        assert_eq!(req.method(), Method::POST);
        assert_eq!(req.headers()[AUTHORIZATION], "Bearer ollama-key-123456");
        assert!(req.headers()[AUTHORIZATION].is_sensitive());
        assert_eq!(req.headers()[ACCEPT], "application/x-ndjson");
        assert_eq!(e.tags().uri(), "https://ollama.com/api/tags");
        assert_eq!(&*e.secrets(), ["ollama-key-123456"]);
    }

    #[test]
    fn the_default_is_local_and_keyless() {
        let e = Endpoints::new(&OllamaConfig::default()).unwrap();
        let req = e.chat(Bytes::new(), false);
        assert_eq!(req.uri(), "http://127.0.0.1:11434/api/chat");
        assert!(req.headers().get(AUTHORIZATION).is_none());
        assert_eq!(req.headers()[ACCEPT], "application/json");
    }

    #[test]
    fn bad_base_urls_are_config_errors() {
        assert!(Endpoints::new(&OllamaConfig::new("localhost:11434")).is_err());
        let err = Endpoints::new(&OllamaConfig::new("http://localhost:11434/v1")).unwrap_err();
        assert!(err.contains("kind `openai`"), "{err}");
    }
}
