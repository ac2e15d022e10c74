use super::*;

fn key(version: u32, byte: u8) -> MasterKey {
    MasterKey::from_bytes(version, [byte; KEY_LEN]).unwrap()
}

#[test]
fn seal_then_open_round_trips() {
    let k = key(3, 7);
    let sealed = k.seal("sk-live-abc").unwrap();
    assert!(sealed.starts_with("v1:3:"), "{sealed}");
    assert!(!sealed.contains("sk-live-abc"));
    assert_eq!(k.open(&sealed).unwrap().expose(), "sk-live-abc");
    // A fresh nonce each time.
    assert_ne!(sealed, k.seal("sk-live-abc").unwrap());
    assert!(is_sealed(&sealed));
    assert!(!is_sealed("sk-live-abc"));
}

#[test]
fn the_wrong_key_is_an_error_not_a_panic() {
    let sealed = key(1, 1).seal("secret").unwrap();
    assert_eq!(key(1, 2).open(&sealed).unwrap_err(), CryptoError::Decrypt);
    assert_eq!(
        key(2, 1).open(&sealed).unwrap_err(),
        CryptoError::UnknownKeyVersion(1)
    );
}

#[test]
fn altered_text_fails_authentication() {
    let k = key(1, 9);
    let sealed = k.seal("secret").unwrap();
    // Flip one byte of the ciphertext.
    let (header, body) = sealed.rsplit_once(':').unwrap();
    let mut bytes = STANDARD.decode(body).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    let tampered = format!("{header}:{}", STANDARD.encode(&bytes));
    assert_eq!(k.open(&tampered).unwrap_err(), CryptoError::Decrypt);
    // The header is authenticated too: a value relabelled with another version fails.
    let relabelled = sealed.replacen("v1:1:", "v1:2:", 1);
    let ring = Keyring::new(key(1, 9)).with_old(key(2, 9));
    assert_eq!(ring.open(&relabelled).unwrap_err(), CryptoError::Decrypt);
}

#[test]
fn malformed_text_is_reported() {
    let k = key(1, 1);
    for bad in ["", "v1", "v2:1:AAAA", "v1:x:AAAA", "v1:1:***", "v1:1:AAAA"] {
        assert!(
            matches!(k.open(bad), Err(CryptoError::Malformed(_))),
            "{bad:?}"
        );
    }
}

#[test]
fn keyring_opens_old_versions_and_seals_with_the_current() {
    let old = key(1, 1);
    let sealed_old = old.seal("a").unwrap();
    let ring = Keyring::new(key(2, 2)).with_old(old);
    assert_eq!(ring.open(&sealed_old).unwrap().expose(), "a");
    assert!(ring.seal("b").unwrap().starts_with("v1:2:"));
    assert_eq!(ring.versions(), vec![2, 1]);
}

#[test]
fn key_text_parses_with_and_without_a_version() {
    let b64 = STANDARD.encode([5u8; 32]);
    assert_eq!(MasterKey::parse(&b64).unwrap().version(), 1);
    assert_eq!(
        MasterKey::parse(&format!(" 4:{b64}\n")).unwrap().version(),
        4
    );
    let err = MasterKey::parse(&STANDARD.encode([5u8; 16])).unwrap_err();
    assert!(err.to_string().contains("16 bytes"), "{err}");
    assert!(MasterKey::parse("not base64!").is_err());
    assert!(MasterKey::parse(&format!("x:{b64}")).is_err());
    // Errors never echo the key text.
    let err = MasterKey::parse("c2VjcmV0LWtleQ==")
        .unwrap_err()
        .to_string();
    assert!(!err.contains("c2VjcmV0"), "{err}");
}

#[test]
fn export_round_trips_and_does_not_print() {
    let k = MasterKey::generate(7).unwrap();
    let text = k.export();
    assert_eq!(format!("{text:?}"), "********");
    let back = MasterKey::parse(text.expose()).unwrap();
    assert_eq!(back.version(), 7);
    assert_eq!(back.open(&k.seal("x").unwrap()).unwrap().expose(), "x");
}

#[test]
fn debug_shows_the_version_only() {
    let k = key(1, 0xAB);
    let debug = format!("{k:?} {:?}", Keyring::new(k.clone()));
    assert!(debug.contains("version: 1"), "{debug}");
    assert!(!debug.to_lowercase().contains("ab, ab"), "{debug}");
    assert!(!debug.contains(&STANDARD.encode([0xABu8; 32])), "{debug}");
}

#[test]
fn key_files_hold_text_or_raw_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("raw.key");
    std::fs::write(&raw, [3u8; 32]).unwrap();
    assert_eq!(MasterKey::from_file(&raw).unwrap().version(), 1);
    let text = dir.path().join("text.key");
    std::fs::write(&text, format!("2:{}\n", STANDARD.encode([3u8; 32]))).unwrap();
    let k = MasterKey::from_file(&text).unwrap();
    assert_eq!(k.version(), 2);
    let missing = MasterKey::from_file(&dir.path().join("nope")).unwrap_err();
    assert!(matches!(missing, CryptoError::KeyFile { .. }), "{missing}");
}

#[test]
fn an_unset_env_var_is_no_key() {
    assert!(
        MasterKey::from_env_var("SWITCHBOARD_TEST_SURELY_UNSET_MASTER_KEY_42")
            .unwrap()
            .is_none()
    );
}
