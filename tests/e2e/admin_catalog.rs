//! Providers and models created at run time through the admin API: usable at once, kept
//! across a restart, secrets sealed and never shown, config-file names read-only, base
//! URLs held to the operator's allowlist, and private addresses refused on resolution.

use std::path::Path;

use http::Method;
use serde_json::{Value, json};
use tests::{Client, ClientReply, Reply, TestGateway, Upstream, assert_openai_error, fixtures};

const ADMIN: &str = "adm-catalog-0123456789abcdef";
const REMOTE_KEY: &str = "sk-remote-7c1e-key";

fn admin(gw: &TestGateway) -> Client {
    Client::new(gw.url()).header("authorization", &format!("Bearer {ADMIN}"))
}

async fn send(client: &Client, method: Method, path: &str, body: Value) -> ClientReply {
    let body = if body.is_null() {
        String::new()
    } else {
        body.to_string()
    };
    client.send(method, path, body).await
}

/// The error object of a reply that must have `status`.
fn error(reply: &ClientReply, status: u16) -> serde_json::Map<String, Value> {
    assert_eq!(reply.status, status, "{}", reply.text());
    assert_openai_error(&reply.body)
}

/// Writes a master key file (32 raw bytes) in `dir`; returns its path.
fn master_key(dir: &Path) -> String {
    let path = dir.join("master.key");
    std::fs::write(&path, [42u8; 32]).unwrap();
    path.display().to_string()
}

/// The config: a mock provider and model from the file, the admin key, and `extra`.
fn config(extra: &str) -> String {
    format!(
        "[server]\nadmin_key = \"{ADMIN}\"\n{extra}\n\
         [providers.mock]\nkind = \"mock\"\n[[models]]\nname = \"house\"\nprovider = \"mock\"\n"
    )
}

async fn upstream() -> Upstream {
    Upstream::start(|_| Reply::json(fixtures::CHAT_BASIC_RESPONSE)).await
}

fn chat(model: &str) -> Value {
    json!({"model": model, "messages": [{"role": "user", "content": "Hi"}]})
}

