//! URLs and headers per surface, against the recorded Azure request
//! (`fixtures/azure-chat-basic.yaml`: `/openai/deployments/gpt-5-nano/chat/completions`
//! with `api-version=2024-12-01-preview`).

use super::*;
use http::header::{ACCEPT, AUTHORIZATION};
use switchboard_core::Secret;

fn deployments(endpoint: &str) -> AzureConfig {
    let mut c = AzureConfig::new(endpoint);
    c.surface = Surface::Deployments;
    c
}

#[test]
fn deployments_url_matches_the_recording() {
    let mut c = deployments("https://resource-name.cognitiveservices.azure.com");
    c.api_version = Some("2024-12-01-preview".into());
    let e = Endpoints::new(&c).unwrap();
    assert_eq!(
        e.uri(Endpoint::ChatCompletions, "gpt-5-nano").unwrap(),
        "https://resource-name.cognitiveservices.azure.com/openai/deployments/gpt-5-nano/chat/completions?api-version=2024-12-01-preview"
    );
    assert_eq!(
        e.uri(Endpoint::Completions, "instruct").unwrap(),
        "https://resource-name.cognitiveservices.azure.com/openai/deployments/instruct/completions?api-version=2024-12-01-preview"
    );
    assert_eq!(
        e.uri(Endpoint::Responses, "gpt-5-nano").unwrap(),
        "https://resource-name.cognitiveservices.azure.com/openai/responses?api-version=2024-12-01-preview"
    );
    assert_eq!(
        e.models().unwrap().uri(),
        "https://resource-name.cognitiveservices.azure.com/openai/models?api-version=2024-12-01-preview"
    );
}

#[test]
fn a_configured_deployment_wins_over_the_model() {
    let mut c = deployments("http://127.0.0.1:9/");
    c.deployment = Some("prod-4o".into());
    let e = Endpoints::new(&c).unwrap();
    assert_eq!(
        e.uri(Endpoint::ChatCompletions, "ignored").unwrap(),
        "http://127.0.0.1:9/openai/deployments/prod-4o/chat/completions?api-version=2024-10-21"
    );
}

#[test]
fn odd_deployment_names_are_encoded_and_empty_ones_refused() {
    let e = Endpoints::new(&deployments("http://h")).unwrap();
    assert_eq!(
        e.uri(Endpoint::ChatCompletions, "a b/c").unwrap(),
        "http://h/openai/deployments/a%20b%2Fc/chat/completions?api-version=2024-10-21"
    );
    let err = e.uri(Endpoint::ChatCompletions, "").unwrap_err();
    assert_eq!(err.status(), 400);
}

#[test]
fn v1_urls_have_no_api_version_unless_set() {
    let e = Endpoints::new(&AzureConfig::new("https://r.openai.azure.com")).unwrap();
    assert_eq!(
        e.uri(Endpoint::ChatCompletions, "gpt-4o").unwrap(),
        "https://r.openai.azure.com/openai/v1/chat/completions"
    );
    assert_eq!(
        e.uri(Endpoint::Responses, "gpt-4o").unwrap(),
        "https://r.openai.azure.com/openai/v1/responses"
    );
    assert_eq!(
        e.models().unwrap().uri(),
        "https://r.openai.azure.com/openai/v1/models"
    );
    let mut c = AzureConfig::new("https://r.openai.azure.com/openai/v1/");
    c.api_version = Some("preview".into());
    let e = Endpoints::new(&c).unwrap();
    assert_eq!(
        e.uri(Endpoint::ChatCompletions, "m").unwrap(),
        "https://r.openai.azure.com/openai/v1/chat/completions?api-version=preview"
    );
}

#[test]
fn resource_name_builds_the_endpoint() {
    let mut c = AzureConfig::new("x");
    c.endpoint = None;
    c.resource = Some("my-res".into());
    let e = Endpoints::new(&c).unwrap();
    assert_eq!(
        e.uri(Endpoint::ChatCompletions, "m").unwrap(),
        "https://my-res.openai.azure.com/openai/v1/chat/completions"
    );
    c.resource = Some("my.res".into());
    assert!(Endpoints::new(&c).is_err());
    c.resource = None;
    assert!(
        Endpoints::new(&c)
            .unwrap_err()
            .contains("`endpoint` is required")
    );
}

#[test]
fn api_key_goes_in_the_api_key_header() {
    let mut c = AzureConfig::new("http://h");
    c.api_key = Some(Secret::new("azure-key-0123456789"));
    let e = Endpoints::new(&c).unwrap();
    let req = e.post(
        e.uri(Endpoint::ChatCompletions, "m").unwrap(),
        Bytes::new(),
        true,
    );
    assert_eq!(req.headers()["api-key"], "azure-key-0123456789");
    assert!(req.headers()["api-key"].is_sensitive());
    assert!(req.headers().get(AUTHORIZATION).is_none());
    assert_eq!(req.headers()[ACCEPT], "text/event-stream");
    assert_eq!(&*e.secrets(), ["azure-key-0123456789"]);
}

#[test]
fn bearer_token_goes_in_authorization() {
    let mut c = AzureConfig::new("http://h");
    c.bearer_token = Some(Secret::new("eyJ0eXAiOiJKV1Qi"));
    c.headers
        .insert("x-ms-client-request-id".into(), Secret::new("abc"));
    let e = Endpoints::new(&c).unwrap();
    let req = e.models().unwrap();
    assert_eq!(req.headers()[AUTHORIZATION], "Bearer eyJ0eXAiOiJKV1Qi");
    assert!(req.headers().get("api-key").is_none());
    assert_eq!(req.headers()["x-ms-client-request-id"], "abc");
    c.api_key = Some(Secret::new("k"));
    assert!(Endpoints::new(&c).unwrap_err().contains("not both"));
}

#[test]
fn bad_endpoints_are_config_errors() {
    assert!(Endpoints::new(&AzureConfig::new("r.openai.azure.com")).is_err());
    assert!(Endpoints::new(&AzureConfig::new("http://bad host")).is_err());
}
