//! `cargo xtask bench [--quick | --instructions]`: the gateway's cost, measured against
//! the same load sent straight to the upstream.
//!
//! It builds release binaries (`switchboard`, and `bench-upstream`, `bench-proxy` and
//! `bench-load` of package `switchboard-bench`), starts the mock upstream, the gateway and a
//! bare reverse proxy (`bench-proxy`, the floor: what any proxy costs on this machine) on
//! 127.0.0.1 (the gateway and the bare proxy pinned to one CPU with `taskset`, the upstream
//! and the load generator to another, where `taskset` and two CPUs are there), and runs each
//! scenario in rounds that alternate direct and through the gateway (and, for the
//! pass-through chat scenarios, through the bare proxy between the two), so every figure is
//! a difference or a ratio to a run made moments before. The gateway's and the proxy's CPU
//! time come from `/proc/<pid>/stat`, the gateway's memory from `/proc/<pid>/status`. The results go to stdout as a
//! markdown table and to `target/bench/results.json`; the logs stay in `target/bench`.
//! Last, a second gateway with its state in a database file (the default, durable state)
//! runs the chat scenarios again (`target/bench/state-on-disk`), so the table also shows
//! what durable usage records cost.
//! The method is written up in `docs/performance.md`.
//!
//! The targets are printed beside the figures, marked met or missed; a missed target
//! never fails the command. It fails only when the harness itself breaks: a build, a
//! process that does not start, a load run that does not finish or answers nothing.
//! Every child process is killed when this returns, on every path.
//!
//! `--instructions` measures something else, in [`instructions`]: the instructions the
//! gateway runs per request, counted by valgrind's callgrind, which repeat from run to run
//! where times do not.

pub mod instructions;
mod load;
mod process;
mod procfs;
mod report;
mod runner;
mod scenarios;
mod setup;
mod sides;

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use crate::run::{self, Failure};

use self::process::Launch;
use self::procfs::Machine;
use self::setup::{Setup, State};

/// This run's files (configs, logs, each load run's output, `results.json`), relative to
/// the workspace root.
const RUN_DIR: &str = "target/bench";

/// The folder, inside [`RUN_DIR`], of the second gateway (state on disk): its
/// configuration, logs, database and load output.
const DISK_DIR: &str = "state-on-disk";

/// How long the machine's idle time is sampled before and after measuring.
const BUSY_SAMPLE: std::time::Duration = std::time::Duration::from_secs(1);

/// Above this share of busy CPU (percent) outside our processes, the run is called noisy.
const BUSY_NOISY: f64 = 10.0;

/// What `cargo xtask bench` was asked to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// No option: the full run ([`Plan::FULL`]).
    Full,
    /// `--quick`: the smoke run ([`Plan::QUICK`]).
    Quick,
    /// `--instructions`: instructions per request under callgrind ([`instructions`]).
    Instructions,
}

impl Mode {
    /// The mode `args` (what follows `bench` on the command line) ask for: none, or one of
    /// `--quick` and `--instructions`. The error is the first argument that does not fit.
    pub fn parse(args: &[String]) -> Result<Self, String> {
        let mode = match args.first().map(String::as_str) {
            None => return Ok(Mode::Full),
            Some("--quick") => Mode::Quick,
            Some("--instructions") => Mode::Instructions,
            Some(other) => return Err(other.to_owned()),
        };
        match args.get(1) {
            Some(extra) => Err(extra.clone()),
            None => Ok(mode),
        }
    }
}

/// How long and how hard each scenario runs.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Rounds of (direct, bare proxy where measured, gateway) per scenario; the table shows
    /// medians.
    pub rounds: usize,
    /// Seconds of each closed-loop, fixed-rate and stream run.
    pub seconds: f64,
    /// Concurrent workers of the closed-loop and stream runs.
    pub concurrency: usize,
    /// The fixed rates, requests per second.
    pub rates: &'static [f64],
    /// Content chunks per stream in the stream scenarios.
    pub stream_chunks: u32,
    /// Milliseconds between them.
    pub stream_delay_ms: u64,
    /// Streams held open together.
    pub hold_streams: usize,
    /// Content chunks of each held stream.
    pub hold_chunks: u32,
    /// Milliseconds between them (a held stream lasts about chunks × delay).
    pub hold_delay_ms: u64,
    /// Seconds of warm-up per request kind before anything is measured.
    pub warmup_seconds: f64,
}

impl Plan {
    /// The full run: three rounds of 4 s, two rates, 1,000 held streams (about 3 minutes).
    const FULL: Plan = Plan {
        rounds: 3,
        seconds: 4.0,
        concurrency: 16,
        rates: &[500.0, 2000.0],
        stream_chunks: 20,
        stream_delay_ms: 2,
        hold_streams: 1000,
        hold_chunks: 10,
        hold_delay_ms: 500,
        warmup_seconds: 2.0,
    };

