//! Building the upstream HTTP requests.

use std::sync::Arc;

use bytes::Bytes;
use http::header::HeaderName;
use http::{Request, Uri};
use switchboard_core::{Endpoint, UpstreamHeaders};

use crate::OpenAiConfig;

/// The ready-made parts of every request: endpoint URIs and headers, validated once.
#[derive(Debug, Clone)]
pub(crate) struct Endpoints {
    chat: Uri,
    completions: Uri,
    responses: Uri,
    models: Uri,
    headers: UpstreamHeaders,
}

impl Endpoints {
    /// Validates the config into URIs and headers.
    pub(crate) fn new(config: &OpenAiConfig) -> Result<Self, String> {
        let base = config.base_url.trim_end_matches('/');
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(format!(
                "`base_url` must start with http:// or https://, got `{base}`"
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
        for (name, value) in [
            ("openai-organization", &config.organization),
            ("openai-project", &config.project),
        ] {
            if let Some(v) = value {
                headers.insert(HeaderName::from_static(name), v, name)?;
            }
        }
        headers.extra(&config.headers)?;
        Ok(Self {
            chat: uri(Endpoint::ChatCompletions.path())?,
            completions: uri(Endpoint::Completions.path())?,
            responses: uri(Endpoint::Responses.path())?,
            models: uri("/models")?,
            headers,
        })
    }

    /// The credential values, so error bodies can be scrubbed of them.
    pub(crate) fn secrets(&self) -> Arc<[String]> {
        self.headers.secrets()
    }

    /// `POST {base}/chat/completions` with `body`.
    pub(crate) fn chat(&self, body: Bytes, stream: bool) -> Request<Bytes> {
        self.post(Endpoint::ChatCompletions, body, stream)
    }

    /// `POST {base}{endpoint}` with a JSON `body`.
    pub(crate) fn post(&self, endpoint: Endpoint, body: Bytes, stream: bool) -> Request<Bytes> {
        let uri = match endpoint {
            Endpoint::ChatCompletions => &self.chat,
            Endpoint::Completions => &self.completions,
            Endpoint::Responses => &self.responses,
        };
        let accept = if stream {
            "text/event-stream"
        } else {
            "application/json"
        };
        self.headers.post_json(uri.clone(), body, accept)
    }

    /// `GET {base}/models`.
    pub(crate) fn models(&self) -> Request<Bytes> {
        self.headers.get_json(self.models.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::header::{ACCEPT, AUTHORIZATION};
    use switchboard_core::Secret;

    #[test]
    fn joins_paths_and_sets_auth() {
        let mut config = OpenAiConfig::new("http://127.0.0.1:8000/v1/");
        config.api_key = Some(Secret::new("sk-test-123456"));
        config.organization = Some("org-1".into());
        let e = Endpoints::new(&config).unwrap();
        let req = e.chat(Bytes::from_static(b"{}"), true);
        assert_eq!(req.uri(), "http://127.0.0.1:8000/v1/chat/completions");
        assert_eq!(req.headers()[AUTHORIZATION], "Bearer sk-test-123456");
        assert!(req.headers()[AUTHORIZATION].is_sensitive());
        assert_eq!(req.headers()["openai-organization"], "org-1");
        assert_eq!(req.headers()[ACCEPT], "text/event-stream");
        assert_eq!(e.models().uri(), "http://127.0.0.1:8000/v1/models");
    }

    #[test]
    fn no_key_means_no_authorization_header() {
        let e = Endpoints::new(&OpenAiConfig::new("http://localhost:8000/v1")).unwrap();
        let req = e.chat(Bytes::new(), false);
        assert!(req.headers().get(AUTHORIZATION).is_none());
    }

    #[test]
    fn bad_base_url_is_a_config_error() {
        assert!(Endpoints::new(&OpenAiConfig::new("localhost:8000")).is_err());
    }
}
