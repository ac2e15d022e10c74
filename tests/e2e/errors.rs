//! Every failure is an OpenAI-shaped error with the right status: bad input, auth, limits,
//! and each way an upstream can fail.

use std::time::Duration;

use serde_json::json;
use tests::fixtures::CHAT_BASIC_REQUEST;
use tests::{Client, Reply, TestGateway, Upstream, assert_openai_error};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn hello() -> serde_json::Value {
    json!({"model":"gpt-5-nano","messages":[{"role":"user","content":"Hi"}]})
}

#[tokio::test]
async fn bad_json_is_400() {
    let gw = TestGateway::mock().await;
    let reply = Client::new(gw.url())
        .post("/v1/chat/completions", "{\"model\": ")
        .await;
    assert_eq!(reply.status, 400);
    assert_eq!(assert_openai_error(&reply.body)["code"], "invalid_json");
}

#[tokio::test]
async fn a_missing_model_is_400_naming_the_param() {
    let gw = TestGateway::mock().await;
    let reply = Client::new(gw.url()).chat(&json!({"messages":[]})).await;
    assert_eq!(reply.status, 400);
    assert_eq!(assert_openai_error(&reply.body)["param"], "model");
}

#[tokio::test]
async fn an_unknown_model_is_404() {
    let gw = TestGateway::start(
        "[providers.m]\nkind = \"mock\"\n[[models]]\nname = \"known\"\nprovider = \"m\"\n",
    )
    .await;
    let reply = Client::new(gw.url()).chat(&hello()).await;
    assert_eq!(reply.status, 404);
    let err = assert_openai_error(&reply.body);
    assert_eq!(err["code"], "model_not_found");
    assert!(err["message"].as_str().unwrap().contains("gpt-5-nano"));
}

#[tokio::test]
async fn a_wrong_or_missing_key_is_401() {
    let gw = TestGateway::start(
        "[server]\napi_keys = [\"sk-right\"]\n[providers.m]\nkind = \"mock\"\n[[models]]\nname = \"*\"\nprovider = \"m\"\n",
    )
    .await;
    for client in [
        Client::new(gw.url()),
        Client::new(gw.url()).header("authorization", "Bearer sk-wrong"),
        Client::new(gw.url()).header("api-key", "sk-wrong"),
    ] {
        let reply = client.chat(&hello()).await;
        assert_eq!(reply.status, 401);
        assert!(!reply.text().contains("sk-right"));
        assert_eq!(assert_openai_error(&reply.body)["code"], "invalid_api_key");
        // /v1/models needs the key too; /health does not.
        let reply = client.get("/v1/models").await;
        assert_eq!(reply.status, 401);
        assert_openai_error(&reply.body);
        assert_eq!(client.get("/health").await.status, 200);
    }
    let ok = Client::new(gw.url())
        .header("api-key", "sk-right")
        .chat(&hello())
        .await;
    assert_eq!(ok.status, 200);
}

#[tokio::test]
async fn a_body_over_the_cap_is_413() {
    let gw = TestGateway::start(
        "[server]\nmax_body_bytes = 1024\n[providers.m]\nkind = \"mock\"\n[[models]]\nname = \"*\"\nprovider = \"m\"\n",
    )
    .await;
    let big = json!({"model":"m","messages":[{"role":"user","content":"x".repeat(2000)}]});
    let reply = Client::new(gw.url()).chat(&big).await;
    assert_eq!(reply.status, 413);
    assert_openai_error(&reply.body);

    // Without a content-length (chunked), the cap still holds.
    let mut tcp = tokio::net::TcpStream::connect(gw.addr).await.unwrap();
    let chunk = "x".repeat(1500);
    let request = format!(
        "POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nconnection: close\r\ntransfer-encoding: chunked\r\ncontent-type: application/json\r\n\r\n{:x}\r\n{chunk}\r\n0\r\n\r\n",
        chunk.len()
    );
    tcp.write_all(request.as_bytes()).await.unwrap();
    let mut head = [0u8; 12];
    tcp.read_exact(&mut head).await.unwrap();
    assert_eq!(&head, b"HTTP/1.1 413");
    // With `connection: close` the answer ends at EOF; its body is an OpenAI error too.
    let mut rest = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), tcp.read_to_end(&mut rest))
        .await
        .expect("the gateway closes the connection")
        .unwrap();
    let rest = String::from_utf8(rest).unwrap();
    let (_, body) = rest.split_once("\r\n\r\n").unwrap();
    assert_openai_error(body.as_bytes());
}

#[tokio::test]
async fn an_unreachable_upstream_is_502() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let gw = TestGateway::openai(&format!("http://127.0.0.1:{port}/v1"), "").await;
    let reply = Client::new(gw.url()).chat(&hello()).await;
    assert_eq!(reply.status, 502);
    let err = assert_openai_error(&reply.body);
    assert!(!reply.text().contains("sk-upstream-secret"));
    assert!(
        err["message"]
            .as_str()
            .unwrap()
            .contains(&format!("127.0.0.1:{port}"))
    );
}

