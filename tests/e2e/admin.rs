//! The admin API (`/admin/...`): off without `server.admin_key`, its own key (never a
//! gateway key), virtual keys created once and never shown again, usage reports in JSON
//! and CSV, and the audit log of every change.

use http::Method;
use serde_json::{Value, json};
use switchboard_state::{UsageRecord, now_ms};
use tests::{Client, ClientReply, TestGateway, assert_openai_error};

const ADMIN: &str = "adm-test-0123456789abcdef";
const GATEWAY_KEY: &str = "sk-gw-test-1";
const NAMED_KEY: &str = "sk-named-test-2";

/// A mock gateway with gateway keys (plain and named) and the admin key.
async fn gateway() -> TestGateway {
    TestGateway::start(&format!(
        "[server]\napi_keys = [\"{GATEWAY_KEY}\"]\nadmin_key = \"{ADMIN}\"\n\
         [[keys]]\nname = \"team\"\nkey = \"{NAMED_KEY}\"\n\
         [providers.mock]\nkind = \"mock\"\n[[models]]\nname = \"*\"\nprovider = \"mock\"\n"
    ))
    .await
}

fn admin(gw: &TestGateway) -> Client {
    Client::new(gw.url()).header("authorization", &format!("Bearer {ADMIN}"))
}