    /// `--quick`: one round of 1 s, one rate, 100 held streams (well under a minute).
    const QUICK: Plan = Plan {
        rounds: 1,
        seconds: 1.0,
        concurrency: 16,
        rates: &[500.0],
        stream_chunks: 20,
        stream_delay_ms: 2,
        hold_streams: 100,
        hold_chunks: 5,
        hold_delay_ms: 200,
        warmup_seconds: 0.5,
    };
}

/// Builds, starts, measures, prints the table and writes the JSON file.
pub fn run(root: &Path, quick: bool) -> Result<(), Failure> {
    let started = Instant::now();
    let machine = Machine::read();
    // `--quick` is CI's smoke run: the `bench-quick` profile (release without LTO, more
    // codegen units) builds in about half the time; its figures are not the ones to quote.
    let profile = if quick { "bench-quick" } else { "release" };
    let bin = build(root, profile)?;
    let built = started.elapsed();
    let dir = root.join(RUN_DIR);
    fs::create_dir_all(&dir)
        .map_err(|e| Failure::new(format!("cannot create {}: {e}", dir.display())))?;

    let mut plan = if quick { Plan::QUICK } else { Plan::FULL };
    let mut notes = Vec::new();
    let cpus = pinning(&mut notes);
    let nofile = open_file_limit(&mut plan, &mut notes);
    let gateway = Launch {
        cpu: cpus.map(|(gateway, _)| gateway),
        nofile,
        wrapper: &[],
    };
    let others = Launch {
        cpu: cpus.map(|(_, others)| others),
        nofile,
        wrapper: &[],
    };
    // The bare proxy shares the gateway's CPU; it runs in no held-streams scenario, so it
    // needs no raised open-file limit.
    let proxy = Launch {
        cpu: gateway.cpu,
        nofile: None,
        wrapper: &[],
    };
    let busy_before = procfs::busy_percent(BUSY_SAMPLE);

    let mut setup = Setup::start(&bin, &dir, State::Ram, gateway, others)?;
    setup.start_proxy(&dir, proxy)?;
    let measuring = Instant::now();
    let results = scenarios::run_all(&setup, &plan, &dir)?;
    // The first gateway and upstream are gone before the second pair starts.
    drop(setup);
    let disk_dir = dir.join(DISK_DIR);
    fs::create_dir_all(&disk_dir)
        .map_err(|e| Failure::new(format!("cannot create {}: {e}", disk_dir.display())))?;
    let setup = Setup::start(&bin, &disk_dir, State::Disk, gateway, others)?;
    let mut results = scenarios::run_on_disk(&setup, &plan, &disk_dir, results)?;
    drop(setup);
    scenarios::note_failures(&mut results);
    let busy_after = procfs::busy_percent(BUSY_SAMPLE);
    notes.push(machine_note(&machine, busy_before, busy_after));
    results.notes.splice(0..0, notes);

    let table = report::table(&results);
    println!("{table}");
    let date = utc_date(SystemTime::now());
    let busy = (busy_before, busy_after);
    let json = report::json(&results, &machine, busy, &date, quick, cpus.is_some());
    let path = dir.join("results.json");
    fs::write(&path, json)
        .map_err(|e| Failure::new(format!("cannot write {}: {e}", path.display())))?;
    eprintln!(
        "==> bench: built in {:.0} s, measured in {:.0} s; results in {RUN_DIR}/results.json",
        built.as_secs_f64(),
        measuring.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The machine, and whether other work kept its CPUs busy just before and just after the
/// measurements (when nothing of ours runs).
fn machine_note(machine: &Machine, before: Option<f64>, after: Option<f64>) -> String {
    let show =
        |busy: Option<f64>| busy.map_or_else(|| "unknown".to_owned(), |b| format!("{b:.0} %"));
    let noisy = [before, after].iter().flatten().any(|b| *b > BUSY_NOISY);
    format!(
        "Machine: {} CPU(s), {}, kernel {}. CPUs busy with other work: {} in the second before \
         measuring, {} in the second after{}.",
        machine.cpus,
        machine.cpu_model,
        machine.kernel,
        show(before),
        show(after),
        if noisy {
            " (other work was running: figures are noisier than on a quiet machine)"
        } else {
            ""
        }
    )
}

/// Builds `switchboard` and the `switchboard-bench` binaries with cargo profile `profile`;
/// returns the folder they are in.
fn build(root: &Path, profile: &str) -> Result<PathBuf, Failure> {
    run::cargo(
        root,
        &[
            "build",
            "--profile",
            profile,
            "-p",
            "switchboard",
            "-p",
            "switchboard-bench",
        ],
    )?;
    Ok(target_dir(root).join(profile))
}

/// The folder cargo builds into: `CARGO_TARGET_DIR` when set, else `<root>/target`.
fn target_dir(root: &Path) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => root.join(dir),
        None => root.join("target"),
    }
}

