use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use super::*;

fn set(limits: Limits) -> LimitSet {
    LimitSet::new(
        ScopeKind::Key,
        "team-a",
        limits,
        Arc::new(MemoryCounters::new()),
    )
    .unwrap()
}

fn refused(result: Result<LimitPermit, (LimitKind, GatewayError)>) -> (LimitKind, GatewayError) {
    match result {
        Ok(_) => panic!("admitted"),
        Err(e) => e,
    }
}

#[test]
fn no_limits_is_no_set() {
    assert!(
        LimitSet::new(
            ScopeKind::Model,
            "m",
            Limits::default(),
            Arc::new(MemoryCounters::new())
        )
        .is_none()
    );
}

#[test]
fn rpm_admits_exactly_the_limit_then_refills_at_its_rate() {
    let s = set(Limits {
        rpm: Some(3),
        ..Limits::default()
    });
    let t0 = Instant::now();
    let permits: Vec<_> = (0..3).map(|_| s.admit(t0).ok().unwrap()).collect();
    let (kind, err) = refused(s.admit(t0));
    assert_eq!(kind, LimitKind::Rpm);
    assert_eq!(err.status(), 429);
    assert_eq!(err.code(), Some("rate_limit_exceeded"));
    assert_eq!(err.class(), ErrorClass::Policy);
    assert!(err.message().contains("team-a"), "{}", err.message());
    assert!(
        err.message().contains("(RPM): Limit 3"),
        "{}",
        err.message()
    );
    // 3 per minute = one every 20 s.
    assert_eq!(err.retry_after(), Some(Duration::from_secs(20)));
    assert!(s.admit(t0 + Duration::from_secs(19)).is_err());
    assert!(s.admit(t0 + Duration::from_secs(20)).is_ok());
    drop(permits);
}

#[test]
fn tpm_is_charged_after_the_fact_and_refuses_once_spent() {
    let s = set(Limits {
        tpm: Some(600),
        ..Limits::default()
    });
    let t0 = Instant::now();
    let permit = s.admit(t0).ok().unwrap();
    permit.charge(900, t0);
    let (kind, err) = refused(s.admit(t0));
    assert_eq!(kind, LimitKind::Tpm);
    assert_eq!(err.kind(), "tokens");
    // 300 tokens in debt at 10 tokens/s: about 30 s.
    let wait = err.retry_after().unwrap();
    assert!(
        wait >= Duration::from_secs(30) && wait <= Duration::from_secs(31),
        "{wait:?}"
    );
    assert!(s.admit(t0 + Duration::from_secs(29)).is_err());
    assert!(s.admit(t0 + Duration::from_secs(31)).is_ok());
}

#[test]
fn concurrency_counts_permits_in_hand() {
    let s = set(Limits {
        concurrency: Some(2),
        ..Limits::default()
    });
    let t0 = Instant::now();
    let a = s.admit(t0).ok().unwrap();
    let _b = s.admit(t0).ok().unwrap();
    assert_eq!(refused(s.admit(t0)).0, LimitKind::Concurrency);
    drop(a);
    assert!(s.admit(t0).is_ok());
}

#[test]
fn min_interval_spaces_requests() {
    let s = set(Limits {
        min_interval: Some(Duration::from_secs(5)),
        ..Limits::default()
    });
    let t0 = Instant::now();
    assert!(s.admit(t0).is_ok());
    let (kind, err) = refused(s.admit(t0 + Duration::from_secs(2)));
    assert_eq!(kind, LimitKind::MinInterval);
    assert_eq!(err.retry_after(), Some(Duration::from_secs(3)));
    assert!(s.admit(t0 + Duration::from_secs(5)).is_ok());
}

#[test]
fn a_refusal_takes_nothing_from_the_other_limits() {
    let s = set(Limits {
        rpm: Some(10),
        concurrency: Some(1),
        ..Limits::default()
    });
    let t0 = Instant::now();
    let held = s.admit(t0).ok().unwrap();
    for _ in 0..20 {
        assert_eq!(refused(s.admit(t0)).0, LimitKind::Concurrency);
    }
    drop(held);
    // Nine request tokens are still there.
    for _ in 0..9 {
        drop(s.admit(t0).ok().unwrap());
    }
    assert_eq!(refused(s.admit(t0)).0, LimitKind::Rpm);
}

#[test]
fn many_threads_never_exceed_the_limit() {
    let s = set(Limits {
        rpm: Some(100),
        ..Limits::default()
    });
    let t0 = Instant::now();
    let admitted = std::sync::atomic::AtomicU32::new(0);
    std::thread::scope(|scope| {
        for _ in 0..8 {
            scope.spawn(|| {
                for _ in 0..50 {
                    if let Ok(p) = s.admit(t0) {
                        admitted.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        drop(p);
                    }
                }
            });
        }
    });
    assert_eq!(admitted.into_inner(), 100);
}
