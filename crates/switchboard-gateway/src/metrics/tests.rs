//! Tests of the metrics: record, render, then read the text back as a scraper would.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use super::{BreakerState, CONTENT_TYPE, Metrics, RequestOutcome};

/// One sample line: metric name, labels, value.
#[derive(Debug, Clone, PartialEq)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

/// A scrape read back: the family types from `# TYPE` lines, and every sample.
#[derive(Debug, Default)]
struct Scrape {
    types: HashMap<String, String>,
    samples: Vec<Sample>,
}

impl Scrape {
    /// Parses Prometheus text format 0.0.4, checking what a strict parser checks: every
    /// sample belongs to the family declared just above it, under the names that format
    /// allows (a counter's samples carry the family's own name).
    fn parse(text: &str) -> Self {
        let mut scrape = Scrape::default();
        let mut current: Option<(String, String)> = None;
        for line in text.lines() {
            if let Some(descriptor) = line.strip_prefix("# TYPE ") {
                let (name, kind) = descriptor.split_once(' ').unwrap();
                assert!(
                    ["counter", "gauge", "histogram", "summary", "untyped"].contains(&kind),
                    "type {kind} is not in the 0.0.4 format"
                );
                scrape.types.insert(name.to_owned(), kind.to_owned());
                current = Some((name.to_owned(), kind.to_owned()));
                continue;
            }
            if let Some(help) = line.strip_prefix("# HELP ") {
                let name = help.split(' ').next().unwrap();
                assert!(
                    !scrape.types.contains_key(name),
                    "HELP of {name} after its TYPE: {line}"
                );
                continue;
            }
            assert!(!line.starts_with('#'), "unexpected comment line: {line}");
            assert!(!line.is_empty(), "empty line in the exposition");
            let sample = parse_sample(line);
            let (family, kind) = current.as_ref().expect("a sample before any TYPE line");
            let allowed: Vec<String> = match kind.as_str() {
                "histogram" => ["_bucket", "_sum", "_count"]
                    .iter()
                    .map(|suffix| format!("{family}{suffix}"))
                    .collect(),
                _ => vec![family.clone()],
            };
            assert!(
                allowed.contains(&sample.name),
                "sample {} under family {family} ({kind})",
                sample.name
            );
            scrape.samples.push(sample);
        }
        scrape
    }

    /// The value of the one sample named `name` whose labels include all of `labels`.
    fn value(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        let matching: Vec<&Sample> = self
            .samples
            .iter()
            .filter(|sample| {
                sample.name == name
                    && labels.iter().all(|(key, value)| {
                        sample.labels.get(*key).map(String::as_str) == Some(value)
                    })
            })
            .collect();
        assert_eq!(
            matching.len(),
            1,
            "expected one sample {name}{labels:?}, found {matching:?}"
        );
        matching[0].value
    }

    /// How many samples are named `name`.
    fn count(&self, name: &str) -> usize {
        self.samples
            .iter()
            .filter(|sample| sample.name == name)
            .count()
    }

    /// A histogram bucket's cumulative count, by its upper bound.
    fn bucket(&self, name: &str, labels: &[(&str, &str)], le: f64) -> f64 {
        let bucket = format!("{name}_bucket");
        let matching: Vec<&Sample> = self
            .samples
            .iter()
            .filter(|sample| {
                sample.name == bucket
                    && sample.labels.get("le").map(|bound| parse_value(bound)) == Some(le)
                    && labels.iter().all(|(key, value)| {
                        sample.labels.get(*key).map(String::as_str) == Some(value)
                    })
            })
            .collect();
        assert_eq!(
            matching.len(),
            1,
            "bucket {name}{labels:?} le={le}: {matching:?}"
        );
        matching[0].value
    }
}

fn parse_value(text: &str) -> f64 {
    match text {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        "NaN" => f64::NAN,
        _ => text
            .parse()
            .unwrap_or_else(|_| panic!("bad number {text:?}")),
    }
}

/// `name{key="value",...} value`, with `\\`, `\"` and `\n` escapes in label values.
fn parse_sample(line: &str) -> Sample {
    let name_end = line.find(['{', ' ']).unwrap();
    let name = line[..name_end].to_owned();
    let mut labels = BTreeMap::new();
    let mut rest = &line[name_end..];
    if let Some(after) = rest.strip_prefix('{') {
        let mut chars = after.char_indices();
        let mut key = String::new();
        let end = loop {
            let (at, c) = chars.next().expect("unterminated label set");
            match c {
                '}' => break at,
                ',' => {}
                '=' => {
                    assert_eq!(chars.next().map(|(_, c)| c), Some('"'));
                    let mut value = String::new();
                    loop {
                        match chars.next().expect("unterminated label value").1 {
                            '"' => break,
                            '\\' => match chars.next().unwrap().1 {
                                'n' => value.push('\n'),
                                other => value.push(other),
                            },
                            other => value.push(other),
                        }
                    }
                    labels.insert(std::mem::take(&mut key), value);
                }
                other => key.push(other),
            }
        };
        rest = &after[end + 1..];
    }
    let value = rest.strip_prefix(' ').expect("no space before the value");
    assert!(!value.contains(' '), "timestamp or exemplar in {line:?}");
    Sample {
        name,
        labels,
        value: parse_value(value),
    }
}

