//! Config loading, in `figment::Jail`s: each test gets its own working directory and
//! environment, so none of them touch the process's real ones.

// figment::Jail fixes the closure type; its error is figment's, large by design.
#![allow(clippy::result_large_err)]

use figment::Jail;

use super::*;

fn run(test: impl FnOnce(&mut Jail) -> figment::error::Result<()>) {
    Jail::expect_with(|jail| {
        jail.clear_env();
        test(jail)
    });
}

fn errors(source: ConfigSource) -> Vec<String> {
    load(source).unwrap_err().0
}

#[test]
fn nothing_configured_serves_the_mock() {
    run(|_| {
        let loaded = load(ConfigSource::Default).unwrap();
        assert_eq!(loaded.config.server.listen, "127.0.0.1:8080");
        assert_eq!(loaded.config.providers["mock"].kind, "mock");
        assert_eq!(loaded.config.models[0].name, "*");
        assert!(loaded.notes[0].contains("mock provider"));
        assert!(loaded.file.is_none());
        Ok(())
    });
}

#[test]
fn file_then_env_layers() {
    run(|jail| {
        jail.create_file(
            "switchboard.toml",
            r#"
            [server]
            listen = "127.0.0.1:9000"
            max_body_bytes = 1024

            [providers.local]
            kind = "openai"
            base_url = "http://127.0.0.1:8000/v1"
            first_byte_timeout = 5

            [[models]]
            name = "qwen"
            provider = "local"
            model = "Qwen/Qwen3-8B"
            "#,
        )?;
        jail.set_env("SWITCHBOARD__SERVER__LISTEN", "127.0.0.1:9001");
        jail.set_env("SWITCHBOARD__PROVIDERS__LOCAL__TOTAL_TIMEOUT", "30");
        let loaded = load(ConfigSource::Default).unwrap();
        let c = &loaded.config;
        assert_eq!(c.server.listen, "127.0.0.1:9001");
        assert_eq!(c.server.max_body_bytes, 1024);
        let local = &c.providers["local"];
        assert_eq!(
            (local.first_byte_timeout, local.total_timeout),
            (Some(5.0), Some(30.0))
        );
        assert_eq!(local.settings["base_url"], "http://127.0.0.1:8000/v1");
        assert_eq!(c.models[0].model.as_deref(), Some("Qwen/Qwen3-8B"));
        assert_eq!(
            loaded.file.as_deref(),
            Some(std::path::Path::new(DEFAULT_FILE))
        );
        assert!(loaded.notes.is_empty(), "{:?}", loaded.notes);
        Ok(())
    });
}

#[test]
fn every_unknown_key_is_named_with_its_source() {
    run(|jail| {
        jail.create_file(
            "custom.toml",
            "[server]\nlisen = \"x\"\n[log]\nformatt = \"json\"\n",
        )?;
        jail.set_env("SWITCHBOARD__UPSTREAM__HTTP3", "true");
        let errs = errors(ConfigSource::File("custom.toml".into()));
        assert_eq!(errs.len(), 3, "{errs:?}");
        assert!(
            errs.iter()
                .any(|e| e.contains("`server.lisen`") && e.contains("custom.toml")),
            "{errs:?}"
        );
        assert!(errs.iter().any(|e| e.contains("`log.formatt`")), "{errs:?}");
        assert!(
            errs.iter()
                .any(|e| e.contains("`upstream.http3`") && e.contains("SWITCHBOARD__")),
            "{errs:?}"
        );
        Ok(())
    });
}

#[test]
fn a_missing_config_file_is_an_error() {
    run(|_| {
        let errs = errors(ConfigSource::File("nope.toml".into()));
        assert_eq!(errs, ["config file `nope.toml` does not exist"]);
        Ok(())
    });
}

#[test]
fn wrong_types_are_reported() {
    run(|_| {
        let errs = errors(ConfigSource::Toml(
            "[server]\nmax_body_bytes = \"big\"\n".into(),
        ));
        assert!(errs[0].contains("max_body_bytes"), "{errs:?}");
        Ok(())
    });
}

#[test]
fn openai_env_vars_make_a_default_route() {
    run(|jail| {
        jail.set_env("OPENAI_API_KEY", "sk-from-env");
        jail.set_env("OPENAI_API_BASE", "http://127.0.0.1:8000/v1");
        jail.set_env("OPENAI_MODEL", "gpt-4o-mini");
        let c = load(ConfigSource::Default).unwrap().config;
        let openai = &c.providers["openai"];
        assert_eq!(openai.kind, "openai");
        assert_eq!(openai.settings["base_url"], "http://127.0.0.1:8000/v1");
        // The key is referenced, never copied into the config.
        assert_eq!(openai.settings["api_key"], "env:OPENAI_API_KEY");
        let names: Vec<_> = c.models.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["gpt-4o-mini", "*"]);
        Ok(())
    });
}

