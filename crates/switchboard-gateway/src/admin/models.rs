//! `/admin/models`: models created at run time (create, list, read, change, delete)
//! beside the config file's, which are listed read-only.
//!
//! A body is the model's section as the config file would give it (`name`, `provider` and
//! `model` or `deployments`, `aliases`, `fallbacks`, `price`, `limits`, `policy`, ...) plus
//! `default: true|false`. The "remote model" flow gives `base_url` (and `api_key`, and
//! `kind`, default `openai`) instead of a provider: a provider is created for the model, in
//! the same transaction, and the model can be used at once. Every change is checked as the
//! config file's models are, then the routing table is reloaded.

use http::{Response, StatusCode};
use serde::Serialize;
use serde_json::{Map, Value, json};
use switchboard_core::GatewayError;
use switchboard_state::{ModelRecord, NewModel, NewProvider, ProviderRecord, UnixMillis};

use super::providers::{self, take_string};
use super::{ACTOR, apply_catalog, check_name, conflict, invalid, keep_name, object, state_error};
use crate::Gateway;
use crate::body::ResponseBody;
use crate::catalog::records::{MODEL_SETTINGS, split_model};
use crate::config::{ConfigErrors, ModelConfig, check_model};
use crate::respond;

/// The fields that say where a model is served.
const PLACEMENT: &[&str] = &["provider", "model", "deployments"];
/// The fields of the remote-model flow.
const REMOTE: &[&str] = &["base_url", "api_key", "kind"];
/// The longest model name, in characters.
const MAX_NAME: usize = 256;

/// How a model is shown.
#[derive(Serialize)]
struct ModelView<'a> {
    object: &'static str,
    name: &'a str,
    /// `admin` (created at run time) or `config` (the config file's, read-only).
    source: &'static str,
    deployments: Value,
    /// The other settings (stored models), or the aliases (the config file's).
    config: Value,
    default: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    created_at: Option<UnixMillis>,
    #[serde(skip_serializing_if = "Option::is_none")]
    updated_at: Option<UnixMillis>,
    /// The provider the remote-model flow created with it.
    #[serde(skip_serializing_if = "Option::is_none")]
    provider: Option<Value>,
}

impl<'a> ModelView<'a> {
    fn stored(record: &'a ModelRecord, default: bool) -> Self {
        Self {
            object: "model",
            name: &record.name,
            source: "admin",
            deployments: record.deployments.clone(),
            config: record.config.clone(),
            default,
            created_at: Some(record.created_at),
            updated_at: Some(record.updated_at),
            provider: None,
        }
    }
}

/// `POST /admin/models`: 201 with the stored model (and the provider it brought).
pub(super) async fn create(
    gateway: &Gateway,
    body: &[u8],
) -> Result<Response<ResponseBody>, GatewayError> {
    let mut fields = object(body)?;
    let name = take_string(&mut fields, "name")?;
    check_model_name(&name)?;
    let default = take_default(&mut fields)?;
    let remote = remote_provider(gateway, &name, &mut fields)?;
    let extra: Vec<&str> = remote.iter().map(|r| r.name.as_str()).collect();
    let model = read_model(gateway, &name, &fields, &extra, None).await?;
    check_default(gateway, default)?;
    let (deployments, config) = split_model(&model, &fields);
    let db = gateway.state().db().await?;
    let store = db.providers(gateway.inner.catalog.keyring());
    let new = NewModel {
        name: &name,
        deployments: &deployments,
        config: &config,
        default: default == Some(true),
    };
    let provider = remote.as_ref().map(|r| {
        (
            &store,
            NewProvider {
                name: &r.name,
                kind: &r.kind,
                config: Value::Object(r.settings.clone()),
            },
        )
    });
    let (record, provider) = db
        .models()
        .create_with(new, provider, ACTOR)
        .await
        .map_err(state_error)?;
    apply_catalog(gateway).await;
    let mut view = ModelView::stored(&record, record.is_default);
    view.provider = provider.as_ref().map(provider_json);
    Ok(respond::json_value(StatusCode::CREATED, &view))
}

