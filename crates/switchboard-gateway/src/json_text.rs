//! JSON text that is kept: written once into a buffer each thread reuses, then copied out
//! at its exact size.
//!
//! `serde_json::to_string` starts from 128 bytes and doubles: a 1.2 KiB `Response` took
//! four allocations and three copies, the last into memory the response store freed
//! long ago (cold). Here the writing happens in a buffer that is warm, and what is kept
//! (by the store, and sent to the client from the same allocation) is one allocation of
//! the right size.

use std::cell::RefCell;
use std::sync::Arc;

use bytes::Bytes;
use serde::Serialize;

/// The scratch buffer's starting size.
const SCRATCH_START: usize = 4 << 10;

/// A scratch buffer that grew past this (a huge response) is not kept for the next one.
const SCRATCH_KEEP: usize = 256 << 10;

thread_local! {
    static SCRATCH: RefCell<Vec<u8>> = RefCell::new(Vec::with_capacity(SCRATCH_START));
}

/// `value` as JSON text, in an allocation of its own size.
pub(crate) fn encode<T, Text>(value: &T) -> Result<Text, serde_json::Error>
where
    T: Serialize + ?Sized,
    Text: for<'a> From<&'a str>,
{
    SCRATCH.with(|scratch| match scratch.try_borrow_mut() {
        Ok(mut buffer) => {
            buffer.clear();
            let text = write(&mut buffer, value);
            if buffer.capacity() > SCRATCH_KEEP {
                *buffer = Vec::with_capacity(SCRATCH_START);
            }
            text
        }
        // A `Serialize` that encodes something itself while being encoded: a buffer of
        // its own.
        Err(_) => write(&mut Vec::new(), value),
    })
}

fn write<T, Text>(buffer: &mut Vec<u8>, value: &T) -> Result<Text, serde_json::Error>
where
    T: Serialize + ?Sized,
    Text: for<'a> From<&'a str>,
{
    serde_json::to_writer(&mut *buffer, value)?;
    match std::str::from_utf8(buffer) {
        Ok(text) => Ok(Text::from(text)),
        // serde_json writes UTF-8 only.
        Err(e) => Err(serde::ser::Error::custom(e)),
    }
}

/// A response body that shares `text` instead of copying it.
pub(crate) fn shared_body(text: Arc<str>) -> Bytes {
    Bytes::from_owner(SharedText(text))
}

/// Lends an `Arc<str>`'s bytes to [`Bytes::from_owner`].
struct SharedText(Arc<str>);

impl AsRef<[u8]> for SharedText {
    fn as_ref(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_text_is_serde_jsons_and_the_scratch_is_reused() {
        let value = json!({"a": [1, 2.5, "x\"y\u{1F600}"], "b": null, "c": {"d": true}});
        let text: Arc<str> = encode(&value).unwrap();
        assert_eq!(&*text, serde_json::to_string(&value).unwrap());
        let again: Box<str> = encode(&json!([])).unwrap();
        assert_eq!(&*again, "[]");
        SCRATCH.with(|scratch| assert!(scratch.borrow().capacity() >= SCRATCH_START));
    }

    #[test]
    fn a_huge_text_does_not_keep_its_scratch() {
        let big = "x".repeat(SCRATCH_KEEP * 2);
        let text: String = encode(&big).unwrap();
        assert_eq!(text.len(), big.len() + 2);
        SCRATCH.with(|scratch| assert!(scratch.borrow().capacity() <= SCRATCH_KEEP));
    }

    #[test]
    fn an_encoding_inside_an_encoding_gets_a_buffer_of_its_own() {
        struct Nested;
        impl Serialize for Nested {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let inner: String =
                    encode(&json!({"inner": 1})).map_err(serde::ser::Error::custom)?;
                s.serialize_str(&inner)
            }
        }
        let text: String = encode(&Nested).unwrap();
        assert_eq!(text, r#""{\"inner\":1}""#);
    }

    #[test]
    fn a_failed_encoding_is_an_error_and_the_next_one_starts_clean() {
        let mut map = std::collections::BTreeMap::new();
        map.insert(vec![1u8], 1);
        assert!(encode::<_, String>(&map).is_err());
        let text: String = encode(&json!({"ok": 1})).unwrap();
        assert_eq!(text, r#"{"ok":1}"#);
    }

    #[test]
    fn a_shared_body_is_the_text() {
        let text: Arc<str> = Arc::from("{\"id\":1}");
        let body = shared_body(text.clone());
        assert_eq!(&body[..], text.as_bytes());
    }
}
