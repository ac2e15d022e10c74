//! Running `bench-load` against either side, measuring the gateway around each run, and
//! turning rounds of runs into table rows.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::run::Failure;

use super::load::{Figures, parse_figures};
use super::process;
use super::procfs;
use super::report::{Compare, Results, Row, Run, Target, Unit};
use super::setup::Setup;

/// Which way a load run goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// Straight at the upstream.
    Direct,
    /// Through the gateway.
    Gateway,
}

impl Side {
    /// `direct` or `gateway`.
    fn name(self) -> &'static str {
        match self {
            Side::Direct => "direct",
            Side::Gateway => "gateway",
        }
    }
}

/// What a load run sends: a path, a `bench-load --request` kind and a model name.
#[derive(Debug, Clone)]
pub struct Request {
    /// The URL path, e.g. `/v1/chat/completions`.
    pub path: &'static str,
    /// `chat`, `chat-stream` or `responses-stream`.
    pub kind: &'static str,
    /// The model name.
    pub model: String,
}

/// Whether a figure meets its target.
pub type Check = fn(f64) -> bool;

/// The key of the gateway CPU time a run used, in µs (added to a gateway run's figures).
pub const CPU_US: &str = "gateway_cpu_us";

/// The key of the upstream CPU time a run used, in µs (added to every run's figures).
pub const UPSTREAM_CPU_US: &str = "upstream_cpu_us";

/// The key of the gateway's largest resident size seen during a run, in bytes.
pub const PEAK_RSS: &str = "gateway_peak_rss_bytes";

/// Runs load and collects rows and runs.
pub struct Runner<'a> {
    /// The processes under test.
    setup: &'a Setup,
    /// Where each run's output goes.
    dir: PathBuf,
    /// Clock ticks per second, for the CPU times.
    ticks_per_second: f64,
    /// How many load runs so far (names their output files).
    count: usize,
    /// What has been measured.
    pub results: Results,
}

impl<'a> Runner<'a> {
    /// A runner against `setup`, writing load output into `dir`.
    pub fn new(setup: &'a Setup, dir: &Path) -> Self {
        Self {
            setup,
            dir: dir.to_owned(),
            ticks_per_second: procfs::ticks_per_second(),
            count: 0,
            results: Results {
                rows: Vec::new(),
                runs: Vec::new(),
                notes: Vec::new(),
            },
        }
    }

    /// The gateway's process id.
    pub fn gateway_pid(&self) -> u32 {
        self.setup.gateway_pid()
    }

    /// One `bench-load` run of `request` with `mode` (its subcommand and options) towards
    /// `side`, expected to take about `seconds`. The upstream's CPU time is added
    /// ([`UPSTREAM_CPU_US`]); for gateway runs, the gateway's ([`CPU_US`]) and, with
    /// `sample_rss`, its largest resident size ([`PEAK_RSS`]). Fails when the run fails, or when it had nothing answered.
    pub fn load(
        &mut self,
        side: Side,
        request: &Request,
        mode: &[String],
        seconds: f64,
        sample_rss: bool,
    ) -> Result<Figures, Failure> {
        let addr = match side {
            Side::Direct => self.setup.upstream_addr,
            Side::Gateway => self.setup.gateway_addr,
        };
        let path = match side {
            Side::Direct => "/v1/chat/completions",
            Side::Gateway => request.path,
        };
        self.count += 1;
        let out = self.dir.join(format!("load-{:02}.json", self.count));
        let log = self.dir.join(format!("load-{:02}.log", self.count));
        let mut command =
            process::command(&self.setup.bin.join("bench-load"), self.setup.load_launch);
        command
            .args(["--url", &format!("http://{addr}{path}")])
            .args(["--request", request.kind, "--model", &request.model])
            .args(mode);
        let (pid, upstream_pid) = (self.gateway_pid(), self.setup.upstream_pid());
        let before = (procfs::cpu_ticks(pid), procfs::cpu_ticks(upstream_pid));
        let sampler = sample_rss.then(|| RssSampler::start(pid));
        let limit = Duration::from_secs_f64(seconds + 60.0);
        let ran = process::run_to_end("bench-load", &mut command, &out, &log, limit);
        let peak = sampler.map(RssSampler::stop);
        let after = (procfs::cpu_ticks(pid), procfs::cpu_ticks(upstream_pid));
        let text = ran?;
        let mut figures =
            parse_figures(&text).map_err(|e| Failure::new(format!("{}: {e}", out.display())))?;
        let micros = |before: Option<u64>, after: Option<u64>| {
            Some(after?.saturating_sub(before?) as f64 / self.ticks_per_second * 1e6)
        };
        if let Some(cpu_us) = micros(before.1, after.1) {
            figures.insert(UPSTREAM_CPU_US.to_owned(), cpu_us);
        }
        if side == Side::Gateway
            && let Some(cpu_us) = micros(before.0, after.0)
        {
            figures.insert(CPU_US.to_owned(), cpu_us);
        }
        if let Some(Some(peak)) = peak {
            figures.insert(PEAK_RSS.to_owned(), peak as f64);
        }
        let answered = ["requests", "streams", "opened"]
            .iter()
            .filter_map(|k| figures.get(*k))
            .sum::<f64>();
        if answered == 0.0 {
            return Err(Failure::new(format!(
                "{} run of `{}` got no answer at all; see {}",
                side.name(),
                request.kind,
                log.display()
            )));
        }
        Ok(figures)
    }

