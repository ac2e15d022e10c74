//! The `switchboard` binary as a user runs it: its commands, its exit codes, and the
//! README's first command answering the README's curl.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests: a panic is a failed test"
)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The binary, run in `dir` with none of the variables that would change its routes.
fn switchboard(dir: &std::path::Path) -> Command {
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
    cmd
}

fn run(dir: &std::path::Path, args: &[&str]) -> Output {
    switchboard(dir).args(args).output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn version_and_help() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(dir.path(), &["--version"]);
    assert!(out.status.success());
    assert_eq!(
        text(&out.stdout).trim(),
        format!("switchboard {}", env!("CARGO_PKG_VERSION"))
    );
    let help = text(&run(dir.path(), &["--help"]).stdout);
    for word in ["serve", "adapters", "check-config", "--config", "--listen"] {
        assert!(help.contains(word), "--help lacks {word}:\n{help}");
    }
}

#[test]
fn adapters_lists_the_linked_kinds() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(dir.path(), &["adapters"]);
    assert!(out.status.success());
    let listed: Vec<String> = text(&out.stdout)
        .lines()
        .map(|l| l.split_whitespace().next().unwrap().to_owned())
        .collect();
    assert_eq!(
        listed,
        [
            "anthropic",
            "azure_openai",
            "bedrock",
            "deepseek",
            "mock",
            "ollama",
            "openai",
            "qwen"
        ]
    );
}

#[test]
fn check_config_accepts_no_config_and_names_the_mock() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(dir.path(), &["check-config"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("mock provider"));
}

#[test]
fn check_config_lists_every_error_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad.toml"),
        "[server]\nlisen = \"x\"\n[providers.a]\nkind = \"openai\"\nbase_url = \"no-scheme\"\n[providers.b]\nkind = \"vertex\"\n[[models]]\nname = \"m\"\nprovider = \"nowhere\"\n",
    )
    .unwrap();
    let out = run(dir.path(), &["check-config", "--config", "bad.toml"]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("unknown key `server.lisen`"), "{err}");
    assert!(err.contains("bad.toml"), "{err}");
    // Semantic errors come in a second pass, once keys are known to be right.
    let fixed = "[providers.a]\nkind = \"openai\"\nbase_url = \"no-scheme\"\n[providers.b]\nkind = \"vertex\"\n[[models]]\nname = \"m\"\nprovider = \"a\"\n";
    std::fs::write(dir.path().join("bad.toml"), fixed).unwrap();
    let out = run(dir.path(), &["check-config", "--config", "bad.toml"]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("2 configuration errors"), "{err}");
    assert!(
        err.contains(
            "unknown adapter kind `vertex`; linked kinds: anthropic, azure_openai, bedrock, deepseek, mock, ollama, openai, qwen"
        ),
        "{err}"
    );
    assert!(err.contains("base_url"), "{err}");
}

#[test]
fn listen_is_taken_before_or_after_the_subcommand() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        &["--listen", "127.0.0.1:7001", "check-config"][..],
        &["check-config", "--listen", "127.0.0.1:7001"][..],
    ] {
        let out = run(dir.path(), args);
        assert!(
            text(&out.stdout).contains("listening on 127.0.0.1:7001"),
            "{args:?}: {}",
            text(&out.stdout)
        );
    }
}

#[test]
fn a_missing_config_file_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(dir.path(), &["--config", "nope.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("nope.toml"));
}

#[test]
fn the_readme_command_serves_the_mock_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = switchboard(dir.path())
        .args(["--listen", "127.0.0.1:0"])
        .env("SWITCHBOARD_LOG", "info")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut first = String::new();
    stderr.read_line(&mut first).unwrap();
    assert!(first.contains("mock provider"), "first log line: {first}");
    let addr = loop {
        let mut line = String::new();
        assert!(
            stderr.read_line(&mut line).unwrap() > 0,
            "the gateway exited early"
        );
        if let Some(rest) = line.split("listening on http://").nth(1) {
            break rest.split_whitespace().next().unwrap().to_owned();
        }
    };

    let body = r#"{"model":"mock","messages":[{"role":"user","content":"Hello!"}]}"#;
    let mut tcp = TcpStream::connect(&addr).unwrap();
    write!(
        tcp,
        "POST /v1/chat/completions HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    tcp.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        answer.contains(r#""content":"You said: Hello!""#),
        "{answer}"
    );

    // A client that leaves mid-stream is logged as such.
    let body = r#"{"model":"mock-tokens50-delay50","stream":true,"messages":[]}"#;
    let mut tcp = TcpStream::connect(&addr).unwrap();
    write!(
        tcp,
        "POST /v1/chat/completions HTTP/1.1\r\nhost: {addr}\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut some = [0u8; 64];
    tcp.read_exact(&mut some).unwrap();
    drop(tcp);
    std::thread::sleep(Duration::from_millis(300));

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "no exit after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status}");
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).unwrap();
    assert!(rest.contains("request_id="), "no access log line:\n{rest}");
    assert!(rest.contains("outcome=\"client_closed\""), "{rest}");
    assert!(rest.contains("SIGTERM"), "{rest}");
}

