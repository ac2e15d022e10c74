//! Models: CRUD and the single default.

use serde_json::json;
use switchboard_state::StateError;

use crate::support::memory_db;

#[tokio::test]
async fn only_one_model_is_ever_the_default() {
    let db = memory_db().await;
    let models = db.models();
    let deployments = json!([{"provider": "openai-main", "model": "gpt-4o"}]);
    for name in ["a", "b", "c"] {
        models
            .create(name, &deployments, &json!({}), "admin")
            .await
            .unwrap();
    }
    assert!(models.default_model().await.unwrap().is_none());
    models.set_default("a", "admin").await.unwrap();
    models.set_default("b", "admin").await.unwrap();
    let all = models.list().await.unwrap();
    let defaults: Vec<&str> = all
        .iter()
        .filter(|m| m.is_default)
        .map(|m| m.name.as_str())
        .collect();
    assert_eq!(defaults, vec!["b"]);
    assert_eq!(models.default_model().await.unwrap().unwrap().name, "b");
    // Setting the same default again is fine.
    models.set_default("b", "admin").await.unwrap();
    assert!(matches!(
        models.set_default("zzz", "admin").await,
        Err(StateError::NotFound { .. })
    ));
    assert_eq!(models.default_model().await.unwrap().unwrap().name, "b");
}

#[tokio::test]
async fn the_database_itself_refuses_a_second_default() {
    let db = memory_db().await;
    let models = db.models();
    models
        .create("a", &json!([]), &json!({}), "t")
        .await
        .unwrap();
    models
        .create("b", &json!([]), &json!({}), "t")
        .await
        .unwrap();
    models.set_default("a", "t").await.unwrap();
    // Bypassing `set_default`: the partial unique index catches it.
    let err = sqlx::query("UPDATE models SET is_default = TRUE WHERE name = 'b'")
        .execute(db.pool())
        .await
        .unwrap_err();
    assert!(
        err.as_database_error().unwrap().is_unique_violation(),
        "{err}"
    );
}

#[tokio::test]
async fn create_update_delete() {
    let db = memory_db().await;
    let models = db.models();
    let created = models
        .create(
            "gpt-4o",
            &json!([{"provider": "p"}]),
            &json!({"prices": {"input": 2.5}}),
            "t",
        )
        .await
        .unwrap();
    assert_eq!(models.get("gpt-4o").await.unwrap().unwrap(), created);
    let err = models
        .create("gpt-4o", &json!([]), &json!({}), "t")
        .await
        .unwrap_err();
    assert!(matches!(err, StateError::AlreadyExists { .. }), "{err:?}");
    models.set_default("gpt-4o", "t").await.unwrap();
    let updated = models
        .update("gpt-4o", &json!([{"provider": "q"}]), &json!({}), "t")
        .await
        .unwrap();
    assert_eq!(updated.deployments[0]["provider"], "q");
    assert!(updated.is_default, "an update keeps the default mark");
    assert!(models.delete("gpt-4o", "t").await.unwrap());
    assert!(models.default_model().await.unwrap().is_none());
    assert!(matches!(
        models.update("gpt-4o", &json!([]), &json!({}), "t").await,
        Err(StateError::NotFound { .. })
    ));
}

#[tokio::test]
async fn a_remote_model_and_its_provider_are_written_together_or_not_at_all() {
    use switchboard_state::{NewModel, NewProvider};
    let db = memory_db().await;
    let providers = db.providers(Some(crate::support::keyring(1, 7)));
    let models = db.models();
    let deployments = json!([{"provider": "llama", "model": "llama-3"}]);
    let settings = json!({});
    let new = |name: &'static str| NewModel {
        name,
        deployments: &deployments,
        config: &settings,
        default: true,
    };
    let remote = |name: &'static str| NewProvider {
        name,
        kind: "openai",
        config: json!({"base_url": "https://llm.example.com/v1", "api_key": "sk-remote"}),
    };
    let (model, provider) = models
        .create_with(new("llama"), Some((&providers, remote("llama"))), "admin")
        .await
        .unwrap();
    assert!(model.is_default);
    assert_eq!(provider.unwrap().config["api_key"], "********");
    assert_eq!(
        providers
            .reveal("llama")
            .await
            .unwrap()
            .unwrap()
            .expose_config()["api_key"],
        "sk-remote"
    );
    // A second model of the same name fails, and its provider is not left behind.
    let err = models
        .create_with(new("llama"), Some((&providers, remote("other"))), "admin")
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        StateError::AlreadyExists { kind: "model", .. }
    ));
    assert!(providers.get("other").await.unwrap().is_none());
    // Without a master key the secret is refused, and neither record is written.
    let bare = db.providers(None);
    let err = models
        .create_with(new("second"), Some((&bare, remote("second"))), "admin")
        .await
        .unwrap_err();
    assert!(matches!(err, StateError::NoMasterKey { .. }));
    assert!(models.get("second").await.unwrap().is_none());
    // The default mark moves with a new default, and can be taken off.
    models
        .create_with(new("third"), None, "admin")
        .await
        .unwrap();
    assert_eq!(models.default_model().await.unwrap().unwrap().name, "third");
    models.unset_default("third", "admin").await.unwrap();
    assert!(models.default_model().await.unwrap().is_none());
}
