//! `/admin/providers`: providers created at run time (create, list, read, change, delete)
//! beside the config file's, which are listed read-only; and
//! `POST /admin/providers/{name}/test`, the minimal call `switchboard doctor` makes.
//!
//! A body is the provider's section as the config file would give it: `name`, `kind`, and
//! the adapter's settings (`base_url`, `api_key`, ...). Before anything is stored, the base
//! URL is checked (`upstream_url.rs`) and the adapter is built from the settings, so a
//! provider that could not serve is refused with the adapter's reason. Secrets are sealed
//! under the master key; every read shows them as `********`.

use http::{Response, StatusCode};
use serde::Serialize;
use serde_json::{Map, Value, json};
use switchboard_core::GatewayError;
use switchboard_state::{DEFAULT_SECRET_FIELDS, ProviderRecord, StateError, UnixMillis};

use super::{
    ACTOR, apply_catalog, check_name, conflict, invalid, keep_name, object, provider_rules,
    state_error, upstream_url,
};
use crate::body::ResponseBody;
use crate::config::ProviderConfig;
use crate::{Gateway, respond};

/// How a provider is shown.
#[derive(Serialize)]
struct ProviderView<'a> {
    object: &'static str,
    name: &'a str,
    kind: &'a str,
    /// `admin` (created at run time) or `config` (the config file's, read-only).
    source: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    config: Option<&'a Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    created_at: Option<UnixMillis>,
    #[serde(skip_serializing_if = "Option::is_none")]
    updated_at: Option<UnixMillis>,
}

impl<'a> From<&'a ProviderRecord> for ProviderView<'a> {
    fn from(record: &'a ProviderRecord) -> Self {
        Self {
            object: "provider",
            name: &record.name,
            kind: &record.kind,
            source: "admin",
            config: Some(&record.config),
            created_at: Some(record.created_at),
            updated_at: Some(record.updated_at),
        }
    }
}

/// `POST /admin/providers`: 201 with the stored provider.
pub(super) async fn create(
    gateway: &Gateway,
    body: &[u8],
) -> Result<Response<ResponseBody>, GatewayError> {
    let mut settings = object(body)?;
    let name = take_string(&mut settings, "name")?;
    check_name("name", &name)?;
    if gateway.inner.catalog.is_config_provider(&name) {
        return Err(read_only(&name));
    }
    let kind = take_string(&mut settings, "kind")?;
    check(gateway, &name, &kind, &settings)?;
    let db = gateway.state().db().await?;
    let record = db
        .providers(gateway.inner.catalog.keyring())
        .create(&name, &kind, Value::Object(settings), ACTOR)
        .await
        .map_err(state_error)?;
    apply_catalog(gateway).await;
    Ok(respond::json_value(
        StatusCode::CREATED,
        &ProviderView::from(&record),
    ))
}

/// `GET /admin/providers`: the config file's providers (read-only, kind only), then
/// those created at run time, by name.
pub(super) async fn list(gateway: &Gateway) -> Result<Response<ResponseBody>, GatewayError> {
    let db = gateway.state().db().await?;
    let records = db
        .providers(gateway.inner.catalog.keyring())
        .list()
        .await
        .map_err(state_error)?;
    let catalog = &gateway.inner.catalog;
    let mut views: Vec<ProviderView<'_>> = catalog
        .config_providers()
        .map(|(name, kind)| config_view(name, kind))
        .collect();
    views.extend(
        records
            .iter()
            .filter(|r| !catalog.is_config_provider(&r.name))
            .map(ProviderView::from),
    );
    Ok(super::list(&views))
}

/// `GET /admin/providers/{name}`.
pub(super) async fn get(
    gateway: &Gateway,
    name: &str,
) -> Result<Response<ResponseBody>, GatewayError> {
    if let Some(kind) = gateway.inner.catalog.config_provider_kind(name) {
        return Ok(respond::json_value(
            StatusCode::OK,
            &config_view(name, kind),
        ));
    }
    let db = gateway.state().db().await?;
    let record = db
        .providers(gateway.inner.catalog.keyring())
        .get(name)
        .await
        .map_err(state_error)?
        .ok_or_else(|| not_found(name))?;
    Ok(respond::json_value(
        StatusCode::OK,
        &ProviderView::from(&record),
    ))
}

