//! The admin API's pure parts, as data: routes, the admin key check, key bodies, query
//! strings, times; and the config checks of `server.admin_key`.

use http::{HeaderMap, Method};
use serde_json::json;
use switchboard_core::{GatewayError, Secret};

use super::usage::{Format, UsageQuery};
use super::{Route, auth, check_method, key_body, query, time};
use crate::config::{ConfigSource, load, parse_toml};

const NOW: i64 = 1_750_000_000_000; // 2025-06-15T15:06:40Z

fn bearer(value: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(http::header::AUTHORIZATION, value.parse().unwrap());
    h
}

/// The `param` and status of a failed parse.
fn fault(err: GatewayError) -> (u16, Option<String>) {
    (err.status().as_u16(), err.param().map(str::to_owned))
}

#[test]
fn routes() {
    assert_eq!(Route::parse("/admin/keys"), Some(Route::Keys));
    assert_eq!(
        Route::parse("/admin/keys/vk_abc"),
        Some(Route::Key("vk_abc".into()))
    );
    assert_eq!(
        Route::parse("/admin/keys/vk%5Fa+b"),
        Some(Route::Key("vk_a+b".into()))
    );
    assert_eq!(Route::parse("/admin/usage"), Some(Route::Usage));
    assert_eq!(Route::parse("/admin/audit"), Some(Route::Audit));
    assert_eq!(Route::parse("/admin/providers"), Some(Route::Providers));
    assert_eq!(
        Route::parse("/admin/providers/vllm"),
        Some(Route::Provider("vllm".into()))
    );
    assert_eq!(
        Route::parse("/admin/providers/vllm/test"),
        Some(Route::ProviderTest("vllm".into()))
    );
    assert_eq!(Route::parse("/admin/models"), Some(Route::Models));
    assert_eq!(
        Route::parse("/admin/models/meta/llama"),
        Some(Route::Model("meta/llama".into()))
    );
    assert_eq!(
        Route::parse("/admin/models/meta%2Fllama"),
        Some(Route::Model("meta/llama".into()))
    );
    for path in [
        "/admin/",
        "/admin/keys/",
        "/admin/keys/a/b",
        "/admin/providers/",
        "/admin/providers/a/b",
        "/admin/models/",
        "/admin/usage/x",
        "/admin",
    ] {
        assert_eq!(Route::parse(path), None, "{path}");
    }
}

#[test]
fn methods_are_checked_with_an_allow_header() {
    assert!(check_method(&Route::Keys, &Method::POST, "/admin/keys").is_ok());
    assert!(check_method(&Route::Usage, &Method::HEAD, "/admin/usage").is_ok());
    let err = check_method(&Route::Key("k".into()), &Method::POST, "/admin/keys/k").unwrap_err();
    assert_eq!(err.status().as_u16(), 405);
    assert_eq!(err.headers()["allow"], "GET, PATCH, DELETE");
    assert!(check_method(&Route::Audit, &Method::DELETE, "/admin/audit").is_err());
}

#[test]
fn only_the_admin_key_as_a_bearer_token_is_admitted() {
    let key = Secret::new("adm-0123456789abcdef");
    assert!(auth::check(&key, &bearer("Bearer adm-0123456789abcdef")).is_ok());
    assert!(auth::check(&key, &bearer("bearer  adm-0123456789abcdef ")).is_ok());
    let mut api_key = HeaderMap::new();
    api_key.insert("api-key", "adm-0123456789abcdef".parse().unwrap());
    for headers in [
        HeaderMap::new(),
        api_key,
        bearer("Bearer adm-0123456789abcde"),
        bearer("Bearer adm-0123456789abcdefX"),
        bearer("Basic adm-0123456789abcdef"),
        bearer("Bearer "),
        bearer("adm-0123456789abcdef"),
    ] {
        let err = auth::check(&key, &headers).unwrap_err();
        assert_eq!(err.status().as_u16(), 401, "{headers:?}");
        assert_eq!(err.code(), Some("invalid_api_key"));
    }
    // An empty admin key (refused by the config check) opens nothing either.
    assert!(auth::check(&Secret::new(""), &bearer("Bearer  ")).is_err());
}

