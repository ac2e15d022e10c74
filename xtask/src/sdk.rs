//! `cargo xtask sdk-check`: the official OpenAI Python SDK (`openai` on PyPI), a client we
//! did not write, against the gateway serving its built-in mock.
//!
//! Why: our own tests check what we think OpenAI's wire format is; the SDK checks it the way
//! most clients will read it, with its typed models and its strict stream helpers. The
//! checks themselves are in `xtask/sdk/` (see its README); this file only prepares them: a
//! virtualenv with the SDK under `target/sdk-venv`, a debug build of the gateway running on
//! a free port of 127.0.0.1, and the gateway stopped again whatever happens.

use std::collections::VecDeque;
use std::fs;
use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::run::{self, Failure};

/// What `main` exits with when the check was skipped rather than failed.
pub const SKIPPED_EXIT_CODE: u8 = 3;

/// The SDK versions checked. A fresh virtualenv gets the newest that fits; one that exists
/// keeps what it has, so runs repeat until `target/sdk-venv` is removed. The checks need at
/// least 1.66.5 (the Responses API, and reasoning items with `summary`), which the newest
/// always is; a new major version is a new client to look at before it gates CI.
const SDK_REQUIREMENT: &str = "openai>=1.66.5,<4";

/// The virtualenv, relative to the workspace root; kept between runs.
const VENV: &str = "target/sdk-venv";

/// The check script, relative to the workspace root.
const SCRIPT: &str = "xtask/sdk/check.py";

/// Variables that would point the gateway at a real upstream instead of its mock, or change
/// its configuration; removed from its environment. Every `SWITCHBOARD*` variable goes too.
const GATEWAY_ENV_REMOVED: &[&str] = &[
    "OPENAI_API_KEY",
    "OPENAI_API_BASE",
    "OPENAI_BASE_URL",
    "OPENAI_MODEL",
    "FORCE_MOCK_OPENAI",
];

/// How long the gateway may take to say where it listens.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);

/// Gateway log lines kept for the failure report (the last ones).
const LOG_TAIL: usize = 40;

/// How a check that did not fail ended.
pub enum Checked {
    /// Every check ran and passed (or was a marked known failure, printed as `SKIP`).
    Passed,
    /// The SDK could not be installed, so nothing was checked; the reason says why.
    Skipped(String),
}

/// Installs the SDK (reusing the virtualenv), builds and starts the gateway, and runs the
/// check script against it. The gateway is killed before this returns, on every path.
///
/// Returns [`Checked::Skipped`] when there is no Python or pip cannot install the SDK (no
/// package index, for example): an environment without them cannot run the check, which is
/// not the gateway's fault. Anything else that goes wrong is a [`Failure`].
pub fn run(root: &Path) -> Result<Checked, Failure> {
    let started = Instant::now();
    let python = match prepare_venv(root) {
        Ok(python) => python,
        Err(skip) => return Ok(Checked::Skipped(skip)),
    };
    build_gateway(root)?;
    let gateway = Gateway::start(&gateway_binary(root))?;
    let base_url = format!("http://{}/v1", gateway.addr);
    eprintln!("==> sdk-check: gateway on {base_url}");
    let checked = run_script(root, &python, &base_url);
    let log = gateway.stop();
    if checked.is_err() {
        eprintln!("==> sdk-check: the gateway's last log lines:");
        for line in &log {
            eprintln!("    {line}");
        }
    }
    checked?;
    eprintln!(
        "==> sdk-check: passed in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(Checked::Passed)
}

/// Builds the gateway (debug) with `cargo build -p switchboard`.
fn build_gateway(root: &Path) -> Result<(), Failure> {
    run::cargo(root, &["build", "-p", "switchboard"])
}

/// Where `cargo build` put the gateway: `debug/switchboard` under `$CARGO_TARGET_DIR`
/// (relative to `root` unless absolute) or else under `root/target`.
fn gateway_binary(root: &Path) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| root.join("target"), |dir| root.join(dir));
    target
        .join("debug")
        .join(format!("switchboard{}", std::env::consts::EXE_SUFFIX))
}

