//! The sides of a comparison: which way a load run goes (straight at the upstream, through
//! the bare proxy, through the gateway), which side a row measures against which baseline,
//! and the runs of an interleaved scenario, side by side and round by round.

use super::load::Figures;

/// Which way a load run goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// Straight at the upstream.
    Direct,
    /// Through `bench-proxy`, the bare reverse proxy: what any proxy costs on this machine.
    Proxy,
    /// Through the gateway.
    Gateway,
}

impl Side {
    /// The side's name in the JSON file and the logs: `direct`, `proxy` or `gateway`.
    pub fn name(self) -> &'static str {
        match self {
            Side::Direct => "direct",
            Side::Proxy => "proxy",
            Side::Gateway => "gateway",
        }
    }

    /// The side's name in the table: `direct`, `bare proxy` or `gateway`.
    pub fn label(self) -> &'static str {
        match self {
            Side::Direct => "direct",
            Side::Proxy => "bare proxy",
            Side::Gateway => "gateway",
        }
    }
}

/// What a row compares: the `measured` side against its `baseline`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sides {
    /// The side the row is about.
    pub measured: Side,
    /// The side it is compared with.
    pub baseline: Side,
}

impl Sides {
    /// The gateway against the same load sent straight to the upstream: what it adds.
    pub const GATEWAY_VS_DIRECT: Sides = Sides {
        measured: Side::Gateway,
        baseline: Side::Direct,
    };

    /// The bare proxy against the direct load: the floor, what any proxy adds here.
    pub const PROXY_VS_DIRECT: Sides = Sides {
        measured: Side::Proxy,
        baseline: Side::Direct,
    };

    /// The gateway against the bare proxy: the gateway's own share, above the floor.
    pub const GATEWAY_VS_PROXY: Sides = Sides {
        measured: Side::Gateway,
        baseline: Side::Proxy,
    };

    /// `gateway vs direct`, `bare proxy vs direct` or `gateway vs bare proxy`.
    pub fn label(self) -> String {
        format!("{} vs {}", self.measured.label(), self.baseline.label())
    }
}

/// The runs of an interleaved scenario: each side's figures in round order, so that run
/// `n` of one side was made moments before or after run `n` of another.
#[derive(Debug, Default)]
pub struct Rounds {
    /// The runs straight at the upstream.
    direct: Vec<Figures>,
    /// The runs through the bare proxy (none when it was not measured).
    proxy: Vec<Figures>,
    /// The runs through the gateway.
    gateway: Vec<Figures>,
}

impl Rounds {
    /// Adds `side`'s run of the next round.
    pub fn push(&mut self, side: Side, figures: Figures) {
        match side {
            Side::Direct => self.direct.push(figures),
            Side::Proxy => self.proxy.push(figures),
            Side::Gateway => self.gateway.push(figures),
        }
    }

    /// `side`'s runs, in round order.
    pub fn of(&self, side: Side) -> &[Figures] {
        match side {
            Side::Direct => &self.direct,
            Side::Proxy => &self.proxy,
            Side::Gateway => &self.gateway,
        }
    }

    /// The runs of the two sides of `sides`.
    pub fn pair(&self, sides: Sides) -> Pair<'_> {
        Pair {
            sides,
            baseline: self.of(sides.baseline),
            measured: self.of(sides.measured),
        }
    }

    /// The comparisons to report, in table order: the gateway against the direct runs,
    /// then, when the bare proxy ran, the proxy against the direct runs and the gateway
    /// against the proxy.
    pub fn comparisons(&self) -> Vec<Sides> {
        let mut all = vec![Sides::GATEWAY_VS_DIRECT];
        if !self.proxy.is_empty() {
            all.extend([Sides::PROXY_VS_DIRECT, Sides::GATEWAY_VS_PROXY]);
        }
        all
    }
}

/// Two sides' runs of the same rounds, for one comparison.
#[derive(Debug, Clone, Copy)]
pub struct Pair<'a> {
    /// Which side is measured against which.
    pub sides: Sides,
    /// The baseline's runs, in round order.
    pub baseline: &'a [Figures],
    /// The measured side's runs, in round order.
    pub measured: &'a [Figures],
}

impl<'a> Pair<'a> {
    /// `measured` against `baseline`, both in round order, for `sides`.
    pub fn new(sides: Sides, baseline: &'a [Figures], measured: &'a [Figures]) -> Self {
        Self {
            sides,
            baseline,
            measured,
        }
    }

