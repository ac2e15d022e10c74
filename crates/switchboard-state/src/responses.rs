//! [`ResponseStore`]: stored responses (the durable backend of the Responses API store) and
//! the index of their items.
//!
//! A response is kept as the JSON text it was sent as, with its request's own input items
//! as a JSON array text; neither is parsed on the way in or out. Only [`find_item`]
//! parses, to pick one item out.
//!
//! [`find_item`]: ResponseStore::find_item

use std::sync::Arc;

use serde_json::Value;
use serde_json::value::RawValue;
use sqlx::{Row as _, SqliteConnection};

use crate::db::Database;
use crate::error::StateError;
use crate::time::UnixMillis;

/// One stored response.
#[derive(Debug, Clone)]
pub struct StoredResponse {
    /// The `resp_…` id.
    pub id: String,
    /// The response this one continued, if any.
    pub previous_response_id: Option<String>,
    /// The `Response` object as sent to the client: its JSON text, shared (the gateway
    /// sends the same text to the client and `GET` answers it without a copy). Valid JSON:
    /// whoever builds a record writes it with a JSON encoder, and [`ResponseStore::get`]
    /// checks what it reads.
    pub response: Arc<str>,
    /// The request's own input items (not the expanded history): the JSON text of an array.
    pub input_items: Box<str>,
    /// The ids of its input items, then of its output items: what [`ResponseStore::find_item`]
    /// finds it by.
    pub item_ids: Vec<String>,
    /// When it stops being served; `None` keeps it until deleted.
    pub expires_at: Option<UnixMillis>,
    /// When it was stored.
    pub created_at: UnixMillis,
}

impl StoredResponse {
    /// The request's own input items.
    pub fn input_items(&self) -> Result<Vec<Value>, StateError> {
        Ok(serde_json::from_str(&self.input_items)?)
    }

    /// The response's output items (its `output` array).
    pub fn output_items(&self) -> Result<Vec<Value>, StateError> {
        #[derive(serde::Deserialize)]
        struct Output {
            #[serde(default)]
            output: Vec<Value>,
        }
        let parsed: Output = serde_json::from_str(&self.response)?;
        Ok(parsed.output)
    }

    /// Its size in bytes, roughly what it holds in memory (its JSON text and ids).
    pub fn size(&self) -> usize {
        self.response.len()
            + self.input_items.len()
            + self.id.len()
            + self.item_ids.iter().map(String::len).sum::<usize>()
    }
}

/// Stored responses. Cheap to clone; every method may be called concurrently.
#[derive(Debug, Clone)]
pub struct ResponseStore {
    db: Database,
}

impl ResponseStore {
    pub(crate) fn new(db: Database) -> Self {
        Self { db }
    }

