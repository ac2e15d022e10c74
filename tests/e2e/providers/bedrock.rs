//! Kind `bedrock` end to end: the gateway against a local Bedrock Runtime that checks the
//! SigV4 signature of every request itself (recomputed from the request as received, with
//! the test credentials; a mismatch is a 403 `InvalidSignatureException`), and answers in
//! Bedrock's wire format: Converse JSON, binary AWS event-stream frames for
//! ConverseStream and InvokeModelWithResponseStream, `x-amzn-errortype` errors. Bodies are
//! vercel/ai's recorded ConverseStream events (see
//! `adapters/switchboard-bedrock/fixtures/NOTICE.md`), framed into binary here.
//!
//! The server is written here rather than with `tests::Upstream` because event-stream
//! bodies are binary and `Upstream` replies are text.

use std::convert::Infallible;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde_json::{Value, json};
use switchboard_bedrock::eventstream::{encode_event, encode_exception};
use switchboard_bedrock::sign::{AwsCredentials, expected_signature, parse_amz_date};
use tests::{Client, TestGateway, assert_openai_error, schema};
use tokio::net::TcpListener;

use crate::responses::{assert_well_formed, events, types};

const FIXTURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../adapters/switchboard-bedrock/fixtures/converse"
);
const AKID: &str = "AKIDEXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const TOKEN: &str = "FQoGZXIvYXdzEXAMPLETOKEN";
const REGION: &str = "eu-west-1";
const MODEL: &str = "eu.anthropic.claude-sonnet-4-5-20250929-v1:0";

/// One request the server accepted (signature valid).
#[derive(Debug, Clone)]
struct Seen {
    path: String,
    headers: http::HeaderMap,
    body: Value,
}

