//! The filter of `proofdesk runs`: the console's filter language (`--filter`), with the flags
//! adding to it.

use chrono::{DateTime, Utc};

use super::{Failure, RunsArgs};
use crate::present::parse_instant;
use crate::service::{filter_text, RunFilter, ScopeRef};

/// The run filter `args` asks for, as of `now` (durations back from it).
///
/// # Errors
/// A bad filter text, time or value: one line, exit 2.
pub(super) fn from_args(args: &RunsArgs, now: DateTime<Utc>) -> Result<RunFilter, Failure> {
    let text = args.filter.as_deref().unwrap_or_default();
    let mut f =
        filter_text::parse(text, &RunFilter::default(), now).map_err(|e| Failure::usage(format!("--filter: {e}")))?;
    // The filter text names its types (`type:…`, `type:any`) as the bar does; otherwise the
    // command's default holds: restore.execute unless --type says otherwise.
    let typed = filter_text::tokenize(text)
        .is_ok_and(|tokens| tokens.iter().any(|t| matches!(t, filter_text::Token::Field(name, _) if name == "type")));
    if args.types.iter().any(|t| t == "any") {
        f.query.types.clear();
    } else if !args.types.is_empty() {
        f.query.types.extend(args.types.iter().cloned());
    } else if !typed {
        f.query.types = vec![crate::domain::RESTORE_EXECUTE.to_owned()];
    }
    f.query.statuses.extend(args.statuses.iter().copied());
    f.query.outcomes.extend(args.outcomes.iter().copied());
    f.query.workspaces.extend(args.workspaces.iter().map(|w| ScopeRef::parse(w)));
    f.query.environments.extend(args.environments.iter().map(|e| ScopeRef::parse(e)));
    f.query.search.extend(args.search.iter().filter(|s| !s.trim().is_empty()).cloned());
    if let Some(since) = args.since.as_deref() {
        f.query.since = Some(parse_instant(since, now).map_err(|e| Failure::usage(e.to_string()))?);
    }
    if let Some(until) = args.until.as_deref() {
        f.query.until = Some(parse_instant(until, now).map_err(|e| Failure::usage(e.to_string()))?);
    }
    f.decisions.extend(args.decisions.iter().copied());
    f.stale |= args.flags.stale;
    f.gap |= args.flags.gap;
    f.drift |= args.flags.drift;
    if let Some(key) = args.sort {
        f.query.sort = key;
        f.query.ascending = key.is_text();
    }
    f.query.ascending ^= args.reverse;
    f.check().map_err(|e| Failure::usage(e.to_string()))?;
    Ok(f)
}
