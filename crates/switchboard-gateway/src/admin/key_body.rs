//! The JSON bodies of `POST /admin/keys` and `PATCH /admin/keys/{id}`, read field by field
//! so that a 400 names the field at fault (its `param`).

use serde_json::{Map, Value};
use switchboard_core::GatewayError;
use switchboard_state::{KeyUpdate, NewKey, UnixMillis};

use super::invalid;
use crate::config::LimitsConfig;

/// The fields a key body may hold; any other is a 400.
const FIELDS: &[&str] = &[
    "name",
    "owner",
    "models",
    "limits",
    "budget_daily",
    "budget_monthly",
    "expires_at",
];

/// The longest `name` or `owner`, in characters.
const MAX_TEXT: usize = 200;

/// A body's fields: `None` absent, `Some(None)` null, `Some(Some(v))` a valid value.
#[derive(Debug, Default)]
struct Fields {
    name: Option<Option<String>>,
    owner: Option<Option<String>>,
    models: Option<Option<Vec<String>>>,
    limits: Option<Option<Value>>,
    budget_daily: Option<Option<f64>>,
    budget_monthly: Option<Option<f64>>,
    expires_at: Option<Option<UnixMillis>>,
}

/// The key a `POST /admin/keys` body asks for; `now` judges `expires_at`. `name` is
/// required; a null optional field is the same as an absent one.
pub(super) fn new_key(body: &[u8], now: UnixMillis) -> Result<NewKey, GatewayError> {
    let f = read(body, now)?;
    Ok(NewKey {
        name: f
            .name
            .flatten()
            .ok_or_else(|| GatewayError::missing_param("name"))?,
        owner: f.owner.flatten(),
        models: f.models.flatten(),
        limits: f.limits.flatten(),
        budget_daily: f.budget_daily.flatten(),
        budget_monthly: f.budget_monthly.flatten(),
        expires_at: f.expires_at.flatten(),
    })
}

/// The changes a `PATCH /admin/keys/{id}` body asks for: an absent field is left as it
/// is, an explicit `null` clears it (every field but `name`, which a key always has).
pub(super) fn key_update(body: &[u8], now: UnixMillis) -> Result<KeyUpdate, GatewayError> {
    let f = read(body, now)?;
    if f.name == Some(None) {
        return Err(invalid("name", "cannot be null: a key always has a name"));
    }
    Ok(KeyUpdate {
        name: f.name.flatten(),
        owner: f.owner,
        models: f.models,
        limits: f.limits,
        budget_daily: f.budget_daily,
        budget_monthly: f.budget_monthly,
        expires_at: f.expires_at,
    })
}

/// Parses the body as a JSON object and checks every field in it.
fn read(body: &[u8], now: UnixMillis) -> Result<Fields, GatewayError> {
    let value: Value = serde_json::from_slice(body).map_err(GatewayError::invalid_json)?;
    let Value::Object(object) = value else {
        return Err(GatewayError::invalid_request(
            "the request body must be a JSON object",
        ));
    };
    let mut f = Fields::default();
    for (field, value) in object {
        let field = field.as_str();
        match field {
            "name" => f.name = Some(nullable(value, |v| text(field, v))?),
            "owner" => f.owner = Some(nullable(value, |v| text(field, v))?),
            "models" => f.models = Some(nullable(value, models)?),
            "limits" => f.limits = Some(nullable(value, limits)?.flatten()),
            "budget_daily" | "budget_monthly" => {
                let budget = Some(nullable(value, |v| budget(field, &v))?);
                if field == "budget_daily" {
                    f.budget_daily = budget;
                } else {
                    f.budget_monthly = budget;
                }
            }
            "expires_at" => f.expires_at = Some(nullable(value, |v| expiry(&v, now))?),
            other => {
                return Err(GatewayError::invalid_request(format!(
                    "unknown field `{other}`; a key has {}",
                    FIELDS.join(", ")
                ))
                .with_param(other)
                .with_code("unknown_parameter"));
            }
        }
    }
    Ok(f)
}

