//! `cargo xtask bench --instructions`: how many instructions the gateway runs per request,
//! counted by valgrind's callgrind.
//!
//! Times on a shared machine wander by a fifth from one minute to the next; instruction
//! counts repeat to a few tenths of a percent, so A/B comparisons of two builds should use
//! them. Counted: callgrind's `Ir` (instructions executed in user space) over all of the
//! process's threads; time in the kernel (sockets, scheduling) is not in it.
//!
//! Each scenario gets fresh processes, so its figure does not depend on what ran before it
//! and a scenario added later does not move the others. The gateway runs under
//! `valgrind --tool=callgrind`, its state in memory (`:memory:`: no WAL checkpoints whose
//! timing varies), in front of the mock upstream, pinned as `cargo xtask bench` pins them.
//! A closed loop of [`CONCURRENCY`] workers warms it up for [`WARMUP_SECONDS`];
//! `callgrind_control -z` zeroes the counters, the measured loop runs for [`SECONDS`],
//! `callgrind_control -d` dumps them, and the dump's `summary:` divided by the requests
//! answered is the figure. Last, the mock upstream alone is counted the same way, for
//! scale. Valgrind runs a program about fifty times slower: a measured run answers some
//! hundreds to a few thousand requests. Output: a markdown table on stdout,
//! `target/bench/instructions.json`, and the files of each scenario (logs, load output,
//! dumps) in `target/bench/instructions/<scenario>/`.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant, SystemTime};

use crate::run::{self, Failure};

use super::load::parse_figures;
use super::process::{self, Child, Launch};
use super::procfs::Machine;
use super::report::string;
use super::runner::Request;
use super::setup::{Setup, TRANSLATE_PREFIX};

/// What `main` exits with when the measurement was skipped rather than failed.
pub const SKIPPED_EXIT_CODE: u8 = 3;

/// The logs, load output and callgrind files, one folder per scenario, relative to the
/// workspace root; each scenario's folder is emptied when it starts.
const RUN_DIR: &str = "target/bench/instructions";

/// The results, relative to the workspace root.
const RESULTS: &str = "target/bench/instructions.json";

/// The measured process's wrapper. The output file is relative to the process's working
/// folder, which is the scenario's folder ([`Setup`] starts the gateway there, and
/// [`upstream_alone`] the upstream).
const CALLGRIND: &[&str] = &[
    "valgrind",
    "--tool=callgrind",
    "--callgrind-out-file=callgrind.out",
];

/// The file the first `callgrind_control -d` writes (the next would be `.2`).
const FIRST_DUMP: &str = "callgrind.out.1";

/// Concurrent workers of the warm-up and the measured closed loop.
const CONCURRENCY: usize = 4;

/// Seconds of warm-up, not counted.
const WARMUP_SECONDS: f64 = 3.0;

/// Seconds of the measured closed loop.
const SECONDS: f64 = 5.0;

/// How long a `callgrind_control` command may take, and how long its dump may then take
/// to appear whole.
const CONTROL_TIMEOUT: Duration = Duration::from_secs(60);

/// How long a measured process may take to exit after SIGTERM (valgrind writes its last
/// dump and removes its files in `/tmp`) before it is killed.
const STOP_GRACE: Duration = Duration::from_secs(20);

/// How a measurement that did not fail ended.
pub enum Measured {
    /// Every scenario was measured; the table is printed and the JSON file written.
    Done,
    /// `valgrind` or `callgrind_control` is missing, so nothing was measured; the reason
    /// says which.
    Skipped(String),
}

/// Which process a scenario counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Counted {
    /// The gateway, with the load sent through it to the (uncounted) upstream.
    Gateway,
    /// The mock upstream, with the load sent straight to it.
    Upstream,
}

/// One line of the table.
struct Scenario {
    /// As written in the table.
    name: &'static str,
    /// Its folder under [`RUN_DIR`], and its name in the JSON file.
    slug: &'static str,
    /// Which process is counted.
    counted: Counted,
    /// What the load generator sends.
    request: Request,
}

/// The streamed scenarios' answer: the mock upstream's stream of this many chunks, sent
/// without pauses (a pause would only add waiting to the count's wall time).
const STREAM_MODEL: &str = "bench/chunks=20/delay_ms=0";

