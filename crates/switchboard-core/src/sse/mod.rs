//! The incremental Server-Sent Events codec. [`SseFramer`] splits a byte stream into raw
//! event blocks, zero-copy, for a proxy that forwards them untouched; [`parse_frame`] decodes
//! one block into an [`SseEvent`]; [`SseDecoder`] does both; the `write_*` functions encode
//! the frames the gateway sends. Line ends may be LF, CRLF or CR; see `framer.rs` and
//! `event.rs` for the rules and the provider quirks they absorb.

mod decoder;
mod encoder;
mod event;
mod framer;
#[cfg(test)]
mod tests;

pub use decoder::SseDecoder;
pub(crate) use encoder::Appender;
pub use encoder::{DONE_FRAME, write_comment, write_data, write_event, write_json_event};
pub use event::{SseEvent, parse_frame};
pub use framer::{DEFAULT_MAX_FRAME, SseError, SseFramer};
