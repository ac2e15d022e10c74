//! A canary: a provider key that the upstream echoes back on purpose must never come out of
//! the gateway, not in a response, not in a log line (at debug), not in the state database.
//! The gateway and admin keys must not reach the logs or the database either.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests: a panic is a failed test"
)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// The provider key: it goes upstream, and the upstream echoes it in its error.
const CANARY: &str = "sk-canary-4d1f-provider-key";
/// The canary's distinctive middle, caught even when the rest is cut or masked.
const CANARY_MIDDLE: &str = "4d1f-provider";
/// A provider key given through the admin API: sealed in the database, never shown.
const RUNTIME_CANARY: &str = "sk-canary-9e2a-runtime-key";
const ADMIN_KEY: &str = "sk-admin-canary-0000";
const GATEWAY_KEY: &str = "sk-gw-canary-1111";
const WRONG_KEY: &str = "sk-gw-canary-wrong-2222";

// ---------------------------------------------------------------------------------------
// A tiny OpenAI-speaking upstream that echoes the Authorization header in its 401.

/// One request as the upstream read it.
struct Seen {
    method: String,
    path: String,
    authorization: String,
}

/// Starts the upstream on `127.0.0.1:0`; its thread ends with the test process.
fn upstream() -> (String, Arc<Mutex<Vec<Seen>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(conn) = conn else { continue };
            let log = log.clone();
            std::thread::spawn(move || serve_one(conn, &log));
        }
    });
    (addr, seen)
}

/// Reads one request, answers it and closes the connection.
fn serve_one(conn: TcpStream, log: &Mutex<Vec<Seen>>) {
    conn.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut reader = BufReader::new(conn.try_clone().unwrap());
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_owned();
    let path = parts.next().unwrap_or_default().to_owned();
    let (mut length, mut chunked, mut authorization) = (0usize, false, String::new());
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).unwrap();
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':').unwrap();
        let value = value.trim();
        match name.to_ascii_lowercase().as_str() {
            "content-length" => length = value.parse().unwrap(),
            "transfer-encoding" => chunked = value.eq_ignore_ascii_case("chunked"),
            "authorization" => authorization = value.to_owned(),
            _ => {}
        }
    }
    let body = if chunked {
        read_chunked(&mut reader)
    } else {
        let mut body = vec![0; length];
        reader.read_exact(&mut body).unwrap();
        body
    };
    let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let (status, content_type, answer) = answer(&method, &path, &request, &authorization);
    log.lock().unwrap().push(Seen {
        method,
        path,
        authorization,
    });
    let mut conn = conn;
    let _ = write!(
        conn,
        "HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{answer}",
        answer.len()
    );
}

/// The upstream's answer: status line tail, content type and body.
fn answer(
    method: &str,
    path: &str,
    request: &Value,
    authorization: &str,
) -> (&'static str, &'static str, String) {
    if method == "GET" && path.ends_with("/models") {
        let list = json!({"object": "list", "data": [
            {"id": "gpt-canary", "object": "model", "created": 0, "owned_by": "canary"}
        ]});
        return ("200 OK", "application/json", list.to_string());
    }
    if !path.ends_with("/chat/completions") {
        return ("404 Not Found", "text/plain", "no such path".to_owned());
    }
    let model = request["model"].as_str().unwrap_or_default();
    if model == "leaky" {
        // On purpose, like a careless upstream: the key it was sent, in full.
        let error = json!({"error": {
            "message": format!("Incorrect API key provided: {authorization}"),
            "type": "invalid_request_error",
            "param": null,
            "code": "invalid_api_key",
        }});
        return ("401 Unauthorized", "application/json", error.to_string());
    }
    let usage = json!({"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7});
    if request["stream"] == json!(true) {
        let chunk = |delta: Value, finish: Value, usage: Value| {
            let mut c = json!({"id": "chatcmpl-canary", "object": "chat.completion.chunk",
                "created": 1, "model": model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]});
            if !usage.is_null() {
                c["usage"] = usage;
            }
            format!("data: {c}\n\n")
        };
        let mut sse = chunk(
            json!({"role": "assistant", "content": "Hel"}),
            Value::Null,
            Value::Null,
        );
        sse += &chunk(json!({"content": "lo"}), json!("stop"), Value::Null);
        sse += &chunk(json!({}), Value::Null, usage);
        sse += "data: [DONE]\n\n";
        return ("200 OK", "text/event-stream", sse);
    }
    let completion = json!({
        "id": "chatcmpl-canary", "object": "chat.completion", "created": 1, "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello"},
            "logprobs": null, "finish_reason": "stop"}],
        "usage": usage,
    });
    ("200 OK", "application/json", completion.to_string())
}

