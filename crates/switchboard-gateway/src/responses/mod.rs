//! The Responses API: `POST /v1/responses` (translated to chat, or forwarded to an
//! upstream that serves it natively), and `GET`/`DELETE /v1/responses/{id}` and
//! `GET /v1/responses/{id}/input_items` over the response store.

mod create;
mod history;
mod native;
mod read;
mod seal;
mod shaper;
mod stored_input;

pub(crate) use create::create;
pub(crate) use read::{delete, get, input_items};
pub(crate) use seal::ReasoningSeal;

/// Unix seconds now.
fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}
