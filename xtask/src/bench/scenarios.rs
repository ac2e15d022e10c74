//! The scenarios, in the order they run, and the rows each adds to the table.
//!
//! Order matters for memory: the idle size is read after a warm-up and before any load,
//! and the translated Responses runs come last because each of their responses is kept in
//! the gateway's response store, which would otherwise inflate the held-streams peak.
//! The chat scenarios with the state on disk ([`run_on_disk`]) come after all of these,
//! against a second gateway.
//!
//! The pass-through chat scenarios (closed loop, each fixed rate, stream) also run through
//! the bare proxy when the setup has one: each round is then direct, bare proxy, gateway,
//! and each adds rows of the proxy against the direct runs (the floor) and of the gateway
//! against the proxy (the gateway's own share) after its usual rows.

mod durable;
mod streams;

pub use durable::run_on_disk;

use std::path::Path;
use std::time::Duration;

use crate::run::Failure;

use super::Plan;
use super::procfs;
use super::report::{Compare, Results, Target, Unit};
use super::runner::{Request, Runner, upstream_cpu_per_request};
use super::setup::{RAM_FS, Setup, State, TRANSLATE_PREFIX};
use super::sides::{Pair, Side, Sides};

/// 20 MB, the idle target, in bytes.
const IDLE_RSS_TARGET: f64 = 20e6;

/// Runs every scenario against `setup` as `plan` says; load output goes into `dir`.
pub fn run_all(setup: &Setup, plan: &Plan, dir: &Path) -> Result<Results, Failure> {
    let mut runner = Runner::new(setup, dir);
    let stream_model = format!(
        "bench/chunks={}/delay_ms={}",
        plan.stream_chunks, plan.stream_delay_ms
    );
    warm_up(&mut runner, plan, &stream_model)?;
    idle(&mut runner);
    chat_closed(&mut runner, plan, State::Ram)?;
    for &rate in plan.rates {
        chat_rate(&mut runner, plan, rate, State::Ram)?;
    }
    streams::chat_stream(&mut runner, plan, &stream_model)?;
    streams::held_streams(&mut runner, plan)?;
    warm_up_responses(&mut runner, plan)?;
    responses_closed(&mut runner, plan)?;
    streams::responses_stream(&mut runner, plan, &stream_model)?;
    runner.results.notes.push(state_note(setup));
    let pid = runner.gateway_pid();
    let end = procfs::status_bytes(pid, "VmRSS").map(|b| b as f64);
    let hwm = procfs::status_bytes(pid, "VmHWM").map(|b| b as f64);
    runner.row(
        "at the end",
        "gateway RSS (response store filled)",
        Unit::MiB,
        Sides::GATEWAY_VS_DIRECT,
        None,
        end,
        Compare::None,
        None,
    );
    runner.row(
        "at the end",
        "gateway peak RSS (VmHWM)",
        Unit::MiB,
        Sides::GATEWAY_VS_DIRECT,
        None,
        hwm,
        Compare::None,
        None,
    );
    Ok(runner.results)
}

/// Where the first gateway kept its state, for the notes.
fn state_note(setup: &Setup) -> String {
    match &setup.state_file {
        Some(file) => format!(
            "State: the gateway's usage records went to `{}`, on a RAM-backed filesystem: \
             SQLite's WAL and group commit ran as in production, without waiting for a disk \
             (the rows marked \"state on disk\" add that), and the records count in the page \
             cache, not in the gateway's RSS.",
            file.display()
        ),
        None => format!(
            "State: `:memory:` (no {RAM_FS} to put a state file on): every usage record stays \
             in the gateway's memory, so its RSS rows grow with the requests sent before them."
        ),
    }
}

/// What a chat scenario's label says about the state: nothing for [`State::Ram`], the
/// usual bench setup.
fn state_label(state: State) -> &'static str {
    match state {
        State::Ram => "",
        State::Disk => ", state on disk (usage records fsynced)",
    }
}

/// The requests of the chat scenarios: the same body every way.
fn chat(kind: &'static str, model: &str) -> Request {
    Request {
        path: "/v1/chat/completions",
        kind,
        model: model.to_owned(),
    }
}

