//! When the cache asks the chain, and what it answers meanwhile, on a made-up clock.

use std::sync::atomic::{AtomicUsize, Ordering};

use super::*;

const T0: Duration = Duration::from_secs(1_700_000_000);
const MINUTE: Duration = Duration::from_secs(60);
const HOUR: Duration = Duration::from_secs(3600);

fn at(offset: Duration) -> SystemTime {
    SystemTime::UNIX_EPOCH + T0 + offset
}

fn keys(id: &str, expiry: Option<SystemTime>) -> Credentials {
    Credentials::new(
        id,
        format!("secret-{id}"),
        Some(format!("token-{id}")),
        expiry,
        "test",
    )
}

/// A chain that answers `answers` in turn (the last one from then on) and counts calls.
struct Chain {
    answers: Vec<Result<Credentials, String>>,
    calls: AtomicUsize,
}

impl Chain {
    fn new(answers: Vec<Result<Credentials, String>>) -> Self {
        Self {
            answers,
            calls: AtomicUsize::new(0),
        }
    }

    async fn fetch(&self) -> Result<Credentials, String> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst);
        self.answers[n.min(self.answers.len() - 1)].clone()
    }

    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

async fn id_at(cache: &CredentialCache, chain: &Chain, now: SystemTime) -> Result<String, String> {
    cache
        .get(now, || chain.fetch())
        .await
        .map(|c| c.credentials.access_key_id.clone())
}

#[test]
fn refresh_times() {
    let fetched = at(Duration::ZERO);
    let cases = [
        (None, None, "keys that do not expire are kept"),
        (
            Some(at(HOUR)),
            Some(at(HOUR - 5 * MINUTE)),
            "five minutes ahead",
        ),
        (
            Some(at(4 * MINUTE)),
            Some(at(2 * MINUTE)),
            "half of what is left",
        ),
        (Some(at(Duration::ZERO)), Some(fetched), "expired: at once"),
        (
            Some(fetched - MINUTE),
            Some(fetched),
            "expired before: at once",
        ),
    ];
    for (expiry, want, why) in cases {
        assert_eq!(refresh_at(fetched, expiry), want, "{why}");
    }
}

#[tokio::test]
async fn the_first_request_fetches_and_later_ones_read_the_cache() {
    let cache = CredentialCache::default();
    let chain = Chain::new(vec![Ok(keys("A", Some(at(HOUR))))]);
    for minutes in [0, 1, 30, 54] {
        assert_eq!(
            id_at(&cache, &chain, at(minutes * MINUTE)).await.unwrap(),
            "A"
        );
    }
    assert_eq!(chain.calls(), 1);
    let current = cache
        .get(at(Duration::ZERO), || chain.fetch())
        .await
        .unwrap();
    assert_eq!(
        &current.secrets[..],
        ["secret-A", "A", "token-A"].map(String::from),
        "the keys in use are scrubbed from upstream text"
    );
}

#[tokio::test]
async fn credentials_are_refreshed_before_they_expire() {
    let cache = CredentialCache::default();
    let chain = Chain::new(vec![
        Ok(keys("A", Some(at(HOUR)))),
        Ok(keys("B", Some(at(2 * HOUR)))),
    ]);
    assert_eq!(
        id_at(&cache, &chain, at(Duration::ZERO)).await.unwrap(),
        "A"
    );
    // Five minutes before A expires, while A still works.
    assert_eq!(id_at(&cache, &chain, at(56 * MINUTE)).await.unwrap(), "B");
    assert_eq!(id_at(&cache, &chain, at(90 * MINUTE)).await.unwrap(), "B");
    assert_eq!(chain.calls(), 2);
}

#[tokio::test]
async fn while_one_request_refreshes_the_others_keep_the_working_keys() {
    let cache = CredentialCache::default();
    let chain = Chain::new(vec![
        Ok(keys("A", Some(at(HOUR)))),
        Ok(keys("B", Some(at(2 * HOUR)))),
    ]);
    id_at(&cache, &chain, at(Duration::ZERO)).await.unwrap();
    let refreshing = cache.fetching.try_lock().unwrap();
    assert_eq!(
        id_at(&cache, &chain, at(56 * MINUTE)).await.unwrap(),
        "A",
        "no wait for the other request's refresh"
    );
    assert_eq!(chain.calls(), 1);
    drop(refreshing);
    assert_eq!(id_at(&cache, &chain, at(56 * MINUTE)).await.unwrap(), "B");
}

#[tokio::test]
async fn a_failed_refresh_keeps_the_working_keys_and_waits_before_asking_again() {
    let cache = CredentialCache::default();
    let chain = Chain::new(vec![
        Ok(keys("A", Some(at(HOUR)))),
        Err("instance metadata timed out".into()),
        Ok(keys("B", Some(at(2 * HOUR)))),
    ]);
    id_at(&cache, &chain, at(Duration::ZERO)).await.unwrap();
    let due = at(56 * MINUTE);
    assert_eq!(id_at(&cache, &chain, due).await.unwrap(), "A");
    assert_eq!(chain.calls(), 2);
    assert_eq!(
        id_at(&cache, &chain, due + Duration::from_secs(1))
            .await
            .unwrap(),
        "A"
    );
    assert_eq!(chain.calls(), 2, "not asked again within the back-off");
    assert_eq!(
        id_at(&cache, &chain, due + RETRY_AFTER_FAILURE)
            .await
            .unwrap(),
        "B"
    );
    assert_eq!(chain.calls(), 3);
}

#[tokio::test]
async fn with_no_working_keys_the_failure_is_the_answer() {
    let cache = CredentialCache::default();
    let chain = Chain::new(vec![
        Err("no providers in chain provided credentials".into()),
        Ok(keys("A", None)),
    ]);
    let now = at(Duration::ZERO);
    assert_eq!(
        id_at(&cache, &chain, now).await.unwrap_err(),
        "no providers in chain provided credentials"
    );
    assert_eq!(
        id_at(&cache, &chain, now + Duration::from_secs(1))
            .await
            .unwrap_err(),
        "no providers in chain provided credentials",
        "remembered"
    );
    assert_eq!(chain.calls(), 1);
    assert_eq!(
        id_at(&cache, &chain, now + RETRY_AFTER_FAILURE)
            .await
            .unwrap(),
        "A"
    );
}

#[tokio::test]
async fn expired_keys_are_never_used() {
    let cache = CredentialCache::default();
    let chain = Chain::new(vec![
        Ok(keys("A", Some(at(HOUR)))),
        Err("sts unavailable".into()),
    ]);
    id_at(&cache, &chain, at(Duration::ZERO)).await.unwrap();
    assert_eq!(
        id_at(&cache, &chain, at(HOUR)).await.unwrap_err(),
        "sts unavailable"
    );
}