    /// For each round where both sides have a finite `value`: measured − baseline.
    pub fn differences(&self, value: impl Fn(&Figures) -> Option<f64>) -> Vec<f64> {
        self.per_round(value, |baseline, measured| Some(measured - baseline))
    }

    /// For each round where both sides have a finite `value` and the baseline's is above
    /// zero: measured ÷ baseline.
    pub fn ratios(&self, value: impl Fn(&Figures) -> Option<f64>) -> Vec<f64> {
        self.per_round(value, |baseline, measured| {
            (baseline > 0.0).then(|| measured / baseline)
        })
    }

    /// `combine(baseline, measured)` of `value` in each round where both runs have it; a
    /// round that one side lacks is skipped, so a round is never set against another.
    fn per_round(
        &self,
        value: impl Fn(&Figures) -> Option<f64>,
        combine: impl Fn(f64, f64) -> Option<f64>,
    ) -> Vec<f64> {
        let finite = |figures: &Figures| value(figures).filter(|v| v.is_finite());
        self.baseline
            .iter()
            .zip(self.measured)
            .filter_map(|(b, m)| combine(finite(b)?, finite(m)?))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(latency: Option<f64>) -> Figures {
        let mut figures = Figures::new();
        if let Some(latency) = latency {
            figures.insert("p50".to_owned(), latency);
        }
        figures
    }

    fn rounds(sides: &[(Side, &[Option<f64>])]) -> Rounds {
        let mut rounds = Rounds::default();
        for (side, values) in sides {
            for value in *values {
                rounds.push(*side, run(*value));
            }
        }
        rounds
    }

    fn p50(figures: &Figures) -> Option<f64> {
        figures.get("p50").copied()
    }

    #[test]
    fn differences_set_each_round_against_the_same_round() {
        let rounds = rounds(&[
            (Side::Direct, &[Some(100.0), Some(300.0), Some(200.0)]),
            (Side::Proxy, &[Some(150.0), None, Some(260.0)]),
            (Side::Gateway, &[Some(400.0), Some(500.0), Some(290.0)]),
        ]);
        let gateway = rounds.pair(Sides::GATEWAY_VS_DIRECT);
        assert_eq!(gateway.differences(p50), [300.0, 200.0, 90.0]);
        // The proxy's second round has no figure: that round is left out, and the third
        // proxy round is still compared with the third direct round, not the second.
        let proxy = rounds.pair(Sides::PROXY_VS_DIRECT);
        assert_eq!(proxy.differences(p50), [50.0, 60.0]);
        let own = rounds.pair(Sides::GATEWAY_VS_PROXY);
        assert_eq!(own.differences(p50), [250.0, 30.0]);
        assert_eq!(own.baseline.len(), 3);
    }

    #[test]
    fn ratios_skip_a_zero_baseline() {
        let rounds = rounds(&[
            (Side::Proxy, &[Some(0.0), Some(200.0)]),
            (Side::Gateway, &[Some(50.0), Some(100.0)]),
        ]);
        let own = rounds.pair(Sides::GATEWAY_VS_PROXY);
        assert_eq!(own.ratios(p50), [0.5]);
        assert_eq!(own.differences(p50), [50.0, -100.0]);
        let nan = |_: &Figures| Some(f64::NAN);
        assert!(own.differences(nan).is_empty());
    }

    #[test]
    fn the_proxy_comparisons_come_only_with_proxy_runs() {
        let without = rounds(&[(Side::Direct, &[Some(1.0)]), (Side::Gateway, &[Some(2.0)])]);
        assert_eq!(without.comparisons(), [Sides::GATEWAY_VS_DIRECT]);
        let with = rounds(&[
            (Side::Direct, &[Some(1.0)]),
            (Side::Proxy, &[Some(1.5)]),
            (Side::Gateway, &[Some(2.0)]),
        ]);
        assert_eq!(
            with.comparisons(),
            [
                Sides::GATEWAY_VS_DIRECT,
                Sides::PROXY_VS_DIRECT,
                Sides::GATEWAY_VS_PROXY
            ]
        );
        assert_eq!(Sides::GATEWAY_VS_PROXY.label(), "gateway vs bare proxy");
        assert_eq!(Side::Proxy.name(), "proxy");
    }
}