/// `PATCH /admin/providers/{name}`: the body's fields replace the stored ones (`null`
/// removes one; a secret given as `""` or `********` keeps the stored secret), `kind`
/// included; `name` cannot change.
pub(super) async fn update(
    gateway: &Gateway,
    name: &str,
    body: &[u8],
) -> Result<Response<ResponseBody>, GatewayError> {
    if gateway.inner.catalog.is_config_provider(name) {
        return Err(read_only(name));
    }
    let mut patch = object(body)?;
    keep_name(&mut patch, name, "provider")?;
    let db = gateway.state().db().await?;
    let store = db.providers(gateway.inner.catalog.keyring());
    let current = match store.reveal(name).await {
        Ok(Some(current)) => current,
        Ok(None) => return Err(not_found(name)),
        Err(StateError::Crypto(_)) => {
            return Err(conflict(
                "secret_unreadable",
                format!(
                    "The stored secrets of provider `{name}` cannot be opened with the current master key; delete the provider and create it again with its secrets."
                ),
            ));
        }
        Err(e) => return Err(state_error(e)),
    };
    let kind = match patch.remove("kind") {
        None => current.kind.clone(),
        Some(Value::String(kind)) => kind,
        Some(_) => return Err(invalid("kind", "must be a string")),
    };
    let mut settings = current
        .expose_config()
        .as_object()
        .cloned()
        .unwrap_or_default();
    merge(&mut settings, patch, false);
    check(gateway, name, &kind, &settings)?;
    let record = store
        .update(name, &kind, Value::Object(settings), ACTOR)
        .await
        .map_err(state_error)?;
    gateway.inner.catalog.forget(name).await;
    apply_catalog(gateway).await;
    Ok(respond::json_value(
        StatusCode::OK,
        &ProviderView::from(&record),
    ))
}

/// `DELETE /admin/providers/{name}`: refused while a model created at run time is served
/// by it.
pub(super) async fn delete(
    gateway: &Gateway,
    name: &str,
) -> Result<Response<ResponseBody>, GatewayError> {
    if gateway.inner.catalog.is_config_provider(name) {
        return Err(read_only(name));
    }
    let db = gateway.state().db().await?;
    let users: Vec<String> = db
        .models()
        .list()
        .await
        .map_err(state_error)?
        .into_iter()
        .filter(|m| {
            m.deployments.as_array().is_some_and(|all| {
                all.iter()
                    .any(|d| d.get("provider").and_then(Value::as_str) == Some(name))
            })
        })
        .map(|m| m.name)
        .collect();
    if !users.is_empty() {
        return Err(conflict(
            "in_use",
            format!(
                "The provider `{name}` serves the model(s) {}; change or delete them first.",
                users.join(", ")
            ),
        ));
    }
    let deleted = db
        .providers(gateway.inner.catalog.keyring())
        .delete(name, ACTOR)
        .await
        .map_err(state_error)?;
    if !deleted {
        return Err(not_found(name));
    }
    gateway.inner.catalog.forget(name).await;
    apply_catalog(gateway).await;
    Ok(respond::json_value(
        StatusCode::OK,
        &json!({"object": "provider", "name": name, "deleted": true}),
    ))
}

/// `POST /admin/providers/{name}/test`: 200 with `{"ok": true, "latency_ms", "call"}` or
/// `{"ok": false, "status", "code", "message", "hint"}`; 404 for an unknown provider.
pub(super) async fn test(
    gateway: &Gateway,
    name: &str,
) -> Result<Response<ResponseBody>, GatewayError> {
    let report = gateway.probe(name).await.ok_or_else(|| not_found(name))?;
    let latency_ms = (report.latency.as_secs_f64() * 1000.0 * 10.0).round() / 10.0;
    let body = match &report.error {
        None => json!({"provider": report.provider, "kind": report.kind, "call": report.call,
            "ok": true, "latency_ms": latency_ms}),
        Some(e) => json!({"provider": report.provider, "kind": report.kind, "call": report.call,
            "ok": false, "latency_ms": latency_ms, "status": e.status, "code": e.code,
            "message": e.message, "hint": e.hint}),
    };
    Ok(respond::json_value(StatusCode::OK, &body))
}

