//! switchboard's deterministic mock provider (kind `mock`): the gateway's embedded default,
//! and the upstream of demos, tests and benchmarks.
//!
//! It answers from the prompt, with no network and no randomness: the same request gives
//! the same text, tool call, reasoning and usage every time. What it does is chosen by words
//! in the model name (`mock-reasoning-tools-tokens32-delay20`); see [`Behaviour`] and
//! `docs/providers/mock.md`.

mod adapter;
mod behaviour;
mod config;
mod reply;
mod stream;

pub use adapter::MockAdapter;
pub use behaviour::Behaviour;
pub use config::MockConfig;

inventory::submit! {
    switchboard_core::AdapterFactory {
        kind: "mock",
        description: "deterministic mock provider (no network): echo, tool calls, reasoning, errors",
        build: adapter::build,
    }
}
