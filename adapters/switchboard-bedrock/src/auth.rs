//! How requests are authenticated: a Bedrock API key (bearer) or SigV4 with static keys,
//! from config or the environment, or (crate feature `aws-chain`) SigV4 with keys from the
//! full AWS credential chain (profile, SSO, web identity, ECS and EC2 instance metadata),
//! resolved on the first request and refreshed before they expire (see `chain`).

use std::sync::Arc;

use switchboard_core::{BuildError, HttpTransport};

#[cfg(feature = "aws-chain")]
use crate::chain::AwsChain;
use crate::config::{BedrockConfig, Env};
use crate::sign::AwsCredentials;

/// The start of the error when nothing gives credentials; the rest says what was tried.
pub(crate) const NO_CREDENTIALS: &str = "no Bedrock credentials: set `api_key` (or env \
     AWS_BEARER_TOKEN_BEDROCK), or `access_key_id` + `secret_access_key` (or env \
     AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY)";

/// The credentials the adapter uses.
#[derive(Debug, Clone)]
pub enum Auth {
    /// `Authorization: Bearer <key>`, no signing.
    ApiKey(String),
    /// SigV4 with these keys.
    Static(AwsCredentials),
    /// SigV4 with the keys the AWS credential chain gives at the time of the request.
    #[cfg(feature = "aws-chain")]
    Chain(Arc<AwsChain>),
}

impl Auth {
    /// Picks the credentials, first found wins: `api_key`; `access_key_id` +
    /// `secret_access_key` (+ `session_token`); env `AWS_BEARER_TOKEN_BEDROCK`; env
    /// `AWS_ACCESS_KEY_ID` + `AWS_SECRET_ACCESS_KEY` (+ `AWS_SESSION_TOKEN`); with the
    /// `aws-chain` feature, the AWS credential chain (over `transport`), which is not asked
    /// until the first request. None at all is a config error.
    pub(crate) fn resolve(
        config: &BedrockConfig,
        env: Env<'_>,
        transport: &Arc<dyn HttpTransport>,
    ) -> Result<Self, BuildError> {
        if cfg!(not(feature = "aws-chain")) && config.profile.is_some() {
            return Err(BuildError::Config(
                "`profile` needs the AWS credential chain, which this binary was built \
                 without: rebuild with `--features bedrock-aws-chain`"
                    .into(),
            ));
        }
        if let Some(key) = &config.api_key {
            return Ok(Self::ApiKey(key.expose().to_owned()));
        }
        match (&config.access_key_id, &config.secret_access_key) {
            (Some(id), Some(secret)) => {
                return Ok(Self::Static(AwsCredentials {
                    access_key_id: id.expose().to_owned(),
                    secret_access_key: secret.expose().to_owned(),
                    session_token: config.session_token.as_ref().map(|t| t.expose().to_owned()),
                }));
            }
            (None, None) => {}
            _ => {
                return Err(BuildError::Config(
                    "`access_key_id` and `secret_access_key` go together".into(),
                ));
            }
        }
        if let Some(key) = env("AWS_BEARER_TOKEN_BEDROCK") {
            return Ok(Self::ApiKey(key));
        }
        if let (Some(id), Some(secret)) = (env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY")) {
            return Ok(Self::Static(AwsCredentials {
                access_key_id: id,
                secret_access_key: secret,
                session_token: env("AWS_SESSION_TOKEN"),
            }));
        }
        #[cfg(feature = "aws-chain")]
        {
            Ok(Self::Chain(Arc::new(AwsChain::new(
                transport.clone(),
                config.profile.clone(),
            ))))
        }
        #[cfg(not(feature = "aws-chain"))]
        {
            let _ = transport;
            Err(BuildError::Config(format!(
                "{NO_CREDENTIALS}; profiles, SSO and instance roles (the AWS credential \
                 chain) need the `bedrock-aws-chain` build feature"
            )))
        }
    }

    /// The strings to scrub from upstream text (for the chain, none known yet: each
    /// request scrubs the keys it was signed with).
    pub(crate) fn secrets(&self) -> Vec<String> {
        match self {
            #[cfg(feature = "aws-chain")]
            Self::Chain(_) => Vec::new(),
            Self::ApiKey(key) => vec![key.clone()],
            Self::Static(c) => {
                let mut out = vec![c.secret_access_key.clone(), c.access_key_id.clone()];
                out.extend(c.session_token.clone());
                out
            }
        }
    }
}
