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

/// What the verdict column says of a run. An open run: the verdict and its reason (`sep`
/// between them: ` — ` on screen, ` · ` in the `runs` table). A completed run is never
/// reconciled again, so its verdict (`not_reconciled`, already terminal) says nothing new;
/// what matters is its record and the proof's reading of it: `≠ drift ◐ mixed_item_outcomes`
/// for a recorded success the proof no longer supports, `✔ reconciled 2m ago → partially_succeeded`
/// for a run the transition completed, else the recorded outcome beside the proof's reading.
#[must_use]
pub fn verdict_summary(
    status: &str,
    outcome: &str,
    v: &crate::domain::Verdict,
    reconciled_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    sep: &str,
) -> String {
    if status != crate::domain::OpStatus::Completed.as_str() {
        return format!("{} {}{sep}{}", symbol(v.decision.as_str()), v.decision, v.reason_code);
    }
    let proof = v.proof_decision.map_or("none", |d| d.as_str());
    if v.drift {
        let gap = v.checklist.iter().find_map(|c| match c.state {
            crate::domain::CheckState::Gap(r) | crate::domain::CheckState::Waiting(r) => Some(r),
            _ => None,
        });
        return match gap {
            Some(r) => format!("≠ drift {} {r}", symbol(proof)),
            None => format!("≠ drift {} {proof}", symbol(proof)),
        };
    }
    if let Some(at) = reconciled_at {
        // Assessed as of a past `--now`, the reconciliation can lie after it: no age then.
        return if at <= now {
            format!("{} reconciled {} ago → {outcome}", symbol(outcome), age(now, at))
        } else {
            format!("{} reconciled → {outcome}", symbol(outcome))
        };
    }
    format!("{} {outcome}{sep}proof {} {proof}", symbol(outcome), symbol(proof))
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

/// A count with thousands grouped by commas (`1,409`), as the console and `runs` print it.
#[must_use]
pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
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

/// The longest duration proofdesk accepts anywhere (`--stale-after`, `--since 7d`, the filter
/// bar): 100 years. Any accepted duration can be taken from any instant of years 1 to 9999
/// (the RFC 3339 range) without leaving chrono's range, so no later arithmetic can overflow.
pub const MAX_DURATION_DAYS: i64 = 36_500;

/// The earliest instant accepted as a time (`--since`, `--until`, `--now`): 0001-01-01T00:00:00Z.
#[must_use]
pub fn min_instant() -> DateTime<Utc> {
    chrono::NaiveDate::from_ymd_opt(1, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map_or(DateTime::<Utc>::MIN_UTC, |t| t.and_utc())
}

/// The latest instant accepted as a time: 9999-12-31T23:59:59Z.
#[must_use]
pub fn max_instant() -> DateTime<Utc> {
    chrono::NaiveDate::from_ymd_opt(9999, 12, 31)
        .and_then(|d| d.and_hms_opt(23, 59, 59))
        .map_or(DateTime::<Utc>::MAX_UTC, |t| t.and_utc())
}

/// The syntax of a time, for help and errors.
pub const TIME_SYNTAX: &str = "RFC 3339 (2026-11-20T12:00:00Z), a date (2026-11-20, midnight UTC), \
or a duration back from now (24h, 7d, -24h; units s m h d w, up to 36500d)";

/// Why a typed duration or time was refused; each reads as one sentence that names the value
/// as typed (sanitized and cut to 40 characters).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeError {
    #[error("invalid duration {0:?}: expected e.g. 30m, 2h, 1h30m, 45s, 7d")]
    BadDuration(String),
    #[error("duration {0:?} is too long: at most {MAX_DURATION_DAYS}d (100 years)")]
    TooLong(String),
    #[error("invalid time {0:?}: expected {TIME_SYNTAX}")]
    BadTime(String),
    #[error("invalid RFC 3339 time {0:?}: {1}")]
    BadRfc3339(String, String),
    #[error("time {0:?} is out of range: between 0001-01-01 and 9999-12-31")]
    OutOfRange(String),
}

/// Parses `30m`, `1h30m`, `45s`, `2d`, `1w` into a duration of at most [`MAX_DURATION_DAYS`].
///
/// # Errors
/// [`TimeError::BadDuration`], or [`TimeError::TooLong`].
pub fn parse_duration(text: &str) -> Result<Duration, TimeError> {
    let shown = crate::sanitize::clean_max(text, 40);
    let bad = || TimeError::BadDuration(shown.to_string());
    let too_long = || TimeError::TooLong(shown.to_string());
    let max = Duration::try_days(MAX_DURATION_DAYS).ok_or_else(bad)?;
    let mut total = Duration::zero();
    let mut digits = String::new();
    let mut any = false;
    for c in text.trim().chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        if digits.is_empty() {
            return Err(bad());
        }
        // A number too big for i64 is too long, not malformed.
        let n: i64 = digits.parse().map_err(|_| too_long())?;
        digits.clear();
        let unit = match c {
            's' => Duration::try_seconds(n).ok_or_else(too_long),
            'm' => Duration::try_minutes(n).ok_or_else(too_long),
            'h' => Duration::try_hours(n).ok_or_else(too_long),
            'd' => Duration::try_days(n).ok_or_else(too_long),
            'w' => Duration::try_weeks(n).ok_or_else(too_long),
            _ => Err(bad()),
        }?;
        total = total.checked_add(&unit).ok_or_else(too_long)?;
        if total > max {
            return Err(too_long());
        }
        any = true;
    }
    if !digits.is_empty() || !any {
        return Err(bad());
    }
    Ok(total)
}

