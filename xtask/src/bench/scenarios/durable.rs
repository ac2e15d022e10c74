//! Chat with the state on disk: what the default, durable state costs.
//!
//! The other scenarios run against a gateway whose state file is on a RAM-backed filesystem,
//! so they measure the gateway's own work. With the default configuration the state file is
//! on disk (WAL, `synchronous = FULL`), and every model request waits until its usage record
//! is committed and fsynced before the client sees the end of the response; records that
//! queue during a commit share the next one (group commit). These scenarios run the closed-loop chat
//! scenario and the lowest fixed rate again against a second gateway started with
//! [`State::Disk`], measured the same way (interleaved with direct runs), so the rows show
//! what durable usage records add to throughput, latency and CPU on this machine's disk.

use std::fs;
use std::path::Path;

use crate::run::Failure;

use super::{chat, chat_closed, chat_rate, closed};
use crate::bench::Plan;
use crate::bench::report::Results;
use crate::bench::runner::Runner;
use crate::bench::setup::{Setup, State};
use crate::bench::sides::Side;

/// What the gateway logs for a usage record it could not write.
const WRITE_FAILED: &str = "could not write a usage record";

/// Warms `setup` (a gateway started with [`State::Disk`]) up, runs the chat scenarios
/// against it and returns `results` with their rows, runs and a note on where the records
/// went appended. Load output goes into `dir`. No bare proxy runs here: it keeps no state,
/// so its rows would repeat the first setup's.
pub fn run_on_disk(
    setup: &Setup,
    plan: &Plan,
    dir: &Path,
    results: Results,
) -> Result<Results, Failure> {
    let mut runner = Runner::new(setup, dir);
    runner.results = results;
    warm_up(&mut runner, plan)?;
    chat_closed(&mut runner, plan, State::Disk)?;
    if let Some(rate) = plan.rates.iter().copied().reduce(f64::min) {
        chat_rate(&mut runner, plan, rate, State::Disk)?;
    }
    runner.results.notes.push(note(setup));
    Ok(runner.results)
}

/// Sends non-streaming chat both ways for a while, unrecorded: the second gateway and
/// upstream are new processes, and the database's first pages are written now.
fn warm_up(runner: &mut Runner<'_>, plan: &Plan) -> Result<(), Failure> {
    eprintln!("==> bench: warming up the gateway with its state on disk");
    let s = plan.warmup_seconds;
    for side in [Side::Direct, Side::Gateway] {
        runner.load(
            side,
            &chat("chat", "bench"),
            &closed("closed", plan, s),
            s,
            false,
        )?;
    }
    Ok(())
}

/// Where the usage records went (the file, its filesystem, its size at the end) and how
/// many could not be written, from the gateway's log.
fn note(setup: &Setup) -> String {
    let Some(file) = &setup.state_file else {
        return "State on disk: the gateway had no state file.".to_owned();
    };
    let filesystem = fs::read_to_string("/proc/mounts")
        .ok()
        .and_then(|mounts| filesystem(&mounts, file));
    let where_ = match filesystem.as_deref() {
        Some(kind @ ("tmpfs" | "ramfs")) => format!(
            "on a `{kind}` filesystem, in memory: an fsync costs nothing there, so these rows \
             understate the cost on a real disk"
        ),
        Some(kind) => format!(
            "on a `{kind}` filesystem (an fsync costs what the device under it makes it cost)"
        ),
        None => "on a filesystem of unknown kind".to_owned(),
    };
    let bytes: u64 = ["", "-wal"]
        .iter()
        .filter_map(|suffix| {
            let mut name = file.clone().into_os_string();
            name.push(suffix);
            fs::metadata(name).ok().map(|m| m.len())
        })
        .sum();
    let log = fs::read_to_string(&setup.gateway_log).unwrap_or_default();
    let failed = match failed_writes(&log) {
        0 => "none failed".to_owned(),
        n => format!(
            "{n} could not be written (see {}): those requests measured a failure, not a commit",
            setup.gateway_log.display()
        ),
    };
    format!(
        "State on disk (the rows marked so): a second gateway kept its usage records in `{}`, \
         {where_}; with its WAL it held {:.1} MiB at the end; of the records, {failed}.",
        file.display(),
        bytes as f64 / (1024.0 * 1024.0)
    )
}

/// How many usage-record writes the gateway's `log` reports as failed.
fn failed_writes(log: &str) -> usize {
    log.lines()
        .filter(|line| line.contains(WRITE_FAILED))
        .count()
}

/// The type of the filesystem holding `path` (absolute, without symbolic links), from the
/// text of `/proc/mounts`: the last-mounted of the longest mount points above it.
fn filesystem(mounts: &str, path: &Path) -> Option<String> {
    let mut found: Option<(usize, &str)> = None;
    for line in mounts.lines() {
        let mut fields = line.split_whitespace();
        let (Some(_device), Some(point), Some(kind)) =
            (fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        let point = unescape(point);
        if path.starts_with(&point) && found.is_none_or(|(len, _)| point.len() >= len) {
            found = Some((point.len(), kind));
        }
    }
    found.map(|(_, kind)| kind.to_owned())
}

/// A mount point as `/proc/mounts` writes it, with `\040` (space), `\011` (tab), `\012`
/// (newline) and `\134` (backslash) decoded.
fn unescape(point: &str) -> String {
    point
        .replace("\\040", " ")
        .replace("\\011", "\t")
        .replace("\\012", "\n")
        .replace("\\134", "\\")
}

#[cfg(test)]
mod tests {
    use super::*;

    const MOUNTS: &str = "overlay / overlay rw,relatime 0 0\n\
                          proc /proc proc rw 0 0\n\
                          /dev/vda1 /work ext4 rw,relatime 0 0\n\
                          tmpfs /work/tmp tmpfs rw 0 0\n\
                          /dev/vdb /work/my\\040disk xfs rw 0 0\n\
                          /dev/vdc /work/tmp btrfs rw 0 0\n";

    #[test]
    fn the_longest_mount_point_above_the_file_wins() {
        let kind = |path: &str| filesystem(MOUNTS, Path::new(path));
        assert_eq!(
            kind("/work/main/target/state/switchboard.db").as_deref(),
            Some("ext4")
        );
        assert_eq!(kind("/etc/hosts").as_deref(), Some("overlay"));
        assert_eq!(kind("/work/my disk/switchboard.db").as_deref(), Some("xfs"));
        // A prefix of a name is not a parent folder.
        assert_eq!(
            kind("/workspace/switchboard.db").as_deref(),
            Some("overlay")
        );
        // Of two mounts on one point, the later one is on top.
        assert_eq!(kind("/work/tmp/switchboard.db").as_deref(), Some("btrfs"));
        assert_eq!(filesystem("", Path::new("/work")), None);
    }

    #[test]
    fn counts_the_failed_usage_writes_in_the_log() {
        let log = "INFO switchboard::access: request_id=1 status=200\n\
                   WARN switchboard: could not write a usage record request_id=2 error=disk I/O\n\
                   INFO switchboard::access: request_id=2 status=200\n\
                   WARN switchboard: could not write a usage record request_id=3 error=full\n";
        assert_eq!(failed_writes(log), 2);
        assert_eq!(failed_writes("INFO listening on http://127.0.0.1:1\n"), 0);
    }
}
