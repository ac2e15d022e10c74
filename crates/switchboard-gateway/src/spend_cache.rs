//! [`SpendCache`]: what each virtual key has spent today and this month, for the budget
//! check every request with a budgeted key makes.
//!
//! Summing a key's usage records on every request costs more the more it is used; the
//! cache reads the sums from the database at most once per [`REFRESH`] per key and adds
//! each request this instance records as it is written, so its own spending is counted at
//! once. The refresh brings in what other instances sharing the database recorded, and a new
//! UTC day or month starts the sums again.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use switchboard_state::{Database, StateError, UnixMillis, utc_day_start, utc_month_start};
use tokio::time::Instant;

/// How long sums read from the database are trusted before they are read again.
pub(crate) const REFRESH: Duration = Duration::from_secs(10);

/// Spending per key id.
#[derive(Default)]
pub(crate) struct SpendCache {
    keys: Mutex<HashMap<String, Spent>>,
}

/// One key's sums, since `day_start` and `month_start`.
#[derive(Debug, Clone, Copy)]
struct Spent {
    read_at: Instant,
    day_start: UnixMillis,
    month_start: UnixMillis,
    day: f64,
    month: f64,
}

/// What a key has spent, in US dollars.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Spending {
    /// Since 00:00 UTC today.
    pub(crate) day: f64,
    /// Since the first of this month, 00:00 UTC.
    pub(crate) month: f64,
}

impl SpendCache {
    /// What `key_id` has spent as of `now_ms`: from the cache when it is fresh and of the
    /// same day, else read from `db`.
    pub(crate) async fn spent(
        &self,
        db: &Database,
        key_id: &str,
        now_ms: UnixMillis,
    ) -> Result<Spending, StateError> {
        let day_start = utc_day_start(now_ms);
        let month_start = utc_month_start(now_ms);
        if let Some(s) = self.lock().get(key_id)
            && s.read_at.elapsed() < REFRESH
            && s.day_start == day_start
            && s.month_start == month_start
        {
            return Ok(Spending {
                day: s.day,
                month: s.month,
            });
        }
        let read_at = Instant::now();
        let keys = db.keys();
        let day = keys.spend(key_id, day_start).await?;
        let month = keys.spend(key_id, month_start).await?;
        self.lock().insert(
            key_id.to_owned(),
            Spent {
                read_at,
                day_start,
                month_start,
                day,
                month,
            },
        );
        Ok(Spending { day, month })
    }

    /// Counts `cost_usd` of a request recorded at `at` for `key_id` (only when its sums are
    /// cached and the record falls in their periods; otherwise the next read finds it).
    pub(crate) fn add(&self, key_id: &str, cost_usd: f64, at: UnixMillis) {
        if cost_usd <= 0.0 {
            return;
        }
        if let Some(s) = self.lock().get_mut(key_id) {
            if at >= s.day_start {
                s.day += cost_usd;
            }
            if at >= s.month_start {
                s.month += cost_usd;
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Spent>> {
        self.keys.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_state::{NewKey, UsageRecord, now_ms};

    fn record(key_id: &str, cost_usd: f64, created_at: UnixMillis) -> UsageRecord {
        UsageRecord {
            request_id: format!("req-{created_at}-{cost_usd}"),
            key_id: Some(key_id.to_owned()),
            model: "m".into(),
            provider: "p".into(),
            status: 200,
            prompt_tokens: 1,
            completion_tokens: 1,
            cached_tokens: 0,
            estimated: false,
            cost_usd,
            latency_ms: 1,
            created_at,
        }
    }

    #[tokio::test]
    async fn own_spending_counts_at_once_and_the_database_is_read_again_after_refresh() {
        let db = Database::open(":memory:").await.unwrap();
        let (key, _) = db
            .keys()
            .create(
                &NewKey {
                    name: "k".into(),
                    ..NewKey::default()
                },
                "admin",
            )
            .await
            .unwrap();
        let now = now_ms();
        db.usage().record(&record(&key.id, 1.0, now)).await.unwrap();
        let cache = SpendCache::default();
        let first = cache.spent(&db, &key.id, now).await.unwrap();
        assert_eq!(
            first,
            Spending {
                day: 1.0,
                month: 1.0
            }
        );
        // This instance's request: counted without a read.
        cache.add(&key.id, 0.5, now);
        // Another instance's record: not seen until the refresh.
        db.usage().record(&record(&key.id, 2.0, now)).await.unwrap();
        let cached = cache.spent(&db, &key.id, now).await.unwrap();
        assert_eq!(cached.day, 1.5);
        // Age the cached sums past the refresh (time cannot be paused: the database runs
        // on its own thread).
        for spent in cache.lock().values_mut() {
            spent.read_at = Instant::now().checked_sub(REFRESH).unwrap();
        }
        let fresh = cache.spent(&db, &key.id, now).await.unwrap();
        assert_eq!(fresh.day, 3.0);
        // A new day starts the day's sum again (the month's goes on).
        let tomorrow = utc_day_start(now) + 86_400_000;
        let next_day = cache.spent(&db, &key.id, tomorrow).await.unwrap();
        assert_eq!(next_day.day, 0.0);
    }
}
