//! The label sets of each family, as small structs.
//!
//! Building one costs the two `String`s of [`Target`] and nothing else: the other values
//! are `&'static str`, integers or booleans. [`Metrics::request`](super::Metrics::request)
//! builds one `Target` and moves it from label set to label set.

use prometheus_client::encoding::EncodeLabelSet;

/// `{model, provider}`: which configured model and provider a series is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub(super) struct Target {
    pub(super) model: String,
    pub(super) provider: String,
}

impl Target {
    pub(super) fn new(model: &str, provider: &str) -> Self {
        Self {
            model: model.to_owned(),
            provider: provider.to_owned(),
        }
    }
}

/// `switchboard_requests_total`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub(super) struct RequestLabels {
    #[prometheus(flatten)]
    pub(super) target: Target,
    pub(super) endpoint: &'static str,
    pub(super) status: u16,
    pub(super) error_class: &'static str,
    pub(super) stream: bool,
}

/// `switchboard_request_duration_seconds`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub(super) struct DurationLabels {
    #[prometheus(flatten)]
    pub(super) target: Target,
    pub(super) endpoint: &'static str,
    pub(super) stream: bool,
}

/// `switchboard_overhead_seconds`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub(super) struct EndpointLabels {
    pub(super) endpoint: &'static str,
}

/// `switchboard_tokens_total`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub(super) struct TokenLabels {
    #[prometheus(flatten)]
    pub(super) target: Target,
    /// `input`, `output` or `cached_input`.
    pub(super) direction: &'static str,
    pub(super) estimated: bool,
}

/// `switchboard_retries_total`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub(super) struct RetryLabels {
    #[prometheus(flatten)]
    pub(super) target: Target,
    pub(super) error_class: &'static str,
}

/// `switchboard_fallbacks_total`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub(super) struct FallbackLabels {
    pub(super) from_model: String,
    pub(super) to_model: String,
}

/// `switchboard_breaker_state`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub(super) struct DeploymentLabels {
    pub(super) provider: String,
    pub(super) deployment: String,
}

/// `switchboard_limit_hits_total`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub(super) struct LimitLabels {
    pub(super) limit: &'static str,
    pub(super) scope: &'static str,
}
