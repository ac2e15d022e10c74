//! Secret fields inside a provider's JSON config: finding them, sealing them before a
//! write, redacting them for display, revealing them for use, and re-sealing them in a
//! rotation.
//!
//! A secret field is an object key named in the list (at any depth). A string under it is
//! a secret; so is every string inside an object or array under it (`headers` maps header
//! names to secret values). Two kinds of strings stay as they are: `env:NAME`, a reference
//! the gateway resolves from its environment (safe to store and show), and `""`.

use serde_json::Value;
use switchboard_core::secret::REDACTED;

use crate::crypto::{Keyring, MasterKey, is_sealed};
use crate::error::StateError;

/// The secret fields of the adapters' configs: API keys, AWS credentials, bearer tokens,
/// and extra headers (which often carry credentials).
pub const DEFAULT_SECRET_FIELDS: &[&str] = &[
    "api_key",
    "access_key_id",
    "secret_access_key",
    "session_token",
    "bearer_token",
    "headers",
];

/// Calls `f(json_pointer, value)` for every secret string in `value`.
fn walk<F>(
    value: &mut Value,
    fields: &[String],
    pointer: &mut String,
    f: &mut F,
) -> Result<(), StateError>
where
    F: FnMut(&str, &mut String) -> Result<(), StateError>,
{
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                let len = pointer.len();
                push_segment(pointer, key);
                if fields.iter().any(|f| f == key) {
                    every_string(child, pointer, f)?;
                } else {
                    walk(child, fields, pointer, f)?;
                }
                pointer.truncate(len);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter_mut().enumerate() {
                let len = pointer.len();
                push_segment(pointer, &i.to_string());
                walk(child, fields, pointer, f)?;
                pointer.truncate(len);
            }
        }
        _ => {}
    }
    Ok(())
}

/// Calls `f` for every string at or below `value` (all of it is secret).
fn every_string<F>(value: &mut Value, pointer: &mut String, f: &mut F) -> Result<(), StateError>
where
    F: FnMut(&str, &mut String) -> Result<(), StateError>,
{
    match value {
        Value::String(s) => f(pointer, s)?,
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                let len = pointer.len();
                push_segment(pointer, key);
                every_string(child, pointer, f)?;
                pointer.truncate(len);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter_mut().enumerate() {
                let len = pointer.len();
                push_segment(pointer, &i.to_string());
                every_string(child, pointer, f)?;
                pointer.truncate(len);
            }
        }
        _ => {}
    }
    Ok(())
}

/// Appends `/segment` to a JSON pointer (RFC 6901 escaping).
fn push_segment(pointer: &mut String, segment: &str) {
    pointer.push('/');
    pointer.push_str(&segment.replace('~', "~0").replace('/', "~1"));
}

/// True for a value stored as it is: an `env:` reference or nothing.
fn stays_clear(s: &str) -> bool {
    s.is_empty() || s.starts_with("env:")
}

/// The config to store: every clear secret sealed with `keyring`. A secret given as
/// `""` or `********` keeps the value `stored` has at the same place (an update that
/// leaves a secret empty keeps it). Without a keyring, a clear secret is
/// [`StateError::NoMasterKey`].
pub(crate) fn seal_config(
    mut config: Value,
    fields: &[String],
    keyring: Option<&Keyring>,
    stored: Option<&Value>,
) -> Result<Value, StateError> {
    walk(
        &mut config,
        fields,
        &mut String::new(),
        &mut |pointer, s| {
            let kept = stored
                .and_then(|v| v.pointer(pointer))
                .and_then(Value::as_str);
            if s.is_empty() || s == REDACTED {
                match kept {
                    Some(previous) => *s = previous.to_owned(),
                    None if s == REDACTED => {
                        return Err(StateError::Invalid(format!(
                            "the secret `{pointer}` is `{REDACTED}` (the display form) but no value is stored to keep"
                        )));
                    }
                    None => {}
                }
                return Ok(());
            }
            if stays_clear(s) {
                return Ok(());
            }
            let keyring = keyring.ok_or_else(|| StateError::NoMasterKey {
                field: pointer.to_owned(),
            })?;
            *s = keyring.seal(s)?;
            Ok(())
        },
    )?;
    Ok(config)
}

/// The config for display: every sealed secret replaced by `********`.
pub(crate) fn redact_config(config: &Value, fields: &[String]) -> Value {
    let mut config = config.clone();
    // The closure never fails.
    let _ = walk(&mut config, fields, &mut String::new(), &mut |_, s| {
        if !stays_clear(s) {
            *s = REDACTED.to_owned();
        }
        Ok(())
    });
    config
}

/// The config for use: every sealed secret opened. Without a keyring, a sealed secret is
/// [`StateError::NoMasterKey`].
pub(crate) fn reveal_config(
    config: &Value,
    fields: &[String],
    keyring: Option<&Keyring>,
) -> Result<Value, StateError> {
    let mut config = config.clone();
    walk(
        &mut config,
        fields,
        &mut String::new(),
        &mut |pointer, s| {
            if is_sealed(s) {
                let keyring = keyring.ok_or_else(|| StateError::NoMasterKey {
                    field: pointer.to_owned(),
                })?;
                *s = keyring.open(s)?.expose().to_owned();
            }
            Ok(())
        },
    )?;
    Ok(config)
}

/// Re-seals every sealed secret in `config` from `old` to `new`; returns how many.
pub(crate) fn reseal_config(
    config: &mut Value,
    fields: &[String],
    old: &Keyring,
    new: &MasterKey,
) -> Result<usize, StateError> {
    let mut count = 0;
    walk(config, fields, &mut String::new(), &mut |_, s| {
        if is_sealed(s) {
            *s = new.seal(old.open(s)?.expose())?;
            count += 1;
        }
        Ok(())
    })?;
    Ok(count)
}

#[cfg(test)]
mod tests;
