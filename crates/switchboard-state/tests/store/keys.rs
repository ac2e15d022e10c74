//! Virtual keys: shown once, stored as a hash with a visible prefix.

use switchboard_state::{KEY_PREFIX, KeyStatus, KeyUpdate, NewKey, StateError, key_hash, now_ms};

use crate::support::{file_db, memory_db};

#[tokio::test]
async fn create_then_find_by_the_key_text() {
    let db = memory_db().await;
    let keys = db.keys();
    let new = NewKey {
        name: "team-a".into(),
        owner: Some("alice".into()),
        models: Some(vec!["gpt-4o".into()]),
        limits: Some(serde_json::json!({"rpm": 60})),
        budget_daily: Some(5.0),
        ..NewKey::default()
    };
    let (record, plaintext) = keys.create(&new, "admin").await.unwrap();
    let text = plaintext.expose();
    assert!(text.starts_with(KEY_PREFIX));
    // `sk-sb-` + base64url of 32 bytes (43 characters, no padding).
    assert_eq!(text.len(), KEY_PREFIX.len() + 43, "{text}");
    assert!(
        text[KEY_PREFIX.len()..]
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    );
    assert_eq!(record.prefix, &text[..10]);
    assert_eq!(format!("{plaintext:?}"), "********");
    assert!(!format!("{record:?}").contains(text));
    assert_eq!(record.status(now_ms()), KeyStatus::Active);

    let found = keys.find_by_plaintext(text).await.unwrap().unwrap();
    assert_eq!(found, record);
    assert_eq!(found.models.as_deref(), Some(&["gpt-4o".to_owned()][..]));
    assert!(
        keys.find_by_plaintext("sk-sb-not-a-key")
            .await
            .unwrap()
            .is_none()
    );
    // A different key each time.
    let (_, other) = keys.create(&new, "admin").await.unwrap();
    assert_ne!(other.expose(), text);
}

#[tokio::test]
async fn only_the_hash_is_stored() {
    let (db, path, _dir) = file_db().await;
    let (record, plaintext) = db
        .keys()
        .create(
            &NewKey {
                name: "k".into(),
                ..NewKey::default()
            },
            "a",
        )
        .await
        .unwrap();
    let stored: String = sqlx::query_scalar("SELECT hash FROM virtual_keys WHERE id = $1")
        .bind(&record.id)
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert_eq!(stored, key_hash(plaintext.expose()));
    assert_eq!(stored.len(), 64);
    db.checkpoint().await.unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let secret_part = &plaintext.expose()[10..];
    assert!(
        !bytes
            .windows(secret_part.len())
            .any(|w| w == secret_part.as_bytes())
    );
}

#[tokio::test]
async fn revoke_and_expiry_change_the_status() {
    let db = memory_db().await;
    let keys = db.keys();
    let now = now_ms();
    let (expiring, text) = keys
        .create(
            &NewKey {
                name: "e".into(),
                expires_at: Some(now + 60_000),
                ..NewKey::default()
            },
            "a",
        )
        .await
        .unwrap();
    assert_eq!(expiring.status(now), KeyStatus::Active);
    assert_eq!(expiring.status(now + 60_000), KeyStatus::Expired);

    let revoked = keys.revoke(&expiring.id, "a").await.unwrap();
    let first = revoked.revoked_at.unwrap();
    assert_eq!(revoked.status(now), KeyStatus::Revoked);
    let found = keys
        .find_by_plaintext(text.expose())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.status(now), KeyStatus::Revoked);
    // Revoking again keeps the first time.
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    assert_eq!(
        keys.revoke(&expiring.id, "a").await.unwrap().revoked_at,
        Some(first)
    );
    assert!(matches!(
        keys.revoke("vk_none", "a").await,
        Err(StateError::NotFound { .. })
    ));
}

#[tokio::test]
async fn update_changes_only_what_it_names() {
    let db = memory_db().await;
    let keys = db.keys();
    let (record, _) = keys
        .create(
            &NewKey {
                name: "k".into(),
                owner: Some("o".into()),
                budget_daily: Some(1.0),
                ..NewKey::default()
            },
            "a",
        )
        .await
        .unwrap();
    let update = KeyUpdate {
        name: Some("renamed".into()),
        owner: Some(None),
        budget_monthly: Some(Some(30.0)),
        expires_at: Some(Some(42)),
        ..KeyUpdate::default()
    };
    let updated = keys.update(&record.id, &update, "a").await.unwrap();
    assert_eq!(updated.name, "renamed");
    assert_eq!(updated.owner, None);
    assert_eq!(updated.budget_daily, Some(1.0));
    assert_eq!(updated.budget_monthly, Some(30.0));
    assert_eq!(updated.expires_at, Some(42));
    assert_eq!(keys.get(&record.id).await.unwrap().unwrap(), updated);
    assert_eq!(keys.list().await.unwrap(), vec![updated]);
    assert!(matches!(
        keys.update("vk_none", &update, "a").await,
        Err(StateError::NotFound { .. })
    ));
}

#[tokio::test]
async fn spend_sums_a_keys_cost_since_a_time() {
    let db = memory_db().await;
    let usage = db.usage();
    for (key, at, cost) in [
        ("k1", 100, 1.5),
        ("k1", 200, 2.0),
        ("k1", 300, 0.25),
        ("k2", 300, 9.0),
    ] {
        let mut r = crate::support::usage(Some(key), "m", 200, 1, at);
        r.cost_usd = cost;
        usage.record(&r).await.unwrap();
    }
    assert_eq!(db.keys().spend("k1", 0).await.unwrap(), 3.75);
    assert_eq!(db.keys().spend("k1", 200).await.unwrap(), 2.25);
    assert_eq!(db.keys().spend("k1", 301).await.unwrap(), 0.0);
    assert_eq!(db.keys().spend("nobody", 0).await.unwrap(), 0.0);
}
