//! Reading what `bench-load` prints: one flat JSON object whose values are all numbers,
//! `{"requests":1234,"latency_p50_us":87,...}`. A parser for just that shape keeps xtask
//! std only.

use std::collections::BTreeMap;

/// Named numbers from one load run.
pub type Figures = BTreeMap<String, f64>;

/// Parses a flat JSON object of numbers (the last non-empty line of `text`, so that
/// anything printed before it is ignored).
pub fn parse_figures(text: &str) -> Result<Figures, String> {
    let line = text
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .ok_or("bench-load printed nothing")?
        .trim();
    let inner = line
        .strip_prefix('{')
        .and_then(|l| l.strip_suffix('}'))
        .ok_or_else(|| format!("not a JSON object: {line}"))?;
    let mut figures = Figures::new();
    for field in inner.split(',').filter(|f| !f.trim().is_empty()) {
        let (name, value) = field
            .split_once(':')
            .ok_or_else(|| format!("not a `\"name\":number` field: {field}"))?;
        let name = name
            .trim()
            .strip_prefix('"')
            .and_then(|n| n.strip_suffix('"'))
            .ok_or_else(|| format!("not a quoted name: {name}"))?;
        let value: f64 = value
            .trim()
            .parse()
            .map_err(|_| format!("`{name}` is not a number: {value}"))?;
        figures.insert(name.to_owned(), value);
    }
    Ok(figures)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_last_line_as_a_flat_object() {
        let text = "warming up\n{\"requests\":120,\"rps\":2873.5,\"latency_p50_us\":971}\n";
        let figures = parse_figures(text).unwrap();
        assert_eq!(figures.get("requests"), Some(&120.0));
        assert_eq!(figures.get("rps"), Some(&2873.5));
        assert_eq!(figures.len(), 3);
    }

    #[test]
    fn refuses_what_is_not_a_flat_object_of_numbers() {
        assert!(parse_figures("").is_err());
        assert!(parse_figures("[1,2]").is_err());
        assert!(parse_figures("{\"a\":\"x\"}").is_err());
        assert!(parse_figures("{a:1}").is_err());
        assert_eq!(parse_figures("{}").unwrap().len(), 0);
    }
}
