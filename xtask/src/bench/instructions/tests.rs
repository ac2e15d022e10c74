//! The pure parts of `--instructions`: reading a dump, the division, the output.

use super::*;

/// The head and tail of a dump written by `callgrind_control -d` (valgrind 3.19).
const DUMP: &str = "# callgrind format\nversion: 1\ncreator: callgrind-3.19.0\n\
    pid: 20864\ncmd:  switchboard --config sb.toml --listen 127.0.0.1:41701\npart: 1\n\n\n\
    desc: I1 cache: \ndesc: D1 cache: \ndesc: LL cache: \n\n\
    desc: Timerange: Basic block 0 - 53648885\ndesc: Trigger: dump\n\n\
    positions: line\nevents: Ir\nsummary: 185484722\n\n\nfl=(1) ???\nfn=(1) main\n\
    0 3\n\ntotals: 185561523\n";

fn count(requests: u64, instructions: u64) -> Count {
    Count {
        requests,
        instructions,
    }
}

#[test]
fn the_instructions_are_the_ir_column_of_the_summary_line() {
    assert_eq!(instructions_in(DUMP), Ok(185_484_722));
    let cache = "events: Dr Ir Dw\nsummary: 7 1234 9\ntotals: 7 1234 9\n";
    assert_eq!(instructions_in(cache), Ok(1234));
}

#[test]
fn a_dump_without_instructions_is_refused() {
    for text in [
        "",
        "events: Ir\n",
        "summary: 12\n",
        "events: Dr\nsummary: 12\n",
        "events: Dr Ir\nsummary: 12\n",
        "events: Ir\nsummary: many\n",
    ] {
        assert!(instructions_in(text).is_err(), "{text:?}");
    }
}

#[test]
fn instructions_are_divided_by_the_requests_answered() {
    let per = per_request(&count(1206, 185_484_722)).unwrap();
    assert!((per - 153_801.594).abs() < 0.01, "{per}");
    assert_eq!(per_request(&count(0, 5)), None);
}

#[test]
fn counts_are_grouped_by_thousands() {
    assert_eq!(grouped(0.0), "0");
    assert_eq!(grouped(999.0), "999");
    assert_eq!(grouped(1000.0), "1,000");
    assert_eq!(grouped(157_700.4), "157,700");
    assert_eq!(grouped(1_234_567.0), "1,234,567");
    assert_eq!(grouped(-4321.0), "0");
}

#[test]
fn the_table_and_the_json_show_each_scenario() {
    let counts: Vec<_> = scenarios()
        .into_iter()
        .zip([
            count(1206, 185_484_722),
            count(900, 265_500_000),
            count(300, 150_000_000),
            count(200, 200_000_000),
            count(0, 1),
        ])
        .collect();
    let table = table(&counts, &["Pinned.".to_owned()]);
    assert!(
        table.contains("| chat completions, non-streaming | 1,206 | 153,802 |\n"),
        "{table}"
    );
    assert!(table.contains("| 900 | 295,000 |\n"), "{table}");
    assert!(
        table.contains(
            "| Responses streamed, translated from a chat stream (20 chunks) | 200 | 1,000,000 |\n"
        ),
        "{table}"
    );
    assert!(table.contains("| 0 | — |\n"), "{table}");
    assert!(table.ends_with("\nPinned.\n"), "{table}");
    let machine = Machine {
        cpu_model: "CPU \"x\"".to_owned(),
        cpus: 2,
        kernel: "6.1".to_owned(),
        load_average: 0.0,
    };
    let json = json(
        &counts,
        &machine,
        "valgrind-3.19.0",
        "2026-11-22 03:49 UTC",
        true,
    );
    assert!(json.contains("\"pinned\": true,\n"), "{json}");
    assert!(json.contains("\"cpu_model\": \"CPU \\\"x\\\"\""), "{json}");
    assert!(
        json.contains(
            "\"scenario\": \"responses\", \"counted\": \"gateway\", \"path\": \"/v1/responses\", \
             \"request\": \"responses\", \"model\": \"responses/bench\", \
             \"requests\": 900, \"instructions\": 265500000, \
             \"instructions_per_request\": 295000.0}"
        ),
        "{json}"
    );
    assert!(
        json.contains("\"instructions_per_request\": null}\n  ]\n}\n"),
        "{json}"
    );
}
