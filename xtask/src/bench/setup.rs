//! The processes every scenario runs against: the mock upstream and the gateway in front of
//! it, and, where the scenarios compare with it, the bare proxy beside the gateway, all on
//! 127.0.0.1.

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

/// Where the gateway keeps its state (`[state] path`). Stored responses stay in memory
/// either way (`responses.store = "memory"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// A database file on a RAM-backed filesystem ([`RAM_FS`]), deleted before the start and
    /// after the run: the gateway does all its production work (WAL, group commit) but never
    /// waits for a disk, so the figures are its own work. Usage records live in the page
    /// cache, as they do in production, not in the gateway's memory as with `:memory:`,
    /// where every record would count in its RSS. Without [`RAM_FS`], `:memory:`.
    Ram,
    /// A database file, [`STATE_FILE`] under the setup's folder, deleted before the start so
    /// that each run begins empty: every model request waits for its usage record's commit
    /// (WAL, `synchronous = FULL`), as with the default configuration.
    Disk,
}

/// The state database of [`State::Disk`], relative to the setup's folder, and of
/// [`State::Ram`], relative to its folder under [`RAM_FS`].
pub const STATE_FILE: &str = "state/switchboard.db";

/// The RAM-backed filesystem of [`State::Ram`] (tmpfs on Linux).
pub const RAM_FS: &str = "/dev/shm";

/// The running upstream, gateway and, once [`Setup::start_proxy`] was called, bare proxy.
/// Dropping it kills them all, the gateway first and the upstream last.
pub struct Setup {
    /// The gateway.
    gateway: Child,
    /// The bare proxy, `bench-proxy`, if it was started.
    proxy: Option<Child>,
    /// The mock upstream.
    upstream: Child,
    /// Where the gateway listens.
    pub gateway_addr: SocketAddr,
    /// Where the bare proxy listens, if it was started.
    pub proxy_addr: Option<SocketAddr>,
    /// Where the upstream listens.
    pub upstream_addr: SocketAddr,
    /// The folder of release binaries.
    pub bin: PathBuf,
    /// How load generators are started (pinned beside the upstream).
    pub load_launch: Launch,
    /// The gateway's log (stderr).
    pub gateway_log: PathBuf,
    /// The state database file; `None` for `:memory:`.
    pub state_file: Option<PathBuf>,
    /// The folder of a [`State::Ram`] database, removed when the setup is dropped (after
    /// the gateway, which is declared first, was killed).
    _ram_dir: Option<RamDir>,
}

/// A folder under [`RAM_FS`], removed with everything in it when dropped.
struct RamDir(PathBuf);

impl Drop for RamDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

impl Setup {
    /// Starts the upstream (as `others` says), writes the gateway's configuration into
    /// `dir`, starts the gateway (as `gateway` says) with its state as `state` says, and
    /// waits until it is ready. The logs go into `dir` too.
    pub fn start(
        bin: &Path,
        dir: &Path,
        state: State,
        gateway: Launch,
        others: Launch,
    ) -> Result<Self, Failure> {
        let ram_dir = match state {
            State::Ram => ram_dir(),
            State::Disk => None,
        };
        let state_file = match (state, &ram_dir) {
            (State::Ram, Some(ram)) => Some(fresh_state_file(&ram.0)?),
            (State::Ram, None) => None,
            (State::Disk, _) => Some(fresh_state_file(dir)?),
        };
        Self::launch(bin, dir, state_file, ram_dir, gateway, others)
    }

    /// Like [`Setup::start`], with the gateway's state in its memory (`:memory:`): no
    /// database file, so no WAL and no checkpoints whose timing varies from run to run.
    /// `cargo xtask bench --instructions` uses it, for counts that repeat.
    pub fn start_in_memory(
        bin: &Path,
        dir: &Path,
        gateway: Launch,
        others: Launch,
    ) -> Result<Self, Failure> {
        Self::launch(bin, dir, None, None, gateway, others)
    }

