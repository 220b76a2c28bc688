//! Help while typing a filter: Tab completion of field names and values, and "did you mean"
//! for a workspace or environment name that names nothing the operator can see (a filter that
//! silently matches nothing is the worst answer a triage tool can give). Pure: the names come
//! from [`Service::scope_names`], asked once per console.

use super::{RunFilter, ScopeRef, Service, ServiceError};
use crate::domain::{Decision, OpStatus, Outcome};

/// The names of the workspaces and environments the operator may see.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScopeNames {
    pub workspaces: Vec<String>,
    pub environments: Vec<String>,
}

impl Service {
    /// The workspaces and environments the operator may see, by name.
    ///
    /// # Errors
    /// Database errors.
    pub async fn scope_names(&self) -> Result<ScopeNames, ServiceError> {
        let (workspaces, environments) =
            crate::store::queries::visible_scope_names(self.reads(), self.operator().id).await?;
        Ok(ScopeNames { workspaces, environments })
    }
}

/// The field names a token can start with, as completed (with their colon).
const FIELD_WORDS: [&str; 12] =
    ["status:", "outcome:", "decision:", "type:", "ws:", "env:", "since:", "until:", "id:", "stale", "gap", "drift"];

/// The closest of `names` to `value`: one that contains it (or is contained in it), else the
/// nearest by edit distance when near enough to be a typo.
fn closest<'a>(value: &str, names: &'a [String]) -> Option<&'a str> {
    let v = value.to_lowercase();
    let containing = names.iter().find(|n| {
        let n = n.to_lowercase();
        n.contains(&v) || v.contains(&n)
    });
    if let Some(n) = containing {
        return Some(n);
    }
    let near = (v.chars().count() / 3).max(2);
    names
        .iter()
        .map(|n| (strsim::levenshtein(&v, &n.to_lowercase()), n))
        .filter(|(d, _)| *d <= near)
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n.as_str())
}

/// For a filter naming a workspace or environment the operator cannot see by that name (names
/// match without regard to case, as the list does): one sentence saying so, with the closest
/// name when there is one. `None` when every name names something.
#[must_use]
pub fn unknown_names(filter: &RunFilter, names: &ScopeNames) -> Option<String> {
    let check = |refs: &[ScopeRef], known: &[String], what: &str| {
        refs.iter().find_map(|r| {
            let ScopeRef::Name(n) = r else { return None };
            if known.iter().any(|k| k.to_lowercase() == n.to_lowercase()) {
                return None;
            }
            Some(match closest(n, known) {
                Some(best) => format!("no {what} named {n:?}: did you mean {best:?}?"),
                None if known.is_empty() => format!("no {what} named {n:?}: you can see none"),
                None => format!("no {what} named {n:?}: yours are {}", list(known)),
            })
        })
    };
    check(&filter.query.workspaces, &names.workspaces, "workspace")
        .or_else(|| check(&filter.query.environments, &names.environments, "environment"))
}

fn list(names: &[String]) -> String {
    let mut shown: Vec<String> = names.iter().take(5).map(|n| format!("{n:?}")).collect();
    if names.len() > 5 {
        shown.push(format!("… {} more", names.len() - 5));
    }
    shown.join(", ")
}

/// What Tab can put in place of the last token: the byte offset where that token starts, and
/// the candidates (whole replacement tokens, quoted where they hold a space), in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Completion {
    pub start: usize,
    pub candidates: Vec<String>,
}

impl Completion {
    /// The longest start every candidate shares (what Tab fills in when there are several).
    #[must_use]
    pub fn common_prefix(&self) -> String {
        let Some(first) = self.candidates.first() else { return String::new() };
        let mut end = first.len();
        for c in &self.candidates[1..] {
            let common: usize =
                first.chars().zip(c.chars()).take_while(|(a, b)| a == b).map(|(a, _)| a.len_utf8()).sum();
            end = end.min(common);
        }
        first[..end].to_owned()
    }
}

fn quote(v: &str) -> String {
    if v.contains(' ') {
        format!("\"{v}\"")
    } else {
        v.to_owned()
    }
}