/// `t` when it lies within years 1 to 9999, else a sentence naming the range.
///
/// # Errors
/// [`TimeError::OutOfRange`] for an instant outside [`min_instant`]..=[`max_instant`].
pub fn check_instant(t: DateTime<Utc>, shown: &str) -> Result<DateTime<Utc>, TimeError> {
    if t < min_instant() || t > max_instant() {
        return Err(TimeError::OutOfRange(shown.to_owned()));
    }
    Ok(t)
}

/// Parses an instant for `--since`/`--until` and the filter bar's `since:`/`until:`: RFC 3339,
/// a date (`2026-11-20`, midnight UTC), or a duration before `now` (`24h`, `-24h`, `7d`: one
/// optional leading `-`, the same either way). See [`TIME_SYNTAX`].
///
/// # Errors
/// [`TimeError::BadTime`], [`TimeError::TooLong`] or [`TimeError::OutOfRange`].
pub fn parse_instant(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, TimeError> {
    let t = text.trim();
    let shown = crate::sanitize::clean_max(t, 40);
    if let Ok(at) = DateTime::parse_from_rfc3339(t) {
        return check_instant(at.with_timezone(&Utc), &shown);
    }
    if let Ok(day) = chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        if let Some(at) = day.and_hms_opt(0, 0, 0) {
            return check_instant(at.and_utc(), &shown);
        }
    }
    let back = t.strip_prefix('-').unwrap_or(t);
    let d = parse_duration(back).map_err(|e| match e {
        TimeError::TooLong(_) => e,
        _ => TimeError::BadTime(shown.to_string()),
    })?;
    let at = now.checked_sub_signed(d).ok_or_else(|| TimeError::OutOfRange(shown.to_string()))?;
    check_instant(at, &shown)
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts_group_thousands() {
        let cases = [(0, "0"), (999, "999"), (1_000, "1,000"), (1_409, "1,409"), (1_000_000, "1,000,000")];
        for (n, text) in cases {
            assert_eq!(super::grouped(n), text);
        }
    }

    use super::*;
    use crate::domain::{Check, CheckState, Decision, ReasonCode, SummaryCounts, Verdict};

    fn verdict(proof: Option<Decision>, drift: bool, gap: Option<ReasonCode>) -> Verdict {
        let check = |name, state| Check { name, state };
        Verdict {
            decision: Decision::NotReconciled,
            reason_code: ReasonCode::OperationRunAlreadyTerminal,
            findings: vec![ReasonCode::OperationRunAlreadyTerminal],
            proof_decision: proof,
            drift,
            stale: false,
            counts: SummaryCounts::default(),
            proof: None,
            checklist: [
                check("scope", CheckState::Pass),
                check("execution", CheckState::Pass),
                check("items", CheckState::Pass),
                check("evidence", gap.map_or(CheckState::Pass, CheckState::Gap)),
                check("audit", CheckState::Pass),
            ],
        }
    }

    #[test]
    fn a_completed_run_shows_its_record_and_the_proofs_reading_not_already_terminal() {
        let at = now();
        let drift = verdict(Some(Decision::PartiallySucceeded), true, Some(ReasonCode::PostRunEvidenceMissing));
        assert_eq!(
            verdict_summary("completed", "succeeded", &drift, None, at, " — "),
            "≠ drift ◐ post_run_evidence_missing"
        );
        let fine = verdict(Some(Decision::Succeeded), false, None);
        assert_eq!(
            verdict_summary("completed", "succeeded", &fine, None, at, " · "),
            "✔ succeeded · proof ✔ succeeded"
        );
        let earlier = at - Duration::minutes(2);
        assert_eq!(
            verdict_summary("completed", "partially_succeeded", &fine, Some(earlier), at, " — "),
            "◐ reconciled 2m ago → partially_succeeded"
        );
        let later = at + Duration::days(13);
        assert_eq!(
            verdict_summary("completed", "failed", &fine, Some(later), at, " — "),
            "✘ reconciled → failed",
            "assessed as of a past --now: no age in the future"
        );
        let open = Verdict { decision: Decision::Blocked, reason_code: ReasonCode::MixedItemOutcomes, ..fine };
        assert_eq!(verdict_summary("running", "pending", &open, None, at, " — "), "⛔ blocked — mixed_item_outcomes");
    }

    #[test]
    fn durations_parse_and_refuse_clearly() {
        assert_eq!(parse_duration("30m"), Ok(Duration::minutes(30)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::minutes(90)));
        assert_eq!(parse_duration("2d"), Ok(Duration::days(2)));
        assert!(parse_duration("30").is_err());
        assert!(parse_duration("abc").is_err());
        assert!(parse_duration("").is_err());
        assert!(parse_duration("5x").is_err_and(|e| e.to_string().starts_with("invalid duration \"5x\"")));
        assert!(matches!(parse_instant("-99999999d", now()), Err(TimeError::TooLong(_))));
        assert!(matches!(
            parse_instant("9999-12-31T23:59:60Z", now()),
            Err(TimeError::OutOfRange(_) | TimeError::BadTime(_))
        ));
    }

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-20T12:00:00Z").map(|t| t.with_timezone(&Utc)).unwrap_or_default()
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
