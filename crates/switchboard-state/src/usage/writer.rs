//! [`UsageWriter`]: group commit for usage records.
//!
//! Every model request waits for its usage record to be committed and synced before the
//! client sees the end of the response, and every commit is an fsync (WAL with
//! `synchronous = FULL`). One transaction per record would serialise the requests behind
//! one fsync each. Instead, [`UsageStore::record`](super::UsageStore::record) hands its
//! record to one background task per [`Database`](crate::Database), which inserts whatever
//! is queued (up to [`MAX_BATCH`] records) with one statement, its own transaction (one
//! commit, one fsync), and only then answers each caller. There is no timer: a lone record is written at once, so
//! its latency is unchanged; batches form only from records that queued up while the
//! previous commit was in flight.
//!
//! Durability is unchanged: a caller's `Ok` means the transaction holding its record
//! committed. If a batch's transaction fails, its records are written again one by one, so
//! a bad record fails alone and each caller gets its own result; no record is written
//! twice, since a failed transaction wrote nothing.
//!
//! The task starts on the first record, in the caller's tokio runtime. It ends when the
//! database is closed ([`UsageWriter::close`] lets it finish what was queued first), when
//! its pool was closed by other means, or when the last handle of the database is dropped
//! (after writing what was queued).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use sqlx::sqlite::SqlitePool;
use sqlx::{Executor, QueryBuilder, Sqlite};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use super::{UsageRecord, to_i64};
use crate::error::StateError;

/// The most records one transaction holds (12 bound values each: 6,144, well under
/// SQLite's limit of 32,766 per statement). The rest of the queue waits for the next one,
/// so a burst never holds the write lock for long.
pub(crate) const MAX_BATCH: usize = 512;

/// The largest batch whose statement is kept prepared (see [`insert_all`]).
const CACHED_BATCH: usize = 32;

/// One queued record and where its result goes.
struct Job {
    record: UsageRecord,
    done: oneshot::Sender<Result<(), StateError>>,
}

/// Whether the writer task runs.
enum State {
    /// Nothing written yet: the task starts on the first record.
    Idle,
    /// The task runs and takes records from `queue`.
    Running {
        queue: mpsc::UnboundedSender<Job>,
        task: JoinHandle<()>,
    },
    /// The database was closed: records are refused.
    Closed,
}

/// The group-commit writer of one database, shared by all its [`UsageStore`](super::UsageStore)s.
pub(crate) struct UsageWriter {
    state: Mutex<State>,
    /// Transactions that committed usage records (for tests and metrics).
    commits: Arc<AtomicU64>,
}

