//! `switchboard doctor`: loads the configuration (and the providers and models created at
//! run time, when the state database exists), makes the same minimal call to every
//! provider a route uses, and prints a table of what works and what does not, with the
//! likely fix for the common mistakes. Exit 0 when every provider answered, 1 otherwise.

use std::process::ExitCode;

use switchboard_gateway::Gateway;
use switchboard_gateway::probe::ProbeReport;

/// Runs the probes and prints the table.
pub fn run(gateway: &Gateway) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("switchboard: {e}");
            return ExitCode::FAILURE;
        }
    };
    let reports = runtime.block_on(async {
        // An existing database's catalog is checked too; a missing one is not created.
        let path = gateway.state().path();
        if path != ":memory:" && std::path::Path::new(path).exists() {
            match gateway.reload_catalog().await {
                // What was left out is said, so a provider the shell's master key cannot
                // open does not pass unnoticed.
                Ok(notes) => notes.iter().for_each(|n| println!("note: {n}")),
                Err(e) => {
                    eprintln!(
                        "note: providers and models created at run time are not checked: {e}"
                    );
                }
            }
        }
        gateway.probe_all().await
    });
    if reports.is_empty() {
        println!("no route uses a provider: nothing to check");
        return ExitCode::SUCCESS;
    }
    print!("{}", table(&reports));
    if reports.iter().all(ProbeReport::ok) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// The report as a plain-text table, then the fixes.
fn table(reports: &[ProbeReport]) -> String {
    let rows: Vec<[String; 4]> = reports
        .iter()
        .map(|r| {
            let result = match &r.error {
                None => format!("ok, {} ms", r.latency.as_millis()),
                Some(e) => format!(
                    "FAILED: HTTP {}{}",
                    e.status,
                    e.code
                        .as_deref()
                        .map(|c| format!(" {c}"))
                        .unwrap_or_default()
                ),
            };
            [
                r.provider.clone(),
                r.kind.to_owned(),
                r.call.clone(),
                result,
            ]
        })
        .collect();
    let header = ["provider", "kind", "call", "result"];
    let widths: Vec<usize> = (0..4)
        .map(|i| {
            rows.iter()
                .map(|row| row[i].len())
                .chain([header[i].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: [&str; 4]| {
        let mut out = String::new();
        for (i, cell) in cells.iter().enumerate() {
            out.push_str(&format!("{cell:<width$}", width = widths[i] + 2));
        }
        out.trim_end().to_owned() + "\n"
    };
    let mut out = line(header);
    for row in &rows {
        out.push_str(&line([&row[0], &row[1], &row[2], &row[3]]));
    }
    for r in reports {
        if let Some(e) = &r.error {
            out.push_str(&format!("\n{}: {}\n", r.provider, e.message));
            if let Some(hint) = e.hint {
                out.push_str(&format!("  fix: {hint}\n"));
            }
        }
    }
    out
}
