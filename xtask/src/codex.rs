//! `cargo xtask codex-check`: the OpenAI Codex CLI, a Responses-only client we did not
//! write, driving the gateway over a scripted chat upstream.
//!
//! Why: Codex speaks only the Responses API, so over a chat upstream every byte it reads
//! went through the bridge, and it reads the stream its own way (`docs/responses.md`, spec
//! §7), not the way our tests think it does. Each scenario runs `codex exec` once
//! against `switchboard` (built here, on 127.0.0.1) whose one provider is
//! `xtask/codex/upstream.py`, a chat server that streams scripted answers and records every
//! request. A scenario passes when Codex's exit status and output, and the chat requests the
//! gateway made, are what the scenario expects. Codex comes from npm (`@openai/codex`, a
//! prebuilt binary) into `target/codex-npm`; the run's files stay in `target/codex-check`.
//!
//! Codex never reaches beyond loopback: it gets a fresh `CODEX_HOME` whose only provider is
//! the gateway, its network features (plugin sync, apps) are off, and every proxy variable
//! points at a trap on 127.0.0.1 that fails the scenario if anything connects to it.

use std::fs;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use crate::run::{self, Failure};

mod install;
mod json;
mod process;
mod scenarios;

use json::Json;
use process::{Killed, Trap, create, wait_with_timeout};

/// What the command exits with when the check was skipped rather than failed.
const SKIPPED_EXIT_CODE: u8 = 3;

/// This run's files (configs, logs, Codex's output), relative to the workspace root; emptied
/// when a run starts and kept afterwards for reading.
const RUN_DIR: &str = "target/codex-check";

/// The scripted chat upstream, relative to the workspace root.
const UPSTREAM_SCRIPT: &str = "xtask/codex/upstream.py";

/// The model name Codex asks for; the gateway's catch-all route sends it upstream as is.
const MODEL: &str = "sb-test";

/// The gateway key: Codex sends it from `SWITCHBOARD_API_KEY`, the gateway requires it.
const API_KEY: &str = "sk-test";

/// How long one `codex exec` may run before it is killed and its scenario fails.
const CODEX_TIMEOUT: Duration = Duration::from_secs(120);

/// Variables removed from the gateway's environment: they could add providers or change its
/// configuration. Every `SWITCHBOARD*` variable goes too.
const GATEWAY_ENV_REMOVED: &[&str] = &[
    "OPENAI_API_KEY",
    "OPENAI_API_BASE",
    "OPENAI_BASE_URL",
    "OPENAI_MODEL",
    "FORCE_MOCK_OPENAI",
];

/// The only variables Codex inherits; everything else (`OPENAI_*`, `CODEX_*`, real proxies)
/// is cleared.
const CODEX_ENV_KEPT: &[&str] = &["PATH", "HOME", "USER", "LANG", "LC_ALL", "TERM"];

/// Proxy variables, all set to the trap so that anything not on loopback fails fast.
const PROXY_VARS: &[&str] = &[
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
];

/// How a check that did not fail ended.
enum Checked {
    /// Every scenario passed, or failed and is marked as a known gateway failure.
    Passed,
    /// Codex (or Python) could not be had, so nothing was checked; the reason says why.
    Skipped(String),
}

/// `cargo xtask codex-check`: runs [`run`] in the workspace root and turns its result into
/// the exit status: 0 passed, 1 failed (the reason on stderr), [`SKIPPED_EXIT_CODE`] skipped.
pub fn command() -> ExitCode {
    match run::workspace_root().and_then(|root| run(&root)) {
        Ok(Checked::Passed) => ExitCode::SUCCESS,
        Ok(Checked::Skipped(reason)) => {
            eprintln!("xtask: codex-check skipped: {reason}");
            ExitCode::from(SKIPPED_EXIT_CODE)
        }
        Err(failure) => {
            eprintln!("xtask: codex-check: {failure}");
            ExitCode::FAILURE
        }
    }
}

