//! The stream scenarios: paced chat and Responses streams (first byte, gaps between
//! chunks, proper endings, CPU per stream; the chat stream through the bare proxy too) and
//! many slow streams held open at once (the gateway's memory).

use crate::run::Failure;

use super::{chat, closed, every_side, for_gateway};
use crate::bench::Plan;
use crate::bench::load::Figures;
use crate::bench::procfs;
use crate::bench::report::Unit;
use crate::bench::runner::{PEAK_RSS, Request, Runner};
use crate::bench::setup::TRANSLATE_PREFIX;
use crate::bench::sides::{Pair, Side, Sides};

/// 100 MB, the target with 1,000 open streams, in bytes.
const HELD_RSS_TARGET: f64 = 100e6;

/// Streaming chat through the same-shape path, and through the bare proxy when there is
/// one: first byte, gaps, proper endings, CPU.
pub fn chat_stream(runner: &mut Runner<'_>, plan: &Plan, model: &str) -> Result<(), Failure> {
    let scenario = format!(
        "chat stream, {} chunks {} ms apart, {} workers",
        plan.stream_chunks, plan.stream_delay_ms, plan.concurrency
    );
    let request = chat("chat-stream", model);
    let mode = closed("stream", plan, plan.seconds);
    let sides = every_side(runner, &request);
    let rounds = runner.interleaved(&scenario, plan.rounds, &sides, &mode, plan.seconds)?;
    for sides in rounds.comparisons() {
        let target = for_gateway(sides, Some(("≤ 0.5 ms added", 500.0)));
        stream_rows(runner, &scenario, rounds.pair(sides), target);
    }
    Ok(())
}

/// Responses streams translated onto the chat upstream, against the same chat stream
/// sent straight to the upstream.
pub fn responses_stream(runner: &mut Runner<'_>, plan: &Plan, model: &str) -> Result<(), Failure> {
    let scenario = format!(
        "Responses stream translated from chat, {} chunks {} ms apart, {} workers",
        plan.stream_chunks, plan.stream_delay_ms, plan.concurrency
    );
    let direct = chat("chat-stream", model);
    let translated = Request {
        path: "/v1/responses",
        kind: "responses-stream",
        model: format!("{TRANSLATE_PREFIX}{model}"),
    };
    let mode = closed("stream", plan, plan.seconds);
    let sides = [(Side::Direct, &direct), (Side::Gateway, &translated)];
    let rounds = runner.interleaved(&scenario, plan.rounds, &sides, &mode, plan.seconds)?;
    stream_rows(
        runner,
        &scenario,
        rounds.pair(Sides::GATEWAY_VS_DIRECT),
        None,
    );
    Ok(())
}

/// The rows of a stream scenario for one comparison. Whether the streams ended properly is
/// shown against the direct runs only: against the bare proxy it would repeat both sides.
fn stream_rows(
    runner: &mut Runner<'_>,
    scenario: &str,
    pair: Pair<'_>,
    ttfb_target: Option<(&'static str, f64)>,
) {
    runner.ratio(
        scenario,
        "streams per second",
        Unit::PerSecond,
        pair,
        "streams_per_s",
    );
    for (figure, key, target) in [
        ("time to first byte p50", "ttfb_p50_us", ttfb_target),
        ("time to first byte p99", "ttfb_p99_us", None),
        ("gap between chunks p50", "gap_p50_us", None),
        ("gap between chunks p99", "gap_p99_us", None),
    ] {
        runner.difference(scenario, figure, Unit::Micros, pair, key, target);
    }
    if pair.sides.baseline == Side::Direct {
        runner.both(
            scenario,
            "streams that ended properly",
            Unit::Percent,
            pair,
            ended_share,
            Some(("all", all_ended)),
        );
    }
    runner.cpu(scenario, "stream", pair, None);
}

/// The share of streams that ended properly, in percent.
fn ended_share(figures: &Figures) -> Option<f64> {
    let streams = figures.get("streams").filter(|n| **n > 0.0)?;
    Some(100.0 * figures.get("ended_ok")? / streams)
}

/// Whether every stream ended properly.
fn all_ended(share: f64) -> bool {
    share >= 100.0
}

/// Many slow streams open at once: the gateway's memory while they are open.
pub fn held_streams(runner: &mut Runner<'_>, plan: &Plan) -> Result<(), Failure> {
    let scenario = format!("{} slow streams held open together", plan.hold_streams);
    let request = chat(
        "chat-stream",
        &format!(
            "bench/chunks={}/delay_ms={}",
            plan.hold_chunks, plan.hold_delay_ms
        ),
    );
    let seconds = (plan.hold_chunks as f64) * (plan.hold_delay_ms as f64) / 1000.0;
    let mode = vec![
        "hold".to_owned(),
        "--streams".to_owned(),
        plan.hold_streams.to_string(),
        "--timeout".to_owned(),
        (seconds + 30.0).to_string(),
    ];
    let idle = procfs::status_bytes(runner.gateway_pid(), "VmRSS").map(|b| b as f64);
    eprintln!("==> bench: {scenario}: direct run");
    let direct = runner.load(Side::Direct, &request, &mode, seconds + 30.0, false)?;
    runner.record(&scenario, Side::Direct, 0, &direct);
    eprintln!("==> bench: {scenario}: gateway run");
    let gateway = runner.load(Side::Gateway, &request, &mode, seconds + 30.0, true)?;
    runner.record(&scenario, Side::Gateway, 0, &gateway);
    let (d, g) = (vec![direct], vec![gateway]);
    let runs = Pair::new(Sides::GATEWAY_VS_DIRECT, &d, &g);
    runner.both(
        &scenario,
        "streams opened",
        Unit::Count,
        runs,
        |f| f.get("opened").copied(),
        None,
    );
    runner.difference(
        &scenario,
        "time until all were open",
        Unit::Millis,
        runs,
        "all_open_ms",
        None,
    );
    runner.both(
        &scenario,
        "streams that ended properly",
        Unit::Percent,
        runs,
        |f| {
            let streams = f.get("streams").filter(|n| **n > 0.0)?;
            Some(100.0 * f.get("ended_ok")? / streams)
        },
        Some(("all", all_ended)),
    );
    let full = plan.hold_streams >= 1000;
    runner.gateway_only(
        &scenario,
        "gateway peak RSS",
        Unit::MiB,
        &g,
        |f| f.get(PEAK_RSS).copied(),
        full.then_some(("≤ 100 MB with 1,000 streams", HELD_RSS_TARGET)),
    );
    let per_stream = |f: &Figures| {
        let peak = f.get(PEAK_RSS)?;
        let streams = f.get("streams").filter(|n| **n > 0.0)?;
        Some((peak - idle?).max(0.0) / streams)
    };
    runner.gateway_only(
        &scenario,
        "gateway RSS per held stream",
        Unit::KiB,
        &g,
        per_stream,
        None,
    );
    Ok(())
}
