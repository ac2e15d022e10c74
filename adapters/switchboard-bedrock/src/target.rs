//! Where requests go: the endpoint, its `host`, and the region they are signed for; known
//! when the adapter is built, or (with the AWS credential chain and no region configured)
//! learnt from the AWS profile or instance metadata on the first request.

#[cfg(feature = "aws-chain")]
use std::sync::Arc;

use switchboard_core::{BuildError, GatewayError};

use crate::auth::Auth;
#[cfg(feature = "aws-chain")]
use crate::chain::AwsChain;
use crate::config::{BedrockConfig, Env};

/// The region requests are signed for and the endpoint they go to.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    /// The endpoint root, without a trailing `/`.
    pub(crate) endpoint: String,
    /// The `host` header (the endpoint's authority).
    pub(crate) host: String,
    /// The signing region.
    pub(crate) region: String,
}

impl Target {
    /// The target for `region`: the configured `endpoint`, else the region's
    /// `https://bedrock-runtime.{region}.amazonaws.com`.
    pub(crate) fn new(endpoint: Option<&str>, region: String) -> Result<Self, String> {
        let endpoint = match endpoint {
            Some(e) => e.trim_end_matches('/').to_owned(),
            None => {
                // The region becomes part of the host name: only a region's characters may
                // pass (`evil.example/` must not make `bedrock-runtime.evil.example/...`).
                let valid = !region.is_empty()
                    && region.len() <= 32
                    && region
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
                if !valid {
                    return Err(format!(
                        "`region` {region:?} is not an AWS region name (such as `us-east-1`)"
                    ));
                }
                format!("https://bedrock-runtime.{region}.amazonaws.com")
            }
        };
        let uri: http::Uri = endpoint
            .parse()
            .map_err(|e| format!("`endpoint` is not a URL: {e}"))?;
        let host = uri
            .authority()
            .map(|a| a.as_str().to_owned())
            .ok_or_else(|| "`endpoint` needs a host".to_owned())?;
        Ok(Self {
            endpoint,
            host,
            region,
        })
    }

    /// The URL of operation `op` (`converse`, `invoke-with-response-stream`, ...) for
    /// `model`, the id percent-encoded as one path segment (`:` → `%3A`, `/` → `%2F`).
    pub(crate) fn url(&self, model: &str, op: &str) -> String {
        format!("{}/model/{}/{op}", self.endpoint, encode_segment(model))
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
fn encode_segment(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The target, or how to learn it.
#[derive(Debug)]
pub(crate) enum Site {
    /// Known when the adapter was built.
    Known(Target),
    /// The region comes from the AWS profile (or instance metadata) on the first request.
    #[cfg(feature = "aws-chain")]
    FromChain {
        /// The configured endpoint, if any.
        endpoint: Option<String>,
        /// Where the region comes from.
        chain: Arc<AwsChain>,
        /// The target once learnt.
        target: tokio::sync::OnceCell<Target>,
    },
}

/// Why there is no region.
const NO_REGION: &str = "no region: set `region` (or env AWS_REGION)";

impl Site {
    /// The region from the config, `AWS_REGION`, `AWS_DEFAULT_REGION`; with the AWS chain,
    /// the profile's (or the instance's) on the first request; else `us-east-1` when an
    /// `endpoint` is set. No region at all is a config error.
    pub(crate) fn new(
        config: &BedrockConfig,
        env: Env<'_>,
        auth: &Auth,
    ) -> Result<Self, BuildError> {
        let region = config.configured_region(env);
        #[cfg(feature = "aws-chain")]
        if let (None, Auth::Chain(chain)) = (&region, auth) {
            if let Some(endpoint) = &config.endpoint {
                Target::new(Some(endpoint), String::new()).map_err(BuildError::Config)?;
            }
            return Ok(Self::FromChain {
                endpoint: config.endpoint.clone(),
                chain: chain.clone(),
                target: tokio::sync::OnceCell::new(),
            });
        }
        #[cfg(not(feature = "aws-chain"))]
        let _ = auth;
        let region = region
            .or_else(|| config.fallback_region())
            .ok_or_else(|| BuildError::Config(NO_REGION.into()))?;
        Target::new(config.endpoint.as_deref(), region)
            .map(Self::Known)
            .map_err(BuildError::Config)
    }

    /// The target, learning it first if need be (a failure is retried on the next call).
    pub(crate) async fn target(&self) -> Result<&Target, GatewayError> {
        match self {
            Self::Known(target) => Ok(target),
            #[cfg(feature = "aws-chain")]
            Self::FromChain {
                endpoint,
                chain,
                target,
            } => {
                target
                    .get_or_try_init(|| async {
                        let region = match chain.region().await {
                            Some(region) => region,
                            None => endpoint
                                .as_ref()
                                .map(|_| "us-east-1".to_owned())
                                .ok_or_else(|| {
                                    GatewayError::internal(format!(
                                        "{NO_REGION}, or `region` in the AWS profile"
                                    ))
                                    .with_code("no_upstream_region")
                                })?,
                        };
                        Target::new(endpoint.as_deref(), region).map_err(GatewayError::internal)
                    })
                    .await
            }
        }
    }

    /// The target if it is known without asking anything.
    pub(crate) fn known(&self) -> Option<&Target> {
        match self {
            Self::Known(target) => Some(target),
            #[cfg(feature = "aws-chain")]
            Self::FromChain { target, .. } => target.get(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_region_is_a_region_name_and_nothing_else() {
        let ok = Target::new(None, "eu-west-3".into()).unwrap();
        assert_eq!(ok.host, "bedrock-runtime.eu-west-3.amazonaws.com");
        for bad in [
            "",
            "evil.example/",
            "us-east-1.evil",
            "US-EAST-1",
            "a b",
            "x@y",
        ] {
            let err = Target::new(None, bad.into()).unwrap_err();
            assert!(err.contains("not an AWS region name"), "{bad}: {err}");
        }
    }
}
