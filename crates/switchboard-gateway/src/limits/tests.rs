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

// ---- Persistence: export_dirty / import, and the saver over a real state database. ----

/// A wall-clock time for the saves in these tests (any will do).
const SAVED_AT: i64 = 1_700_000_000_000;

fn set_on(counters: &Arc<MemoryCounters>, limits: Limits) -> LimitSet {
    LimitSet::new(ScopeKind::Key, "team-a", limits, counters.clone()).unwrap()
}

fn rpm(n: u32) -> Limits {
    Limits {
        rpm: Some(n),
        ..Limits::default()
    }
}

/// Exports every dirty scope of `from` at `SAVED_AT` and imports it into fresh counters,
/// `later_ms` of wall time afterwards.
fn restart(from: &MemoryCounters, at: Instant, later_ms: i64, now: Instant) -> Arc<MemoryCounters> {
    let to = Arc::new(MemoryCounters::new());
    for (scope, state) in from.export_dirty(SAVED_AT, at) {
        to.import(&scope, &state, SAVED_AT, SAVED_AT + later_ms, now)
            .unwrap();
    }
    to
}

#[test]
fn requests_used_before_a_restart_stay_used() {
    let before = Arc::new(MemoryCounters::new());
    let t0 = Instant::now();
    let s = set_on(&before, rpm(2));
    assert!(s.admit(t0).is_ok() && s.admit(t0).is_ok());
    let after = restart(&before, t0, 0, t0);
    let (kind, err) = refused(set_on(&after, rpm(2)).admit(t0));
    assert_eq!(kind, LimitKind::Rpm);
    assert_eq!(err.retry_after(), Some(Duration::from_secs(30)));
}

#[test]
fn wall_time_since_the_save_is_credited() {
    let t0 = Instant::now();
    let before = Arc::new(MemoryCounters::new());
    let s = set_on(&before, rpm(2));
    assert!(s.admit(t0).is_ok() && s.admit(t0).is_ok());
    let state = before.export_dirty(SAVED_AT, t0).pop().unwrap().1;
    // 2 per minute = one every 30 s: 29 s of downtime is not enough, 30 s is.
    let after = Arc::new(MemoryCounters::new());
    after
        .import("key:team-a", &state, SAVED_AT, SAVED_AT + 29_000, t0)
        .unwrap();
    assert!(set_on(&after, rpm(2)).admit(t0).is_err());
    after
        .import("key:team-a", &state, SAVED_AT, SAVED_AT + 30_000, t0)
        .unwrap();
    let s = set_on(&after, rpm(2));
    assert!(s.admit(t0).is_ok());
    assert!(s.admit(t0).is_err());
}

#[test]
fn a_tpm_charge_survives_a_restart() {
    let limits = Limits {
        tpm: Some(600),
        ..Limits::default()
    };
    let t0 = Instant::now();
    let before = Arc::new(MemoryCounters::new());
    set_on(&before, limits)
        .admit(t0)
        .ok()
        .unwrap()
        .charge(900, t0);
    let after = restart(&before, t0, 0, t0);
    let (kind, err) = refused(set_on(&after, limits).admit(t0));
    assert_eq!(kind, LimitKind::Tpm);
    // 300 tokens in debt at 10 tokens/s.
    let wait = err.retry_after().unwrap();
    assert!(
        wait >= Duration::from_secs(30) && wait <= Duration::from_secs(31),
        "{wait:?}"
    );
}

#[test]
fn the_minimum_interval_survives_a_restart() {
    let limits = Limits {
        min_interval: Some(Duration::from_secs(5)),
        ..Limits::default()
    };
    let t0 = Instant::now();
    let before = Arc::new(MemoryCounters::new());
    assert!(set_on(&before, limits).admit(t0).is_ok());
    // Saved 2 s after the admission, restored 1 s after the save: 3 s ago, 2 s to wait.
    let later = t0 + Duration::from_secs(10);
    let after = restart(&before, t0 + Duration::from_secs(2), 1_000, later);
    let (kind, err) = refused(set_on(&after, limits).admit(later));
    assert_eq!(kind, LimitKind::MinInterval);
    assert_eq!(err.retry_after(), Some(Duration::from_secs(2)));
}

#[test]
fn export_returns_only_changed_scopes_and_clears_them() {
    let counters = Arc::new(MemoryCounters::new());
    let t0 = Instant::now();
    let key = set_on(&counters, rpm(1));
    let model = LimitSet::new(ScopeKind::Model, "m", rpm(5), counters.clone()).unwrap();
    let only_concurrency = LimitSet::new(
        ScopeKind::Model,
        "c",
        Limits {
            concurrency: Some(3),
            ..Limits::default()
        },
        counters.clone(),
    )
    .unwrap();
    drop(only_concurrency.admit(t0).ok().unwrap());
    assert!(key.admit(t0).is_ok() && model.admit(t0).is_ok());
    let mut scopes: Vec<_> = counters
        .export_dirty(SAVED_AT, t0)
        .into_iter()
        .map(|(scope, _)| scope)
        .collect();
    scopes.sort();
    assert_eq!(scopes, ["key:team-a", "model:m"]);
    assert!(counters.export_dirty(SAVED_AT, t0).is_empty());
    // A refusal changes nothing worth saving.
    assert!(key.admit(t0).is_err());
    assert!(counters.export_dirty(SAVED_AT, t0).is_empty());
    assert!(model.admit(t0).is_ok());
    let exported = counters.export_dirty(SAVED_AT, t0);
    assert_eq!(exported.len(), 1);
    assert_eq!(exported[0].0, "model:m");
    assert_eq!(
        exported[0].1,
        serde_json::json!({"requests": {"level": 3.0, "capacity": 5.0}})
    );
}

