//! Times the admin API accepts: RFC 3339 (`2025-07-01T00:00:00Z`, with a fraction or an
//! offset), a plain date (`2025-07-01`, midnight UTC), or milliseconds since the Unix
//! epoch. The store keeps milliseconds.

use switchboard_state::{UnixMillis, days_from_civil};

/// Milliseconds in a day.
const DAY_MS: i64 = 86_400_000;

/// A time from a JSON value: an integer is Unix milliseconds, a string is RFC 3339, a date
/// or an integer. `None` when it is none of them.
pub(super) fn from_json(value: &serde_json::Value) -> Option<UnixMillis> {
    match value {
        serde_json::Value::Number(n) => n.as_i64(),
        serde_json::Value::String(s) => parse(s),
        _ => None,
    }
}

/// A time from text: Unix milliseconds (digits, maybe a leading `-`), RFC 3339, or a date.
pub(super) fn parse(text: &str) -> Option<UnixMillis> {
    let text = text.trim();
    if let Ok(ms) = text.parse::<i64>() {
        return Some(ms);
    }
    let (date, rest) = match text.get(10..) {
        Some(rest) => (&text[..10], rest),
        None => return None,
    };
    let day = parse_date(date)?;
    if rest.is_empty() {
        return day.checked_mul(DAY_MS);
    }
    let rest = rest.strip_prefix(['T', 't', ' '])?;
    let (time, offset_ms) = split_offset(rest)?;
    let of_day = parse_time(time)?;
    day.checked_mul(DAY_MS)?
        .checked_add(of_day)?
        .checked_sub(offset_ms)
}

/// Days since 1970-01-01 of `YYYY-MM-DD`, checking the day exists in its month.
fn parse_date(date: &str) -> Option<i64> {
    let b = date.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year = digits(&date[0..4])?;
    let month = digits(&date[5..7])?;
    let day = digits(&date[8..10])?;
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if day == 0 || day > days_in_month {
        return None;
    }
    Some(days_from_civil(year, month, day))
}

/// `HH:MM:SS` with an optional fraction (milliseconds kept, finer digits dropped), as
/// milliseconds into the day.
fn parse_time(time: &str) -> Option<i64> {
    let (hms, fraction) = match time.split_once(['.', ',']) {
        Some((hms, fraction)) => (hms, Some(fraction)),
        None => (time, None),
    };
    let b = hms.as_bytes();
    if b.len() != 8 || b[2] != b':' || b[5] != b':' {
        return None;
    }
    let (h, m, s) = (
        digits(&hms[0..2])?,
        digits(&hms[3..5])?,
        digits(&hms[6..8])?,
    );
    // 60 is a leap second; it reads as the next second's start.
    if h > 23 || m > 59 || s > 60 {
        return None;
    }
    let mut ms = 0;
    if let Some(fraction) = fraction {
        if fraction.is_empty() || !fraction.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        let kept = format!("{:0<3}", &fraction[..fraction.len().min(3)]);
        ms = digits(&kept)?;
    }
    Some(((h * 60 + m) * 60 + s) * 1000 + ms)
}

/// Splits `time` from its offset (`Z`, `+HH:MM`, `-HH:MM`), the offset in milliseconds.
fn split_offset(rest: &str) -> Option<(&str, i64)> {
    if let Some(time) = rest.strip_suffix(['Z', 'z']) {
        return Some((time, 0));
    }
    let at = rest.len().checked_sub(6)?;
    let (time, offset) = rest.split_at_checked(at)?;
    let sign = match offset.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    if offset.as_bytes().get(3) != Some(&b':') {
        return None;
    }
    let (h, m) = (digits(&offset[1..3])?, digits(&offset[4..6])?);
    if h > 23 || m > 59 {
        return None;
    }
    Some((time, sign * (h * 60 + m) * 60_000))
}

/// A run of ASCII digits as a number (no sign, no spaces).
fn digits(s: &str) -> Option<i64> {
    if s.is_empty() || !s.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}