    /// Starts the upstream and the gateway, its state in `state_file` (`None`: `:memory:`)
    /// under `ram_dir` if that is given. See [`Setup::start`].
    fn launch(
        bin: &Path,
        dir: &Path,
        state_file: Option<PathBuf>,
        ram_dir: Option<RamDir>,
        gateway: Launch,
        others: Launch,
    ) -> Result<Self, Failure> {
        let state_path = state_file
            .as_deref()
            .map_or_else(|| ":memory:".into(), Path::to_string_lossy);
        let mut command = process::command(&bin.join("bench-upstream"), others);
        command.args(["--port", "0"]);
        let mut upstream = Child::spawn("the upstream", &mut command, &dir.join("upstream.log"))?;
        let upstream_addr = upstream.wait_for_addr()?;
        eprintln!("==> bench: upstream on http://{upstream_addr}");

        let config = dir.join("switchboard.toml");
        fs::write(&config, gateway_config(upstream_addr, &state_path))
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
        let gateway_log = dir.join("gateway.log");
        let mut gateway_child = Child::spawn("the gateway", &mut command, &gateway_log)?;
        let gateway_addr = gateway_child.wait_for_addr()?;
        gateway_child.wait_ready(gateway_addr)?;
        let pid = gateway_child.pid();
        // Under a wrapper (valgrind) the process bears the wrapper's name; whoever wraps
        // the gateway reads neither its CPU time nor its memory from `/proc`.
        match super::procfs::comm(pid) {
            _ if !gateway.wrapper.is_empty() => {}
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
            proxy: None,
            upstream,
            gateway_addr,
            proxy_addr: None,
            upstream_addr,
            bin: bin.to_owned(),
            load_launch: others,
            gateway_log,
            state_file,
            _ram_dir: ram_dir,
        })
    }

    /// The gateway's process id, for `/proc`.
    pub fn gateway_pid(&self) -> u32 {
        self.gateway.pid()
    }

    /// Asks the gateway to stop (SIGTERM) and waits up to `grace` for it to exit, so that
    /// it shuts down as it would in production (a wrapper such as valgrind cleans up
    /// then); dropping the setup kills it anyway.
    pub fn stop_gateway(&mut self, grace: std::time::Duration) {
        self.gateway.terminate(grace);
    }

    /// The upstream's process id, for `/proc`.
    pub fn upstream_pid(&self) -> u32 {
        self.upstream.pid()
    }

    /// Starts the bare proxy, `bench-proxy`, in front of the upstream (as `launch` says:
    /// `cargo xtask bench` pins it to the gateway's CPU), its log `proxy.log` in `dir`, and
    /// waits until it listens. From then on the scenarios that compare with it run through
    /// it too; it is killed with the rest of the setup.
    pub fn start_proxy(&mut self, dir: &Path, launch: Launch) -> Result<(), Failure> {
        let mut command = process::command(&self.bin.join("bench-proxy"), launch);
        command
            .args(["--port", "0"])
            .arg("--upstream")
            .arg(format!("http://{}", self.upstream_addr));
        let mut proxy = Child::spawn("the bare proxy", &mut command, &dir.join("proxy.log"))?;
        let addr = proxy.wait_for_addr()?;
        let pid = proxy.pid();
        // Its CPU time is read from `/proc/<pid>`: the pid must be the proxy's own.
        match super::procfs::comm(pid) {
            Some(name) if name == "bench-proxy" => {}
            other => {
                return Err(Failure::new(format!(
                    "process {pid} should be the bare proxy, but is {other:?}: its CPU would be \
                     misread"
                )));
            }
        }
        eprintln!("==> bench: bare proxy on http://{addr} (pid {pid})");
        self.proxy = Some(proxy);
        self.proxy_addr = Some(addr);
        Ok(())
    }

    /// The bare proxy's process id, for `/proc`, if it was started.
    pub fn proxy_pid(&self) -> Option<u32> {
        self.proxy.as_ref().map(Child::pid)
    }
}

/// A folder of this process under [`RAM_FS`], or `None` when there is none to write to.
/// Folders of runs that were killed before they could remove theirs (their process is gone)
/// are removed first: what they hold would take RAM until the next reboot.
fn ram_dir() -> Option<RamDir> {
    let root = Path::new(RAM_FS);
    if !root.is_dir() {
        return None;
    }
    if let Ok(entries) = fs::read_dir(root) {
        for entry in entries.flatten() {
            let name = entry.file_name();
            if let Some(pid) = name.to_str().and_then(ram_dir_pid)
                && !Path::new("/proc").join(pid.to_string()).exists()
            {
                let _ = fs::remove_dir_all(entry.path());
            }
        }
    }
    let dir = root.join(format!("{RAM_DIR_PREFIX}{}", std::process::id()));
    fs::create_dir_all(&dir).ok().map(|()| RamDir(dir))
}