/// Creates the virtualenv unless it exists and installs the SDK into it; returns its Python.
///
/// The error is the reason to skip: no `python3` on `PATH`, a virtualenv that cannot be
/// made, or pip failing (its own output says why, above ours).
fn prepare_venv(root: &Path) -> Result<PathBuf, String> {
    let venv = root.join(VENV);
    let python = venv_python(&venv);
    if python.is_file() {
        eprintln!("==> sdk-check: reusing the virtualenv {VENV}");
    } else {
        let system = if cfg!(windows) { "python" } else { "python3" };
        if !run::on_path(system) {
            return Err(format!("no `{system}` on PATH to create {VENV} with"));
        }
        let made = command_status(Command::new(system).args(["-m", "venv"]).arg(&venv));
        if let Err(why) = made {
            // A half-made virtualenv would be reused next time; start over then.
            let _ = fs::remove_dir_all(&venv);
            return Err(format!("cannot create the virtualenv {VENV}: {why}"));
        }
    }
    let install = command_status(Command::new(&python).args([
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        // An unreachable index fails after a few tries, not after pip's default five.
        "--retries",
        "2",
        SDK_REQUIREMENT,
    ]));
    install.map_err(|why| {
        format!(
            "pip could not install `{SDK_REQUIREMENT}` (is the package index reachable?): {why}"
        )
    })?;
    Ok(python)
}

/// The virtualenv's own Python: `bin/python`, or `Scripts\python.exe` on Windows.
fn venv_python(venv: &Path) -> PathBuf {
    if cfg!(windows) {
        venv.join("Scripts").join("python.exe")
    } else {
        venv.join("bin").join("python")
    }
}

/// Runs the check script with the virtualenv's Python; its output goes straight to ours.
///
/// The script gets no `OPENAI_*` variable (it is given every setting it needs) and writes
/// no `__pycache__` into the source tree.
fn run_script(root: &Path, python: &Path, base_url: &str) -> Result<(), Failure> {
    let mut command = Command::new(python);
    command
        .arg(root.join(SCRIPT))
        .arg(base_url)
        .current_dir(root)
        .env("PYTHONDONTWRITEBYTECODE", "1");
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("OPENAI_") {
            command.env_remove(name);
        }
    }
    command_status(&mut command)
        .map_err(|why| Failure::new(format!("the SDK checks failed: {why}")))
}

/// Runs `command` after printing it; `Err` says how it ended when that was not success.
fn command_status(command: &mut Command) -> Result<(), String> {
    let line = format!("{command:?}");
    eprintln!("$ {line}");
    match command.status() {
        Ok(status) if status.success() => Ok(()),
        Ok(status) => Err(format!("`{line}` failed ({status})")),
        Err(e) => Err(format!("`{line}` could not be started: {e}")),
    }
}

/// The gateway, running in an empty temporary folder with the mock as its only provider.
///
/// Dropping it kills the process and removes the folder, so an early return or a panic
/// never leaves a gateway behind.
struct Gateway {
    /// The running `switchboard`.
    child: Child,
    /// Where it listens.
    addr: SocketAddr,
    /// Its working folder, removed when it stops.
    dir: PathBuf,
    /// The thread that drains its stderr (so it never blocks on a full pipe) and returns
    /// the last [`LOG_TAIL`] lines at the end.
    log: Option<JoinHandle<Vec<String>>>,
}

