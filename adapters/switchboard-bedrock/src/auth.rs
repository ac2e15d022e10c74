//! How requests are authenticated: a Bedrock API key (bearer) or SigV4 with static keys,
//! from config or the environment. The full AWS chain (profile, SSO, web identity, ECS and
//! EC2 instance metadata) through `aws-config` is not wired yet: the crate feature
//! `aws-chain` only links the dependency.

use switchboard_core::BuildError;

use crate::config::{BedrockConfig, Env};
use crate::sign::AwsCredentials;

/// The credentials the adapter uses.
#[derive(Debug, Clone)]
pub enum Auth {
    /// `Authorization: Bearer <key>`, no signing.
    ApiKey(String),
    /// SigV4 with these keys.
    Static(AwsCredentials),
}

impl Auth {
    /// Picks the credentials, first found wins: `api_key`; `access_key_id` +
    /// `secret_access_key` (+ `session_token`); env `AWS_BEARER_TOKEN_BEDROCK`; env
    /// `AWS_ACCESS_KEY_ID` + `AWS_SECRET_ACCESS_KEY` (+ `AWS_SESSION_TOKEN`); None at all is a config error.
    pub(crate) fn resolve(config: &BedrockConfig, env: Env<'_>) -> Result<Self, BuildError> {
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
        Err(BuildError::Config(
            "no Bedrock credentials: set `api_key` (or env AWS_BEARER_TOKEN_BEDROCK), or \
             `access_key_id` + `secret_access_key` (or env AWS_ACCESS_KEY_ID + \
             AWS_SECRET_ACCESS_KEY); profiles, SSO and instance roles (the AWS \
             chain) are not supported yet"
                .into(),
        ))
    }

    /// The strings to scrub from upstream text.
    pub(crate) fn secrets(&self) -> Vec<String> {
        match self {
            Self::ApiKey(key) => vec![key.clone()],
            Self::Static(c) => {
                let mut out = vec![c.secret_access_key.clone(), c.access_key_id.clone()];
                out.extend(c.session_token.clone());
                out
            }
        }
    }
}
