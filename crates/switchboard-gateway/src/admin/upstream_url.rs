//! The check of a base URL given through the admin API (`base_url`, `endpoint`): an
//! `http` or `https` URL without credentials, whose host is on the operator's allowlist
//! (`server.allowed_upstream_hosts`) and, when it is an IP address, one the address policy
//! allows. Host names are checked again on every connection, after each resolution, by
//! the guarded client that providers created at run time use.

use std::net::IpAddr;

use http::Uri;
use serde_json::{Map, Value};
use switchboard_core::GatewayError;

use super::invalid;
use crate::Gateway;

/// The settings that hold an upstream URL.
pub(super) const URL_FIELDS: &[&str] = &["base_url", "endpoint"];

/// Checks every URL setting of `settings`.
pub(super) fn check(gateway: &Gateway, settings: &Map<String, Value>) -> Result<(), GatewayError> {
    for field in URL_FIELDS {
        match settings.get(*field) {
            None | Some(Value::Null) => {}
            Some(Value::String(url)) => check_url(gateway, field, url)?,
            Some(_) => return Err(invalid(field, "must be a URL string")),
        }
    }
    Ok(())
}

fn check_url(gateway: &Gateway, field: &str, url: &str) -> Result<(), GatewayError> {
    let uri: Uri = url
        .parse()
        .map_err(|_| invalid(field, "is not a valid URL"))?;
    if !matches!(uri.scheme_str(), Some("http" | "https")) {
        return Err(invalid(field, "must start with http:// or https://"));
    }
    let authority = uri
        .authority()
        .ok_or_else(|| invalid(field, "has no host"))?;
    if authority.as_str().contains('@') {
        return Err(invalid(
            field,
            "must not hold credentials; give the key as `api_key`",
        ));
    }
    let host = authority.host();
    let hosts = &gateway.inner.upstream_hosts;
    if hosts.is_empty() {
        return Err(invalid(
            field,
            "cannot be set through the admin API while server.allowed_upstream_hosts is empty; \
             the operator adds the hosts (or patterns such as `*.example.com`) providers may use",
        ));
    }
    if !hosts.allows(host) {
        return Err(invalid(
            field,
            &format!("names the host `{host}`, which server.allowed_upstream_hosts does not allow"),
        ));
    }
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<IpAddr>()
        && let Err(refused) = gateway.inner.address_policy.check(ip)
    {
        return Err(invalid(
            field,
            &format!("names the address {ip}, which is refused: {refused}"),
        ));
    }
    Ok(())
}
