//! Times as the store keeps them: milliseconds since the Unix epoch, UTC.

use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch (UTC), the unit of every `*_at` column.
pub type UnixMillis = i64;

/// Milliseconds in a day.
const DAY_MS: i64 = 86_400_000;

/// The current time in milliseconds since the Unix epoch. A clock set before 1970 reads
/// as 0.
pub fn now_ms() -> UnixMillis {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// The UTC calendar day of `at` as `YYYY-MM-DD` (the `day` of usage aggregations).
pub fn utc_day(at: UnixMillis) -> String {
    let (y, m, d) = civil_from_days(at.div_euclid(DAY_MS));
    format!("{y:04}-{m:02}-{d:02}")
}

/// Midnight UTC of `at`'s day (where a daily budget's period starts).
pub fn utc_day_start(at: UnixMillis) -> UnixMillis {
    at - at.rem_euclid(DAY_MS)
}

/// Midnight UTC of the first day of `at`'s month (where a monthly budget's period starts).
pub fn utc_month_start(at: UnixMillis) -> UnixMillis {
    let (year, month, _) = civil_from_days(at.div_euclid(DAY_MS));
    days_from_civil(year, i64::from(month), 1) * DAY_MS
}

/// Days from 1970-01-01 to a proleptic Gregorian date, month 1–12 (Howard Hinnant's
/// `days_from_civil`, public domain; the inverse of [`civil_from_days`]).
pub fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400); // [0, 399]
    let mp = (month + 9) % 12; // March is 0
    let doy = (153 * mp + 2) / 5 + day - 1; // [0, 365]
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; // [0, 146096]
    era * 146_097 + doe - 719_468
}

/// Year, month, day of the day `days` after 1970-01-01 in the proleptic Gregorian
/// calendar (Howard Hinnant's `civil_from_days`, public domain).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11]
    let day = doy - (153 * mp + 2) / 5 + 1; // [1, 31]
    let month = if mp < 10 { mp + 3 } else { mp - 9 }; // [1, 12]
    let year = yoe + era * 400 + i64::from(month <= 2);
    // Both are in range by construction ([1, 31] and [1, 12]).
    (year, day_or_month(month), day_or_month(day))
}

fn day_or_month(v: i64) -> u32 {
    u32::try_from(v).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_utc_calendar_days() {
        assert_eq!(utc_day(0), "1970-01-01");
        assert_eq!(utc_day(DAY_MS - 1), "1970-01-01");
        assert_eq!(utc_day(DAY_MS), "1970-01-02");
        assert_eq!(utc_day(-1), "1969-12-31");
        // 2024-02-29T12:00:00Z (a leap day) and 2000-03-01T00:00:00Z.
        assert_eq!(utc_day(1_709_208_000_000), "2024-02-29");
        assert_eq!(utc_day(951_868_800_000), "2000-03-01");
        assert_eq!(utc_day(1_735_689_599_999), "2024-12-31");
    }

    #[test]
    fn periods_start_at_midnight_utc() {
        // 2026-11-21T20:30:00Z
        let now = 1_795_293_000_000;
        assert_eq!(utc_day_start(now), 1_795_219_200_000); // 2026-11-21T00:00:00Z
        assert_eq!(utc_month_start(now), 1_793_491_200_000); // 2026-11-01T00:00:00Z
        let march = days_from_civil(2024, 3, 1) * DAY_MS;
        assert_eq!(utc_month_start(march), march);
        assert_eq!(
            utc_month_start(march - 1),
            days_from_civil(2024, 2, 1) * DAY_MS
        );
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(civil_from_days(days_from_civil(2024, 2, 29)), (2024, 2, 29));
    }

    #[test]
    fn now_is_after_2020() {
        assert!(now_ms() > 1_577_836_800_000);
    }
}
