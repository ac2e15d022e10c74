//! [`AuditLog`]: who changed what, and when. The stores append to it in the same
//! transaction as the change itself, so a change is never committed without its entry.

use serde::Serialize;
use serde_json::Value;
use sqlx::{Row as _, SqliteConnection};

use crate::db::Database;
use crate::error::StateError;
use crate::time::{UnixMillis, now_ms};

/// One audit entry. `detail` never holds a secret: stores put redacted configs and key
/// prefixes there, never key material.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEntry {
    /// Its sequence number (increasing).
    pub id: i64,
    /// When the change was made.
    pub at: UnixMillis,
    /// Who made it (an admin key's name, `cli`, ...).
    pub actor: String,
    /// What was done: `provider.create`, `key.revoke`, `master_key.rotate`, ...
    pub action: String,
    /// What it was done to (a provider or model name, a key id).
    pub target: String,
    /// More about the change, as JSON.
    pub detail: Value,
}

/// Which entries [`AuditLog::list`] returns: newest first.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    /// Only entries at or after this time.
    pub since: Option<UnixMillis>,
    /// Only entries by this actor.
    pub actor: Option<String>,
    /// Only entries about this target.
    pub target: Option<String>,
    /// At most this many (100 when `None`).
    pub limit: Option<u32>,
}

/// The audit log. Cheap to clone.
#[derive(Debug, Clone)]
pub struct AuditLog {
    db: Database,
}

impl AuditLog {
    pub(crate) fn new(db: Database) -> Self {
        Self { db }
    }

    /// Appends an entry for a change made outside this crate's stores (the stores record
    /// their own). Durable when it returns.
    pub async fn append(
        &self,
        actor: &str,
        action: &str,
        target: &str,
        detail: &Value,
    ) -> Result<(), StateError> {
        let result = async {
            let mut conn = self.db.pool().acquire().await?;
            append_in(&mut conn, actor, action, target, detail).await
        }
        .await;
        self.db.track("audit.append", result)
    }

    /// Entries matching `query`, newest first.
    pub async fn list(&self, query: &AuditQuery) -> Result<Vec<AuditEntry>, StateError> {
        let mut sql = sqlx::QueryBuilder::new(
            "SELECT id, at, actor, action, target, detail FROM audit_log WHERE 1 = 1",
        );
        if let Some(since) = query.since {
            sql.push(" AND at >= ").push_bind(since);
        }
        if let Some(actor) = &query.actor {
            sql.push(" AND actor = ").push_bind(actor.clone());
        }
        if let Some(target) = &query.target {
            sql.push(" AND target = ").push_bind(target.clone());
        }
        sql.push(" ORDER BY id DESC LIMIT ")
            .push_bind(i64::from(query.limit.unwrap_or(100)));
        let rows = sql.build().fetch_all(self.db.pool()).await?;
        rows.into_iter()
            .map(|row| {
                let detail: String = row.try_get("detail")?;
                Ok(AuditEntry {
                    id: row.try_get("id")?,
                    at: row.try_get("at")?,
                    actor: row.try_get("actor")?,
                    action: row.try_get("action")?,
                    target: row.try_get("target")?,
                    detail: serde_json::from_str(&detail)?,
                })
            })
            .collect()
    }
}

/// Appends an entry on `conn`, inside the caller's transaction.
pub(crate) async fn append_in(
    conn: &mut SqliteConnection,
    actor: &str,
    action: &str,
    target: &str,
    detail: &Value,
) -> Result<(), StateError> {
    sqlx::query(
        "INSERT INTO audit_log (at, actor, action, target, detail) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(now_ms())
    .bind(actor)
    .bind(action)
    .bind(target)
    .bind(serde_json::to_string(detail)?)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
