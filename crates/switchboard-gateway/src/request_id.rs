//! The request id: taken from the client's `x-request-id` when it is sane, else made up.

use std::sync::Arc;

use http::{HeaderMap, HeaderName};

/// The header carrying the id, both ways.
pub const HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// The client's id if it is 1 to 128 visible ASCII characters, else a new `req_` + 24 hex.
pub fn take_or_make(headers: &HeaderMap) -> Arc<str> {
    if let Some(value) = headers.get(HEADER) {
        let bytes = value.as_bytes();
        if (1..=128).contains(&bytes.len())
            && bytes.iter().all(|b| b.is_ascii_graphic())
            && let Ok(s) = value.to_str()
        {
            return s.into();
        }
    }
    new_id()
}

/// `req_` and 24 random lowercase hex digits, written without `format!` (this runs for
/// every request).
fn new_id() -> Arc<str> {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut id = *b"req_000000000000000000000000";
    let random = (u128::from(fastrand::u64(..)) << 32) | u128::from(fastrand::u32(..));
    for (i, digit) in id[4..].iter_mut().enumerate() {
        // Digit i (from the left) of the 96-bit number.
        let shift = 4 * (23 - i);
        *digit = HEX[((random >> shift) & 0xf) as usize];
    }
    // Only ASCII was written.
    String::from_utf8_lossy(&id).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_a_sane_id_and_replaces_others() {
        let mut h = HeaderMap::new();
        h.insert(HEADER, "abc-123".parse().unwrap());
        assert_eq!(&*take_or_make(&h), "abc-123");
        h.insert(HEADER, "has space".parse().unwrap());
        let made = take_or_make(&h);
        assert!(made.starts_with("req_") && made.len() == 28, "{made}");
        assert_ne!(
            take_or_make(&HeaderMap::new()),
            take_or_make(&HeaderMap::new())
        );
    }

    #[test]
    fn a_new_id_is_24_lowercase_hex_digits_from_both_random_numbers() {
        fastrand::seed(7);
        let (high, low) = (fastrand::u64(..), fastrand::u32(..));
        fastrand::seed(7);
        assert_eq!(&*new_id(), format!("req_{high:016x}{low:08x}"));
        // Every digit position varies: no digit is stuck at a constant.
        let ids: Vec<_> = (0..64).map(|_| new_id()).collect();
        for position in 4..28 {
            let first = ids[0].as_bytes()[position];
            assert!(
                ids.iter().any(|id| id.as_bytes()[position] != first),
                "{position}"
            );
        }
    }
}
