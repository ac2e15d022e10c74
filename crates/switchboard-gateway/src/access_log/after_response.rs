//! Log lines written after the response: a closed [`RequestLog`] whose line can wait
//! ([`RequestLog::close_after_response`], for every answer that is not a stream) is kept
//! in its connection's slot until the end of the connection's current poll.
//!
//! The record is closed (health, limits, metrics) at once, as before; only the line
//! waits. On an HTTP/1 connection hyper runs the request's handler, writes its response
//! and flushes it to the socket all within one poll of the connection, so a line kept
//! until that poll returns is formatted after the client has its answer instead of before.
//! Formatting it is about 9,000 instructions, and at a low request rate, with cold caches,
//! that was time the client waited for. HTTP/2 streams run in tasks of their own (no
//! slot): their lines are written at once, as is any record dropped outside a connection.
//! The slot keeps nothing across polls, and a connection dropped mid-poll drops its slot,
//! which writes the lines it held.

use std::cell::RefCell;
use std::future::Future;
use std::pin::pin;

use super::RequestLog;

tokio::task_local! {
    /// The connection's closed records whose lines wait for the end of the poll.
    static SLOT: RefCell<Vec<RequestLog>>;
}

/// Runs `connection` with a slot for closed records: after each of its polls, the lines
/// of the records kept during that poll are written.
pub(crate) async fn serve<F: Future>(connection: F) -> F::Output {
    let mut connection = pin!(connection);
    let polled = std::future::poll_fn(move |cx| {
        let result = connection.as_mut().poll(cx);
        write_kept();
        result
    });
    SLOT.scope(RefCell::new(Vec::new()), polled).await
}

/// Keeps `log` (closed: its drop only writes the line) in the current connection's slot,
/// or drops it now where there is none.
pub(super) fn keep_until_polled(log: RequestLog) {
    let mut log = Some(log);
    let _ = SLOT.try_with(|slot| {
        if let Ok(mut kept) = slot.try_borrow_mut() {
            kept.extend(log.take());
        }
    });
    drop(log);
}

/// Writes the kept records' lines (by dropping them), reusing the slot's buffer.
fn write_kept() {
    let Ok(mut kept) = SLOT.try_with(|slot| std::mem::take(&mut *slot.borrow_mut())) else {
        return;
    };
    if kept.is_empty() {
        return;
    }
    // Dropped outside the borrow: a record's drop may keep another record.
    kept.clear();
    let _ = SLOT.try_with(|slot| {
        let mut slot = slot.borrow_mut();
        if slot.is_empty() {
            *slot = kept;
        }
    });
}

#[cfg(test)]
mod tests;