#[test]
fn bad_saved_state_is_refused_and_leaves_the_scope_alone() {
    let t0 = Instant::now();
    let counters = Arc::new(MemoryCounters::new());
    let good = serde_json::json!({"requests": {"level": 0.0, "capacity": 2.0}});
    counters
        .import("key:team-a", &good, SAVED_AT, SAVED_AT, t0)
        .unwrap();
    for bad in [
        serde_json::json!("nope"),
        serde_json::json!(null),
        serde_json::json!({"requests": {"level": "x", "capacity": 2.0}}),
        serde_json::json!({"requests": {"level": 1.0}}),
        serde_json::json!({"requests": {"level": 1.0, "capacity": 0.0}}),
        serde_json::json!({"requests": {"level": 1.0, "capacity": -5.0}}),
        // One good bucket does not let a bad one in.
        serde_json::json!({"requests": {"level": 2.0, "capacity": 2.0},
                           "tokens": {"level": 1.0, "capacity": -1.0}}),
    ] {
        let result = counters.import("key:team-a", &bad, SAVED_AT, SAVED_AT, t0);
        assert!(result.is_err(), "{bad} was accepted");
    }
    // Still the good state: empty.
    assert_eq!(
        refused(set_on(&counters, rpm(2)).admit(t0)).0,
        LimitKind::Rpm
    );
    // A level above the capacity is cut to it.
    let over = serde_json::json!({"requests": {"level": 50.0, "capacity": 2.0}});
    counters
        .import("key:team-a", &over, SAVED_AT, SAVED_AT, t0)
        .unwrap();
    let s = set_on(&counters, rpm(2));
    assert!(s.admit(t0).is_ok() && s.admit(t0).is_ok());
    assert!(s.admit(t0).is_err());
}

#[test]
fn a_limit_changed_across_a_restart_keeps_the_used_fraction() {
    let t0 = Instant::now();
    // Raised: 2 of 2 used becomes 60 of 60 used, refilling one a second.
    let before = Arc::new(MemoryCounters::new());
    let s = set_on(&before, rpm(2));
    assert!(s.admit(t0).is_ok() && s.admit(t0).is_ok());
    let after = restart(&before, t0, 0, t0);
    let s = set_on(&after, rpm(60));
    let (_, err) = refused(s.admit(t0));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(1)));
    assert!(s.admit(t0 + Duration::from_secs(1)).is_ok());
    // Lowered: 50 of 100 used becomes 5 of 10 used.
    let before = Arc::new(MemoryCounters::new());
    let s = set_on(&before, rpm(100));
    for _ in 0..50 {
        assert!(s.admit(t0).is_ok());
    }
    let after = restart(&before, t0, 0, t0);
    let s = set_on(&after, rpm(10));
    for _ in 0..5 {
        assert!(s.admit(t0).is_ok());
    }
    assert_eq!(refused(s.admit(t0)).0, LimitKind::Rpm);
}

mod store {
    use switchboard_state::{Database, MEMORY, now_ms};

    use super::*;

    #[tokio::test]
    async fn counters_round_trip_through_the_database() {
        let db = Database::open(MEMORY).await.unwrap();
        let store = db.counters();
        let before = Arc::new(MemoryCounters::new());
        let saver = spawn_saver(before.clone(), store.clone(), Duration::from_secs(3600));
        let s = set_on(&before, rpm(2));
        let now = Instant::now();
        assert!(s.admit(now).is_ok() && s.admit(now).is_ok());
        assert_eq!(saver.flush().await, 1);
        let saved = store.load("key:team-a").await.unwrap().unwrap();
        assert_eq!(saved.state["requests"]["capacity"], 2.0);

        // A row too old to matter and one that cannot be read: neither is restored.
        store
            .save("key:old", &saved.state, now_ms() - 11 * 60 * 1000)
            .await
            .unwrap();
        store
            .save("key:bad", &serde_json::json!("nope"), now_ms())
            .await
            .unwrap();
        let after = MemoryCounters::new();
        assert_eq!(restore(&after, &store).await.unwrap(), 1);
        assert!(store.load("key:old").await.unwrap().is_none(), "not pruned");
        let after = Arc::new(after);
        assert!(set_on(&after, rpm(2)).admit(Instant::now()).is_err());
    }

    #[tokio::test]
    async fn the_saver_saves_on_its_own_and_stops_when_dropped() {
        let db = Database::open(MEMORY).await.unwrap();
        let store = db.counters();
        let counters = Arc::new(MemoryCounters::new());
        let saver = spawn_saver(counters.clone(), store.clone(), Duration::ZERO);
        assert!(set_on(&counters, rpm(2)).admit(Instant::now()).is_ok());
        let deadline = Instant::now() + Duration::from_secs(10);
        while store.load("key:team-a").await.unwrap().is_none() {
            assert!(Instant::now() < deadline, "never saved");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        drop(saver);
        // The task held the other reference to the counters.
        while Arc::strong_count(&counters) > 1 {
            assert!(Instant::now() < deadline, "the task outlived its saver");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    #[tokio::test]
    async fn a_failed_save_is_retried() {
        let db = Database::open(MEMORY).await.unwrap();
        let counters = Arc::new(MemoryCounters::new());
        let saver = spawn_saver(counters.clone(), db.counters(), Duration::from_secs(3600));
        assert!(set_on(&counters, rpm(2)).admit(Instant::now()).is_ok());
        db.close().await;
        assert_eq!(saver.flush().await, 0);
        assert!(db.write_failures() >= 1);
        let again = counters.export_dirty(now_ms(), Instant::now());
        assert_eq!(again.len(), 1, "the scope was not marked again");
    }
}
