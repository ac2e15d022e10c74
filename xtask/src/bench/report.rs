//! The results: rows of figures, printed as a markdown table and written as JSON.

use std::fmt::Write as _;

use super::load::Figures;
use super::procfs::Machine;
use super::sides::{Side, Sides};

/// How a row's measured figure compares with its baseline's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Compare {
    /// Measured minus baseline (median of the per-round differences).
    Difference(f64),
    /// Measured over baseline (median of the per-round ratios).
    Ratio(f64),
    /// Nothing to compare (a figure of one side alone, or a count).
    None,
}

/// The unit a row's numbers are in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Microseconds.
    Micros,
    /// Milliseconds.
    Millis,
    /// Per second.
    PerSecond,
    /// Mebibytes (numbers are bytes).
    MiB,
    /// Kibibytes (numbers are bytes).
    KiB,
    /// A share in percent.
    Percent,
    /// A count.
    Count,
}

impl Unit {
    /// The unit's name in the table and the JSON.
    fn name(self) -> &'static str {
        match self {
            Unit::Micros => "µs",
            Unit::Millis => "ms",
            Unit::PerSecond => "/s",
            Unit::MiB => "MiB",
            Unit::KiB => "KiB",
            Unit::Percent => "%",
            Unit::Count => "",
        }
    }

    /// The unit of the numbers in the JSON file: memory is written in bytes.
    fn json_name(self) -> &'static str {
        match self {
            Unit::MiB | Unit::KiB => "bytes",
            other => other.name(),
        }
    }

    /// `value` written in this unit.
    fn show(self, value: f64) -> String {
        match self {
            Unit::Micros | Unit::Millis => format!("{value:.0} {}", self.name()),
            Unit::PerSecond => format!("{value:.0}{}", self.name()),
            Unit::MiB => format!("{:.1} {}", value / (1024.0 * 1024.0), self.name()),
            Unit::KiB => format!("{:.1} {}", value / 1024.0, self.name()),
            Unit::Percent => format!("{value:.1} %"),
            Unit::Count => format!("{value:.0}"),
        }
    }
}

/// A target from the issue, and whether this run met it. Never fails a run.
#[derive(Debug, Clone)]
pub struct Target {
    /// As written in the table, e.g. `≤ 100 µs added`.
    pub text: &'static str,
    /// Whether the figure met it.
    pub met: bool,
}

/// One line of the table.
#[derive(Debug, Clone)]
pub struct Row {
    /// The scenario it belongs to.
    pub scenario: String,
    /// What is measured, e.g. `latency p99`.
    pub figure: String,
    /// The unit of `baseline`, `measured` and a difference.
    pub unit: Unit,
    /// Which side is measured against which (the gateway against the direct runs for
    /// every row but those of the bare proxy).
    pub sides: Sides,
    /// The median of the baseline's runs; `None` for a figure of the measured side alone.
    pub baseline: Option<f64>,
    /// The median of the measured side's runs.
    pub measured: Option<f64>,
    /// How they compare.
    pub compare: Compare,
    /// The target for this figure, if it has one.
    pub target: Option<Target>,
}

/// One load run, for the JSON file.
pub struct Run {
    /// The scenario.
    pub scenario: String,
    /// `direct`, `proxy` or `gateway`.
    pub side: &'static str,
    /// Which round (0-based).
    pub round: usize,
    /// What `bench-load` printed, plus the figures xtask measured around it
    /// (`upstream_cpu_us`; `gateway_cpu_us` and `gateway_peak_rss_bytes` in a gateway run,
    /// `proxy_cpu_us` in a bare proxy run).
    pub figures: Figures,
}

/// Everything one `cargo xtask bench` measured.
pub struct Results {
    /// The rows of the table, in order.
    pub rows: Vec<Row>,
    /// Every load run.
    pub runs: Vec<Run>,
    /// Notes printed under the table (pinning, limits, failures).
    pub notes: Vec<String>,
}