#[tokio::test]
async fn a_silent_upstream_is_504() {
    let upstream = Upstream::start(|_| Reply::Silence).await;
    let gw = TestGateway::start(&format!(
        "[providers.up]\nkind = \"openai\"\nbase_url = \"{}\"\nfirst_byte_timeout = 0.3\ntotal_timeout = 0.6\n[[models]]\nname = \"*\"\nprovider = \"up\"\n",
        upstream.base_url()
    ))
    .await;
    let client = Client::new(gw.url());
    let reply = client.chat(&hello()).await;
    assert_eq!(reply.status, 504);
    assert!(
        assert_openai_error(&reply.body)["message"]
            .as_str()
            .unwrap()
            .contains("total")
    );
    let mut stream = hello();
    stream["stream"] = json!(true);
    let reply = client.chat(&stream).await;
    assert_eq!(reply.status, 504);
    assert!(
        assert_openai_error(&reply.body)["message"]
            .as_str()
            .unwrap()
            .contains("first byte")
    );
}

#[tokio::test]
async fn an_upstream_429_keeps_retry_after_and_rate_limit_headers() {
    let upstream = Upstream::start(|_| {
        Reply::status_json(
            429,
            r#"{"error":{"message":"Rate limit reached for gpt-5-nano","type":"requests","param":null,"code":"rate_limit_exceeded"}}"#,
        )
        .header("retry-after", "3")
        .header("x-ratelimit-remaining-requests", "0")
    })
    .await;
    let gw = TestGateway::openai(&upstream.base_url(), "").await;
    let reply = Client::new(gw.url()).chat(&hello()).await;
    assert_eq!(reply.status, 429);
    assert_eq!(reply.headers["retry-after"], "3");
    assert_eq!(reply.headers["x-ratelimit-remaining-requests"], "0");
    assert_eq!(
        assert_openai_error(&reply.body)["code"],
        "rate_limit_exceeded"
    );
}

#[tokio::test]
async fn an_upstream_500_with_an_openai_body_is_forwarded_as_is() {
    const BODY: &str = r#"{"error":{"message":"The server had an error while processing your request.","type":"server_error","param":null,"code":null}}"#;
    let upstream = Upstream::start(|_| Reply::status_json(500, BODY)).await;
    let gw = TestGateway::openai(&upstream.base_url(), "").await;
    for stream in [false, true] {
        let mut req: serde_json::Value = serde_json::from_str(CHAT_BASIC_REQUEST).unwrap();
        req["stream"] = json!(stream);
        let reply = Client::new(gw.url()).chat(&req).await;
        assert_eq!(reply.status, 500);
        assert_eq!(reply.text(), BODY);
        assert_openai_error(&reply.body);
    }
}

#[tokio::test]
async fn an_upstream_echoing_our_key_is_scrubbed() {
    let upstream = Upstream::start(|_| {
        Reply::status_json(
            401,
            r#"{"error":{"message":"Incorrect API key provided: sk-upstream-secret-1234.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}"#,
        )
    })
    .await;
    let gw = TestGateway::openai(&upstream.base_url(), "").await;
    let reply = Client::new(gw.url()).chat(&hello()).await;
    assert_eq!(reply.status, 401);
    assert!(
        !reply.text().contains("sk-upstream-secret-1234"),
        "{}",
        reply.text()
    );
    assert_openai_error(&reply.body);
}

#[tokio::test]
async fn html_from_an_upstream_proxy_becomes_a_502() {
    let upstream = Upstream::start(|_| Reply::Body {
        status: 503,
        headers: vec![],
        content_type: "text/html",
        body: "<html>Service Unavailable</html>".into(),
    })
    .await;
    let gw = TestGateway::openai(&upstream.base_url(), "").await;
    let reply = Client::new(gw.url()).chat(&hello()).await;
    assert_eq!(reply.status, 502);
    assert!(
        assert_openai_error(&reply.body)["message"]
            .as_str()
            .unwrap()
            .contains("503")
    );
}

#[tokio::test]
async fn unknown_paths_are_404_and_wrong_methods_405() {
    let gw = TestGateway::mock().await;
    let client = Client::new(gw.url());
    let reply = client.get("/v1/embeddings").await;
    assert_eq!(reply.status, 404);
    assert_openai_error(&reply.body);
    let reply = client.get("/v1/chat/completions").await;
    assert_eq!(reply.status, 405);
    assert_eq!(reply.headers["allow"], "POST");
    assert_openai_error(&reply.body);
    let reply = client.post("/v1/models", "{}").await;
    assert_eq!(reply.status, 405);
    assert_eq!(reply.headers["allow"], "GET");
    assert_openai_error(&reply.body);
}
