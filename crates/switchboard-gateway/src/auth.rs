//! Gateway keys: `Authorization: Bearer KEY` or `api-key: KEY`, compared in constant time.

use http::HeaderMap;
use subtle::ConstantTimeEq;
use switchboard_core::{GatewayError, Secret};

/// The keys a client may present. Empty means the gateway is open.
#[derive(Clone, Default)]
pub struct Keys {
    keys: Vec<Secret>,
}

impl Keys {
    /// Accepts any of `keys`; none means everyone is let in.
    pub fn new(keys: Vec<Secret>) -> Self {
        Self { keys }
    }

    /// True when no key is configured.
    pub fn is_open(&self) -> bool {
        self.keys.is_empty()
    }

    /// Checks the request's key; a 401 saying what is wrong otherwise.
    pub fn check(&self, headers: &HeaderMap) -> Result<(), GatewayError> {
        if self.is_open() {
            return Ok(());
        }
        let Some(presented) = presented_key(headers) else {
            return Err(GatewayError::unauthorized(
                "You didn't provide an API key. Send it as `Authorization: Bearer KEY` (or an `api-key` header).",
            ));
        };
        // Compare against every key so the time does not say which one matched.
        let mut ok = subtle::Choice::from(0);
        for key in &self.keys {
            ok |= presented.as_bytes().ct_eq(key.expose().as_bytes());
        }
        if bool::from(ok) {
            Ok(())
        } else {
            Err(GatewayError::unauthorized("Incorrect API key provided."))
        }
    }
}

fn presented_key(headers: &HeaderMap) -> Option<&str> {
    if let Some(value) = headers.get(http::header::AUTHORIZATION) {
        let value = value.to_str().ok()?.trim();
        let (scheme, key) = value.split_once(' ')?;
        return scheme.eq_ignore_ascii_case("bearer").then_some(key.trim());
    }
    headers.get("api-key")?.to_str().ok().map(str::trim)
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
        let keys = Keys::new(vec![Secret::new("sk-one"), Secret::new("sk-two")]);
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
        let keys = Keys::new(vec![Secret::new("sk-one")]);
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
    fn no_keys_means_open() {
        assert!(Keys::default().check(&HeaderMap::new()).is_ok());
    }
}
