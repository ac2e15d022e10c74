//! The processes a check runs: children killed when dropped or after a time limit, the
//! `listening on http://ADDR` line they announce themselves with, and the proxy trap.

use std::fs::{self, File};
use std::io::Read;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::run::Failure;

/// How long the upstream and the gateway may take to say where they listen.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);

/// Waits for `child` to exit; after `limit`, kills it and returns `None`. On Unix the child
/// must lead its own process group (`process_group(0)`), which is killed with it, so the
/// commands it started die too.
pub fn wait_with_timeout(child: &mut Child, limit: Duration) -> Option<ExitStatus> {
    let started = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Some(status),
            Ok(None) if started.elapsed() < limit => std::thread::sleep(Duration::from_millis(50)),
            _ => break,
        }
    }
    // The group is the child's own (`process_group(0)`): its id is the child's id.
    #[cfg(unix)]
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{}", child.id())])
        .stderr(Stdio::null())
        .status();
    let _ = child.kill();
    let _ = child.wait();
    None
}

/// A child process whose output goes to a log file, killed and reaped when dropped.
pub struct Killed {
    /// What it is, for messages.
    name: &'static str,
    /// The process.
    child: Child,
}

impl Killed {
    /// Starts `command` with stdout and stderr appended to `log`.
    pub fn spawn(name: &'static str, command: &mut Command, log: &Path) -> Result<Self, Failure> {
        let out = create(log)?;
        let err = out
            .try_clone()
            .map_err(|e| Failure::new(format!("cannot share {}: {e}", log.display())))?;
        eprintln!("$ {command:?} (log in {})", log.display());
        let child = command
            .stdout(out)
            .stderr(err)
            .spawn()
            .map_err(|e| Failure::new(format!("cannot start {name}: {e}")))?;
        Ok(Self { name, child })
    }

    /// Waits until `log` has a `listening on http://ADDR` line and returns ADDR. Fails when
    /// the process exits first or [`STARTUP_TIMEOUT`] passes; the log is in the message.
    pub fn wait_for_addr(&mut self, log: &Path) -> Result<SocketAddr, Failure> {
        let started = Instant::now();
        loop {
            let text = fs::read_to_string(log).unwrap_or_default();
            if let Some(addr) = text.lines().find_map(listening_addr) {
                return Ok(addr);
            }
            let why = match self.child.try_wait() {
                Ok(Some(status)) => format!("exited ({status}) before listening"),
                _ if started.elapsed() > STARTUP_TIMEOUT => format!(
                    "did not say where it listens within {} s",
                    STARTUP_TIMEOUT.as_secs()
                ),
                _ => {
                    std::thread::sleep(Duration::from_millis(50));
                    continue;
                }
            };
            let text = fs::read_to_string(log).unwrap_or_default();
            return Err(Failure::new(format!(
                "{} {why}; its log:\n{text}",
                self.name
            )));
        }
    }
}

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The address in a log line holding `listening on http://ADDR`, if the line has one.
fn listening_addr(line: &str) -> Option<SocketAddr> {
    let rest = line.split("listening on http://").nth(1)?;
    let end = rest
        .find(|c: char| c.is_whitespace() || c == '"')
        .unwrap_or(rest.len());
    rest[..end].parse().ok()
}

/// A listener on 127.0.0.1 that Codex's proxy variables point at: every connection it
/// gets is Codex trying to reach something that is not on loopback. It keeps each
/// connection's first line (`CONNECT chatgpt.com:443 HTTP/1.1`) and closes it unanswered.
pub struct Trap {
    /// Where it listens.
    pub addr: SocketAddr,
    /// The first lines seen since the last [`Trap::take`].
    seen: Arc<Mutex<Vec<String>>>,
}

impl Trap {
    /// Binds 127.0.0.1:0 and accepts on a thread that lives as long as the process.
    pub fn start() -> Result<Self, Failure> {
        let bound = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| Ok((listener.local_addr()?, listener)));
        let (addr, listener) =
            bound.map_err(|e| Failure::new(format!("cannot bind the proxy trap: {e}")))?;
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&seen);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let line = first_line(stream);
                if let Ok(mut sink) = sink.lock() {
                    sink.push(line);
                }
            }
        });
        Ok(Self { addr, seen })
    }

    /// The first lines seen since the last call.
    pub fn take(&self) -> Vec<String> {
        self.seen
            .lock()
            .map(|mut seen| std::mem::take(&mut *seen))
            .unwrap_or_default()
    }
}

/// The first line a client sent on `stream` (waiting at most a second for it).
fn first_line(mut stream: TcpStream) -> String {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
    let mut buf = [0u8; 512];
    let n = stream.read(&mut buf).unwrap_or(0);
    let text = String::from_utf8_lossy(&buf[..n]);
    match text.lines().next() {
        Some(line) if !line.is_empty() => line.to_owned(),
        _ => "a connection that sent nothing".to_owned(),
    }
}

/// Creates (or empties) `path` for a child's output.
pub fn create(path: &Path) -> Result<File, Failure> {
    File::create(path).map_err(|e| Failure::new(format!("cannot create {}: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::{listening_addr, wait_with_timeout};
    use std::process::Command;
    use std::time::{Duration, Instant};

    #[cfg(unix)]
    #[test]
    fn a_child_past_its_time_is_killed_with_its_group() {
        // The grandchild would leave a mark after half a second, had it not been killed.
        let mark = std::env::temp_dir().join(format!("codex-check-mark-{}", std::process::id()));
        let script = format!("(sleep 0.5; touch '{}') & sleep 30", mark.display());
        let mut command = Command::new("sh");
        command.args(["-c", &script]);
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let mut child = command.spawn().unwrap();
        let started = Instant::now();
        assert_eq!(
            wait_with_timeout(&mut child, Duration::from_millis(200)),
            None
        );
        assert!(started.elapsed() < Duration::from_secs(5));
        std::thread::sleep(Duration::from_secs(1));
        assert!(!mark.exists(), "the grandchild outlived the timeout");
    }

    #[test]
    fn a_child_in_time_gives_its_status() {
        let mut child = Command::new("sh").args(["-c", "exit 3"]).spawn().unwrap();
        let status = wait_with_timeout(&mut child, Duration::from_secs(10));
        assert_eq!(status.and_then(|s| s.code()), Some(3));
    }

    #[test]
    fn finds_the_address_in_the_gateway_and_upstream_lines() {
        let gateway = "2026-11-21T17:19:19Z  INFO switchboard: switchboard listening on http://127.0.0.1:43241 version=\"0.1.0\"";
        assert_eq!(listening_addr(gateway).map(|a| a.port()), Some(43241));
        assert_eq!(
            listening_addr("listening on http://127.0.0.1:34347").map(|a| a.port()),
            Some(34347)
        );
        assert_eq!(listening_addr("upstream: GET /v1/models 404"), None);
    }
}
