//! The processes every scenario runs against: the mock upstream and the gateway in front of
//! it, both on 127.0.0.1.

use std::fs;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use crate::run::Failure;

use super::process::{self, Child, Launch};

/// Variables removed from the gateway's environment: they could add providers or change its
/// configuration. Every `SWITCHBOARD*` variable goes too.
const GATEWAY_ENV_REMOVED: &[&str] = &[
    "OPENAI_API_KEY",
    "OPENAI_API_BASE",
    "OPENAI_BASE_URL",
    "OPENAI_MODEL",
    "FORCE_MOCK_OPENAI",
];

/// The prefix that routes a model to the provider with `responses = "translate"`; the
/// gateway strips it, so the upstream sees the same model name as in a direct run.
pub const TRANSLATE_PREFIX: &str = "responses/";

/// The running upstream and gateway. Dropping it kills both, the gateway first.
pub struct Setup {
    /// The gateway.
    gateway: Child,
    /// The mock upstream.
    upstream: Child,
    /// Where the gateway listens.
    pub gateway_addr: SocketAddr,
    /// Where the upstream listens.
    pub upstream_addr: SocketAddr,
    /// The folder of release binaries.
    pub bin: PathBuf,
    /// How load generators are started (pinned beside the upstream).
    pub load_launch: Launch,
}

impl Setup {
    /// Starts the upstream (as `others` says), writes the gateway's configuration into
    /// `dir`, starts the gateway (as `gateway` says) and waits until it is ready.
    pub fn start(bin: &Path, dir: &Path, gateway: Launch, others: Launch) -> Result<Self, Failure> {
        let mut command = process::command(&bin.join("bench-upstream"), others);
        command.args(["--port", "0"]);
        let mut upstream = Child::spawn("the upstream", &mut command, &dir.join("upstream.log"))?;
        let upstream_addr = upstream.wait_for_addr()?;
        eprintln!("==> bench: upstream on http://{upstream_addr}");

        let config = dir.join("switchboard.toml");
        fs::write(&config, gateway_config(upstream_addr))
            .map_err(|e| Failure::new(format!("cannot write {}: {e}", config.display())))?;
        let mut command = process::command(&bin.join("switchboard"), gateway);
        command
            .arg("--config")
            .arg(&config)
            .args(["--listen", "127.0.0.1:0"])
            .current_dir(dir);
        for (name, _) in std::env::vars_os() {
            let text = name.to_string_lossy();
            if text.starts_with("SWITCHBOARD") || GATEWAY_ENV_REMOVED.contains(&&*text) {
                command.env_remove(&name);
            }
        }
        // The default level: one access-log line per request, as in production.
        command.env("SWITCHBOARD_LOG", "info");
        let mut gateway_child =
            Child::spawn("the gateway", &mut command, &dir.join("gateway.log"))?;
        let gateway_addr = gateway_child.wait_for_addr()?;
        gateway_child.wait_ready(gateway_addr)?;
        let pid = gateway_child.pid();
        match super::procfs::comm(pid) {
            Some(name) if name == "switchboard" => {}
            other => {
                return Err(Failure::new(format!(
                    "process {pid} should be the gateway, but is {other:?}: its CPU and memory \
                     would be misread"
                )));
            }
        }
        eprintln!("==> bench: gateway on http://{gateway_addr} (pid {pid})");
        Ok(Self {
            gateway: gateway_child,
            upstream,
            gateway_addr,
            upstream_addr,
            bin: bin.to_owned(),
            load_launch: others,
        })
    }

    /// The gateway's process id, for `/proc`.
    pub fn gateway_pid(&self) -> u32 {
        self.gateway.pid()
    }

    /// The upstream's process id, for `/proc`.
    pub fn upstream_pid(&self) -> u32 {
        self.upstream.pid()
    }
}

/// The gateway's configuration: one `openai` provider per mode in front of the upstream.
/// Model names go upstream as they are (route `*`, the same-shape path for chat), or, with
/// the [`TRANSLATE_PREFIX`], to a provider with `responses = "translate"`. Stored
/// responses stay in memory: the Responses scenarios measure translation, not the disk
/// (the database store commits each response with an fsync).
fn gateway_config(upstream: SocketAddr) -> String {
    format!(
        "# Written by `cargo xtask bench`.\n\
         [responses]\nstore = \"memory\"\n\n\
         [state]\npath = \":memory:\"\n\n\
         [providers.upstream]\nkind = \"openai\"\nbase_url = \"http://{upstream}/v1\"\n\n\
         [providers.translate]\nkind = \"openai\"\nbase_url = \"http://{upstream}/v1\"\n\
         responses = \"translate\"\n\n\
         [[models]]\nname = \"{TRANSLATE_PREFIX}*\"\nprovider = \"translate\"\n\n\
         [[models]]\nname = \"*\"\nprovider = \"upstream\"\n"
    )
}
