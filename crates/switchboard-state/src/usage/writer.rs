//! [`UsageWriter`]: group commit for usage records.
//!
//! Every model request waits for its usage record to be committed and synced before the
//! client sees the end of the response, and every commit is an fsync (WAL with
//! `synchronous = FULL`). One transaction per record would serialise the requests behind
//! one fsync each. Instead, [`UsageStore::record`](super::UsageStore::record) hands its
//! record to one background task per [`Database`](crate::Database), which inserts whatever
//! is queued (up to [`MAX_BATCH`] records) with one statement, its own transaction (one
//! commit, one fsync), and only then answers each caller. There is no timer: a lone record
//! waits only for one poll of the runtime's I/O driver (see `gather_ready`); batches form
//! from records that queued up while the previous commit was in flight, from those of the
//! tasks that were ready to run when the writer woke, and from those that keep coming
//! while it lets the runtime run (a few rounds at most).
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

use sqlx::pool::PoolConnection;
use sqlx::query::Query;
use sqlx::sqlite::{SqliteArguments, SqliteConnection, SqlitePool};
use sqlx::{QueryBuilder, Sqlite};
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
    /// The pool is the writer's own (a file's usage pool of one connection): the task
    /// keeps that connection between batches instead of taking it from the pool and
    /// giving it back for each (an acquire, a release and a task spawned for it).
    own_pool: bool,
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
    /// A writer whose task is not started yet; `own_pool` when nothing else uses the
    /// pool it will be given (see [`UsageWriter::own_pool`]).
    pub(crate) fn new(own_pool: bool) -> Self {
        Self {
            state: Mutex::new(State::Idle),
            own_pool,
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
        let writer = Writer {
            pool: pool.clone(),
            keep: self.own_pool,
            commits: Arc::clone(&self.commits),
        };
        let task = runtime.spawn(writer.run(jobs));
        *state = State::Running { queue, task };
        Ok(answer)
    }
}

/// What the writer task writes with.
struct Writer {
    pool: SqlitePool,
    /// Keep a connection between batches (the pool is the writer's own).
    keep: bool,
    commits: Arc<AtomicU64>,
}

impl Writer {
    /// The writer task: takes what is queued, writes it, answers, until the queue is
    /// closed and empty.
    async fn run(self, mut jobs: mpsc::UnboundedReceiver<Job>) {
        let mut batch = Vec::with_capacity(MAX_BATCH);
        let mut kept: Option<PoolConnection<Sqlite>> = None;
        while jobs.recv_many(&mut batch, MAX_BATCH).await > 0 {
            gather_ready(&mut jobs, &mut batch).await;
            if self.keep && kept.is_none() {
                // On failure the batch goes through the pool, which reports the error
                // to each record as before.
                kept = self.pool.acquire().await.ok();
            }
            let written = match kept.as_mut() {
                Some(conn) => write_batch(&mut Target::Kept(conn), &mut batch, &self.commits).await,
                None => write_batch(&mut Target::Pool(&self.pool), &mut batch, &self.commits).await,
            };
            if !written {
                // A connection that failed a batch goes back to the pool; the next batch
                // takes one afresh.
                kept = None;
            }
            if self.pool.is_closed() {
                // Whatever is still queued fails (pool closed), then the loop ends; new
                // records are refused by `submit`.
                kept = None;
                jobs.close();
            }
        }
        tracing::debug!("usage writer stopped");
    }
}

/// How many times [`gather_ready`] lets the ready tasks run, at most, before a batch is
/// written.
const GATHER_ROUNDS: usize = 8;

/// Adds to `batch` the records of the tasks that were ready to run: `yield_now` lets every
/// task the runtime can run now (and those the I/O driver wakes) go first, so a busy
/// gateway's requests that are about to submit their records share this commit instead
/// of waiting for the next. It yields again for as long as the last round brought new
/// records (at most [`GATHER_ROUNDS`] times), so a busy gateway's commits carry what its
/// requests finish meanwhile. Alone, a record waits only for one poll of the I/O driver.
///
/// Measured on a gateway pinned to one core, closed loops of 16 clients: without any
/// yield, 1.3 to 2.4 records per commit; with one yield, about 5 (translated Responses),
/// and yielding again while records come, CPU per request fell by a fifth (translated
/// Responses 68.6 → 56.1 µs, pass-through chat 37.3 → 29.2 µs, medians of five A/B
/// rounds): the commit, its WAL frames and its `fsync` are shared by more requests. At
/// 500 requests/s a round brings nothing, so latency there did not change.
async fn gather_ready(jobs: &mut mpsc::UnboundedReceiver<Job>, batch: &mut Vec<Job>) {
    for _ in 0..GATHER_ROUNDS {
        if batch.len() >= MAX_BATCH {
            return;
        }
        let before = batch.len();
        tokio::task::yield_now().await;
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        if batch.len() == before {
            return;
        }
    }
}

