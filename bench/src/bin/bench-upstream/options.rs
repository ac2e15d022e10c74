//! What one request asks of the upstream: how many content chunks, and how long before each.
//!
//! The defaults come from the command line. A request overrides them with the headers
//! `x-bench-chunks` and `x-bench-delay-ms`, or with words in its model name:
//! `bench/chunks=50/delay_ms=5`. The gateway forwards no client header upstream but does
//! forward the model name (the route `*` sends it as is), so the load generator uses the
//! model name, which works the same straight at the upstream and through the gateway.

use std::time::Duration;

use http::HeaderMap;

/// How one stream is paced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Content chunks between the role chunk and the finish chunk.
    pub chunks: u32,
    /// The pause before each content chunk.
    pub delay: Duration,
}

impl Options {
    /// These options changed by the model name's `key=value` words, then by the headers.
    /// Unknown words and unparsable values are ignored.
    pub fn for_request(self, model: &str, headers: &HeaderMap) -> Self {
        let mut options = self;
        for word in model.split('/') {
            if let Some((key, value)) = word.split_once('=') {
                options.set(key, value);
            }
        }
        for (key, name) in [
            ("chunks", "x-bench-chunks"),
            ("delay_ms", "x-bench-delay-ms"),
        ] {
            if let Some(value) = headers.get(name).and_then(|v| v.to_str().ok()) {
                options.set(key, value);
            }
        }
        options
    }

    /// Sets `key` (`chunks` or `delay_ms`) from `value`, if it parses.
    fn set(&mut self, key: &str, value: &str) {
        match key {
            "chunks" => {
                if let Ok(n) = value.trim().parse() {
                    self.chunks = n;
                }
            }
            "delay_ms" => {
                if let Ok(ms) = value.trim().parse() {
                    self.delay = Duration::from_millis(ms);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEFAULTS: Options = Options {
        chunks: 20,
        delay: Duration::ZERO,
    };

    #[test]
    fn the_model_name_and_headers_override_the_defaults() {
        let none = HeaderMap::new();
        assert_eq!(DEFAULTS.for_request("bench", &none), DEFAULTS);
        let named = DEFAULTS.for_request("bench/chunks=3/delay_ms=7/colour=red", &none);
        assert_eq!(named.chunks, 3);
        assert_eq!(named.delay, Duration::from_millis(7));
        let mut headers = HeaderMap::new();
        headers.insert("x-bench-delay-ms", "9".parse().unwrap());
        let both = DEFAULTS.for_request("bench/chunks=3/delay_ms=7", &headers);
        assert_eq!((both.chunks, both.delay), (3, Duration::from_millis(9)));
        assert_eq!(DEFAULTS.for_request("bench/chunks=x", &none), DEFAULTS);
    }
}
