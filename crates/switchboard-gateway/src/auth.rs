//! Gateway keys: `Authorization: Bearer KEY` or `api-key: KEY`, compared in constant time.

use std::sync::Arc;

use http::HeaderMap;
use subtle::ConstantTimeEq;
use switchboard_core::{GatewayError, Secret};

use crate::limits::LimitSet;

/// A named gateway key (`[[keys]]`): who it is, what it may use, its limits.
#[derive(Debug)]
pub struct KeyEntry {
    /// The key's name (for logs, metrics and errors; never the key itself).
    pub name: Arc<str>,
    /// The id its usage is recorded under: `cfg:NAME` for a `[[keys]]` entry, the `vk_…`
    /// id for a virtual key.
    pub id: Option<String>,
    /// Models it may use; empty means all.
    pub models: Vec<String>,
    /// Its limits, when it has any.
    pub limits: Option<LimitSet>,
}

impl KeyEntry {
    /// Whether this key may ask for `model`.
    pub fn may_use(&self, model: &str) -> bool {
        self.models.is_empty() || self.models.iter().any(|m| m == model)
    }
}

/// The keys a client may present. Empty means the gateway is open.
#[derive(Clone, Default)]
pub struct Keys {
    /// Every key, with its entry when it is a named one.
    keys: Vec<(Secret, Option<Arc<KeyEntry>>)>,
}

impl Keys {
    /// Accepts any of `anonymous` (plain `server.api_keys`) and of `named`; none at all
    /// means everyone is let in.
    pub fn new(anonymous: Vec<Secret>, named: Vec<(Secret, KeyEntry)>) -> Self {
        let mut keys: Vec<_> = anonymous.into_iter().map(|k| (k, None)).collect();
        keys.extend(named.into_iter().map(|(k, e)| (k, Some(Arc::new(e)))));
        Self { keys }
    }

    /// True when no key is configured.
    pub fn is_open(&self) -> bool {
        self.keys.is_empty()
    }

    /// Checks the request's key: the named key's entry, `None` for an anonymous key or an
    /// open gateway, or a 401 saying what is wrong.
    pub fn check(&self, headers: &HeaderMap) -> Result<Option<Arc<KeyEntry>>, GatewayError> {
        if self.is_open() {
            return Ok(None);
        }
        let Some(presented) = presented_key(headers) else {
            return Err(GatewayError::unauthorized(
                "You didn't provide an API key. Send it as `Authorization: Bearer KEY` (or an `api-key` header).",
            ));
        };
        // Compare against every key so the time does not say which one matched.
        let mut matched = None;
        let mut ok = subtle::Choice::from(0);
        for (key, entry) in &self.keys {
            let hit = presented.as_bytes().ct_eq(key.expose().as_bytes());
            if bool::from(hit) {
                matched = Some(entry.clone());
            }
            ok |= hit;
        }
        match matched {
            Some(entry) if bool::from(ok) => Ok(entry),
            _ => Err(GatewayError::unauthorized("Incorrect API key provided.")),
        }
    }
}

/// The key a request presents (`Authorization: Bearer` or `api-key`), if any.
pub(crate) fn presented_key(headers: &HeaderMap) -> Option<&str> {
    if let Some(value) = headers.get(http::header::AUTHORIZATION) {
        let value = value.to_str().ok()?.trim();
        let (scheme, key) = value.split_once(' ')?;
        return scheme.eq_ignore_ascii_case("bearer").then_some(key.trim());
    }
    const API_KEY: http::HeaderName = http::HeaderName::from_static("api-key");
    headers.get(API_KEY)?.to_str().ok().map(str::trim)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(name: &str, value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            value.parse().unwrap(),
        );
        h
    }

    #[test]
    fn bearer_and_api_key_are_accepted() {
        let keys = Keys::new(vec![Secret::new("sk-one"), Secret::new("sk-two")], vec![]);
        assert!(
            keys.check(&headers("authorization", "Bearer sk-two"))
                .is_ok()
        );
        assert!(
            keys.check(&headers("authorization", "bearer sk-one"))
                .is_ok()
        );
        assert!(keys.check(&headers("api-key", "sk-one")).is_ok());
    }

    #[test]
    fn wrong_missing_or_malformed_keys_are_401() {
        let keys = Keys::new(vec![Secret::new("sk-one")], vec![]);
        for h in [
            HeaderMap::new(),
            headers("authorization", "Bearer sk-on"),
            headers("authorization", "Basic c2stb25l"),
            headers("authorization", "sk-one"),
            headers("api-key", "nope"),
        ] {
            let err = keys.check(&h).unwrap_err();
            assert_eq!(err.status().as_u16(), 401);
            assert!(!err.message().contains("sk-one"));
        }
    }

    #[test]
    fn a_named_key_is_recognised() {
        let entry = KeyEntry {
            name: "team-a".into(),
            id: None,
            models: vec!["gpt-4o".into()],
            limits: None,
        };
        let keys = Keys::new(
            vec![Secret::new("sk-one")],
            vec![(Secret::new("sk-a"), entry)],
        );
        let found = keys.check(&headers("api-key", "sk-a")).unwrap().unwrap();
        assert_eq!(&*found.name, "team-a");
        assert!(found.may_use("gpt-4o") && !found.may_use("gpt-4.1"));
        assert!(keys.check(&headers("api-key", "sk-one")).unwrap().is_none());
    }

    #[test]
    fn no_keys_means_open() {
        assert!(Keys::default().check(&HeaderMap::new()).is_ok());
    }
}