/// The start of the name of a [`State::Ram`] folder; the process id follows.
const RAM_DIR_PREFIX: &str = "switchboard-bench-";

/// The process id in the name of a [`State::Ram`] folder, or `None` for any other name.
fn ram_dir_pid(name: &str) -> Option<u32> {
    name.strip_prefix(RAM_DIR_PREFIX)?.parse().ok()
}

/// [`STATE_FILE`] under `dir`, absolute, with its folder emptied (the database, its WAL and
/// shared-memory files from an earlier run) and created again.
fn fresh_state_file(dir: &Path) -> Result<PathBuf, Failure> {
    let dir = fs::canonicalize(dir)
        .map_err(|e| Failure::new(format!("cannot resolve {}: {e}", dir.display())))?;
    let file = dir.join(STATE_FILE);
    let folder = file.parent().unwrap_or(&dir);
    match fs::remove_dir_all(folder) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => {
            return Err(Failure::new(format!(
                "cannot delete {}: {e}",
                folder.display()
            )));
        }
    }
    fs::create_dir_all(folder)
        .map_err(|e| Failure::new(format!("cannot create {}: {e}", folder.display())))?;
    Ok(file)
}

/// The gateway's configuration: one `openai` provider per mode in front of the upstream,
/// the state database at `state_path` (`:memory:` or a file). Model names go upstream as
/// they are (route `*`, the same-shape path for chat), or, with the [`TRANSLATE_PREFIX`],
/// to a provider with `responses = "translate"`. Stored responses stay in memory: the
/// Responses scenarios measure translation, not the disk (the database store commits each
/// response with an fsync).
fn gateway_config(upstream: SocketAddr, state_path: &str) -> String {
    let state_path = toml_string(state_path);
    format!(
        "# Written by `cargo xtask bench`.\n\
         [responses]\nstore = \"memory\"\n\n\
         [state]\npath = {state_path}\n\n\
         [providers.upstream]\nkind = \"openai\"\nbase_url = \"http://{upstream}/v1\"\n\n\
         [providers.translate]\nkind = \"openai\"\nbase_url = \"http://{upstream}/v1\"\n\
         responses = \"translate\"\n\n\
         [[models]]\nname = \"{TRANSLATE_PREFIX}*\"\nprovider = \"translate\"\n\n\
         [[models]]\nname = \"*\"\nprovider = \"upstream\"\n"
    )
}

/// `text` as a TOML basic string, quoted, with `"`, `\` and control characters escaped.
fn toml_string(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('"');
    for c in text.chars() {
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            c if c.is_control() => quoted.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_state_path_is_a_quoted_toml_string() {
        let upstream = SocketAddr::from(([127, 0, 0, 1], 9));
        let memory = gateway_config(upstream, ":memory:");
        assert!(
            memory.contains("[state]\npath = \":memory:\"\n"),
            "{memory}"
        );
        let disk = gateway_config(upstream, "/tmp/a \"b\"\\c/switchboard.db");
        assert!(
            disk.contains("path = \"/tmp/a \\\"b\\\"\\\\c/switchboard.db\"\n"),
            "{disk}"
        );
        assert!(disk.contains("store = \"memory\""), "{disk}");
    }

    #[test]
    fn only_bench_folders_name_a_process() {
        assert_eq!(ram_dir_pid("switchboard-bench-4242"), Some(4242));
        for other in [
            "switchboard-bench-",
            "switchboard-bench-x1",
            "sem.lock",
            "4242",
        ] {
            assert_eq!(ram_dir_pid(other), None, "{other}");
        }
    }

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(toml_string("a\tb\n"), "\"a\\u0009b\\u000A\"");
    }

    #[test]
    fn the_state_file_starts_empty() {
        let dir = std::env::temp_dir().join(format!("xtask-bench-setup-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        let file = fresh_state_file(&dir).unwrap();
        assert!(
            file.is_absolute() && file.ends_with(STATE_FILE),
            "{}",
            file.display()
        );
        let wal = file.with_extension("db-wal");
        fs::write(&file, "old").unwrap();
        fs::write(&wal, "old").unwrap();
        let again = fresh_state_file(&dir).unwrap();
        assert_eq!(again, file);
        assert!(!file.exists() && !wal.exists());
        assert!(file.parent().unwrap().is_dir());
        fs::remove_dir_all(&dir).unwrap();
    }
}