/// `request` for every side the runner has ([`Runner::sides`]): the pass-through chat
/// scenarios send the same request straight, through the bare proxy and through the gateway.
fn every_side<'r>(runner: &Runner<'_>, request: &'r Request) -> Vec<(Side, &'r Request)> {
    runner
        .sides()
        .into_iter()
        .map(|side| (side, request))
        .collect()
}

/// `target` for the gateway against the direct runs, the comparison the targets
/// are about; `None` for the others.
fn for_gateway<T>(sides: Sides, target: Option<T>) -> Option<T> {
    target.filter(|_| sides == Sides::GATEWAY_VS_DIRECT)
}

/// A closed-loop mode of `seconds` with `plan.concurrency` workers.
fn closed(mode: &str, plan: &Plan, seconds: f64) -> Vec<String> {
    vec![
        mode.to_owned(),
        "--concurrency".to_owned(),
        plan.concurrency.to_string(),
        "--duration".to_owned(),
        seconds.to_string(),
    ]
}

/// Sends each kind of chat request every way (straight, through the bare proxy if there is
/// one, through the gateway) for a while, unrecorded, so that connections, allocator pools
/// and caches are warm when measuring starts.
fn warm_up(runner: &mut Runner<'_>, plan: &Plan, stream_model: &str) -> Result<(), Failure> {
    eprintln!("==> bench: warming up");
    let s = plan.warmup_seconds;
    for side in runner.sides() {
        let chat_closed = closed("closed", plan, s);
        runner.load(side, &chat("chat", "bench"), &chat_closed, s, false)?;
        let stream = closed("stream", plan, s);
        runner.load(side, &chat("chat-stream", stream_model), &stream, s, false)?;
    }
    Ok(())
}

/// Warms the translated Responses path, unrecorded. Run just before the Responses
/// scenarios, after the idle size was read: each response it makes stays in the store.
fn warm_up_responses(runner: &mut Runner<'_>, plan: &Plan) -> Result<(), Failure> {
    eprintln!("==> bench: warming up the translated Responses path");
    let s = plan.warmup_seconds;
    let translated = Request {
        path: "/v1/responses",
        kind: "responses",
        model: format!("{TRANSLATE_PREFIX}bench"),
    };
    runner.load(
        Side::Gateway,
        &translated,
        &closed("closed", plan, s),
        s,
        false,
    )?;
    Ok(())
}

/// The gateway's resident size after the warm-up, idle for a second.
fn idle(runner: &mut Runner<'_>) {
    std::thread::sleep(Duration::from_secs(1));
    let rss = procfs::status_bytes(runner.gateway_pid(), "VmRSS").map(|b| b as f64);
    let target = rss.map(|rss| Target {
        text: "≤ 20 MB",
        met: rss <= IDLE_RSS_TARGET,
    });
    runner.row(
        "idle after warm-up",
        "gateway RSS",
        Unit::MiB,
        Sides::GATEWAY_VS_DIRECT,
        None,
        rss,
        Compare::None,
        target,
    );
}

/// Non-streaming chat, closed loop: throughput, latency, CPU per request, through the
/// bare proxy too when there is one. The target is shown only with the state on the
/// RAM filesystem, the gateway's own work.
fn chat_closed(runner: &mut Runner<'_>, plan: &Plan, state: State) -> Result<(), Failure> {
    let scenario = format!(
        "chat, closed loop, {} workers{}",
        plan.concurrency,
        state_label(state)
    );
    let request = chat("chat", "bench");
    let target = (state == State::Ram).then_some(("≤ 40 µs", 40.0));
    let sides = every_side(runner, &request);
    closed_loop(runner, plan, &scenario, &sides, target)
}

