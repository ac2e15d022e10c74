//! Helpers shared by the tests.

use std::path::PathBuf;
use std::sync::Arc;

use switchboard_state::{Database, Keyring, MasterKey, UsageRecord};
use tempfile::TempDir;

/// A fresh database file in its own temporary folder (removed when the folder drops).
pub async fn file_db() -> (Database, PathBuf, TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state").join("switchboard.db");
    let db = Database::open(&path).await.unwrap();
    (db, path, dir)
}

/// A fresh in-memory database.
pub async fn memory_db() -> Database {
    Database::open(switchboard_state::MEMORY).await.unwrap()
}

/// A keyring of one fixed key.
pub fn keyring(version: u32, byte: u8) -> Arc<Keyring> {
    Arc::new(Keyring::new(
        MasterKey::from_bytes(version, [byte; 32]).unwrap(),
    ))
}

/// A usage record with the fields tests vary.
pub fn usage(key: Option<&str>, model: &str, status: u16, latency_ms: u64, at: i64) -> UsageRecord {
    UsageRecord {
        request_id: format!("req-{at}-{latency_ms}"),
        key_id: key.map(str::to_owned),
        model: model.to_owned(),
        provider: "openai".to_owned(),
        status,
        prompt_tokens: 10,
        completion_tokens: 5,
        cached_tokens: 1,
        estimated: false,
        cost_usd: 0.25,
        latency_ms,
        created_at: at,
    }
}
