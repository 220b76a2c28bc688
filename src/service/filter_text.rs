//! The filter language of the console's filter bar and of `proofdesk runs --filter`, compiled
//! into a [`RunFilter`].
//!
//! `status:running outcome:pending decision:partially_succeeded env:"Contoso Prod" ws:Contoso
//! type:any stale gap drift since:-24h until:2026-11-20 id:1000 baseline "Win11 Security"`.
//! Fields take one value or a comma list (`status:queued,running`: any of them); repeating a
//! field also means "any of". Closed vocabularies are checked here so a typo is an error in the
//! bar, not an empty list. Bare words (and quoted phrases) are search terms. Every value ends up
//! in the filter's fields and is bound as a parameter downstream: nothing here builds SQL.
//! The empty text is "no filter" (every type); the console starts with `type:restore.execute`.

use chrono::{DateTime, Utc};

use crate::domain::{Decision, OpStatus, Outcome, UnknownValue};
use crate::present::{parse_instant, TimeError};
use crate::service::{FilterTooBig, RunFilter, ScopeRef};

/// The filter text of the default view.
pub const DEFAULT_TEXT: &str = "type:restore.execute";

/// The field names, for help and errors.
pub const FIELDS: &str = "status, outcome, decision, type, ws, env, since, until, id, stale, gap, drift";

/// Why the bar refused its text: one sentence naming the bad token, shown under the bar while
/// the previous filter stays active. A cause (an unknown word, a bad time) is part of that
/// sentence, so it is a field, not a `source` a reporter would say twice.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FilterError {
    #[error("unclosed quote")]
    UnclosedQuote,
    /// `field:` with nothing (or only commas) after it.
    #[error("{field}: needs a value, e.g. {field}:…")]
    NoValue { field: String },
    /// A word outside a closed vocabulary; `one_of` lists the vocabulary.
    #[error("{field}: {unknown} (one of {})", .one_of.join(", "))]
    NotInVocabulary { field: &'static str, unknown: UnknownValue, one_of: Vec<&'static str> },
    /// `since:` or `until:` that is not a time.
    #[error("{field}: {error}")]
    Time { field: &'static str, error: TimeError },
    /// `id:` that is not a number.
    #[error("id: {0:?} is not a run id")]
    NotRunId(String),
    /// `stale:…`, `gap:…` or `drift:…`: those are bare words.
    #[error("{0} takes no value: write just `{0}`")]
    TakesNoValue(String),
    #[error("unknown field {0:?}: use {FIELDS}, or quote the text to search for it")]
    UnknownField(String),
    /// A workspace or environment name that names nothing the operator can see (the console
    /// checks names it knows; the sentence names the closest).
    #[error("{0}")]
    UnknownName(String),
    /// More or longer values than a person types.
    #[error(transparent)]
    TooBig(#[from] FilterTooBig),
}

/// One token: `field:value` or a bare word/phrase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    Field(String, String),
    Word(String),
    /// A word or phrase with quotes: always a search term (`"stale"` searches for "stale").
    Quoted(String),
}

/// Splits on spaces outside double quotes; quotes group (`env:"Contoso Prod"`, `"a b"`).
///
/// # Errors
/// [`FilterError::UnclosedQuote`].
pub fn tokenize(text: &str) -> Result<Vec<Token>, FilterError> {
    let mut tokens = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if chars.peek().is_none() {
            return Ok(tokens);
        }
        let mut raw = String::new();
        let mut field: Option<String> = None;
        let mut quoted = false;
        let mut had_quotes = false;
        while let Some(&c) = chars.peek() {
            if c.is_whitespace() && !quoted {
                break;
            }
            chars.next();
            match c {
                '"' => {
                    quoted = !quoted;
                    had_quotes = true;
                }
                ':' if !quoted && field.is_none() && !raw.is_empty() => field = Some(std::mem::take(&mut raw)),
                c => raw.push(c),
            }
        }
        if quoted {
            return Err(FilterError::UnclosedQuote);
        }
        tokens.push(match field {
            Some(f) => Token::Field(f.to_lowercase(), raw),
            None if had_quotes => Token::Quoted(raw),
            None => Token::Word(raw),
        });
    }
}

fn values(field: &str, value: &str) -> Result<Vec<String>, FilterError> {
    let v: Vec<String> = value.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect();
    if v.is_empty() {
        return Err(FilterError::NoValue { field: field.to_owned() });
    }
    Ok(v)
}

