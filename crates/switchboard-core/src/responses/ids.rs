//! Ids of the items and calls of one `Response`, derived from the response's own id.
//!
//! The core crate has no random number generator and needs none here: the gateway picks a
//! random response id (see [`response_id`]), and every item id of that response is a
//! deterministic function of it and a counter. Ids are therefore unique within a response
//! (the mixing function is a bijection of the counter) and, with a random response id,
//! across responses; and a test that fixes the response id gets the same ids every run.

/// Hex digits after the prefix of an item id (`msg_`, `fc_`, `ctc_`, `rs_`).
const ITEM_HEX_DIGITS: usize = 32;

/// Hex digits after `call_` in a synthesized call id (OpenAI's length).
const CALL_HEX_DIGITS: usize = 24;

/// The id of a new response, `resp_` and 32 hex digits, from 128 random bits.
///
/// Called by the gateway once per request with bits from its own random source.
pub fn response_id(random_bits: u128) -> String {
    random_id("resp", random_bits)
}

/// An id of `prefix`, `_` and the 32 hex digits of `random_bits` (what
/// `format!("{prefix}_{random_bits:032x}")` writes, without the formatting machinery: ids
/// are made several times per request).
pub fn random_id(prefix: &str, random_bits: u128) -> String {
    let mut id = String::with_capacity(prefix.len() + 1 + 32);
    id.push_str(prefix);
    id.push('_');
    push_hex(&mut id, random_bits, 32);
    id
}

/// Appends the first `digits` (at most 32) of the 32 lowercase, zero-padded hex digits of
/// `bits`.
fn push_hex(out: &mut String, bits: u128, digits: usize) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut text = [0u8; 32];
    // Byte by byte: shifting the `u128` once per digit cost several instructions a digit.
    for (pair, byte) in text.chunks_exact_mut(2).zip(bits.to_be_bytes()) {
        pair[0] = HEX[usize::from(byte >> 4)];
        pair[1] = HEX[usize::from(byte & 0xf)];
    }
    let text = &text[..digits.min(32)];
    // Written into a buffer and appended at once: `String::push` per digit cost about
    // ten times as much. Hex digits are ASCII, so the check cannot fail.
    if let Ok(text) = std::str::from_utf8(text) {
        out.push_str(text);
    }
}

/// Makes the item ids and call ids of one response.
#[derive(Debug, Clone)]
pub struct IdGen {
    seed: u64,
    counter: u64,
}

impl IdGen {
    /// A generator for the items of the response `response_id`; the same response id
    /// always yields the same sequence of ids.
    pub fn new(response_id: &str) -> Self {
        Self {
            seed: fnv1a(response_id.as_bytes()),
            counter: 0,
        }
    }

    /// A message item id, `msg_<hex>`.
    pub fn message(&mut self) -> String {
        self.prefixed("msg_", ITEM_HEX_DIGITS)
    }

    /// A function call item id, `fc_<hex>` (not the call id the client answers to).
    pub fn function_call(&mut self) -> String {
        self.prefixed("fc_", ITEM_HEX_DIGITS)
    }

    /// A custom tool call item id, `ctc_<hex>`.
    pub fn custom_tool_call(&mut self) -> String {
        self.prefixed("ctc_", ITEM_HEX_DIGITS)
    }

    /// A reasoning item id, `rs_<hex>`.
    pub fn reasoning(&mut self) -> String {
        self.prefixed("rs_", ITEM_HEX_DIGITS)
    }

    /// A call id, `call_` and 24 hex digits, for a tool call whose upstream sent none.
    pub fn call_id(&mut self) -> String {
        self.prefixed("call_", CALL_HEX_DIGITS)
    }

    fn prefixed(&mut self, prefix: &str, digits: usize) -> String {
        let mut id = String::with_capacity(prefix.len() + digits);
        id.push_str(prefix);
        while id.len() < prefix.len() + digits {
            // The word's 16 hex digits are the first 16 of the 32 of `word << 64`.
            let word = u128::from(self.next_word()) << 64;
            let missing = prefix.len() + digits - id.len();
            push_hex(&mut id, word, missing.min(16));
        }
        id
    }

    /// The next 64 bits: splitmix64 of the seed stepped by the golden-ratio increment.
    fn next_word(&mut self) -> u64 {
        self.counter = self.counter.wrapping_add(1);
        splitmix64(
            self.seed
                .wrapping_add(self.counter.wrapping_mul(0x9e37_79b9_7f4a_7c15)),
        )
    }
}

/// The splitmix64 finalizer: a bijection on `u64` that spreads every input bit.
fn splitmix64(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// 64-bit FNV-1a: a stable hash of the response id (std's hasher is not stable).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn ids_have_their_prefix_and_length() {
        let mut ids = IdGen::new("resp_1");
        let msg = ids.message();
        assert!(msg.starts_with("msg_") && msg.len() == 4 + 32, "{msg}");
        assert!(ids.function_call().starts_with("fc_"));
        assert!(ids.custom_tool_call().starts_with("ctc_"));
        assert!(ids.reasoning().starts_with("rs_"));
        let call = ids.call_id();
        assert!(call.starts_with("call_") && call.len() == 5 + 24, "{call}");
        assert!(call[5..].bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(response_id(0xab).len(), 5 + 32);
    }

    #[test]
    fn hex_digits_are_what_format_writes() {
        for bits in [
            0,
            1,
            0xab,
            u128::MAX,
            0x0123_4567_89ab_cdef_fedc_ba98_7654_3210,
        ] {
            assert_eq!(response_id(bits), format!("resp_{bits:032x}"));
            assert_eq!(random_id("fc", bits), format!("fc_{bits:032x}"));
        }
        // The generator's words: the same ids as the `format!` it replaced.
        let mut ids = IdGen::new("resp_1");
        let mut words = IdGen::new("resp_1");
        let expected = |words: &mut IdGen, prefix: &str, digits: usize| {
            let mut id = prefix.to_owned();
            while id.len() < prefix.len() + digits {
                let word = format!("{:016x}", words.next_word());
                let missing = prefix.len() + digits - id.len();
                id.push_str(&word[..missing.min(16)]);
            }
            id
        };
        for _ in 0..100 {
            assert_eq!(ids.message(), expected(&mut words, "msg_", 32));
            assert_eq!(ids.call_id(), expected(&mut words, "call_", 24));
        }
    }

    #[test]
    fn same_seed_same_ids_and_no_repeats() {
        let (mut a, mut b) = (IdGen::new("resp_x"), IdGen::new("resp_x"));
        assert_eq!(a.message(), b.message());
        assert_ne!(
            IdGen::new("resp_y").message(),
            IdGen::new("resp_x").message()
        );
        let seen: HashSet<String> = (0..1000).map(|_| a.call_id()).collect();
        assert_eq!(seen.len(), 1000);
    }
}