#[test]
fn configured_providers_win_over_openai_env_vars() {
    run(|jail| {
        jail.set_env("OPENAI_API_KEY", "sk-from-env");
        let c = load(ConfigSource::Toml(
            "[providers.m]\nkind = \"mock\"\n[[models]]\nname = \"a\"\nprovider = \"m\"\n".into(),
        ))
        .unwrap()
        .config;
        assert!(!c.providers.contains_key("openai"));
        Ok(())
    });
}

#[test]
fn force_mock_replaces_every_route() {
    run(|jail| {
        jail.set_env("FORCE_MOCK_OPENAI", "1");
        let loaded = load(ConfigSource::Toml(
            "[providers.x]\nkind = \"openai\"\n[[models]]\nname = \"a\"\nprovider = \"x\"\n".into(),
        ))
        .unwrap();
        let names: Vec<_> = loaded.config.providers.keys().collect();
        assert_eq!(names, ["mock"]);
        assert!(loaded.notes[0].contains("FORCE_MOCK_OPENAI"));
        Ok(())
    });
}

#[test]
fn an_open_gateway_binds_loopback_only() {
    run(|_| {
        let errs = errors(ConfigSource::Toml(
            "[server]\nlisten = \"0.0.0.0:8080\"\n".into(),
        ));
        assert!(errs[0].contains("not a loopback address"), "{errs:?}");
        let loaded = load(ConfigSource::Toml(
            "[server]\nlisten = \"0.0.0.0:8080\"\nallow_unauthenticated = true\n".into(),
        ))
        .unwrap();
        assert!(
            loaded
                .notes
                .iter()
                .any(|n| n.contains("WITHOUT authentication"))
        );
        Ok(())
    });
}

#[test]
fn keys_are_read_from_the_environment() {
    run(|jail| {
        jail.set_env("GATEWAY_KEY", "sk-gw-1");
        let toml = "[server]\nlisten = \"0.0.0.0:8080\"\napi_keys = [\"env:GATEWAY_KEY\"]\n";
        let c = load(ConfigSource::Toml(toml.into())).unwrap().config;
        assert_eq!(c.server.api_keys[0].expose(), "sk-gw-1");
        let errs = errors(ConfigSource::Toml(
            "[server]\napi_keys = [\"env:NOT_SET_ANYWHERE\"]\n".into(),
        ));
        assert!(errs[0].contains("NOT_SET_ANYWHERE"), "{errs:?}");
        Ok(())
    });
}

#[test]
fn all_semantic_errors_are_listed_together() {
    run(|_| {
        let errs = errors(ConfigSource::Toml(
            r#"
            [server]
            listen = "nowhere"
            total_timeout = -1
            [providers.p]
            kind = "mock"
            [[models]]
            name = "a"
            provider = "missing"
            [[models]]
            name = "a"
            provider = "p"
            [[models]]
            name = "p/*"
            provider = "p"
            model = "x"
            "#
            .into(),
        ));
        assert_eq!(errs.len(), 5, "{errs:#?}");
        Ok(())
    });
}

#[test]
fn usage_retention_is_off_or_at_least_a_month() {
    run(|_| {
        let toml =
            |days: u32| ConfigSource::Toml(format!("[state]\nusage_retention_days = {days}\n"));
        let errs = errors(toml(7));
        assert_eq!(errs.len(), 1, "{errs:#?}");
        assert!(
            errs[0].contains("state.usage_retention_days = 7"),
            "{errs:#?}"
        );
        for days in [0, MIN_USAGE_RETENTION_DAYS, 400] {
            let loaded = load(toml(days)).unwrap();
            assert_eq!(loaded.config.state.usage_retention_days, days);
        }
        assert_eq!(
            load(ConfigSource::Default)
                .unwrap()
                .config
                .state
                .usage_retention_days,
            0
        );
        Ok(())
    });
}

#[test]
fn listen_override_applies_last() {
    run(|jail| {
        jail.set_env("SWITCHBOARD__SERVER__LISTEN", "127.0.0.1:1");
        let c = load_with_listen(ConfigSource::Default, Some("127.0.0.1:2"))
            .unwrap()
            .config;
        assert_eq!(c.server.listen, "127.0.0.1:2");
        Ok(())
    });
}

