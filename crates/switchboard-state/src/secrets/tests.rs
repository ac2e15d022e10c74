use serde_json::json;

use super::*;

fn fields() -> Vec<String> {
    DEFAULT_SECRET_FIELDS
        .iter()
        .map(|s| s.to_string())
        .collect()
}

fn ring() -> Keyring {
    Keyring::new(MasterKey::from_bytes(1, [4; 32]).unwrap())
}

#[test]
fn seals_every_secret_string_and_leaves_the_rest() {
    let config = json!({
        "api_key": "sk-1",
        "base_url": "https://api.example",
        "headers": {"x-api-key": "hk", "x-trace": "env:TRACE"},
        "nested": [{"bearer_token": "bt"}],
        "session_token": "",
    });
    let sealed = seal_config(config, &fields(), Some(&ring()), None).unwrap();
    let text = sealed.to_string();
    for clear in ["sk-1", "\"hk\"", "\"bt\""] {
        assert!(!text.contains(clear), "{clear} in {text}");
    }
    assert!(is_sealed(sealed["api_key"].as_str().unwrap()));
    assert!(is_sealed(sealed["headers"]["x-api-key"].as_str().unwrap()));
    assert!(is_sealed(
        sealed["nested"][0]["bearer_token"].as_str().unwrap()
    ));
    assert_eq!(sealed["headers"]["x-trace"], "env:TRACE");
    assert_eq!(sealed["base_url"], "https://api.example");
    assert_eq!(sealed["session_token"], "");

    let shown = redact_config(&sealed, &fields());
    assert_eq!(shown["api_key"], REDACTED);
    assert_eq!(shown["headers"]["x-api-key"], REDACTED);
    assert_eq!(shown["headers"]["x-trace"], "env:TRACE");

    let revealed = reveal_config(&sealed, &fields(), Some(&ring())).unwrap();
    assert_eq!(revealed["api_key"], "sk-1");
    assert_eq!(revealed["headers"]["x-api-key"], "hk");
    assert_eq!(revealed["nested"][0]["bearer_token"], "bt");
}

#[test]
fn without_a_master_key_a_secret_is_refused_with_its_path() {
    let err = seal_config(json!({"headers": {"a/b": "x"}}), &fields(), None, None).unwrap_err();
    match &err {
        StateError::NoMasterKey { field } => assert_eq!(field, "/headers/a~1b"),
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("SWITCHBOARD_MASTER_KEY"), "{err}");
    // References and empty values need no key.
    let ok = seal_config(
        json!({"api_key": "env:K", "bearer_token": ""}),
        &fields(),
        None,
        None,
    );
    assert!(ok.is_ok());
}

#[test]
fn an_empty_or_redacted_secret_keeps_the_stored_one() {
    let stored = seal_config(json!({"api_key": "old"}), &fields(), Some(&ring()), None).unwrap();
    for given in ["", REDACTED] {
        let updated = seal_config(
            json!({"api_key": given}),
            &fields(),
            Some(&ring()),
            Some(&stored),
        )
        .unwrap();
        assert_eq!(updated["api_key"], stored["api_key"], "{given:?}");
    }
    let replaced = seal_config(
        json!({"api_key": "new"}),
        &fields(),
        Some(&ring()),
        Some(&stored),
    )
    .unwrap();
    let revealed = reveal_config(&replaced, &fields(), Some(&ring())).unwrap();
    assert_eq!(revealed["api_key"], "new");
    // The display form with nothing stored is a mistake, not a secret.
    assert!(seal_config(json!({"api_key": REDACTED}), &fields(), Some(&ring()), None).is_err());
}

#[test]
fn reseal_moves_every_secret_to_the_new_key() {
    let old = ring();
    let new = MasterKey::from_bytes(2, [9; 32]).unwrap();
    let mut config = seal_config(
        json!({"api_key": "a", "headers": {"h": "b"}}),
        &fields(),
        Some(&old),
        None,
    )
    .unwrap();
    assert_eq!(
        reseal_config(&mut config, &fields(), &old, &new).unwrap(),
        2
    );
    assert!(config["api_key"].as_str().unwrap().starts_with("v1:2:"));
    let revealed = reveal_config(&config, &fields(), Some(&Keyring::new(new))).unwrap();
    assert_eq!(revealed["headers"]["h"], "b");
    assert!(reveal_config(&config, &fields(), Some(&old)).is_err());
}
