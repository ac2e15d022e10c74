//! The switchboard gateway as a library: configuration, the HTTP service, routing and the
//! request path. The `switchboard` binary is a thin CLI over this crate; a custom gateway
//! is a `main` that links the adapters it wants and calls the same three steps:
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use switchboard_gateway::{Gateway, Server, config};
//! let loaded = config::load(config::ConfigSource::Default)?;
//! let gateway = Gateway::build(&loaded.config, &switchboard_core::Registry::linked()?)?;
//! Server::bind(gateway).await?.run(switchboard_gateway::shutdown_signal()).await;
//! # Ok(()) }
//! ```

mod access_log;
mod admin;
mod auth;
mod body;
mod body_usage;
mod call;
mod catalog;
mod chat;
mod completions;
pub mod config;
mod encoder;
mod failover;
mod frames;
mod gateway;
mod handlers;
mod json_text;
pub mod limits;
pub mod metrics;
mod passthrough;
pub mod policy;
pub mod probe;
mod request_id;
mod respond;
mod responses;
pub mod routing;
mod server;
mod service;
mod signal;
mod spend_cache;
pub mod state;
pub mod store;
#[cfg(feature = "otel")]
mod telemetry;
mod tls;
mod upstream_clock;
pub mod usage;
mod virtual_keys;

pub use body::ResponseBody;
pub use gateway::Gateway;
pub use routing::{ModelRoute, Provider, Router};
pub use server::Server;
pub use signal::shutdown_signal;