/// Installs Codex (reusing an earlier install), builds the gateway, starts the upstream and
/// the gateway, and runs every scenario; prints one line per scenario and a summary line to
/// stdout. The upstream and the gateway are killed before this returns, on every path.
///
/// Returns [`Checked::Skipped`] when npm or Python is missing or npm cannot install Codex
/// for this platform, and a [`Failure`] when a scenario fails or the setup breaks.
fn run(root: &Path) -> Result<Checked, Failure> {
    let started = Instant::now();
    let codex = match install::install_codex(root) {
        Ok(codex) => codex,
        Err(skip) => return Ok(Checked::Skipped(skip)),
    };
    if !run::on_path("python3") {
        return Ok(Checked::Skipped(
            "no `python3` on PATH to run the scripted upstream with".to_owned(),
        ));
    }
    run::cargo(root, &["build", "-p", "switchboard"])?;
    let dir = root.join(RUN_DIR);
    let _ = fs::remove_dir_all(&dir);
    let home = dir.join("home");
    // Outside the repository, so Codex finds no project (git root, AGENTS.md) around it.
    let work = std::env::temp_dir().join(format!("switchboard-codex-check-{}", std::process::id()));
    for folder in [&home, &work] {
        fs::create_dir_all(folder)
            .map_err(|e| Failure::new(format!("cannot create {}: {e}", folder.display())))?;
    }
    let ran = Setup::start(root, &dir, codex, home, work.clone())
        .and_then(|setup| scenarios::run_all(&setup));
    let _ = fs::remove_dir_all(&work);
    let (passed, failed) = ran?;
    println!("{passed} passed, {failed} failed");
    eprintln!(
        "==> codex-check: done in {:.1} s; files in {RUN_DIR}",
        started.elapsed().as_secs_f64()
    );
    if failed > 0 {
        return Err(Failure::new(format!(
            "{failed} Codex scenario(s) failed; see above and {RUN_DIR}"
        )));
    }
    Ok(Checked::Passed)
}

/// Everything the scenarios run against. Dropping it kills the gateway and the upstream.
struct Setup {
    /// The Codex binary.
    codex: PathBuf,
    /// This run's folder ([`RUN_DIR`]).
    dir: PathBuf,
    /// Codex's `CODEX_HOME`, holding the config that points it at the gateway.
    home: PathBuf,
    /// The folder Codex runs in.
    work: PathBuf,
    /// The file the upstream appends each request to.
    record: PathBuf,
    /// The gateway's log file.
    gateway_log: PathBuf,
    /// The proxy trap Codex's proxy variables point at.
    trap: Trap,
    /// The gateway; declared before the upstream so it is killed first.
    _gateway: Killed,
    /// The scripted upstream.
    _upstream: Killed,
}

impl Setup {
    /// Starts the upstream and the gateway and writes both configs into `dir` and `home`.
    fn start(
        root: &Path,
        dir: &Path,
        codex: PathBuf,
        home: PathBuf,
        work: PathBuf,
    ) -> Result<Self, Failure> {
        let record = dir.join("upstream-requests.jsonl");
        let upstream_log = dir.join("upstream.log");
        let mut command = Command::new("python3");
        command
            .arg(root.join(UPSTREAM_SCRIPT))
            .arg(&record)
            .env("PYTHONDONTWRITEBYTECODE", "1")
            // The script exits when this pipe closes, so it never outlives us.
            .stdin(Stdio::piped());
        let mut upstream = Killed::spawn("the upstream", &mut command, &upstream_log)?;
        let upstream_addr = upstream.wait_for_addr(&upstream_log)?;
        eprintln!("==> codex-check: chat upstream on http://{upstream_addr}/v1");

        let config = dir.join("switchboard.toml");
        write(&config, &gateway_config(upstream_addr))?;
        let gateway_log = dir.join("gateway.log");
        let mut command = Command::new(root.join("target/debug/switchboard"));
        command
            .arg("--config")
            .arg(&config)
            .args(["--listen", "127.0.0.1:0"])
            .current_dir(dir)
            .stdin(Stdio::null());
        for (name, _) in std::env::vars_os() {
            let text = name.to_string_lossy();
            if text.starts_with("SWITCHBOARD") || GATEWAY_ENV_REMOVED.contains(&&*text) {
                command.env_remove(&name);
            }
        }
        command
            .env("SWITCHBOARD_LOG", "info")
            .env("SWITCHBOARD_API_KEY", API_KEY);
        let mut gateway = Killed::spawn("the gateway", &mut command, &gateway_log)?;
        let gateway_addr = gateway.wait_for_addr(&gateway_log)?;
        eprintln!("==> codex-check: gateway on http://{gateway_addr}/v1");
        write(&home.join("config.toml"), &codex_config(gateway_addr))?;
        Ok(Setup {
            codex,
            dir: dir.to_owned(),
            home,
            work,
            record,
            gateway_log,
            trap: Trap::start()?,
            _gateway: gateway,
            _upstream: upstream,
        })
    }

