//! The credentials the AWS chain last gave, and when to ask it again.
//!
//! Requests read the cached value under a read lock (an `Arc` clone) and go on; only when
//! the credentials are due for refresh does one request ask the chain, while the others
//! keep signing with the old credentials until they actually expire. Once they have
//! expired (or before the first fetch) requests wait for the one fetch under way instead
//! of each starting their own. A failed fetch is remembered for [`RETRY_AFTER_FAILURE`],
//! so that a chain that cannot answer (no instance metadata, say) is not asked again by
//! every request in the meantime.

use std::future::Future;
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;

use crate::sign::AwsCredentials;

/// How long before they expire credentials are refreshed. The EC2 instance metadata
/// service offers new credentials at least five minutes before the old ones expire.
pub(crate) const REFRESH_BEFORE: Duration = Duration::from_secs(5 * 60);
/// How long a failed fetch is answered from memory before the chain is asked again.
pub(crate) const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(5);

/// Credentials in use.
pub(crate) struct Current {
    /// The keys to sign with.
    pub(crate) credentials: AwsCredentials,
    /// The strings to scrub from upstream text while these keys are in use.
    pub(crate) secrets: Arc<[String]>,
    /// When the keys stop working (`None`: they do not expire).
    expiry: Option<SystemTime>,
    /// When to ask for new ones (`None`: never).
    refresh_at: Option<SystemTime>,
}

impl Current {
    /// Wraps credentials fetched at `now`.
    pub(crate) fn new(credentials: &Credentials, now: SystemTime) -> Self {
        let keys = AwsCredentials {
            access_key_id: credentials.access_key_id().to_owned(),
            secret_access_key: credentials.secret_access_key().to_owned(),
            session_token: credentials.session_token().map(str::to_owned),
        };
        let mut secrets = vec![keys.secret_access_key.clone(), keys.access_key_id.clone()];
        secrets.extend(keys.session_token.clone());
        Self {
            credentials: keys,
            secrets: secrets.into(),
            expiry: credentials.expiry(),
            refresh_at: refresh_at(now, credentials.expiry()),
        }
    }

    /// Whether these are not yet due for refresh at `now`.
    fn fresh(&self, now: SystemTime) -> bool {
        self.refresh_at.is_none_or(|at| now < at)
    }

    /// Whether these still work at `now`.
    fn usable(&self, now: SystemTime) -> bool {
        self.expiry.is_none_or(|at| now < at)
    }
}

/// When credentials fetched at `fetched` that expire at `expiry` are refreshed:
/// [`REFRESH_BEFORE`] ahead of the expiry; credentials that arrive with less time than that
/// left are used for half of what they have left (so that a source handing out
/// short-lived credentials is not asked on every request); expired ones at once.
pub(crate) fn refresh_at(fetched: SystemTime, expiry: Option<SystemTime>) -> Option<SystemTime> {
    let expiry = expiry?;
    let left = expiry.duration_since(fetched).unwrap_or_default();
    if left > REFRESH_BEFORE {
        Some(expiry - REFRESH_BEFORE)
    } else {
        Some(fetched + left / 2)
    }
}

/// The last failed fetch: when, and why.
struct Failure {
    at: SystemTime,
    message: String,
}

/// The cache of one adapter's chain credentials.
#[derive(Default)]
pub(crate) struct CredentialCache {
    current: RwLock<Option<Arc<Current>>>,
    /// Held by the one request that fetches; holds the last failure.
    fetching: tokio::sync::Mutex<Option<Failure>>,
}

impl CredentialCache {
    /// The credentials to sign with at `now`, calling `fetch` when there are none yet or
    /// they are due for refresh. The error is the fetch's message (or the last one, within
    /// [`RETRY_AFTER_FAILURE`] of it).
    pub(crate) async fn get<F, Fut>(
        &self,
        now: SystemTime,
        fetch: F,
    ) -> Result<Arc<Current>, String>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Credentials, String>>,
    {
        let cached = self.peek();
        if let Some(current) = &cached
            && current.fresh(now)
        {
            return Ok(current.clone());
        }
        let mut last_failure = match &cached {
            // Still working: refresh only if no other request is already doing it.
            Some(current) if current.usable(now) => match self.fetching.try_lock() {
                Ok(guard) => guard,
                Err(_) => return Ok(current.clone()),
            },
            _ => self.fetching.lock().await,
        };
        // Another request may have fetched while this one waited.
        let cached = self.peek();
        if let Some(current) = &cached
            && current.fresh(now)
        {
            return Ok(current.clone());
        }
        let usable = cached.filter(|c| c.usable(now));
        if let Some(failure) = last_failure.as_ref() {
            let since = now.duration_since(failure.at).unwrap_or_default();
            if since < RETRY_AFTER_FAILURE {
                return usable.ok_or_else(|| failure.message.clone());
            }
        }
        match fetch().await {
            Ok(credentials) => {
                let current = Arc::new(Current::new(&credentials, now));
                *self.current.write().unwrap_or_else(|e| e.into_inner()) = Some(current.clone());
                *last_failure = None;
                Ok(current)
            }
            Err(message) => {
                *last_failure = Some(Failure {
                    at: now,
                    message: message.clone(),
                });
                match usable {
                    Some(current) => {
                        tracing::warn!(
                            error = %message,
                            "could not refresh the AWS credentials; the current ones still work"
                        );
                        Ok(current)
                    }
                    None => Err(message),
                }
            }
        }
    }

    /// The cached credentials, if any (a poisoned lock still holds a whole value).
    fn peek(&self) -> Option<Arc<Current>> {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

#[cfg(test)]
mod tests;
