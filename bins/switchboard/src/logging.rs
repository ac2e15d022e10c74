//! Log setup: tracing-subscriber, readable text by default, JSON on request.
//! `SWITCHBOARD_LOG` (a tracing filter) overrides `log.level`.
//!
//! Lines are formatted on the request's thread but written to stderr by a background
//! thread ([`LogWriter`]), so a slow log pipe never stalls a request. It is not lossy:
//! when its buffer of lines is full, writers wait rather than drop an access log line.
//! Text lines write their fields with [`FastFields`]; timestamps come from [`CachedTime`].

use std::io::IsTerminal;

use switchboard_gateway::config::{LogConfig, LogFormat};
use tracing_subscriber::EnvFilter;

use crate::log_fields::FastFields;
use crate::log_time::CachedTime;
use crate::log_writer::{LogWriter, LogWriterGuard};

/// Installs the global subscriber. Keep the guard for the life of the process: dropping it
/// writes the lines still waiting. Fails only when the writer thread cannot start.
pub fn init(config: &LogConfig) -> std::io::Result<LogWriterGuard> {
    let filter = EnvFilter::try_from_env("SWITCHBOARD_LOG")
        .or_else(|_| EnvFilter::try_new(&config.level))
        .unwrap_or_else(|e| {
            eprintln!(
                "switchboard: log.level `{}` is not a valid filter ({e}); using `info`",
                config.level
            );
            EnvFilter::new("info")
        });
    let (writer, guard) = LogWriter::spawn(std::io::stderr(), "switchboard-log")?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_timer(CachedTime)
        .with_writer(writer);
    let _ = match config.format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Text => builder.fmt_fields(FastFields::default()).try_init(),
    };
    Ok(guard)
}
