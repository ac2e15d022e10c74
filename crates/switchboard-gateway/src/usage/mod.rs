//! Usage accounting: what a request cost, and how many tokens it used when the provider
//! did not say.
//!
//! - `prices.rs`: [`Prices`] (USD per 1M tokens, from a model's config) and [`cost`].
//! - `tokenizer.rs`: the lazily loaded `o200k_base` tokenizer, [`count_tokens`] and its
//!   fallback [`heuristic_tokens`].
//! - `fill.rs`: collecting an answer's text as it passes, and the estimate at the end.
//! - `estimate.rs`: [`estimate_prompt_tokens`] for a chat request, [`OutputCounter`] for
//!   a streamed answer, and [`estimated_usage`] to put the two in a [`Usage`].
//! - `retention.rs`: [`spawn_pruner`], which deletes records older than
//!   `state.usage_retention_days`.
//!
//! Estimates use OpenAI's `o200k_base` encoding (GPT-4o, GPT-4.1, o-series) whatever the
//! model: exact for those, a fair guess for other providers' tokenizers, whose counts
//! differ by some percent on English text and more on code or other scripts.
//!
//! [`Usage`]: switchboard_core::chat::Usage

mod estimate;
pub mod fill;
mod prices;
mod retention;
mod tokenizer;

#[cfg(test)]
mod tests;

pub use estimate::{OutputCounter, estimate_prompt_tokens, estimated_usage};
pub use prices::{Prices, cost};
pub use retention::{PRUNE_INTERVAL, UsagePruner, cutoff, spawn_pruner};
pub use tokenizer::{count_tokens, heuristic_tokens};