#[tokio::test]
async fn a_remote_model_is_served_at_once_and_after_a_restart() {
    let up = upstream().await;
    let dir = tempfile::tempdir().unwrap();
    let toml = config(&format!(
        "allowed_upstream_hosts = [\"127.0.0.1\"]\nallow_private_upstreams = true\n\
         [state]\npath = \"{}\"\nmaster_key_file = \"{}\"\n",
        dir.path().join("state.db").display(),
        master_key(dir.path())
    ));
    let mut gw = TestGateway::start(&toml).await;
    let created = send(
        &admin(&gw),
        Method::POST,
        "/admin/models",
        json!({"name": "meta/llama", "base_url": up.base_url(), "api_key": REMOTE_KEY,
            "model": "llama-3-8b", "default": true, "context_window": 8192}),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.text());
    let view = created.json();
    assert_eq!(view["source"], "admin");
    assert_eq!(view["default"], true);
    assert_eq!(view["provider"]["name"], "meta-llama");
    assert_eq!(view["provider"]["config"]["api_key"], "********");
    assert!(!created.text().contains(REMOTE_KEY));

    let client = Client::new(gw.url());
    let reply = client.chat(&chat("meta/llama")).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let seen = up.only_request();
    assert_eq!(seen.json()["model"], "llama-3-8b");
    assert_eq!(
        seen.headers["authorization"],
        format!("Bearer {REMOTE_KEY}").as_str()
    );
    // The default model serves a name nobody configured.
    let reply = client.chat(&chat("nobody-has-this")).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(up.seen().len(), 2);
    // Listed by /v1/models, read back with the secret masked.
    let models = client.get("/v1/models").await.json();
    assert!(
        models["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["id"] == "meta/llama"),
        "{models}"
    );
    let read = send(
        &admin(&gw),
        Method::GET,
        "/admin/providers/meta-llama",
        Value::Null,
    )
    .await;
    assert_eq!(read.status, 200, "{}", read.text());
    assert_eq!(read.json()["config"]["api_key"], "********");
    let tested = send(
        &admin(&gw),
        Method::POST,
        "/admin/providers/meta-llama/test",
        Value::Null,
    )
    .await;
    assert_eq!(tested.json()["ok"], true, "{}", tested.text());

    gw.shutdown().await.unwrap();
    let gw = TestGateway::start(&toml).await;
    let reply = Client::new(gw.url()).chat(&chat("meta/llama")).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(
        up.seen().last().unwrap().headers["authorization"],
        format!("Bearer {REMOTE_KEY}").as_str()
    );
    let listed = send(&admin(&gw), Method::GET, "/admin/models", Value::Null).await;
    let listed = listed.json();
    let names: Vec<(&str, &str, bool)> = listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["name"].as_str().unwrap(),
                m["source"].as_str().unwrap(),
                m["default"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        names,
        [("house", "config", false), ("meta/llama", "admin", true)]
    );
}

#[tokio::test]
async fn providers_are_created_changed_and_deleted_with_their_secret_kept() {
    let up = upstream().await;
    let dir = tempfile::tempdir().unwrap();
    let gw = TestGateway::start(&config(&format!(
        "allowed_upstream_hosts = [\"127.0.0.1\"]\nallow_private_upstreams = true\n\
         [state]\npath = \":memory:\"\nmaster_key_file = \"{}\"\n",
        master_key(dir.path())
    )))
    .await;
    let admin = admin(&gw);
    let created = send(
        &admin,
        Method::POST,
        "/admin/providers",
        json!({"name": "vllm", "kind": "openai", "base_url": up.base_url(), "api_key": REMOTE_KEY}),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.text());
    assert_eq!(created.json()["config"]["api_key"], "********");
    let model = send(
        &admin,
        Method::POST,
        "/admin/models",
        json!({"name": "small", "provider": "vllm", "model": "qwen-0.5b"}),
    )
    .await;
    assert_eq!(model.status, 201, "{}", model.text());

    // A change that leaves the key blank keeps it.
    let patched = send(
        &admin,
        Method::PATCH,
        "/admin/providers/vllm",
        json!({"api_key": "", "organization": "org-1"}),
    )
    .await;
    assert_eq!(patched.status, 200, "{}", patched.text());
    assert_eq!(patched.json()["config"]["organization"], "org-1");
    let reply = Client::new(gw.url()).chat(&chat("small")).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let seen = up.only_request();
    assert_eq!(
        seen.headers["authorization"],
        format!("Bearer {REMOTE_KEY}").as_str()
    );
    assert_eq!(seen.headers["openai-organization"], "org-1");

    let listed = send(&admin, Method::GET, "/admin/providers", Value::Null).await;
    let listed = listed.json();
    let names: Vec<(&str, &str)> = listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["name"].as_str().unwrap(), p["source"].as_str().unwrap()))
        .collect();
    assert_eq!(names, [("mock", "config"), ("vllm", "admin")]);

    // In use: refused; after its model goes, it can go too.
    let refused = send(&admin, Method::DELETE, "/admin/providers/vllm", Value::Null).await;
    assert_eq!(error(&refused, 409)["code"], "in_use");
    let gone = send(&admin, Method::DELETE, "/admin/models/small", Value::Null).await;
    assert_eq!(gone.status, 200, "{}", gone.text());
    let reply = Client::new(gw.url()).chat(&chat("small")).await;
    assert_eq!(error(&reply, 404)["code"], "model_not_found");
    let gone = send(&admin, Method::DELETE, "/admin/providers/vllm", Value::Null).await;
    assert_eq!(gone.status, 200, "{}", gone.text());
    let read = send(&admin, Method::GET, "/admin/providers/vllm", Value::Null).await;
    assert_eq!(error(&read, 404)["code"], "not_found");

    // A provider that names no base URL goes to its adapter's default host, which is held
    // to the allowlist too (checked before anything is sent).
    let plain = send(
        &admin,
        Method::POST,
        "/admin/providers",
        json!({"name": "plain", "kind": "openai", "api_key": "sk-plain"}),
    )
    .await;
    assert_eq!(plain.status, 201, "{}", plain.text());
    let model = send(
        &admin,
        Method::POST,
        "/admin/models",
        json!({"name": "openai-default", "provider": "plain", "model": "gpt-4o"}),
    )
    .await;
    assert_eq!(model.status, 201, "{}", model.text());
    let reply = Client::new(gw.url()).chat(&chat("openai-default")).await;
    assert_eq!(error(&reply, 502)["code"], "upstream_host_not_allowed");

    // Every change is in the audit log, without the key.
    let audit = send(&admin, Method::GET, "/admin/audit", Value::Null).await;
    let text = audit.text();
    for action in [
        "provider.create",
        "provider.update",
        "model.create",
        "model.delete",
        "provider.delete",
    ] {
        assert!(text.contains(action), "{action} missing: {text}");
    }
    assert!(!text.contains(REMOTE_KEY));
}