/// `None` for JSON null, else the parsed value.
fn nullable<T>(
    value: Value,
    parse: impl FnOnce(Value) -> Result<T, GatewayError>,
) -> Result<Option<T>, GatewayError> {
    match value {
        Value::Null => Ok(None),
        value => parse(value).map(Some),
    }
}

/// A name or owner: a string, not blank, at most [`MAX_TEXT`] characters; kept trimmed.
fn text(field: &str, value: Value) -> Result<String, GatewayError> {
    let Value::String(s) = value else {
        return Err(invalid(field, "must be a string"));
    };
    let s = s.trim();
    if s.is_empty() {
        return Err(invalid(field, "must not be empty"));
    }
    if s.chars().count() > MAX_TEXT {
        return Err(invalid(
            field,
            &format!("must be at most {MAX_TEXT} characters"),
        ));
    }
    Ok(s.to_owned())
}

/// The allowed models: a non-empty array of non-empty names (duplicates dropped). Every
/// model is allowed when the field is absent or null, so `[]` is refused as a likely
/// mistake rather than read as "no model".
fn models(value: Value) -> Result<Vec<String>, GatewayError> {
    const WHAT: &str =
        "must be an array of model names (omit it, or send null, to allow every model)";
    let Value::Array(items) = value else {
        return Err(invalid("models", WHAT));
    };
    if items.is_empty() {
        return Err(invalid("models", WHAT));
    }
    let mut names: Vec<String> = Vec::with_capacity(items.len());
    for item in items {
        match item {
            Value::String(name) if !name.trim().is_empty() => {
                let name = name.trim().to_owned();
                if !names.contains(&name) {
                    names.push(name);
                }
            }
            _ => return Err(invalid("models", WHAT)),
        }
    }
    Ok(names)
}

/// Rate limits in the shape of `[[keys]].limits` ([`LimitsConfig`]: `rpm`, `tpm`,
/// `concurrency`, `min_interval`; other keys are refused), as the JSON the store keeps:
/// only the limits that are set. `None` when none is (`{}`: no limits).
fn limits(value: Value) -> Result<Option<Value>, GatewayError> {
    if !value.is_object() {
        return Err(invalid(
            "limits",
            "must be an object with rpm, tpm, concurrency and/or min_interval",
        ));
    }
    let config: LimitsConfig = serde_json::from_value(value)
        .map_err(|e| invalid("limits", &format!("is invalid: {e}")))?;
    let mut out = Map::new();
    for (key, count) in [
        ("rpm", config.rpm.map(u64::from)),
        ("tpm", config.tpm),
        ("concurrency", config.concurrency.map(u64::from)),
    ] {
        if let Some(count) = count {
            if count == 0 {
                return Err(invalid(
                    &format!("limits.{key}"),
                    "must be at least 1 (revoke the key to stop it)",
                ));
            }
            out.insert(key.to_owned(), Value::from(count));
        }
    }
    if let Some(seconds) = config.min_interval {
        if !(seconds.is_finite() && seconds > 0.0) {
            return Err(invalid(
                "limits.min_interval",
                "must be a positive number of seconds",
            ));
        }
        out.insert("min_interval".to_owned(), Value::from(seconds));
    }
    Ok((!out.is_empty()).then_some(Value::Object(out)))
}

/// A budget in US dollars: a finite number, zero or more.
fn budget(field: &str, value: &Value) -> Result<f64, GatewayError> {
    match value.as_f64() {
        Some(dollars) if dollars.is_finite() && dollars >= 0.0 => Ok(dollars),
        _ => Err(invalid(
            field,
            "must be a number of US dollars, zero or more",
        )),
    }
}

/// An expiry: RFC 3339 or Unix milliseconds, after `now` (a key that should stop now is
/// revoked with `DELETE`).
fn expiry(value: &Value, now: UnixMillis) -> Result<UnixMillis, GatewayError> {
    let at = super::time::from_json(value).ok_or_else(|| {
        invalid(
            "expires_at",
            "must be an RFC 3339 time (2026-01-01T00:00:00Z) or Unix milliseconds",
        )
    })?;
    if at <= now {
        return Err(invalid(
            "expires_at",
            "is in the past; to stop a key now, revoke it with DELETE /admin/keys/{id}",
        ));
    }
    Ok(at)
}
