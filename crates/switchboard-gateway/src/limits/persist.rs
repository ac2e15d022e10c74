//! Keeps [`MemoryCounters`] in the state database, so a restart does not hand every key and
//! model a fresh minute of budget.
//!
//! At start, [`restore`] loads what was saved, imports the scopes saved less than
//! [`RESTORE_WINDOW`] ago (crediting the time since; older ones would be full again anyway)
//! and deletes the older rows. While serving, the task of [`spawn_saver`] saves the scopes
//! that changed, one row per scope, every few seconds; a failed save is logged and retried
//! on the next round. At shutdown, [`CounterSaver::flush`] stops the task and saves once
//! more. What a crash loses is at most one interval of changes.
//!
//! Requests in flight are not saved (they died with the process), and neither is anything
//! of a scope that only has a concurrency limit.

use std::sync::Arc;
use std::time::Duration;

use switchboard_state::{Counters, StateError, now_ms};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio::time::{Instant, MissedTickBehavior};

use super::MemoryCounters;

/// How old a saved scope may be and still be restored: twice the minute every bucket takes
/// to refill, so a clock a little off still finds them. Older rows are deleted by
/// [`restore`].
pub const RESTORE_WINDOW: Duration = Duration::from_secs(10 * 60);

/// The shortest interval [`spawn_saver`] accepts; a shorter one is raised to it.
pub const MIN_SAVE_INTERVAL: Duration = Duration::from_millis(100);

/// Called once at start, before serving: restores into `counters` every scope `store` saved
/// less than [`RESTORE_WINDOW`] ago, and prunes the older ones. Returns how many scopes were
/// restored. A scope whose saved state cannot be read is logged and skipped; an error is a
/// failure of the store itself (the caller can start with fresh counters).
pub async fn restore(counters: &MemoryCounters, store: &Counters) -> Result<usize, StateError> {
    let wall_now = now_ms();
    let now = Instant::now();
    let window = i64::try_from(RESTORE_WINDOW.as_millis()).unwrap_or(i64::MAX);
    let oldest = wall_now.saturating_sub(window);
    let mut restored = 0;
    for saved in store.load_all().await? {
        if saved.updated_at < oldest {
            continue;
        }
        match counters.import(&saved.scope, &saved.state, saved.updated_at, wall_now, now) {
            Ok(()) => restored += 1,
            Err(error) => {
                tracing::warn!(scope = %saved.scope, %error, "saved limit counters ignored");
            }
        }
    }
    store.prune(oldest).await?;
    Ok(restored)
}

/// The background task that saves changed limit counters, from [`spawn_saver`]. Dropping it
/// stops the task without a last save; [`CounterSaver::flush`] stops it and saves.
pub struct CounterSaver {
    /// Dropping it (or sending) stops the task.
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
    counters: Arc<MemoryCounters>,
    store: Counters,
}

impl std::fmt::Debug for CounterSaver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CounterSaver")
            .field("running", &!self.task.is_finished())
            .finish_non_exhaustive()
    }
}

/// Starts the task that saves the scopes of `counters` that changed, every `every` (at least
/// [`MIN_SAVE_INTERVAL`]), the first time one interval from now. Must be called inside a
/// tokio runtime. Keep the returned saver for as long as the counters should be saved.
pub fn spawn_saver(
    counters: Arc<MemoryCounters>,
    store: Counters,
    every: Duration,
) -> CounterSaver {
    let (stop, mut stopped) = oneshot::channel::<()>();
    let every = every.max(MIN_SAVE_INTERVAL);
    let task = tokio::spawn({
        let counters = counters.clone();
        let store = store.clone();
        async move {
            let mut ticks = tokio::time::interval_at(Instant::now() + every, every);
            ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    biased;
                    // A message or the saver dropped: either way, stop.
                    _ = &mut stopped => break,
                    _ = ticks.tick() => {
                        save_dirty(&counters, &store).await;
                    }
                }
            }
        }
    });
    CounterSaver {
        stop,
        task,
        counters,
        store,
    }
}

impl CounterSaver {
    /// Called at shutdown: stops the task (letting a save under way finish) and saves what
    /// changed since. Returns how many scopes that last round saved.
    pub async fn flush(self) -> usize {
        let Self {
            stop,
            task,
            counters,
            store,
        } = self;
        // The task may have ended already (it panicked): then it is not listening.
        let _ = stop.send(());
        if let Err(error) = task.await {
            tracing::warn!(%error, "limit counter saver ended abnormally");
        }
        save_dirty(&counters, &store).await
    }
}

/// Saves every changed scope, one row each; a failure is logged (the store counts it) and
/// the scope marked again so the next round retries it. Returns how many were saved.
async fn save_dirty(counters: &MemoryCounters, store: &Counters) -> usize {
    let wall_now = now_ms();
    let mut saved = 0;
    for (scope, state) in counters.export_dirty(wall_now, Instant::now()) {
        match store.save(&scope, &state, wall_now).await {
            Ok(()) => saved += 1,
            Err(error) => {
                tracing::warn!(%scope, %error, "limit counters not saved; retrying later");
                counters.mark_dirty(&scope);
            }
        }
    }
    saved
}
