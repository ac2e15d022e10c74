//! [`KeyStore`]: virtual keys. A key is shown once, when it is created; the store keeps
//! only its SHA-256 hash (to find it) and its first characters (to recognise it).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::digest::{SHA256, digest};
use ring::rand::{SecureRandom as _, SystemRandom};
use serde::Serialize;
use serde_json::{Value, json};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row as _, SqliteConnection};
use switchboard_core::Secret;

use crate::audit::append_in;
use crate::crypto::CryptoError;
use crate::db::Database;
use crate::error::StateError;
use crate::time::{UnixMillis, now_ms};

/// What every virtual key starts with.
pub const KEY_PREFIX: &str = "sk-sb-";

/// Characters of a key kept in clear as its visible prefix (`sk-sb-` and 4 more).
pub const VISIBLE_PREFIX_LEN: usize = 10;

/// A virtual key as stored: never the key itself.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KeyRecord {
    /// Its id (`vk_…`), used in admin URLs and usage records.
    pub id: String,
    /// A name for people.
    pub name: String,
    /// Who it belongs to (a team, a person), if said.
    pub owner: Option<String>,
    /// The key's first characters, shown to recognise it.
    pub prefix: String,
    /// The models it may use; `None` is every model.
    pub models: Option<Vec<String>>,
    /// Its rate limits as JSON (the gateway's limits shape); `None` is none.
    pub limits: Option<Value>,
    /// Most US dollars it may spend per UTC day.
    pub budget_daily: Option<f64>,
    /// Most US dollars it may spend per UTC month.
    pub budget_monthly: Option<f64>,
    /// When it stops working.
    pub expires_at: Option<UnixMillis>,
    /// When it was revoked.
    pub revoked_at: Option<UnixMillis>,
    /// When it was created.
    pub created_at: UnixMillis,
    /// When it was last changed.
    pub updated_at: UnixMillis,
}

/// Whether a key may be used now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyStatus {
    /// It may be used.
    Active,
    /// It was revoked.
    Revoked,
    /// It expired.
    Expired,
}

impl KeyRecord {
    /// Its status at `now`: revoked wins over expired.
    pub fn status(&self, now: UnixMillis) -> KeyStatus {
        if self.revoked_at.is_some() {
            KeyStatus::Revoked
        } else if self.expires_at.is_some_and(|at| at <= now) {
            KeyStatus::Expired
        } else {
            KeyStatus::Active
        }
    }
}

/// A key to create.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewKey {
    /// A name for people.
    pub name: String,
    /// Who it belongs to.
    pub owner: Option<String>,
    /// The models it may use (`None`: every model).
    pub models: Option<Vec<String>>,
    /// Rate limits as JSON.
    pub limits: Option<Value>,
    /// Daily budget in US dollars.
    pub budget_daily: Option<f64>,
    /// Monthly budget in US dollars.
    pub budget_monthly: Option<f64>,
    /// When it stops working.
    pub expires_at: Option<UnixMillis>,
}

/// Changes to a key: `None` leaves a field as it is; `Some(None)` clears a nullable one.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KeyUpdate {
    /// A new name.
    pub name: Option<String>,
    /// A new owner.
    pub owner: Option<Option<String>>,
    /// New allowed models.
    pub models: Option<Option<Vec<String>>>,
    /// New limits.
    pub limits: Option<Option<Value>>,
    /// A new daily budget.
    pub budget_daily: Option<Option<f64>>,
    /// A new monthly budget.
    pub budget_monthly: Option<Option<f64>>,
    /// A new expiry.
    pub expires_at: Option<Option<UnixMillis>>,
}

/// Virtual keys. Cheap to clone.
#[derive(Debug, Clone)]
pub struct KeyStore {
    db: Database,
}

const COLUMNS: &str = "id, name, owner, prefix, models, limits, budget_daily, budget_monthly, \
                       expires_at, revoked_at, created_at, updated_at";

impl KeyStore {
    pub(crate) fn new(db: Database) -> Self {
        Self { db }
    }

