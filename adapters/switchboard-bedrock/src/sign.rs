//! SigV4 request signing with `aws-sigv4` (providers.md §5.3).
//!
//! The request is final before it is signed: method, the URI path exactly as it goes on the
//! wire (the model id percent-encoded, so `:` is `%3A`), the `host` header, and the body
//! bytes. `aws-sigv4`'s default settings apply: the canonical URI encodes each path segment
//! once more (`%3A` → `%253A`, the rule for every service but S3), `authorization`,
//! `user-agent`, `x-amzn-trace-id` and `transfer-encoding` are not signed, and the session
//! token, if any, is signed as `x-amz-security-token`.

use std::time::SystemTime;

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use bytes::Bytes;

/// Why a request could not be signed (a bug or a bad header value, never the client's fault).
#[derive(Debug, thiserror::Error)]
#[error("could not sign the request: {0}")]
pub struct SignError(String);

/// Static AWS credentials: an access key, its secret, and a session token for temporary
/// credentials.
#[derive(Clone)]
pub struct AwsCredentials {
    /// The access key id (`AKIA...` or `ASIA...`).
    pub access_key_id: String,
    /// The secret access key.
    pub secret_access_key: String,
    /// The session token of temporary credentials.
    pub session_token: Option<String>,
}

impl std::fmt::Debug for AwsCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AwsCredentials")
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

/// Signs `request` in place for `service` in `region` at `time`: adds `x-amz-date`,
/// `authorization` and (with a session token) `x-amz-security-token`, and returns the
/// signature. Every header already on the request is signed (but those `aws-sigv4`
/// excludes), so set `host` and everything else first.
pub fn sign_request(
    request: &mut http::Request<Bytes>,
    credentials: &AwsCredentials,
    region: &str,
    service: &str,
    time: SystemTime,
) -> Result<String, SignError> {
    let (instructions, signature) = {
        let headers = request
            .headers()
            .iter()
            .map(|(name, value)| Ok((name.as_str(), value.to_str()?)))
            .collect::<Result<Vec<_>, http::header::ToStrError>>()
            .map_err(|e| SignError(format!("a header is not text: {e}")))?;
        let uri = request.uri().to_string();
        let signable = SignableRequest::new(
            request.method().as_str(),
            uri,
            headers.into_iter(),
            SignableBody::Bytes(request.body()),
        )
        .map_err(|e| SignError(e.to_string()))?;
        let identity: Identity = Credentials::new(
            credentials.access_key_id.clone(),
            credentials.secret_access_key.clone(),
            credentials.session_token.clone(),
            None,
            "switchboard",
        )
        .into();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(region)
            .name(service)
            .time(time)
            .settings(SigningSettings::default())
            .build()
            .map_err(|e| SignError(e.to_string()))?
            .into();
        sign(signable, &params)
            .map_err(|e| SignError(e.to_string()))?
            .into_parts()
    };
    instructions.apply_to_request_http1x(request);
    Ok(signature)
}

/// Recomputes the signature a server expects for a request it received: its method, the
/// path and query exactly as they arrived, the headers named in `signed_headers` (from the
/// `authorization` header), the body, and the time of its `x-amz-date`. Meant for test
/// servers and for checking a signature by hand; compares nothing itself.
pub fn expected_signature(
    received: &http::Request<Bytes>,
    signed_headers: &[&str],
    credentials: &AwsCredentials,
    region: &str,
    service: &str,
    time: SystemTime,
) -> Result<String, SignError> {
    let path = received.uri().path_and_query().map_or("/", |p| p.as_str());
    let mut request = http::Request::builder()
        .method(received.method())
        .uri(path)
        .body(received.body().clone())
        .map_err(|e| SignError(e.to_string()))?;
    for name in signed_headers {
        // x-amz-date and the token are added by the signer itself.
        if matches!(*name, "x-amz-date" | "x-amz-security-token") {
            continue;
        }
        for value in received.headers().get_all(*name) {
            let name = http::HeaderName::from_bytes(name.as_bytes())
                .map_err(|e| SignError(e.to_string()))?;
            request.headers_mut().append(name, value.clone());
        }
    }
    sign_request(&mut request, credentials, region, service, time)
}

/// Parses an `x-amz-date` value (`20150830T123600Z`).
pub fn parse_amz_date(value: &str) -> Option<SystemTime> {
    let digits = |range: std::ops::Range<usize>| -> Option<u64> { value.get(range)?.parse().ok() };
    if value.len() != 16 || value.as_bytes().get(8) != Some(&b'T') {
        return None;
    }
    let (y, m, d) = (digits(0..4)?, digits(4..6)?, digits(6..8)?);
    let (hh, mm, ss) = (digits(9..11)?, digits(11..13)?, digits(13..15)?);
    // Days from civil (Howard Hinnant's algorithm), for years after 1970.
    let (y, m) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let era = y / 400;
    let yoe = y - era * 400;
    let doy = (153 * m + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = (era * 146_097 + doe).checked_sub(719_468)?;
    let secs = days * 86_400 + hh * 3600 + mm * 60 + ss;
    Some(SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(secs))
}

#[cfg(test)]
mod tests;
