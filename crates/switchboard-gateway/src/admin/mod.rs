//! The admin API under `/admin/`: providers and models created at run time, virtual keys,
//! usage reports and the audit log, behind
//! its own key (`server.admin_key`). With no admin key configured the admin API is off and
//! every `/admin/...` path answers 404 `unknown_url`, as if it did not exist.
//!
//! - `auth.rs`: the admin key check (constant time; a gateway key is never accepted).
//! - `keys.rs`: `/admin/keys` and `/admin/keys/{id}`; `key_body.rs` reads their bodies.
//! - `usage.rs`: `/admin/usage`, JSON or CSV.
//! - `audit.rs`: `/admin/audit`.
//! - `providers.rs`: `/admin/providers`, `/admin/providers/{name}` and
//!   `/admin/providers/{name}/test` (the probe `switchboard doctor` runs).
//! - `models.rs`: `/admin/models` and `/admin/models/{name}` (the remote-model flow too).
//! - `upstream_url.rs`: the allowlist and address checks of a base URL set at run time;
//!   `provider_rules.rs`: what else a provider created at run time may not do (read the
//!   gateway's environment or files).
//! - `query.rs`, `time.rs`: query strings, and times as RFC 3339 or Unix milliseconds.
//!
//! Architecture invariant: no admin read returns a key's hash or text; the text of a new
//! key is in the create response only.

mod audit;
mod auth;
mod key_body;
mod keys;
mod models;
mod provider_rules;
mod providers;
mod query;
mod time;
mod upstream_url;
mod usage;

#[cfg(test)]
mod tests;

use bytes::Bytes;
use http::header::{ALLOW, HeaderValue};
use http::{HeaderMap, Method, Request, Response, StatusCode};
use switchboard_core::{Fault, GatewayError};
use switchboard_state::StateError;

use crate::Gateway;
use crate::body::{ResponseBody, read_limited};

/// Who admin changes are recorded as in the audit log. There is one admin key for now, so
/// every change made through the admin API has this actor; named admin keys, when they
/// come, will record their names instead.
pub(crate) const ACTOR: &str = "admin";

/// An admin path.
#[derive(Debug, PartialEq)]
enum Route {
    /// `/admin/keys`.
    Keys,
    /// `/admin/keys/{id}`, the id percent-decoded.
    Key(String),
    /// `/admin/usage`.
    Usage,
    /// `/admin/audit`.
    Audit,
    /// `/admin/providers`.
    Providers,
    /// `/admin/providers/{name}`.
    Provider(String),
    /// `/admin/providers/{name}/test`.
    ProviderTest(String),
    /// `/admin/models`.
    Models,
    /// `/admin/models/{name}`: the rest of the path, percent-decoded (model names may
    /// hold `/`).
    Model(String),
}

impl Route {
    /// The route of `path`, `None` for a path the admin API does not serve.
    fn parse(path: &str) -> Option<Self> {
        let rest = path.strip_prefix("/admin/")?;
        let segment =
            |s: &str| (!s.is_empty() && !s.contains('/')).then(|| query::percent_decode(s, false));
        match rest {
            "keys" => Some(Route::Keys),
            "usage" => Some(Route::Usage),
            "audit" => Some(Route::Audit),
            "providers" => Some(Route::Providers),
            "models" => Some(Route::Models),
            _ => {
                if let Some(name) = rest.strip_prefix("providers/") {
                    return match name.strip_suffix("/test") {
                        Some(name) => segment(name).map(Route::ProviderTest),
                        None => segment(name).map(Route::Provider),
                    };
                }
                if let Some(name) = rest.strip_prefix("models/") {
                    return (!name.is_empty())
                        .then(|| Route::Model(query::percent_decode(name, false)));
                }
                segment(rest.strip_prefix("keys/")?).map(Route::Key)
            }
        }
    }

    /// The methods it answers (HEAD comes with GET).
    fn methods(&self) -> &'static [Method] {
        match self {
            Route::Keys | Route::Providers | Route::Models => &[Method::GET, Method::POST],
            Route::Key(_) | Route::Provider(_) | Route::Model(_) => {
                &[Method::GET, Method::PATCH, Method::DELETE]
            }
            Route::Usage | Route::Audit => &[Method::GET],
            Route::ProviderTest(_) => &[Method::POST],
        }
    }
}

/// Answers a request for a path under `/admin/`: 404 when the admin API is off, 401
/// without the admin key, then the resource. Called by the service before any gateway-key
/// check, since the admin API has its own key.
pub(crate) async fn serve<B>(
    gateway: &Gateway,
    request: Request<B>,
) -> Result<Response<ResponseBody>, GatewayError>
where
    B: http_body::Body<Data = Bytes> + Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let (parts, body) = request.into_parts();
    let method = parts.method;
    let path = parts.uri.path();
    let Some(admin_key) = gateway.inner.admin_key.as_ref() else {
        return Err(GatewayError::unknown_path(method.as_str(), path));
    };
    auth::check(admin_key, &parts.headers)?;
    let route =
        Route::parse(path).ok_or_else(|| GatewayError::unknown_path(method.as_str(), path))?;
    check_method(&route, &method, path)?;
    let query = parts.uri.query().unwrap_or_default();
    let has_body = matches!(method, Method::POST | Method::PATCH);
    let body = if has_body {
        read_limited(body, &parts.headers, gateway.inner.max_body).await?
    } else {
        Bytes::new()
    };
    match route {
        Route::Keys if method == Method::POST => keys::create(gateway, &body).await,
        Route::Keys => keys::list(gateway).await,
        Route::Key(id) if method == Method::PATCH => keys::update(gateway, &id, &body).await,
        Route::Key(id) if method == Method::DELETE => keys::revoke(gateway, &id).await,
        Route::Key(id) => keys::get(gateway, &id).await,
        Route::Usage => usage::report(gateway, query).await,
        Route::Audit => audit::list(gateway, query).await,
        Route::Providers if method == Method::POST => providers::create(gateway, &body).await,
        Route::Providers => providers::list(gateway).await,
        Route::Provider(name) if method == Method::PATCH => {
            providers::update(gateway, &name, &body).await
        }
        Route::Provider(name) if method == Method::DELETE => {
            providers::delete(gateway, &name).await
        }
        Route::Provider(name) => providers::get(gateway, &name).await,
        Route::ProviderTest(name) => providers::test(gateway, &name).await,
        Route::Models if method == Method::POST => models::create(gateway, &body).await,
        Route::Models => models::list(gateway).await,
        Route::Model(name) if method == Method::PATCH => {
            models::update(gateway, &name, &body).await
        }
        Route::Model(name) if method == Method::DELETE => models::delete(gateway, &name).await,
        Route::Model(name) => models::get(gateway, &name).await,
    }
}

