//! Virtual keys (`sk-sb-…`, created through the admin API and kept hashed in the state
//! database): looked up for each request that presents one, refused when revoked, expired
//! or over budget, and otherwise turned into the same [`KeyEntry`] a `[[keys]]` entry
//! gives (its models and limits).

use std::sync::Arc;

use http::StatusCode;
use switchboard_core::{ErrorClass, Fault, GatewayError};
use switchboard_state::{KEY_PREFIX, KeyRecord, KeyStatus, now_ms};

use crate::Gateway;
use crate::auth::KeyEntry;
use crate::config::LimitsConfig;
use crate::limits::{LimitSet, Limits, ScopeKind};
use crate::state::failed;

/// Whether `presented` has the shape of a virtual key.
pub(crate) fn is_virtual(presented: &str) -> bool {
    presented.starts_with(KEY_PREFIX)
}

/// The entry for a virtual key, or the 401/429 that refuses it.
pub(crate) async fn resolve(
    gateway: &Gateway,
    presented: &str,
) -> Result<Arc<KeyEntry>, GatewayError> {
    let db = gateway.state().db().await?;
    let record = db
        .keys()
        .find_by_plaintext(presented)
        .await
        .map_err(|e| failed(&e))?
        .ok_or_else(|| GatewayError::unauthorized("Incorrect API key provided."))?;
    let now = now_ms();
    match record.status(now) {
        KeyStatus::Active => {}
        KeyStatus::Revoked => {
            return Err(GatewayError::unauthorized(format!(
                "The API key `{}` was revoked.",
                record.prefix
            ))
            .with_code("key_revoked"));
        }
        KeyStatus::Expired => {
            return Err(GatewayError::unauthorized(format!(
                "The API key `{}` has expired.",
                record.prefix
            ))
            .with_code("key_expired"));
        }
    }
    if record.budget_daily.is_some() || record.budget_monthly.is_some() {
        let spent = gateway
            .state()
            .spend()
            .spent(db, &record.id, now)
            .await
            .map_err(|e| failed(&e))?;
        for (budget, period, spent) in [
            (record.budget_daily, "daily", spent.day),
            (record.budget_monthly, "monthly", spent.month),
        ] {
            if let Some(budget) = budget
                && spent >= budget
            {
                return Err(over_budget(&record, period, budget, spent));
            }
        }
    }
    Ok(Arc::new(entry(gateway, record)?))
}

fn entry(gateway: &Gateway, record: KeyRecord) -> Result<KeyEntry, GatewayError> {
    let limits = match &record.limits {
        Some(json) => serde_json::from_value::<LimitsConfig>(json.clone()).map_err(|e| {
            GatewayError::internal(format!(
                "the stored limits of key `{}` are invalid: {e}",
                record.id
            ))
        })?,
        None => LimitsConfig::default(),
    };
    Ok(KeyEntry {
        limits: LimitSet::new(
            ScopeKind::Key,
            &record.name,
            Limits::from(&limits),
            gateway.inner.counters.clone(),
        ),
        name: record.name.into(),
        id: Some(record.id),
        models: record.models.unwrap_or_default(),
    })
}

fn over_budget(record: &KeyRecord, period: &str, budget: f64, spent: f64) -> GatewayError {
    let resets = if period == "daily" {
        "at 00:00 UTC"
    } else {
        "on the first of the month, 00:00 UTC"
    };
    GatewayError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "insufficient_quota",
        format!(
            "The {period} budget of ${budget:.2} of API key `{}` is spent (${spent:.4}); it resets {resets}.",
            record.prefix
        ),
        Fault::Client,
    )
    .with_code("budget_exceeded")
    .with_class(ErrorClass::Policy)
}