/// The markdown table: figure, which sides it compares, the baseline's and the measured
/// side's medians, their difference or ratio, and the target.
pub fn table(results: &Results) -> String {
    let mut out = String::from(
        "| scenario | figure | sides | baseline | measured | difference or ratio | target |\n\
         |---|---|---|---:|---:|---:|---|\n",
    );
    for row in &results.rows {
        let show = |v: Option<f64>| v.map_or_else(|| "—".to_owned(), |v| row.unit.show(v));
        let compare = match row.compare {
            Compare::Difference(d) => {
                let sign = if d >= 0.0 { "+" } else { "−" };
                format!("{sign}{}", row.unit.show(d.abs()))
            }
            Compare::Ratio(r) => format!("× {r:.2}"),
            Compare::None => "—".to_owned(),
        };
        let target = row.target.as_ref().map_or_else(String::new, |t| {
            format!("{} ({})", t.text, if t.met { "met" } else { "missed" })
        });
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            row.scenario,
            row.figure,
            sides_text(row),
            show(row.baseline),
            show(row.measured),
            compare,
            target
        );
    }
    for note in &results.notes {
        let _ = writeln!(out, "\n{note}");
    }
    out
}

/// What the sides column says: `gateway vs direct`, or the measured side alone
/// (`gateway`) for a figure without a baseline.
fn sides_text(row: &Row) -> String {
    if row.baseline.is_none() && row.compare == Compare::None {
        row.sides.measured.label().to_owned()
    } else {
        row.sides.label()
    }
}

/// The median of `side` in `row`, if the row has that side.
fn value_of(row: &Row, side: Side) -> Option<f64> {
    if row.sides.measured == side {
        row.measured
    } else if row.sides.baseline == side {
        row.baseline
    } else {
        None
    }
}

/// The JSON file: the machine, the settings, every row and every run. A row names its
/// `measured` and `baseline` sides and puts each side's median under its name (`direct`,
/// `proxy`, `gateway`; `null` for a side the row does not compare).
///
/// `busy` is how busy the machine's CPUs were, in percent, in the second before measuring
/// and the second after.
pub fn json(
    results: &Results,
    machine: &Machine,
    busy: (Option<f64>, Option<f64>),
    date: &str,
    quick: bool,
    pinned: bool,
) -> String {
    let mut out = String::from("{\n");
    let _ = writeln!(out, "  \"date\": {},", string(date));
    let _ = writeln!(out, "  \"quick\": {quick},");
    let _ = writeln!(out, "  \"pinned\": {pinned},");
    let _ = writeln!(
        out,
        "  \"machine\": {{\"cpu_model\": {}, \"cpus\": {}, \"kernel\": {}, \"load_average_at_start\": {}, \"busy_before_percent\": {}, \"busy_after_percent\": {}}},",
        string(&machine.cpu_model),
        machine.cpus,
        string(&machine.kernel),
        number(machine.load_average),
        optional(busy.0),
        optional(busy.1)
    );
    out.push_str("  \"rows\": [\n");
    for (n, row) in results.rows.iter().enumerate() {
        let (difference, ratio) = match row.compare {
            Compare::Difference(d) => (Some(d), None),
            Compare::Ratio(r) => (None, Some(r)),
            Compare::None => (None, None),
        };
        let _ = write!(
            out,
            "    {{\"scenario\": {}, \"figure\": {}, \"unit\": {}, \"measured\": {}, \"baseline\": {}, \
             \"direct\": {}, \"proxy\": {}, \"gateway\": {}, \
             \"difference\": {}, \"ratio\": {}, \"target\": {}, \"target_met\": {}}}",
            string(&row.scenario),
            string(&row.figure),
            string(row.unit.json_name()),
            string(row.sides.measured.name()),
            string(row.sides.baseline.name()),
            optional(value_of(row, Side::Direct)),
            optional(value_of(row, Side::Proxy)),
            optional(value_of(row, Side::Gateway)),
            optional(difference),
            optional(ratio),
            row.target
                .as_ref()
                .map_or_else(|| "null".to_owned(), |t| string(t.text)),
            row.target
                .as_ref()
                .map_or_else(|| "null".to_owned(), |t| t.met.to_string()),
        );
        out.push_str(if n + 1 < results.rows.len() {
            ",\n"
        } else {
            "\n"
        });
    }
    out.push_str("  ],\n  \"runs\": [\n");
    for (n, run) in results.runs.iter().enumerate() {
        let figures: Vec<String> = run
            .figures
            .iter()
            .map(|(k, v)| format!("{}: {}", string(k), number(*v)))
            .collect();
        let _ = write!(
            out,
            "    {{\"scenario\": {}, \"side\": {}, \"round\": {}, \"figures\": {{{}}}}}",
            string(&run.scenario),
            string(run.side),
            run.round,
            figures.join(", ")
        );
        out.push_str(if n + 1 < results.runs.len() {
            ",\n"
        } else {
            "\n"
        });
    }
    out.push_str("  ],\n  \"notes\": [");
    let notes: Vec<String> = results.notes.iter().map(|n| string(n)).collect();
    out.push_str(&notes.join(", "));
    out.push_str("]\n}\n");
    out
}

