//! Legacy `/v1/completions`: translated to chat, or forwarded to an upstream that serves it.

use serde_json::json;
use tests::{Client, Reply, TestGateway, Upstream, assert_openai_error, schema};

#[tokio::test]
async fn translated_over_the_mock() {
    let gw = TestGateway::mock().await;
    let client = Client::new(gw.url());
    let r = client
        .post(
            "/v1/completions",
            json!({"model":"mock","prompt":"Say hi"}).to_string(),
        )
        .await
        .json();
    assert_eq!(r["object"], "text_completion");
    assert_eq!(r["choices"][0]["text"], "You said: Say hi");
    assert_eq!(r["choices"][0]["finish_reason"], "stop");

    let text = client
        .post(
            "/v1/completions",
            json!({"model":"mock","prompt":"a b","stream":true}).to_string(),
        )
        .await
        .text();
    assert!(text.ends_with("data: [DONE]\n\n"));
    let joined: String = text
        .split("\n\n")
        .filter_map(|f| f.strip_prefix("data: "))
        .filter(|d| *d != "[DONE]")
        .map(|d| serde_json::from_str::<serde_json::Value>(d).unwrap())
        .inspect(|c| {
            assert_eq!(c["object"], "text_completion");
            // The spec types `finish_reason` as a non-null string, but OpenAI sends null on
            // every chunk but the last (envoy cassette completion-streaming.yaml), as we do.
            let mut c = c.clone();
            if c["choices"][0]["finish_reason"].is_null() {
                c["choices"][0]["finish_reason"] = json!("stop");
            }
            schema::validate("CreateCompletionResponse", &c);
        })
        .filter_map(|c| c["choices"][0]["text"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(joined, "You said: a b");
}

#[tokio::test]
async fn what_chat_cannot_do_is_a_400_naming_the_param() {
    let gw = TestGateway::mock().await;
    let client = Client::new(gw.url());
    for (field, value) in [
        ("echo", json!(true)),
        ("suffix", json!("x")),
        ("best_of", json!(3)),
    ] {
        let mut body = json!({"model":"mock","prompt":"p"});
        body[field] = value;
        let reply = client.post("/v1/completions", body.to_string()).await;
        assert_eq!(reply.status, 400, "{field}");
        assert_eq!(assert_openai_error(&reply.body)["param"], field);
    }
}

#[tokio::test]
async fn native_completions_pass_through_with_the_model_spliced() {
    const ANSWER: &str = r#"{"id":"cmpl-1","object":"text_completion","created":1,"model":"llama","choices":[{"text":" there","index":0,"logprobs":null,"finish_reason":"length"}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}"#;
    let upstream = Upstream::json(ANSWER).await;
    let gw = TestGateway::openai(&upstream.base_url(), "").await;
    let reply = Client::new(gw.url())
        .post(
            "/v1/completions",
            r#"{"model":"llama","prompt":"hi","echo":true,"best_of":2}"#,
        )
        .await;
    assert_eq!(reply.text(), ANSWER);
    let seen = upstream.only_request();
    assert_eq!(seen.path, "/v1/completions");
    assert_eq!(seen.json()["echo"], true);
}

#[tokio::test]
async fn translate_mode_goes_to_chat_completions() {
    const CHAT: &str = r#"{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"hello"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}"#;
    let upstream = Upstream::start(|_| Reply::json(CHAT)).await;
    let gw = TestGateway::start(&format!(
        "[providers.up]\nkind = \"openai\"\nbase_url = \"{}\"\ncompletions = \"translate\"\n[[models]]\nname = \"*\"\nprovider = \"up\"\n",
        upstream.base_url()
    ))
    .await;
    let r = Client::new(gw.url())
        .post("/v1/completions", r#"{"model":"m","prompt":"hi"}"#)
        .await
        .json();
    assert_eq!(r["choices"][0]["text"], "hello");
    let seen = upstream.only_request();
    assert_eq!(seen.path, "/v1/chat/completions");
    assert_eq!(
        seen.json()["messages"],
        json!([{"role":"user","content":"hi"}])
    );
    assert_eq!(seen.json()["max_tokens"], 16);
}
