//! Retries and fallbacks: one request tried on a model's deployments, then on its fallback
//! models, until one commits a response or nothing is left.
//!
//! The rules, each failure classified once by [`GatewayError::class`]:
//! - `transient` (429, 5xx, refused connection, timeout): retried, preferring a deployment
//!   not yet tried; before going back to one that failed, wait an exponential backoff with
//!   full jitter, or its `Retry-After` if longer. A `Retry-After` over
//!   `routing.max_retry_after` is not waited for: that deployment is cooled down for it.
//! - `per_key` (401, 402, 403, spent quota): the deployment is cooled down and another is
//!   tried at once.
//! - `context_window`: only fallbacks with a larger context window; `content_filter`: only
//!   the content-policy fallbacks; `caller` and `policy`: returned as they are.
//!
//! One budget (`routing.retries`) covers the whole chain: each retry after a transient
//! failure takes one, on whichever model. Moving on after a per-key failure, and the first
//! attempt on each fallback model, are not retries. An attempt succeeds when the handler
//! commits (for a stream, once the upstream's first event is here), so a stream that
//! fails before its first byte still falls back.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use switchboard_core::{ErrorClass, GatewayError};
use tokio::time::Instant;

use crate::Gateway;
use crate::access_log::RequestLog;
use crate::call::Call;
use crate::config::secs;
use crate::limits::ScopeKind;
use crate::routing::{Deployment, ModelRoute, Resolved, Router, balance};

/// One attempt's target, as the handler sees it.
pub(crate) struct Target<'a> {
    /// The model route being tried (its policy applies to the body).
    pub(crate) route: &'a Arc<ModelRoute>,
    /// The id to send upstream.
    pub(crate) upstream_model: Arc<str>,
}

/// The future of one attempt (boxed: one small allocation per attempt, so the handlers'
/// futures stay `Send` without higher-ranked closure bounds).
pub(crate) type AttemptFuture<'a, T> =
    Pin<Box<dyn Future<Output = Result<T, GatewayError>> + Send + 'a>>;

/// What a handler does on each attempt: serve the request on `call`'s provider, returning
/// once the response is committed (or failed before commit).
pub(crate) trait Attempt: Send {
    /// What a committed attempt gives.
    type Output;

    /// Tries once.
    fn attempt<'a>(
        &'a mut self,
        call: &'a Call,
        target: Target<'a>,
        log: &'a mut RequestLog,
    ) -> AttemptFuture<'a, Self::Output>;
}

/// Implements [`Attempt`] for an endpoint's attempt type that has
/// `async fn serve(&self, &Call, Target<'_>, &mut RequestLog) -> Result<Response<ResponseBody>, GatewayError>`.
macro_rules! attempt_by_serve {
    ($ty:ident) => {
        impl $crate::failover::Attempt for $ty<'_> {
            type Output = http::Response<$crate::body::ResponseBody>;

            fn attempt<'a>(
                &'a mut self,
                call: &'a $crate::call::Call,
                target: $crate::failover::Target<'a>,
                log: &'a mut $crate::access_log::RequestLog,
            ) -> $crate::failover::AttemptFuture<'a, Self::Output> {
                Box::pin(self.serve(call, target, log))
            }
        }
    };
}
pub(crate) use attempt_by_serve;

/// Which fallback list applies after a model is given up.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Next {
    /// The model's fallbacks, then the global ones.
    Fallbacks,
    /// Only fallbacks with a larger context window than `window`.
    LargerWindow(u64),
    /// The content-policy fallbacks.
    ContentPolicy,
}