/// Completions for the token the text ends with (the cursor is at the end): a field name, or
/// a value of the field being typed (statuses, outcomes, decisions, `any`, and the names of
/// the operator's workspaces and environments). A comma list completes its last value.
#[must_use]
pub fn complete(text: &str, names: &ScopeNames) -> Completion {
    // The last token starts after the last space outside quotes.
    let mut start = 0;
    let mut quoted = false;
    for (i, c) in text.char_indices() {
        match c {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => start = i + c.len_utf8(),
            _ => {}
        }
    }
    let token = &text[start..];
    let Some((field, value)) = token.split_once(':') else {
        let t = token.to_lowercase();
        let candidates = FIELD_WORDS.iter().filter(|f| f.starts_with(&t)).map(|f| (*f).to_owned()).collect();
        return Completion { start, candidates };
    };
    let field = field.to_lowercase();
    // Earlier values of a comma list stay as typed.
    let (done, last) = value.rsplit_once(',').map_or(("", value), |(d, l)| (d, l));
    let last = last.trim_start_matches('"').to_lowercase();
    let owned = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    let values: Vec<String> = match field.as_str() {
        "status" => owned(&OpStatus::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>()),
        "outcome" => owned(&Outcome::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>()),
        "decision" => owned(&Decision::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>()),
        "type" => owned(&["restore.execute", "any"]),
        "ws" | "workspace" => names.workspaces.clone(),
        "env" | "environment" => names.environments.clone(),
        _ => Vec::new(),
    };
    let prefix = if done.is_empty() { format!("{field}:") } else { format!("{field}:{done},") };
    let mut seen = std::collections::BTreeSet::new();
    // Values that start with what was typed first, then those that contain it (`prod` finds
    // "Contoso Prod").
    let (mut starting, containing): (Vec<&String>, Vec<&String>) = values
        .iter()
        .filter(|v| v.to_lowercase().contains(&last) && seen.insert(v.to_lowercase()))
        .partition(|v| v.to_lowercase().starts_with(&last));
    starting.extend(containing);
    let candidates = starting.into_iter().map(|v| format!("{prefix}{}", quote(v))).collect();
    Completion { start, candidates }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> ScopeNames {
        ScopeNames {
            workspaces: vec!["Contoso".into(), "Fabrikam".into()],
            environments: vec!["Contoso Prod".into(), "Contoso Lab".into(), "Fabrikam Prod".into()],
        }
    }

    fn filter(text: &str) -> RunFilter {
        let now = chrono::DateTime::parse_from_rfc3339("2026-11-20T12:00:00Z").expect("time").to_utc();
        super::super::filter_text::parse(text, &RunFilter::default(), now).expect("parses")
    }

    #[test]
    fn a_name_that_names_nothing_says_so_with_the_closest() {
        let n = names();
        assert_eq!(
            unknown_names(&filter("env:prod"), &n).as_deref(),
            Some(r#"no environment named "prod": did you mean "Contoso Prod"?"#)
        );
        assert_eq!(
            unknown_names(&filter("ws:Fabrikan"), &n).as_deref(),
            Some(r#"no workspace named "Fabrikan": did you mean "Fabrikam"?"#)
        );
        assert_eq!(
            unknown_names(&filter("ws:zzzz"), &n).as_deref(),
            Some(r#"no workspace named "zzzz": yours are "Contoso", "Fabrikam""#)
        );
        assert_eq!(unknown_names(&filter(r#"env:"contoso prod" ws:CONTOSO env:42"#), &n), None, "case and ids pass");
    }

    #[test]
    fn tab_completes_fields_then_values() {
        let n = names();
        assert_eq!(
            complete("stale st", &n),
            Completion { start: 6, candidates: vec!["status:".into(), "stale".into()] }
        );
        assert_eq!(complete("status:r", &n).candidates, ["status:running"]);
        assert_eq!(complete("status:queued,r", &n).candidates, ["status:queued,running"]);
        assert_eq!(complete("env:contoso", &n).candidates, [r#"env:"Contoso Prod""#, r#"env:"Contoso Lab""#]);
        assert_eq!(complete(r#"env:"Fab"#, &n).candidates, [r#"env:"Fabrikam Prod""#]);
        assert_eq!(complete("decision:", &n).candidates.len(), Decision::ALL.len());
        assert!(complete("since:", &n).candidates.is_empty());
        assert_eq!(complete("env:prod", &n).candidates, [r#"env:"Contoso Prod""#, r#"env:"Fabrikam Prod""#]);
        assert_eq!(complete("env:lab", &n).candidates, [r#"env:"Contoso Lab""#], "a contained word completes too");
    }

    #[test]
    fn the_common_prefix_is_what_every_candidate_shares() {
        let c =
            Completion { start: 0, candidates: vec![r#"env:"Contoso Prod""#.into(), r#"env:"Contoso Lab""#.into()] };
        assert_eq!(c.common_prefix(), r#"env:"Contoso "#);
        assert_eq!(Completion::default().common_prefix(), "");
    }
}