/// `GET /admin/models`: the config file's models (read-only), then those created at run
/// time, by name.
pub(super) async fn list(gateway: &Gateway) -> Result<Response<ResponseBody>, GatewayError> {
    let db = gateway.state().db().await?;
    let records = db.models().list().await.map_err(state_error)?;
    let router = gateway.router();
    let catalog = &gateway.inner.catalog;
    let mut views: Vec<ModelView<'_>> = catalog
        .config_models()
        .map(|(route, aliases)| config_view(gateway, route, aliases))
        .collect();
    views.extend(
        records
            .iter()
            .filter(|r| !catalog.is_config_model(&r.name))
            .map(|r| ModelView::stored(r, router.default_model() == Some(r.name.as_str()))),
    );
    Ok(super::list(&views))
}

/// `GET /admin/models/{name}`.
pub(super) async fn get(
    gateway: &Gateway,
    name: &str,
) -> Result<Response<ResponseBody>, GatewayError> {
    if let Some((route, aliases)) = gateway
        .inner
        .catalog
        .config_models()
        .find(|(route, _)| &*route.name == name)
    {
        return Ok(respond::json_value(
            StatusCode::OK,
            &config_view(gateway, route, aliases),
        ));
    }
    let db = gateway.state().db().await?;
    let record = db
        .models()
        .get(name)
        .await
        .map_err(state_error)?
        .ok_or_else(|| not_found(name))?;
    let default = gateway.router().default_model() == Some(name);
    Ok(respond::json_value(
        StatusCode::OK,
        &ModelView::stored(&record, default),
    ))
}

/// `PATCH /admin/models/{name}`: the body's fields replace the stored ones (`null` removes
/// one); any of `provider`, `model`, `deployments` replaces where the model is served;
/// `default` marks or unmarks it.
pub(super) async fn update(
    gateway: &Gateway,
    name: &str,
    body: &[u8],
) -> Result<Response<ResponseBody>, GatewayError> {
    if gateway.inner.catalog.is_config_model(name) {
        return Err(read_only(name));
    }
    let mut patch = object(body)?;
    keep_name(&mut patch, name, "model")?;
    if let Some(field) = REMOTE.iter().find(|f| patch.contains_key(**f)) {
        return Err(invalid(
            field,
            "is only for creating a remote model; change its provider through /admin/providers",
        ));
    }
    let default = take_default(&mut patch)?;
    let db = gateway.state().db().await?;
    let models = db.models();
    let current = models
        .get(name)
        .await
        .map_err(state_error)?
        .ok_or_else(|| not_found(name))?;
    let mut fields = current.config.as_object().cloned().unwrap_or_default();
    if PLACEMENT.iter().any(|f| patch.contains_key(*f)) {
        for f in PLACEMENT {
            fields.remove(*f);
        }
        // `model` alone changes the upstream id on the one provider it is served by.
        let only_model = !patch.contains_key("provider") && !patch.contains_key("deployments");
        if let (true, Some([one])) = (
            only_model,
            current.deployments.as_array().map(Vec::as_slice),
        ) && let Some(provider) = one.get("provider")
        {
            fields.insert("provider".into(), provider.clone());
        }
    } else {
        fields.insert("deployments".into(), current.deployments.clone());
    }
    for (key, value) in patch {
        if value.is_null() {
            fields.remove(&key);
        } else {
            fields.insert(key, value);
        }
    }
    let model = read_model(gateway, name, &fields, &[], Some(name)).await?;
    check_default(gateway, default)?;
    let (deployments, config) = split_model(&model, &fields);
    let mut record = models
        .update(name, &deployments, &config, ACTOR)
        .await
        .map_err(state_error)?;
    match default {
        Some(true) => record = models.set_default(name, ACTOR).await.map_err(state_error)?,
        Some(false) if record.is_default => {
            record = models
                .unset_default(name, ACTOR)
                .await
                .map_err(state_error)?;
        }
        _ => {}
    }
    apply_catalog(gateway).await;
    Ok(respond::json_value(
        StatusCode::OK,
        &ModelView::stored(&record, record.is_default),
    ))
}