/// The checks before a provider is stored: a known kind, an allowed base URL, and settings
/// its adapter accepts. Shared with the remote-model flow.
pub(super) fn check(
    gateway: &Gateway,
    name: &str,
    kind: &str,
    settings: &Map<String, Value>,
) -> Result<(), GatewayError> {
    let catalog = &gateway.inner.catalog;
    if !catalog.has_kind(kind) {
        return Err(invalid(
            "kind",
            &format!(
                "`{kind}` is not an adapter this gateway was built with; known: {}",
                catalog.kinds().join(", ")
            ),
        ));
    }
    provider_rules::check(kind, settings)?;
    upstream_url::check(gateway, settings)?;
    let mut section = settings.clone();
    section.insert("kind".into(), Value::String(kind.to_owned()));
    let section: ProviderConfig = serde_json::from_value(Value::Object(section))
        .map_err(|e| GatewayError::invalid_request(format!("invalid provider settings: {e}")))?;
    for (key, value) in [
        ("connect_timeout", section.connect_timeout),
        ("first_byte_timeout", section.first_byte_timeout),
        ("total_timeout", section.total_timeout),
    ] {
        if value.is_some_and(|v| !(v.is_finite() && v > 0.0)) {
            return Err(invalid(key, "must be a positive number of seconds"));
        }
    }
    catalog.check_provider(name, &section).map_err(|e| {
        GatewayError::invalid_request(format!("the `{kind}` adapter refuses these settings: {e}"))
            .with_code("invalid_provider")
    })
}

/// Merges `patch` into `settings`: `null` removes a key, a nested object merges, a secret
/// given as `""` or `********` keeps the stored value, anything else replaces it.
fn merge(settings: &mut Map<String, Value>, patch: Map<String, Value>, in_secret: bool) {
    for (key, value) in patch {
        let secret = in_secret || DEFAULT_SECRET_FIELDS.contains(&key.as_str());
        match value {
            Value::Null => {
                settings.remove(&key);
            }
            Value::String(s)
                if (s.is_empty() || s == switchboard_core::secret::REDACTED)
                    && secret
                    && settings.contains_key(&key) => {}
            Value::Object(inner) => match settings.get_mut(&key) {
                Some(Value::Object(current)) => merge(current, inner, secret),
                _ => {
                    let mut fresh = Map::new();
                    merge(&mut fresh, inner, secret);
                    settings.insert(key, Value::Object(fresh));
                }
            },
            other => {
                settings.insert(key, other);
            }
        }
    }
}

/// Removes the string field `key` from `settings`: a 400 naming it when it is absent or
/// not a string.
pub(super) fn take_string(
    settings: &mut Map<String, Value>,
    key: &str,
) -> Result<String, GatewayError> {
    match settings.remove(key) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s),
        None | Some(Value::Null) => Err(GatewayError::missing_param(key)),
        Some(_) => Err(invalid(key, "must be a non-empty string")),
    }
}

fn config_view<'a>(name: &'a str, kind: &'a str) -> ProviderView<'a> {
    ProviderView {
        object: "provider",
        name,
        kind,
        source: "config",
        config: None,
        created_at: None,
        updated_at: None,
    }
}

fn read_only(name: &str) -> GatewayError {
    conflict(
        "read_only",
        format!(
            "The provider `{name}` is defined in the config file, which the admin API does not change."
        ),
    )
}

fn not_found(name: &str) -> GatewayError {
    super::not_found("provider", name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_patch_replaces_removes_merges_and_keeps_blank_secrets() {
        let mut settings = json!({"base_url": "https://a.example.com", "api_key": "sk-1",
            "headers": {"x-team": "t1", "x-key": "k"}, "organization": "org"})
        .as_object()
        .cloned()
        .unwrap();
        let patch = json!({"base_url": "https://b.example.com", "api_key": "********",
            "headers": {"x-team": "", "x-new": "n"}, "organization": null})
        .as_object()
        .cloned()
        .unwrap();
        merge(&mut settings, patch, false);
        assert_eq!(
            Value::Object(settings),
            json!({"base_url": "https://b.example.com", "api_key": "sk-1",
                "headers": {"x-team": "t1", "x-key": "k", "x-new": "n"}})
        );
    }
}