#[test]
fn a_full_create_body_is_read() {
    let body = json!({
        "name": " ci ",
        "owner": "team-a",
        "models": ["gpt-4o", "gpt-4o", "claude"],
        "limits": {"rpm": 60, "min_interval": 0.5},
        "budget_daily": 1.5,
        "budget_monthly": 0,
        "expires_at": "2030-01-01T00:00:00Z",
    });
    let key = key_body::new_key(body.to_string().as_bytes(), NOW).unwrap();
    assert_eq!(key.name, "ci");
    assert_eq!(key.owner.as_deref(), Some("team-a"));
    assert_eq!(key.models, Some(vec!["gpt-4o".into(), "claude".into()]));
    assert_eq!(key.limits, Some(json!({"rpm": 60, "min_interval": 0.5})));
    assert_eq!(key.budget_daily, Some(1.5));
    assert_eq!(key.budget_monthly, Some(0.0));
    assert_eq!(key.expires_at, Some(1_893_456_000_000));

    let minimal = key_body::new_key(br#"{"name":"a","owner":null,"limits":{}}"#, NOW).unwrap();
    assert_eq!((minimal.owner, minimal.limits), (None, None));
}

#[test]
fn each_bad_field_is_a_400_naming_it() {
    for (body, param) in [
        (json!({}), "name"),
        (json!({"name": null}), "name"),
        (json!({"name": ""}), "name"),
        (json!({"name": "   "}), "name"),
        (json!({"name": 7}), "name"),
        (json!({"name": "x".repeat(201)}), "name"),
        (json!({"name": "a", "owner": ""}), "owner"),
        (json!({"name": "a", "models": []}), "models"),
        (json!({"name": "a", "models": "gpt-4o"}), "models"),
        (json!({"name": "a", "models": ["ok", ""]}), "models"),
        (json!({"name": "a", "limits": 5}), "limits"),
        (
            json!({"name": "a", "limits": {"rpm": 1, "rps": 2}}),
            "limits",
        ),
        (json!({"name": "a", "limits": {"rpm": -1}}), "limits"),
        (json!({"name": "a", "limits": {"rpm": 0}}), "limits.rpm"),
        (
            json!({"name": "a", "limits": {"concurrency": 0}}),
            "limits.concurrency",
        ),
        (
            json!({"name": "a", "limits": {"min_interval": 0}}),
            "limits.min_interval",
        ),
        (json!({"name": "a", "budget_daily": -1}), "budget_daily"),
        (
            json!({"name": "a", "budget_monthly": "10"}),
            "budget_monthly",
        ),
        (json!({"name": "a", "expires_at": "tomorrow"}), "expires_at"),
        (
            json!({"name": "a", "expires_at": "2020-01-01T00:00:00Z"}),
            "expires_at",
        ),
        (json!({"name": "a", "expires_at": NOW}), "expires_at"),
        (json!({"name": "a", "expires_at": true}), "expires_at"),
        (json!({"name": "a", "budget": 5}), "budget"),
        (json!({"name": "a", "key": "sk-sb-mine"}), "key"),
    ] {
        let err = key_body::new_key(body.to_string().as_bytes(), NOW).unwrap_err();
        assert_eq!(fault(err), (400, Some(param.to_owned())), "{body}");
    }
    for body in [&b"not json"[..], b"", b"[]", b"\"name\""] {
        let err = key_body::new_key(body, NOW).unwrap_err();
        assert_eq!(err.status().as_u16(), 400);
    }
}

#[test]
fn an_update_tells_absent_from_null() {
    let update = key_body::key_update(
        br#"{"owner":null,"budget_daily":2,"models":null,"expires_at":1900000000000}"#,
        NOW,
    )
    .unwrap();
    assert_eq!(update.name, None);
    assert_eq!(update.owner, Some(None));
    assert_eq!(update.models, Some(None));
    assert_eq!(update.budget_daily, Some(Some(2.0)));
    assert_eq!(update.budget_monthly, None);
    assert_eq!(update.limits, None);
    assert_eq!(update.expires_at, Some(Some(1_900_000_000_000)));
    assert_eq!(
        key_body::key_update(br#"{"limits":{}}"#, NOW)
            .unwrap()
            .limits,
        Some(None)
    );
    let err = key_body::key_update(br#"{"name":null}"#, NOW).unwrap_err();
    assert_eq!(fault(err), (400, Some("name".into())));
    let err = key_body::key_update(br#"{"budget_monthly":-0.01}"#, NOW).unwrap_err();
    assert_eq!(fault(err), (400, Some("budget_monthly".into())));
}

#[test]
fn times_as_rfc3339_dates_or_millis() {
    for (text, ms) in [
        ("0", Some(0)),
        ("1750000000000", Some(NOW)),
        ("1970-01-01", Some(0)),
        ("2025-06-15T15:06:40Z", Some(NOW)),
        ("2025-06-15t15:06:40z", Some(NOW)),
        ("2025-06-15 15:06:40Z", Some(NOW)),
        ("2025-06-15T15:06:40.5Z", Some(NOW + 500)),
        ("2025-06-15T15:06:40.123456Z", Some(NOW + 123)),
        ("2025-06-15T17:06:40+02:00", Some(NOW)),
        ("2025-06-15T10:36:40-04:30", Some(NOW)),
        ("2024-02-29", Some(1_709_164_800_000)),
        ("1969-12-31T23:59:59Z", Some(-1000)),
        ("2023-02-29", None),
        ("2025-13-01", None),
        ("2025-06-15T24:00:00Z", None),
        ("2025-06-15T15:06:40", None),
        ("2025-06-15T15:06:40+0200", None),
        ("2025-06-15T15:06:40.Z", None),
        ("2025-6-15", None),
        ("next week", None),
        ("", None),
        ("2025-06-15T15:06:4é", None),
    ] {
        assert_eq!(time::parse(text), ms, "{text}");
    }
    assert_eq!(time::from_json(&json!(NOW)), Some(NOW));
    assert_eq!(time::from_json(&json!(1.5)), None);
    assert_eq!(time::from_json(&json!(null)), None);
}

#[test]
fn query_strings_are_decoded_and_checked() {
    let q = query::Query::parse(
        "model=gpt%2D4o&key=&provider=a+b",
        &["model", "key", "provider"],
    )
    .unwrap();
    assert_eq!(q.get("model"), Some("gpt-4o"));
    assert_eq!(q.get("key"), None);
    assert_eq!(q.get("provider"), Some("a b"));
    let err = query::Query::parse("modle=x", &["model"]).unwrap_err();
    assert_eq!(fault(err), (400, Some("modle".into())));
    let err = query::Query::parse("model=a&model=b", &["model"]).unwrap_err();
    assert_eq!(fault(err), (400, Some("model".into())));
    assert_eq!(query::decode("50%"), "50%");
    assert_eq!(query::decode("%zz%41"), "%zzA");
}

#[test]
fn usage_queries() {
    let q = UsageQuery::parse(
        "group_by=model,day,model&from=2025-06-01&to=1750000000000&key=vk_1&format=csv",
    )
    .unwrap();
    assert_eq!(
        q.group_by,
        vec![
            switchboard_state::GroupBy::Model,
            switchboard_state::GroupBy::Day
        ]
    );
    assert_eq!(q.filter.from, Some(1_748_736_000_000));
    assert_eq!(q.filter.to, Some(NOW));
    assert_eq!(q.filter.key_id.as_deref(), Some("vk_1"));
    assert_eq!(q.format, Format::Csv);
    let all = UsageQuery::parse("").unwrap();
    assert!(all.group_by.is_empty());
    assert_eq!(all.format, Format::Json);
    for (query, param) in [
        ("group_by=team", "group_by"),
        ("format=xml", "format"),
        ("from=yesterday", "from"),
        ("from=2025-06-02&to=2025-06-01", "to"),
        ("limit=5", "limit"),
    ] {
        let err = UsageQuery::parse(query).unwrap_err();
        assert_eq!(fault(err), (400, Some(param.to_owned())), "{query}");
    }
}

#[test]
fn audit_queries() {
    let q = super::audit::parse("limit=5&target=vk_1").unwrap();
    assert_eq!((q.limit, q.target.as_deref()), (Some(5), Some("vk_1")));
    assert_eq!(super::audit::parse("").unwrap().limit, None);
    for query in ["limit=0", "limit=1001", "limit=ten", "since=soon", "key=x"] {
        assert_eq!(
            super::audit::parse(query).unwrap_err().status().as_u16(),
            400,
            "{query}"
        );
    }
}

#[test]
fn the_config_refuses_an_admin_key_that_is_a_gateway_key_or_empty() {
    let same = "[server]\napi_keys = [\"sk-gw-1\"]\nadmin_key = \"sk-gw-1\"\n";
    let err = parse_toml(same).unwrap_err().to_string();
    assert!(err.contains("server.admin_key"), "{err}");
    let named = "[server]\nadmin_key = \"sk-k\"\n[[keys]]\nname = \"a\"\nkey = \"sk-k\"\n";
    assert!(parse_toml(named).is_err());
    assert!(parse_toml("[server]\nadmin_key = \" \"\n").is_err());
    let ok = parse_toml("[server]\napi_keys = [\"sk-gw-1\"]\nadmin_key = \"adm-1\"\n").unwrap();
    assert_eq!(ok.server.admin_key.unwrap().expose(), "adm-1");
    assert!(parse_toml("").unwrap().server.admin_key.is_none());
}

#[test]
#[allow(
    clippy::result_large_err,
    reason = "figment::Jail fixes the closure type; its error is figment's, large by design"
)]
fn a_literal_admin_key_gets_a_note_and_an_env_reference_does_not() {
    figment::Jail::expect_with(|jail| {
        jail.clear_env();
        jail.set_env("SB_TEST_ADMIN_KEY", "adm-from-env");
        let literal = load(ConfigSource::Toml(
            "[server]\nadmin_key = \"adm-1\"\n".into(),
        ))
        .unwrap();
        assert!(
            literal.notes.iter().any(|n| n.contains("server.admin_key")),
            "{:?}",
            literal.notes
        );
        let env = load(ConfigSource::Toml(
            "[server]\nadmin_key = \"env:SB_TEST_ADMIN_KEY\"\n".into(),
        ))
        .unwrap();
        assert_eq!(
            env.config.server.admin_key.unwrap().expose(),
            "adm-from-env"
        );
        assert!(!env.notes.iter().any(|n| n.contains("server.admin_key")));
        Ok(())
    });
}