/// A JSON number (`null` for NaN and infinities, which JSON cannot hold).
fn number(value: f64) -> String {
    if value.is_finite() {
        format!("{value}")
    } else {
        "null".to_owned()
    }
}

/// A JSON number or `null`.
fn optional(value: Option<f64>) -> String {
    value.map_or_else(|| "null".to_owned(), number)
}

/// A JSON string literal.
pub(super) fn string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(compare: Compare, target: Option<Target>) -> Row {
        Row {
            scenario: "chat".to_owned(),
            figure: "latency p50".to_owned(),
            unit: Unit::Micros,
            sides: Sides::GATEWAY_VS_DIRECT,
            baseline: Some(100.0),
            measured: Some(160.4),
            compare,
            target,
        }
    }

    fn results(rows: Vec<Row>) -> Results {
        Results {
            rows,
            runs: Vec::new(),
            notes: vec!["Pinned.".to_owned()],
        }
    }

    #[test]
    fn the_table_shows_differences_ratios_and_targets() {
        let results = results(vec![
            row(
                Compare::Difference(60.4),
                Some(Target {
                    text: "≤ 100 µs added",
                    met: true,
                }),
            ),
            row(Compare::Ratio(0.8), None),
            row(Compare::Difference(-3.0), None),
        ]);
        let table = table(&results);
        assert!(
            table.contains(
                "| chat | latency p50 | gateway vs direct | 100 µs | 160 µs | +60 µs | ≤ 100 µs added (met) |"
            ),
            "{table}"
        );
        assert!(table.contains("| × 0.80 |"), "{table}");
        assert!(table.contains("| −3 µs |"), "{table}");
        assert!(table.ends_with("\nPinned.\n"), "{table}");
    }

    #[test]
    fn rows_name_their_sides_and_a_figure_alone_its_own_side() {
        let own = Row {
            sides: Sides::GATEWAY_VS_PROXY,
            ..row(Compare::Difference(60.4), None)
        };
        let alone = Row {
            figure: "bare proxy CPU per request".to_owned(),
            sides: Sides::PROXY_VS_DIRECT,
            baseline: None,
            measured: Some(35.0),
            ..row(Compare::None, None)
        };
        let table = table(&results(vec![own, alone]));
        assert!(
            table.contains(
                "| chat | latency p50 | gateway vs bare proxy | 100 µs | 160 µs | +60 µs |  |"
            ),
            "{table}"
        );
        assert!(
            table.contains("| chat | bare proxy CPU per request | bare proxy | — | 35 µs | — |  |"),
            "{table}"
        );
    }

    #[test]
    fn json_rows_put_each_median_under_its_side() {
        let machine = Machine {
            cpu_model: "cpu".to_owned(),
            cpus: 2,
            kernel: "6".to_owned(),
            load_average: 0.5,
        };
        let own = Row {
            sides: Sides::GATEWAY_VS_PROXY,
            ..row(Compare::Difference(60.4), None)
        };
        let rows = vec![row(Compare::Ratio(0.5), None), own];
        let json = json(&results(rows), &machine, (None, None), "today", true, true);
        assert!(
            json.contains(
                "\"measured\": \"gateway\", \"baseline\": \"direct\", \"direct\": 100, \
                 \"proxy\": null, \"gateway\": 160.4, \"difference\": null, \"ratio\": 0.5,"
            ),
            "{json}"
        );
        assert!(
            json.contains(
                "\"measured\": \"gateway\", \"baseline\": \"proxy\", \"direct\": null, \
                 \"proxy\": 100, \"gateway\": 160.4, \"difference\": 60.4, \"ratio\": null,"
            ),
            "{json}"
        );
    }

    #[test]
    fn json_escapes_strings_and_writes_null_for_missing_numbers() {
        assert_eq!(string("a\"b\\c\nd\u{1}"), "\"a\\\"b\\\\c\\nd\\u0001\"");
        assert_eq!(optional(None), "null");
        assert_eq!(number(f64::NAN), "null");
        assert_eq!(number(2.5), "2.5");
    }
}
