//! Provider secrets at rest: sealed in the file, redacted when read, opened only by
//! `reveal`, re-sealed by a rotation.

use serde_json::json;
use switchboard_state::{AuditQuery, Keyring, MasterKey, StateError};

use crate::support::{file_db, keyring, memory_db};

const CANARY: &str = "sk-canary-4d1f";

/// Every byte of the database's files, after moving the WAL into the main file.
async fn file_bytes(db: &switchboard_state::Database, path: &std::path::Path) -> Vec<u8> {
    db.checkpoint().await.unwrap();
    let mut bytes = std::fs::read(path).unwrap();
    for suffix in ["-wal", "-shm"] {
        let mut side = path.as_os_str().to_owned();
        side.push(suffix);
        if let Ok(more) = std::fs::read(&side) {
            bytes.extend(more);
        }
    }
    bytes
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[tokio::test]
async fn a_canary_secret_never_appears_in_clear() {
    let (db, path, _dir) = file_db().await;
    let providers = db.providers(Some(keyring(1, 7)));
    let created = providers
        .create(
            "openai-main",
            "openai",
            json!({"api_key": CANARY, "base_url": "https://api.example"}),
            "admin",
        )
        .await
        .unwrap();
    assert_eq!(created.config["api_key"], "********");
    assert_eq!(created.config["base_url"], "https://api.example");

    let bytes = file_bytes(&db, &path).await;
    assert!(
        contains(&bytes, "https://api.example"),
        "the test reads the right file"
    );
    assert!(
        !contains(&bytes, CANARY),
        "the canary is in the database file in clear"
    );

    let listed = providers.list().await.unwrap();
    let got = providers.get("openai-main").await.unwrap().unwrap();
    let revealed = providers.reveal("openai-main").await.unwrap().unwrap();
    let audit = db.audit().list(&AuditQuery::default()).await.unwrap();
    for shown in [
        format!("{listed:?}"),
        serde_json::to_string(&listed).unwrap(),
        format!("{got:?}"),
        format!("{revealed:?}"),
        format!("{providers:?}"),
        format!("{audit:?}"),
    ] {
        assert!(!shown.contains(CANARY), "{shown}");
    }
    assert_eq!(revealed.expose_config()["api_key"], CANARY);
}

#[tokio::test]
async fn a_secret_without_a_master_key_is_refused_saying_why() {
    let db = memory_db().await;
    let providers = db.providers(None);
    let err = providers
        .create("p", "openai", json!({"api_key": CANARY}), "admin")
        .await
        .unwrap_err();
    assert!(matches!(err, StateError::NoMasterKey { .. }), "{err:?}");
    let message = err.to_string();
    assert!(
        message.contains("master key") && message.contains("api_key"),
        "{message}"
    );
    assert!(!message.contains(CANARY));
    assert!(providers.get("p").await.unwrap().is_none());
    // An `env:` reference is not a secret and needs no key.
    let created = providers
        .create(
            "q",
            "openai",
            json!({"api_key": "env:OPENAI_API_KEY"}),
            "admin",
        )
        .await
        .unwrap();
    assert_eq!(created.config["api_key"], "env:OPENAI_API_KEY");
    // A failed write is counted.
    assert!(db.write_failures() >= 1);
}

#[tokio::test]
async fn an_update_with_an_empty_secret_keeps_the_stored_one() {
    let db = memory_db().await;
    let providers = db.providers(Some(keyring(1, 3)));
    providers
        .create("p", "openai", json!({"api_key": "first"}), "a")
        .await
        .unwrap();
    providers
        .update("p", "openai", json!({"api_key": "", "base_url": "u"}), "a")
        .await
        .unwrap();
    let revealed = providers.reveal("p").await.unwrap().unwrap();
    assert_eq!(revealed.expose_config()["api_key"], "first");
    assert_eq!(revealed.expose_config()["base_url"], "u");
    providers
        .update("p", "openai", json!({"api_key": "********"}), "a")
        .await
        .unwrap();
    assert_eq!(
        providers
            .reveal("p")
            .await
            .unwrap()
            .unwrap()
            .expose_config()["api_key"],
        "first"
    );
    providers
        .update("p", "openai", json!({"api_key": "second"}), "a")
        .await
        .unwrap();
    assert_eq!(
        providers
            .reveal("p")
            .await
            .unwrap()
            .unwrap()
            .expose_config()["api_key"],
        "second"
    );
    let err = providers
        .update("nope", "openai", json!({}), "a")
        .await
        .unwrap_err();
    assert!(matches!(err, StateError::NotFound { .. }), "{err:?}");
}

#[tokio::test]
async fn duplicates_and_deletes() {
    let db = memory_db().await;
    let providers = db.providers(Some(keyring(1, 3)));
    providers
        .create("p", "openai", json!({}), "a")
        .await
        .unwrap();
    let err = providers
        .create("p", "openai", json!({}), "a")
        .await
        .unwrap_err();
    assert!(matches!(err, StateError::AlreadyExists { .. }), "{err:?}");
    assert!(providers.delete("p", "a").await.unwrap());
    assert!(!providers.delete("p", "a").await.unwrap());
    assert!(providers.list().await.unwrap().is_empty());
}

#[tokio::test]
async fn rotation_re_encrypts_and_the_old_key_no_longer_opens() {
    let (db, path, _dir) = file_db().await;
    let old = keyring(1, 1);
    let providers = db.providers(Some(old.clone()));
    providers
        .create(
            "a",
            "openai",
            json!({"api_key": CANARY, "headers": {"x-k": "hv"}}),
            "admin",
        )
        .await
        .unwrap();
    providers
        .create("b", "anthropic", json!({"api_key": "env:K"}), "admin")
        .await
        .unwrap();
    let before: String = sqlx::query_scalar("SELECT config FROM providers WHERE name = 'a'")
        .fetch_one(db.pool())
        .await
        .unwrap();

    let new = MasterKey::from_bytes(2, [2; 32]).unwrap();
    let report = providers
        .rotate_master_key(&old, &new, "cli")
        .await
        .unwrap();
    assert_eq!(
        (report.providers, report.secrets, report.to_version),
        (1, 2, 2)
    );

    let after: String = sqlx::query_scalar("SELECT config FROM providers WHERE name = 'a'")
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert_ne!(before, after);
    assert!(
        after.contains("v1:2:") && !after.contains("v1:1:"),
        "{after}"
    );
    assert!(!contains(&file_bytes(&db, &path).await, CANARY));

    // The old key alone opens nothing any more.
    let err = db.providers(Some(old)).reveal("a").await.unwrap_err();
    assert!(matches!(err, StateError::Crypto(_)), "{err:?}");
    // The new key opens everything.
    let revealed = db
        .providers(Some(std::sync::Arc::new(Keyring::new(new))))
        .reveal("a")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(revealed.expose_config()["api_key"], CANARY);
    assert_eq!(revealed.expose_config()["headers"]["x-k"], "hv");

    let audit = db
        .audit()
        .list(&AuditQuery {
            actor: Some("cli".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(audit[0].action, "master_key.rotate");
}

#[tokio::test]
async fn rotation_to_a_version_in_use_is_refused_and_changes_nothing() {
    let db = memory_db().await;
    let old = keyring(1, 1);
    let providers = db.providers(Some(old.clone()));
    providers
        .create("a", "openai", json!({"api_key": "x"}), "a")
        .await
        .unwrap();
    let same_version = MasterKey::from_bytes(1, [2; 32]).unwrap();
    assert!(
        providers
            .rotate_master_key(&old, &same_version, "cli")
            .await
            .is_err()
    );
    assert_eq!(
        providers
            .reveal("a")
            .await
            .unwrap()
            .unwrap()
            .expose_config()["api_key"],
        "x"
    );
}

#[tokio::test]
async fn a_failed_rotation_rolls_back_every_provider() {
    let db = memory_db().await;
    // Two providers sealed with different keys; the rotation is given only one of them.
    db.providers(Some(keyring(1, 1)))
        .create("a", "openai", json!({"api_key": "x"}), "t")
        .await
        .unwrap();
    db.providers(Some(keyring(3, 3)))
        .create("b", "openai", json!({"api_key": "y"}), "t")
        .await
        .unwrap();
    let new = MasterKey::from_bytes(2, [2; 32]).unwrap();
    let err = db
        .providers(Some(keyring(1, 1)))
        .rotate_master_key(&keyring(1, 1), &new, "cli")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("version 3"), "{err}");
    // `a` was not moved either.
    let a = db
        .providers(Some(keyring(1, 1)))
        .reveal("a")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(a.expose_config()["api_key"], "x");
}
