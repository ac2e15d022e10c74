//! [`CachedTime`]: the log's timestamps, written as tracing-subscriber's `SystemTime`
//! writes them (`2026-11-22T06:12:33.123456Z`, UTC, microseconds), but with the date and
//! time of day worked out once per second per thread instead of for every line. The
//! default converts and formats all seven numbers through `write!` for each line, about
//! 2,400 instructions of every request's access log line; here a line copies the second's
//! 20 bytes and writes six digits.

use std::cell::Cell;
use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::time::{self, FormatTime};

/// The log's timer; see the module documentation.
#[derive(Debug, Clone, Copy, Default)]
pub struct CachedTime;

/// `YYYY-MM-DDTHH:MM:SS.`: everything before the microseconds.
type Prefix = [u8; 20];

thread_local! {
    /// The second (since the Unix epoch) last written on this thread, and its prefix.
    static LAST_SECOND: Cell<(u64, Prefix)> = const { Cell::new((u64::MAX, [0; 20])) };
}

/// Seconds from the epoch to the first second of year 10,000: from then on the default
/// writes a longer year, and so does this timer, through the default.
const YEAR_10000: u64 = 253_402_300_800;

impl FormatTime for CachedTime {
    fn format_time(&self, w: &mut Writer<'_>) -> fmt::Result {
        let since_epoch = match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(since) if since.as_secs() < YEAR_10000 => since,
            // A clock before 1970 or after 9999: the default's sign and width rules.
            _ => return time::SystemTime.format_time(w),
        };
        let second = since_epoch.as_secs();
        let prefix = LAST_SECOND.with(|last| {
            let (cached, prefix) = last.get();
            if cached == second {
                return prefix;
            }
            let prefix = prefix_of(second);
            last.set((second, prefix));
            prefix
        });
        let mut line = [0u8; 27];
        line[..20].copy_from_slice(&prefix);
        put_digits(&mut line[20..26], since_epoch.subsec_micros());
        line[26] = b'Z';
        // Only ASCII digits and punctuation were written.
        w.write_str(std::str::from_utf8(&line).map_err(|_| fmt::Error)?)
    }
}

/// The prefix of `second` (since the epoch, before year 10,000).
fn prefix_of(second: u64) -> Prefix {
    let days = second / 86_400;
    let in_day = second % 86_400;
    let (year, month, day) = civil_from_days(days);
    let mut prefix = *b"0000-00-00T00:00:00.";
    put_digits(&mut prefix[0..4], year);
    put_digits(&mut prefix[5..7], month);
    put_digits(&mut prefix[8..10], day);
    put_digits(&mut prefix[11..13], (in_day / 3600) as u32);
    put_digits(&mut prefix[14..16], (in_day / 60 % 60) as u32);
    put_digits(&mut prefix[17..19], (in_day % 60) as u32);
    prefix
}

/// The Gregorian (year, month, day) of a day counted from 1970-01-01 (Howard Hinnant's
/// `civil_from_days`, for days on or after the epoch).
fn civil_from_days(days: u64) -> (u32, u32, u32) {
    // Days since 0000-03-01, in 400-year eras of 146,097 days.
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    // Months from March: 0 is March, 11 is February.
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year as u32, month as u32, day as u32)
}

/// Writes `value` as decimal digits filling `out`, zero-padded (the highest digits that do
/// not fit are dropped; callers size `out` for their values).
fn put_digits(out: &mut [u8], mut value: u32) {
    for digit in out.iter_mut().rev() {
        *digit = b'0' + (value % 10) as u8;
        value /= 10;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(timer: &impl FormatTime) -> String {
        let mut out = String::new();
        timer.format_time(&mut Writer::new(&mut out)).unwrap();
        out
    }

    #[test]
    fn writes_what_the_default_timer_writes() {
        // The two timers read the clock separately: compare the second they agree on.
        for _ in 0..1_000 {
            let before = text(&time::SystemTime);
            let ours = text(&CachedTime);
            let after = text(&time::SystemTime);
            assert_eq!(ours.len(), before.len(), "{ours} / {before}");
            assert!(ours.ends_with('Z') && ours.as_bytes()[19] == b'.', "{ours}");
            assert!(
                before.as_str() <= ours.as_str() && ours <= after,
                "{before} {ours} {after}"
            );
            if before[..20] == after[..20] {
                assert_eq!(ours[..20], before[..20]);
                return;
            }
        }
        panic!("the second changed in every one of 1,000 tries");
    }

    #[test]
    fn dates_across_leap_years_and_centuries() {
        for (second, prefix) in [
            (0, "1970-01-01T00:00:00."),
            (68_255_999, "1972-02-29T23:59:59."),
            (951_782_400, "2000-02-29T00:00:00."),
            (978_307_199, "2000-12-31T23:59:59."),
            (1_795_278_769, "2026-11-21T16:32:49."),
            (4_107_542_399, "2100-02-28T23:59:59."),
            (4_107_542_400, "2100-03-01T00:00:00."),
            (YEAR_10000 - 1, "9999-12-31T23:59:59."),
        ] {
            assert_eq!(
                std::str::from_utf8(&prefix_of(second)).unwrap(),
                prefix,
                "{second}"
            );
        }
    }

    #[test]
    fn every_day_follows_the_one_before() {
        // 1970 to 2200, day by day: the day and month advance, and roll over, as they must.
        let days_in = |year: u32, month: u32| match month {
            2 if year.is_multiple_of(4)
                && (!year.is_multiple_of(100) || year.is_multiple_of(400)) =>
            {
                29
            }
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        let mut previous = civil_from_days(0);
        assert_eq!(previous, (1970, 1, 1));
        for days in 1..84_000 {
            let (year, month, day) = previous;
            let expected = if day < days_in(year, month) {
                (year, month, day + 1)
            } else if month < 12 {
                (year, month + 1, 1)
            } else {
                (year + 1, 1, 1)
            };
            let got = civil_from_days(days);
            assert_eq!(got, expected, "day {days}");
            previous = got;
        }
    }

    #[test]
    fn microseconds_are_six_digits() {
        let mut out = [0u8; 6];
        put_digits(&mut out, 42);
        assert_eq!(&out, b"000042");
        put_digits(&mut out, 999_999);
        assert_eq!(&out, b"999999");
    }
}
