//! [`ProviderStore`]: providers created at run time, with their secret config fields
//! sealed under the master key (see `secrets.rs` for which fields, and `crypto.rs` for
//! the format). Reads return the config with secrets shown as `********`; only
//! [`ProviderStore::reveal`] opens them.
//!
//! - `rotate.rs`: [`ProviderStore::rotate_master_key`], re-sealing every secret.

mod rotate;

pub use rotate::RotationReport;

use std::fmt;
use std::sync::Arc;

use serde::Serialize;
use serde_json::{Value, json};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row as _, SqliteConnection};

use crate::audit::append_in;
use crate::crypto::Keyring;
use crate::db::Database;
use crate::error::StateError;
use crate::secrets::{DEFAULT_SECRET_FIELDS, redact_config, reveal_config, seal_config};
use crate::time::{UnixMillis, now_ms};

/// A provider as shown: its config with every secret as `********`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProviderRecord {
    /// Its name, which models' deployments refer to.
    pub name: String,
    /// The adapter that serves it (`openai`, `anthropic`, ...).
    pub kind: String,
    /// The adapter's config, secrets redacted.
    pub config: Value,
    /// When it was created.
    pub created_at: UnixMillis,
    /// When it was last changed.
    pub updated_at: UnixMillis,
}

/// A provider with its secrets in clear, to build its adapter. `Debug` prints the name
/// and kind only.
#[derive(Clone)]
pub struct RevealedProvider {
    /// Its name.
    pub name: String,
    /// Its adapter kind.
    pub kind: String,
    config: Value,
}

impl RevealedProvider {
    /// The config with secrets in clear: pass it to the adapter, never to a log.
    pub fn expose_config(&self) -> &Value {
        &self.config
    }
}

impl fmt::Debug for RevealedProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RevealedProvider")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .field("config", &switchboard_core::secret::REDACTED)
            .finish()
    }
}

/// Providers. Cheap to clone.
#[derive(Clone)]
pub struct ProviderStore {
    db: Database,
    keyring: Option<Arc<Keyring>>,
    secret_fields: Arc<Vec<String>>,
}

impl fmt::Debug for ProviderStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProviderStore")
            .field("keyring", &self.keyring)
            .field("secret_fields", &self.secret_fields)
            .finish_non_exhaustive()
    }
}

impl ProviderStore {
    pub(crate) fn new(db: Database, keyring: Option<Arc<Keyring>>) -> Self {
        Self {
            db,
            keyring,
            secret_fields: Arc::new(
                DEFAULT_SECRET_FIELDS
                    .iter()
                    .map(|s| (*s).to_owned())
                    .collect(),
            ),
        }
    }

    /// The same store treating `fields` as the secret field names instead of
    /// [`DEFAULT_SECRET_FIELDS`].
    pub fn with_secret_fields<I, S>(mut self, fields: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.secret_fields = Arc::new(fields.into_iter().map(Into::into).collect());
        self
    }

    /// Creates a provider; its secrets are sealed before they reach the database. Without a
    /// master key, a config holding a secret is [`StateError::NoMasterKey`].
    pub async fn create(
        &self,
        name: &str,
        kind: &str,
        config: Value,
        actor: &str,
    ) -> Result<ProviderRecord, StateError> {
        let result = async {
            let mut tx = self.db.begin_write().await?;
            let record = self.insert_in(&mut tx, name, kind, config, actor).await?;
            tx.commit().await?;
            Ok(record)
        }
        .await;
        self.db.track("providers.create", result)
    }

    /// The insert of [`create`](Self::create), inside the caller's transaction (the
    /// audit entry too).
    pub(crate) async fn insert_in(
        &self,
        tx: &mut SqliteConnection,
        name: &str,
        kind: &str,
        config: Value,
        actor: &str,
    ) -> Result<ProviderRecord, StateError> {
        let sealed = seal_config(config, &self.secret_fields, self.keyring.as_deref(), None)?;
        let now = now_ms();
        sqlx::query(
            "INSERT INTO providers (name, kind, config, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $4)",
        )
        .bind(name)
        .bind(kind)
        .bind(serde_json::to_string(&sealed)?)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(|e| StateError::from(e).on_duplicate("provider", name))?;
        let record = self.shown(name, kind, &sealed, now, now);
        append_in(tx, actor, "provider.create", name, &describe(&record)).await?;
        Ok(record)
    }

    /// The provider `name`, secrets redacted.
    pub async fn get(&self, name: &str) -> Result<Option<ProviderRecord>, StateError> {
        let mut conn = self.db.pool().acquire().await?;
        let row = get_in(&mut conn, name).await?;
        row.map(|row| self.record_of(&row)).transpose()
    }