/// What the server answers once the signature checks: status, headers, body bytes.
type Answer = (u16, Vec<(&'static str, String)>, Vec<u8>);

struct Bedrock {
    addr: std::net::SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
}

/// Checks the request's SigV4 signature; `None` when it is valid.
fn check_signature(
    method: &str,
    path: &str,
    headers: &http::HeaderMap,
    body: &[u8],
) -> Option<String> {
    let auth = headers.get("authorization")?.to_str().ok()?;
    let rest = auth.strip_prefix("AWS4-HMAC-SHA256 ")?;
    let field = |name: &str| {
        rest.split(", ")
            .find_map(|p| p.strip_prefix(name))
            .map(str::to_owned)
    };
    let credential = field("Credential=")?;
    if credential
        != format!(
            "{AKID}/{}/{REGION}/bedrock/aws4_request",
            &headers["x-amz-date"].to_str().ok()?[..8]
        )
    {
        return Some(format!("bad credential scope {credential}"));
    }
    let signed = field("SignedHeaders=")?;
    let signed: Vec<&str> = signed.split(';').collect();
    let time = parse_amz_date(headers.get("x-amz-date")?.to_str().ok()?)?;
    let credentials = AwsCredentials {
        access_key_id: AKID.into(),
        secret_access_key: SECRET.into(),
        session_token: headers
            .get("x-amz-security-token")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    };
    let mut received = http::Request::builder()
        .method(method)
        .uri(path)
        .body(Bytes::copy_from_slice(body))
        .ok()?;
    *received.headers_mut() = headers.clone();
    let expected =
        expected_signature(&received, &signed, &credentials, REGION, "bedrock", time).ok()?;
    let got = field("Signature=")?;
    (got != expected).then(|| format!("signature {got} != {expected}"))
}

impl Bedrock {
    async fn start(handler: impl Fn(&Seen) -> Answer + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let handler = Arc::new(handler);
        let log = seen.clone();
        tokio::spawn(async move {
            loop {
                let Ok((socket, _)) = listener.accept().await else {
                    return;
                };
                let (handler, log) = (handler.clone(), log.clone());
                tokio::spawn(async move {
                    let service = service_fn(move |req: http::Request<hyper::body::Incoming>| {
                        let (handler, log) = (handler.clone(), log.clone());
                        async move {
                            let (parts, body) = req.into_parts();
                            let body = body
                                .collect()
                                .await
                                .map(|b| b.to_bytes())
                                .unwrap_or_default();
                            let path = parts
                                .uri
                                .path_and_query()
                                .map(|p| p.as_str().to_owned())
                                .unwrap_or_default();
                            let answer: Answer = if parts.headers.get("authorization").is_none() {
                                (
                                    403,
                                    vec![(
                                        "x-amzn-errortype",
                                        "MissingAuthenticationTokenException:".into(),
                                    )],
                                    br#"{"message":"Missing Authentication Token"}"#.to_vec(),
                                )
                            } else if let Some(why) =
                                check_signature(parts.method.as_str(), &path, &parts.headers, &body)
                            {
                                (403, vec![("x-amzn-errortype", "InvalidSignatureException:http://internal.amazon.com/coral/com.amazon.coral.service/".into())],
                                 json!({"message": format!("The request signature we calculated does not match the signature you provided. {why}")}).to_string().into_bytes())
                            } else {
                                let seen = Seen {
                                    path,
                                    headers: parts.headers.clone(),
                                    body: serde_json::from_slice(&body).unwrap_or(Value::Null),
                                };
                                log.lock().unwrap().push(seen.clone());
                                handler(&seen)
                            };
                            let mut response = http::Response::builder()
                                .status(answer.0)
                                .header("x-amzn-requestid", "req-1");
                            for (name, value) in answer.1 {
                                response = response.header(name, value);
                            }
                            Ok::<_, Infallible>(
                                response.body(Full::new(Bytes::from(answer.2))).unwrap(),
                            )
                        }
                    });
                    let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                        .serve_connection(TokioIo::new(socket), service)
                        .await;
                });
            }
        });
        Self { addr, seen }
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{FIXTURES}/{name}")).unwrap()
}

/// A `.chunks.txt` recording as a ConverseStream body.
fn framed(name: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for line in fixture(name).lines().filter(|l| !l.trim().is_empty()) {
        let event: serde_json::Map<String, Value> = serde_json::from_str(line).unwrap();
        let (kind, payload) = event.into_iter().next().unwrap();
        out.extend(encode_event(&kind, payload.to_string().as_bytes()));
    }
    out
}

fn stream_answer(body: Vec<u8>) -> Answer {
    (
        200,
        vec![("content-type", "application/vnd.amazon.eventstream".into())],
        body,
    )
}

fn json_answer(body: String) -> Answer {
    (
        200,
        vec![("content-type", "application/json".into())],
        body.into_bytes(),
    )
}

async fn gateway(upstream: &Bedrock, extra: &str) -> TestGateway {
    TestGateway::start(&format!(
        "[providers.aws]\nkind = \"bedrock\"\nendpoint = \"http://{}\"\nregion = \"{REGION}\"\n\
         access_key_id = \"{AKID}\"\nsecret_access_key = \"{SECRET}\"\nsession_token = \"{TOKEN}\"\n{extra}\n\
         [[models]]\nname = \"claude\"\nprovider = \"aws\"\nmodel = \"{MODEL}\"\n",
        upstream.addr
    ))
    .await
}

/// The `data:` payloads of a chat stream, `[DONE]` left out.
fn chunks(text: &str) -> Vec<Value> {
    text.split("\n\n")
        .filter_map(|f| f.strip_prefix("data: "))
        .filter(|d| *d != "[DONE]")
        .map(|d| serde_json::from_str(d).unwrap())
        .collect()
}

fn joined(chunks: &[Value], field: &str) -> String {
    chunks
        .iter()
        .filter_map(|c| c["choices"][0]["delta"][field].as_str())
        .collect()
}

const ENCODED: &str = "/model/eu.anthropic.claude-sonnet-4-5-20250929-v1%3A0";

#[tokio::test]
async fn a_signed_converse_chat_translates_the_recorded_answer() {
    let body = fixture("amazon-bedrock-text.json");
    let upstream = Bedrock::start(move |_| json_answer(body.clone())).await;
    let gw = gateway(&upstream, "").await;
    let reply = Client::new(gw.url())
        .chat(&json!({"model": "claude", "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}], "max_tokens": 50}))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let answer = reply.json();
    schema::validate("CreateChatCompletionResponse", &answer);
    assert!(
        !answer["choices"][0]["message"]["content"]
            .as_str()
            .unwrap()
            .is_empty()
    );
    assert_eq!(answer["choices"][0]["finish_reason"], "stop");
    let seen = upstream.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].path, format!("{ENCODED}/converse"));
    assert_eq!(seen[0].headers["x-amz-security-token"], TOKEN);
    assert_eq!(seen[0].body["system"], json!([{"text": "Be brief."}]));
    assert_eq!(seen[0].body["inferenceConfig"]["maxTokens"], 50);
}

#[tokio::test]
async fn a_converse_stream_has_reasoning_text_finish_and_usage() {
    let upstream =
        Bedrock::start(|_| stream_answer(framed("amazon-bedrock-reasoning.chunks.txt"))).await;
    let gw = gateway(&upstream, "").await;
    let reply = Client::new(gw.url())
        .chat(&json!({"model": "claude", "messages": [{"role": "user", "content": "Think"}], "stream": true,
            "stream_options": {"include_usage": true}}))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let text = reply.text();
    schema::validate_sse_chat(&text);
    let chunks = chunks(&text);
    assert!(!joined(&chunks, "reasoning_content").is_empty());
    assert!(!joined(&chunks, "content").is_empty());
    assert!(
        chunks
            .iter()
            .any(|c| c["choices"][0]["finish_reason"] == "stop")
    );
    assert!(
        chunks.last().unwrap()["usage"]["total_tokens"]
            .as_u64()
            .unwrap()
            > 0
    );
    assert_eq!(
        upstream.seen()[0].path,
        format!("{ENCODED}/converse-stream")
    );
}

#[tokio::test]
async fn a_streamed_tool_call() {
    let upstream =
        Bedrock::start(|_| stream_answer(framed("amazon-bedrock-redacted-content.chunks.txt")))
            .await;
    let gw = gateway(&upstream, "").await;
    let reply = Client::new(gw.url())
        .chat(&json!({"model": "claude", "messages": [{"role": "user", "content": "Use the tool"}], "stream": true,
            "tools": [{"type": "function", "function": {"name": "tool", "parameters": {"type": "object"}}}]}))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let chunks = chunks(&reply.text());
    let args: String = chunks
        .iter()
        .filter_map(|c| c["choices"][0]["delta"]["tool_calls"][0]["function"]["arguments"].as_str())
        .collect();
    let _: Value = serde_json::from_str(&args).unwrap();
    assert!(
        chunks
            .iter()
            .any(|c| c["choices"][0]["finish_reason"] == "tool_calls")
    );
    assert!(upstream.seen()[0].body["toolConfig"]["tools"][0]["toolSpec"]["name"].is_string());
}

#[tokio::test]
async fn invoke_model_streams_anthropic_events_in_chunk_frames() {
    let events = [
        json!({"type":"message_start","message":{"id":"msg_bdrk_1","model":"claude","role":"assistant","content":[],"usage":{"input_tokens":10,"output_tokens":1}}}),
        json!({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}),
        json!({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}),
        json!({"type":"content_block_stop","index":0}),
        json!({"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":15}}),
        json!({"type":"message_stop"}),
    ];
    let mut body = Vec::new();
    for event in &events {
        let b64 = b64(event.to_string().as_bytes());
        body.extend(encode_event(
            "chunk",
            json!({"bytes": b64}).to_string().as_bytes(),
        ));
    }
    let upstream = Bedrock::start(move |_| stream_answer(body.clone())).await;
    let gw = gateway(&upstream, "api = \"invoke\"").await;
    let reply = Client::new(gw.url())
        .chat(&json!({"model": "claude", "messages": [{"role": "user", "content": "Hi"}], "stream": true}))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(joined(&chunks(&reply.text()), "content"), "Hello");
    let seen = &upstream.seen()[0];
    assert_eq!(seen.path, format!("{ENCODED}/invoke-with-response-stream"));
    assert_eq!(seen.body["anthropic_version"], "bedrock-2023-05-31");
    assert!(seen.body.get("model").is_none());
}

#[tokio::test]
async fn throttling_is_a_429_with_an_openai_error_body() {
    let upstream = Bedrock::start(|_| {
        (
            429,
            vec![(
                "x-amzn-errortype",
                "ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/".into(),
            )],
            br#"{"message":"Too many requests, please wait before trying again."}"#.to_vec(),
        )
    })
    .await;
    let gw = gateway(&upstream, "").await;
    let reply = Client::new(gw.url())
        .chat(&json!({"model": "claude", "messages": [{"role": "user", "content": "Hi"}]}))
        .await;
    assert_eq!(reply.status, 429);
    let error = assert_openai_error(&reply.body);
    assert_eq!(error["code"], "ThrottlingException");
    assert!(!reply.text().contains(SECRET));
}

#[tokio::test]
async fn a_mid_stream_exception_ends_the_stream_with_an_error() {
    let mut body = encode_event("messageStart", br#"{"role":"assistant"}"#);
    body.extend(encode_exception(
        "modelStreamErrorException",
        br#"{"message":"Model Stream Error"}"#,
    ));
    let upstream = Bedrock::start(move |_| stream_answer(body.clone())).await;
    let gw = gateway(&upstream, "").await;
    let reply = Client::new(gw.url())
        .chat(&json!({"model": "claude", "messages": [{"role": "user", "content": "Hi"}], "stream": true}))
        .await;
    let text = reply.text();
    assert!(text.contains("Model Stream Error"), "{text}");
    assert!(!text.contains("[DONE]"));
}

#[tokio::test]
async fn a_wrong_secret_is_refused_by_the_signature_check() {
    let upstream = Bedrock::start(|_| json_answer("{}".into())).await;
    let gw = TestGateway::start(&format!(
        "[providers.aws]\nkind = \"bedrock\"\nendpoint = \"http://{}\"\nregion = \"{REGION}\"\n\
         access_key_id = \"{AKID}\"\nsecret_access_key = \"not-the-secret\"\n\
         [[models]]\nname = \"claude\"\nprovider = \"aws\"\nmodel = \"{MODEL}\"\n",
        upstream.addr
    ))
    .await;
    let reply = Client::new(gw.url())
        .chat(&json!({"model": "claude", "messages": [{"role": "user", "content": "Hi"}]}))
        .await;
    assert_eq!(reply.status, 502, "{}", reply.text());
    let error = assert_openai_error(&reply.body);
    assert_eq!(error["code"], "InvalidSignatureException");
    assert!(upstream.seen().is_empty());
    assert!(!reply.text().contains("not-the-secret"));
}

#[tokio::test]
async fn responses_with_a_tool_call_ride_on_converse_stream() {
    let upstream =
        Bedrock::start(|_| stream_answer(framed("amazon-bedrock-tool-no-args.chunks.txt"))).await;
    let gw = gateway(&upstream, "").await;
    let text = Client::new(gw.url())
        .post(
            "/v1/responses",
            json!({"model": "claude", "input": "Update the issues", "stream": true,
                "tools": [{"type": "function", "name": "updateIssueList", "parameters": {"type": "object"}}]})
            .to_string(),
        )
        .await
        .text();
    let events = events(&text);
    assert_well_formed(&events);
    let t = types(&events);
    assert_eq!(*t.last().unwrap(), "response.completed", "{t:?}");
    let output = events.last().unwrap()["response"]["output"]
        .as_array()
        .unwrap()
        .clone();
    let call = output
        .iter()
        .find(|i| i["type"] == "function_call")
        .unwrap();
    assert_eq!(call["arguments"], "{}");
    assert_eq!(
        upstream.seen()[0].path,
        format!("{ENCODED}/converse-stream")
    );
}

fn b64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in bytes.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= c.len() {
                out.push(char::from(A[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}