fn vocab<T: Copy>(
    field: &'static str,
    value: &str,
    all: &[T],
    parse: impl Fn(&str) -> Result<T, UnknownValue>,
    text: impl Fn(T) -> &'static str,
) -> Result<Vec<T>, FilterError> {
    values(field, value)?
        .iter()
        .map(|v| {
            parse(v).map_err(|unknown| FilterError::NotInVocabulary {
                field,
                unknown,
                one_of: all.iter().map(|a| text(*a)).collect(),
            })
        })
        .collect()
}

/// Compiles filter text into a filter; `base` supplies the sort, which the bar does not set.
///
/// # Errors
/// A [`FilterError`] naming the bad token; the caller keeps its previous filter.
pub fn parse(text: &str, base: &RunFilter, now: DateTime<Utc>) -> Result<RunFilter, FilterError> {
    let mut f = RunFilter::default();
    f.query.sort = base.query.sort;
    f.query.ascending = base.query.ascending;
    let mut any_type = false;
    for token in tokenize(text)? {
        match token {
            Token::Word(w) => match w.to_lowercase().as_str() {
                "stale" => f.stale = true,
                "gap" => f.gap = true,
                "drift" => f.drift = true,
                _ if w.trim().is_empty() => {}
                _ => f.query.search.push(w),
            },
            Token::Quoted(w) if w.trim().is_empty() => {}
            Token::Quoted(w) => f.query.search.push(w),
            Token::Field(name, value) => match name.as_str() {
                "status" => {
                    f.query.statuses.extend(vocab("status", &value, OpStatus::ALL, OpStatus::parse, OpStatus::as_str)?);
                }
                "outcome" => {
                    f.query.outcomes.extend(vocab("outcome", &value, Outcome::ALL, Outcome::parse, Outcome::as_str)?);
                }
                "decision" => {
                    f.decisions.extend(vocab("decision", &value, Decision::ALL, Decision::parse, Decision::as_str)?);
                }
                "type" => {
                    for t in values("type", &value)? {
                        if t.eq_ignore_ascii_case("any") {
                            any_type = true;
                        } else {
                            f.query.types.push(t);
                        }
                    }
                }
                "ws" | "workspace" => {
                    f.query.workspaces.extend(values(&name, &value)?.iter().map(|v| ScopeRef::parse(v)));
                }
                "env" | "environment" => {
                    f.query.environments.extend(values(&name, &value)?.iter().map(|v| ScopeRef::parse(v)));
                }
                "since" => f.query.since = Some(instant("since", &value, now)?),
                "until" => f.query.until = Some(instant("until", &value, now)?),
                "id" => {
                    for v in values("id", &value)? {
                        let id = v.trim_start_matches('#').parse::<i64>();
                        f.query.ids.push(id.map_err(|_| FilterError::NotRunId(v))?);
                    }
                }
                "stale" | "gap" | "drift" => return Err(FilterError::TakesNoValue(name)),
                _ => return Err(FilterError::UnknownField(name)),
            },
        }
    }
    if any_type {
        f.query.types.clear();
    }
    f.check()?;
    Ok(f)
}

fn instant(field: &'static str, value: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, FilterError> {
    parse_instant(value, now).map_err(|error| FilterError::Time { field, error })
}

