//! The adapters this binary links, one per Cargo feature.
//!
//! Naming each crate keeps the linker from dropping it (and its `inventory` registration
//! with it). The test below fails when a feature is on but its adapter is not registered.

#[cfg(feature = "adapter-anthropic")]
use switchboard_anthropic as _;
#[cfg(feature = "adapter-azure")]
use switchboard_azure as _;
#[cfg(feature = "adapter-bedrock")]
use switchboard_bedrock as _;
#[cfg(feature = "adapter-deepseek")]
use switchboard_deepseek as _;
#[cfg(feature = "adapter-mock")]
use switchboard_mock as _;
#[cfg(feature = "adapter-ollama")]
use switchboard_ollama as _;
#[cfg(feature = "adapter-openai")]
use switchboard_openai as _;
#[cfg(feature = "adapter-qwen")]
use switchboard_qwen as _;

#[cfg(test)]
mod tests {
    /// The adapter kinds each enabled feature must register.
    const EXPECTED: &[(&str, bool)] = &[
        ("anthropic", cfg!(feature = "adapter-anthropic")),
        ("azure_openai", cfg!(feature = "adapter-azure")),
        ("bedrock", cfg!(feature = "adapter-bedrock")),
        ("deepseek", cfg!(feature = "adapter-deepseek")),
        ("mock", cfg!(feature = "adapter-mock")),
        ("ollama", cfg!(feature = "adapter-ollama")),
        ("openai", cfg!(feature = "adapter-openai")),
        ("qwen", cfg!(feature = "adapter-qwen")),
    ];

    #[test]
    fn registry_matches_the_enabled_features() {
        let registry = switchboard_core::Registry::linked().unwrap();
        let linked: Vec<&str> = registry.kinds().collect();
        for (kind, enabled) in EXPECTED {
            assert_eq!(
                linked.contains(kind),
                *enabled,
                "adapter `{kind}`: feature on = {enabled}, registered = {}",
                !enabled
            );
        }
        for kind in &linked {
            assert!(
                EXPECTED.iter().any(|(k, _)| k == kind),
                "`{kind}` is registered but no feature of this binary names it"
            );
        }
    }
}