/// `DELETE /admin/models/{name}` (a provider the remote-model flow created stays; delete it
/// through `/admin/providers`).
pub(super) async fn delete(
    gateway: &Gateway,
    name: &str,
) -> Result<Response<ResponseBody>, GatewayError> {
    if gateway.inner.catalog.is_config_model(name) {
        return Err(read_only(name));
    }
    let db = gateway.state().db().await?;
    if !db.models().delete(name, ACTOR).await.map_err(state_error)? {
        return Err(not_found(name));
    }
    apply_catalog(gateway).await;
    Ok(respond::json_value(
        StatusCode::OK,
        &json!({"object": "model", "name": name, "deleted": true}),
    ))
}

/// Reads and checks the model section in `fields` (named `name`): known fields only, no
/// name the config file or another model uses (`own` is the model being changed),
/// providers that exist (`extra` ones are about to), fallbacks that resolve.
async fn read_model(
    gateway: &Gateway,
    name: &str,
    fields: &Map<String, Value>,
    extra: &[&str],
    own: Option<&str>,
) -> Result<ModelConfig, GatewayError> {
    if let Some(field) = fields
        .keys()
        .find(|k| !PLACEMENT.contains(&k.as_str()) && !MODEL_SETTINGS.contains(&k.as_str()))
    {
        return Err(invalid(field, "is not a model setting"));
    }
    let mut section = fields.clone();
    section.insert("name".into(), Value::String(name.to_owned()));
    let model: ModelConfig = serde_json::from_value(Value::Object(section)).map_err(|e| {
        GatewayError::invalid_request(format!("invalid model settings: {e}"))
            .with_code("invalid_model")
    })?;
    let catalog = &gateway.inner.catalog;
    let router = gateway.router();
    for taken in std::iter::once(&model.name).chain(&model.aliases) {
        if catalog.is_config_model(taken) {
            return Err(conflict(
                "read_only",
                format!("The model name `{taken}` is defined in the config file, which wins."),
            ));
        }
        if let Some(route) = router.exact_route(taken)
            && Some(&*route.name) != own
        {
            return Err(conflict(
                "already_exists",
                format!(
                    "The name `{taken}` is already used by the model `{}`.",
                    route.name
                ),
            ));
        }
    }
    let db = gateway.state().db().await?;
    let stored: Vec<String> = db
        .providers(catalog.keyring())
        .list()
        .await
        .map_err(state_error)?
        .into_iter()
        .map(|p| p.name)
        .collect();
    let has_provider = |p: &str| {
        catalog.is_config_provider(p) || extra.contains(&p) || stored.iter().any(|s| s == p)
    };
    let mut errors = ConfigErrors::default();
    check_model(
        &format!("model `{name}`"),
        &model,
        &has_provider,
        &mut errors,
    );
    for fallback in model
        .fallbacks
        .iter()
        .chain(&model.content_policy_fallbacks)
    {
        if fallback != name && router.resolve_exactly(fallback).is_none() {
            errors.push(format!(
                "fallback `{fallback}` is not a model this gateway serves"
            ));
        }
    }
    if !errors.0.is_empty() {
        return Err(GatewayError::invalid_request(errors.0.join("; ")).with_code("invalid_model"));
    }
    Ok(model)
}

