//! switchboard's state store: an embedded SQLite database (through sqlx, which can serve
//! PostgreSQL later with the same queries) holding what the gateway must not lose across
//! a restart: providers and models created at run time, virtual keys, usage records,
//! stored responses, limit counters and the audit log.
//!
//! Open it with [`Database::open`] (a file path, or `:memory:` for tests); the embedded,
//! versioned migrations run then. Each part is a cheap handle from the [`Database`]:
//! [`Database::responses`], [`Database::usage`], [`Database::keys`],
//! [`Database::providers`], [`Database::models`], [`Database::counters`],
//! [`Database::audit`].
//!
//! Architecture invariants: this crate depends on switchboard-core only, never on the
//! gateway. A write that returns `Ok` is committed and synced to disk; one that fails is
//! logged and counted ([`Database::write_failures`]). No secret is stored in clear: provider
//! secrets are sealed under the [`MasterKey`], virtual keys are kept as hashes. Every admin
//! change is written to the audit log in the same transaction as the change.

mod audit;
mod counters;
mod crypto;
mod db;
mod error;
mod keys;
mod migrate;
mod models;
mod providers;
mod responses;
mod secrets;
mod time;
mod usage;

pub use audit::{AuditEntry, AuditLog, AuditQuery};
pub use counters::{CounterState, Counters};
pub use crypto::{CryptoError, Keyring, MASTER_KEY_ENV, MasterKey, is_sealed};
pub use db::{DEFAULT_FILE_NAME, Database, MEMORY};
pub use error::StateError;
pub use keys::{
    KEY_PREFIX, KeyRecord, KeyStatus, KeyStore, KeyUpdate, NewKey, VISIBLE_PREFIX_LEN,
    hash as key_hash,
};
pub use migrate::SCHEMA_VERSION;
pub use models::{ModelRecord, ModelStore, NewModel, NewProvider};
pub use providers::{ProviderRecord, ProviderStore, RevealedProvider, RotationReport};
pub use responses::{ResponseStore, StoredResponse};
pub use secrets::DEFAULT_SECRET_FIELDS;
pub use time::{
    UnixMillis, civil_from_days, days_from_civil, now_ms, utc_day, utc_day_start, utc_month_start,
};
pub use usage::{GroupBy, PRUNE_BATCH, UsageFilter, UsageRecord, UsageRow, UsageStore, to_csv};
