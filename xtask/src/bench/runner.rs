//! Running `bench-load` against any side (straight at the upstream, through the bare proxy,
//! through the gateway), measuring the process in between around each run, and turning
//! rounds of runs into table rows.

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
use super::sides::{Pair, Rounds, Side, Sides};

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

/// The key of the bare proxy's CPU time a run used, in µs (added to a proxy run's figures).
pub const PROXY_CPU_US: &str = "proxy_cpu_us";

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

    /// The sides load can go to: straight at the upstream, through the bare proxy when the
    /// setup started one, and through the gateway, in the order a round runs them.
    pub fn sides(&self) -> Vec<Side> {
        let mut sides = vec![Side::Direct];
        if self.setup.proxy_addr.is_some() {
            sides.push(Side::Proxy);
        }
        sides.push(Side::Gateway);
        sides
    }

    /// One `bench-load` run of `request` with `mode` (its subcommand and options) towards
    /// `side`, expected to take about `seconds`. The upstream's CPU time is added
    /// ([`UPSTREAM_CPU_US`]); for gateway runs, the gateway's ([`CPU_US`]) and, with
    /// `sample_rss`, its largest resident size ([`PEAK_RSS`]); for bare proxy runs, the
    /// proxy's ([`PROXY_CPU_US`]). Fails when the run fails, when it had nothing answered,
    /// or when it goes through a bare proxy the setup did not start.
    pub fn load(
        &mut self,
        side: Side,
        request: &Request,
        mode: &[String],
        seconds: f64,
        sample_rss: bool,
    ) -> Result<Figures, Failure> {
        // A direct run always sends chat: the upstream serves nothing else.
        let (addr, path, middle) = match side {
            Side::Direct => (Some(self.setup.upstream_addr), "/v1/chat/completions", None),
            Side::Proxy => (self.setup.proxy_addr, request.path, self.setup.proxy_pid()),
            Side::Gateway => (
                Some(self.setup.gateway_addr),
                request.path,
                Some(self.gateway_pid()),
            ),
        };
        let addr = addr.ok_or_else(|| Failure::new("no bare proxy was started to run through"))?;
        self.count += 1;
        let out = self.dir.join(format!("load-{:02}.json", self.count));
        let log = self.dir.join(format!("load-{:02}.log", self.count));
        let mut command =
            process::command(&self.setup.bin.join("bench-load"), self.setup.load_launch);
        command
            .args(["--url", &format!("http://{addr}{path}")])
            .args(["--request", request.kind, "--model", &request.model])
            .args(mode);
        let upstream_pid = self.setup.upstream_pid();
        let ticks = |pid: Option<u32>| pid.and_then(procfs::cpu_ticks);
        let before = (ticks(middle), procfs::cpu_ticks(upstream_pid));
        let sampler = sample_rss.then(|| RssSampler::start(self.gateway_pid()));
        let limit = Duration::from_secs_f64(seconds + 60.0);
        let ran = process::run_to_end("bench-load", &mut command, &out, &log, limit);
        let peak = sampler.map(RssSampler::stop);
        let after = (ticks(middle), procfs::cpu_ticks(upstream_pid));
        let text = ran?;
        let mut figures =
            parse_figures(&text).map_err(|e| Failure::new(format!("{}: {e}", out.display())))?;
        let micros = |before: Option<u64>, after: Option<u64>| {
            Some(after?.saturating_sub(before?) as f64 / self.ticks_per_second * 1e6)
        };
        if let Some(cpu_us) = micros(before.1, after.1) {
            figures.insert(UPSTREAM_CPU_US.to_owned(), cpu_us);
        }
        let middle_key = match side {
            Side::Direct => None,
            Side::Proxy => Some(PROXY_CPU_US),
            Side::Gateway => Some(CPU_US),
        };
        if let (Some(key), Some(cpu_us)) = (middle_key, micros(before.0, after.0)) {
            figures.insert(key.to_owned(), cpu_us);
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

    /// `rounds` rounds of one run per side of `sides`, in that order (each side with its
    /// request), each recorded under `scenario`. Returns the figures by side and round.
    pub fn interleaved(
        &mut self,
        scenario: &str,
        rounds: usize,
        sides: &[(Side, &Request)],
        mode: &[String],
        seconds: f64,
    ) -> Result<Rounds, Failure> {
        let mut runs = Rounds::default();
        for round in 0..rounds.max(1) {
            for (side, request) in sides {
                eprintln!("==> bench: {scenario}: {} run {}", side.label(), round + 1);
                let figures = self.load(*side, request, mode, seconds, false)?;
                self.record(scenario, *side, round, &figures);
                runs.push(*side, figures);
            }
        }
        Ok(runs)
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

    /// A row comparing `key` of the two sides of `pair` by its per-round difference
    /// (measured − baseline), against `target`'s maximum.
    pub fn difference(
        &mut self,
        scenario: &str,
        figure: &str,
        unit: Unit,
        pair: Pair<'_>,
        key: &str,
        target: Option<(&'static str, f64)>,
    ) {
        self.difference_of(
            scenario,
            figure,
            unit,
            pair,
            |f| f.get(key).copied(),
            target,
        );
    }

    /// Like [`Runner::difference`], of any `value` of a run.
    pub fn difference_of(
        &mut self,
        scenario: &str,
        figure: &str,
        unit: Unit,
        pair: Pair<'_>,
        value: impl Fn(&Figures) -> Option<f64>,
        target: Option<(&'static str, f64)>,
    ) {
        let compare = median(&pair.differences(&value)).map_or(Compare::None, Compare::Difference);
        let target = target.and_then(|(text, max)| {
            let Compare::Difference(diff) = compare else {
                return None;
            };
            Some(Target {
                text,
                met: diff <= max,
            })
        });
        let (b, m) = medians(pair, &value);
        self.row(scenario, figure, unit, pair.sides, b, m, compare, target);
    }

    /// A row comparing `key` of the two sides of `pair` by its per-round ratio, measured
    /// over baseline.
    pub fn ratio(&mut self, scenario: &str, figure: &str, unit: Unit, pair: Pair<'_>, key: &str) {
        let value = |f: &Figures| f.get(key).copied();
        let compare = median(&pair.ratios(value)).map_or(Compare::None, Compare::Ratio);
        let (b, m) = medians(pair, value);
        self.row(scenario, figure, unit, pair.sides, b, m, compare, None);
    }

    /// A row of each side's median of `value`, not compared (counts, shares); `target`
    /// must hold for both.
    pub fn both(
        &mut self,
        scenario: &str,
        figure: &str,
        unit: Unit,
        pair: Pair<'_>,
        value: impl Fn(&Figures) -> Option<f64>,
        target: Option<(&'static str, Check)>,
    ) {
        let (b, m) = medians(pair, value);
        let target = target.and_then(|(text, met)| {
            Some(Target {
                text,
                met: met(m?) && b.is_none_or(met),
            })
        });
        self.row(
            scenario,
            figure,
            unit,
            pair.sides,
            b,
            m,
            Compare::None,
            target,
        );
    }

    /// A row of a figure of the measured side of `pair` alone: the median of `value` over
    /// its runs, with a target it should stay at or under.
    pub fn measured_only(
        &mut self,
        scenario: &str,
        figure: &str,
        unit: Unit,
        pair: Pair<'_>,
        value: impl Fn(&Figures) -> Option<f64>,
        target: Option<(&'static str, f64)>,
    ) {
        let m = median(&values(pair.measured, value));
        let target = target.and_then(|(text, max)| {
            Some(Target {
                text,
                met: m? <= max,
            })
        });
        let sides = pair.sides;
        self.row(
            scenario,
            figure,
            unit,
            sides,
            None,
            m,
            Compare::None,
            target,
        );
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
        let pair = Pair::new(Sides::GATEWAY_VS_DIRECT, &[], gateway);
        self.measured_only(scenario, figure, unit, pair, value, target);
    }

    /// The CPU row of `pair` (`per` is `request` or `stream`): against the direct runs,
    /// the measured side's CPU per request alone (the direct runs have nothing in between);
    /// against the bare proxy, the per-round difference of the two CPU times, the gateway's
    /// own share.
    pub fn cpu(
        &mut self,
        scenario: &str,
        per: &str,
        pair: Pair<'_>,
        target: Option<(&'static str, f64)>,
    ) {
        if pair.sides.baseline == Side::Direct {
            let figure = format!("{} CPU per {per}", pair.sides.measured.label());
            self.measured_only(
                scenario,
                &figure,
                Unit::Micros,
                pair,
                cpu_per_request,
                target,
            );
        } else {
            let figure = format!("CPU per {per}");
            self.difference_of(
                scenario,
                &figure,
                Unit::Micros,
                pair,
                cpu_per_request,
                target,
            );
        }
    }

    /// Adds a row: `baseline` and `measured` are the medians of the two sides of `sides`.
    #[allow(
        clippy::too_many_arguments,
        reason = "one argument per column of the table"
    )]
    pub fn row(
        &mut self,
        scenario: &str,
        figure: &str,
        unit: Unit,
        sides: Sides,
        baseline: Option<f64>,
        measured: Option<f64>,
        compare: Compare,
        target: Option<Target>,
    ) {
        self.results.rows.push(Row {
            scenario: scenario.to_owned(),
            figure: figure.to_owned(),
            unit,
            sides,
            baseline,
            measured,
            compare,
            target,
        });
    }
}

/// The medians of `value` over the baseline's and over the measured side's runs.
fn medians(pair: Pair<'_>, value: impl Fn(&Figures) -> Option<f64>) -> (Option<f64>, Option<f64>) {
    (
        median(&values(pair.baseline, &value)),
        median(&values(pair.measured, &value)),
    )
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

/// The CPU time per answered request (or stream) of the process a run went through: the
/// gateway's in a gateway run, the bare proxy's in a proxy run, `None` in a direct run.
pub fn cpu_per_request(figures: &Figures) -> Option<f64> {
    per_request(figures, CPU_US).or_else(|| per_request(figures, PROXY_CPU_US))
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

    #[test]
    fn cpu_per_request_is_the_bare_proxys_in_a_proxy_run() {
        let mut figures = Figures::new();
        figures.insert("requests".to_owned(), 100.0);
        figures.insert(UPSTREAM_CPU_US.to_owned(), 900.0);
        assert_eq!(cpu_per_request(&figures), None);
        figures.insert(PROXY_CPU_US.to_owned(), 3500.0);
        assert_eq!(cpu_per_request(&figures), Some(35.0));
        assert_eq!(upstream_cpu_per_request(&figures), Some(9.0));
    }
}
