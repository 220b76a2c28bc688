//! The shipped scenario document, moved in time so that its "now" is the caller's, and the
//! [`Plan`] the generator reads from it (environments, who may act there, the first free ids).

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, SecondsFormat, SubsecRound, Utc};
use serde_json::Value;

use super::{SCENARIOS_JSON, SCENARIO_ANCHOR};
use crate::store::fixtures::LoadError;
use crate::store::Engine;

/// The scenario document with every time moved so that [`SCENARIO_ANCHOR`] becomes `now`
/// (rounded down to whole seconds).
///
/// # Errors
/// [`LoadError::Invalid`] when the shipped document does not parse.
pub fn scenarios_at(now: DateTime<Utc>) -> Result<Value, LoadError> {
    let mut doc: Value =
        serde_json::from_str(SCENARIOS_JSON).map_err(|e| LoadError::Invalid(format!("demo-db/scenarios.json: {e}")))?;
    shift_times(&mut doc, scenario_shift(now));
    Ok(doc)
}

/// `now - anchor`, whole seconds.
#[must_use]
pub fn scenario_shift(now: DateTime<Utc>) -> Duration {
    let anchor = DateTime::parse_from_rfc3339(SCENARIO_ANCHOR).map_or(now, |a| a.with_timezone(&Utc));
    Duration::seconds((now - anchor).num_seconds())
}

/// Moves every RFC 3339 string under a key ending in `_at`, at any depth, by `by`.
pub fn shift_times(value: &mut Value, by: Duration) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if let (true, Value::String(s)) = (key.ends_with("_at"), &*v) {
                    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
                        *v = Value::String(rfc3339(t.with_timezone(&Utc) + by));
                    }
                } else {
                    shift_times(v, by);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| shift_times(v, by)),
        _ => {}
    }
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

pub(super) fn count_rows(doc: &Value) -> usize {
    doc.as_object().map_or(0, |m| m.values().filter_map(Value::as_array).map(Vec::len).sum())
}

/// One environment runs are generated in, with who may start and reconcile runs there.
#[derive(Debug, Clone)]
pub(super) struct EnvInfo {
    pub(super) id: i64,
    pub(super) workspace_id: i64,
    /// Owners of the workspace, and its managers/operators entitled to the environment.
    pub(super) actors: Vec<i64>,
    /// Relative share of the generated runs.
    pub(super) weight: u64,
}

/// The ids of an environment and its workspace.
#[derive(Debug, Clone, Copy)]
pub(super) struct EnvRef {
    pub(super) id: i64,
    pub(super) workspace_id: i64,
}

impl EnvRef {
    pub(super) const fn of(env: &EnvInfo) -> Self {
        Self { id: env.id, workspace_id: env.workspace_id }
    }
}

/// Everything the generator needs, read from the (shifted) scenario document.
#[derive(Debug, Clone)]
pub(super) struct Plan {
    pub(super) envs: Vec<EnvInfo>,
    pub(super) runs: u64,
    pub(super) now: DateTime<Utc>,
    pub(super) first_op: i64,
    pub(super) first_restore: i64,
    pub(super) first_item: i64,
    pub(super) first_evidence: i64,
    pub(super) first_audit: i64,
    pub(super) first_notification: i64,
    pub(super) engine: Engine,
}

/// A row's field as an integer, or a message naming it.
fn int(row: &Value, table: &str, field: &str) -> Result<i64, LoadError> {
    row.get(field)
        .and_then(Value::as_i64)
        .ok_or_else(|| LoadError::Invalid(format!("demo-db/scenarios.json: {table}.{field} is not an integer")))
}

fn rows<'a>(doc: &'a Value, table: &str) -> &'a [Value] {
    doc.get(table).and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

/// The share of generated runs an environment of the scenarios gets (busy production
/// tenants first).
fn env_weight(id: i64) -> u64 {
    match id {
        10 => 30,
        20 => 18,
        12 | 30 => 14,
        11 | 13 | 21 => 8,
        _ => 10,
    }
}

impl Plan {
    pub(super) fn from_scenarios(doc: &Value, now: DateTime<Utc>, runs: u64) -> Result<Self, LoadError> {
        let mut roles: BTreeMap<(i64, i64), String> = BTreeMap::new();
        for m in rows(doc, "memberships") {
            let role = m.get("role").and_then(Value::as_str).unwrap_or_default().to_owned();
            roles.insert((int(m, "memberships", "workspace_id")?, int(m, "memberships", "operator_id")?), role);
        }
        let mut entitled: Vec<(i64, i64)> = Vec::new();
        for e in rows(doc, "entitlements") {
            entitled.push((int(e, "entitlements", "operator_id")?, int(e, "entitlements", "environment_id")?));
        }
        let mut envs = Vec::new();
        for e in rows(doc, "environments") {
            let id = int(e, "environments", "id")?;
            let workspace_id = int(e, "environments", "workspace_id")?;
            let actors: Vec<i64> = roles
                .iter()
                .filter(|((ws, _), _)| *ws == workspace_id)
                .filter(|((_, op), role)| {
                    role.as_str() == "owner"
                        || (matches!(role.as_str(), "manager" | "operator") && entitled.contains(&(*op, id)))
                })
                .map(|((_, op), _)| *op)
                .collect();
            if !actors.is_empty() {
                envs.push(EnvInfo { id, workspace_id, actors, weight: env_weight(id) });
            }
        }
        if envs.is_empty() && runs > 0 {
            return Err(LoadError::Invalid(
                "demo-db/scenarios.json: no environment has an operator who may run restores".to_owned(),
            ));
        }
        let after = |table: &str, floor: i64| -> i64 {
            rows(doc, table).iter().filter_map(|r| r.get("id").and_then(Value::as_i64)).max().map_or(floor, |m| {
                if m < floor {
                    floor
                } else {
                    m + 1
                }
            })
        };
        Ok(Self {
            envs,
            runs,
            // Generated times are whole seconds.
            now: now.trunc_subsecs(0),
            first_op: after("operation_runs", 100_000),
            first_restore: after("restore_runs", 100_000),
            first_item: after("restore_items", 1_000_000),
            first_evidence: after("evidence", 100_000),
            first_audit: after("audit_log", 1_000_000),
            first_notification: after("notifications", 100_000),
            engine: Engine::Sqlite,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_time_under_an_at_key_moves_and_nothing_else_does() {
        let mut v = serde_json::json!({
            "created_at": "2026-11-20T11:00:00Z",
            "name": "2026-11-20T11:00:00Z",
            "context": {"reconciliation": {"reconciled_at": "2026-11-20T10:00:00+00:00"}},
            "rows": [{"deleted_at": null, "captured_at": "2026-11-19T12:00:00Z"}],
        });
        shift_times(&mut v, Duration::hours(2));
        assert_eq!(v["created_at"], "2026-11-20T13:00:00Z");
        assert_eq!(v["name"], "2026-11-20T11:00:00Z");
        assert_eq!(v["context"]["reconciliation"]["reconciled_at"], "2026-11-20T12:00:00Z");
        assert_eq!(v["rows"][0]["captured_at"], "2026-11-19T14:00:00Z");
        assert!(v["rows"][0]["deleted_at"].is_null());
    }

    #[test]
    fn the_shift_is_whole_seconds_from_the_anchor() {
        let now = DateTime::parse_from_rfc3339("2026-11-21T12:00:00.75Z").map(|t| t.with_timezone(&Utc));
        assert_eq!(now.map(scenario_shift), Ok(Duration::days(1)));
    }
}
