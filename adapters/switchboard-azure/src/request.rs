//! Building the upstream HTTP requests: URLs per surface, auth and extra headers.

use bytes::Bytes;
use std::sync::Arc;

use http::header::HeaderName;
use http::{Request, Uri};
use switchboard_core::{Endpoint, GatewayError, UpstreamHeaders};

use crate::config::{AzureConfig, Surface};

/// The ready-made parts of every request, validated once at build time.
#[derive(Debug, Clone)]
pub(crate) struct Endpoints {
    /// `{endpoint}/openai`, no trailing slash.
    root: String,
    surface: Surface,
    /// The configured deployment, if every request goes to one.
    pub(crate) deployment: Option<String>,
    /// `?api-version=...` (already encoded) or empty.
    query: String,
    /// Auth and extra headers, and the credentials among them.
    headers: UpstreamHeaders,
}

impl Endpoints {
    /// Validates the config into a URL root and headers.
    pub(crate) fn new(config: &AzureConfig) -> Result<Self, String> {
        let base = match (&config.endpoint, &config.resource) {
            (Some(endpoint), None) => endpoint.trim().to_owned(),
            (None, Some(resource)) => resource_url(resource)?,
            (Some(_), Some(_)) => {
                return Err("set either `endpoint` or `resource`, not both".to_owned());
            }
            (None, None) => {
                return Err(
                    "`endpoint` is required (e.g. \"https://RESOURCE.openai.azure.com\")"
                        .to_owned(),
                );
            }
        };
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(format!(
                "`endpoint` must start with http:// or https://, got `{base}`"
            ));
        }
        let base = base.trim_end_matches('/');
        // Lenient in: the base URL of the stock OpenAI client (`.../openai/v1`) also works.
        let base = base
            .strip_suffix("/openai/v1")
            .or_else(|| base.strip_suffix("/openai"))
            .unwrap_or(base);
        let query = config
            .effective_api_version()
            .map(|v| format!("?api-version={}", encode(v)))
            .unwrap_or_default();
        let headers = headers(config)?;
        let endpoints = Self {
            root: format!("{base}/openai"),
            surface: config.surface,
            deployment: config
                .deployment
                .as_deref()
                .map(str::trim)
                .filter(|d| !d.is_empty())
                .map(str::to_owned),
            query,
            headers,
        };
        endpoints
            .uri(Endpoint::ChatCompletions, "probe")
            .map_err(|_| format!("`endpoint` is not a valid URL: `{base}`"))?;
        Ok(endpoints)
    }

    /// The URL for `endpoint`. `model` is the body's model: the deployment on the
    /// deployments surface unless one is configured.
    pub(crate) fn uri(&self, endpoint: Endpoint, model: &str) -> Result<Uri, GatewayError> {
        let url = match (self.surface, endpoint) {
            (Surface::V1, _) => format!("{}/v1{}{}", self.root, endpoint.path(), self.query),
            // Azure's pre-v1 Responses API is not under a deployment: the body names it.
            (Surface::Deployments, Endpoint::Responses) => {
                format!("{}/responses{}", self.root, self.query)
            }
            (Surface::Deployments, _) => {
                let deployment = self.deployment.as_deref().unwrap_or(model);
                if deployment.is_empty() {
                    return Err(GatewayError::missing_param("model"));
                }
                format!(
                    "{}/deployments/{}{}{}",
                    self.root,
                    encode(deployment),
                    endpoint.path(),
                    self.query
                )
            }
        };
        url.parse()
            .map_err(|e| GatewayError::internal(format!("could not build the upstream URL: {e}")))
    }

    /// `GET` of the model list: `/openai/v1/models`, or `/openai/models?api-version=...`
    /// (the models the resource can deploy) on the deployments surface.
    pub(crate) fn models(&self) -> Result<Request<Bytes>, GatewayError> {
        let url = match self.surface {
            Surface::V1 => format!("{}/v1/models{}", self.root, self.query),
            Surface::Deployments => format!("{}/models{}", self.root, self.query),
        };
        let uri = url.parse().map_err(|e| {
            GatewayError::internal(format!("could not build the upstream URL: {e}"))
        })?;
        Ok(self.headers.get_json(uri))
    }

    /// `POST uri` with a JSON `body`.
    pub(crate) fn post(&self, uri: Uri, body: Bytes, stream: bool) -> Request<Bytes> {
        let accept = if stream {
            "text/event-stream"
        } else {
            "application/json"
        };
        self.headers.post_json(uri, body, accept)
    }

    /// True on the v1 surface, where the body's `model` is the deployment name.
    /// The credential values, so error bodies can be scrubbed of them.
    pub(crate) fn secrets(&self) -> Arc<[String]> {
        self.headers.secrets()
    }

    pub(crate) fn model_in_body(&self) -> bool {
        self.surface == Surface::V1
    }
}

/// `https://NAME.openai.azure.com` for a bare resource name.
fn resource_url(resource: &str) -> Result<String, String> {
    let name = resource.trim();
    let valid = !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if !valid {
        return Err(format!(
            "`resource` must be a bare resource name (letters, digits, `-`), got `{name}`"
        ));
    }
    Ok(format!("https://{name}.openai.azure.com"))
}

/// The auth header and the extra headers, with the credentials among them.
fn headers(config: &AzureConfig) -> Result<UpstreamHeaders, String> {
    let mut headers = UpstreamHeaders::new();
    match (&config.api_key, &config.bearer_token) {
        (Some(_), Some(_)) => {
            return Err("set either `api_key` or `bearer_token`, not both".to_owned());
        }
        (Some(key), None) => headers.insert_secret(
            HeaderName::from_static("api-key"),
            key.expose(),
            key.expose(),
            "api_key",
        )?,
        (None, Some(token)) => headers.bearer(token, "bearer_token")?,
        (None, None) => {}
    }
    headers.extra(&config.headers)?;
    Ok(headers)
}

/// Percent-encodes everything but RFC 3986's unreserved characters, for a path segment
/// (a deployment name) or a query value (an api-version).
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests;