#[test]
fn check_config_reads_the_tls_files() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("switchboard.toml"),
        "[server.tls]\ncert = \"missing-cert.pem\"\nkey = \"missing-key.pem\"\n",
    )
    .unwrap();
    let out = run(dir.path(), &["check-config"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("missing-cert.pem"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn doctor_checks_every_provider_and_says_what_to_fix() {
    let dir = tempfile::tempdir().unwrap();
    // Nothing listens on this port once the listener is dropped.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    std::fs::write(
        dir.path().join("doctor.toml"),
        format!(
            "[providers.mock]\nkind = \"mock\"\n[providers.local]\nkind = \"openai\"\nbase_url = \"http://127.0.0.1:{port}/v1\"\n\
             [[models]]\nname = \"m\"\nprovider = \"mock\"\n[[models]]\nname = \"l\"\nprovider = \"local\"\nmodel = \"qwen3\"\n\
             [state]\npath = \"state.db\"\n"
        ),
    )
    .unwrap();
    // A provider and a model created at run time are checked too.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let db = switchboard_state::Database::open(&dir.path().join("state.db"))
            .await
            .unwrap();
        let empty = serde_json::json!({});
        db.providers(None)
            .create("stored", "mock", empty.clone(), "test")
            .await
            .unwrap();
        db.models()
            .create(
                "s",
                &serde_json::json!([{"provider": "stored"}]),
                &empty,
                "test",
            )
            .await
            .unwrap();
        db.close().await;
    });
    let out = run(dir.path(), &["doctor", "--config", "doctor.toml"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}{}", text(&out.stderr));
    let mock = stdout.lines().find(|l| l.starts_with("mock")).unwrap();
    assert!(mock.contains("chat m") && mock.contains("ok,"), "{stdout}");
    let local = stdout.lines().find(|l| l.starts_with("local")).unwrap();
    assert!(
        local.contains("chat qwen3") && local.contains("FAILED: HTTP 502"),
        "{stdout}"
    );
    assert!(stdout.contains("fix: could not connect"), "{stdout}");
    let stored = stdout.lines().find(|l| l.starts_with("stored")).unwrap();
    assert!(
        stored.contains("chat s") && stored.contains("ok,"),
        "{stdout}"
    );
}

#[test]
fn rotate_master_key_reseals_every_stored_secret() {
    use switchboard_state::{Database, Keyring, MasterKey};
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("state.db");
    let old = MasterKey::generate(1).unwrap();
    let old_text = old.export().expose().to_owned();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let db = Database::open(&db_path).await.unwrap();
        let providers = db.providers(Some(std::sync::Arc::new(Keyring::new(old))));
        let config =
            serde_json::json!({"base_url": "https://api.example", "api_key": "sk-rotate-canary"});
        providers
            .create("p", "openai", config, "test")
            .await
            .unwrap();
        db.close().await;
    });
    std::fs::write(
        dir.path().join("r.toml"),
        format!("[state]\npath = \"{}\"\n", db_path.display()),
    )
    .unwrap();
    let mut cmd = switchboard(dir.path());
    cmd.args([
        "rotate-master-key",
        "--config",
        "r.toml",
        "--new-key-file",
        "new.key",
        "--generate",
    ]);
    cmd.env("SWITCHBOARD_MASTER_KEY", &old_text);
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("re-sealed 1 secret(s) of 1 provider(s) under key version 2"),
        "{stdout}"
    );
    assert!(!stdout.contains("sk-rotate-canary"));
    // Running it again with the same file refuses to overwrite the new key.
    let mut again = switchboard(dir.path());
    again.args([
        "rotate-master-key",
        "--config",
        "r.toml",
        "--new-key-file",
        "new.key",
        "--generate",
    ]);
    again.env("SWITCHBOARD_MASTER_KEY", &old_text);
    assert!(!again.output().unwrap().status.success());

    let new = MasterKey::from_file(&dir.path().join("new.key")).unwrap();
    assert_eq!(new.version(), 2);
    runtime.block_on(async {
        let db = Database::open(&db_path).await.unwrap();
        let with_new = db.providers(Some(std::sync::Arc::new(Keyring::new(new))));
        let revealed = with_new.reveal("p").await.unwrap().unwrap();
        assert_eq!(revealed.expose_config()["api_key"], "sk-rotate-canary");
        let old_again = MasterKey::parse(&old_text).unwrap();
        let with_old = db.providers(Some(std::sync::Arc::new(Keyring::new(old_again))));
        assert!(
            with_old.reveal("p").await.is_err(),
            "the old key no longer opens it"
        );
    });
}
