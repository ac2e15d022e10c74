//! The reasoning token: how a stateless client (Codex sends `store: false` with
//! `include: ["reasoning.encrypted_content"]`) carries reasoning from one turn to the next.
//!
//! A reasoning item's text is sealed with ChaCha20-Poly1305 under the gateway's key into
//! `swb1.<base64url(nonce ‖ ciphertext ‖ tag)>`, which the client replays verbatim. On the
//! way in, a token that opens becomes the item's `reasoning_text` again (so providers that
//! need their reasoning back, such as DeepSeek in a tool loop, get it); one that does not
//! (another gateway's, OpenAI's own) is ignored and never forwarded.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::digest::{SHA256, digest};
use ring::rand::{SecureRandom, SystemRandom};
use switchboard_core::Secret;
use switchboard_core::responses::{Input, InputItem, ReasoningPart};

/// The token's prefix, which is also its version and the AEAD's associated data.
const PREFIX: &str = "swb1.";

/// Seals and opens reasoning tokens with one key.
pub(crate) struct ReasoningSeal {
    key: LessSafeKey,
    rng: SystemRandom,
}

impl ReasoningSeal {
    /// A seal keyed by SHA-256 of `secret`, or by a random key when there is none (tokens
    /// then open only in this process: set `responses.reasoning_key` to share them across
    /// restarts and instances).
    pub fn new(secret: Option<&Secret>) -> Result<Self, String> {
        let rng = SystemRandom::new();
        let mut key = [0u8; 32];
        match secret {
            Some(secret) => {
                key.copy_from_slice(digest(&SHA256, secret.expose().as_bytes()).as_ref())
            }
            None => rng
                .fill(&mut key)
                .map_err(|_| "no random source for the reasoning key".to_owned())?,
        }
        let key = UnboundKey::new(&CHACHA20_POLY1305, &key)
            .map_err(|_| "could not build the reasoning key".to_owned())?;
        Ok(Self {
            key: LessSafeKey::new(key),
            rng,
        })
    }

    /// The token for `text`; `None` only if the random source fails.
    pub fn seal(&self, text: &str) -> Option<String> {
        let mut nonce = [0u8; NONCE_LEN];
        self.rng.fill(&mut nonce).ok()?;
        let mut sealed = text.as_bytes().to_vec();
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(PREFIX.as_bytes()),
                &mut sealed,
            )
            .ok()?;
        let mut raw = Vec::with_capacity(NONCE_LEN + sealed.len());
        raw.extend_from_slice(&nonce);
        raw.extend_from_slice(&sealed);
        Some(format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(raw)))
    }

    /// The text inside one of our tokens; `None` for anything else.
    pub fn open(&self, token: &str) -> Option<String> {
        let raw = URL_SAFE_NO_PAD.decode(token.strip_prefix(PREFIX)?).ok()?;
        if raw.len() < NONCE_LEN {
            return None;
        }
        let (nonce, sealed) = raw.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
        let mut sealed = sealed.to_vec();
        let text = self
            .key
            .open_in_place(nonce, Aad::from(PREFIX.as_bytes()), &mut sealed)
            .ok()?;
        String::from_utf8(text.to_vec()).ok()
    }

    /// Opens the tokens of the reasoning items in `input`: each one that opens becomes
    /// the item's `reasoning_text` (when it has none of its own); every token is removed.
    pub fn open_input(&self, input: &mut Input) {
        let Input::Items(items) = input else {
            return;
        };
        for item in items {
            let InputItem::Reasoning(reasoning) = item else {
                continue;
            };
            let Some(token) = reasoning.encrypted_content.take() else {
                continue;
            };
            let has_text = reasoning
                .content
                .as_ref()
                .is_some_and(|parts| parts.iter().any(|p| !p.text.is_empty()));
            if has_text {
                continue;
            }
            if let Some(text) = self.open(&token) {
                reasoning.content = Some(vec![ReasoningPart {
                    r#type: "reasoning_text".to_owned(),
                    text,
                    extra: serde_json::Map::new(),
                }]);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_token_opens_with_its_key_only() {
        let seal = ReasoningSeal::new(Some(&Secret::new("k1"))).unwrap();
        let token = seal.seal("think: 2+2=4 ✓").unwrap();
        assert!(token.starts_with("swb1."));
        assert!(!token.contains("2+2"));
        assert_eq!(seal.open(&token).as_deref(), Some("think: 2+2=4 ✓"));
        // The same key from config opens it in another process; another key does not.
        let same = ReasoningSeal::new(Some(&Secret::new("k1"))).unwrap();
        assert_eq!(same.open(&token).as_deref(), Some("think: 2+2=4 ✓"));
        let other = ReasoningSeal::new(Some(&Secret::new("k2"))).unwrap();
        assert_eq!(other.open(&token), None);
        // Two seals of one text differ (random nonce).
        assert_ne!(seal.seal("x"), seal.seal("x"));
    }

    #[test]
    fn tampered_and_foreign_tokens_do_not_open() {
        let seal = ReasoningSeal::new(None).unwrap();
        let token = seal.seal("secret thoughts").unwrap();
        let mut bytes = token.into_bytes();
        let last = bytes.len() - 1;
        bytes[last] = if bytes[last] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(bytes).unwrap();
        assert_eq!(seal.open(&tampered), None);
        for foreign in ["gAAAAABo-openai-blob", "swb1.", "swb1.!!!", "", "swb1.AAAA"] {
            assert_eq!(seal.open(foreign), None, "{foreign}");
        }
    }

    #[test]
    fn input_tokens_become_reasoning_text_and_are_removed() {
        let seal = ReasoningSeal::new(None).unwrap();
        let ours = seal.seal("need the weather").unwrap();
        let mut input: Input = serde_json::from_value(json!([
            {"type":"reasoning","id":"rs_1","summary":[],"content":null,"encrypted_content": ours},
            {"type":"reasoning","id":"rs_2","summary":[{"type":"summary_text","text":"s"}],"encrypted_content":"gAAAA-foreign"},
        ]))
        .unwrap();
        seal.open_input(&mut input);
        let json = serde_json::to_value(&input).unwrap();
        assert_eq!(json[0]["content"][0]["text"], "need the weather");
        assert!(json[0].get("encrypted_content").is_none_or(|v| v.is_null()));
        assert!(json[1].get("encrypted_content").is_none_or(|v| v.is_null()));
        assert!(json[1]["content"].is_null());
    }
}
