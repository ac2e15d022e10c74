//! Building the upstream HTTP requests: URIs and headers, validated once.

use bytes::Bytes;
use http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderName, HeaderValue};
use http::{Method, Request, Uri};

use crate::AnthropicConfig;
use crate::config::AuthStyle;

/// The ready-made parts of every request.
#[derive(Debug, Clone)]
pub(crate) struct Endpoints {
    messages: Uri,
    models: Uri,
    headers: http::HeaderMap,
    /// The credential values, so error bodies can be scrubbed of them.
    pub(crate) secrets: Vec<String>,
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
        let mut headers = http::HeaderMap::new();
        let mut secrets = Vec::new();
        if let Some(key) = &config.api_key {
            let (name, value) = match config.auth {
                AuthStyle::XApiKey => (
                    HeaderName::from_static("x-api-key"),
                    key.expose().to_owned(),
                ),
                AuthStyle::Bearer => (AUTHORIZATION, format!("Bearer {}", key.expose())),
            };
            let value = HeaderValue::try_from(value)
                .map_err(|_| "`api_key` holds characters not allowed in a header".to_owned())?;
            headers.insert(name, sensitive(value));
            secrets.push(key.expose().to_owned());
        }
        let version = HeaderValue::try_from(config.anthropic_version.as_str())
            .map_err(|_| "`anthropic_version` is not a valid header value".to_owned())?;
        headers.insert(HeaderName::from_static("anthropic-version"), version);
        if !config.beta.is_empty() {
            let beta = HeaderValue::try_from(config.beta.join(","))
                .map_err(|_| "`beta` holds characters not allowed in a header".to_owned())?;
            headers.insert(HeaderName::from_static("anthropic-beta"), beta);
        }
        for (name, value) in &config.headers {
            let header = HeaderName::try_from(name.as_str())
                .map_err(|_| format!("`headers.{name}` is not a valid header name"))?;
            let v = HeaderValue::try_from(value.expose())
                .map_err(|_| format!("`headers.{name}` is not a valid header value"))?;
            headers.insert(header, sensitive(v));
            secrets.push(value.expose().to_owned());
        }
        secrets.retain(|s| s.len() >= 8);
        Ok(Self {
            messages: uri("/messages")?,
            models: uri("/models?limit=1000")?,
            headers,
            secrets,
        })
    }

    /// `POST {root}/v1/messages` with a JSON `body`.
    pub(crate) fn messages(&self, body: Bytes, stream: bool) -> Request<Bytes> {
        let mut req = self.request(Method::POST, self.messages.clone(), body);
        let h = req.headers_mut();
        h.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        h.insert(
            ACCEPT,
            HeaderValue::from_static(if stream {
                "text/event-stream"
            } else {
                "application/json"
            }),
        );
        req
    }

    /// `GET {root}/v1/models?limit=1000`.
    pub(crate) fn models(&self) -> Request<Bytes> {
        let mut req = self.request(Method::GET, self.models.clone(), Bytes::new());
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
        assert_eq!(e.secrets, ["sk-ant-test-123456"]);
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
