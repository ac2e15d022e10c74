//! The processes of a benchmark run: how they are started (pinned to a CPU with `taskset`,
//! with a raised open-file limit), a guard that kills each one when dropped, and the waits
//! for an address, for `/ready` and for a load run to end.

use std::fs::{self, File};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::run::Failure;

/// How long the upstream and the gateway may take to say where they listen, and to be ready.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);

/// How a child is started.
#[derive(Debug, Clone, Copy, Default)]
pub struct Launch {
    /// The CPU to pin it to with `taskset -c`; `None` leaves it free.
    pub cpu: Option<u32>,
    /// The open-file limit to raise its soft limit to (`ulimit -n` in a `sh` that then
    /// `exec`s it, so the pid stays the program's); `None` keeps ours.
    pub nofile: Option<u64>,
    /// A program and its options that run the program in the same process, such as
    /// `valgrind --tool=callgrind`: placed after `taskset`, before the program. The
    /// process then carries the wrapper's name in `/proc`, not the program's. Empty (the
    /// default) runs the program itself.
    pub wrapper: &'static [&'static str],
}

/// A command running `program` as `launch` says. The program (or its wrapper, which runs
/// it in the same process) keeps the process id the command gets: `sh` and `taskset` both
/// `exec` it.
pub fn command(program: &Path, launch: Launch) -> Command {
    let mut argv: Vec<String> = Vec::new();
    if let Some(cpu) = launch.cpu {
        argv.extend(["taskset".to_owned(), "-c".to_owned(), cpu.to_string()]);
    }
    argv.extend(launch.wrapper.iter().map(|part| (*part).to_owned()));
    argv.push(program.display().to_string());
    match launch.nofile {
        Some(limit) => {
            let mut command = Command::new("sh");
            command
                .arg("-c")
                .arg(format!("ulimit -n {limit} && exec \"$@\""))
                .arg("sh")
                .args(argv);
            command
        }
        None => {
            let mut command = Command::new(&argv[0]);
            command.args(&argv[1..]);
            command
        }
    }
}

/// A child process, killed and reaped when dropped, its output in a log file.
pub struct Child {
    /// What it is, for messages.
    name: &'static str,
    /// The process.
    child: std::process::Child,
    /// Its stdout and stderr.
    log: PathBuf,
}

impl Child {
    /// Starts `command` with stdout and stderr written to `log`.
    pub fn spawn(name: &'static str, command: &mut Command, log: &Path) -> Result<Self, Failure> {
        let out = create(log)?;
        let err = out
            .try_clone()
            .map_err(|e| Failure::new(format!("cannot share {}: {e}", log.display())))?;
        eprintln!("$ {command:?} (log in {})", log.display());
        let child = command
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .map_err(|e| Failure::new(format!("cannot start {name}: {e}")))?;
        Ok(Self {
            name,
            child,
            log: log.to_owned(),
        })
    }

    /// Like [`Child::spawn`], but only stderr goes to `log`: stdout is what `command` has.
    fn spawn_with_stdout(
        name: &'static str,
        command: &mut Command,
        log: &Path,
    ) -> Result<Self, Failure> {
        eprintln!("$ {command:?}");
        let child = command
            .stdin(Stdio::null())
            .stderr(create(log)?)
            .spawn()
            .map_err(|e| Failure::new(format!("cannot start {name}: {e}")))?;
        Ok(Self {
            name,
            child,
            log: log.to_owned(),
        })
    }

