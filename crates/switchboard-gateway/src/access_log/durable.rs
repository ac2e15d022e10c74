//! A finished model request's usage record in the state database: written, and committed,
//! before the client sees the end of the response (the handler awaits
//! [`RequestLog::record_durably`] before the last bytes go out). A request that ends
//! otherwise (an error before commit, a client that went away) is recorded when its log
//! closes, in the background. A write that fails is logged and counted, never dropped
//! silently.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use switchboard_state::{UsageRecord, now_ms};

use super::RequestLog;
use crate::state::StateHandle;
use crate::usage::{cost, fill};

/// Usage records that could not be written, since the process started.
pub(crate) static FAILED_USAGE_WRITES: AtomicU64 = AtomicU64::new(0);

impl RequestLog {
    /// Fills in an estimate when the provider reported no usage for a served request.
    pub(super) fn settle_usage(&mut self) {
        if self.usage.is_none()
            && self.status == 200
            && let Some(body) = &self.prompt_body
        {
            // The provider said nothing: bill an estimate rather than nothing.
            self.usage = Some(fill::estimate(body, self.output.as_ref()));
            self.estimated = true;
        }
    }

    /// The usage record of a model request (`None` for other endpoints).
    fn usage_record(&mut self) -> Option<UsageRecord> {
        let model = self.route.clone().or_else(|| {
            // A model request refused before routing still counts, under what was asked.
            (self.endpoint != "other")
                .then(|| self.model.as_deref().map(std::sync::Arc::from))
                .flatten()
        })?;
        self.settle_usage();
        let usage = self.usage.as_ref();
        let cost_usd = match (&self.prices, usage) {
            // A cost that is not a number (a price that overflowed) would make the record
            // unwritable; it is recorded as 0 instead, and the tokens still are.
            (Some(prices), Some(usage)) => Some(cost(prices, usage)).filter(|c| c.is_finite()),
            _ => None,
        }
        .unwrap_or(0.0);
        Some(UsageRecord {
            request_id: self.request_id.to_string(),
            key_id: self.key.as_ref().and_then(|k| k.id.clone()),
            model: model.to_string(),
            provider: self.provider.as_deref().unwrap_or("none").to_owned(),
            status: self.status,
            prompt_tokens: usage.map_or(0, |u| u.prompt_tokens),
            completion_tokens: usage.map_or(0, |u| u.completion_tokens),
            cached_tokens: usage.map_or(0, switchboard_core::chat::Usage::cached_tokens),
            estimated: self.estimated,
            cost_usd,
            latency_ms: u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX),
            created_at: now_ms(),
        })
    }

    /// Writes the usage record and waits for the commit. Once per request; nothing
    /// without a state database or for a request that is not a model request.
    pub async fn record_durably(&mut self) {
        if let Some((state, record)) = self.take_record() {
            write(&state, &record).await;
        }
    }

    /// At close: a request not yet recorded is recorded in the background.
    pub(super) fn record_later(&mut self) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        if let Some((state, record)) = self.take_record() {
            runtime.spawn(async move { write(&state, &record).await });
        }
    }

    /// The record to write and where, once: `None` when it was already taken, or there
    /// is no state database, or this is not a model request.
    fn take_record(&mut self) -> Option<(Arc<StateHandle>, UsageRecord)> {
        if self.usage_recorded {
            return None;
        }
        self.usage_recorded = true;
        let state = self.state.clone()?;
        Some((state, self.usage_record()?))
    }
}

/// Writes one usage record; a failure is logged and counted.
async fn write(state: &StateHandle, record: &UsageRecord) {
    let written = match state.db().await {
        Ok(db) => db.usage().record(record).await.map_err(|e| e.to_string()),
        Err(e) => Err(e.message().to_owned()),
    };
    match (written, &record.key_id) {
        (Ok(()), Some(key_id)) => state
            .spend()
            .add(key_id, record.cost_usd, record.created_at),
        (Ok(()), None) => {}
        (Err(error), _) => {
            FAILED_USAGE_WRITES.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(request_id = %record.request_id, %error, "could not write a usage record");
        }
    }
}
