//! The upstream HTTP requests: `POST {base_url}/api/chat` and `GET {base_url}/api/tags`.

use bytes::Bytes;
use http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderName, HeaderValue};
use http::{Method, Request, Uri};

use crate::OllamaConfig;

/// The ready-made parts of every request: URIs and headers, validated once.
#[derive(Debug, Clone)]
pub(crate) struct Endpoints {
    chat: Uri,
    tags: Uri,
    headers: http::HeaderMap,
    /// The credential values, so error bodies can be scrubbed of them.
    pub(crate) secrets: Vec<String>,
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
        let mut headers = http::HeaderMap::new();
        let mut secrets = Vec::new();
        if let Some(key) = &config.api_key {
            let value = HeaderValue::try_from(format!("Bearer {}", key.expose()))
                .map_err(|_| "`api_key` holds characters not allowed in a header".to_owned())?;
            headers.insert(AUTHORIZATION, sensitive(value));
            secrets.push(key.expose().to_owned());
        }
        for (name, value) in &config.headers {
            let header = HeaderName::try_from(name.as_str())
                .map_err(|_| format!("`headers.{name}` is not a valid header name"))?;
            let v = HeaderValue::try_from(value.expose())
                .map_err(|_| format!("`headers.{name}` is not a valid header value"))?;
            headers.insert(header, sensitive(v));
            secrets.push(value.expose().to_owned());
        }
        // Short values would scrub ordinary words out of error messages.
        secrets.retain(|s| s.len() >= 8);
        Ok(Self {
            chat: uri("/api/chat")?,
            tags: uri("/api/tags")?,
            headers,
            secrets,
        })
    }

    /// `POST {base}/api/chat` with a JSON `body`; accepts NDJSON when `stream`.
    pub(crate) fn chat(&self, body: Bytes, stream: bool) -> Request<Bytes> {
        let mut req = self.request(Method::POST, self.chat.clone(), body);
        let h = req.headers_mut();
        h.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        h.insert(
            ACCEPT,
            HeaderValue::from_static(if stream {
                "application/x-ndjson"
            } else {
                "application/json"
            }),
        );
        req
    }

    /// `GET {base}/api/tags`.
    pub(crate) fn tags(&self) -> Request<Bytes> {
        let mut req = self.request(Method::GET, self.tags.clone(), Bytes::new());
        req.headers_mut()
            .insert(ACCEPT, HeaderValue::from_static("application/json"));
        req
    }

    fn request(&self, method: Method, uri: Uri, body: Bytes) -> Request<Bytes> {
        let mut req = Request::new(body);
        *req.method_mut() = method;
        *req.uri_mut() = uri;
        req.headers_mut().clone_from(&self.headers);
        req
    }
}

fn sensitive(mut value: HeaderValue) -> HeaderValue {
    value.set_sensitive(true);
    value
}

#[cfg(test)]
mod tests {
    use super::*;
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
        assert_eq!(e.secrets, ["ollama-key-123456"]);
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
