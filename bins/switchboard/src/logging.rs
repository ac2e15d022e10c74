//! Log setup: tracing-subscriber, readable text by default, JSON on request.
//! `SWITCHBOARD_LOG` (a tracing filter) overrides `log.level`.

use std::io::IsTerminal;

use switchboard_gateway::config::{LogConfig, LogFormat};
use tracing_subscriber::EnvFilter;

/// Installs the global subscriber.
pub fn init(config: &LogConfig) {
    let filter = EnvFilter::try_from_env("SWITCHBOARD_LOG")
        .or_else(|_| EnvFilter::try_new(&config.level))
        .unwrap_or_else(|e| {
            eprintln!(
                "switchboard: log.level `{}` is not a valid filter ({e}); using `info`",
                config.level
            );
            EnvFilter::new("info")
        });
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    let _ = match config.format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Text => builder.try_init(),
    };
}
