//! A usage report as CSV (RFC 4180: comma-separated, CRLF line ends, fields with a comma,
//! quote or line break quoted).

use super::aggregate::{GroupBy, UsageRow};

/// The report `rows` (grouped by `group_by`, as passed to `aggregate`) as CSV: a header
/// line naming the group columns then the totals, and one line per row.
pub fn to_csv(rows: &[UsageRow], group_by: &[GroupBy]) -> String {
    let mut by: Vec<GroupBy> = Vec::with_capacity(group_by.len());
    for g in group_by {
        if !by.contains(g) {
            by.push(*g);
        }
    }
    let mut out = String::new();
    let mut header: Vec<&str> = by.iter().map(|g| g.as_str()).collect();
    header.extend([
        "requests",
        "errors",
        "prompt_tokens",
        "completion_tokens",
        "cached_tokens",
        "cost_usd",
        "latency_p50_ms",
        "latency_p95_ms",
        "latency_p99_ms",
    ]);
    out.push_str(&header.join(","));
    out.push_str("\r\n");
    for row in rows {
        let mut fields: Vec<String> = by
            .iter()
            .map(|g| {
                let value = match g {
                    GroupBy::Key => &row.key_id,
                    GroupBy::Model => &row.model,
                    GroupBy::Provider => &row.provider,
                    GroupBy::Day => &row.day,
                };
                escape(value.as_deref().unwrap_or(""))
            })
            .collect();
        fields.extend([
            row.requests.to_string(),
            row.errors.to_string(),
            row.prompt_tokens.to_string(),
            row.completion_tokens.to_string(),
            row.cached_tokens.to_string(),
            row.cost_usd.to_string(),
            row.latency_p50_ms.to_string(),
            row.latency_p95_ms.to_string(),
            row.latency_p99_ms.to_string(),
        ]);
        out.push_str(&fields.join(","));
        out.push_str("\r\n");
    }
    out
}

fn escape(field: &str) -> String {
    if field.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_then_one_line_per_row_with_quoting() {
        let rows = vec![
            UsageRow {
                model: Some("gpt-4o".into()),
                requests: 2,
                errors: 1,
                prompt_tokens: 10,
                completion_tokens: 5,
                cost_usd: 0.25,
                latency_p50_ms: 100,
                latency_p95_ms: 200,
                latency_p99_ms: 200,
                ..UsageRow::default()
            },
            UsageRow {
                model: Some("a,\"b\"".into()),
                requests: 1,
                ..UsageRow::default()
            },
        ];
        let csv = to_csv(&rows, &[GroupBy::Model, GroupBy::Model]);
        assert_eq!(
            csv,
            "model,requests,errors,prompt_tokens,completion_tokens,cached_tokens,cost_usd,\
             latency_p50_ms,latency_p95_ms,latency_p99_ms\r\n\
             gpt-4o,2,1,10,5,0,0.25,100,200,200\r\n\
             \"a,\"\"b\"\"\",1,0,0,0,0,0,0,0,0\r\n"
        );
    }
}
