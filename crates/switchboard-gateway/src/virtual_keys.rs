//! Virtual keys (`sk-sb-…`, created through the admin API and kept hashed in the state
//! database): looked up for each request that presents one, refused when revoked, expired
//! or over budget, and otherwise turned into the same [`KeyEntry`] a `[[keys]]` entry
//! gives (its models and limits).

use std::sync::Arc;

use http::StatusCode;
use switchboard_core::{ErrorClass, Fault, GatewayError};
use switchboard_state::{KEY_PREFIX, KeyRecord, KeyStatus, UnixMillis, now_ms};

use crate::Gateway;
use crate::auth::KeyEntry;
use crate::config::LimitsConfig;
use crate::limits::{LimitSet, Limits, ScopeKind};
use crate::state::failed;

const DAY_MS: i64 = 86_400_000;

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
    for (budget, period, since) in [
        (record.budget_daily, "daily", day_start(now)),
        (record.budget_monthly, "monthly", month_start(now)),
    ] {
        let Some(budget) = budget else { continue };
        let spent = db
            .keys()
            .spend(&record.id, since)
            .await
            .map_err(|e| failed(&e))?;
        if spent >= budget {
            return Err(over_budget(&record, period, budget, spent));
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

/// Midnight UTC of `now`'s day.
fn day_start(now: UnixMillis) -> UnixMillis {
    now - now.rem_euclid(DAY_MS)
}

/// Midnight UTC of the first day of `now`'s month.
fn month_start(now: UnixMillis) -> UnixMillis {
    let days = now.div_euclid(DAY_MS);
    let (year, month, _) = civil_from_days(days);
    days_from_civil(year, month, 1) * DAY_MS
}

/// (year, month 1–12, day 1–31) of a day count since 1970-01-01 (Howard Hinnant's
/// `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = if month > 2 { month - 3 } else { month + 9 };
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_start_at_midnight_utc() {
        // 2026-11-21T20:30:00Z
        let now = 1_795_293_000_000;
        assert_eq!(day_start(now), 1_795_219_200_000); // 2026-11-21T00:00:00Z
        assert_eq!(month_start(now), 1_793_491_200_000); // 2026-11-01T00:00:00Z
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(civil_from_days(days_from_civil(2024, 2, 29)), (2024, 2, 29));
        assert_eq!(
            month_start(days_from_civil(2024, 3, 1) * DAY_MS),
            days_from_civil(2024, 3, 1) * DAY_MS
        );
    }
}