#[tokio::test]
async fn each_invalid_provider_is_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let key_file = master_key(dir.path());
    let gw = TestGateway::start(&config(&format!(
        "allowed_upstream_hosts = [\"*.example.com\", \"169.254.169.254\"]\n\
         [state]\npath = \":memory:\"\nmaster_key_file = \"{key_file}\"\n"
    )))
    .await;
    let admin = admin(&gw);
    let ok = json!({"name": "p1", "kind": "openai", "base_url": "https://llm.example.com/v1"});
    let with = |patch: Value| {
        let mut body = ok.clone();
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        body
    };
    for (body, status, param_or_code) in [
        (with(json!({"name": "bad name"})), 400, "name"),
        (with(json!({"name": null})), 400, "name"),
        (with(json!({"kind": "nope"})), 400, "kind"),
        (
            with(json!({"base_url": "https://evil.test/v1"})),
            400,
            "base_url",
        ),
        (
            with(json!({"base_url": "https://example.com/v1"})),
            400,
            "base_url",
        ),
        (
            with(json!({"base_url": "ftp://llm.example.com"})),
            400,
            "base_url",
        ),
        (
            with(json!({"base_url": "https://u:p@llm.example.com"})),
            400,
            "base_url",
        ),
        (
            with(json!({"base_url": "http://169.254.169.254/latest"})),
            400,
            "base_url",
        ),
        (with(json!({"total_timeout": -1})), 400, "total_timeout"),
        (
            with(json!({"api_key": "env:SWITCHBOARD_MASTER_KEY"})),
            400,
            "api_key",
        ),
        (
            with(json!({"headers": {"x-k": "env:HOME"}})),
            400,
            "headers.x-k",
        ),
        (json!({"name": "ds", "kind": "deepseek"}), 400, "api_key"),
        (
            json!({"name": "br", "kind": "bedrock", "region": "us-east-1", "profile": "p"}),
            400,
            "profile",
        ),
        (with(json!({"name": "mock"})), 409, "read_only"),
        (
            json!({"name": "az", "kind": "azure_openai"}),
            400,
            "invalid_provider",
        ),
    ] {
        let reply = send(&admin, Method::POST, "/admin/providers", body.clone()).await;
        let err = error(&reply, status);
        let got = err
            .get("param")
            .and_then(Value::as_str)
            .filter(|_| status == 400 && param_or_code != "invalid_provider");
        let got = got.or_else(|| err["code"].as_str());
        assert_eq!(got, Some(param_or_code), "{body}: {}", reply.text());
    }
    let created = send(&admin, Method::POST, "/admin/providers", ok.clone()).await;
    assert_eq!(created.status, 201, "{}", created.text());
    let again = send(&admin, Method::POST, "/admin/providers", ok).await;
    assert_eq!(error(&again, 409)["code"], "already_exists");
    let read_only = send(&admin, Method::PATCH, "/admin/providers/mock", json!({})).await;
    assert_eq!(error(&read_only, 409)["code"], "read_only");

    // Without a master key, a secret is refused and nothing is stored; an `env:` reference
    // is not a secret and is accepted.
    let bare = TestGateway::start(&config("allowed_upstream_hosts = [\"*.example.com\"]\n")).await;
    let bare_admin = Client::new(bare.url()).header("authorization", &format!("Bearer {ADMIN}"));
    let body = json!({"name": "p2", "kind": "openai", "base_url": "https://llm.example.com/v1",
        "api_key": REMOTE_KEY});
    let reply = send(&bare_admin, Method::POST, "/admin/providers", body).await;
    let err = error(&reply, 400);
    assert_eq!(err["code"], "no_master_key");
    assert!(
        err["message"]
            .as_str()
            .unwrap()
            .contains("SWITCHBOARD_MASTER_KEY")
    );
    assert!(!reply.text().contains(REMOTE_KEY));
    let missing = send(&bare_admin, Method::GET, "/admin/providers/p2", Value::Null).await;
    assert_eq!(missing.status, 404);

    // With no allowlist, no base URL is accepted at all.
    let closed = TestGateway::start(&config("")).await;
    let closed_admin =
        Client::new(closed.url()).header("authorization", &format!("Bearer {ADMIN}"));
    let reply = send(
        &closed_admin,
        Method::POST,
        "/admin/providers",
        json!({"name": "p3", "kind": "openai", "base_url": "https://llm.example.com/v1"}),
    )
    .await;
    let err = error(&reply, 400);
    assert!(
        err["message"]
            .as_str()
            .unwrap()
            .contains("allowed_upstream_hosts"),
        "{err:?}"
    );
}