impl Gateway {
    /// Starts `binary --listen 127.0.0.1:0` and waits for the log line that names the port.
    ///
    /// Fails when the binary cannot start, exits before listening, or says nothing within
    /// [`STARTUP_TIMEOUT`]; the gateway's log is in the message.
    fn start(binary: &Path) -> Result<Self, Failure> {
        let dir =
            std::env::temp_dir().join(format!("switchboard-sdk-check-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir)
            .map_err(|e| Failure::new(format!("cannot create {}: {e}", dir.display())))?;
        let mut command = Command::new(binary);
        command
            .args(["--listen", "127.0.0.1:0"])
            .current_dir(&dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (name, _) in std::env::vars_os() {
            let name_text = name.to_string_lossy();
            if name_text.starts_with("SWITCHBOARD") || GATEWAY_ENV_REMOVED.contains(&&*name_text) {
                command.env_remove(&name);
            }
        }
        command.env("SWITCHBOARD_LOG", "info");
        eprintln!("$ {command:?}");
        let mut child = command.spawn().map_err(|e| {
            let _ = fs::remove_dir_all(&dir);
            Failure::new(format!("cannot start {}: {e}", binary.display()))
        })?;
        let (found, addr) = mpsc::channel();
        let log = child
            .stderr
            .take()
            .map(|stderr| std::thread::spawn(move || drain(stderr, &found)));
        // From here on, dropping `gateway` kills the child, whatever happens next.
        let mut gateway = Gateway {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            dir,
            log,
        };
        match addr.recv_timeout(STARTUP_TIMEOUT) {
            Ok(addr) => {
                gateway.addr = addr;
                Ok(gateway)
            }
            Err(why) => {
                let what = match why {
                    mpsc::RecvTimeoutError::Timeout => format!(
                        "did not say where it listens within {} s",
                        STARTUP_TIMEOUT.as_secs()
                    ),
                    mpsc::RecvTimeoutError::Disconnected => "exited before listening".to_owned(),
                };
                let log = gateway.stop().join("\n    ");
                Err(Failure::new(format!(
                    "the gateway {what}; its log:\n    {log}"
                )))
            }
        }
    }

    /// Kills the gateway and returns the last lines of its log.
    fn stop(mut self) -> Vec<String> {
        self.kill();
        self.log
            .take()
            .and_then(|log| log.join().ok())
            .unwrap_or_default()
    }

    /// Kills the process, reaps it and removes its folder; harmless when already done.
    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = fs::remove_dir_all(&self.dir);
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Reads the gateway's stderr to its end: sends the address from the first
/// `listening on http://ADDR` line on `found`, and returns the last [`LOG_TAIL`] lines.
fn drain(stderr: impl Read, found: &mpsc::Sender<SocketAddr>) -> Vec<String> {
    let mut tail = VecDeque::with_capacity(LOG_TAIL);
    let mut sent = false;
    for line in BufReader::new(stderr).split(b'\n') {
        let Ok(line) = line else { break };
        let line = String::from_utf8_lossy(&line).trim_end().to_owned();
        if !sent && let Some(addr) = listening_addr(&line) {
            sent = found.send(addr).is_ok();
        }
        if tail.len() == LOG_TAIL {
            tail.pop_front();
        }
        tail.push_back(line);
    }
    tail.into()
}

/// The address in a log line holding `listening on http://ADDR`, if the line has one.
fn listening_addr(line: &str) -> Option<SocketAddr> {
    let rest = line.split("listening on http://").nth(1)?;
    let end = rest
        .find(|c: char| c.is_whitespace() || c == '"')
        .unwrap_or(rest.len());
    rest[..end].parse().ok()
}

#[cfg(test)]
mod tests {
    use super::listening_addr;

    #[test]
    fn finds_the_address_in_text_and_json_log_lines() {
        let text = "2026-11-21T17:14:51Z  INFO switchboard: switchboard listening on http://127.0.0.1:18081 version=\"0.1.0\"";
        assert_eq!(
            listening_addr(text).map(|a| a.to_string()),
            Some("127.0.0.1:18081".to_owned())
        );
        let json = r#"{"message":"switchboard listening on http://127.0.0.1:9"}"#;
        assert_eq!(listening_addr(json).map(|a| a.port()), Some(9));
        assert_eq!(
            listening_addr("configuration OK, listening on 127.0.0.1:1"),
            None
        );
    }
}
