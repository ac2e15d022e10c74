//! [`ModelStore`]: models created at run time: the name clients ask for, the provider
//! deployments that serve it, other settings, and at most one default model.

use serde::Serialize;
use serde_json::{Value, json};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row as _, SqliteConnection};

use crate::audit::append_in;
use crate::db::Database;
use crate::error::StateError;
use crate::providers::{ProviderRecord, ProviderStore};
use crate::time::{UnixMillis, now_ms};

/// A model as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelRecord {
    /// The name clients ask for.
    pub name: String,
    /// The deployments that serve it (provider name, upstream model, weight, ...), as the
    /// gateway's config shapes them: a JSON array.
    pub deployments: Value,
    /// Other settings (prices, limits, ...): a JSON object.
    pub config: Value,
    /// True for the model used when a request names none.
    pub is_default: bool,
    /// When it was created.
    pub created_at: UnixMillis,
    /// When it was last changed.
    pub updated_at: UnixMillis,
}

/// A model to create.
#[derive(Debug, Clone, Copy)]
pub struct NewModel<'a> {
    /// The name clients ask for.
    pub name: &'a str,
    /// Its deployments (a JSON array).
    pub deployments: &'a Value,
    /// Its other settings (a JSON object).
    pub config: &'a Value,
    /// Whether it becomes the default model.
    pub default: bool,
}

/// A provider created with a model (the "remote model" flow).
#[derive(Debug, Clone)]
pub struct NewProvider<'a> {
    /// Its name.
    pub name: &'a str,
    /// Its adapter kind.
    pub kind: &'a str,
    /// Its config, secrets in clear (sealed before they are written).
    pub config: Value,
}

/// Models. Cheap to clone.
#[derive(Debug, Clone)]
pub struct ModelStore {
    db: Database,
}

const COLUMNS: &str = "name, deployments, config, is_default, created_at, updated_at";

impl ModelStore {
    pub(crate) fn new(db: Database) -> Self {
        Self { db }
    }

    /// Creates a model (not the default; see [`set_default`](Self::set_default)).
    pub async fn create(
        &self,
        name: &str,
        deployments: &Value,
        config: &Value,
        actor: &str,
    ) -> Result<ModelRecord, StateError> {
        let new = NewModel {
            name,
            deployments,
            config,
            default: false,
        };
        self.create_with(new, None, actor).await.map(|(m, _)| m)
    }