/// The scenarios, in the order they run.
fn scenarios() -> [Scenario; 5] {
    [
        Scenario {
            name: "chat completions, non-streaming",
            slug: "chat",
            counted: Counted::Gateway,
            request: chat(),
        },
        Scenario {
            name: "Responses translated to chat, non-streaming",
            slug: "responses",
            counted: Counted::Gateway,
            request: Request {
                path: "/v1/responses",
                kind: "responses",
                model: format!("{TRANSLATE_PREFIX}bench"),
            },
        },
        Scenario {
            name: "chat completions, streamed (20 chunks)",
            slug: "chat-stream",
            counted: Counted::Gateway,
            request: Request {
                path: "/v1/chat/completions",
                kind: "chat-stream",
                model: STREAM_MODEL.to_owned(),
            },
        },
        Scenario {
            name: "Responses streamed, translated from a chat stream (20 chunks)",
            slug: "responses-stream",
            counted: Counted::Gateway,
            request: Request {
                path: "/v1/responses",
                kind: "responses-stream",
                model: format!("{TRANSLATE_PREFIX}{STREAM_MODEL}"),
            },
        },
        Scenario {
            name: "mock upstream alone (chat, for scale)",
            slug: "upstream",
            counted: Counted::Upstream,
            request: chat(),
        },
    ]
}

/// A non-streaming chat completion (the mock upstream's default answer).
fn chat() -> Request {
    Request {
        path: "/v1/chat/completions",
        kind: "chat",
        model: "bench".to_owned(),
    }
}

/// What one scenario counted.
struct Count {
    /// Requests answered in the measured run.
    requests: u64,
    /// Instructions (`Ir`) between the zeroing and the dump.
    instructions: u64,
}

/// Checks for valgrind, builds the release binaries, counts every scenario, prints the
/// table and writes [`RESULTS`]. Every process started is stopped before this returns, on
/// every path.
pub fn run(root: &Path) -> Result<Measured, Failure> {
    if let Some(missing) = ["valgrind", "callgrind_control"]
        .into_iter()
        .find(|program| !run::on_path(program))
    {
        return Ok(Measured::Skipped(format!(
            "`{missing}` is not on PATH: install valgrind, which brings both `valgrind` and \
             `callgrind_control`"
        )));
    }
    let started = Instant::now();
    let machine = Machine::read();
    let bin = super::build(root, "release")?;
    let mut notes = Vec::new();
    let cpus = super::pinning(&mut notes);
    let processes = Processes {
        bin: &bin,
        counted: Launch {
            cpu: cpus.map(|(gateway, _)| gateway),
            nofile: None,
            wrapper: CALLGRIND,
        },
        others: Launch {
            cpu: cpus.map(|(_, others)| others),
            nofile: None,
            wrapper: &[],
        },
    };
    let mut counts = Vec::new();
    for scenario in scenarios() {
        let dir = root.join(RUN_DIR).join(scenario.slug);
        empty_dir(&dir)?;
        eprintln!("==> bench --instructions: {}", scenario.name);
        let count = match scenario.counted {
            Counted::Gateway => processes.through_gateway(&dir, &scenario.request),
            Counted::Upstream => processes.upstream_alone(&dir, &scenario.request),
        }?;
        counts.push((scenario, count));
    }
    let valgrind = valgrind_version();
    notes.push(format!(
        "Instructions: callgrind's `Ir` ({valgrind}) of all the counted process's threads, in \
         user space only (kernel time is not counted), over a {SECONDS} s closed loop of \
         {CONCURRENCY} workers after {WARMUP_SECONDS} s of warm-up, divided by the requests \
         answered. Fresh processes for each scenario; the gateway's state in memory \
         (`:memory:`). The upstream counted alone runs where the gateway would."
    ));
    println!("{}", table(&counts, &notes));
    let date = super::utc_date(SystemTime::now());
    let path = root.join(RESULTS);
    let pinned = cpus.is_some();
    fs::write(&path, json(&counts, &machine, &valgrind, &date, pinned))
        .map_err(|e| Failure::new(format!("cannot write {}: {e}", path.display())))?;
    eprintln!(
        "==> bench --instructions: done in {:.0} s; results in {RESULTS}, logs in {RUN_DIR}",
        started.elapsed().as_secs_f64()
    );
    Ok(Measured::Done)
}

/// How the processes of a scenario are started.
struct Processes<'a> {
    /// The folder of release binaries.
    bin: &'a Path,
    /// The counted process: under callgrind, pinned where the gateway goes.
    counted: Launch,
    /// The uncounted upstream and the load generator.
    others: Launch,
}