/// The provider the remote-model flow creates for model `name`, when `fields` hold a
/// `base_url`: its name, kind and settings, checked. Sets the model's `provider`.
fn remote_provider(
    gateway: &Gateway,
    name: &str,
    fields: &mut Map<String, Value>,
) -> Result<Option<Remote>, GatewayError> {
    let Some(base_url) = fields.remove("base_url") else {
        if let Some(field) = REMOTE.iter().find(|f| fields.contains_key(**f)) {
            return Err(invalid(
                field,
                "comes with `base_url` (a remote model) only",
            ));
        }
        return Ok(None);
    };
    if fields.contains_key("provider") || fields.contains_key("deployments") {
        return Err(invalid(
            "base_url",
            "cannot be given with `provider` or `deployments`: a remote model gets its own provider",
        ));
    }
    let kind = match fields.remove("kind") {
        None | Some(Value::Null) => "openai".to_owned(),
        Some(Value::String(kind)) => kind,
        Some(_) => return Err(invalid("kind", "must be a string")),
    };
    let mut settings = Map::new();
    settings.insert("base_url".into(), base_url);
    if let Some(key) = fields.remove("api_key") {
        settings.insert("api_key".into(), key);
    }
    let provider = provider_name(name);
    check_name("name", &provider).map_err(|_| {
        invalid(
            "name",
            "makes a provider name longer than 64 characters; create the provider through /admin/providers and give it as `provider`",
        )
    })?;
    if gateway.inner.catalog.is_config_provider(&provider) {
        return Err(conflict(
            "read_only",
            format!(
                "The config file defines a provider named `{provider}`; give the model another name, or use `provider`."
            ),
        ));
    }
    providers::check(gateway, &provider, &kind, &settings)?;
    fields.insert("provider".into(), Value::String(provider.clone()));
    Ok(Some(Remote {
        name: provider,
        kind,
        settings,
    }))
}

/// The provider the remote-model flow creates.
struct Remote {
    name: String,
    kind: String,
    settings: Map<String, Value>,
}

/// A provider name for a remote model: its name with every character other than ASCII
/// letters, digits, `.`, `_` and `-` as `-`.
fn provider_name(model: &str) -> String {
    model
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '-'
            }
        })
        .collect()
}

fn take_default(fields: &mut Map<String, Value>) -> Result<Option<bool>, GatewayError> {
    match fields.remove("default") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(b)),
        Some(_) => Err(invalid("default", "must be true or false")),
    }
}

/// A default mark set at run time is refused while the config file names the default.
fn check_default(gateway: &Gateway, default: Option<bool>) -> Result<(), GatewayError> {
    match (default, gateway.inner.catalog.config_default()) {
        (Some(true), Some(file)) => Err(conflict(
            "read_only",
            format!(
                "routing.default_model in the config file (`{file}`) wins; remove it there to choose the default through the admin API."
            ),
        )),
        _ => Ok(()),
    }
}

fn check_model_name(name: &str) -> Result<(), GatewayError> {
    if name.chars().count() > MAX_NAME {
        return Err(invalid(
            "name",
            &format!("is longer than {MAX_NAME} characters"),
        ));
    }
    if name.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(invalid(
            "name",
            "must not hold spaces or control characters",
        ));
    }
    Ok(())
}

fn config_view<'a>(
    gateway: &Gateway,
    route: &'a crate::routing::ModelRoute,
    aliases: &[String],
) -> ModelView<'a> {
    let deployments = route
        .deployments
        .iter()
        .map(|d| {
            json!({"provider": &*d.provider.name, "model": d.upstream.as_deref(),
            "weight": d.weight, "priority": d.priority})
        })
        .collect();
    ModelView {
        object: "model",
        name: &route.name,
        source: "config",
        deployments: Value::Array(deployments),
        config: json!({"aliases": aliases}),
        default: gateway.inner.catalog.config_default() == Some(&*route.name),
        created_at: None,
        updated_at: None,
        provider: None,
    }
}

fn provider_json(record: &ProviderRecord) -> Value {
    json!({"name": record.name, "kind": record.kind, "config": record.config})
}

fn read_only(name: &str) -> GatewayError {
    conflict(
        "read_only",
        format!(
            "The model `{name}` is defined in the config file, which the admin API does not change."
        ),
    )
}

fn not_found(name: &str) -> GatewayError {
    super::not_found("model", name)
}