    /// Creates a key. Returns its record and the key itself, which is not stored and
    /// cannot be shown again: `sk-sb-` and 32 random bytes in base64url.
    pub async fn create(
        &self,
        new: &NewKey,
        actor: &str,
    ) -> Result<(KeyRecord, Secret), StateError> {
        let result = async {
            let rng = SystemRandom::new();
            let mut bytes = [0u8; 32];
            rng.fill(&mut bytes).map_err(|_| CryptoError::Random)?;
            let plaintext = format!("{KEY_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes));
            let mut id_bytes = [0u8; 12];
            rng.fill(&mut id_bytes).map_err(|_| CryptoError::Random)?;
            let id = format!("vk_{}", URL_SAFE_NO_PAD.encode(id_bytes));
            let now = now_ms();
            let record = KeyRecord {
                id,
                name: new.name.clone(),
                owner: new.owner.clone(),
                prefix: plaintext.chars().take(VISIBLE_PREFIX_LEN).collect(),
                models: new.models.clone(),
                limits: new.limits.clone(),
                budget_daily: new.budget_daily,
                budget_monthly: new.budget_monthly,
                expires_at: new.expires_at,
                revoked_at: None,
                created_at: now,
                updated_at: now,
            };
            let mut tx = self.db.begin_write().await?;
            sqlx::query(
                "INSERT INTO virtual_keys (id, name, owner, prefix, hash, models, limits, \
                 budget_daily, budget_monthly, expires_at, revoked_at, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
            )
            .bind(&record.id)
            .bind(&record.name)
            .bind(&record.owner)
            .bind(&record.prefix)
            .bind(hash(&plaintext))
            .bind(json_text(&record.models)?)
            .bind(json_text(&record.limits)?)
            .bind(record.budget_daily)
            .bind(record.budget_monthly)
            .bind(record.expires_at)
            .bind(record.revoked_at)
            .bind(record.created_at)
            .bind(record.updated_at)
            .execute(&mut *tx)
            .await?;
            append_in(&mut tx, actor, "key.create", &record.id, &describe(&record)).await?;
            tx.commit().await?;
            Ok((record, Secret::new(plaintext)))
        }
        .await;
        self.db.track("keys.create", result)
    }

    /// The key whose text is `plaintext`, found by its hash, whatever its status (check
    /// [`KeyRecord::status`]). `None` for a key that does not exist.
    pub async fn find_by_plaintext(
        &self,
        plaintext: &str,
    ) -> Result<Option<KeyRecord>, StateError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM virtual_keys WHERE hash = $1"
        )))
        .bind(hash(plaintext))
        .fetch_optional(self.db.pool())
        .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// The key with this id.
    pub async fn get(&self, id: &str) -> Result<Option<KeyRecord>, StateError> {
        let mut conn = self.db.pool().acquire().await?;
        get_in(&mut conn, id).await
    }

    /// Every key, oldest first (revoked and expired ones too).
    pub async fn list(&self) -> Result<Vec<KeyRecord>, StateError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM virtual_keys ORDER BY created_at, id"
        )))
        .fetch_all(self.db.pool())
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// Applies `update` to the key `id`; returns the new record.
    pub async fn update(
        &self,
        id: &str,
        update: &KeyUpdate,
        actor: &str,
    ) -> Result<KeyRecord, StateError> {
        let result = async {
            let mut tx = self.db.begin_write().await?;
            let mut record = get_in(&mut tx, id).await?.ok_or_else(|| not_found(id))?;
            if let Some(name) = &update.name {
                record.name.clone_from(name);
            }
            if let Some(owner) = &update.owner {
                record.owner.clone_from(owner);
            }
            if let Some(models) = &update.models {
                record.models.clone_from(models);
            }
            if let Some(limits) = &update.limits {
                record.limits.clone_from(limits);
            }
            if let Some(budget) = update.budget_daily {
                record.budget_daily = budget;
            }
            if let Some(budget) = update.budget_monthly {
                record.budget_monthly = budget;
            }
            if let Some(expires) = update.expires_at {
                record.expires_at = expires;
            }
            record.updated_at = now_ms();
            sqlx::query(
                "UPDATE virtual_keys SET name = $1, owner = $2, models = $3, limits = $4, \
                 budget_daily = $5, budget_monthly = $6, expires_at = $7, updated_at = $8 \
                 WHERE id = $9",
            )
            .bind(&record.name)
            .bind(&record.owner)
            .bind(json_text(&record.models)?)
            .bind(json_text(&record.limits)?)
            .bind(record.budget_daily)
            .bind(record.budget_monthly)
            .bind(record.expires_at)
            .bind(record.updated_at)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            append_in(&mut tx, actor, "key.update", id, &describe(&record)).await?;
            tx.commit().await?;
            Ok(record)
        }
        .await;
        self.db.track("keys.update", result)
    }

    /// Revokes the key `id` (at once; revoking twice keeps the first time). Returns the
    /// record.
    pub async fn revoke(&self, id: &str, actor: &str) -> Result<KeyRecord, StateError> {
        let result = async {
            let mut tx = self.db.begin_write().await?;
            let now = now_ms();
            let done = sqlx::query(
                "UPDATE virtual_keys SET revoked_at = COALESCE(revoked_at, $1), updated_at = $1 \
                 WHERE id = $2",
            )
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                return Err(not_found(id));
            }
            let record = get_in(&mut tx, id).await?.ok_or_else(|| not_found(id))?;
            append_in(&mut tx, actor, "key.revoke", id, &describe(&record)).await?;
            tx.commit().await?;
            Ok(record)
        }
        .await;
        self.db.track("keys.revoke", result)
    }

    /// The cost in US dollars of the key's requests at or after `since` (for budgets:
    /// pass the start of the UTC day or month).
    pub async fn spend(&self, key_id: &str, since: UnixMillis) -> Result<f64, StateError> {
        self.db.usage().spend(key_id, since).await
    }
}

/// The SHA-256 of a key's text, in lower-case hex: what is stored and looked up.
pub fn hash(plaintext: &str) -> String {
    digest(&SHA256, plaintext.as_bytes())
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn not_found(id: &str) -> StateError {
    StateError::NotFound {
        kind: "virtual key",
        id: id.to_owned(),
    }
}

/// The audit detail of a key: its record, which holds neither the key nor its hash.
fn describe(record: &KeyRecord) -> Value {
    serde_json::to_value(record).unwrap_or_else(|_| json!({"id": record.id}))
}

fn json_text<T: Serialize>(value: &Option<T>) -> Result<Option<String>, StateError> {
    value
        .as_ref()
        .map(serde_json::to_string)
        .transpose()
        .map_err(StateError::from)
}

async fn get_in(conn: &mut SqliteConnection, id: &str) -> Result<Option<KeyRecord>, StateError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM virtual_keys WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(from_row).transpose()
}

fn from_row(row: &SqliteRow) -> Result<KeyRecord, StateError> {
    let models: Option<String> = row.try_get("models")?;
    let limits: Option<String> = row.try_get("limits")?;
    Ok(KeyRecord {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        owner: row.try_get("owner")?,
        prefix: row.try_get("prefix")?,
        models: models.as_deref().map(serde_json::from_str).transpose()?,
        limits: limits.as_deref().map(serde_json::from_str).transpose()?,
        budget_daily: row.try_get("budget_daily")?,
        budget_monthly: row.try_get("budget_monthly")?,
        expires_at: row.try_get("expires_at")?,
        revoked_at: row.try_get("revoked_at")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}
