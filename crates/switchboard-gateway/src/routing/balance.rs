//! Picking one deployment of a model: the best priority that has an available deployment,
//! then, within it, power of two choices by weight (the less loaded of two random picks) or
//! a plain weighted draw.

use std::sync::Arc;

use tokio::time::Instant;

use super::deployment::Deployment;
use crate::config::Balance;

/// Picks a deployment among `deployments` whose index `usable` accepts and whose breaker
/// lets a request through now; `None` when there is none.
pub fn pick(
    deployments: &[Arc<Deployment>],
    usable: impl Fn(usize) -> bool,
    strategy: Balance,
    now: Instant,
) -> Option<(usize, &Arc<Deployment>)> {
    let available = |i: &usize| usable(*i) && deployments[*i].health.breaker.available(now);
    let best = (0..deployments.len())
        .filter(available)
        .map(|i| deployments[i].priority)
        .min()?;
    let tier: Vec<usize> = (0..deployments.len())
        .filter(|i| deployments[*i].priority == best && available(i))
        .collect();
    let chosen = match tier.as_slice() {
        [only] => *only,
        _ => match strategy {
            Balance::Weighted => weighted_draw(deployments, &tier, None)?,
            Balance::PeakEwma => two_choices(deployments, &tier, |d| d.health.cost())?,
            Balance::LeastInFlight => {
                two_choices(deployments, &tier, |d| f64::from(d.health.in_flight()))?
            }
        },
    };
    Some((chosen, &deployments[chosen]))
}

/// Two distinct weighted draws; the one with the lower load per unit of weight wins (ties
/// go to the first draw, which is random).
fn two_choices(
    deployments: &[Arc<Deployment>],
    tier: &[usize],
    load: impl Fn(&Deployment) -> f64,
) -> Option<usize> {
    let a = weighted_draw(deployments, tier, None)?;
    let b = weighted_draw(deployments, tier, Some(a))?;
    let per_weight = |i: usize| load(&deployments[i]) / f64::from(deployments[i].weight.max(1));
    Some(if per_weight(b) < per_weight(a) { b } else { a })
}

/// A draw in proportion to the weights, leaving out `except`.
fn weighted_draw(
    deployments: &[Arc<Deployment>],
    tier: &[usize],
    except: Option<usize>,
) -> Option<usize> {
    let weight = |i: &usize| u64::from(deployments[*i].weight.max(1));
    let candidates = || tier.iter().filter(|i| Some(**i) != except);
    let total: u64 = candidates().map(weight).sum();
    if total == 0 {
        return None;
    }
    let mut ticket = fastrand::u64(0..total);
    for i in candidates() {
        let w = weight(i);
        if ticket < w {
            return Some(*i);
        }
        ticket -= w;
    }
    None
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::routing::breaker::Breaker;
    use crate::routing::deployment::Health;
    use crate::routing::tests::provider;

    fn deployment(weight: u32, priority: u32) -> Arc<Deployment> {
        Arc::new(Deployment {
            label: format!("d{weight}-{priority}").into(),
            provider: provider("p"),
            upstream: None,
            weight,
            priority,
            health: Health::new(Breaker::new(1, Duration::from_secs(60))),
        })
    }

    fn counts(ds: &[Arc<Deployment>], strategy: Balance, n: usize) -> Vec<usize> {
        let mut counts = vec![0; ds.len()];
        let now = Instant::now();
        for _ in 0..n {
            let (i, _) = pick(ds, |_| true, strategy, now).unwrap();
            counts[i] += 1;
        }
        counts
    }

    #[test]
    fn weights_share_the_traffic() {
        fastrand::seed(7);
        let ds = [deployment(3, 0), deployment(1, 0)];
        let c = counts(&ds, Balance::Weighted, 4000);
        assert!((2800..3200).contains(&c[0]), "{c:?}");
    }

    #[test]
    fn a_lower_priority_serves_only_when_the_better_one_is_unavailable() {
        let ds = [deployment(1, 0), deployment(1, 1)];
        assert_eq!(counts(&ds, Balance::PeakEwma, 100), [100, 0]);
        ds[0].health.breaker.failure(Instant::now());
        assert_eq!(counts(&ds, Balance::PeakEwma, 100), [0, 100]);
        let now = Instant::now();
        assert_eq!(
            pick(&ds, |i| i != 1, Balance::PeakEwma, now).map(|p| p.0),
            None
        );
    }

    #[test]
    fn peak_ewma_prefers_the_faster_deployment() {
        fastrand::seed(11);
        let ds = [deployment(1, 0), deployment(1, 0)];
        let now = Instant::now();
        ds[0].health.observe(Duration::from_millis(400), now);
        ds[1].health.observe(Duration::from_millis(40), now);
        let c = counts(&ds, Balance::PeakEwma, 1000);
        // Two choices: the slow one wins only when drawn twice, which cannot happen with
        // two distinct draws out of two.
        assert_eq!(c, [0, 1000]);
    }

    #[test]
    fn least_in_flight_prefers_the_idle_deployment() {
        let ds = [deployment(1, 0), deployment(1, 0)];
        let now = Instant::now();
        let _busy = [ds[0].start(now).unwrap(), ds[0].start(now).unwrap()];
        assert_eq!(counts(&ds, Balance::LeastInFlight, 200), [0, 200]);
    }
}