/// Where a batch's statements run.
enum Target<'a> {
    /// The pool: a connection taken and given back for each statement.
    Pool(&'a SqlitePool),
    /// A connection the writer keeps.
    Kept(&'a mut SqliteConnection),
}

impl Target<'_> {
    async fn execute(
        &mut self,
        query: Query<'_, Sqlite, SqliteArguments>,
    ) -> Result<(), sqlx::Error> {
        match self {
            Target::Pool(pool) => query.execute(*pool).await?,
            Target::Kept(conn) => query.execute(&mut **conn).await?,
        };
        Ok(())
    }
}

/// Writes `batch` in one transaction, or one by one if that fails, and answers each job.
/// Leaves `batch` empty. False when a statement failed.
async fn write_batch(target: &mut Target<'_>, batch: &mut Vec<Job>, commits: &AtomicU64) -> bool {
    match insert_all(target, batch).await {
        Ok(()) => {
            commits.fetch_add(1, Ordering::Relaxed);
            for job in batch.drain(..) {
                // A caller that stopped waiting does not need its answer.
                let _ = job.done.send(Ok(()));
            }
            true
        }
        // A lone record's error is its own: no need to try again.
        Err(e) if batch.len() == 1 => {
            if let Some(job) = batch.pop() {
                let _ = job.done.send(Err(e));
            }
            false
        }
        Err(e) => {
            tracing::warn!(records = batch.len(), error = %e,
                "a batch of usage records failed; writing them one by one");
            for job in batch.drain(..) {
                let result = insert(target, &job.record).await.map_err(StateError::from);
                if result.is_ok() {
                    commits.fetch_add(1, Ordering::Relaxed);
                }
                let _ = job.done.send(result);
            }
            false
        }
    }
}

