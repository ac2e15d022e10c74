//! Query strings of admin reads: `name=value` pairs, `%XX` and `+` decoded, each name
//! known to the endpoint and given at most once.

use switchboard_core::GatewayError;

use super::invalid;

/// The decoded pairs of a query string, checked against the names an endpoint knows.
#[derive(Debug, Default)]
pub(super) struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    /// Parses `query` (the part after `?`), refusing a name not in `known` (a 400 naming
    /// it, so a typo is not silently ignored) or given twice.
    pub(super) fn parse(query: &str, known: &[&str]) -> Result<Self, GatewayError> {
        let mut pairs: Vec<(String, String)> = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let (name, value) = (decode(name), decode(value));
            if !known.contains(&name.as_str()) {
                return Err(GatewayError::invalid_request(format!(
                    "unknown query parameter `{name}`; this endpoint takes {}",
                    known.join(", ")
                ))
                .with_param(name)
                .with_code("unknown_parameter"));
            }
            if pairs.iter().any(|(n, _)| *n == name) {
                return Err(invalid(&name, "is given more than once"));
            }
            pairs.push((name, value));
        }
        Ok(Self { pairs })
    }

    /// The value of `name`; `None` when absent or empty (`?model=` means no filter).
    pub(super) fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }

    /// The value of `name` as a time (see `time.rs`), or a 400 naming it.
    pub(super) fn time(&self, name: &str) -> Result<Option<i64>, GatewayError> {
        self.get(name)
            .map(|v| {
                super::time::parse(v).ok_or_else(|| {
                    invalid(
                        name,
                        "must be an RFC 3339 time (2025-07-01T00:00:00Z), a date (2025-07-01) \
                         or Unix milliseconds",
                    )
                })
            })
            .transpose()
    }
}

/// Decodes a query name or value: `+` is a space, `%XX` an escape.
pub(super) fn decode(s: &str) -> String {
    percent_decode(s, true)
}

/// Decodes `%XX` escapes (and `+` as a space when `plus_is_space`: in a query, not in a
/// path); invalid escapes stay as they are.
pub(super) fn percent_decode(s: &str, plus_is_space: bool) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' if plus_is_space => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                        continue;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
