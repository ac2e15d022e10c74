//! Running the adapter in a child process whose environment is exactly what a test gives.
//!
//! aws-config reads the process environment (`AWS_PROFILE`, `AWS_CONFIG_FILE`,
//! `AWS_CONTAINER_CREDENTIALS_FULL_URI`, ...) and offers no public way to hand it another
//! one (`ProviderConfig::with_env` is crate-private in aws-config 1.8), and this workspace
//! forbids the `unsafe` that `std::env::set_var` needs. So each scenario re-runs this test
//! binary, filtered to [`in_child_process`], with a cleared environment plus the variables
//! it sets: hermetic, whatever the machine's or CI's own AWS settings are.

use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use switchboard_bedrock::{BedrockAdapter, BedrockConfig};
use switchboard_core::chat::{ChatMessage, ChatRequest, ChatResponse};
use switchboard_core::{Adapter, CallContext, GatewayError, HttpTransport, UpstreamResponse};
use switchboard_http::{ClientConfig, UpstreamClient};

/// The variable naming the scenario a child runs.
const SCENARIO: &str = "SWITCHBOARD_TEST_SCENARIO";
/// The variable carrying the provider config (JSON) a child builds its adapter from.
const CONFIG: &str = "SWITCHBOARD_TEST_CONFIG";

/// Runs `scenario` in a child with `config` and exactly the environment `env`; panics with
/// the child's output unless it passed.
pub async fn run(scenario: &str, config: serde_json::Value, env: Vec<(&str, String)>) {
    let exe = std::env::current_exe().unwrap();
    let mut command = Command::new(exe);
    command
        .args([
            "child::in_child_process",
            "--exact",
            "--ignored",
            "--nocapture",
        ])
        .env_clear()
        .env(SCENARIO, scenario)
        .env(CONFIG, config.to_string())
        .envs(env);
    // The servers the child talks to run on this runtime: wait off it.
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("1 passed"),
        "the child `{scenario}` failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A transport that only reaches 127.0.0.1: whatever the chain tries beyond the test's
/// own servers (instance metadata, STS, SSO) fails at once instead of leaving the machine.
struct LoopbackOnly(UpstreamClient);

#[async_trait]
impl HttpTransport for LoopbackOnly {
    async fn send(&self, request: http::Request<Bytes>) -> Result<UpstreamResponse, GatewayError> {
        if request.uri().host() != Some("127.0.0.1") {
            return Err(GatewayError::bad_gateway(format!(
                "the test transport refuses {}",
                request.uri().host().unwrap_or("a URL without a host")
            )));
        }
        self.0.send(request).await
    }
}

async fn chat(adapter: &BedrockAdapter) -> Result<ChatResponse, GatewayError> {
    let request = ChatRequest {
        model: "anthropic.claude-test-v1:0".into(),
        messages: vec![ChatMessage::user("hi")],
        ..ChatRequest::default()
    };
    adapter.chat(&CallContext::default(), request).await
}

/// The child's side: builds the adapter from the given config and the process environment
/// (which the parent set) and runs the scenario's requests. Ignored in a normal run; the
/// parent tests start it.
#[tokio::test]
#[ignore = "runs in a child process started by the other tests of this binary"]
async fn in_child_process() {
    let Ok(scenario) = std::env::var(SCENARIO) else {
        eprintln!("not started by a parent test: nothing to do");
        return;
    };
    let config: BedrockConfig = serde_json::from_str(&std::env::var(CONFIG).unwrap()).unwrap();
    let transport = Arc::new(LoopbackOnly(
        UpstreamClient::new(&ClientConfig::default()).unwrap(),
    ));
    // Building asks nothing of the chain: that waits for the first request.
    let adapter = BedrockAdapter::new(&config, transport).unwrap();
    let run = async {
        match scenario.as_str() {
            "one-request" => {
                chat(&adapter).await.unwrap();
            }
            "three-requests-apart" => {
                chat(&adapter).await.unwrap();
                // The first credentials expire within two seconds: due for refresh now.
                tokio::time::sleep(Duration::from_millis(1500)).await;
                chat(&adapter).await.unwrap();
                chat(&adapter).await.unwrap();
            }
            "no-credentials" => {
                for _ in 0..2 {
                    let error = chat(&adapter).await.unwrap_err();
                    let message = error.message();
                    println!("the error: {message}");
                    assert!(
                        message.starts_with("no Bedrock credentials")
                            && message.contains("the AWS credential chain (environment")
                            && message.contains("no providers in chain provided credentials"),
                        "{message}"
                    );
                    assert_eq!(error.status(), 500);
                    assert_eq!(error.code(), Some("no_upstream_credentials"));
                }
            }
            other => panic!("unknown scenario {other}"),
        }
    };
    tokio::time::timeout(Duration::from_secs(60), run)
        .await
        .expect("the scenario finishes within a minute");
}