fn chat(model: &'static str, provider: &'static str) -> RequestOutcome<'static> {
    RequestOutcome {
        model,
        provider,
        endpoint: "chat_completions",
        ..RequestOutcome::default()
    }
}

#[test]
fn an_empty_registry_renders_nothing() {
    assert_eq!(Metrics::new().render(), "");
    assert_eq!(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
}

#[test]
fn requests_are_counted_by_their_labels() {
    let metrics = Metrics::new();
    let ok = chat("gpt-4o", "openai");
    metrics.request(&ok);
    metrics.request(&ok);
    metrics.request(&RequestOutcome {
        status: 503,
        error_class: "transient",
        stream: true,
        ..ok
    });

    let scrape = Scrape::parse(&metrics.render());
    assert_eq!(scrape.types["switchboard_requests_total"], "counter");
    let ok_labels = [
        ("model", "gpt-4o"),
        ("provider", "openai"),
        ("endpoint", "chat_completions"),
        ("status", "200"),
        ("error_class", "none"),
        ("stream", "false"),
    ];
    assert_eq!(scrape.value("switchboard_requests_total", &ok_labels), 2.0);
    let failed = [
        ("status", "503"),
        ("error_class", "transient"),
        ("stream", "true"),
    ];
    assert_eq!(scrape.value("switchboard_requests_total", &failed), 1.0);
    assert_eq!(scrape.count("switchboard_requests_total"), 2);
}

#[test]
fn durations_land_in_their_buckets() {
    let metrics = Metrics::new();
    metrics.request(&RequestOutcome {
        stream: true,
        total: Duration::from_millis(1500),
        first_token: Some(Duration::from_millis(400)),
        overhead: Some(Duration::from_micros(30)),
        ..chat("gpt-4o", "openai")
    });
    metrics.request(&RequestOutcome {
        stream: true,
        total: Duration::from_secs(90),
        first_token: Some(Duration::from_secs(20)),
        ..chat("gpt-4o", "openai")
    });

    let scrape = Scrape::parse(&metrics.render());
    let name = "switchboard_request_duration_seconds";
    assert_eq!(scrape.types[name], "histogram");
    let labels = [("model", "gpt-4o"), ("stream", "true")];
    assert_eq!(scrape.value(&format!("{name}_count"), &labels), 2.0);
    assert_eq!(scrape.value(&format!("{name}_sum"), &labels), 91.5);
    assert_eq!(scrape.bucket(name, &labels, 1.0), 0.0);
    assert_eq!(scrape.bucket(name, &labels, 2.5), 1.0);
    assert_eq!(scrape.bucket(name, &labels, 60.0), 1.0);
    assert_eq!(scrape.bucket(name, &labels, 120.0), 2.0);
    assert_eq!(scrape.bucket(name, &labels, f64::INFINITY), 2.0);

    let ttft = "switchboard_time_to_first_token_seconds";
    let target = [("model", "gpt-4o"), ("provider", "openai")];
    assert_eq!(scrape.bucket(ttft, &target, 0.3), 0.0);
    assert_eq!(scrape.bucket(ttft, &target, 0.5), 1.0);
    assert_eq!(scrape.bucket(ttft, &target, 15.0), 1.0);
    assert_eq!(scrape.bucket(ttft, &target, 30.0), 2.0);

    // Only the first request reported its overhead: 30 µs, between 25 and 50 µs.
    let overhead = "switchboard_overhead_seconds";
    let endpoint = [("endpoint", "chat_completions")];
    assert_eq!(scrape.value(&format!("{overhead}_count"), &endpoint), 1.0);
    assert_eq!(scrape.bucket(overhead, &endpoint, 0.000_025), 0.0);
    assert_eq!(scrape.bucket(overhead, &endpoint, 0.000_05), 1.0);
    assert_eq!(scrape.bucket(overhead, &endpoint, 0.000_01), 0.0);
}

#[test]
fn tokens_are_split_by_direction_and_source() {
    let metrics = Metrics::new();
    metrics.request(&RequestOutcome {
        prompt_tokens: 1000,
        cached_tokens: 600,
        completion_tokens: 50,
        ..chat("gpt-4o", "openai")
    });
    metrics.request(&RequestOutcome {
        prompt_tokens: 10,
        completion_tokens: 7,
        estimated: true,
        ..chat("gpt-4o", "openai")
    });

    let scrape = Scrape::parse(&metrics.render());
    let name = "switchboard_tokens_total";
    let reported = |direction| [("direction", direction), ("estimated", "false")];
    assert_eq!(scrape.value(name, &reported("input")), 400.0);
    assert_eq!(scrape.value(name, &reported("cached_input")), 600.0);
    assert_eq!(scrape.value(name, &reported("output")), 50.0);
    let estimated = |direction| [("direction", direction), ("estimated", "true")];
    assert_eq!(scrape.value(name, &estimated("input")), 10.0);
    assert_eq!(scrape.value(name, &estimated("output")), 7.0);
    // No cached tokens in the estimated request: no series for them.
    assert_eq!(scrape.count(name), 5);
}

#[test]
fn the_cost_counter_sums_floats() {
    let metrics = Metrics::new();
    for cost in [
        Some(0.1),
        Some(0.2),
        None,
        Some(f64::NAN),
        Some(-1.0),
        Some(0.000_125),
    ] {
        metrics.request(&RequestOutcome {
            cost_usd: cost,
            ..chat("gpt-4o", "openai")
        });
    }
    metrics.request(&RequestOutcome {
        cost_usd: Some(2.5),
        ..chat("claude", "anthropic")
    });

    let scrape = Scrape::parse(&metrics.render());
    let name = "switchboard_cost_usd_total";
    assert_eq!(scrape.types[name], "counter");
    let openai = scrape.value(name, &[("model", "gpt-4o"), ("provider", "openai")]);
    assert!((openai - 0.300_125).abs() < 1e-12, "{openai}");
    assert_eq!(scrape.value(name, &[("model", "claude")]), 2.5);
}

#[test]
fn retries_fallbacks_breakers_and_limits_are_recorded() {
    let metrics = Metrics::new();
    metrics.retry("gpt-4o", "openai", "transient");
    metrics.retry("gpt-4o", "openai", "transient");
    metrics.retry("gpt-4o", "azure", "per_key");
    metrics.fallback("gpt-4o", "claude");
    metrics.breaker("openai", "east", BreakerState::Open);
    metrics.breaker("openai", "west", BreakerState::Open);
    metrics.breaker("openai", "west", BreakerState::HalfOpen);
    metrics.breaker("azure", "main", BreakerState::Closed);
    metrics.limit_hit("rpm", "key");
    metrics.limit_hit("rpm", "key");
    metrics.limit_hit("budget", "model");
    metrics.inter_token("gpt-4o", "openai", Duration::from_millis(40));

    let scrape = Scrape::parse(&metrics.render());
    let retries = "switchboard_retries_total";
    let transient = [("provider", "openai"), ("error_class", "transient")];
    assert_eq!(scrape.value(retries, &transient), 2.0);
    assert_eq!(scrape.value(retries, &[("error_class", "per_key")]), 1.0);
    let fallbacks = [("from_model", "gpt-4o"), ("to_model", "claude")];
    assert_eq!(scrape.value("switchboard_fallbacks_total", &fallbacks), 1.0);

    let breaker = "switchboard_breaker_state";
    assert_eq!(scrape.types[breaker], "gauge");
    assert_eq!(scrape.value(breaker, &[("deployment", "east")]), 2.0);
    assert_eq!(scrape.value(breaker, &[("deployment", "west")]), 1.0);
    assert_eq!(scrape.value(breaker, &[("deployment", "main")]), 0.0);

    let limits = "switchboard_limit_hits_total";
    assert_eq!(
        scrape.value(limits, &[("limit", "rpm"), ("scope", "key")]),
        2.0
    );
    assert_eq!(
        scrape.value(limits, &[("limit", "budget"), ("scope", "model")]),
        1.0
    );

    let gaps = "switchboard_inter_token_seconds";
    assert_eq!(scrape.bucket(gaps, &[("model", "gpt-4o")], 0.03), 0.0);
    assert_eq!(scrape.bucket(gaps, &[("model", "gpt-4o")], 0.05), 1.0);
}

#[test]
fn in_flight_returns_to_zero_after_drop() {
    let metrics = Metrics::new();
    let gauge = "switchboard_in_flight_requests";
    let target = [("model", "gpt-4o"), ("provider", "openai")];
    let first = metrics.in_flight("gpt-4o", "openai");
    let second = metrics.in_flight("gpt-4o", "openai");
    let scrape = Scrape::parse(&metrics.render());
    assert_eq!(scrape.types[gauge], "gauge");
    assert_eq!(scrape.value(gauge, &target), 2.0);

    drop(first);
    assert_eq!(Scrape::parse(&metrics.render()).value(gauge, &target), 1.0);
    drop(second);
    assert_eq!(Scrape::parse(&metrics.render()).value(gauge, &target), 0.0);
}

#[test]
fn many_threads_give_exact_counts() {
    const THREADS: usize = 8;
    const PER_THREAD: usize = 500;
    let metrics = Arc::new(Metrics::new());
    let workers: Vec<_> = (0..THREADS)
        .map(|worker| {
            let metrics = Arc::clone(&metrics);
            thread::spawn(move || {
                // Two models, so threads both share series and create them concurrently.
                let model = if worker % 2 == 0 { "even" } else { "odd" };
                for _ in 0..PER_THREAD {
                    let _guard = metrics.in_flight(model, "openai");
                    metrics.request(&RequestOutcome {
                        prompt_tokens: 3,
                        completion_tokens: 2,
                        cost_usd: Some(0.25),
                        total: Duration::from_millis(100),
                        ..chat(model, "openai")
                    });
                    metrics.retry(model, "openai", "transient");
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().unwrap();
    }

    let scrape = Scrape::parse(&metrics.render());
    let per_model = (THREADS / 2 * PER_THREAD) as f64;
    for model in ["even", "odd"] {
        let target = [("model", model)];
        assert_eq!(
            scrape.value("switchboard_requests_total", &target),
            per_model
        );
        assert_eq!(
            scrape.value("switchboard_retries_total", &target),
            per_model
        );
        assert_eq!(
            scrape.value("switchboard_request_duration_seconds_count", &target),
            per_model
        );
        let input = [("model", model), ("direction", "input")];
        assert_eq!(
            scrape.value("switchboard_tokens_total", &input),
            3.0 * per_model
        );
        let output = [("model", model), ("direction", "output")];
        assert_eq!(
            scrape.value("switchboard_tokens_total", &output),
            2.0 * per_model
        );
        // 0.25 and its multiples are exact in binary, so the float sum is exact too.
        assert_eq!(
            scrape.value("switchboard_cost_usd_total", &target),
            0.25 * per_model
        );
        assert_eq!(scrape.value("switchboard_in_flight_requests", &target), 0.0);
    }
}

#[test]
fn label_values_are_escaped() {
    let metrics = Metrics::new();
    metrics.fallback("a\"b", "c\\d\ne");
    let scrape = Scrape::parse(&metrics.render());
    let labels = [("from_model", "a\"b"), ("to_model", "c\\d\ne")];
    assert_eq!(scrape.value("switchboard_fallbacks_total", &labels), 1.0);
}

#[test]
fn counters_are_named_with_total_in_their_descriptors() {
    let metrics = Metrics::new();
    metrics.limit_hit("tpm", "model");
    let text = metrics.render();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[0].starts_with("# HELP switchboard_limit_hits_total Requests refused"));
    assert_eq!(lines[1], "# TYPE switchboard_limit_hits_total counter");
    assert_eq!(
        lines[2],
        r#"switchboard_limit_hits_total{limit="tpm",scope="model"} 1"#
    );
}

#[test]
fn openmetrics_keeps_its_own_names_and_ends_with_eof() {
    let metrics = Metrics::new();
    metrics.limit_hit("tpm", "model");
    let text = metrics.render_openmetrics();
    assert!(
        text.contains("# TYPE switchboard_limit_hits counter\n"),
        "{text}"
    );
    assert!(text.ends_with("# EOF\n"), "{text}");
}

#[test]
fn help_texts_end_with_one_period() {
    let metrics = Metrics::new();
    metrics.request(&chat("gpt-4o", "openai"));
    let text = metrics.render();
    let helps: Vec<&str> = text
        .lines()
        .filter(|line| line.starts_with("# HELP "))
        .collect();
    assert!(!helps.is_empty());
    for help in helps {
        assert!(help.ends_with('.') && !help.ends_with(".."), "{help}");
    }
}

#[test]
fn openmetrics_only_lines_are_rewritten_or_dropped() {
    let open_metrics = "\
# HELP jobs Jobs done.
# TYPE jobs counter
jobs_total{kind=\"a\"} 3
# HELP queue_seconds Wait.
# TYPE queue_seconds gauge
# UNIT queue_seconds seconds
queue_seconds 1.5
# HELP odd Something.
# TYPE odd unknown
odd 2
# EOF
";
    let expected = "\
# HELP jobs_total Jobs done.
# TYPE jobs_total counter
jobs_total{kind=\"a\"} 3
# HELP queue_seconds Wait.
# TYPE queue_seconds gauge
queue_seconds 1.5
# HELP odd Something.
# TYPE odd untyped
odd 2
";
    assert_eq!(
        super::exposition::to_prometheus_text(open_metrics),
        expected
    );
}