    /// `rounds` rounds of a direct run then a gateway run, each recorded under `scenario`.
    /// Returns the direct and the gateway figures, by round.
    pub fn interleaved(
        &mut self,
        scenario: &str,
        rounds: usize,
        direct: &Request,
        gateway: &Request,
        mode: &[String],
        seconds: f64,
    ) -> Result<(Vec<Figures>, Vec<Figures>), Failure> {
        let (mut directs, mut gateways) = (Vec::new(), Vec::new());
        for round in 0..rounds.max(1) {
            for (side, request) in [(Side::Direct, direct), (Side::Gateway, gateway)] {
                eprintln!("==> bench: {scenario}: {} run {}", side.name(), round + 1);
                let figures = self.load(side, request, mode, seconds, false)?;
                self.record(scenario, side, round, &figures);
                match side {
                    Side::Direct => directs.push(figures),
                    Side::Gateway => gateways.push(figures),
                }
            }
        }
        Ok((directs, gateways))
    }

    /// Keeps one run for the JSON file.
    pub fn record(&mut self, scenario: &str, side: Side, round: usize, figures: &Figures) {
        self.results.runs.push(Run {
            scenario: scenario.to_owned(),
            side: side.name(),
            round,
            figures: figures.clone(),
        });
    }

    /// A row comparing `key` of the two sides by its per-round difference.
    pub fn difference(
        &mut self,
        scenario: &str,
        figure: &str,
        unit: Unit,
        (direct, gateway): (&[Figures], &[Figures]),
        key: &str,
        target: Option<(&'static str, f64)>,
    ) {
        let d = values(direct, |f| f.get(key).copied());
        let g = values(gateway, |f| f.get(key).copied());
        let diffs: Vec<f64> = d.iter().zip(&g).map(|(d, g)| g - d).collect();
        let compare = median(&diffs).map_or(Compare::None, Compare::Difference);
        let target = target.and_then(|(text, max)| {
            let Compare::Difference(diff) = compare else {
                return None;
            };
            Some(Target {
                text,
                met: diff <= max,
            })
        });
        self.row(
            scenario,
            figure,
            unit,
            median(&d),
            median(&g),
            compare,
            target,
        );
    }

    /// A row comparing `key` of the two sides by its per-round ratio, gateway over direct.
    pub fn ratio(
        &mut self,
        scenario: &str,
        figure: &str,
        unit: Unit,
        (direct, gateway): (&[Figures], &[Figures]),
        key: &str,
    ) {
        let d = values(direct, |f| f.get(key).copied());
        let g = values(gateway, |f| f.get(key).copied());
        let ratios: Vec<f64> = d
            .iter()
            .zip(&g)
            .filter(|(d, _)| **d > 0.0)
            .map(|(d, g)| g / d)
            .collect();
        let compare = median(&ratios).map_or(Compare::None, Compare::Ratio);
        self.row(
            scenario,
            figure,
            unit,
            median(&d),
            median(&g),
            compare,
            None,
        );
    }

    /// A row of each side's median of `value`, not compared (counts, shares).
    pub fn both(
        &mut self,
        scenario: &str,
        figure: &str,
        unit: Unit,
        (direct, gateway): (&[Figures], &[Figures]),
        value: impl Fn(&Figures) -> Option<f64>,
        target: Option<(&'static str, Check)>,
    ) {
        let d = median(&values(direct, &value));
        let g = median(&values(gateway, &value));
        let target = target.and_then(|(text, met)| {
            Some(Target {
                text,
                met: met(g?) && d.is_none_or(met),
            })
        });
        self.row(scenario, figure, unit, d, g, Compare::None, target);
    }

    /// A row of a figure of the gateway alone: the median of `value` over `gateway` runs,
    /// with a target it should stay at or under.
    pub fn gateway_only(
        &mut self,
        scenario: &str,
        figure: &str,
        unit: Unit,
        gateway: &[Figures],
        value: impl Fn(&Figures) -> Option<f64>,
        target: Option<(&'static str, f64)>,
    ) {
        let g = median(&values(gateway, value));
        let target = target.and_then(|(text, max)| {
            Some(Target {
                text,
                met: g? <= max,
            })
        });
        self.row(scenario, figure, unit, None, g, Compare::None, target);
    }

    /// Adds a row.
    #[allow(
        clippy::too_many_arguments,
        reason = "one argument per column of the table"
    )]
    pub fn row(
        &mut self,
        scenario: &str,
        figure: &str,
        unit: Unit,
        direct: Option<f64>,
        gateway: Option<f64>,
        compare: Compare,
        target: Option<Target>,
    ) {
        self.results.rows.push(Row {
            scenario: scenario.to_owned(),
            figure: figure.to_owned(),
            unit,
            direct,
            gateway,
            compare,
            target,
        });
    }
}

/// `value` of each run that has it.
fn values(runs: &[Figures], value: impl Fn(&Figures) -> Option<f64>) -> Vec<f64> {
    runs.iter()
        .filter_map(value)
        .filter(|v| v.is_finite())
        .collect()
}

/// The median (the mean of the middle two for an even count); `None` when empty.
pub fn median(values: &[f64]) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2.0),
    }
}

