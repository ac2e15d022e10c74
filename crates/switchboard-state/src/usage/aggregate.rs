//! Grouping usage records into report rows, with latency percentiles. Pure: the store
//! feeds it rows.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::time::{UnixMillis, utc_day};

/// A column a report can be grouped by. Several may be combined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    /// The virtual key id (`""` for requests made without one).
    Key,
    /// The model asked for.
    Model,
    /// The provider that answered.
    Provider,
    /// The UTC day (`YYYY-MM-DD`) the request completed.
    Day,
}

impl GroupBy {
    /// The column's name in a report (`key_id`, `model`, `provider`, `day`).
    pub fn as_str(self) -> &'static str {
        match self {
            GroupBy::Key => "key_id",
            GroupBy::Model => "model",
            GroupBy::Provider => "provider",
            GroupBy::Day => "day",
        }
    }
}

/// One row of a usage report: the group's values (only for the columns grouped by) and
/// its totals.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct UsageRow {
    /// The virtual key id when grouped by key (`""`: no key).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// The model when grouped by model.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// The provider when grouped by provider.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// The UTC day (`YYYY-MM-DD`) when grouped by day.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub day: Option<String>,
    /// Requests.
    pub requests: u64,
    /// Requests answered with a status of 400 or more.
    pub errors: u64,
    /// Prompt tokens.
    pub prompt_tokens: u64,
    /// Completion tokens.
    pub completion_tokens: u64,
    /// Cached prompt tokens.
    pub cached_tokens: u64,
    /// Cost in US dollars.
    pub cost_usd: f64,
    /// Median latency (nearest rank), in milliseconds.
    pub latency_p50_ms: u64,
    /// 95th percentile latency (nearest rank), in milliseconds.
    pub latency_p95_ms: u64,
    /// 99th percentile latency (nearest rank), in milliseconds.
    pub latency_p99_ms: u64,
}

/// One record's fields as the report needs them.
pub(super) struct Sample {
    pub(super) key_id: Option<String>,
    pub(super) model: String,
    pub(super) provider: String,
    pub(super) status: i64,
    pub(super) prompt_tokens: u64,
    pub(super) completion_tokens: u64,
    pub(super) cached_tokens: u64,
    pub(super) cost_usd: f64,
    pub(super) latency_ms: u64,
    pub(super) created_at: UnixMillis,
}

#[derive(Default)]
struct Acc {
    row: UsageRow,
    latencies: Vec<u64>,
}

/// Accumulates samples into groups.
pub(super) struct Grouper {
    by: Vec<GroupBy>,
    groups: BTreeMap<Vec<String>, Acc>,
}

impl Grouper {
    /// Groups by the distinct columns of `by`, in their order.
    pub(super) fn new(by: &[GroupBy]) -> Self {
        let mut unique = Vec::with_capacity(by.len());
        for g in by {
            if !unique.contains(g) {
                unique.push(*g);
            }
        }
        Self {
            by: unique,
            groups: BTreeMap::new(),
        }
    }

    /// Adds one record to its group.
    pub(super) fn add(&mut self, s: &Sample) {
        let key: Vec<String> = self
            .by
            .iter()
            .map(|g| match g {
                GroupBy::Key => s.key_id.clone().unwrap_or_default(),
                GroupBy::Model => s.model.clone(),
                GroupBy::Provider => s.provider.clone(),
                GroupBy::Day => utc_day(s.created_at),
            })
            .collect();
        let acc = self.groups.entry(key).or_default();
        let row = &mut acc.row;
        row.requests += 1;
        row.errors += u64::from(s.status >= 400);
        row.prompt_tokens += s.prompt_tokens;
        row.completion_tokens += s.completion_tokens;
        row.cached_tokens += s.cached_tokens;
        row.cost_usd += s.cost_usd;
        acc.latencies.push(s.latency_ms);
    }

    /// The rows, ordered by their group values.
    pub(super) fn finish(self) -> Vec<UsageRow> {
        let by = self.by;
        self.groups
            .into_iter()
            .map(|(values, mut acc)| {
                for (g, value) in by.iter().zip(values) {
                    let slot = match g {
                        GroupBy::Key => &mut acc.row.key_id,
                        GroupBy::Model => &mut acc.row.model,
                        GroupBy::Provider => &mut acc.row.provider,
                        GroupBy::Day => &mut acc.row.day,
                    };
                    *slot = Some(value);
                }
                acc.latencies.sort_unstable();
                acc.row.latency_p50_ms = percentile(&acc.latencies, 50);
                acc.row.latency_p95_ms = percentile(&acc.latencies, 95);
                acc.row.latency_p99_ms = percentile(&acc.latencies, 99);
                acc.row
            })
            .collect()
    }
}

/// The `pct`th percentile of `sorted` by the nearest-rank method: the smallest value with
/// at least `pct`% of the values at or below it. 0 for no values.
pub(super) fn percentile(sorted: &[u64], pct: u32) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let n = sorted.len();
    let pct = usize::try_from(pct.min(100)).unwrap_or(100);
    // ceil(pct * n / 100), at least 1.
    let rank = (pct * n).div_ceil(100).max(1);
    sorted[rank.min(n) - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&v, 50), 50);
        assert_eq!(percentile(&v, 95), 95);
        assert_eq!(percentile(&v, 99), 99);
        assert_eq!(percentile(&v, 100), 100);
        assert_eq!(percentile(&[7], 99), 7);
        assert_eq!(percentile(&[], 50), 0);
        // Ten values: p50 is the 5th, p95 and p99 the 10th.
        let v: Vec<u64> = (1..=10).map(|x| x * 10).collect();
        assert_eq!(percentile(&v, 50), 50);
        assert_eq!(percentile(&v, 95), 100);
        assert_eq!(percentile(&v, 0), 10);
    }
}