/// Runs `attempt` for `model` through retries and fallbacks. `attempt` returns once the
/// response is committed (or failed before commit).
pub(crate) async fn run<T>(
    gateway: &Gateway,
    model: &str,
    log: &mut RequestLog,
    mut attempt: impl Attempt<Output = T>,
) -> Result<T, GatewayError> {
    log.model = Some(model.to_owned());
    let router = gateway.router();
    let primary = router
        .resolve(model)
        .ok_or_else(|| GatewayError::model_not_found(model))?;
    if let Some(key) = &log.key
        && !key.may_use(model)
    {
        return Err(GatewayError::model_not_found(model));
    }
    let settings = &gateway.inner.routing;
    let request_start = Instant::now();
    let mut retries_left = settings.retries;
    let mut chain: VecDeque<Resolved> = VecDeque::from([primary.clone()]);
    let mut visited: Vec<Arc<str>> = vec![primary.route.name.clone()];
    chain.extend(fallbacks(
        gateway,
        &router,
        &primary.route,
        Next::Fallbacks,
        &visited,
    ));
    visited.clear();
    let mut last_error: Option<GatewayError> = None;
    let mut last_failed_transient = false;

    while let Some(resolved) = chain.pop_front() {
        let route = resolved.route.clone();
        visited.push(route.name.clone());
        let is_fallback = visited.len() > 1;
        if is_fallback {
            gateway.metrics().fallback(&primary.route.name, &route.name);
        }
        match admit_model(gateway, &route, log) {
            Ok(()) => {}
            Err(err) => {
                last_error = Some(err);
                continue;
            }
        }
        let deployments = &route.deployments;
        let mut tries = vec![0u32; deployments.len()];
        let mut excluded = vec![false; deployments.len()];
        // Set when the previous attempt failed transiently on this deployment: going back
        // to it waits this long first.
        let mut wait_before: Option<(usize, Duration)> = None;
        loop {
            let now = Instant::now();
            let per = settings.attempts_per_deployment;
            let usable = |i: usize, fresh_only: bool| {
                !excluded[i] && tries[i] < per && (!fresh_only || tries[i] == 0)
            };
            let picked = balance::pick(deployments, |i| usable(i, true), settings.balance, now)
                .or_else(|| {
                    balance::pick(deployments, |i| usable(i, false), settings.balance, now)
                });
            // Panic mode: when every deployment of the last model left is cooling down and
            // nothing was tried yet, try one anyway. A breaker routes around a failing
            // deployment; with nowhere else to go, the upstream's own answer is better
            // than a refusal from the gateway.
            let picked = picked.or_else(|| {
                let last_resort = chain.is_empty() && log.attempts == 0;
                last_resort.then(|| pick_ignoring_breakers(deployments, &excluded))?
            });
            let Some((index, deployment)) = picked else {
                if tries.iter().all(|t| *t == 0) && last_error.is_none() {
                    last_error = Some(cooling_down(&route, now));
                }
                break;
            };
            if last_failed_transient && tries.iter().any(|t| *t > 0) {
                // A retry after a transient failure takes one from the budget; without
                // budget, this model is given up (a fallback's first attempt is free).
                if retries_left == 0 {
                    break;
                }
                retries_left -= 1;
                gateway.metrics().retry(
                    &route.name,
                    &deployment.provider.name,
                    ErrorClass::Transient.as_str(),
                );
            }
            if let Some((failed, wait)) = wait_before.take()
                && failed == index
                && !wait.is_zero()
            {
                let total = route
                    .total_timeout
                    .unwrap_or(deployment.provider.total_timeout);
                if now + wait >= request_start + total {
                    break;
                }
                tokio::time::sleep(wait).await;
                // Backoff is time spent on the upstream's account, not the gateway's.
                crate::upstream_clock::add(wait);
            }
            let now = Instant::now();
            let guard = if deployment.health.breaker.available(now) {
                let Ok(guard) = deployment.start(now) else {
                    // The breaker turned it away (another request took the probe).
                    excluded[index] = true;
                    continue;
                };
                guard
            } else {
                deployment.start_anyway(now)
            };
            tries[index] += 1;
            log.attempts += 1;
            log.fallback = is_fallback;
            log.route = Some(route.name.clone());
            log.provider = Some(deployment.provider.name.clone());
            log.deployment = Some(deployment.label.clone());
            log.prices = route.prices;
            log.in_flight = Some(
                gateway
                    .metrics()
                    .in_flight(&route.name, &deployment.provider.name),
            );
            // The guard rides in the log: a stream takes both along when it commits, and
            // reports its end (or its failure) when the log line is written.
            log.attempt = Some(guard);
            let call = Call::new(
                deployment.provider.clone(),
                &route,
                log.request_id.clone(),
                request_start,
            );
            let target = Target {
                route: &route,
                upstream_model: resolved.upstream_model(deployment),
            };
            let err = match attempt.attempt(&call, target, log).await {
                Ok(value) => {
                    if let Some(guard) = &mut log.attempt {
                        guard.succeeded(Instant::now());
                    }
                    return Ok(value);
                }
                Err(err) => err,
            };
            let Some(mut guard) = log.attempt.take() else {
                return Err(err);
            };
            let class = err.class();
            let now = Instant::now();
            tracing::debug!(
                request_id = %log.request_id,
                deployment = %deployment.label,
                class = class.as_str(),
                error = %err,
                "attempt failed"
            );
            last_failed_transient = false;
            match class {
                ErrorClass::Caller | ErrorClass::Policy => {
                    // The upstream (if it was reached) is alive; the request is at fault.
                    guard.succeeded(now);
                    return Err(err);
                }
                ErrorClass::Transient => {
                    last_failed_transient = true;
                    let max_wait = secs(settings.max_retry_after);
                    match err.retry_after() {
                        Some(asked) if asked > max_wait => {
                            guard.cool_down(now, asked);
                            excluded[index] = true;
                        }
                        asked => {
                            guard.failed(now);
                            let backoff = backoff(settings, tries[index]);
                            wait_before = Some((index, asked.unwrap_or_default().max(backoff)));
                        }
                    }
                }
                ErrorClass::PerKey => {
                    guard.cool_down(now, secs(settings.breaker_cooldown));
                    excluded[index] = true;
                }
                ErrorClass::ContextWindow => {
                    guard.succeeded(now);
                    let next = Next::LargerWindow(route.context_window.unwrap_or(0));
                    chain = fallbacks(gateway, &router, &primary.route, next, &visited).into();
                    last_error = Some(err);
                    break;
                }
                ErrorClass::ContentFilter => {
                    guard.succeeded(now);
                    chain = fallbacks(
                        gateway,
                        &router,
                        &primary.route,
                        Next::ContentPolicy,
                        &visited,
                    )
                    .into();
                    last_error = Some(err);
                    break;
                }
            }
            last_error = Some(err);
        }
    }
    Err(last_error.unwrap_or_else(|| GatewayError::internal("no deployment could be tried")))
}

