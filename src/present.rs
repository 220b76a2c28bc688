//! Presentation shared by the command line and the terminal UI: symbols that carry meaning
//! without colour, ages, timestamps and durations. Pure functions only.

use chrono::{DateTime, Duration, SecondsFormat, Utc};

/// The symbol for an outcome or decision string: meaning never rests on colour alone.
#[must_use]
pub fn symbol(word: &str) -> &'static str {
    match word {
        "succeeded" | "proof_complete" | "pass" => "✔",
        "partially_succeeded" => "◐",
        "blocked" => "⛔",
        "failed" => "✘",
        "cancelled" => "⊘",
        "pending" => "…",
        "not_reconciled" => "·",
        _ => "?",
    }
}

/// The symbol for a restore item outcome.
#[must_use]
pub fn item_symbol(word: &str) -> &'static str {
    match word {
        "applied" => "✔",
        "unchanged" => "=",
        "failed" => "✘",
        "skipped" => "↷",
        "manual_required" => "✋",
        _ => "?",
    }
}

/// One line for a verdict's summary counts, the same on every screen and report.
#[must_use]
pub fn counts(c: &crate::domain::SummaryCounts) -> String {
    format!(
        "{} items · {} applied · {} unchanged · {} failed · {} skipped · {} manual · evidence {}/{} verified",
        c.total,
        c.applied,
        c.unchanged,
        c.failed,
        c.skipped,
        c.manual_required,
        c.evidence_verified,
        c.evidence_expected
    )
}

/// RFC 3339 to the second, UTC.
#[must_use]
pub fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// RFC 3339, or `-` for none.
#[must_use]
pub fn opt_time(t: Option<DateTime<Utc>>) -> String {
    t.map_or_else(|| "-".to_owned(), time)
}

/// A compact age such as `45s`, `12m`, `3h`, `5d`, `2y`.
#[must_use]
pub fn age(now: DateTime<Utc>, then: DateTime<Utc>) -> String {
    let secs = (now - then).num_seconds();
    if secs < 0 {
        return "future".to_owned();
    }
    match secs {
        0..60 => format!("{secs}s"),
        60..3600 => format!("{}m", secs / 60),
        3600..86_400 => format!("{}h", secs / 3600),
        86_400..31_536_000 => format!("{}d", secs / 86_400),
        _ => format!("{}y", secs / 31_536_000),
    }
}

/// Parses `30m`, `1h30m`, `45s`, `2d`, `1w` into a duration.
///
/// # Errors
/// A sentence saying what was expected.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let bad = || format!("invalid duration {text:?}: expected e.g. 30m, 2h, 1h30m, 45s, 7d");
    let mut total = Duration::zero();
    let mut digits = String::new();
    let mut any = false;
    for c in text.trim().chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let n: i64 = digits.parse().map_err(|_| bad())?;
        digits.clear();
        let unit = match c {
            's' => Duration::try_seconds(n),
            'm' => Duration::try_minutes(n),
            'h' => Duration::try_hours(n),
            'd' => Duration::try_days(n),
            'w' => Duration::try_weeks(n),
            _ => None,
        }
        .ok_or_else(bad)?;
        total = total.checked_add(&unit).ok_or_else(bad)?;
        any = true;
    }
    if !digits.is_empty() || !any {
        return Err(bad());
    }
    Ok(total)
}

/// Parses an instant for `--since`/`--until`: RFC 3339, a date (`2026-11-20`, midnight UTC),
/// or a duration before `now` (`24h`, `-24h`, `7d`).
///
/// # Errors
/// A sentence saying what was expected.
pub fn parse_instant(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    let t = text.trim();
    if let Ok(at) = DateTime::parse_from_rfc3339(t) {
        return Ok(at.with_timezone(&Utc));
    }
    if let Ok(day) = chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        if let Some(at) = day.and_hms_opt(0, 0, 0) {
            return Ok(at.and_utc());
        }
    }
    parse_duration(t.trim_start_matches('-'))
        .map(|d| now - d)
        .map_err(|_| format!("invalid time {text:?}: expected RFC 3339, YYYY-MM-DD, or an age like 24h or 7d"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_and_refuse_clearly() {
        assert_eq!(parse_duration("30m"), Ok(Duration::minutes(30)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::minutes(90)));
        assert_eq!(parse_duration("2d"), Ok(Duration::days(2)));
        assert!(parse_duration("30").is_err());
        assert!(parse_duration("abc").is_err());
        assert!(parse_duration("").is_err());
        assert!(parse_duration("5x").unwrap_err().contains("invalid duration"));
    }

    #[test]
    fn instants_accept_three_spellings() {
        let now = DateTime::parse_from_rfc3339("2026-11-20T12:00:00Z").map(|t| t.with_timezone(&Utc)).ok();
        let now = now.unwrap_or_default();
        assert_eq!(parse_instant("-24h", now).map(time), Ok("2026-11-19T12:00:00Z".to_owned()));
        assert_eq!(parse_instant("2026-11-01", now).map(time), Ok("2026-11-01T00:00:00Z".to_owned()));
        assert!(parse_instant("yesterday", now).is_err());
    }

    #[test]
    fn ages_are_compact() {
        let now =
            DateTime::parse_from_rfc3339("2026-11-20T12:00:00Z").map(|t| t.with_timezone(&Utc)).unwrap_or_default();
        assert_eq!(age(now, now - Duration::seconds(5)), "5s");
        assert_eq!(age(now, now - Duration::minutes(90)), "1h");
        assert_eq!(age(now, now - Duration::days(800)), "2y");
    }
}