impl Processes<'_> {
    /// Starts the upstream and the gateway (counted) in `dir` and counts the gateway's
    /// instructions for `request`.
    fn through_gateway(&self, dir: &Path, request: &Request) -> Result<Count, Failure> {
        let starting = Instant::now();
        let mut setup = Setup::start_in_memory(self.bin, dir, self.counted, self.others)?;
        eprintln!(
            "==> bench --instructions: the gateway was ready under callgrind in {:.1} s",
            starting.elapsed().as_secs_f64()
        );
        let url = format!("http://{}{}", setup.gateway_addr, request.path);
        let counted = self.count(setup.gateway_pid(), &url, request, dir);
        setup.stop_gateway(STOP_GRACE);
        counted
    }

    /// Starts the upstream alone (counted) in `dir` and counts its instructions for
    /// `request` sent straight to it.
    fn upstream_alone(&self, dir: &Path, request: &Request) -> Result<Count, Failure> {
        let mut command = process::command(&self.bin.join("bench-upstream"), self.counted);
        command.args(["--port", "0"]).current_dir(dir);
        let mut child = Child::spawn("the upstream", &mut command, &dir.join("upstream.log"))?;
        let addr = child.wait_for_addr()?;
        let url = format!("http://{addr}{}", request.path);
        let counted = self.count(child.pid(), &url, request, dir);
        child.terminate(STOP_GRACE);
        counted
    }

    /// Warms process `pid` (running under callgrind in `dir`) up with `request` sent to
    /// `url`, zeroes its counters, runs the measured load and reads the dump.
    fn count(&self, pid: u32, url: &str, request: &Request, dir: &Path) -> Result<Count, Failure> {
        eprintln!("==> bench --instructions: warming up for {WARMUP_SECONDS} s");
        self.closed_loop(url, request, WARMUP_SECONDS, &dir.join("warmup"))?;
        callgrind_control("-z", pid, dir)?;
        eprintln!("==> bench --instructions: counting for {SECONDS} s");
        let requests = self.closed_loop(url, request, SECONDS, &dir.join("load"))?;
        callgrind_control("-d", pid, dir)?;
        let instructions = read_dump(&dir.join(FIRST_DUMP))?;
        Ok(Count {
            requests,
            instructions,
        })
    }

    /// One closed-loop `bench-load` run of `request` to `url` for `seconds`, its output in
    /// `stem` with the extensions `json` and `log`; returns the requests answered. Fails
    /// when any failed or none was answered: the count would then be of something else.
    fn closed_loop(
        &self,
        url: &str,
        request: &Request,
        seconds: f64,
        stem: &Path,
    ) -> Result<u64, Failure> {
        let mut command = process::command(&self.bin.join("bench-load"), self.others);
        command
            .args(["--url", url, "--request", request.kind])
            .args(["--model", &request.model])
            .args(["closed", "--concurrency", &CONCURRENCY.to_string()])
            .args(["--duration", &seconds.to_string()]);
        let (out, log) = (stem.with_extension("json"), stem.with_extension("log"));
        let limit = Duration::from_secs_f64(seconds + 60.0);
        let text = process::run_to_end("bench-load", &mut command, &out, &log, limit)?;
        let figures =
            parse_figures(&text).map_err(|e| Failure::new(format!("{}: {e}", out.display())))?;
        let figure = |key: &str| figures.get(key).copied().unwrap_or(0.0);
        let (requests, errors) = (figure("requests"), figure("errors"));
        if errors > 0.0 || requests < 1.0 {
            return Err(Failure::new(format!(
                "the load run to {url} answered {requests} request(s) with {errors} error(s); \
                 see {} and the logs beside it",
                out.display()
            )));
        }
        // A count of requests is a whole number well within u64.
        Ok(requests as u64)
    }
}

/// Runs `callgrind_control <option> <pid>` (`-z` zeroes the counters, `-d` dumps them)
/// with its output in `dir`. Fails unless it found the process and said `OK.`.
fn callgrind_control(option: &str, pid: u32, dir: &Path) -> Result<(), Failure> {
    let mut command = Command::new("callgrind_control");
    command.args([option, &pid.to_string()]);
    let name = option.trim_start_matches('-');
    let out = dir.join(format!("callgrind_control-{name}.out"));
    let log = dir.join(format!("callgrind_control-{name}.log"));
    let said = process::run_to_end(
        "callgrind_control",
        &mut command,
        &out,
        &log,
        CONTROL_TIMEOUT,
    )?;
    if said.contains("OK.") {
        Ok(())
    } else {
        let errors = fs::read_to_string(&log).unwrap_or_default();
        Err(Failure::new(format!(
            "`callgrind_control {option} {pid}` did not say OK: {said}{errors}"
        )))
    }
}

