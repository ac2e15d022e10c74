//! [`UsageStore`]: one record per completed request, and reports over them.
//!
//! - `aggregate.rs`: grouping rows and their latency percentiles (pure).
//! - `csv.rs`: [`to_csv`] for a report.
//! - `writer.rs`: the group-commit writer behind [`UsageStore::record`].

mod aggregate;
mod csv;
mod writer;

use futures_util::TryStreamExt as _;
use serde::{Deserialize, Serialize};
use sqlx::Row as _;

use crate::db::Database;
use crate::error::StateError;
use crate::time::UnixMillis;

pub use aggregate::{GroupBy, UsageRow};
pub use csv::to_csv;
pub(crate) use writer::UsageWriter;

use aggregate::{Grouper, Sample};

/// The most usage records [`UsageStore::prune_before`] deletes in one transaction: a few
/// milliseconds of holding the write lock.
pub const PRUNE_BATCH: i64 = 2_000;

/// What one completed request used and cost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UsageRecord {
    /// The request's id (`x-request-id`).
    pub request_id: String,
    /// The virtual key it was made with, if any.
    pub key_id: Option<String>,
    /// The model the client asked for.
    pub model: String,
    /// The provider that answered (or last failed).
    pub provider: String,
    /// The HTTP status sent to the client; 400 and above count as errors.
    pub status: u16,
    /// Prompt (input) tokens.
    pub prompt_tokens: u64,
    /// Completion (output) tokens.
    pub completion_tokens: u64,
    /// Prompt tokens served from the provider's cache.
    pub cached_tokens: u64,
    /// True when the token counts are the gateway's estimate, not the provider's.
    pub estimated: bool,
    /// The cost in US dollars.
    pub cost_usd: f64,
    /// Time from the request's arrival to its last byte, in milliseconds.
    pub latency_ms: u64,
    /// When the request completed.
    pub created_at: UnixMillis,
}

/// Which records a report covers. Every `None` is "all".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UsageFilter {
    /// From this time, inclusive.
    pub from: Option<UnixMillis>,
    /// Up to this time, exclusive.
    pub to: Option<UnixMillis>,
    /// Only this virtual key.
    pub key_id: Option<String>,
    /// Only this model.
    pub model: Option<String>,
    /// Only this provider.
    pub provider: Option<String>,
}

/// Usage records. Cheap to clone; every method may be called concurrently.
#[derive(Debug, Clone)]
pub struct UsageStore {
    db: Database,
}

/// SQLite stores integers as i64; counts beyond that are clamped (never reached).
fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn to_u64(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

impl UsageStore {
    pub(crate) fn new(db: Database) -> Self {
        Self { db }
    }

    /// Stores `record`. When this returns `Ok` the record is committed and synced to disk:
    /// call it before the client sees the end of the response. A failure is logged and
    /// counted (see [`Database::write_failures`]) as well as returned; a failed record was
    /// not written.
    ///
    /// Records from concurrent callers share commits (group commit, see `writer.rs`): the
    /// database's writer task inserts whatever queued up during its previous commit in one
    /// transaction, and this returns once that transaction committed. A lone record is
    /// written at once. After [`Database::close`] this fails at once.
    pub async fn record(&self, record: &UsageRecord) -> Result<(), StateError> {
        let result = self
            .db
            .usage_writer()
            .write(self.db.usage_pool(), record.clone())
            .await;
        self.db.track("usage.record", result)
    }

    /// How many transactions committed usage records since the database was opened: one
    /// per batch, plus one per record of a batch that failed and was written one by one.
    /// Fewer than the records written when concurrent records shared commits. For tests
    /// and a metric.
    pub fn batches_written(&self) -> u64 {
        self.db.usage_writer().commits()
    }

    /// Totals over the records matching `filter`, one row per distinct value of the
    /// `group_by` columns (one row for everything when it is empty), ordered by those
    /// values. Percentiles are computed here from each group's latencies, so memory grows
    /// with the number of matching records (8 bytes each).
    pub async fn aggregate(
        &self,
        filter: &UsageFilter,
        group_by: &[GroupBy],
    ) -> Result<Vec<UsageRow>, StateError> {
        let mut sql = sqlx::QueryBuilder::new(
            "SELECT key_id, model, provider, status, prompt_tokens, completion_tokens, \
             cached_tokens, cost_usd, latency_ms, created_at FROM usage_records WHERE 1 = 1",
        );
        if let Some(from) = filter.from {
            sql.push(" AND created_at >= ").push_bind(from);
        }
        if let Some(to) = filter.to {
            sql.push(" AND created_at < ").push_bind(to);
        }
        if let Some(key) = &filter.key_id {
            sql.push(" AND key_id = ").push_bind(key.clone());
        }
        if let Some(model) = &filter.model {
            sql.push(" AND model = ").push_bind(model.clone());
        }
        if let Some(provider) = &filter.provider {
            sql.push(" AND provider = ").push_bind(provider.clone());
        }
        let mut grouper = Grouper::new(group_by);
        let mut rows = sql.build().fetch(self.db.pool());
        while let Some(row) = rows.try_next().await? {
            grouper.add(&Sample {
                key_id: row.try_get("key_id")?,
                model: row.try_get("model")?,
                provider: row.try_get("provider")?,
                status: row.try_get("status")?,
                prompt_tokens: to_u64(row.try_get("prompt_tokens")?),
                completion_tokens: to_u64(row.try_get("completion_tokens")?),
                cached_tokens: to_u64(row.try_get("cached_tokens")?),
                cost_usd: row.try_get("cost_usd")?,
                latency_ms: to_u64(row.try_get("latency_ms")?),
                created_at: row.try_get("created_at")?,
            });
        }
        Ok(grouper.finish())
    }

    /// The cost in US dollars of `key_id`'s requests at or after `since` (for budgets).
    pub async fn spend(&self, key_id: &str, since: UnixMillis) -> Result<f64, StateError> {
        // SUM over no rows is NULL in SQL; COALESCE makes it 0 (portable).
        let total: f64 = sqlx::query_scalar(
            "SELECT COALESCE(SUM(cost_usd), 0.0) FROM usage_records \
             WHERE key_id = $1 AND created_at >= $2",
        )
        .bind(key_id)
        .bind(since)
        .fetch_one(self.db.pool())
        .await?;
        Ok(total)
    }

    /// Deletes the records created before `before`, oldest first, in transactions of at
    /// most [`PRUNE_BATCH`] rows so that the usage writer never waits long for the write
    /// lock. Returns how many were deleted. Stops at the first failure, which is logged and
    /// counted; what was deleted until then stays deleted.
    pub async fn prune_before(&self, before: UnixMillis) -> Result<u64, StateError> {
        let mut deleted = 0;
        loop {
            let result = async {
                let mut tx = self.db.begin_write().await?;
                // The `created_at` index finds the oldest rows without a scan.
                let done = sqlx::query(
                    "DELETE FROM usage_records WHERE rowid IN \
                     (SELECT rowid FROM usage_records WHERE created_at < $1 \
                      ORDER BY created_at LIMIT $2)",
                )
                .bind(before)
                .bind(PRUNE_BATCH)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(done.rows_affected())
            }
            .await;
            let batch = self.db.track("usage.prune", result)?;
            deleted += batch;
            if batch < PRUNE_BATCH as u64 {
                return Ok(deleted);
            }
            // Let the usage writer and readers in between two batches.
            tokio::task::yield_now().await;
        }
    }

    /// How many records are stored.
    pub async fn count(&self) -> Result<u64, StateError> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM usage_records")
            .fetch_one(self.db.pool())
            .await?;
        Ok(to_u64(n))
    }
}
