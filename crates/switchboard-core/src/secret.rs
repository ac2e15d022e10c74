//! [`Secret`]: a credential that never prints.
//!
//! Config files reference secrets rather than holding them: `"env:OPENAI_API_KEY"` reads
//! the named environment variable when the config is loaded. A plain string is taken
//! literally (and the gateway warns about it at start). `Debug`, `Display` and `Serialize`
//! all print `********`, so a secret cannot reach a log line, an error or an admin read by
//! accident; [`Secret::expose`] is the one door to the value, used where it goes on the wire.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// What every secret prints as.
pub const REDACTED: &str = "********";

/// A credential. Compare with [`Secret::expose`] only where it must be used.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret {
    value: String,
    from_env: Option<String>,
}

/// Why a secret reference could not be resolved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    /// `env:NAME` named a variable that is unset or empty.
    #[error("environment variable `{0}` is not set (or is empty)")]
    MissingEnv(String),
    /// `env:` with no name after it.
    #[error("`env:` must be followed by a variable name")]
    EmptyEnvName,
}

impl Secret {
    /// A secret holding `value` literally.
    pub fn new(value: impl Into<String>) -> Self {
        Self {
            value: value.into(),
            from_env: None,
        }
    }

    /// Resolves a reference: `env:NAME` reads the variable, anything else is the value itself.
    pub fn resolve(reference: &str) -> Result<Self, SecretError> {
        match reference.strip_prefix("env:") {
            Some("") => Err(SecretError::EmptyEnvName),
            Some(name) => match std::env::var(name) {
                Ok(value) if !value.is_empty() => Ok(Self {
                    value,
                    from_env: Some(name.to_owned()),
                }),
                _ => Err(SecretError::MissingEnv(name.to_owned())),
            },
            None => Ok(Self::new(reference)),
        }
    }

    /// The secret's value, for the one place it is sent (a header to an upstream).
    pub fn expose(&self) -> &str {
        &self.value
    }

    /// True when the value was written literally in the config rather than referenced.
    pub fn is_literal(&self) -> bool {
        self.from_env.is_none()
    }

    /// The environment variable the value came from, if any (safe to print).
    pub fn env_name(&self) -> Option<&str> {
        self.from_env.as_deref()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(REDACTED)
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let reference = String::deserialize(deserializer)?;
        Secret::resolve(&reference).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_prints_its_value() {
        let s = Secret::new("sk-canary-123");
        assert_eq!(format!("{s}"), REDACTED);
        assert_eq!(format!("{s:?}"), REDACTED);
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"********\"");
        assert_eq!(s.expose(), "sk-canary-123");
        assert!(s.is_literal());
    }

    #[test]
    fn env_reference_reads_the_variable() {
        // PATH is set in every test environment; no env var is mutated here.
        let s = Secret::resolve("env:PATH").unwrap();
        assert_eq!(s.expose(), std::env::var("PATH").unwrap());
        assert_eq!(s.env_name(), Some("PATH"));
    }

    #[test]
    fn a_missing_variable_is_an_error_naming_it() {
        let err = Secret::resolve("env:SWITCHBOARD_TEST_SURELY_UNSET_42").unwrap_err();
        assert!(err.to_string().contains("SWITCHBOARD_TEST_SURELY_UNSET_42"));
        assert_eq!(Secret::resolve("env:"), Err(SecretError::EmptyEnvName));
    }
}
