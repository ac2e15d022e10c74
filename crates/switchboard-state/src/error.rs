//! [`StateError`]: everything the state store can fail with.

use crate::crypto::CryptoError;

/// Why a state operation failed. A database error is also logged and counted by the
/// store that saw it (see [`Database::write_failures`](crate::Database::write_failures)).
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// The database file could not be opened or created.
    #[error("could not open the state database `{path}`: {source}")]
    Open {
        /// The path (or `:memory:`) given to `Database::open`.
        path: String,
        /// What SQLite said.
        source: sqlx::Error,
    },
    /// A migration failed, or the database holds migrations this build does not know
    /// (it was written by a newer switchboard) or whose text changed.
    #[error("the state database schema could not be brought up to date: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A query failed.
    #[error("state database error: {0}")]
    Db(#[from] sqlx::Error),
    /// A JSON column could not be encoded or decoded.
    #[error("state JSON could not be encoded or decoded: {0}")]
    Json(#[from] serde_json::Error),
    /// Sealing or opening a secret failed (wrong master key, altered ciphertext, ...).
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    /// A provider secret was given but no master key is configured to encrypt it.
    #[error(
        "the provider secret `{field}` cannot be stored: no master key is configured, and \
         secrets are only stored encrypted. Set SWITCHBOARD_MASTER_KEY (base64 of 32 random \
         bytes) or a master key file, or reference the secret as `env:NAME` instead"
    )]
    NoMasterKey {
        /// The JSON path of the secret field (`/api_key`).
        field: String,
    },
    /// The named record does not exist.
    #[error("{kind} `{id}` not found")]
    NotFound {
        /// What was looked for (`provider`, `model`, `virtual key`).
        kind: &'static str,
        /// Its name or id.
        id: String,
    },
    /// A record with this name or id already exists.
    #[error("{kind} `{id}` already exists")]
    AlreadyExists {
        /// What was created (`provider`, `model`, `virtual key`).
        kind: &'static str,
        /// Its name or id.
        id: String,
    },
    /// The input was not acceptable (the message says why).
    #[error("{0}")]
    Invalid(String),
}

impl StateError {
    /// The same error with [`StateError::AlreadyExists`] in place of a unique-constraint
    /// violation, which is how SQLite (and PostgreSQL) report a duplicate key.
    pub(crate) fn on_duplicate(self, kind: &'static str, id: &str) -> Self {
        match &self {
            StateError::Db(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                StateError::AlreadyExists {
                    kind,
                    id: id.to_owned(),
                }
            }
            _ => self,
        }
    }
}