/// The active filters as short labels for the bar (`[status:running]`, `[search "x"]`…).
#[must_use]
pub fn chips(text: &str) -> Vec<String> {
    tokenize(text)
        .unwrap_or_default()
        .into_iter()
        .map(|t| match t {
            Token::Field(f, v) if v.contains(' ') => format!("{f}:\"{v}\""),
            Token::Field(f, v) => format!("{f}:{v}"),
            Token::Word(w) if matches!(w.to_lowercase().as_str(), "stale" | "gap" | "drift") => w.to_lowercase(),
            Token::Word(w) | Token::Quoted(w) => format!("\"{w}\""),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::SortKey;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-20T12:00:00Z").map(|t| t.with_timezone(&Utc)).expect("time")
    }

    #[test]
    fn the_full_language_compiles() {
        let text = r#"status:running outcome:pending decision:partially_succeeded env:"Contoso Prod" ws:Contoso type:any stale gap since:-24h until:2026-11-20 baseline"#;
        let f = parse(text, &RunFilter::default(), now()).expect("parses");
        assert_eq!(f.query.statuses, [OpStatus::Running]);
        assert_eq!(f.query.outcomes, [Outcome::Pending]);
        assert_eq!(f.decisions, [Decision::PartiallySucceeded]);
        assert_eq!(f.query.environments, [ScopeRef::Name("Contoso Prod".into())]);
        assert_eq!(f.query.workspaces, [ScopeRef::Name("Contoso".into())]);
        assert!(f.query.types.is_empty(), "type:any lists every type");
        assert!(f.stale && f.gap);
        assert_eq!(f.query.since.map(crate::present::time), Some("2026-11-19T12:00:00Z".into()));
        assert_eq!(f.query.until.map(crate::present::time), Some("2026-11-20T00:00:00Z".into()));
        assert_eq!(f.query.search, ["baseline"]);
    }

    #[test]
    fn lists_quotes_ids_and_sort_are_kept() {
        let mut base = RunFilter::default();
        base.query.sort = SortKey::Updated;
        let f = parse(r#"status:queued,running id:#1000 "Win11 Security" ws:1"#, &base, now()).expect("parses");
        assert_eq!(f.query.statuses, [OpStatus::Queued, OpStatus::Running]);
        assert_eq!(f.query.ids, [1000]);
        assert_eq!(f.query.search, ["Win11 Security"]);
        let quoted = parse(r#""stale" gap"#, &base, now()).expect("parses");
        assert!(!quoted.stale && quoted.gap && quoted.query.search == ["stale"], "quotes make a search term");
        assert_eq!(f.query.workspaces, [ScopeRef::Id(1)]);
        assert_eq!(f.query.sort, SortKey::Updated);
        assert_eq!(parse(DEFAULT_TEXT, &base, now()).expect("default").query.types, ["restore.execute"]);
        let empty = parse("", &base, now()).expect("empty");
        assert!(empty.query.types.is_empty() && empty.query.search.is_empty());
        assert_eq!(empty.query.sort, SortKey::Updated, "the bar never resets the sort");
    }

    #[test]
    fn bad_text_is_one_clear_sentence() {
        let e = |t: &str| parse(t, &RunFilter::default(), now()).expect_err(t).to_string();
        assert!(e("status:runing").contains("unknown status \"runing\""));
        assert!(e("decision:great").contains("one of not_reconciled"));
        assert!(e("colour:red").contains("unknown field \"colour\""));
        assert!(e("env:\"Contoso").contains("unclosed quote"));
        assert!(e("since:yesterday").starts_with("since:"));
        assert!(e("status:").contains("needs a value"));
        assert!(e("id:abc").contains("not a run id"));
        assert!(e("since:999999999999d").contains("too long"), "{}", e("since:999999999999d"));
        assert!(e("until:-9223372036854775807s").contains("too long"));
        assert!(e("since:0000-01-01T00:00:00Z").contains("out of range"));
    }

    #[test]
    fn each_refusal_reads_as_the_sentence_it_always_did() {
        let e = |t: &str| parse(t, &RunFilter::default(), now()).expect_err(t).to_string();
        assert_eq!(e("a \"b"), "unclosed quote");
        assert_eq!(e("env:,"), "env: needs a value, e.g. env:…");
        assert_eq!(
            e("outcome:ok"),
            "outcome: unknown outcome \"ok\" (one of pending, succeeded, partially_succeeded, blocked, failed, \
             cancelled)"
        );
        assert_eq!(e("since:soon"), format!("since: {}", parse_instant("soon", now()).expect_err("not a time")));
        assert_eq!(e("id:1,x1"), "id: \"x1\" is not a run id");
        assert_eq!(e("gap:yes"), "gap takes no value: write just `gap`");
        assert_eq!(
            e("Colour:red"),
            format!("unknown field \"colour\": use {FIELDS}, or quote the text to search for it")
        );
    }

    #[test]
    fn long_or_many_values_are_refused_by_the_bar() {
        let e = |t: &str| parse(t, &RunFilter::default(), now()).expect_err("refused").to_string();
        let long = "a".repeat(crate::service::runs::MAX_VALUE_CHARS + 1);
        assert!(e(&long).contains("search: a value of 257 characters is too long"), "{}", e(&long));
        assert!(e(&format!("env:{long}")).starts_with("environment:"));
        let many = (0..=crate::service::runs::MAX_VALUES).map(|i| format!("t{i}")).collect::<Vec<_>>();
        assert!(e(&many.join(" ")).contains("33 values is too many (at most 32)"));
        assert!(e(&format!("type:{}", many.join(","))).starts_with("type:"));
        let at_limit = "a".repeat(crate::service::runs::MAX_VALUE_CHARS);
        let ok = (0..crate::service::runs::MAX_VALUES).map(|_| at_limit.as_str()).collect::<Vec<_>>().join(" ");
        assert!(parse(&ok, &RunFilter::default(), now()).is_ok(), "32 values of 256 characters are fine");
    }

    #[test]
    fn chips_show_each_active_filter() {
        assert_eq!(
            chips(r#"type:restore.execute env:"Contoso Prod" stale kiosk"#),
            ["type:restore.execute", "env:\"Contoso Prod\"", "stale", "\"kiosk\""]
        );
    }
}
