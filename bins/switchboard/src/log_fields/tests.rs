//! `FastFields` against tracing-subscriber's `DefaultFields`: the same events, through
//! two subscribers that differ only in their field formatter, must give the same lines.

use std::io::Write;
use std::sync::{Arc, Mutex};

use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::format::DefaultFields;

use super::FastFields;

/// A writer into a shared buffer.
#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Buffer {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

impl Write for Buffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Buffer {
    type Writer = Buffer;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// An error with a source, to show `record_error`'s `.sources` list.
#[derive(Debug)]
struct Outer(Inner);

#[derive(Debug)]
struct Inner;

impl std::fmt::Display for Outer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("outer \u{1b}[31mfailed")
    }
}

impl std::fmt::Display for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("inner \"cause\"")
    }
}

impl std::error::Error for Outer {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

impl std::error::Error for Inner {}

/// Every kind of field the gateway and its libraries log.
fn events() {
    let model: Option<&str> = Some("gpt-4o");
    let none: Option<&str> = None;
    let error = Outer(Inner);
    let span = tracing::info_span!("request", id = "req_1", attempt = 2u64, r#type = "chat");
    let _entered = span.enter();
    tracing::info!(
        target: "switchboard::access",
        request_id = %"req_1612b0940c3a2f3cc48ffdda",
        method = %http_method(),
        path = %"/v1/chat/completions",
        model,
        route = none,
        provider = "up stream",
        attempts = 1u32,
        fallback = false,
        status = 200u16,
        latency_ms = 3.241,
        prompt_tokens = Some(42u64),
        completion_tokens = None::<u64>,
        overhead_us = 1370u64,
        outcome = "ok",
        delta = -5i64,
        "request"
    );
    tracing::warn!(
        quoted = "say \"hi\"",
        backslash = "C:\\path",
        newline = "a\nb",
        tab = "a\tb",
        unicode = "café ☕",
        escape = "\u{1b}[2J",
        del = "\u{7f}",
        c1 = "\u{85}",
        empty = "",
        big = u64::MAX,
        small = i64::MIN,
        float = 1e16,
        nan = f64::NAN,
        debug = ?vec!["a", "b"],
        r#type = "raw",
        error = &error as &(dyn std::error::Error + 'static),
        "a message with \u{1b}[31m escapes and \"quotes\""
    );
    tracing::info!(message = "a message given as a field", n = 3u64);
    tracing::info!(answer = 42u64, flag = true);
    tracing::error!("{} formatted {}", "message", 7);
    tracing::info!(
        log.target = "dep",
        log.module_path = "dep::m",
        kept = "yes",
        "from log"
    );
}

fn http_method() -> &'static str {
    "POST"
}

fn lines(fast: bool) -> String {
    let buffer = Buffer::default();
    let builder = tracing_subscriber::fmt()
        .without_time()
        .with_ansi(false)
        .with_max_level(tracing::Level::TRACE)
        .with_writer(buffer.clone());
    if fast {
        tracing::subscriber::with_default(
            builder.fmt_fields(FastFields::default()).finish(),
            events,
        );
    } else {
        tracing::subscriber::with_default(
            builder.fmt_fields(DefaultFields::new()).finish(),
            events,
        );
    }
    buffer.text()
}

#[test]
fn lines_are_the_default_formatters_byte_for_byte() {
    let fast = lines(true);
    let default = lines(false);
    assert_eq!(fast.lines().count(), 6, "{fast}");
    for (fast, default) in fast.lines().zip(default.lines()) {
        assert_eq!(fast, default);
    }
    assert_eq!(fast, default);
    // The access line's fields, as a reader sees them.
    assert!(
        fast.contains(
            "request request_id=req_1612b0940c3a2f3cc48ffdda method=POST \
             path=/v1/chat/completions model=\"gpt-4o\" provider=\"up stream\" attempts=1 \
             fallback=false status=200 latency_ms=3.241 prompt_tokens=42 overhead_us=1370 \
             outcome=\"ok\" delta=-5"
        ),
        "{fast}"
    );
    // Terminal control characters in a message never reach the terminal raw.
    assert!(!fast.contains('\u{1b}'), "{fast}");
}

#[test]
fn plain_strings_are_exactly_those_debug_writes_unchanged() {
    for text in ["", "gpt-4o", "a b ~!@#$%^&*()_+{}|:<>?`-=[];',./"] {
        assert!(super::is_plain(text));
        assert_eq!(format!("{text:?}"), format!("\"{text}\""));
    }
    for text in ["\"", "\\", "\n", "\u{7f}", "é", "\u{1b}"] {
        assert!(!super::is_plain(text), "{text:?}");
    }
}