/// Admits the request under `route`'s limits (a fallback model's own, too).
fn admit_model(
    gateway: &Gateway,
    route: &ModelRoute,
    log: &mut RequestLog,
) -> Result<(), GatewayError> {
    // A model given up for a fallback is not billed for what the fallback serves.
    log.permits.retain(|p| p.kind() == ScopeKind::Key);
    let Some(limits) = &route.limits else {
        return Ok(());
    };
    match limits.admit(Instant::now()) {
        Ok(permit) => {
            log.permits.push(permit);
            Ok(())
        }
        Err((kind, err)) => {
            gateway
                .metrics()
                .limit_hit(kind.as_str(), limits.kind().as_str());
            Err(err)
        }
    }
}

/// The fallback models for `primary` after it failed the `next` way, skipping visited ones,
/// from `router`: the table the request started with, so one request never mixes two.
fn fallbacks(
    gateway: &Gateway,
    router: &Router,
    primary: &ModelRoute,
    next: Next,
    visited: &[Arc<str>],
) -> Vec<Resolved> {
    let global = &gateway.inner.routing;
    let names: Vec<&String> = match next {
        Next::Fallbacks | Next::LargerWindow(_) => {
            primary.fallbacks.iter().chain(&global.fallbacks).collect()
        }
        Next::ContentPolicy => primary
            .content_policy_fallbacks
            .iter()
            .chain(&global.content_policy_fallbacks)
            .collect(),
    };
    let mut out: Vec<Resolved> = Vec::new();
    for name in names {
        let Some(resolved) = router.resolve_exactly(name) else {
            continue;
        };
        let route = &resolved.route;
        if visited.contains(&route.name) || out.iter().any(|r| r.route.name == route.name) {
            continue;
        }
        if let Next::LargerWindow(window) = next
            && route.context_window.is_none_or(|w| w <= window)
        {
            continue;
        }
        out.push(resolved);
    }
    out
}

/// Any deployment not excluded, breakers ignored (the best priority, then by weight).
fn pick_ignoring_breakers<'d>(
    deployments: &'d [Arc<Deployment>],
    excluded: &[bool],
) -> Option<(usize, &'d Arc<Deployment>)> {
    (0..deployments.len())
        .filter(|i| !excluded[*i])
        .min_by_key(|i| {
            (
                deployments[*i].priority,
                std::cmp::Reverse(deployments[*i].weight),
            )
        })
        .map(|i| (i, &deployments[i]))
}

/// The delay before retry number `tries` on one deployment: exponential with full jitter.
fn backoff(settings: &crate::config::RoutingConfig, tries: u32) -> Duration {
    let base = secs(settings.backoff_base).as_secs_f64();
    let cap = secs(settings.backoff_max).as_secs_f64();
    let ceiling = (base * 2f64.powi(tries.saturating_sub(1).min(30) as i32)).min(cap);
    Duration::from_secs_f64(ceiling * fastrand::f64())
}

/// The error when every deployment of a model is cooling down and none was tried.
fn cooling_down(route: &ModelRoute, now: Instant) -> GatewayError {
    let soonest = route
        .deployments
        .iter()
        .map(|d| d.health.breaker.retry_in(now))
        .min()
        .unwrap_or_default();
    let wait = soonest.as_secs_f64().ceil().max(1.0);
    GatewayError::unavailable(format!(
        "Every deployment of model `{}` is cooling down after failures; try again in {wait}s.",
        route.name
    ))
    .with_code("deployments_unavailable")
    .with_retry_after(Duration::from_secs_f64(wait))
    .with_class(ErrorClass::Transient)
}
