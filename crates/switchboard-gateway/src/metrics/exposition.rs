//! From the OpenMetrics text that `prometheus-client` writes to the Prometheus text format
//! 0.0.4 (`text/plain; version=0.0.4`), which every Prometheus-compatible scraper reads.
//!
//! The two formats share their sample lines; they differ in three places, all fixed here:
//!
//! - OpenMetrics names a counter family without its `_total` suffix (`# TYPE
//!   switchboard_requests counter` above `switchboard_requests_total 3`); the 0.0.4
//!   format names the family as its samples are named, so `_total` is added to the
//!   `# HELP` and `# TYPE` lines of counters.
//! - OpenMetrics' `unknown` type is 0.0.4's `untyped`.
//! - `# UNIT` lines and the closing `# EOF` exist only in OpenMetrics and are dropped.

/// Rewrites `open_metrics` (the output of `prometheus_client::encoding::text::encode`) in
/// the Prometheus text format 0.0.4.
///
/// `prometheus-client` writes each family as `# HELP`, `# TYPE`, maybe `# UNIT`, then its
/// samples; the `# HELP` line is held back until the `# TYPE` line says whether the name
/// needs `_total`.
pub(super) fn to_prometheus_text(open_metrics: &str) -> String {
    let mut out = String::with_capacity(open_metrics.len() + 256);
    // The text after `# HELP `, waiting for its family's `# TYPE` line.
    let mut held_help: Option<&str> = None;
    for line in open_metrics.lines() {
        if let Some(help) = line.strip_prefix("# HELP ") {
            flush_help(&mut out, held_help.replace(help), "");
            continue;
        }
        if let Some(descriptor) = line.strip_prefix("# TYPE ") {
            let (name, kind) = descriptor.rsplit_once(' ').unwrap_or((descriptor, ""));
            let (suffix, kind) = match kind {
                "counter" if !name.ends_with("_total") => ("_total", kind),
                "unknown" => ("", "untyped"),
                _ => ("", kind),
            };
            match held_help.take() {
                Some(help) if help.split(' ').next() == Some(name) => {
                    flush_help(&mut out, Some(help), suffix);
                }
                other => flush_help(&mut out, other, ""),
            }
            push_line(&mut out, &["# TYPE ", name, suffix, " ", kind]);
            continue;
        }
        flush_help(&mut out, held_help.take(), "");
        if line == "# EOF" || line.starts_with("# UNIT ") {
            continue;
        }
        push_line(&mut out, &[line]);
    }
    flush_help(&mut out, held_help, "");
    out
}

/// Writes a held `# HELP` line (its text after `# HELP `), adding `suffix` to its name.
fn flush_help(out: &mut String, help: Option<&str>, suffix: &str) {
    let Some(help) = help else { return };
    let (name, text) = help.split_once(' ').unwrap_or((help, ""));
    push_line(out, &["# HELP ", name, suffix, " ", text]);
}

fn push_line(out: &mut String, pieces: &[&str]) {
    for piece in pieces {
        out.push_str(piece);
    }
    out.push('\n');
}
