//! Each provider kind through the gateway against a local server speaking its true wire
//! format. One file per kind.

mod anthropic;
mod azure;
mod bedrock;
mod deepseek;
mod ollama;
mod qwen;