async fn send(client: &Client, method: Method, path: &str, body: &Value) -> ClientReply {
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

#[tokio::test]
async fn without_an_admin_key_the_admin_api_does_not_exist() {
    let gw = TestGateway::start(&format!(
        "[server]\napi_keys = [\"{GATEWAY_KEY}\"]\n[providers.mock]\nkind = \"mock\"\n\
         [[models]]\nname = \"*\"\nprovider = \"mock\"\n"
    ))
    .await;
    for client in [
        Client::new(gw.url()),
        Client::new(gw.url()).header("authorization", &format!("Bearer {GATEWAY_KEY}")),
        Client::new(gw.url()).header("authorization", &format!("Bearer {ADMIN}")),
    ] {
        for (method, path) in [
            (Method::GET, "/admin/keys"),
            (Method::POST, "/admin/keys"),
            (Method::DELETE, "/admin/keys/vk_1"),
            (Method::PUT, "/admin/usage"),
            (Method::GET, "/admin/audit"),
        ] {
            let reply = send(&client, method.clone(), path, &json!({"name": "x"})).await;
            let err = error(&reply, 404);
            assert_eq!(err["code"], "unknown_url", "{method} {path}");
        }
    }
}

#[tokio::test]
async fn only_the_admin_key_opens_it() {
    let gw = gateway().await;
    let url = gw.url();
    for (client, message) in [
        (Client::new(&url), "admin key"),
        (
            Client::new(&url).header("authorization", &format!("Bearer {GATEWAY_KEY}")),
            "Incorrect admin key",
        ),
        (
            Client::new(&url).header("authorization", &format!("Bearer {NAMED_KEY}")),
            "Incorrect admin key",
        ),
        (
            Client::new(&url).header("authorization", &format!("Bearer {ADMIN}x")),
            "Incorrect admin key",
        ),
        (Client::new(&url).header("api-key", ADMIN), "admin key"),
    ] {
        for path in [
            "/admin/keys",
            "/admin/usage",
            "/admin/audit",
            "/admin/nothing",
        ] {
            let err = error(&client.get(path).await, 401);
            assert_eq!(err["code"], "invalid_api_key");
            assert!(
                err["message"].as_str().unwrap().contains(message),
                "{err:?}"
            );
        }
    }
    // The admin key is not a gateway key either.
    let models = admin(&gw).get("/v1/models").await;
    assert_eq!(error(&models, 401)["code"], "invalid_api_key");
    // With the key: an unknown admin path is a 404, a wrong method a 405 with `Allow`.
    assert_eq!(
        error(&admin(&gw).get("/admin/routes").await, 404)["code"],
        "unknown_url"
    );
    let put = send(&admin(&gw), Method::PUT, "/admin/keys", &json!({})).await;
    assert_eq!(error(&put, 405)["code"], "method_not_allowed");
    assert_eq!(put.headers["allow"], "GET, POST");
}

#[tokio::test]
async fn a_key_is_created_read_changed_and_revoked_and_its_text_shown_once() {
    let gw = gateway().await;
    let client = admin(&gw);
    let created = send(
        &client,
        Method::POST,
        "/admin/keys",
        &json!({
            "name": "ci",
            "owner": "team-a",
            "models": ["gpt-4o"],
            "limits": {"rpm": 60, "concurrency": 2},
            "budget_daily": 1.25,
            "expires_at": "2099-01-01T00:00:00Z",
        }),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.text());
    assert_eq!(created.headers["content-type"], "application/json");
    let record = created.json();
    let text = record["key"].as_str().unwrap().to_owned();
    assert!(text.starts_with("sk-sb-") && text.len() > 40, "{text}");
    let id = record["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("vk_"), "{id}");
    assert_eq!(record["object"], "virtual_key");
    assert_eq!(record["prefix"], text[..10]);
    assert_eq!(record["status"], "active");
    assert_eq!(record["owner"], "team-a");
    assert_eq!(record["models"], json!(["gpt-4o"]));
    assert_eq!(record["limits"], json!({"rpm": 60, "concurrency": 2}));
    assert_eq!(record["budget_daily"], 1.25);
    assert_eq!(record["budget_monthly"], Value::Null);
    assert_eq!(record["expires_at"], 4_070_908_800_000_i64);
    assert!(record.get("hash").is_none());

    let mut reads = Vec::new();
    let listed = client.get("/admin/keys").await;
    assert_eq!(listed.status, 200);
    let list = listed.json();
    assert_eq!(list["object"], "list");
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
    assert_eq!(list["data"][0]["id"], id);
    reads.push(listed);

    let got = client.get(&format!("/admin/keys/{id}")).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.json()["name"], "ci");
    assert!(got.json().get("key").is_none());
    reads.push(got);

    let patched = send(
        &client,
        Method::PATCH,
        &format!("/admin/keys/{id}"),
        &json!({"name": "ci-2", "owner": null, "limits": null, "budget_monthly": 30}),
    )
    .await;
    assert_eq!(patched.status, 200, "{}", patched.text());
    let p = patched.json();
    assert_eq!(
        (&p["name"], &p["owner"], &p["limits"], &p["budget_monthly"]),
        (&json!("ci-2"), &Value::Null, &Value::Null, &json!(30.0))
    );
    // Untouched fields stay.
    assert_eq!(
        (&p["models"], &p["budget_daily"]),
        (&json!(["gpt-4o"]), &json!(1.25))
    );
    reads.push(patched);

    let revoked = send(
        &client,
        Method::DELETE,
        &format!("/admin/keys/{id}"),
        &Value::Null,
    )
    .await;
    assert_eq!(revoked.status, 200, "{}", revoked.text());
    assert_eq!(revoked.json()["status"], "revoked");
    assert!(revoked.json()["revoked_at"].as_i64().unwrap() > 0);
    reads.push(revoked);
    let after = client.get(&format!("/admin/keys/{id}")).await;
    assert_eq!(after.json()["status"], "revoked");
    reads.push(after);
    reads.push(client.get("/admin/keys").await);
    reads.push(client.get("/admin/audit").await);

    for reply in &reads {
        assert!(
            !reply.text().contains(&text),
            "the key's text leaked: {}",
            reply.text()
        );
        assert!(!reply.text().contains("hash"), "{}", reply.text());
    }

    for (method, body) in [
        (Method::GET, Value::Null),
        (Method::PATCH, json!({"name": "x"})),
        (Method::DELETE, Value::Null),
    ] {
        let reply = send(&client, method.clone(), "/admin/keys/vk_nope", &body).await;
        let err = error(&reply, 404);
        assert_eq!(err["code"], "not_found", "{method}");
        assert!(err["message"].as_str().unwrap().contains("vk_nope"));
    }
}

#[tokio::test]
async fn each_invalid_field_is_a_400_that_names_it() {
    let gw = gateway().await;
    let client = admin(&gw);
    for (body, param) in [
        (json!({"owner": "a"}), "name"),
        (json!({"name": ""}), "name"),
        (json!({"name": "a", "owner": 3}), "owner"),
        (json!({"name": "a", "models": []}), "models"),
        (json!({"name": "a", "models": [1]}), "models"),
        (
            json!({"name": "a", "limits": {"rpm": 10, "burst": 5}}),
            "limits",
        ),
        (json!({"name": "a", "limits": {"tpm": "many"}}), "limits"),
        (
            json!({"name": "a", "limits": {"min_interval": -1}}),
            "limits.min_interval",
        ),
        (json!({"name": "a", "budget_daily": -0.5}), "budget_daily"),
        (json!({"name": "a", "budget_monthly": -1}), "budget_monthly"),
        (json!({"name": "a", "expires_at": "soon"}), "expires_at"),
        (json!({"name": "a", "expires_at": 1000}), "expires_at"),
        (json!({"name": "a", "team": "x"}), "team"),
    ] {
        let reply = send(&client, Method::POST, "/admin/keys", &body).await;
        let err = error(&reply, 400);
        assert_eq!(err["param"], param, "{body}: {err:?}");
        assert!(
            err["message"].as_str().unwrap().contains(param),
            "{body}: {err:?}"
        );
    }
    let not_json = client.post("/admin/keys", "{name").await;
    assert_eq!(error(&not_json, 400)["code"], "invalid_json");
    // Nothing was created by any of them.
    assert_eq!(client.get("/admin/keys").await.json()["data"], json!([]));

    let id = client.post("/admin/keys", r#"{"name":"a"}"#).await.json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for (body, param) in [
        (json!({"name": null}), "name"),
        (json!({"budget_daily": -1}), "budget_daily"),
        (json!({"prefix": "sk-sb-x"}), "prefix"),
    ] {
        let reply = send(&client, Method::PATCH, &format!("/admin/keys/{id}"), &body).await;
        assert_eq!(error(&reply, 400)["param"], param, "{body}");
    }
    let too_big = gw_with_small_body().await;
    let reply = admin(&too_big)
        .post("/admin/keys", json!({"name": "x".repeat(200)}).to_string())
        .await;
    assert_eq!(error(&reply, 413)["code"], "request_too_large");
}

/// A gateway whose bodies may be at most 64 bytes.
async fn gw_with_small_body() -> TestGateway {
    TestGateway::start(&format!(
        "[server]\nmax_body_bytes = 64\nadmin_key = \"{ADMIN}\"\n"
    ))
    .await
}

fn usage(model: &str, status: u16, latency_ms: u64, cost_usd: f64) -> UsageRecord {
    UsageRecord {
        request_id: format!("req_{model}_{latency_ms}"),
        key_id: Some("vk_a".into()),
        model: model.into(),
        provider: "mock".into(),
        status,
        prompt_tokens: 10,
        completion_tokens: 5,
        cached_tokens: 0,
        estimated: false,
        cost_usd,
        latency_ms,
        created_at: now_ms(),
    }
}

#[tokio::test]
async fn usage_is_reported_as_json_and_csv() {
    let gw = gateway().await;
    let client = admin(&gw);
    let empty = client.get("/admin/usage").await;
    assert_eq!(empty.status, 200);
    assert_eq!(empty.json(), json!({"object": "list", "data": []}));
    let csv = client
        .get("/admin/usage?group_by=key,model&format=csv")
        .await;
    assert_eq!(csv.status, 200);
    assert_eq!(csv.headers["content-type"], "text/csv; charset=utf-8");
    assert_eq!(
        csv.text(),
        "key_id,model,requests,errors,prompt_tokens,completion_tokens,cached_tokens,cost_usd,\
         latency_p50_ms,latency_p95_ms,latency_p99_ms\r\n"
    );
    // Admin requests are not model requests: they leave no usage record.
    assert_eq!(client.get("/admin/usage").await.json()["data"], json!([]));

    let db = gw.gateway.state().db().await.unwrap();
    for record in [
        usage("a", 200, 100, 0.25),
        usage("a", 500, 300, 0.0),
        usage("b", 200, 50, 1.0),
    ] {
        db.usage().record(&record).await.unwrap();
    }
    let by_model = client.get("/admin/usage?group_by=model").await.json();
    let rows = by_model["data"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "{by_model}");
    assert_eq!(rows[0]["model"], "a");
    assert_eq!(
        (
            &rows[0]["requests"],
            &rows[0]["errors"],
            &rows[0]["prompt_tokens"]
        ),
        (&json!(2), &json!(1), &json!(20))
    );
    assert_eq!(rows[0]["latency_p50_ms"], 100);
    assert_eq!(rows[0]["latency_p99_ms"], 300);
    assert!(rows[0].get("provider").is_none());
    let only_b = client.get("/admin/usage?model=b").await.json();
    assert_eq!(only_b["data"][0]["cost_usd"], 1.0);
    assert_eq!(only_b["data"][0]["requests"], 1);
    let future = client.get("/admin/usage?from=2099-01-01").await.json();
    assert_eq!(future["data"], json!([]));
    let csv = client
        .get("/admin/usage?group_by=model&key=vk_a&format=csv")
        .await
        .text();
    assert_eq!(csv.lines().count(), 3, "{csv}");
    assert!(csv.contains("\r\nb,1,0,10,5,0,1,50,50,50\r\n"), "{csv}");

    for (query, param) in [
        ("group_by=team", "group_by"),
        ("format=xml", "format"),
        ("from=later", "from"),
        ("modle=a", "modle"),
    ] {
        let reply = client.get(&format!("/admin/usage?{query}")).await;
        assert_eq!(error(&reply, 400)["param"], param, "{query}");
    }
}

#[tokio::test]
async fn the_audit_log_lists_every_change_without_the_key() {
    let gw = gateway().await;
    let client = admin(&gw);
    assert_eq!(client.get("/admin/audit").await.json()["data"], json!([]));
    let created = client.post("/admin/keys", r#"{"name":"ci"}"#).await.json();
    let id = created["id"].as_str().unwrap().to_owned();
    let text = created["key"].as_str().unwrap().to_owned();
    let other = client
        .post("/admin/keys", r#"{"name":"other"}"#)
        .await
        .json();
    let path = format!("/admin/keys/{id}");
    send(&client, Method::PATCH, &path, &json!({"owner": "team-b"})).await;
    send(&client, Method::DELETE, &path, &Value::Null).await;

    let audit = client.get("/admin/audit").await;
    assert_eq!(audit.status, 200);
    assert!(!audit.text().contains(&text));
    let entries = audit.json()["data"].as_array().unwrap().clone();
    let actions: Vec<(&str, &str)> = entries
        .iter()
        .map(|e| (e["action"].as_str().unwrap(), e["target"].as_str().unwrap()))
        .collect();
    let other_id = other["id"].as_str().unwrap();
    assert_eq!(
        actions,
        [
            ("key.revoke", id.as_str()),
            ("key.update", id.as_str()),
            ("key.create", other_id),
            ("key.create", id.as_str()),
        ]
    );
    assert!(entries.iter().all(|e| e["actor"] == "admin"));
    assert_eq!(entries[1]["detail"]["owner"], "team-b");
    assert_eq!(entries[3]["detail"]["prefix"], text[..10]);

    let mine = client
        .get(&format!("/admin/audit?target={id}&limit=2"))
        .await;
    let mine: Vec<Value> = mine.json()["data"].as_array().unwrap().clone();
    assert_eq!(mine.len(), 2);
    assert_eq!(mine[0]["action"], "key.revoke");
    assert_eq!(mine[1]["action"], "key.update");
    let bad = client.get("/admin/audit?limit=0").await;
    assert_eq!(error(&bad, 400)["param"], "limit");
}
