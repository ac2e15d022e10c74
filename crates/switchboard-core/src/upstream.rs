//! [`UpstreamHeaders`]: the headers an adapter sends with every request to its upstream
//! (credentials, the config's extra `headers` table, fixed ones like `anthropic-version`),
//! and the credential values among them, so an adapter can scrub them from any upstream
//! text it quotes. Built once from config; every request starts from a copy.

use std::collections::BTreeMap;
use std::sync::Arc;

use bytes::Bytes;
use http::header::{ACCEPT, CONTENT_TYPE, HeaderName, HeaderValue};
use http::{HeaderMap, Method, Request, Uri};

use crate::Secret;

/// Credential values shorter than this are not scrubbed from upstream text: they would
/// erase ordinary words from error messages.
pub const MIN_SCRUBBED_LEN: usize = 8;

/// The fixed headers of one upstream and the secrets among them.
#[derive(Debug, Clone, Default)]
pub struct UpstreamHeaders {
    headers: HeaderMap,
    secrets: Vec<String>,
}

impl UpstreamHeaders {
    /// No headers yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a plain header; `key` names the config key for the error message.
    pub fn insert(&mut self, name: HeaderName, value: &str, key: &str) -> Result<(), String> {
        let value = HeaderValue::try_from(value)
            .map_err(|_| format!("`{key}` is not a valid header value"))?;
        self.headers.insert(name, value);
        Ok(())
    }

    /// Adds a credential header: `value` is sent (marked sensitive) and `secret` remembered
    /// for scrubbing. For `Authorization: Bearer KEY` pass `format!("Bearer {key}")` and `key`.
    pub fn insert_secret(
        &mut self,
        name: HeaderName,
        value: &str,
        secret: &str,
        key: &str,
    ) -> Result<(), String> {
        let mut value = HeaderValue::try_from(value)
            .map_err(|_| format!("`{key}` holds characters not allowed in a header"))?;
        value.set_sensitive(true);
        self.headers.insert(name, value);
        self.secrets.push(secret.to_owned());
        Ok(())
    }

    /// Adds `Authorization: Bearer TOKEN`.
    pub fn bearer(&mut self, token: &Secret, key: &str) -> Result<(), String> {
        let value = format!("Bearer {}", token.expose());
        self.insert_secret(http::header::AUTHORIZATION, &value, token.expose(), key)
    }

    /// Adds the config's `headers` table: every value is treated as a secret (it may be an
    /// `env:` reference to a token).
    pub fn extra(&mut self, table: &BTreeMap<String, Secret>) -> Result<(), String> {
        for (name, value) in table {
            let header = HeaderName::try_from(name.as_str())
                .map_err(|_| format!("`headers.{name}` is not a valid header name"))?;
            self.insert_secret(
                header,
                value.expose(),
                value.expose(),
                &format!("headers.{name}"),
            )?;
        }
        Ok(())
    }

    /// The credential values to scrub from upstream text (those of at least
    /// [`MIN_SCRUBBED_LEN`] characters).
    pub fn secrets(&self) -> Arc<[String]> {
        self.secrets
            .iter()
            .filter(|s| s.len() >= MIN_SCRUBBED_LEN)
            .cloned()
            .collect()
    }

    /// A request with these headers.
    pub fn request(&self, method: Method, uri: Uri, body: Bytes) -> Request<Bytes> {
        let mut request = Request::new(body);
        *request.method_mut() = method;
        *request.uri_mut() = uri;
        request.headers_mut().clone_from(&self.headers);
        request
    }

    /// `POST uri` with a JSON `body`, accepting `accept` (the stream's content type, or
    /// `application/json`).
    pub fn post_json(&self, uri: Uri, body: Bytes, accept: &'static str) -> Request<Bytes> {
        let mut request = self.request(Method::POST, uri, body);
        let headers = request.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        headers.insert(ACCEPT, HeaderValue::from_static(accept));
        request
    }

    /// `GET uri`, accepting JSON.
    pub fn get_json(&self, uri: Uri) -> Request<Bytes> {
        let mut request = self.request(Method::GET, uri, Bytes::new());
        request
            .headers_mut()
            .insert(ACCEPT, HeaderValue::from_static("application/json"));
        request
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_sensitive_and_remembered() {
        let mut h = UpstreamHeaders::new();
        h.bearer(&Secret::new("sk-long-secret"), "api_key").unwrap();
        h.insert(
            HeaderName::from_static("anthropic-version"),
            "2023-06-01",
            "v",
        )
        .unwrap();
        let mut table = BTreeMap::new();
        table.insert("x-tenant".to_owned(), Secret::new("short"));
        table.insert("x-proxy-token".to_owned(), Secret::new("proxy-token-1234"));
        h.extra(&table).unwrap();
        let req = h.post_json(
            "http://u/v1/x".parse().unwrap(),
            Bytes::new(),
            "text/event-stream",
        );
        assert_eq!(req.headers()["authorization"], "Bearer sk-long-secret");
        assert!(req.headers()["authorization"].is_sensitive());
        assert!(req.headers()["x-proxy-token"].is_sensitive());
        assert!(!req.headers()["anthropic-version"].is_sensitive());
        assert_eq!(req.headers()["accept"], "text/event-stream");
        assert_eq!(&*h.secrets(), ["sk-long-secret", "proxy-token-1234"]);
        assert_eq!(
            h.get_json("http://u/m".parse().unwrap()).method(),
            Method::GET
        );
    }

    #[test]
    fn bad_values_name_their_key() {
        let mut h = UpstreamHeaders::new();
        let err = h.bearer(&Secret::new("bad\nkey"), "api_key").unwrap_err();
        assert!(err.contains("`api_key`"), "{err}");
        let mut table = BTreeMap::new();
        table.insert("bad name".to_owned(), Secret::new("v"));
        assert!(h.extra(&table).unwrap_err().contains("headers.bad name"));
    }
}