impl std::fmt::Debug for UsageWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UsageWriter")
            .field("commits", &self.commits.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

/// The error a record gets once the database is closed: the same one every other query
/// gets then.
fn closed() -> StateError {
    StateError::Db(sqlx::Error::PoolClosed)
}

/// The error a record gets when the writer task stopped before answering (its runtime shut
/// down), or cannot be started (no tokio runtime): its fate is unknown to the caller.
fn stopped() -> StateError {
    StateError::Db(sqlx::Error::WorkerCrashed)
}

impl UsageWriter {
    /// A writer whose task is not started yet.
    pub(crate) fn new() -> Self {
        Self {
            state: Mutex::new(State::Idle),
            commits: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Queues `record` and waits until the transaction holding it committed (`Ok`) or it
    /// could not be written (`Err`, this record's own error). Starts the task on `pool` if
    /// it does not run.
    pub(crate) async fn write(
        &self,
        pool: &SqlitePool,
        record: UsageRecord,
    ) -> Result<(), StateError> {
        let answer = self.submit(pool, record)?;
        answer.await.unwrap_or_else(|_| Err(stopped()))
    }

    /// Transactions that committed usage records since open: one per batch, plus one per
    /// record of a batch that had to be written one by one.
    pub(crate) fn commits(&self) -> u64 {
        self.commits.load(Ordering::Relaxed)
    }

    /// Refuses new records, lets the task write those already queued, and waits for it to
    /// end. Called by [`Database::close`](crate::Database::close) before the pool closes.
    pub(crate) async fn close(&self) {
        let previous = std::mem::replace(&mut *self.lock(), State::Closed);
        if let State::Running { queue, task } = previous {
            // Without a sender the task drains the queue, then its `recv_many` returns 0.
            drop(queue);
            if let Err(e) = task.await {
                tracing::warn!(error = %e, "the usage writer ended abnormally");
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // Nothing panics while the lock is held; if something did, the state is still
        // one of the three valid values.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Puts the record in the queue, starting (or restarting) the task when needed, and
    /// returns where its result will arrive. Sending under the lock orders it with
    /// [`UsageWriter::close`]: a record is either queued before the close (and written) or
    /// refused.
    fn submit(
        &self,
        pool: &SqlitePool,
        record: UsageRecord,
    ) -> Result<oneshot::Receiver<Result<(), StateError>>, StateError> {
        let (done, answer) = oneshot::channel();
        let mut job = Job { record, done };
        let mut state = self.lock();
        match &*state {
            State::Closed => return Err(closed()),
            State::Running { queue, .. } => match queue.send(job) {
                Ok(()) => return Ok(answer),
                // The task ended: its pool was closed, or its runtime shut down.
                Err(mpsc::error::SendError(back)) => job = back,
            },
            State::Idle => {}
        }
        if pool.is_closed() {
            *state = State::Closed;
            return Err(closed());
        }
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| stopped())?;
        let (queue, jobs) = mpsc::unbounded_channel();
        if queue.send(job).is_err() {
            // Unreachable: `jobs` is alive here.
            return Err(stopped());
        }
        let task = runtime.spawn(run(pool.clone(), jobs, Arc::clone(&self.commits)));
        *state = State::Running { queue, task };
        Ok(answer)
    }
}

/// The writer task: takes what is queued, writes it, answers, until the queue is closed
/// and empty.
async fn run(pool: SqlitePool, mut jobs: mpsc::UnboundedReceiver<Job>, commits: Arc<AtomicU64>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while jobs.recv_many(&mut batch, MAX_BATCH).await > 0 {
        write_batch(&pool, &mut batch, &commits).await;
        if pool.is_closed() {
            // Whatever is still queued fails (pool closed), then the loop ends; new
            // records are refused by `submit`.
            jobs.close();
        }
    }
    tracing::debug!("usage writer stopped");
}

/// Writes `batch` in one transaction, or one by one if that fails, and answers each job.
/// Leaves `batch` empty.
async fn write_batch(pool: &SqlitePool, batch: &mut Vec<Job>, commits: &AtomicU64) {
    match insert_all(pool, batch).await {
        Ok(()) => {
            commits.fetch_add(1, Ordering::Relaxed);
            for job in batch.drain(..) {
                // A caller that stopped waiting does not need its answer.
                let _ = job.done.send(Ok(()));
            }
        }
        // A lone record's error is its own: no need to try again.
        Err(e) if batch.len() == 1 => {
            if let Some(job) = batch.pop() {
                let _ = job.done.send(Err(e));
            }
        }
        Err(e) => {
            tracing::warn!(records = batch.len(), error = %e,
                "a batch of usage records failed; writing them one by one");
            for job in batch.drain(..) {
                let result = insert(pool, &job.record).await.map_err(StateError::from);
                if result.is_ok() {
                    commits.fetch_add(1, Ordering::Relaxed);
                }
                let _ = job.done.send(result);
            }
        }
    }
}

/// Inserts every record of `batch` with one statement, committed on its own: a lone
/// record as a plain `INSERT`, several as one multi-row `INSERT`. A statement outside an
/// explicit transaction is its own transaction in SQLite (and PostgreSQL), so either way
/// all of the batch is written or none, with one commit and one round trip to the
/// database's thread (an explicit `BEGIN` … `COMMIT` would take three).
async fn insert_all(pool: &SqlitePool, batch: &[Job]) -> Result<(), StateError> {
    if let [job] = batch {
        return Ok(insert(pool, &job.record).await?);
    }
    let mut query = QueryBuilder::<Sqlite>::new(
        "INSERT INTO usage_records (request_id, key_id, model, provider, status, \
         prompt_tokens, completion_tokens, cached_tokens, estimated, cost_usd, latency_ms, \
         created_at) ",
    );
    query.push_values(batch, |mut row, job| {
        let r = &job.record;
        row.push_bind(&r.request_id)
            .push_bind(&r.key_id)
            .push_bind(&r.model)
            .push_bind(&r.provider)
            .push_bind(i64::from(r.status))
            .push_bind(to_i64(r.prompt_tokens))
            .push_bind(to_i64(r.completion_tokens))
            .push_bind(to_i64(r.cached_tokens))
            .push_bind(r.estimated)
            .push_bind(r.cost_usd)
            .push_bind(to_i64(r.latency_ms))
            .push_bind(r.created_at);
    });
    // One statement per batch size: the small sizes, which are most batches, stay prepared
    // in the connection's statement cache (100 entries); larger ones are prepared each time
    // rather than evict them. Preparing was 4 % of a pass-through request's CPU. (With
    // `:memory:` the writer shares the one connection, so these take up to a third of its
    // cache; the other queries are rarer and are prepared again if evicted.)
    query
        .build()
        .persistent(batch.len() <= CACHED_BATCH)
        .execute(pool)
        .await?;
    Ok(())
}

/// Inserts one record with `executor` (the pool: a commit of its own).
async fn insert<'c, E>(executor: E, record: &UsageRecord) -> Result<(), sqlx::Error>
where
    E: Executor<'c, Database = Sqlite>,
{
    sqlx::query(
        "INSERT INTO usage_records (request_id, key_id, model, provider, status, \
         prompt_tokens, completion_tokens, cached_tokens, estimated, cost_usd, latency_ms, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(&record.request_id)
    .bind(&record.key_id)
    .bind(&record.model)
    .bind(&record.provider)
    .bind(i64::from(record.status))
    .bind(to_i64(record.prompt_tokens))
    .bind(to_i64(record.completion_tokens))
    .bind(to_i64(record.cached_tokens))
    .bind(record.estimated)
    .bind(record.cost_usd)
    .bind(to_i64(record.latency_ms))
    .bind(record.created_at)
    .execute(executor)
    .await?;
    Ok(())
}
