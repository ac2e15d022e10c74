use std::sync::{Arc, Mutex};

use tracing::subscriber::Interest;
use tracing::{Event, Metadata, Subscriber, span};

use super::*;

/// A subscriber that keeps the request ids of the access log lines it sees.
#[derive(Clone, Default)]
struct Lines(Arc<Mutex<Vec<String>>>);

impl Lines {
    fn ids(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

struct RequestId<'a>(&'a mut Option<String>);

impl tracing::field::Visit for RequestId<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        if field.name() == "request_id" {
            *self.0 = Some(format!("{value:?}"));
        }
    }
}

impl Subscriber for Lines {
    fn register_callsite(&self, _: &'static Metadata<'static>) -> Interest {
        Interest::always()
    }
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &span::Attributes<'_>) -> span::Id {
        span::Id::from_u64(1)
    }
    fn record(&self, _: &span::Id, _: &span::Record<'_>) {}
    fn record_follows_from(&self, _: &span::Id, _: &span::Id) {}
    fn event(&self, event: &Event<'_>) {
        if event.metadata().target() == "switchboard::access" {
            let mut id = None;
            event.record(&mut RequestId(&mut id));
            self.0.lock().unwrap().extend(id);
        }
    }
    fn enter(&self, _: &span::Id) {}
    fn exit(&self, _: &span::Id) {}
}

fn record(id: &str) -> RequestLog {
    RequestLog::start(id.into(), http::Method::POST, "/v1/chat/completions")
}

#[tokio::test]
async fn a_line_waits_for_the_end_of_the_connections_poll() {
    let lines = Lines::default();
    let _guard = tracing::subscriber::set_default(lines.clone());
    let (after_first_poll, within_the_poll) = serve({
        let lines = lines.clone();
        async move {
            record("req-a").close_after_response();
            assert!(
                lines.ids().is_empty(),
                "req-a's line waits for the poll to end"
            );
            tokio::task::yield_now().await;
            // The poll that dropped it ended: its line is out.
            let after_first_poll = lines.ids();
            record("req-b").close_after_response();
            (after_first_poll, lines.ids())
        }
    })
    .await;
    assert_eq!(after_first_poll, ["req-a"]);
    assert_eq!(within_the_poll, ["req-a"]);
    assert_eq!(lines.ids(), ["req-a", "req-b"]);
}

#[tokio::test]
async fn without_a_slot_the_line_is_written_at_once() {
    let lines = Lines::default();
    let _guard = tracing::subscriber::set_default(lines.clone());
    record("req-c").close_after_response();
    assert_eq!(lines.ids(), ["req-c"]);
    // A task of its own (as an HTTP/2 stream runs) has no slot either, even when the
    // task that spawned it has one.
    let in_task = serve({
        let lines = lines.clone();
        async move {
            tokio::spawn(async move {
                let _guard = tracing::subscriber::set_default(lines.clone());
                record("req-d").close_after_response();
                lines.ids()
            })
            .await
            .unwrap()
        }
    })
    .await;
    assert_eq!(in_task, ["req-c", "req-d"]);
}

#[tokio::test]
async fn a_record_dropped_is_written_at_once_even_with_a_slot() {
    let lines = Lines::default();
    let _guard = tracing::subscriber::set_default(lines.clone());
    let seen = serve({
        let lines = lines.clone();
        async move {
            // A stream's record, closed by the stream's end.
            drop(record("req-g"));
            lines.ids()
        }
    })
    .await;
    assert_eq!(seen, ["req-g"]);
}

#[tokio::test]
async fn a_connection_dropped_mid_poll_writes_what_it_kept() {
    let lines = Lines::default();
    let _guard = tracing::subscriber::set_default(lines.clone());
    let connection = serve(async {
        record("req-e").close_after_response();
        std::future::pending::<()>().await;
    });
    // Polled, then dropped (a client gone, a shutdown).
    let _ = tokio::time::timeout(std::time::Duration::from_millis(10), connection).await;
    assert_eq!(lines.ids(), ["req-e"]);
}

#[tokio::test]
async fn the_record_is_closed_where_it_drops() {
    let metrics = Arc::new(crate::metrics::Metrics::new());
    let rendered = serve({
        let metrics = Arc::clone(&metrics);
        async move {
            let mut log = record("req-f");
            log.metrics = Some(Arc::clone(&metrics));
            log.status = 200;
            log.in_flight = Some(metrics.in_flight("m", "p"));
            let while_open = metrics.render();
            log.close_after_response();
            // Metrics (like limits and health) do not wait for the line, and what the
            // record held is let go now.
            (while_open, metrics.render())
        }
    })
    .await;
    let (while_open, rendered) = rendered;
    let gauge = r#"switchboard_in_flight_requests{model="m",provider="p"}"#;
    assert!(while_open.contains(&format!("{gauge} 1")), "{while_open}");
    assert!(rendered.contains(&format!("{gauge} 0")), "{rendered}");
    assert!(
        rendered.contains("switchboard_requests_total{"),
        "{rendered}"
    );
}
