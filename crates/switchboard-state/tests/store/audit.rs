//! The audit log: every admin change, who and when, never a secret.

use serde_json::json;
use switchboard_state::{AuditQuery, NewKey, now_ms};

use crate::support::{keyring, memory_db};

#[tokio::test]
async fn every_admin_change_is_recorded_without_secrets() {
    let db = memory_db().await;
    let start = now_ms();
    let providers = db.providers(Some(keyring(1, 1)));
    providers
        .create(
            "p",
            "openai",
            json!({"api_key": "sk-audit-secret"}),
            "alice",
        )
        .await
        .unwrap();
    providers
        .update(
            "p",
            "openai",
            json!({"api_key": "sk-audit-secret-2"}),
            "alice",
        )
        .await
        .unwrap();
    db.models()
        .create("m", &json!([{"provider": "p"}]), &json!({}), "bob")
        .await
        .unwrap();
    db.models().set_default("m", "bob").await.unwrap();
    let (key, plaintext) = db
        .keys()
        .create(
            &NewKey {
                name: "k".into(),
                ..Default::default()
            },
            "bob",
        )
        .await
        .unwrap();
    db.keys().revoke(&key.id, "carol").await.unwrap();
    db.models().delete("m", "bob").await.unwrap();
    providers.delete("p", "alice").await.unwrap();
    db.audit()
        .append("dave", "admin.login", "dave", &json!({"from": "127.0.0.1"}))
        .await
        .unwrap();

    let entries = db.audit().list(&AuditQuery::default()).await.unwrap();
    let actions: Vec<(&str, &str, &str)> = entries
        .iter()
        .rev()
        .map(|e| (e.actor.as_str(), e.action.as_str(), e.target.as_str()))
        .collect();
    assert_eq!(
        actions,
        vec![
            ("alice", "provider.create", "p"),
            ("alice", "provider.update", "p"),
            ("bob", "model.create", "m"),
            ("bob", "model.set_default", "m"),
            ("bob", "key.create", key.id.as_str()),
            ("carol", "key.revoke", key.id.as_str()),
            ("bob", "model.delete", "m"),
            ("alice", "provider.delete", "p"),
            ("dave", "admin.login", "dave"),
        ]
    );
    assert!(entries.iter().all(|e| e.at >= start));
    let text = serde_json::to_string(&entries).unwrap();
    for secret in [
        "sk-audit-secret",
        plaintext.expose(),
        &switchboard_state::key_hash(plaintext.expose()),
    ] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
    assert_eq!(entries[7].detail["config"]["api_key"], "********");

    let bobs = db
        .audit()
        .list(&AuditQuery {
            actor: Some("bob".into()),
            limit: Some(2),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(bobs.len(), 2);
    assert_eq!(bobs[0].action, "model.delete");
    let later = db
        .audit()
        .list(&AuditQuery {
            since: Some(i64::MAX),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(later.is_empty());
}

#[tokio::test]
async fn a_failed_change_leaves_no_audit_entry() {
    let db = memory_db().await;
    let err = db
        .providers(None)
        .create("p", "openai", json!({"api_key": "x"}), "alice")
        .await;
    assert!(err.is_err());
    let models = db.models();
    models
        .create("m", &json!([]), &json!({}), "t")
        .await
        .unwrap();
    assert!(
        models
            .create("m", &json!([]), &json!({}), "t")
            .await
            .is_err()
    );
    let entries = db.audit().list(&AuditQuery::default()).await.unwrap();
    assert_eq!(entries.len(), 1, "{entries:?}");
}
