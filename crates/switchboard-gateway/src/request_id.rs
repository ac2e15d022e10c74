//! The request id: taken from the client's `x-request-id` when it is sane, else made up.

use std::sync::Arc;

use http::HeaderMap;

/// The header carrying the id, both ways.
pub const HEADER: &str = "x-request-id";

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
    format!("req_{:016x}{:08x}", fastrand::u64(..), fastrand::u32(..)).into()
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
}