#[test]
fn unknown_keys_in_tables_of_arrays_are_all_listed() {
    run(|jail| {
        jail.create_file(
            "s.toml",
            "[server]\nlistn = 1\n[server.tls]\ncert = \"c\"\nkey = \"k\"\nchain = \"x\"\n[providers.m]\nkind = \"mock\"\n[[models]]\nname = \"a\"\nprovider = \"m\"\nmodle = \"x\"\n",
        )?;
        let errs = errors(ConfigSource::File("s.toml".into()));
        assert_eq!(errs.len(), 3, "{errs:#?}");
        assert!(errs.iter().all(|e| e.contains("s.toml")), "{errs:#?}");
        assert!(
            errs.iter().any(|e| e.contains("`models.0.modle`")),
            "{errs:#?}"
        );
        assert!(
            errs.iter().any(|e| e.contains("`server.tls.chain`")),
            "{errs:#?}"
        );
        Ok(())
    });
}

#[test]
fn literal_provider_keys_and_unrouted_providers_are_noted() {
    run(|_| {
        let loaded = load(ConfigSource::Toml(
            "[providers.a]\nkind = \"openai\"\napi_key = \"sk-literal\"\n[providers.b]\nkind = \"mock\"\n[[models]]\nname = \"x\"\nprovider = \"a\"\n".into(),
        ))
        .unwrap();
        assert!(
            loaded
                .notes
                .iter()
                .any(|n| n.contains("providers.a.api_key is written literally")),
            "{:?}",
            loaded.notes
        );
        assert!(
            loaded
                .notes
                .iter()
                .any(|n| n.contains("provider `b` has no [[models]]")),
            "{:?}",
            loaded.notes
        );
        assert!(!loaded.notes.iter().any(|n| n.contains("sk-literal")));
        Ok(())
    });
}

#[test]
fn routing_mistakes_are_all_reported() {
    let text = r#"
[routing]
fallbacks = ["nowhere"]
default_model = "ghost"
attempts_per_deployment = 0

[providers.p]
kind = "mock"

[[models]]
name = "a"
aliases = ["b"]
fallbacks = ["missing"]

[[models]]
name = "b"
provider = "p"
policy = { force = { stream = true } }

[[models]]
name = "c"
provider = "p"
[[models.deployments]]
provider = "unknown"
weight = 0

[[keys]]
name = "k"
key = "sk-1"
[[keys]]
name = "k"
key = "sk-2"
"#;
    let errors = parse_toml(text).unwrap_err().0;
    let all = errors.join("\n");
    for expected in [
        "set `provider`, or add [[models.deployments]]",
        "the name `b` is used twice",
        "fallback `missing` is not a configured model",
        "routing: `nowhere` is not a configured model",
        "routing: `ghost` is not a configured model",
        "cannot set `stream`",
        "provider `unknown` is not defined",
        "deployment 1 has weight 0",
        "attempts_per_deployment",
        "keys[1]: the name must be set and unique",
    ] {
        assert!(all.contains(expected), "missing {expected:?} in:\n{all}");
    }
}

#[test]
fn a_routed_model_with_everything_parses() {
    let text = r#"
[routing]
retries = 3
balance = "least_in_flight"
fallbacks = ["small"]

[providers.p]
kind = "mock"
connect_timeout = 2

[[models]]
name = "big"
aliases = ["large"]
context_window = 128000
price = { input = 2.5, cached_input = 1.25, output = 10.0 }
limits = { rpm = 10, min_interval = 0.5 }
policy = { system_prompt = "be brief", defaults = { temperature = 0.1 } }
[[models.deployments]]
provider = "p"
model = "x"
weight = 3
[[models.deployments]]
provider = "p"
model = "y"
priority = 1

[[models]]
name = "small"
provider = "p"
"#;
    let config = parse_toml(text).unwrap();
    assert_eq!(config.routing.retries, 3);
    assert_eq!(
        config.routing.balance,
        crate::config::Balance::LeastInFlight
    );
    let big = &config.models[0];
    assert_eq!(big.all_deployments().len(), 2);
    assert_eq!(big.deployments[0].weight, 3);
    assert_eq!(big.deployments[1].priority, 1);
    assert_eq!(big.limits.rpm, Some(10));
    assert_eq!(config.providers["p"].connect_timeout, Some(2.0));
}