    /// Keeps `record`, replacing any with the same id (and its item index), in one
    /// transaction. Durable and visible to [`get`](Self::get) once this returns.
    pub async fn put(&self, record: &StoredResponse) -> Result<(), StateError> {
        let result = async {
            let mut tx = self.db.begin_write().await?;
            delete_in(&mut tx, &record.id).await?;
            sqlx::query(
                "INSERT INTO responses \
                 (id, previous_response_id, response, input_items, expires_at, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&record.id)
            .bind(&record.previous_response_id)
            .bind(&*record.response)
            .bind(&*record.input_items)
            .bind(record.expires_at)
            .bind(record.created_at)
            .execute(&mut *tx)
            .await?;
            for (position, item_id) in record.item_ids.iter().enumerate() {
                // An id listed twice in one response is indexed once.
                sqlx::query(
                    "INSERT INTO response_items (item_id, response_id, position) \
                     VALUES ($1, $2, $3) ON CONFLICT (item_id, response_id) DO NOTHING",
                )
                .bind(item_id)
                .bind(&record.id)
                .bind(i64::try_from(position).unwrap_or(i64::MAX))
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(())
        }
        .await;
        self.db.track("responses.put", result)
    }

    /// The response with this id, unless it is absent or expired at `now`.
    pub async fn get(
        &self,
        id: &str,
        now: UnixMillis,
    ) -> Result<Option<StoredResponse>, StateError> {
        // One read transaction: the row and its items come from the same snapshot.
        let mut conn = self.db.pool().begin().await?;
        let row = sqlx::query(
            "SELECT id, previous_response_id, response, input_items, expires_at, created_at \
             FROM responses WHERE id = $1 AND (expires_at IS NULL OR expires_at > $2)",
        )
        .bind(id)
        .bind(now)
        .fetch_optional(&mut *conn)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let item_ids = item_ids_in(&mut conn, id).await?;
        conn.commit().await?;
        let response: String = row.try_get("response")?;
        let input_items: String = row.try_get("input_items")?;
        Ok(Some(StoredResponse {
            id: row.try_get("id")?,
            previous_response_id: row.try_get("previous_response_id")?,
            response: checked_json(response)?.into(),
            input_items: checked_json(input_items)?.into_boxed_str(),
            item_ids,
            expires_at: row.try_get("expires_at")?,
            created_at: row.try_get("created_at")?,
        }))
    }

    /// Deletes a response and its item index; true if there was one.
    pub async fn delete(&self, id: &str) -> Result<bool, StateError> {
        let result = async {
            let mut tx = self.db.begin_write().await?;
            let deleted = delete_in(&mut tx, id).await?;
            tx.commit().await?;
            Ok(deleted)
        }
        .await;
        self.db.track("responses.delete", result)
    }

    /// An input or output item of a stored response live at `now`, by item id. When
    /// several responses hold the id, the most recently stored one answers.
    pub async fn find_item(
        &self,
        item_id: &str,
        now: UnixMillis,
    ) -> Result<Option<Value>, StateError> {
        let row = sqlx::query(
            "SELECT r.response, r.input_items FROM response_items i \
             JOIN responses r ON r.id = i.response_id \
             WHERE i.item_id = $1 AND (r.expires_at IS NULL OR r.expires_at > $2) \
             ORDER BY r.created_at DESC, r.id DESC LIMIT 1",
        )
        .bind(item_id)
        .bind(now)
        .fetch_optional(self.db.pool())
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let input_items: String = row.try_get("input_items")?;
        let response: String = row.try_get("response")?;
        let inputs: Vec<Value> = serde_json::from_str(&input_items)?;
        #[derive(serde::Deserialize)]
        struct Output {
            #[serde(default)]
            output: Vec<Value>,
        }
        let outputs: Output = serde_json::from_str(&response)?;
        Ok(inputs
            .into_iter()
            .chain(outputs.output)
            .find(|item| item.get("id").and_then(Value::as_str) == Some(item_id)))
    }

    /// Deletes every response expired at `now` (with their item index); returns how many.
    /// Call it now and then; [`get`](Self::get) already hides expired responses.
    pub async fn expire(&self, now: UnixMillis) -> Result<u64, StateError> {
        let result = async {
            let mut tx = self.db.begin_write().await?;
            // The item index goes with them (ON DELETE CASCADE).
            let done = sqlx::query(
                "DELETE FROM responses WHERE expires_at IS NOT NULL AND expires_at <= $1",
            )
            .bind(now)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(done.rows_affected())
        }
        .await;
        self.db.track("responses.expire", result)
    }

    /// How many responses are stored (expired ones included until [`expire`](Self::expire)).
    pub async fn count(&self) -> Result<u64, StateError> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM responses")
            .fetch_one(self.db.pool())
            .await?;
        Ok(u64::try_from(n).unwrap_or(0))
    }
}

async fn delete_in(conn: &mut SqliteConnection, id: &str) -> Result<bool, StateError> {
    // The item index goes with it (ON DELETE CASCADE).
    let done = sqlx::query("DELETE FROM responses WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

async fn item_ids_in(conn: &mut SqliteConnection, id: &str) -> Result<Vec<String>, StateError> {
    let ids = sqlx::query_scalar(
        "SELECT item_id FROM response_items WHERE response_id = $1 ORDER BY position",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(ids)
}

/// `text` if it is JSON (what a record holds must be: the gateway sends it as it is).
fn checked_json(text: String) -> Result<String, StateError> {
    serde_json::from_str::<&RawValue>(&text)?;
    Ok(text)
}
