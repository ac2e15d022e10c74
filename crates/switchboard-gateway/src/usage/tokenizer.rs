//! The `o200k_base` tokenizer, loaded once on first use, and the heuristic that stands in
//! for it should loading fail.

use std::panic;
use std::sync::OnceLock;

use tiktoken_rs::CoreBPE;

/// The tokenizer, or `None` when it failed to load (then every count is a heuristic).
static O200K_BASE: OnceLock<Option<CoreBPE>> = OnceLock::new();

/// The tokenizer, loading it on the first call.
///
/// Loading parses the ranks shipped inside `tiktoken-rs` (no file or network access) and
/// takes a fraction of a second in release builds; callers that mind the first request's
/// latency can call [`count_tokens`] once at start-up. A failure (an error, or a panic
/// inside the library) is logged once and leaves `None`.
fn o200k_base() -> Option<&'static CoreBPE> {
    O200K_BASE
        .get_or_init(|| match panic::catch_unwind(tiktoken_rs::o200k_base) {
            Ok(Ok(bpe)) => Some(bpe),
            Ok(Err(error)) => {
                tracing::warn!(%error, "cannot load o200k_base; token estimates fall back to chars/4");
                None
            }
            Err(_) => {
                tracing::warn!("o200k_base panicked while loading; token estimates fall back to chars/4");
                None
            }
        })
        .as_ref()
}

/// Tokens in `text` under `o200k_base`, or [`heuristic_tokens`] when the tokenizer could
/// not be loaded.
///
/// Special-token markers such as `<|endoftext|>` count as the ordinary text they are, as
/// they do when a client sends them in a message.
pub fn count_tokens(text: &str) -> u64 {
    count_with(o200k_base(), text)
}

/// [`count_tokens`] with the tokenizer given, so that the fallback can be tested.
pub(super) fn count_with(bpe: Option<&CoreBPE>, text: &str) -> u64 {
    if text.is_empty() {
        return 0;
    }
    match bpe {
        Some(bpe) => u64::try_from(bpe.count_ordinary(text)).unwrap_or(u64::MAX),
        None => heuristic_tokens(text),
    }
}

/// The fallback estimate: one token per 4 characters (Unicode scalar values), rounded
/// up, so any non-empty text is at least 1 token.
///
/// This is OpenAI's rule of thumb for English ("one token is about 4 characters"); it
/// undercounts code and most non-Latin scripts, which take more tokens per character.
pub fn heuristic_tokens(text: &str) -> u64 {
    u64::try_from(text.chars().count().div_ceil(4)).unwrap_or(u64::MAX)
}