/// A closed-loop scenario, each side of `sides` with its request: for each comparison,
/// throughput, latency p50 and p99, CPU per request (of the gateway against `target`); for
/// the gateway against the direct runs, the upstream's CPU for scale.
fn closed_loop(
    runner: &mut Runner<'_>,
    plan: &Plan,
    scenario: &str,
    sides: &[(Side, &Request)],
    target: Option<(&'static str, f64)>,
) -> Result<(), Failure> {
    let mode = closed("closed", plan, plan.seconds);
    let rounds = runner.interleaved(scenario, plan.rounds, sides, &mode, plan.seconds)?;
    for sides in rounds.comparisons() {
        let pair = rounds.pair(sides);
        runner.ratio(scenario, "throughput", Unit::PerSecond, pair, "rps");
        for (figure, key) in [
            ("latency p50", "latency_p50_us"),
            ("latency p99", "latency_p99_us"),
        ] {
            runner.difference(scenario, figure, Unit::Micros, pair, key, None);
        }
        runner.cpu(scenario, "request", pair, for_gateway(sides, target));
        if sides == Sides::GATEWAY_VS_DIRECT {
            upstream_cpu_row(runner, scenario, pair);
        }
    }
    Ok(())
}

/// The mock upstream's CPU per request in both kinds of run: what the simplest HTTP
/// server costs on this machine at this load, for scale (it should not differ between
/// the two columns).
fn upstream_cpu_row(runner: &mut Runner<'_>, scenario: &str, pair: Pair<'_>) {
    runner.both(
        scenario,
        "mock upstream CPU per request (for scale)",
        Unit::Micros,
        pair,
        upstream_cpu_per_request,
        None,
    );
}

/// Non-streaming chat at a fixed rate: the latency the gateway adds, and the bare proxy
/// when there is one. The targets (at 500/s) are shown only with the state on the
/// RAM filesystem, the gateway's own work.
fn chat_rate(runner: &mut Runner<'_>, plan: &Plan, rate: f64, state: State) -> Result<(), Failure> {
    let scenario = format!("chat, open loop at {rate:.0} req/s{}", state_label(state));
    let request = chat("chat", "bench");
    let mode = vec![
        "open".to_owned(),
        "--rate".to_owned(),
        rate.to_string(),
        "--duration".to_owned(),
        plan.seconds.to_string(),
    ];
    let sides = every_side(runner, &request);
    let rounds = runner.interleaved(&scenario, plan.rounds, &sides, &mode, plan.seconds)?;
    let at_500 = state == State::Ram && (rate - 500.0).abs() < 1.0;
    for sides in rounds.comparisons() {
        let pair = rounds.pair(sides);
        let p50 = at_500.then_some(("≤ 100 µs added at 500/s", 100.0));
        let p99 = at_500.then_some(("≤ 1 ms added at 500/s", 1000.0));
        for (figure, key, target) in [
            ("latency p50", "latency_p50_us", p50),
            ("latency p99", "latency_p99_us", p99),
            ("latency p99.9", "latency_p999_us", None),
        ] {
            let target = for_gateway(sides, target);
            runner.difference(&scenario, figure, Unit::Micros, pair, key, target);
        }
        runner.cpu(&scenario, "request", pair, None);
        if sides == Sides::GATEWAY_VS_DIRECT {
            upstream_cpu_row(runner, &scenario, pair);
        }
    }
    Ok(())
}

/// Non-streaming Responses requests translated onto the chat upstream (which the gateway
/// always asks for a stream), against non-streaming chat straight at the upstream.
fn responses_closed(runner: &mut Runner<'_>, plan: &Plan) -> Result<(), Failure> {
    let scenario = format!(
        "Responses translated from chat, not streamed, closed loop, {} workers",
        plan.concurrency
    );
    let direct = chat("chat", "bench");
    let translated = Request {
        path: "/v1/responses",
        kind: "responses",
        model: format!("{TRANSLATE_PREFIX}bench"),
    };
    closed_loop(
        runner,
        plan,
        &scenario,
        &[(Side::Direct, &direct), (Side::Gateway, &translated)],
        Some(("≤ 60 µs", 60.0)),
    )
}

/// Adds a note naming every run that had failed requests. Called once, when every
/// scenario has run.
pub fn note_failures(results: &mut Results) {
    let failures: Vec<String> = results
        .runs
        .iter()
        .filter(|run| run.figures.get("errors").is_some_and(|e| *e > 0.0))
        .map(|run| {
            format!(
                "{} ({}, round {}): {} failed",
                run.scenario,
                run.side,
                run.round + 1,
                run.figures.get("errors").copied().unwrap_or(0.0)
            )
        })
        .collect();
    if !failures.is_empty() {
        results.notes.push(format!(
            "Requests that failed (connection errors or non-200 answers): {}.",
            failures.join("; ")
        ));
    }
}
