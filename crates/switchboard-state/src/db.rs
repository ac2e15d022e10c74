//! [`Database`]: opening the store, its SQLite settings, migrations, and the handles to
//! each part of it.

use std::path::Path;
use std::str::FromStr as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Sqlite, Transaction};

use crate::error::StateError;
use crate::usage::UsageWriter;
use crate::{AuditLog, Counters, KeyStore, Keyring, ModelStore, ProviderStore, ResponseStore};
use crate::{UsageStore, migrate};

/// The path that opens a private in-memory database (for tests).
pub const MEMORY: &str = ":memory:";

/// The file name the gateway uses in its data directory by default.
pub const DEFAULT_FILE_NAME: &str = "switchboard.db";

/// How long a connection waits for another's write lock before failing with "database is
/// locked". Writes are short, so this is only reached when something is badly wrong.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Connections in the pool for a file. SQLite takes one writer at a time; the others read
/// concurrently (WAL) and queue for the write lock.
const FILE_CONNECTIONS: u32 = 8;

/// The usage writer's page cache (`PRAGMA cache_size`; negative: KiB), for a file. Its
/// connection only appends: a batch touches the rightmost pages of the table and of the
/// time index, and one leaf of the key index per key in the batch. SQLite's default cache
/// (2 MB) filled up after a few thousand records and stayed resident for nothing: 2.8 MiB
/// of the idle gateway's 19.8 MiB after the benchmark's warm-up.
const USAGE_CACHE_SIZE: &str = "-256";

/// The state store: a pool of SQLite connections, cheap to clone (clones share the pool).
///
/// Every write commits with `synchronous = FULL` in WAL mode: once a write call returns
/// `Ok`, the change survives a process crash and a power loss.
#[derive(Clone, Debug)]
pub struct Database {
    pool: SqlitePool,
    /// The usage writer's connection: for a file, a pool of one connection of its own, so
    /// that its page cache stays warm between batches (a write on another connection makes
    /// SQLite drop a connection's cache), which the writer task keeps between batches
    /// (nothing else may use this pool: it would wait for that connection); for
    /// `:memory:`, `pool` itself.
    usage_pool: SqlitePool,
    failures: Arc<AtomicU64>,
    /// The group-commit writer of usage records, shared by every clone; its task starts
    /// on the first record and ends when the database closes or its last clone drops.
    usage_writer: Arc<UsageWriter>,
}

/// Pool settings every SQLite pool shares. sqlx pings a connection each time the pool
/// hands it out (`test_before_acquire`), which is for server connections that can drop;
/// an SQLite connection is a library handle in this process, and the ping was a second
/// round trip to its thread for every batch of usage records (about 2 % of a
/// pass-through request's CPU, and two more thread switches per request at low rates).
fn pool_options() -> SqlitePoolOptions {
    SqlitePoolOptions::new().test_before_acquire(false)
}

