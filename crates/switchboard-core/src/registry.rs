//! The adapter registry: each adapter crate submits an [`AdapterFactory`] with
//! `inventory::submit!`, and the gateway looks kinds up here when it builds providers.
//!
//! Linking trap: a crate the binary depends on but never names is dropped by the linker,
//! and its registration with it. Binaries name every adapter they enable
//! (`use switchboard_openai as _;`) and test that [`Registry::kinds`] matches their features.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::de::DeserializeOwned;

use crate::{Adapter, HttpTransport};

/// How to build one adapter kind. Submitted by adapter crates with `inventory::submit!`.
pub struct AdapterFactory {
    /// The kind name used in config (`kind = "openai"`).
    pub kind: &'static str,
    /// One line on what the kind talks to, for `switchboard adapters`.
    pub description: &'static str,
    /// Builds an adapter from its provider config section.
    pub build: fn(BuildContext<'_>) -> Result<Arc<dyn Adapter>, BuildError>,
}

inventory::collect!(AdapterFactory);

/// Everything a factory gets to build one provider.
pub struct BuildContext<'a> {
    /// The provider's configured name (`[providers.NAME]`).
    pub name: &'a str,
    /// The provider's section minus the keys the gateway owns (`kind`, timeouts).
    pub config: &'a serde_json::Value,
    /// The shared upstream client.
    pub transport: Arc<dyn HttpTransport>,
}

impl BuildContext<'_> {
    /// Deserialises the adapter's own config type from the section.
    pub fn parse_config<T: DeserializeOwned>(&self) -> Result<T, BuildError> {
        T::deserialize(self.config).map_err(|e| BuildError::Config(e.to_string()))
    }
}

/// Why a factory could not build its adapter.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BuildError {
    /// The section is invalid; the message names the key.
    #[error("{0}")]
    Config(String),
}

/// Why a kind could not be found, or the registry is inconsistent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistryError {
    /// A kind we know of whose crate is not linked into this binary.
    #[error(
        "adapter kind `{kind}` is not linked into this binary; rebuild with `--features {feature}`"
    )]
    NotLinked {
        /// The kind asked for.
        kind: String,
        /// The binary's Cargo feature that links it.
        feature: &'static str,
    },
    /// A kind nobody has heard of.
    #[error("unknown adapter kind `{kind}`; linked kinds: {linked}")]
    Unknown {
        /// The kind asked for.
        kind: String,
        /// The kinds this binary has, comma-separated.
        linked: String,
    },
    /// Two crates registered the same kind.
    #[error("adapter kind `{0}` is registered twice")]
    Duplicate(&'static str),
}

/// Every adapter kind switchboard ships, with the `switchboard` binary's feature that
/// links it. A kind is listed here only once its crate exists.
pub const KNOWN_KINDS: &[(&str, &str)] = &[
    ("openai", "adapter-openai"),
    ("azure_openai", "adapter-azure"),
    ("ollama", "adapter-ollama"),
    ("anthropic", "adapter-anthropic"),
    ("bedrock", "adapter-bedrock"),
    ("deepseek", "adapter-deepseek"),
    ("qwen", "adapter-qwen"),
    ("mock", "adapter-mock"),
];

/// The adapters linked into this process, by kind.
#[derive(Clone)]
pub struct Registry {
    by_kind: BTreeMap<&'static str, &'static AdapterFactory>,
}

impl Registry {
    /// The registry of everything `inventory` collected; refuses duplicate kinds.
    pub fn linked() -> Result<Self, RegistryError> {
        Self::from_factories(inventory::iter::<AdapterFactory>)
    }

    /// A registry of the given factories; refuses duplicate kinds.
    pub fn from_factories(
        factories: impl IntoIterator<Item = &'static AdapterFactory>,
    ) -> Result<Self, RegistryError> {
        let mut by_kind = BTreeMap::new();
        for factory in factories {
            if by_kind.insert(factory.kind, factory).is_some() {
                return Err(RegistryError::Duplicate(factory.kind));
            }
        }
        Ok(Self { by_kind })
    }

    /// The factory for `kind`, or an error that says how to get it.
    pub fn get(&self, kind: &str) -> Result<&'static AdapterFactory, RegistryError> {
        if let Some(factory) = self.by_kind.get(kind) {
            return Ok(factory);
        }
        match KNOWN_KINDS.iter().find(|(known, _)| *known == kind) {
            Some((_, feature)) => Err(RegistryError::NotLinked {
                kind: kind.to_owned(),
                feature,
            }),
            None => Err(RegistryError::Unknown {
                kind: kind.to_owned(),
                linked: self.kinds().collect::<Vec<_>>().join(", "),
            }),
        }
    }

    /// The linked kinds, sorted.
    pub fn kinds(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.by_kind.keys().copied()
    }

    /// The linked factories, sorted by kind.
    pub fn factories(&self) -> impl Iterator<Item = &'static AdapterFactory> + '_ {
        self.by_kind.values().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn never(_: BuildContext<'_>) -> Result<Arc<dyn Adapter>, BuildError> {
        Err(BuildError::Config("test factory".into()))
    }

    static A: AdapterFactory = AdapterFactory {
        kind: "openai",
        description: "a",
        build: never,
    };
    static B: AdapterFactory = AdapterFactory {
        kind: "openai",
        description: "b",
        build: never,
    };

    #[test]
    fn duplicates_are_refused() {
        let err = Registry::from_factories([&A, &B]).err().unwrap();
        assert_eq!(err, RegistryError::Duplicate("openai"));
    }

    #[test]
    fn a_known_but_unlinked_kind_names_its_feature() {
        let reg = Registry::from_factories([&A]).unwrap();
        let err = reg.get("mock").err().unwrap();
        assert_eq!(
            err.to_string(),
            "adapter kind `mock` is not linked into this binary; rebuild with `--features adapter-mock`"
        );
    }

    #[test]
    fn an_unknown_kind_lists_the_linked_ones() {
        let reg = Registry::from_factories([&A]).unwrap();
        let err = reg.get("nope").err().unwrap();
        assert_eq!(
            err.to_string(),
            "unknown adapter kind `nope`; linked kinds: openai"
        );
        assert!(reg.get("openai").is_ok());
    }
}