    /// The process id (the program's own: see [`command`]).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Asks the process to stop (SIGTERM, sent with the `kill` program) and waits up to
    /// `grace` for it to exit, so that it can clean up (valgrind removes its files in
    /// `/tmp` then, which a SIGKILL would leave behind). Whether or not it exits, the guard
    /// still kills it when dropped.
    pub fn terminate(&mut self, grace: Duration) {
        if !matches!(self.child.try_wait(), Ok(None)) {
            return;
        }
        let sent = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success());
        let started = Instant::now();
        while sent && started.elapsed() < grace {
            if !matches!(self.child.try_wait(), Ok(None)) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits until the log has a `listening on http://ADDR` line and returns ADDR. Fails when
    /// the process exits first or [`STARTUP_TIMEOUT`] passes, with the log in the message.
    pub fn wait_for_addr(&mut self) -> Result<SocketAddr, Failure> {
        let started = Instant::now();
        loop {
            let text = fs::read_to_string(&self.log).unwrap_or_default();
            if let Some(addr) = text.lines().find_map(listening_addr) {
                return Ok(addr);
            }
            self.check_alive(started, "say where it listens")?;
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits until `GET http://ADDR/ready` answers 200.
    pub fn wait_ready(&mut self, addr: SocketAddr) -> Result<(), Failure> {
        let started = Instant::now();
        loop {
            if get_status(addr, "/ready") == Some(200) {
                return Ok(());
            }
            self.check_alive(started, "answer 200 on /ready")?;
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// An error when the process has exited or `started` is more than [`STARTUP_TIMEOUT`]
    /// ago (`what` says what it did not do).
    fn check_alive(&mut self, started: Instant, what: &str) -> Result<(), Failure> {
        let why = match self.child.try_wait() {
            Ok(Some(status)) => format!("exited ({status}) before it would {what}"),
            _ if started.elapsed() > STARTUP_TIMEOUT => {
                format!("did not {what} within {} s", STARTUP_TIMEOUT.as_secs())
            }
            _ => return Ok(()),
        };
        let text = fs::read_to_string(&self.log).unwrap_or_default();
        Err(Failure::new(format!(
            "{} {why}; its log:\n{text}",
            self.name
        )))
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `command` to its end with stdout into `out` and stderr into `log`; kills it after
/// `limit`. Returns what it printed on stdout; fails when it exits non-zero or times out.
pub fn run_to_end(
    name: &'static str,
    command: &mut Command,
    out: &Path,
    log: &Path,
    limit: Duration,
) -> Result<String, Failure> {
    command.stdout(create(out)?);
    let mut child = Child::spawn_with_stdout(name, command, log)?;
    let started = Instant::now();
    loop {
        match child.child.try_wait() {
            Ok(Some(status)) if status.success() => break,
            Ok(Some(status)) => {
                let text = fs::read_to_string(log).unwrap_or_default();
                return Err(Failure::new(format!("{name} failed ({status}): {text}")));
            }
            Ok(None) if started.elapsed() < limit => std::thread::sleep(Duration::from_millis(20)),
            Ok(None) => {
                return Err(Failure::new(format!(
                    "{name} did not finish within {} s (killed)",
                    limit.as_secs()
                )));
            }
            Err(e) => return Err(Failure::new(format!("cannot wait for {name}: {e}"))),
        }
    }
    fs::read_to_string(out).map_err(|e| Failure::new(format!("cannot read {}: {e}", out.display())))
}

/// The status code of `GET path` on `addr`, or `None` when there is no HTTP answer within
/// a second.
fn get_status(addr: SocketAddr, path: &str) -> Option<u16> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(1)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(1))).ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut head = [0u8; 64];
    let n = stream.read(&mut head).ok()?;
    let text = std::str::from_utf8(&head[..n]).ok()?;
    text.strip_prefix("HTTP/1.1 ")?.get(..3)?.parse().ok()
}

/// The address in a log line holding `listening on http://ADDR`, if the line has one.
fn listening_addr(line: &str) -> Option<SocketAddr> {
    let rest = line.split("listening on http://").nth(1)?;
    let end = rest
        .find(|c: char| c.is_whitespace() || c == '"')
        .unwrap_or(rest.len());
    rest[..end].parse().ok()
}

/// Creates (or empties) `path` for a child's output.
fn create(path: &Path) -> Result<File, Failure> {
    File::create(path).map_err(|e| Failure::new(format!("cannot create {}: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_address_of_the_gateway_and_the_upstream() {
        let gateway = "2026-11-21T17:19:19Z  INFO switchboard: switchboard listening on http://127.0.0.1:43241 version=\"0.1.0\"";
        assert_eq!(listening_addr(gateway).map(|a| a.port()), Some(43241));
        let upstream = "bench-upstream listening on http://127.0.0.1:34347";
        assert_eq!(listening_addr(upstream).map(|a| a.port()), Some(34347));
        assert_eq!(listening_addr("no address here"), None);
    }

    #[test]
    fn pins_and_raises_the_limit_through_sh_and_taskset() {
        let program = Path::new("/bin/prog");
        let plain = command(program, Launch::default());
        assert_eq!(plain.get_program(), "/bin/prog");
        let both = command(
            program,
            Launch {
                cpu: Some(1),
                nofile: Some(4096),
                wrapper: &[],
            },
        );
        assert_eq!(both.get_program(), "sh");
        let args: Vec<_> = both.get_args().map(|a| a.to_string_lossy()).collect();
        assert_eq!(
            args,
            [
                "-c",
                "ulimit -n 4096 && exec \"$@\"",
                "sh",
                "taskset",
                "-c",
                "1",
                "/bin/prog"
            ]
        );
    }

    #[test]
    fn a_wrapper_runs_the_program_after_taskset() {
        let program = Path::new("/bin/prog");
        let launch = Launch {
            cpu: Some(0),
            nofile: None,
            wrapper: &["valgrind", "--tool=callgrind"],
        };
        let pinned = command(program, launch);
        assert_eq!(pinned.get_program(), "taskset");
        let args: Vec<_> = pinned.get_args().map(|a| a.to_string_lossy()).collect();
        assert_eq!(
            args,
            ["-c", "0", "valgrind", "--tool=callgrind", "/bin/prog"]
        );
        let free = command(
            program,
            Launch {
                cpu: None,
                ..launch
            },
        );
        assert_eq!(free.get_program(), "valgrind");
        let args: Vec<_> = free.get_args().map(|a| a.to_string_lossy()).collect();
        assert_eq!(args, ["--tool=callgrind", "/bin/prog"]);
    }

    #[cfg(unix)]
    #[test]
    fn the_program_keeps_the_pid_and_gets_the_limit() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("xtask-bench-test-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let script = dir.join("show.sh");
        fs::write(&script, "#!/bin/sh\necho \"$$ $(ulimit -n)\"\n").unwrap();
        fs::set_permissions(&script, fs::Permissions::from_mode(0o755)).unwrap();
        let limit = crate::bench::procfs::open_file_limits()
            .unwrap()
            .0
            .min(1000);
        let launch = Launch {
            cpu: None,
            nofile: Some(limit),
            wrapper: &[],
        };
        let child = command(&script, launch)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let pid = child.id();
        let output = child.wait_with_output().unwrap();
        let _ = fs::remove_dir_all(&dir);
        assert_eq!(
            String::from_utf8(output.stdout).unwrap().trim(),
            format!("{pid} {limit}")
        );
    }
}
