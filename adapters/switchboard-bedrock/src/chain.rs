//! The full AWS credential chain through `aws-config` (crate feature `aws-chain`): the
//! environment, the shared config and credentials files (the `profile` setting, else
//! `AWS_PROFILE`; static keys, `credential_process`, SSO, `role_arn` with a source
//! profile), web identity (EKS IRSA), ECS/EKS container credentials and EC2 instance
//! metadata, in that order, as every AWS SDK does. Nothing is resolved when the adapter is
//! built (that is synchronous): the first request resolves, later ones read the
//! [`CredentialCache`], and credentials are refreshed before they expire.
//!
//! Every HTTP call the chain makes goes through the adapter's transport ([`http`]).

mod cache;
mod http;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_config::Region;
use aws_config::default_provider::credentials::DefaultCredentialsChain;
use aws_config::imds::region::ImdsRegionProvider;
use aws_config::meta::region::RegionProviderChain;
use aws_config::profile::ProfileFileRegionProvider;
use aws_config::provider_config::ProviderConfig;
use aws_credential_types::provider::ProvideCredentials;
use switchboard_core::{GatewayError, HttpTransport};

use crate::auth::NO_CREDENTIALS;

pub(crate) use cache::{CredentialCache, Current};

/// The longest one resolution may take, whatever the providers' own timeouts.
const RESOLVE_TIMEOUT: Duration = Duration::from_secs(60);

/// One adapter's AWS credential chain and its cache.
pub(crate) struct AwsChain {
    config: ProviderConfig,
    profile: Option<String>,
    provider: tokio::sync::OnceCell<DefaultCredentialsChain>,
    cache: CredentialCache,
}

impl std::fmt::Debug for AwsChain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AwsChain")
            .field("profile", &self.profile)
            .finish_non_exhaustive()
    }
}

impl AwsChain {
    /// A chain that reads the process environment and files, reads `profile` (else
    /// `AWS_PROFILE`, else `default`) and sends its HTTP calls through `transport`. Does
    /// no I/O.
    pub(crate) fn new(transport: Arc<dyn HttpTransport>, profile: Option<String>) -> Self {
        let config = ProviderConfig::without_region()
            .with_http_client(http::TransportClient::new(transport));
        Self {
            config,
            profile,
            provider: tokio::sync::OnceCell::new(),
            cache: CredentialCache::default(),
        }
    }

    /// The region of the profile, else of the EC2 instance metadata; `None` if neither
    /// has one. (The caller has already looked at its config and `AWS_REGION`.)
    pub(crate) async fn region(&self) -> Option<String> {
        let mut profile = ProfileFileRegionProvider::builder().configure(&self.config);
        if let Some(name) = &self.profile {
            profile = profile.profile_name(name);
        }
        let chain = RegionProviderChain::first_try(profile.build()).or_else(
            ImdsRegionProvider::builder()
                .configure(&self.config)
                .build(),
        );
        let region = tokio::time::timeout(RESOLVE_TIMEOUT, chain.region()).await;
        region.ok().flatten().map(|r| r.as_ref().to_owned())
    }

    /// The credentials to sign a request for `region` with: from the cache, or from the
    /// chain when there are none yet or they are due for refresh.
    pub(crate) async fn credentials(&self, region: &str) -> Result<Arc<Current>, GatewayError> {
        self.cache
            .get(SystemTime::now(), || self.fetch(region))
            .await
            .map_err(|detail| {
                GatewayError::internal(format!(
                    "{NO_CREDENTIALS}; the AWS credential chain (environment, {}, web \
                     identity, ECS/EKS container, EC2 instance metadata) gave none: {detail}",
                    self.profile_text()
                ))
                .with_code("no_upstream_credentials")
            })
    }

    /// Asks the chain once. The message names the failing provider's reason, never a
    /// secret (aws-config's errors hold none).
    async fn fetch(&self, region: &str) -> Result<aws_credential_types::Credentials, String> {
        let provider = self
            .provider
            .get_or_init(|| async {
                let mut builder = DefaultCredentialsChain::builder()
                    .configure(self.config.clone())
                    .region(Region::new(region.to_owned()));
                if let Some(name) = &self.profile {
                    builder = builder.profile_name(name);
                }
                builder.build().await
            })
            .await;
        match tokio::time::timeout(RESOLVE_TIMEOUT, provider.provide_credentials()).await {
            Ok(Ok(credentials)) => {
                tracing::debug!(
                    expiry = ?credentials.expiry(),
                    "resolved AWS credentials through the credential chain"
                );
                Ok(credentials)
            }
            Ok(Err(e)) => {
                let detail = error_chain(&e);
                tracing::warn!(error = %detail, "the AWS credential chain gave no credentials");
                Err(detail)
            }
            Err(_) => Err(format!("no answer within {} s", RESOLVE_TIMEOUT.as_secs())),
        }
    }

    /// How the profile is chosen, for messages.
    fn profile_text(&self) -> String {
        match &self.profile {
            Some(name) => format!("profile `{name}`"),
            None => "the AWS_PROFILE or default profile".to_owned(),
        }
    }
}

/// An error and its sources, `: `-separated (aws-config's errors say little at the top and
/// the reason further down).
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut out = error.to_string();
    let mut source = error.source();
    while let Some(e) = source {
        let text = e.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = e.source();
    }
    out
}