    /// Creates a model, and with it, in the same transaction, the provider it is served
    /// by when `provider` is given (the "remote model" flow) and its default mark when
    /// `model.default` is set (unmarking the previous default). All of it is written, or
    /// none.
    pub async fn create_with(
        &self,
        model: NewModel<'_>,
        provider: Option<(&ProviderStore, NewProvider<'_>)>,
        actor: &str,
    ) -> Result<(ModelRecord, Option<ProviderRecord>), StateError> {
        let result = async {
            let mut tx = self.db.begin_write().await?;
            let provider = match provider {
                Some((store, new)) => Some(
                    store
                        .insert_in(&mut tx, new.name, new.kind, new.config, actor)
                        .await?,
                ),
                None => None,
            };
            let now = now_ms();
            sqlx::query(
                "INSERT INTO models (name, deployments, config, is_default, created_at, updated_at) \
                 VALUES ($1, $2, $3, FALSE, $4, $4)",
            )
            .bind(model.name)
            .bind(serde_json::to_string(model.deployments)?)
            .bind(serde_json::to_string(model.config)?)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(|e| StateError::from(e).on_duplicate("model", model.name))?;
            let mut record = ModelRecord {
                name: model.name.to_owned(),
                deployments: model.deployments.clone(),
                config: model.config.clone(),
                is_default: false,
                created_at: now,
                updated_at: now,
            };
            append_in(&mut tx, actor, "model.create", model.name, &describe(&record)).await?;
            if model.default {
                mark_default_in(&mut tx, model.name, actor).await?;
                record.is_default = true;
            }
            tx.commit().await?;
            Ok((record, provider))
        }
        .await;
        self.db.track("models.create", result)
    }

    /// The model `name`.
    pub async fn get(&self, name: &str) -> Result<Option<ModelRecord>, StateError> {
        let mut conn = self.db.pool().acquire().await?;
        get_in(&mut conn, name).await
    }

    /// Every model, by name.
    pub async fn list(&self) -> Result<Vec<ModelRecord>, StateError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM models ORDER BY name"
        )))
        .fetch_all(self.db.pool())
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// The default model, if one is set.
    pub async fn default_model(&self) -> Result<Option<ModelRecord>, StateError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM models WHERE is_default = TRUE"
        )))
        .fetch_optional(self.db.pool())
        .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// Replaces the model's deployments and settings (its default mark stays).
    pub async fn update(
        &self,
        name: &str,
        deployments: &Value,
        config: &Value,
        actor: &str,
    ) -> Result<ModelRecord, StateError> {
        let result = async {
            let mut tx = self.db.begin_write().await?;
            let done = sqlx::query(
                "UPDATE models SET deployments = $1, config = $2, updated_at = $3 WHERE name = $4",
            )
            .bind(serde_json::to_string(deployments)?)
            .bind(serde_json::to_string(config)?)
            .bind(now_ms())
            .bind(name)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                return Err(not_found(name));
            }
            let record = get_in(&mut tx, name)
                .await?
                .ok_or_else(|| not_found(name))?;
            append_in(&mut tx, actor, "model.update", name, &describe(&record)).await?;
            tx.commit().await?;
            Ok(record)
        }
        .await;
        self.db.track("models.update", result)
    }

    /// Makes `name` the default model, unmarking the previous default in the same
    /// transaction (so there is never a moment with two, or with none when one was set).
    pub async fn set_default(&self, name: &str, actor: &str) -> Result<ModelRecord, StateError> {
        let result = async {
            let mut tx = self.db.begin_write().await?;
            if get_in(&mut tx, name).await?.is_none() {
                return Err(not_found(name));
            }
            mark_default_in(&mut tx, name, actor).await?;
            let record = get_in(&mut tx, name)
                .await?
                .ok_or_else(|| not_found(name))?;
            tx.commit().await?;
            Ok(record)
        }
        .await;
        self.db.track("models.set_default", result)
    }

    /// Removes the default mark from `name` (then no stored model is the default).
    pub async fn unset_default(&self, name: &str, actor: &str) -> Result<ModelRecord, StateError> {
        let result = async {
            let mut tx = self.db.begin_write().await?;
            let done = sqlx::query(
                "UPDATE models SET is_default = FALSE, updated_at = $1 WHERE name = $2",
            )
            .bind(now_ms())
            .bind(name)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                return Err(not_found(name));
            }
            append_in(&mut tx, actor, "model.unset_default", name, &json!({})).await?;
            let record = get_in(&mut tx, name)
                .await?
                .ok_or_else(|| not_found(name))?;
            tx.commit().await?;
            Ok(record)
        }
        .await;
        self.db.track("models.unset_default", result)
    }

    /// Deletes the model; true if there was one. Deleting the default leaves none.
    pub async fn delete(&self, name: &str, actor: &str) -> Result<bool, StateError> {
        let result = async {
            let mut tx = self.db.begin_write().await?;
            let done = sqlx::query("DELETE FROM models WHERE name = $1")
                .bind(name)
                .execute(&mut *tx)
                .await?;
            let deleted = done.rows_affected() > 0;
            if deleted {
                append_in(&mut tx, actor, "model.delete", name, &json!({})).await?;
            }
            tx.commit().await?;
            Ok(deleted)
        }
        .await;
        self.db.track("models.delete", result)
    }
}

/// Marks `name` as the default and unmarks any other, in the caller's transaction.
async fn mark_default_in(
    conn: &mut SqliteConnection,
    name: &str,
    actor: &str,
) -> Result<(), StateError> {
    sqlx::query("UPDATE models SET is_default = FALSE WHERE is_default = TRUE AND name <> $1")
        .bind(name)
        .execute(&mut *conn)
        .await?;
    sqlx::query("UPDATE models SET is_default = TRUE, updated_at = $1 WHERE name = $2")
        .bind(now_ms())
        .bind(name)
        .execute(&mut *conn)
        .await?;
    append_in(conn, actor, "model.set_default", name, &json!({})).await
}

fn not_found(name: &str) -> StateError {
    StateError::NotFound {
        kind: "model",
        id: name.to_owned(),
    }
}

fn describe(record: &ModelRecord) -> Value {
    json!({"deployments": record.deployments, "config": record.config})
}

async fn get_in(
    conn: &mut SqliteConnection,
    name: &str,
) -> Result<Option<ModelRecord>, StateError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM models WHERE name = $1"
    )))
    .bind(name)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(from_row).transpose()
}

fn from_row(row: &SqliteRow) -> Result<ModelRecord, StateError> {
    let deployments: String = row.try_get("deployments")?;
    let config: String = row.try_get("config")?;
    Ok(ModelRecord {
        name: row.try_get("name")?,
        deployments: serde_json::from_str(&deployments)?,
        config: serde_json::from_str(&config)?,
        is_default: row.try_get("is_default")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}