impl Database {
    /// Opens (creating if needed, with its parent folders) the database at `path`, or a
    /// private in-memory one for [`MEMORY`] (`:memory:`), and runs the migrations this
    /// build does not find applied. Fails if the file was migrated by a newer build.
    pub async fn open(path: impl AsRef<Path>) -> Result<Self, StateError> {
        let path = path.as_ref();
        let label = path.display().to_string();
        let open_err = |source| StateError::Open {
            path: label.clone(),
            source,
        };
        let memory = path.as_os_str() == MEMORY;
        // Each `:memory:` connection is its own database, so the memory store is one
        // connection, kept for the pool's life (no idle timeout, no maximum lifetime).
        let (options, pool) = if memory {
            let options = SqliteConnectOptions::from_str("sqlite::memory:").map_err(open_err)?;
            let pool = pool_options()
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None);
            (options, pool)
        } else {
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent).map_err(|e| open_err(sqlx::Error::Io(e)))?;
            }
            let options = SqliteConnectOptions::new()
                .filename(path)
                .create_if_missing(true)
                // SQLite: WAL lets readers run beside the one writer; PostgreSQL has no
                // such setting (its WAL is always on).
                .journal_mode(SqliteJournalMode::Wal);
            (options, pool_options().max_connections(FILE_CONNECTIONS))
        };
        // SQLite: FULL syncs the WAL at every commit, so a committed write survives a
        // crash or power loss (NORMAL could lose the last commits on power loss).
        let options = options
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(BUSY_TIMEOUT)
            .foreign_keys(true);
        let pool = pool.connect_with(options.clone()).await.map_err(open_err)?;
        migrate::migrator().run(&pool).await?;
        let usage_pool = if memory {
            pool.clone()
        } else {
            // The idle pool hands its connections out in turn, so without this every
            // batch of usage records went to a connection whose cache the previous batch
            // had made stale, and read its pages again (6 % of a pass-through request's CPU
            // with the state in a file; the whole change saved about a sixth).
            pool_options()
                .max_connections(1)
                .connect_with(options.pragma("cache_size", USAGE_CACHE_SIZE))
                .await
                .map_err(open_err)?
        };
        tracing::debug!(path = %label, "state database open");
        Ok(Self {
            pool,
            usage_pool,
            failures: Arc::new(AtomicU64::new(0)),
            usage_writer: Arc::new(UsageWriter::new(!memory)),
        })
    }

    /// The highest migration version applied to this database: [`migrate::SCHEMA_VERSION`]
    /// after a successful open.
    pub async fn schema_version(&self) -> Result<i64, StateError> {
        let version: Option<i64> =
            sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success = TRUE")
                .fetch_one(&self.pool)
                .await?;
        Ok(version.unwrap_or(0))
    }

    /// Writes that failed since open (each was also logged). For a metric.
    pub fn write_failures(&self) -> u64 {
        self.failures.load(Ordering::Relaxed)
    }

    /// Copies the WAL into the main file and truncates it (`PRAGMA
    /// wal_checkpoint(TRUNCATE)`). SQLite does this by itself as the WAL grows; call it to
    /// have the whole database in one file (before a file-level backup, say).
    pub async fn checkpoint(&self) -> Result<(), StateError> {
        // SQLite only; a no-op for `:memory:`.
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Closes every connection, waiting for those in use to be returned. Usage records
    /// already queued are written first; records given after this fail.
    pub async fn close(&self) {
        self.usage_writer.close().await;
        self.usage_pool.close().await;
        self.pool.close().await;
    }

    /// The connection pool, for queries this crate does not offer yet.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Stored responses.
    pub fn responses(&self) -> ResponseStore {
        ResponseStore::new(self.clone())
    }

    /// Usage records and their aggregations.
    pub fn usage(&self) -> UsageStore {
        UsageStore::new(self.clone())
    }

    /// Virtual keys.
    pub fn keys(&self) -> KeyStore {
        KeyStore::new(self.clone())
    }

    /// Providers created at run time. Without a keyring, providers without secrets (or
    /// with `env:` references only) can still be stored and read; secrets cannot.
    pub fn providers(&self, keyring: Option<Arc<Keyring>>) -> ProviderStore {
        ProviderStore::new(self.clone(), keyring)
    }

    /// Models created at run time.
    pub fn models(&self) -> ModelStore {
        ModelStore::new(self.clone())
    }

    /// Limit counters of this instance.
    pub fn counters(&self) -> Counters {
        Counters::new(self.clone())
    }

    /// The audit log.
    pub fn audit(&self) -> AuditLog {
        AuditLog::new(self.clone())
    }

    /// The connection pool usage records are written with (see `usage_pool`). For a
    /// file, only the usage writer may use it: its task keeps the one connection.
    pub(crate) fn usage_pool(&self) -> &SqlitePool {
        &self.usage_pool
    }

    /// The group-commit writer behind [`UsageStore::record`].
    pub(crate) fn usage_writer(&self) -> &UsageWriter {
        &self.usage_writer
    }

    /// Starts a write transaction that holds the write lock from its first statement.
    ///
    /// SQLite: `BEGIN IMMEDIATE` takes the lock now, so a transaction that reads before it
    /// writes waits for other writers (busy timeout) instead of failing with
    /// `SQLITE_BUSY` when it tries to upgrade its read lock. PostgreSQL would use a plain
    /// `BEGIN`.
    pub(crate) async fn begin_write(&self) -> Result<Transaction<'static, Sqlite>, StateError> {
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
    }

    /// Passes `result` through; an error is logged with `what` and counted in
    /// [`Database::write_failures`]. Every write path ends here, so no failed write is
    /// silent.
    pub(crate) fn track<T>(
        &self,
        what: &str,
        result: Result<T, StateError>,
    ) -> Result<T, StateError> {
        if let Err(e) = &result {
            self.failures.fetch_add(1, Ordering::Relaxed);
            tracing::error!(operation = what, error = %e, "state write failed");
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn cache_size(pool: &SqlitePool) -> i64 {
        sqlx::query_scalar("PRAGMA cache_size")
            .fetch_one(pool)
            .await
            .expect("PRAGMA cache_size answers")
    }

    #[tokio::test]
    async fn the_usage_writer_of_a_file_has_a_small_page_cache_and_the_rest_sqlite_s() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let db = Database::open(dir.path().join("switchboard.db"))
            .await
            .expect("it opens");
        let small: i64 = USAGE_CACHE_SIZE.parse().expect("a number");
        assert_eq!(cache_size(db.usage_pool()).await, small);
        // Queries (reports, keys, stored responses) keep SQLite's default, -2000 (KiB).
        assert_eq!(cache_size(&db.pool).await, -2000);
        db.close().await;
    }
}
