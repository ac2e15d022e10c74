//! [`Counters`]: limit counters of a single instance, one JSON state per scope, so that a
//! restart does not hand every key a fresh minute of budget. The gateway owns the state's
//! shape (token bucket levels, window counts); this stores and returns it.

use serde_json::Value;
use sqlx::Row as _;

use crate::db::Database;
use crate::error::StateError;
use crate::time::UnixMillis;

/// One scope's saved counter state.
#[derive(Debug, Clone, PartialEq)]
pub struct CounterState {
    /// The scope (`key:team-a`, `model:gpt-4o`).
    pub scope: String,
    /// The state, as the gateway shaped it.
    pub state: Value,
    /// When it was saved.
    pub updated_at: UnixMillis,
}

/// Limit counters. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Counters {
    db: Database,
}

impl Counters {
    pub(crate) fn new(db: Database) -> Self {
        Self { db }
    }

    /// Saves `state` for `scope`, replacing what was saved before.
    pub async fn save(&self, scope: &str, state: &Value, at: UnixMillis) -> Result<(), StateError> {
        let result = async {
            // An upsert: `ON CONFLICT ... DO UPDATE` reads the same in SQLite and PostgreSQL.
            sqlx::query(
                "INSERT INTO limit_counters (scope, state, updated_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (scope) DO UPDATE SET state = excluded.state, \
                 updated_at = excluded.updated_at",
            )
            .bind(scope)
            .bind(serde_json::to_string(state)?)
            .bind(at)
            .execute(self.db.pool())
            .await?;
            Ok(())
        }
        .await;
        self.db.track("counters.save", result)
    }

    /// The state saved for `scope`.
    pub async fn load(&self, scope: &str) -> Result<Option<CounterState>, StateError> {
        let row =
            sqlx::query("SELECT scope, state, updated_at FROM limit_counters WHERE scope = $1")
                .bind(scope)
                .fetch_optional(self.db.pool())
                .await?;
        row.map(|row| {
            let state: String = row.try_get("state")?;
            Ok(CounterState {
                scope: row.try_get("scope")?,
                state: serde_json::from_str(&state)?,
                updated_at: row.try_get("updated_at")?,
            })
        })
        .transpose()
    }

    /// Every saved state, by scope (to restore them all at start).
    pub async fn load_all(&self) -> Result<Vec<CounterState>, StateError> {
        let rows =
            sqlx::query("SELECT scope, state, updated_at FROM limit_counters ORDER BY scope")
                .fetch_all(self.db.pool())
                .await?;
        rows.into_iter()
            .map(|row| {
                let state: String = row.try_get("state")?;
                Ok(CounterState {
                    scope: row.try_get("scope")?,
                    state: serde_json::from_str(&state)?,
                    updated_at: row.try_get("updated_at")?,
                })
            })
            .collect()
    }

    /// Deletes states saved before `before` (stale scopes); returns how many.
    pub async fn prune(&self, before: UnixMillis) -> Result<u64, StateError> {
        let result = sqlx::query("DELETE FROM limit_counters WHERE updated_at < $1")
            .bind(before)
            .execute(self.db.pool())
            .await
            .map(|done| done.rows_affected())
            .map_err(StateError::from);
        self.db.track("counters.prune", result)
    }
}
