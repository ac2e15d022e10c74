//! [`spawn_pruner`]: deletes usage records older than `state.usage_retention_days`, once at
//! start and then every hour, so the table (and its indexes, which every request's insert
//! updates) stops growing.

use std::sync::Arc;
use std::time::Duration;

use switchboard_state::{UnixMillis, now_ms};
use tokio::task::JoinHandle;
use tokio::time::{Instant, MissedTickBehavior};

use crate::state::StateHandle;

/// How often old usage records are looked for.
pub const PRUNE_INTERVAL: Duration = Duration::from_secs(3600);

const DAY_MS: i64 = 86_400_000;

/// The running pruner; dropping it stops the task (a batch under way is cut short, and
/// its transaction rolled back).
#[derive(Debug)]
pub struct UsagePruner {
    task: JoinHandle<()>,
}

impl Drop for UsagePruner {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The oldest `created_at` kept when records are kept `days` days, at `now`.
pub fn cutoff(now: UnixMillis, days: u32) -> UnixMillis {
    now.saturating_sub(i64::from(days).saturating_mul(DAY_MS))
}

/// Starts pruning `state`'s usage records older than `days` days now and every `every`.
/// Nothing when `days` is 0 (records are kept). Must be called inside a tokio runtime.
pub fn spawn_pruner(state: Arc<StateHandle>, days: u32, every: Duration) -> Option<UsagePruner> {
    if days == 0 {
        return None;
    }
    let task = tokio::spawn(async move {
        let mut ticks = tokio::time::interval_at(Instant::now(), every);
        ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            prune(&state, days).await;
        }
    });
    Some(UsagePruner { task })
}

/// One round: deletes what is older than the retention; a failure is logged (and counted
/// by the database) and the next round tries again.
async fn prune(state: &StateHandle, days: u32) {
    let before = cutoff(now_ms(), days);
    let result = match state.db().await {
        Ok(db) => db
            .usage()
            .prune_before(before)
            .await
            .map_err(|e| e.to_string()),
        Err(e) => Err(e.message().to_owned()),
    };
    match result {
        Ok(0) => {}
        Ok(deleted) => tracing::info!(deleted, retention_days = days, "old usage records deleted"),
        Err(error) => tracing::warn!(%error, "could not delete old usage records"),
    }
}