/// The CPUs to pin to: the gateway on the first CPU we may use, the upstream and the load
/// generator on the second. `None` (with a note saying why) without `taskset` or without
/// two CPUs.
fn pinning(notes: &mut Vec<String>) -> Option<(u32, u32)> {
    let cpus = procfs::allowed_cpus().unwrap_or_default();
    let pinned = match cpus.as_slice() {
        _ if !run::on_path("taskset") => Err("`taskset` is not on PATH".to_owned()),
        [gateway, others, ..] => Ok((*gateway, *others)),
        _ => Err(format!("only {} CPU(s) to run on", cpus.len())),
    };
    match pinned {
        Ok((gateway, others)) => {
            notes.push(format!(
                "Pinned with taskset: the gateway (and the bare proxy, where one runs) on CPU \
                 {gateway}; the upstream and the load generator on CPU {others}."
            ));
            Some((gateway, others))
        }
        Err(why) => {
            notes.push(format!(
                "Not pinned ({why}): every process shares every CPU, so the figures are noisier."
            ));
            None
        }
    }
}

/// The open-file limit the children need for the held streams (the gateway holds two
/// sockets per stream, the load generator and the upstream one each), raised from our soft
/// limit up to the hard one if needed. When even the hard limit is too low, fewer streams
/// are held, and a note says so.
fn open_file_limit(plan: &mut Plan, notes: &mut Vec<String>) -> Option<u64> {
    const SPARE: u64 = 256;
    let need = 2 * plan.hold_streams as u64 + SPARE;
    let Some((soft, hard)) = procfs::open_file_limits() else {
        notes.push("The open-file limit is unknown (no /proc/self/limits).".to_owned());
        return None;
    };
    if soft >= need {
        return None;
    }
    if hard >= need {
        notes.push(format!(
            "The open-file limit (`ulimit -n`) is {soft}; raised to {need} for the gateway, the \
             upstream and the load generator ({} streams need about 2 per stream).",
            plan.hold_streams
        ));
        return Some(need);
    }
    let streams = usize::try_from(hard.saturating_sub(SPARE) / 2).unwrap_or(0);
    notes.push(format!(
        "The open-file limit is {soft} (hard {hard}), too low for {} held streams (about {need} \
         descriptors): holding {streams} instead. Raise it with `ulimit -n {need}`.",
        plan.hold_streams
    ));
    plan.hold_streams = streams;
    Some(hard)
}

/// `time` as `YYYY-MM-DD HH:MM UTC`.
fn utc_date(time: SystemTime) -> String {
    let secs = time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let (hour, minute) = ((secs % 86_400) / 3600, (secs % 3600) / 60);
    // Days since 1970-01-01 to a civil date (Howard Hinnant's `civil_from_days`).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02} {hour:02}:{minute:02} UTC")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn dates_are_utc_civil_dates() {
        let at = |secs| utc_date(UNIX_EPOCH + Duration::from_secs(secs));
        assert_eq!(at(0), "1970-01-01 00:00 UTC");
        assert_eq!(at(951_782_400), "2000-02-29 00:00 UTC");
        assert_eq!(at(1_795_278_769), "2026-11-21 16:32 UTC");
    }

    #[test]
    fn one_option_at_most() {
        let parse = |args: &[&str]| {
            let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
            Mode::parse(&args)
        };
        assert_eq!(parse(&[]), Ok(Mode::Full));
        assert_eq!(parse(&["--quick"]), Ok(Mode::Quick));
        assert_eq!(parse(&["--instructions"]), Ok(Mode::Instructions));
        assert_eq!(
            parse(&["--instructions", "--quick"]),
            Err("--quick".to_owned())
        );
        assert_eq!(
            parse(&["--quick", "--instructions"]),
            Err("--instructions".to_owned())
        );
        assert_eq!(parse(&["--fast"]), Err("--fast".to_owned()));
    }

    #[test]
    fn the_quick_plan_is_short() {
        let quick = Plan::QUICK;
        // Four, each rate, and on disk: the closed loop and the lowest rate.
        let scenarios = 4 + quick.rates.len() + 2;
        // The closed loop, each rate and the chat stream run a third side, the bare proxy.
        let with_proxy = 2 + quick.rates.len();
        let runs = scenarios * 2 + with_proxy;
        let seconds = runs as f64 * quick.rounds as f64 * quick.seconds;
        assert!(seconds < 20.0, "{seconds}");
        assert!(quick.hold_streams < Plan::FULL.hold_streams);
    }
}