/// A 405 with `Allow` when `route` does not answer `method`.
fn check_method(route: &Route, method: &Method, path: &str) -> Result<(), GatewayError> {
    let allowed = route.methods();
    let head_as_get = *method == Method::HEAD && allowed.contains(&Method::GET);
    if allowed.contains(method) || head_as_get {
        return Ok(());
    }
    let allow = allowed
        .iter()
        .map(Method::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    let mut headers = HeaderMap::new();
    if let Ok(value) = HeaderValue::from_str(&allow) {
        headers.insert(ALLOW, value);
    }
    Err(GatewayError::method_not_allowed(method.as_str(), path).with_headers(headers))
}

/// A 400 about the field or parameter `param`: "`param` MESSAGE", code `invalid_value`.
pub(super) fn invalid(param: &str, message: &str) -> GatewayError {
    GatewayError::invalid_request(format!("`{param}` {message}"))
        .with_param(param)
        .with_code("invalid_value")
}

/// Rebuilds the routing table after a committed catalog change. The change is stored
/// either way, so a failure here is logged (the next change or restart applies it), not
/// turned into an error that would invite a retry of a change already made.
pub(super) async fn apply_catalog(gateway: &Gateway) {
    if let Err(e) = gateway.reload_catalog().await {
        tracing::error!(error = %e, "the routing table could not be rebuilt after an admin change");
    }
}

/// The body as a JSON object, or a 400.
pub(super) fn object(
    body: &[u8],
) -> Result<serde_json::Map<String, serde_json::Value>, GatewayError> {
    match serde_json::from_slice(body).map_err(GatewayError::invalid_json)? {
        serde_json::Value::Object(map) => Ok(map),
        _ => Err(GatewayError::invalid_request(
            "the request body must be a JSON object",
        )),
    }
}

/// Removes `name` from a `PATCH` body: absent or equal to `current` is fine; another name
/// is a 400 (a `kind`, provider or model, is renamed by creating it anew).
pub(super) fn keep_name(
    patch: &mut serde_json::Map<String, serde_json::Value>,
    current: &str,
    kind: &str,
) -> Result<(), GatewayError> {
    match patch.remove("name") {
        Some(new) if new.as_str() != Some(current) => Err(invalid(
            "name",
            &format!("cannot change; create a {kind} under the new name and delete this one"),
        )),
        _ => Ok(()),
    }
}

/// Checks a provider name: 1 to 64 ASCII letters, digits, `.`, `_` or `-`.
pub(super) fn check_name(param: &str, name: &str) -> Result<(), GatewayError> {
    let valid = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if valid {
        Ok(())
    } else {
        Err(invalid(
            param,
            "must be 1 to 64 ASCII letters, digits, `.`, `_` or `-`",
        ))
    }
}

/// A 409 with `code`.
pub(super) fn conflict(code: &'static str, message: String) -> GatewayError {
    GatewayError::new(
        StatusCode::CONFLICT,
        "invalid_request_error",
        message,
        Fault::Client,
    )
    .with_code(code)
}

/// A 404 for the `kind` named `name`.
pub(super) fn not_found(kind: &str, name: &str) -> GatewayError {
    GatewayError::new(
        StatusCode::NOT_FOUND,
        "invalid_request_error",
        format!("No {kind} named `{name}`."),
        Fault::Client,
    )
    .with_code("not_found")
}

/// A store failure as the client sees it: an unknown id is a 404, a refused value a 400,
/// a duplicate a 409; anything else is a 500 whose cause is logged, not shown.
pub(super) fn state_error(e: StateError) -> GatewayError {
    match e {
        StateError::NotFound { kind, id } => GatewayError::new(
            StatusCode::NOT_FOUND,
            "invalid_request_error",
            format!("No {kind} with id '{id}'."),
            Fault::Client,
        )
        .with_param("id")
        .with_code("not_found"),
        StateError::Invalid(message) => GatewayError::invalid_request(message),
        e @ StateError::NoMasterKey { .. } => {
            GatewayError::invalid_request(e.to_string()).with_code("no_master_key")
        }
        StateError::AlreadyExists { kind, id } => GatewayError::new(
            StatusCode::CONFLICT,
            "invalid_request_error",
            format!("A {kind} '{id}' already exists."),
            Fault::Client,
        )
        .with_code("already_exists"),
        other => crate::state::failed(&other),
    }
}

/// `{"object":"list","data":[...]}`, the shape of every admin list.
pub(super) fn list<T: serde::Serialize>(data: &[T]) -> Response<ResponseBody> {
    #[derive(serde::Serialize)]
    struct List<'a, T> {
        object: &'static str,
        data: &'a [T],
    }
    crate::respond::json_value(
        StatusCode::OK,
        &List {
            object: "list",
            data,
        },
    )
}