    /// Every provider, by name, secrets redacted.
    pub async fn list(&self) -> Result<Vec<ProviderRecord>, StateError> {
        let rows = sqlx::query(
            "SELECT name, kind, config, created_at, updated_at FROM providers ORDER BY name",
        )
        .fetch_all(self.db.pool())
        .await?;
        rows.iter().map(|row| self.record_of(row)).collect()
    }

    /// Replaces the provider's kind and config. A secret given as `""` or `********`
    /// keeps the stored one; a secret field left out is removed.
    pub async fn update(
        &self,
        name: &str,
        kind: &str,
        config: Value,
        actor: &str,
    ) -> Result<ProviderRecord, StateError> {
        let result = async {
            let mut tx = self.db.begin_write().await?;
            let row = get_in(&mut tx, name)
                .await?
                .ok_or_else(|| not_found(name))?;
            let stored: String = row.try_get("config")?;
            let stored: Value = serde_json::from_str(&stored)?;
            let created_at: UnixMillis = row.try_get("created_at")?;
            let sealed = seal_config(
                config,
                &self.secret_fields,
                self.keyring.as_deref(),
                Some(&stored),
            )?;
            let now = now_ms();
            sqlx::query(
                "UPDATE providers SET kind = $1, config = $2, updated_at = $3 WHERE name = $4",
            )
            .bind(kind)
            .bind(serde_json::to_string(&sealed)?)
            .bind(now)
            .bind(name)
            .execute(&mut *tx)
            .await?;
            let record = self.shown(name, kind, &sealed, created_at, now);
            append_in(&mut tx, actor, "provider.update", name, &describe(&record)).await?;
            tx.commit().await?;
            Ok(record)
        }
        .await;
        self.db.track("providers.update", result)
    }

    /// Deletes the provider; true if there was one.
    pub async fn delete(&self, name: &str, actor: &str) -> Result<bool, StateError> {
        let result = async {
            let mut tx = self.db.begin_write().await?;
            let done = sqlx::query("DELETE FROM providers WHERE name = $1")
                .bind(name)
                .execute(&mut *tx)
                .await?;
            let deleted = done.rows_affected() > 0;
            if deleted {
                append_in(&mut tx, actor, "provider.delete", name, &json!({})).await?;
            }
            tx.commit().await?;
            Ok(deleted)
        }
        .await;
        self.db.track("providers.delete", result)
    }

    /// The provider with its secrets opened, to build its adapter. Needs the master key
    /// that sealed them (or a keyring holding it).
    pub async fn reveal(&self, name: &str) -> Result<Option<RevealedProvider>, StateError> {
        let mut conn = self.db.pool().acquire().await?;
        let Some(row) = get_in(&mut conn, name).await? else {
            return Ok(None);
        };
        let stored: String = row.try_get("config")?;
        let stored: Value = serde_json::from_str(&stored)?;
        Ok(Some(RevealedProvider {
            name: row.try_get("name")?,
            kind: row.try_get("kind")?,
            config: reveal_config(&stored, &self.secret_fields, self.keyring.as_deref())?,
        }))
    }

    fn shown(
        &self,
        name: &str,
        kind: &str,
        sealed: &Value,
        created_at: UnixMillis,
        updated_at: UnixMillis,
    ) -> ProviderRecord {
        ProviderRecord {
            name: name.to_owned(),
            kind: kind.to_owned(),
            config: redact_config(sealed, &self.secret_fields),
            created_at,
            updated_at,
        }
    }

    fn record_of(&self, row: &SqliteRow) -> Result<ProviderRecord, StateError> {
        let config: String = row.try_get("config")?;
        let config: Value = serde_json::from_str(&config)?;
        let name: String = row.try_get("name")?;
        let kind: String = row.try_get("kind")?;
        Ok(self.shown(
            &name,
            &kind,
            &config,
            row.try_get("created_at")?,
            row.try_get("updated_at")?,
        ))
    }
}

fn not_found(name: &str) -> StateError {
    StateError::NotFound {
        kind: "provider",
        id: name.to_owned(),
    }
}

/// The audit detail: the redacted record.
fn describe(record: &ProviderRecord) -> Value {
    json!({"kind": record.kind, "config": record.config})
}

async fn get_in(conn: &mut SqliteConnection, name: &str) -> Result<Option<SqliteRow>, StateError> {
    Ok(sqlx::query(
        "SELECT name, kind, config, created_at, updated_at FROM providers WHERE name = $1",
    )
    .bind(name)
    .fetch_optional(&mut *conn)
    .await?)
}
