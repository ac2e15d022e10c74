//! Building the upstream HTTP requests: URIs and headers, validated once.

use std::sync::Arc;

use bytes::Bytes;
use http::header::HeaderName;
use http::{Request, Uri};
use switchboard_core::UpstreamHeaders;

use crate::AnthropicConfig;
use crate::config::AuthStyle;

/// The ready-made parts of every request.
#[derive(Debug, Clone)]
pub(crate) struct Endpoints {
    messages: Uri,
    models: Uri,
    headers: UpstreamHeaders,
}

impl Endpoints {
    /// Validates the config into URIs and headers.
    pub(crate) fn new(config: &AnthropicConfig) -> Result<Self, String> {
        let base = config.base_url.trim_end_matches('/');
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(format!(
                "`base_url` must start with http:// or https://, got `{base}`"
            ));
        }
        let root = if base.ends_with("/v1") {
            base.to_owned()
        } else {
            format!("{base}/v1")
        };
        let uri = |path: &str| -> Result<Uri, String> {
            format!("{root}{path}")
                .parse()
                .map_err(|e| format!("`base_url` is not a valid URL: {e}"))
        };
        let mut headers = UpstreamHeaders::new();
        if let Some(key) = &config.api_key {
            match config.auth {
                AuthStyle::XApiKey => headers.insert_secret(
                    HeaderName::from_static("x-api-key"),
                    key.expose(),
                    key.expose(),
                    "api_key",
                )?,
                AuthStyle::Bearer => headers.bearer(key, "api_key")?,
            }
        }
        headers.insert(
            HeaderName::from_static("anthropic-version"),
            &config.anthropic_version,
            "anthropic_version",
        )?;
        if !config.beta.is_empty() {
            headers.insert(
                HeaderName::from_static("anthropic-beta"),
                &config.beta.join(","),
                "beta",
            )?;
        }
        headers.extra(&config.headers)?;
        Ok(Self {
            messages: uri("/messages")?,
            models: uri("/models?limit=1000")?,
            headers,
        })
    }

    /// The credential values, so error bodies can be scrubbed of them.
    pub(crate) fn secrets(&self) -> Arc<[String]> {
        self.headers.secrets()
    }

    /// `POST {root}/v1/messages` with a JSON `body`.
    pub(crate) fn messages(&self, body: Bytes, stream: bool) -> Request<Bytes> {
        let accept = if stream {
            "text/event-stream"
        } else {
            "application/json"
        };
        self.headers.post_json(self.messages.clone(), body, accept)
    }

    /// `GET {root}/v1/models?limit=1000`.
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
    fn joins_paths_and_sets_the_headers() {
        let mut config = AnthropicConfig::new("http://127.0.0.1:9/");
        config.api_key = Some(Secret::new("sk-ant-test-123456"));
        config.beta = vec!["a-1".into(), "b-2".into()];
        let e = Endpoints::new(&config).unwrap();
        let req = e.messages(Bytes::from_static(b"{}"), true);
        assert_eq!(req.uri(), "http://127.0.0.1:9/v1/messages");
        assert_eq!(req.headers()["x-api-key"], "sk-ant-test-123456");
        assert!(req.headers()["x-api-key"].is_sensitive());
        assert_eq!(req.headers()["anthropic-version"], "2023-06-01");
        assert_eq!(req.headers()["anthropic-beta"], "a-1,b-2");
        assert_eq!(req.headers()[ACCEPT], "text/event-stream");
        assert_eq!(e.models().uri(), "http://127.0.0.1:9/v1/models?limit=1000");
        assert_eq!(&*e.secrets(), ["sk-ant-test-123456"]);
    }

    #[test]
    fn a_base_ending_in_v1_is_not_doubled_and_bearer_is_an_option() {
        let mut config = AnthropicConfig::new("https://proxy.example/anthropic/v1");
        config.api_key = Some(Secret::new("token-abcdefgh"));
        config.auth = AuthStyle::Bearer;
        let e = Endpoints::new(&config).unwrap();
        let req = e.messages(Bytes::new(), false);
        assert_eq!(req.uri(), "https://proxy.example/anthropic/v1/messages");
        assert_eq!(req.headers()[AUTHORIZATION], "Bearer token-abcdefgh");
        assert!(req.headers().get("x-api-key").is_none());
    }

    #[test]
    fn bad_base_url_is_a_config_error() {
        assert!(Endpoints::new(&AnthropicConfig::new("api.anthropic.com")).is_err());
    }
}