/// Reads a `transfer-encoding: chunked` body to its end.
fn read_chunked(reader: &mut impl BufRead) -> Vec<u8> {
    let mut body = Vec::new();
    loop {
        let mut size = String::new();
        reader.read_line(&mut size).unwrap();
        let size = usize::from_str_radix(size.trim().split(';').next().unwrap(), 16).unwrap();
        let mut chunk = vec![0; size + 2];
        reader.read_exact(&mut chunk).unwrap();
        if size == 0 {
            return body;
        }
        body.extend_from_slice(&chunk[..size]);
    }
}

// ---------------------------------------------------------------------------------------
// A blocking HTTP/1.1 client.

/// One answer from the gateway.
struct Answer {
    status: u16,
    /// The body, de-chunked.
    body: String,
    /// The bytes as received: status line, headers and body.
    raw: String,
}

fn call(addr: &str, method: &str, path: &str, key: Option<&str>, body: Option<&str>) -> Answer {
    let mut tcp = TcpStream::connect(addr).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut request = format!("{method} {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n");
    if let Some(key) = key {
        request += &format!("authorization: Bearer {key}\r\n");
    }
    let body = body.unwrap_or_default();
    if method != "GET" {
        request += &format!(
            "content-type: application/json\r\ncontent-length: {}\r\n",
            body.len()
        );
    }
    request += "\r\n";
    request += body;
    tcp.write_all(request.as_bytes()).unwrap();
    let mut raw = Vec::new();
    tcp.read_to_end(&mut raw).unwrap();
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (head, rest) = raw.split_once("\r\n\r\n").unwrap();
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        String::from_utf8(read_chunked(&mut rest.as_bytes())).unwrap()
    } else {
        rest.to_owned()
    };
    Answer { status, body, raw }
}

// ---------------------------------------------------------------------------------------
// The gateway process.

struct Gateway {
    child: Child,
    addr: String,
    stderr: Option<JoinHandle<String>>,
    stdout: Option<JoinHandle<String>>,
}

/// A test that fails before [`stop`] leaves no gateway running.
impl Drop for Gateway {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Starts the binary in `dir` and waits for its "listening" line.
fn start(dir: &Path, config: &str) -> Gateway {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_switchboard"));
    cmd.current_dir(dir);
    for var in [
        "OPENAI_API_KEY",
        "OPENAI_API_BASE",
        "OPENAI_BASE_URL",
        "OPENAI_MODEL",
        "FORCE_MOCK_OPENAI",
    ] {
        cmd.env_remove(var);
    }
    let mut child = cmd
        .args(["--config", config, "--listen", "127.0.0.1:0"])
        .env("SWITCHBOARD_LOG", "debug")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = mpsc::channel();
    let err = BufReader::new(child.stderr.take().unwrap());
    let stderr = std::thread::spawn(move || {
        let mut all = String::new();
        for line in err.lines() {
            let line = line.unwrap();
            if let Some(rest) = line.split("listening on http://").nth(1) {
                let addr: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | ':'))
                    .collect();
                let _ = tx.send(addr);
            }
            all.push_str(&line);
            all.push('\n');
        }
        all
    });
    let mut out = child.stdout.take().unwrap();
    let stdout = std::thread::spawn(move || {
        let mut all = String::new();
        out.read_to_string(&mut all).unwrap();
        all
    });
    let addr = match rx.recv_timeout(Duration::from_secs(30)) {
        Ok(addr) => addr,
        Err(_) => {
            let _ = child.kill();
            let _ = child.wait();
            panic!("no listening line:\n{}", stderr.join().unwrap());
        }
    };
    Gateway {
        child,
        addr,
        stderr: Some(stderr),
        stdout: Some(stdout),
    }
}

