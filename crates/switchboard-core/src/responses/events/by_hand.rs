//! What the hand-written frames (`deltas.rs`, `lifecycle.rs`) share: the start of every
//! event frame, and integers.

use bytes::{BufMut, BytesMut};

/// `event: <type>\ndata: {"type":"<type>","sequence_number":<n>` — every event's fields
/// begin with these two, in this order, as the derive writes them. The event types are
/// constants of one line with nothing to escape.
pub(super) fn write_head(out: &mut BytesMut, event_type: &str, sequence_number: u64) {
    out.put_slice(b"event: ");
    out.put_slice(event_type.as_bytes());
    out.put_slice(b"\ndata: {\"type\":\"");
    out.put_slice(event_type.as_bytes());
    out.put_slice(b"\",\"sequence_number\":");
    put_int(out, sequence_number);
}

/// An integer in decimal, as serde_json writes it.
pub(super) fn put_int(out: &mut BytesMut, n: impl itoa::Integer) {
    out.put_slice(itoa::Buffer::new().format(n).as_bytes());
}
