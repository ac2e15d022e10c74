//! The AWS credential chain (crate feature `aws-chain`) end to end: an adapter with no
//! keys configured resolves them on its first request, from a shared credentials profile
//! or from ECS container credentials served on 127.0.0.1 and fetched through the
//! adapter's own transport, refreshes expiring ones, and says clearly when nothing gives
//! any. A local Bedrock Runtime checks every request's SigV4 signature against the keys
//! the chain should have found. Each scenario runs in a child process with an environment
//! of its own (see `child`); nothing leaves 127.0.0.1.

#![cfg(feature = "aws-chain")]
// clippy.toml allows unwrap in `#[test]`s but not in the helpers they share.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a panic is a failed test with its location"
)]

mod child;
mod server;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use aws_smithy_types::DateTime;
use aws_smithy_types::date_time::Format;
use serde_json::json;

use server::{Server, signed_with};

/// A home directory with no `.aws` in it, and its path as an environment value.
fn empty_home() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().display().to_string();
    (dir, path)
}

#[tokio::test]
async fn a_profile_from_the_shared_files_signs_requests_and_gives_the_region() {
    let (home, home_path) = empty_home();
    let config = home.path().join("config");
    let credentials = home.path().join("credentials");
    std::fs::write(
        &config,
        "[default]\nregion = us-east-1\n\n[profile bedrock-test]\nregion = eu-west-2\n",
    )
    .unwrap();
    std::fs::write(
        &credentials,
        "[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = default-secret\n\n\
         [bedrock-test]\naws_access_key_id = AKIDPROFILE\n\
         aws_secret_access_key = profile-secret\naws_session_token = profile-token\n",
    )
    .unwrap();
    let bedrock = server::bedrock().await;
    let files = vec![
        ("HOME", home_path),
        ("AWS_CONFIG_FILE", config.display().to_string()),
        (
            "AWS_SHARED_CREDENTIALS_FILE",
            credentials.display().to_string(),
        ),
        ("AWS_EC2_METADATA_DISABLED", "true".to_owned()),
    ];

    // The profile named in the provider's config; no region configured.
    let by_setting = json!({"endpoint": bedrock.url(), "profile": "bedrock-test"});
    child::run("one-request", by_setting, files.clone()).await;
    // The same profile named by AWS_PROFILE.
    let mut by_env = files.clone();
    by_env.push(("AWS_PROFILE", "bedrock-test".to_owned()));
    child::run("one-request", json!({"endpoint": bedrock.url()}), by_env).await;
    // Neither: the default profile, and its region.
    child::run("one-request", json!({"endpoint": bedrock.url()}), files).await;

    let seen = bedrock.seen();
    assert_eq!(seen.len(), 3);
    for request in &seen[..2] {
        assert_eq!(
            signed_with(request, "profile-secret"),
            ("AKIDPROFILE".to_owned(), "eu-west-2".to_owned())
        );
        assert_eq!(request.header("x-amz-security-token"), "profile-token");
        assert!(
            request
                .path
                .starts_with("/model/anthropic.claude-test-v1%3A0/converse")
        );
    }
    assert_eq!(
        signed_with(&seen[2], "default-secret"),
        ("AKIDDEFAULT".to_owned(), "us-east-1".to_owned())
    );
}

#[tokio::test]
async fn ecs_container_credentials_are_fetched_through_the_transport_and_refreshed() {
    // The container agent's endpoint: first credentials that expire in two seconds, then
    // ones good for an hour.
    let served = Arc::new(AtomicUsize::new(0));
    let count = served.clone();
    let agent = Server::start(move |index, _| {
        count.fetch_add(1, Ordering::SeqCst);
        let (id, lifetime) = match index {
            0 => ("ASIAFIRST", Duration::from_secs(2)),
            _ => ("ASIASECOND", Duration::from_secs(3600)),
        };
        let expiration = DateTime::from(SystemTime::now() + lifetime)
            .fmt(Format::DateTime)
            .unwrap();
        let body = json!({
            "Code": "Success",
            "Type": "AWS-HMAC",
            "AccessKeyId": id,
            "SecretAccessKey": format!("secret-{id}"),
            "Token": format!("token-{id}"),
            "Expiration": expiration,
        });
        (200, body.to_string())
    })
    .await;
    let bedrock = server::bedrock().await;
    let (_home, home_path) = empty_home();
    let env = vec![
        ("HOME", home_path),
        (
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            format!("{}/v2/credentials/task-role", agent.url()),
        ),
        (
            "AWS_CONTAINER_AUTHORIZATION_TOKEN",
            "agent-token".to_owned(),
        ),
        ("AWS_EC2_METADATA_DISABLED", "true".to_owned()),
    ];
    let config = json!({"endpoint": bedrock.url(), "region": "us-west-2"});
    child::run("three-requests-apart", config, env).await;

    let fetched = agent.seen();
    assert_eq!(
        fetched.len(),
        2,
        "fetched once, refreshed once, then cached"
    );
    assert_eq!(served.load(Ordering::SeqCst), 2);
    for request in &fetched {
        assert_eq!(request.method, "GET");
        assert_eq!(request.path, "/v2/credentials/task-role");
        assert_eq!(request.header("authorization"), "agent-token");
    }
    let signed: Vec<String> = bedrock
        .seen()
        .iter()
        .map(|request| {
            let id = request
                .header("x-amz-security-token")
                .trim_start_matches("token-");
            let (akid, region) = signed_with(request, &format!("secret-{id}"));
            assert_eq!((akid.as_str(), region.as_str()), (id, "us-west-2"));
            akid
        })
        .collect();
    assert_eq!(signed, ["ASIAFIRST", "ASIASECOND", "ASIASECOND"]);
}

#[tokio::test]
async fn with_nothing_configured_the_error_says_what_was_tried() {
    let bedrock = server::bedrock().await;
    let (_home, home_path) = empty_home();
    let env = vec![
        ("HOME", home_path),
        ("AWS_EC2_METADATA_DISABLED", "true".to_owned()),
    ];
    let config = json!({"endpoint": bedrock.url(), "region": "us-east-1"});
    child::run("no-credentials", config, env).await;
    assert!(bedrock.seen().is_empty(), "nothing was sent unsigned");
}