/// The gateway's CPU time per answered request (or stream) in a gateway run's figures.
pub fn cpu_per_request(figures: &Figures) -> Option<f64> {
    per_request(figures, CPU_US)
}

/// The upstream's CPU time per answered request (or stream) in a run's figures.
pub fn upstream_cpu_per_request(figures: &Figures) -> Option<f64> {
    per_request(figures, UPSTREAM_CPU_US)
}

/// `figures[key]` per answered request (or stream).
fn per_request(figures: &Figures, key: &str) -> Option<f64> {
    let cpu = figures.get(key)?;
    let count = figures
        .get("requests")
        .or_else(|| figures.get("streams"))
        .filter(|n| **n > 0.0)?;
    Some(cpu / count)
}

/// A thread reading the gateway's `VmRSS` every 20 ms until stopped; keeps the largest.
struct RssSampler {
    /// Set to stop the thread.
    stop: Arc<AtomicBool>,
    /// The thread; it returns the largest value seen.
    thread: JoinHandle<Option<u64>>,
}

impl RssSampler {
    /// Starts sampling process `pid`.
    fn start(pid: u32) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            let mut peak = None;
            while !flag.load(Ordering::Relaxed) {
                if let Some(rss) = procfs::status_bytes(pid, "VmRSS") {
                    peak = Some(peak.map_or(rss, |p: u64| p.max(rss)));
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            peak
        });
        Self { stop, thread }
    }

    /// Stops sampling; the largest resident size seen, in bytes.
    fn stop(self) -> Option<u64> {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().ok().flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), Some(2.5));
    }

    #[test]
    fn cpu_per_request_divides_by_requests_or_streams() {
        let mut figures = Figures::new();
        figures.insert(CPU_US.to_owned(), 1000.0);
        assert_eq!(cpu_per_request(&figures), None);
        figures.insert("streams".to_owned(), 40.0);
        assert_eq!(cpu_per_request(&figures), Some(25.0));
        figures.insert("requests".to_owned(), 0.0);
        assert_eq!(cpu_per_request(&figures), None);
    }
}