    /// Runs `codex exec PROMPT` in the work folder, its output going to files named after
    /// `scenario`; kills it (and the commands it started) after [`CODEX_TIMEOUT`].
    fn codex_exec(&self, scenario: &str, prompt: &str) -> Result<Exec, Failure> {
        let stdout_path = self.dir.join(format!("{scenario}.stdout"));
        let stderr_path = self.dir.join(format!("{scenario}.stderr"));
        let mut command = Command::new(&self.codex);
        command
            .args([
                "exec",
                "--skip-git-repo-check",
                "--sandbox",
                "workspace-write",
            ])
            .args(["--ephemeral", "--color", "never", "--cd"])
            .arg(&self.work)
            .arg(prompt)
            .current_dir(&self.work)
            .env_clear()
            .envs(
                CODEX_ENV_KEPT
                    .iter()
                    .filter_map(|k| Some((k, std::env::var_os(k)?))),
            )
            .env("CODEX_HOME", &self.home)
            .env("SWITCHBOARD_API_KEY", API_KEY)
            .envs(
                PROXY_VARS
                    .iter()
                    .map(|k| (k, format!("http://{}", self.trap.addr))),
            )
            .env("NO_PROXY", "127.0.0.1,localhost")
            .env("no_proxy", "127.0.0.1,localhost")
            .stdin(Stdio::null())
            .stdout(create(&stdout_path)?)
            .stderr(create(&stderr_path)?);
        // Its own process group, so that a timeout also kills the shells Codex started.
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        eprintln!("$ codex exec ... {prompt:?} (output in {RUN_DIR}/{scenario}.std*)");
        let log_start = fs::metadata(&self.gateway_log).map_or(0, |m| m.len());
        let log_start = usize::try_from(log_start).unwrap_or(usize::MAX);
        let mut child = command
            .spawn()
            .map_err(|e| Failure::new(format!("cannot start {}: {e}", self.codex.display())))?;
        let started = Instant::now();
        let status = wait_with_timeout(&mut child, CODEX_TIMEOUT);
        let log = fs::read(&self.gateway_log).unwrap_or_default();
        Ok(Exec {
            status,
            elapsed: started.elapsed(),
            stdout: fs::read_to_string(&stdout_path).unwrap_or_default(),
            stderr: fs::read_to_string(&stderr_path).unwrap_or_default(),
            requests: self.recorded(scenario)?,
            gateway_log: String::from_utf8_lossy(log.get(log_start..).unwrap_or_default())
                .into_owned(),
            escaped: self.trap.take(),
        })
    }

    /// The request bodies the upstream recorded for `scenario`, in the order received.
    fn recorded(&self, scenario: &str) -> Result<Vec<Json>, Failure> {
        let text = fs::read_to_string(&self.record).unwrap_or_default();
        let mut bodies = Vec::new();
        for line in text.lines() {
            let record = Json::parse(line).map_err(|e| {
                Failure::new(format!("{}: bad line {line:?}: {e}", self.record.display()))
            })?;
            if record.get("scenario").as_str() == Some(scenario) {
                bodies.push(record.get("body").clone());
            }
        }
        Ok(bodies)
    }
}

/// How one `codex exec` ended.
struct Exec {
    /// Its exit status; `None` when it was killed after [`CODEX_TIMEOUT`].
    status: Option<ExitStatus>,
    /// How long it ran.
    elapsed: Duration,
    /// What it printed to stdout (the final message).
    stdout: String,
    /// What it printed to stderr (progress, warnings, errors).
    stderr: String,
    /// The chat request bodies the upstream received for this scenario.
    requests: Vec<Json>,
    /// What the gateway logged while Codex ran.
    gateway_log: String,
    /// First lines of the connections Codex made through the proxy trap.
    escaped: Vec<String>,
}

/// The gateway's configuration: the upstream as its one provider, every model routed there,
/// and [`API_KEY`] required from clients.
fn gateway_config(upstream: SocketAddr) -> String {
    format!(
        "[server]\napi_keys = [\"env:SWITCHBOARD_API_KEY\"]\n\n\
         [providers.upstream]\nkind = \"openai\"\nbase_url = \"http://{upstream}/v1\"\n\n\
         [[models]]\nname = \"*\"\nprovider = \"upstream\"\n"
    )
}

/// Codex's `config.toml` (spec §7.1): the gateway as its model provider, no retries (a
/// retry would hide a broken stream), no update check, and off the features that fetch
/// from GitHub or chatgpt.com at start (curated plugin sync, apps).
fn codex_config(gateway: SocketAddr) -> String {
    format!(
        "model = \"{MODEL}\"\nmodel_provider = \"switchboard\"\ncheck_for_update_on_startup = false\n\n\
         [model_providers.switchboard]\nname = \"switchboard\"\nbase_url = \"http://{gateway}/v1\"\n\
         env_key = \"SWITCHBOARD_API_KEY\"\nwire_api = \"responses\"\n\
         stream_max_retries = 0\nrequest_max_retries = 0\n\n\
         [analytics]\nenabled = false\n\n[feedback]\nenabled = false\n\n\
         [features]\nplugins = false\nremote_plugin = false\napps = false\n"
    )
}

/// Writes `text` to `path`.
fn write(path: &Path, text: &str) -> Result<(), Failure> {
    fs::write(path, text).map_err(|e| Failure::new(format!("cannot write {}: {e}", path.display())))
}