/// Inserts every record of `batch` with one statement, committed on its own: a lone
/// record as a plain `INSERT`, several as one multi-row `INSERT`. A statement outside an
/// explicit transaction is its own transaction in SQLite (and PostgreSQL), so either way
/// all of the batch is written or none, with one commit and one round trip to the
/// database's thread (an explicit `BEGIN` … `COMMIT` would take three).
async fn insert_all(target: &mut Target<'_>, batch: &[Job]) -> Result<(), StateError> {
    if let [job] = batch {
        return Ok(insert(target, &job.record).await?);
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
    target
        .execute(query.build().persistent(batch.len() <= CACHED_BATCH))
        .await?;
    Ok(())
}

/// Inserts one record (a commit of its own).
async fn insert(target: &mut Target<'_>, record: &UsageRecord) -> Result<(), sqlx::Error> {
    let query = sqlx::query(
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
    .bind(record.created_at);
    target.execute(query).await
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::{Database, MEMORY};

    fn record(n: i64) -> UsageRecord {
        UsageRecord {
            request_id: format!("req-{n}"),
            key_id: None,
            model: "gpt-4o".to_owned(),
            provider: "openai".to_owned(),
            status: 200,
            prompt_tokens: 10,
            completion_tokens: 5,
            cached_tokens: 0,
            estimated: false,
            cost_usd: 0.5,
            latency_ms: 7,
            created_at: 1_767_225_600_000 + n,
        }
    }

    /// The idle connections of `pool` once they have held for 200 ms (a connection given
    /// back to a pool returns through a short task of its own).
    async fn settled_idle(pool: &SqlitePool) -> usize {
        let mut last = pool.num_idle();
        let mut same = 0;
        for _ in 0..500 {
            tokio::time::sleep(Duration::from_millis(10)).await;
            let now = pool.num_idle();
            if now == last {
                same += 1;
                if same == 20 {
                    break;
                }
            } else {
                (last, same) = (now, 0);
            }
        }
        last
    }

    #[tokio::test]
    async fn records_of_tasks_ready_when_the_writer_wakes_share_its_commit() {
        let db = Database::open(MEMORY).await.unwrap();
        let usage = db.usage();
        let go = Arc::new(tokio::sync::Notify::new());
        // Nine tasks wait for `go`, then record.
        let rest: Vec<_> = (1..10)
            .map(|n| {
                let (usage, go) = (usage.clone(), Arc::clone(&go));
                tokio::spawn(async move {
                    go.notified().await;
                    usage.record(&record(n)).await
                })
            })
            .collect();
        tokio::task::yield_now().await;
        // The first record wakes the writer (queued to run), then the nine become ready:
        // they run after the writer took the first record and before it writes.
        let first = record(0);
        let recording = usage.record(&first);
        tokio::pin!(recording);
        tokio::select! {
            biased;
            result = &mut recording => panic!("committed at once: {result:?}"),
            () = std::future::ready(()) => {}
        }
        go.notify_waiters();
        recording.await.unwrap();
        for task in rest {
            task.await.unwrap().unwrap();
        }
        assert_eq!(usage.count().await.unwrap(), 10);
        assert_eq!(usage.batches_written(), 1, "all ten in the first commit");
        db.close().await;
    }

    /// A job for `record(n)` whose answer nobody waits for.
    fn job(n: i64) -> Job {
        Job {
            record: record(n),
            done: oneshot::channel().0,
        }
    }

    #[tokio::test]
    async fn the_writer_gathers_while_records_keep_coming_and_stops_when_they_do_not() {
        let (queue, mut jobs) = mpsc::unbounded_channel();
        // A task that queues one record per turn of the runtime, five times.
        let producer = tokio::spawn(async move {
            for n in 1..=5 {
                queue.send(job(n)).ok();
                tokio::task::yield_now().await;
            }
            // Then it keeps the queue open and queues nothing for a while.
            tokio::time::sleep(Duration::from_millis(200)).await;
            drop(queue);
        });
        let mut batch = vec![job(0)];
        let gathered = tokio::time::timeout(
            Duration::from_millis(100),
            gather_ready(&mut jobs, &mut batch),
        )
        .await;
        assert!(
            gathered.is_ok(),
            "a round that brings nothing ends the gathering"
        );
        assert_eq!(
            batch.len(),
            6,
            "one more record in each round, all gathered"
        );
        producer.await.unwrap();

        // Records that never stop coming are gathered for GATHER_ROUNDS rounds only.
        let (queue, mut jobs) = mpsc::unbounded_channel();
        let producer = tokio::spawn(async move {
            for n in 1..=100 {
                queue.send(job(n)).ok();
                tokio::task::yield_now().await;
            }
        });
        let mut batch = vec![job(0)];
        gather_ready(&mut jobs, &mut batch).await;
        assert!(
            batch.len() <= 1 + 2 * GATHER_ROUNDS,
            "{} gathered",
            batch.len()
        );
        producer.await.unwrap();

        // Alone, a record waits for one round only.
        let (_queue, mut jobs) = mpsc::unbounded_channel::<Job>();
        let mut batch = vec![job(0)];
        gather_ready(&mut jobs, &mut batch).await;
        assert_eq!(batch.len(), 1);
    }

    #[tokio::test]
    async fn a_file_writer_keeps_its_connection_and_a_memory_one_gives_it_back() {
        let dir = tempfile::tempdir().unwrap();
        let db = Database::open(dir.path().join("switchboard.db"))
            .await
            .unwrap();
        for n in 0..3 {
            db.usage().record(&record(n)).await.unwrap();
            // The usage pool's one connection stays with the writer between batches.
            assert_eq!(db.usage_pool().size(), 1);
            assert_eq!(settled_idle(db.usage_pool()).await, 0, "batch {n}");
        }
        assert_eq!(db.usage().count().await.unwrap(), 3);
        tokio::time::timeout(Duration::from_secs(10), db.close())
            .await
            .expect("close gets the kept connection back");

        // `:memory:` shares its one connection with every other query: it goes back.
        let db = Database::open(MEMORY).await.unwrap();
        db.usage().record(&record(1)).await.unwrap();
        assert_eq!(settled_idle(db.usage_pool()).await, 1);
        assert_eq!(db.usage().count().await.unwrap(), 1);
        db.close().await;
    }
}