#[tokio::test]
async fn each_invalid_model_is_refused_with_the_reason() {
    let gw = TestGateway::start(&config("")).await;
    let admin = admin(&gw);
    let created = send(
        &admin,
        Method::POST,
        "/admin/models",
        json!({"name": "mine", "provider": "mock", "aliases": ["my"]}),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.text());
    for (body, status, param_or_code) in [
        (json!({"provider": "mock"}), 400, "name"),
        (
            json!({"name": "x", "provider": "mock", "colour": "red"}),
            400,
            "colour",
        ),
        (
            json!({"name": "x", "provider": "ghost"}),
            400,
            "invalid_model",
        ),
        (json!({"name": "x"}), 400, "invalid_model"),
        (
            json!({"name": "x", "provider": "mock", "fallbacks": ["ghost"]}),
            400,
            "invalid_model",
        ),
        (
            json!({"name": "x", "provider": "mock", "limits": {"rpm": "many"}}),
            400,
            "invalid_model",
        ),
        (
            json!({"name": "x", "provider": "mock", "default": "yes"}),
            400,
            "default",
        ),
        (json!({"name": "x", "api_key": "k"}), 400, "api_key"),
        (
            json!({"name": "house", "provider": "mock"}),
            409,
            "read_only",
        ),
        (
            json!({"name": "x", "provider": "mock", "aliases": ["house"]}),
            409,
            "read_only",
        ),
        (
            json!({"name": "x", "provider": "mock", "aliases": ["my"]}),
            409,
            "already_exists",
        ),
        (
            json!({"name": "mine", "provider": "mock"}),
            409,
            "already_exists",
        ),
    ] {
        let reply = send(&admin, Method::POST, "/admin/models", body.clone()).await;
        let err = error(&reply, status);
        let got = if status == 400 {
            err.get("param")
                .and_then(Value::as_str)
                .or_else(|| err["code"].as_str())
        } else {
            err["code"].as_str()
        };
        assert_eq!(got, Some(param_or_code), "{body}: {}", reply.text());
    }
    let read_only = send(&admin, Method::DELETE, "/admin/models/house", Value::Null).await;
    assert_eq!(error(&read_only, 409)["code"], "read_only");

    // One default at a time: marking a second one unmarks the first.
    let second = send(
        &admin,
        Method::POST,
        "/admin/models",
        json!({"name": "second", "provider": "mock", "default": true}),
    )
    .await;
    assert_eq!(second.status, 201, "{}", second.text());
    let marked = send(
        &admin,
        Method::PATCH,
        "/admin/models/mine",
        json!({"default": true}),
    )
    .await;
    assert_eq!(marked.status, 200, "{}", marked.text());
    let listed = send(&admin, Method::GET, "/admin/models", Value::Null)
        .await
        .json();
    let defaults: Vec<&str> = listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["default"] == true)
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(defaults, ["mine"]);
    // A PATCH replaces where it is served and keeps the rest.
    let moved = send(
        &admin,
        Method::PATCH,
        "/admin/models/mine",
        json!({"model": "other-id"}),
    )
    .await;
    assert_eq!(moved.status, 200, "{}", moved.text());
    let moved = moved.json();
    assert_eq!(moved["deployments"][0]["model"], "other-id");
    assert_eq!(moved["config"]["aliases"], json!(["my"]));
    assert_eq!(moved["default"], true);

    // The config file's default wins: marking one at run time is refused.
    let fixed = TestGateway::start(&config("[routing]\ndefault_model = \"house\"\n")).await;
    let fixed_admin = Client::new(fixed.url()).header("authorization", &format!("Bearer {ADMIN}"));
    let reply = send(
        &fixed_admin,
        Method::POST,
        "/admin/models",
        json!({"name": "y", "provider": "mock", "default": true}),
    )
    .await;
    assert_eq!(error(&reply, 409)["code"], "read_only");
}

#[tokio::test]
async fn a_host_name_that_resolves_to_a_private_address_is_refused_on_connect() {
    let up = upstream().await;
    let port = up
        .base_url()
        .rsplit(':')
        .next()
        .unwrap()
        .trim_end_matches("/v1")
        .to_owned();
    let gw = TestGateway::start(&config(
        "allowed_upstream_hosts = [\"localhost\", \"127.0.0.1\"]\n",
    ))
    .await;
    let admin = admin(&gw);
    // An address written out is refused when the model is created...
    let literal = send(
        &admin,
        Method::POST,
        "/admin/models",
        json!({"name": "lit", "base_url": up.base_url()}),
    )
    .await;
    let err = error(&literal, 400);
    assert_eq!(err["param"], "base_url");
    assert!(
        err["message"].as_str().unwrap().contains("loopback"),
        "{err:?}"
    );
    // ...a host name is allowed by the list, and refused when it resolves to loopback.
    let named = send(
        &admin,
        Method::POST,
        "/admin/models",
        json!({"name": "named", "base_url": format!("http://localhost:{port}/v1")}),
    )
    .await;
    assert_eq!(named.status, 201, "{}", named.text());
    let reply = Client::new(gw.url()).chat(&chat("named")).await;
    let err = error(&reply, 502);
    assert_eq!(err["code"], "upstream_address_refused");
    assert!(
        err["message"]
            .as_str()
            .unwrap()
            .contains("a loopback address"),
        "{err:?}"
    );
    assert!(up.seen().is_empty(), "the upstream was reached");
    // The config file's providers are the operator's own: not guarded.
    let trusted = TestGateway::openai(&up.base_url(), "").await;
    let reply = Client::new(trusted.url()).chat(&chat("gpt-4o")).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
}