/// Sends SIGTERM, waits for the exit, and returns stdout followed by stderr.
fn stop(mut gateway: Gateway) -> String {
    let killed = Command::new("kill")
        .args(["-TERM", &gateway.child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let started = Instant::now();
    let status = loop {
        if let Some(status) = gateway.child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(15) {
            let _ = gateway.child.kill();
            panic!("no exit after SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let logs = gateway.stdout.take().unwrap().join().unwrap()
        + &gateway.stderr.take().unwrap().join().unwrap();
    assert!(status.success(), "{status}\n{logs}");
    logs
}

/// The state database's bytes: `state.db` and any `-wal`, `-shm` or `-journal` beside it.
fn database_bytes(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with("state.db") {
            files.push((name, std::fs::read(entry.path()).unwrap()));
        }
    }
    files
}

/// Panics with `place` when `haystack` holds one of `needles`.
fn assert_absent(place: &str, haystack: &[u8], needles: &[&str]) {
    for needle in needles {
        if let Some(at) = memfind(haystack, needle.as_bytes()) {
            let from = at.saturating_sub(200);
            let to = (at + needle.len() + 200).min(haystack.len());
            panic!(
                "`{needle}` leaked into {place}, at byte {at}:\n…{}…",
                String::from_utf8_lossy(&haystack[from..to])
            );
        }
    }
}

fn memfind(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

// ---------------------------------------------------------------------------------------

#[test]
fn the_provider_key_never_leaks() {
    let (up, seen) = upstream();
    let dir = tempfile::tempdir().unwrap();
    let config = format!(
        "[server]\nadmin_key = \"{ADMIN_KEY}\"\napi_keys = [\"{GATEWAY_KEY}\"]\n\
         allowed_upstream_hosts = [\"127.0.0.1\"]\nallow_private_upstreams = true\n\
         [state]\npath = \"state.db\"\nmaster_key_file = \"master.key\"\n[log]\nformat = \"json\"\n\
         [providers.up]\nkind = \"openai\"\nbase_url = \"http://{up}/v1\"\napi_key = \"{CANARY}\"\n\
         [[models]]\nname = \"*\"\nprovider = \"up\"\n"
    );
    std::fs::write(dir.path().join("canary.toml"), config).unwrap();
    std::fs::write(dir.path().join("master.key"), [7u8; 32]).unwrap();
    let gateway = start(dir.path(), "canary.toml");
    let addr = gateway.addr.clone();
    let chat =
        |key: &str, body: &str| call(&addr, "POST", "/v1/chat/completions", Some(key), Some(body));
    let admin = |method: &str, path: &str, body: Option<&str>| {
        call(&addr, method, path, Some(ADMIN_KEY), body)
    };
    let hello = r#"{"model":"gpt-canary","messages":[{"role":"user","content":"Hello!"}]}"#;

    let mut answers: Vec<(&str, Answer)> = Vec::new();
    let ok = chat(GATEWAY_KEY, hello);
    assert_eq!(ok.status, 200, "{}", ok.raw);
    assert!(ok.body.contains(r#""content":"Hello""#), "{}", ok.raw);
    answers.push(("chat", ok));

    let leaky = chat(
        GATEWAY_KEY,
        r#"{"model":"leaky","messages":[{"role":"user","content":"Hi"}]}"#,
    );
    assert_eq!(leaky.status, 401, "{}", leaky.raw);
    let error: Value = serde_json::from_str(&leaky.body).unwrap();
    let keys: Vec<&str> = error["error"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for key in ["message", "type", "param", "code"] {
        assert!(keys.contains(&key), "no `{key}` in {}", leaky.body);
    }
    assert_eq!(error["error"]["code"], "invalid_api_key", "{}", leaky.body);
    assert_eq!(error["error"]["type"], "invalid_request_error");
    let message = error["error"]["message"].as_str().unwrap();
    assert!(
        message.starts_with("Incorrect API key provided: ") && message.contains("********"),
        "the echoed key is not masked: {message}"
    );
    answers.push(("leaky chat", leaky));

    let stream = chat(
        GATEWAY_KEY,
        r#"{"model":"gpt-canary","stream":true,"messages":[{"role":"user","content":"Hi"}]}"#,
    );
    assert_eq!(stream.status, 200, "{}", stream.raw);
    assert!(stream.body.contains("data: [DONE]"), "{}", stream.raw);
    answers.push(("stream", stream));

    let wrong = chat(WRONG_KEY, hello);
    assert_eq!(wrong.status, 401, "{}", wrong.raw);
    answers.push(("wrong key", wrong));

    let metrics = call(&addr, "GET", "/metrics", Some(GATEWAY_KEY), None);
    assert_eq!(metrics.status, 200, "{}", metrics.raw);
    answers.push(("metrics", metrics));

    let created = admin("POST", "/admin/keys", Some(r#"{"name":"canary"}"#));
    assert_eq!(created.status, 201, "{}", created.raw);
    let virtual_key = serde_json::from_str::<Value>(&created.body).unwrap()["key"]
        .as_str()
        .unwrap()
        .to_owned();
    answers.push(("POST /admin/keys", created));
    let by_virtual = chat(&virtual_key, hello);
    assert_eq!(by_virtual.status, 200, "{}", by_virtual.raw);
    answers.push(("chat with the virtual key", by_virtual));
    for path in [
        "/admin/keys",
        "/admin/usage?group_by=key,model",
        "/admin/usage?format=csv",
        "/admin/audit",
    ] {
        let got = admin("GET", path, None);
        assert_eq!(got.status, 200, "{path}: {}", got.raw);
        answers.push((path, got));
    }
    let tested = admin("POST", "/admin/providers/up/test", None);
    assert_eq!(tested.status, 200, "{}", tested.raw);
    assert!(tested.body.contains(r#""ok":true"#), "{}", tested.raw);
    answers.push(("POST /admin/providers/up/test", tested));

    // A provider created at run time with its own key: stored sealed, read back masked,
    // kept by a change that leaves it blank, and used upstream.
    let provider = format!(
        r#"{{"name":"rt","kind":"openai","base_url":"http://{up}/v1","api_key":"{RUNTIME_CANARY}"}}"#
    );
    let created = admin("POST", "/admin/providers", Some(&provider));
    assert_eq!(created.status, 201, "{}", created.raw);
    answers.push(("POST /admin/providers", created));
    let patched = admin(
        "PATCH",
        "/admin/providers/rt",
        Some(r#"{"api_key":"","organization":"org-canary"}"#),
    );
    assert_eq!(patched.status, 200, "{}", patched.raw);
    answers.push(("PATCH /admin/providers/rt", patched));
    let model = admin(
        "POST",
        "/admin/models",
        Some(r#"{"name":"rt-model","provider":"rt","model":"gpt-canary"}"#),
    );
    assert_eq!(model.status, 201, "{}", model.raw);
    answers.push(("POST /admin/models", model));
    let by_runtime = chat(
        GATEWAY_KEY,
        r#"{"model":"rt-model","messages":[{"role":"user","content":"Hello!"}]}"#,
    );
    assert_eq!(by_runtime.status, 200, "{}", by_runtime.raw);
    answers.push(("chat through the runtime provider", by_runtime));
    for path in [
        "/admin/providers",
        "/admin/providers/rt",
        "/admin/models",
        "/admin/audit",
    ] {
        let got = admin("GET", path, None);
        assert_eq!(got.status, 200, "{path}: {}", got.raw);
        answers.push((path, got));
    }

    let logs = stop(gateway);

    // The canary did go upstream and come back: otherwise this test would prove nothing.
    let seen = seen.lock().unwrap();
    assert!(
        seen.iter().any(|s| s.method == "POST"
            && s.path == "/v1/chat/completions"
            && s.authorization == format!("Bearer {CANARY}")),
        "the upstream never received the canary"
    );
    assert!(
        seen.iter()
            .any(|s| s.authorization == format!("Bearer {RUNTIME_CANARY}")),
        "the upstream never received the runtime canary"
    );
    assert!(
        logs.contains("\"level\":\"DEBUG\""),
        "no debug lines:\n{logs}"
    );

    for (name, answer) in &answers {
        let place = format!("the answer to {name}");
        let canaries = [CANARY, CANARY_MIDDLE, RUNTIME_CANARY];
        assert_absent(&place, answer.raw.as_bytes(), &canaries);
        assert_absent(&place, answer.body.as_bytes(), &canaries);
    }
    let secrets = [
        CANARY,
        CANARY_MIDDLE,
        RUNTIME_CANARY,
        ADMIN_KEY,
        GATEWAY_KEY,
        WRONG_KEY,
        &virtual_key,
    ];
    assert_absent("the gateway's stdout and stderr", logs.as_bytes(), &secrets);
    let files = database_bytes(dir.path());
    assert!(
        files.iter().any(|(name, _)| name == "state.db"),
        "no state.db"
    );
    for (name, bytes) in &files {
        assert_absent(name, bytes, &secrets);
    }
}