/// Waits until the dump at `path` is written whole (it ends with a `totals:` line) and
/// returns its instruction count.
fn read_dump(path: &Path) -> Result<u64, Failure> {
    let started = Instant::now();
    loop {
        let text = fs::read_to_string(path).unwrap_or_default();
        if text.lines().any(|line| line.starts_with("totals:")) {
            return instructions_in(&text)
                .map_err(|e| Failure::new(format!("{}: {e}", path.display())));
        }
        if started.elapsed() > CONTROL_TIMEOUT {
            return Err(Failure::new(format!(
                "{} was not written within {} s of `callgrind_control -d`",
                path.display(),
                CONTROL_TIMEOUT.as_secs()
            )));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The instructions (`Ir`) of a callgrind output file: its `summary:` line holds one total
/// per event, in the order of the `events:` line.
fn instructions_in(text: &str) -> Result<u64, String> {
    let field = |name: &str| {
        text.lines()
            .find_map(|line| line.strip_prefix(name))
            .ok_or_else(|| format!("no `{name}` line"))
    };
    let index = field("events:")?
        .split_whitespace()
        .position(|event| event == "Ir")
        .ok_or("the events do not include `Ir`")?;
    let summary = field("summary:")?;
    let value = summary
        .split_whitespace()
        .nth(index)
        .ok_or_else(|| format!("`summary:{summary}` has no `Ir` total"))?;
    value
        .parse()
        .map_err(|_| format!("`summary:{summary}`: `{value}` is not a count"))
}

/// Instructions per request; `None` without requests.
fn per_request(count: &Count) -> Option<f64> {
    (count.requests > 0).then(|| count.instructions as f64 / count.requests as f64)
}

/// The markdown table, then the notes, one paragraph each.
fn table(counts: &[(Scenario, Count)], notes: &[String]) -> String {
    let mut out = String::from(
        "| scenario | requests measured | instructions per request |\n|---|---:|---:|\n",
    );
    for (scenario, count) in counts {
        let per = per_request(count).map_or_else(|| "—".to_owned(), |p| grouped(p.round()));
        let _ = writeln!(
            out,
            "| {} | {} | {per} |",
            scenario.name,
            grouped(count.requests as f64)
        );
    }
    for note in notes {
        let _ = write!(out, "\n{note}\n");
    }
    out
}

/// A count rounded to a whole number, with a comma between groups of three digits:
/// `157700.4` → `157,700`.
fn grouped(value: f64) -> String {
    let digits = format!("{:.0}", value.max(0.0));
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (n, digit) in digits.chars().enumerate() {
        if n > 0 && (digits.len() - n) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// The JSON file: when, on what, with which valgrind, how (`pinned`: with `taskset`), and
/// each scenario's counts.
fn json(
    counts: &[(Scenario, Count)],
    machine: &Machine,
    valgrind: &str,
    date: &str,
    pinned: bool,
) -> String {
    let mut out = String::from("{\n");
    let _ = writeln!(
        out,
        "  \"date\": {},\n  \"valgrind\": {},\n  \
         \"machine\": {{\"cpu_model\": {}, \"cpus\": {}, \"kernel\": {}}},",
        string(date),
        string(valgrind),
        string(&machine.cpu_model),
        machine.cpus,
        string(&machine.kernel)
    );
    let _ = writeln!(
        out,
        "  \"pinned\": {pinned},\n  \"state\": \":memory:\",\n  \"concurrency\": {CONCURRENCY},\n  \
         \"warmup_seconds\": {WARMUP_SECONDS},\n  \"seconds\": {SECONDS},"
    );
    out.push_str("  \"scenarios\": [\n");
    for (n, (scenario, count)) in counts.iter().enumerate() {
        let per = per_request(count).map_or_else(|| "null".to_owned(), |p| format!("{p:.1}"));
        let counted = match scenario.counted {
            Counted::Gateway => "gateway",
            Counted::Upstream => "upstream",
        };
        let _ = write!(
            out,
            "    {{\"scenario\": {}, \"counted\": \"{counted}\", \"path\": {}, \
             \"request\": {}, \"model\": {}, \"requests\": {}, \"instructions\": {}, \
             \"instructions_per_request\": {per}}}",
            string(scenario.slug),
            string(scenario.request.path),
            string(scenario.request.kind),
            string(&scenario.request.model),
            count.requests,
            count.instructions
        );
        out.push_str(if n + 1 < counts.len() { ",\n" } else { "\n" });
    }
    out.push_str("  ]\n}\n");
    out
}

/// What `valgrind --version` prints (`valgrind-3.19.0`); empty when it cannot be run.
fn valgrind_version() -> String {
    let out = Command::new("valgrind").arg("--version").output();
    let text = out.map(|out| String::from_utf8_lossy(&out.stdout).into_owned());
    text.unwrap_or_default().trim().to_owned()
}

/// Creates `dir`, emptied of an earlier run's files (an old dump must not be read as new).
fn empty_dir(dir: &Path) -> Result<(), Failure> {
    if let Err(e) = fs::remove_dir_all(dir)
        && e.kind() != std::io::ErrorKind::NotFound
    {
        return Err(Failure::new(format!("cannot empty {}: {e}", dir.display())));
    }
    fs::create_dir_all(dir)
        .map_err(|e| Failure::new(format!("cannot create {}: {e}", dir.display())))
}

#[cfg(test)]
mod tests;
