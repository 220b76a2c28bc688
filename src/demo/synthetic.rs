//! The generator: one operation run at a time, its restore records drawn from the catalogue,
//! its verdict from the real proof rules, its JSON columns serialized with serde (the
//! reconciliation context and audit metadata in the transition's own types).

use chrono::{DateTime, Duration, Utc};
use serde_json::{Map, Value};

use super::catalogue::{
    throttled_payload, Life, Rng, Shape, DRIFT_SHAPES, FAILURES, ITEM_COUNT_WEIGHTS, MANUAL, NOTIFICATION_DAYS,
    POLICIES, SHAPES, SKIPS, SOURCES,
};
use super::columns::{empty_object, json, CompletedMeta, DriftCounts, RunContext, StartedMeta};
use super::scenarios::{EnvRef, Plan};
use super::write::{AUDIT_COLS, EVIDENCE_COLS, ITEM_COLS, NOTIFICATION_COLS, OP_COLS, RESTORE_COLS};
use crate::domain::{
    assess, AuditFact, Blocker, Evidence, EvidenceStatus, ItemCounts, ItemOutcome, JsonObject, OpStatus, OperationRun,
    Outcome, ProofBundle, ReconciledAudit, ReconciliationContext, RestoreRun, RestoreStatus, RESTORE_EXECUTE,
};
use crate::store::{Arg, Batch, TableBuf};

/// One generated item: catalog entry, outcome, error.
struct ItemPlan {
    policy: usize,
    outcome: ItemOutcome,
    error: Option<(Option<&'static str>, &'static str)>,
    payload: bool,
}

pub(super) struct Generator {
    plan: Plan,
    rng: Rng,
    ops: TableBuf,
    restores: TableBuf,
    items: TableBuf,
    evidence: TableBuf,
    audit: TableBuf,
    notifications: TableBuf,
    next_item: i64,
    next_evidence: i64,
    next_audit: i64,
    next_notification: i64,
    env_weights: Vec<u64>,
    shape_weights: Vec<u64>,
    payload: String,
}

fn text(s: &str) -> Arg {
    Arg::Text(s.to_owned())
}

fn opt_text(s: Option<&str>) -> Arg {
    Arg::OptText(s.map(str::to_owned))
}

impl Generator {
    pub(super) fn new(plan: Plan) -> Self {
        let engine = plan.engine;
        let env_weights = plan.envs.iter().map(|e| e.weight).collect();
        Self {
            rng: Rng(0x9E37_79B9_7F4A_7C15),
            ops: TableBuf::new("operation_runs", OP_COLS, engine),
            restores: TableBuf::new("restore_runs", RESTORE_COLS, engine),
            items: TableBuf::new("restore_items", ITEM_COLS, engine),
            evidence: TableBuf::new("evidence", EVIDENCE_COLS, engine),
            audit: TableBuf::new("audit_log", AUDIT_COLS, engine),
            notifications: TableBuf::new("notifications", NOTIFICATION_COLS, engine),
            next_item: plan.first_item,
            next_evidence: plan.first_evidence,
            next_audit: plan.first_audit,
            next_notification: plan.first_notification,
            env_weights,
            shape_weights: SHAPES.iter().map(|(_, w)| *w).collect(),
            payload: throttled_payload().to_string(),
            plan,
        }
    }

    /// Generates every run; `send` gets each statement in an order the foreign keys accept
    /// and returns false to stop.
    pub(super) fn run(mut self, send: &mut dyn FnMut(Batch) -> bool) {
        let batch = self.ops.rows_per_statement() as u64;
        let mut i = 0;
        while i < self.plan.runs {
            let end = (i + batch).min(self.plan.runs);
            for n in i..end {
                self.one(n);
            }
            i = end;
            // Parents first, whole; children whenever a full statement waits.
            let mut out: Vec<Batch> = Vec::new();
            out.extend(self.ops.take_rest());
            while let Some(s) = self.restores.take_full() {
                out.push(s);
            }
            out.extend(self.restores.take_rest());
            for buf in [&mut self.items, &mut self.evidence, &mut self.audit, &mut self.notifications] {
                while let Some(s) = buf.take_full() {
                    out.push(s);
                }
            }
            if i == self.plan.runs {
                for buf in [&mut self.items, &mut self.evidence, &mut self.audit, &mut self.notifications] {
                    out.extend(buf.take_rest());
                }
            }
            for sql in out {
                if !send(sql) {
                    return;
                }
            }
        }
    }

    fn audit_row(
        &mut self,
        env: EnvRef,
        actor: Option<i64>,
        action: &str,
        subject: (&str, i64),
        meta: Arg,
        at: DateTime<Utc>,
    ) {
        let id = self.next_audit;
        self.next_audit += 1;
        self.audit.push([
            Arg::I64(id),
            Arg::I64(env.workspace_id),
            Arg::OptI64(Some(env.id)),
            Arg::OptI64(actor),
            text(action),
            text(subject.0),
            Arg::I64(subject.1),
            meta,
            Arg::Time(at),
        ]);
    }

    fn evidence_row(
        &mut self,
        restore_id: i64,
        status: EvidenceStatus,
        verified: u64,
        expected: u64,
        at: DateTime<Utc>,
    ) -> Evidence {
        let id = self.next_evidence;
        self.next_evidence += 1;
        let verified = i64::try_from(verified).unwrap_or(0);
        let expected = i64::try_from(expected).unwrap_or(0);
        self.evidence.push([
            Arg::I64(id),
            Arg::I64(restore_id),
            text("post_restore_snapshot"),
            text(status.as_str()),
            Arg::I64(verified),
            Arg::I64(expected),
            Arg::Time(at),
        ]);
        Evidence {
            id,
            restore_run_id: restore_id,
            kind: "post_restore_snapshot".to_owned(),
            status,
            verified_items: verified,
            expected_items: expected,
            captured_at: at,
        }
    }

    /// Items for a shape: `n` planned, outcomes as the shape needs.
    fn plan_items(&mut self, shape: Shape, n: usize) -> Vec<ItemPlan> {
        let len = POLICIES.len() as u64;
        let start = self.rng.below(len);
        let stride = 1 + self.rng.below(len - 1);
        let mut out = Vec::with_capacity(n);
        for k in 0..n as u64 {
            let policy = usize::try_from((start + k * stride) % len).unwrap_or(0);
            let success = if self.rng.chance(700) { ItemOutcome::Applied } else { ItemOutcome::Unchanged };
            out.push(ItemPlan { policy, outcome: success, error: None, payload: false });
        }
        let non_success = |g: &mut Self, it: &mut ItemPlan| {
            let roll = g.rng.below(10);
            if roll < 6 {
                let (code, msg) = *g.rng.pick(&FAILURES);
                it.outcome = ItemOutcome::Failed;
                it.error = Some((Some(code), msg));
                it.payload = g.rng.chance(150);
            } else if roll < 8 {
                it.outcome = ItemOutcome::ManualRequired;
                it.error = Some((Some("manual_step"), *g.rng.pick(&MANUAL)));
            } else {
                let (code, msg) = *g.rng.pick(&SKIPS);
                it.outcome = ItemOutcome::Skipped;
                it.error = Some((code, msg));
            }
        };
        match shape {
            Shape::Mixed => {
                // At least one success and one gap.
                let bad = 1 + usize::try_from(self.rng.below(n.max(2) as u64 - 1)).unwrap_or(0);
                for it in out.iter_mut().skip(n.saturating_sub(bad).max(1)) {
                    non_success(self, it);
                }
            }
            Shape::NoneSucceeded => out.iter_mut().for_each(|it| non_success(self, it)),
            Shape::RestoreFailed => {
                let keep = usize::try_from(self.rng.below(n as u64)).unwrap_or(0);
                for it in out.iter_mut().skip(keep) {
                    non_success(self, it);
                    if it.outcome != ItemOutcome::Failed {
                        it.outcome = ItemOutcome::Failed;
                        let (code, msg) = *self.rng.pick(&FAILURES);
                        it.error = Some((Some(code), msg));
                    }
                }
            }
            _ => {}
        }
        out
    }

    fn one(&mut self, n: u64) {
        let plan_now = self.plan.now;
        let offset = i64::try_from(n).unwrap_or(i64::MAX);
        let op_id = self.plan.first_op + offset;
        let restore_id = self.plan.first_restore + offset;
        let env_index = self.rng.weighted(&self.env_weights);
        let env = EnvRef::of(&self.plan.envs[env_index]);
        let actors = &self.plan.envs[env_index].actors;
        let initiator = actors[usize::try_from(self.rng.below(actors.len() as u64)).unwrap_or(0)];
        let reconciler = actors[usize::try_from(self.rng.below(actors.len() as u64)).unwrap_or(0)];

        // created_at rises with the id over the two years before now (minus three hours).
        let span = (Duration::days(730) - Duration::hours(3)).num_seconds();
        let runs = i64::try_from(self.plan.runs.max(1)).unwrap_or(i64::MAX);
        let step = span / runs;
        let base = plan_now - Duration::days(730);
        let slot = i128::from(span) * i128::from(offset) / i128::from(runs);
        let jitter = if step > 1 { self.rng.secs(0, step) } else { Duration::zero() };
        let created = base + Duration::seconds(i64::try_from(slot).unwrap_or(0)) + jitter;

        let life = match self.rng.below(1000) {
            0..=879 => Life::Reconciled,
            880..=934 => Life::Worker,
            935..=979 => Life::Drift,
            980..=997 => Life::Cancelled,
            _ => Life::Stale,
        };
        let mut shape = match life {
            Life::Drift => *self.rng.pick(&DRIFT_SHAPES),
            Life::Cancelled => Shape::NotStarted,
            _ => SHAPES[self.rng.weighted(&self.shape_weights)].0,
        };
        if life == Life::Worker {
            shape = Shape::Clean;
        }

        let n_items = 1 + self.rng.weighted(&ITEM_COUNT_WEIGHTS);
        let n_items = if shape == Shape::Mixed { n_items.max(2) } else { n_items };

        // The restore record.
        let mut dry_run = false;
        let mut blocker: Option<Blocker> = None;
        let status = match shape {
            Shape::RestoreFailed => RestoreStatus::Failed,
            Shape::Blocked => {
                blocker = if self.rng.chance(120) { None } else { Some(*self.rng.pick(Blocker::ALL)) };
                RestoreStatus::Blocked
            }
            Shape::NotStarted if life == Life::Cancelled => {
                if self.rng.chance(500) {
                    RestoreStatus::Draft
                } else {
                    RestoreStatus::Previewed
                }
            }
            Shape::NotStarted => match self.rng.below(3) {
                0 => RestoreStatus::Draft,
                1 => RestoreStatus::Previewed,
                _ => {
                    dry_run = true;
                    RestoreStatus::Completed
                }
            },
            Shape::Interrupted => {
                if self.rng.chance(250) {
                    RestoreStatus::Queued
                } else {
                    RestoreStatus::Running
                }
            }
            _ if life == Life::Stale && self.rng.chance(400) => RestoreStatus::Running,
            _ => RestoreStatus::Completed,
        };
        let mut item_plans = match (shape, status) {
            (Shape::NoItems, _) | (_, RestoreStatus::Draft | RestoreStatus::Previewed | RestoreStatus::Queued) => {
                Vec::new()
            }
            (Shape::Blocked, _) => {
                if self.rng.chance(100) {
                    // Blocked part-way: something was written first.
                    let mut v = self.plan_items(Shape::Mixed, n_items.max(2));
                    v[0].outcome = ItemOutcome::Applied;
                    v
                } else {
                    Vec::new()
                }
            }
            _ => self.plan_items(shape, n_items),
        };
        if status == RestoreStatus::Running {
            // Interrupted part-way: only the items processed so far have outcomes.
            let done = usize::try_from(self.rng.below(item_plans.len() as u64 + 1)).unwrap_or(0);
            item_plans.truncate(done);
        }
        if dry_run {
            for it in &mut item_plans {
                it.outcome = ItemOutcome::Skipped;
                it.error = Some((Some("dry_run"), "Dry run: no change written"));
            }
        }

        let executed = !matches!(status, RestoreStatus::Draft | RestoreStatus::Previewed | RestoreStatus::Queued);
        let r_started = executed.then(|| created + self.rng.secs(10, 120));
        let duration =
            self.rng.secs(30, 60) + Duration::seconds(20 * i64::try_from(n_items).unwrap_or(1)) + self.rng.secs(0, 600);
        let r_completed = match status {
            RestoreStatus::Completed | RestoreStatus::Failed => r_started.map(|s| s + duration),
            _ => None,
        };

        let backup = format!("bs-{}-{:05}", env.id, (op_id * 7919).rem_euclid(100_000));
        self.restores.push([
            Arg::I64(restore_id),
            Arg::I64(env.workspace_id),
            Arg::I64(env.id),
            Arg::OptI64(Some(op_id)),
            Arg::Text(backup.clone()),
            text(status.as_str()),
            Arg::Bool(dry_run),
            opt_text(blocker.map(Blocker::as_str)),
            Arg::OptI64(Some(initiator)),
            Arg::OptTime(r_started),
            Arg::OptTime(r_completed),
            Arg::OptTime(None),
        ]);

        let mut counts = ItemCounts::default();
        for it in &item_plans {
            counts.add(it.outcome, 1);
            let (ptype, pname) = POLICIES[it.policy];
            let id = self.next_item;
            self.next_item += 1;
            let (code, msg) = it.error.map_or((None, None), |(c, m)| (c, Some(m)));
            let payload = it.payload.then(|| self.payload.clone());
            self.items.push([
                Arg::I64(id),
                Arg::I64(restore_id),
                text(ptype),
                text(pname),
                text(it.outcome.as_str()),
                opt_text(code),
                opt_text(msg),
                Arg::OptText(payload),
            ]);
        }

        // Post-run evidence.
        let succeeded = counts.succeeded();
        let mut latest: Option<Evidence> = None;
        if let Some(done) = r_completed.filter(|_| !dry_run) {
            let after = done + self.rng.secs(60, 900);
            latest = match shape {
                Shape::EvidenceMissing | Shape::NoneSucceeded | Shape::NoItems => None,
                Shape::EvidenceIncomplete => Some(match self.rng.below(4) {
                    0 => self.evidence_row(
                        restore_id,
                        EvidenceStatus::Incomplete,
                        succeeded.saturating_sub(1),
                        succeeded,
                        after,
                    ),
                    1 => self.evidence_row(restore_id, EvidenceStatus::Failed, 0, succeeded, after),
                    2 => self.evidence_row(
                        restore_id,
                        EvidenceStatus::Complete,
                        succeeded.saturating_sub(1),
                        succeeded.saturating_sub(1),
                        after,
                    ),
                    _ => {
                        let early = done - self.rng.secs(30, 300);
                        self.evidence_row(restore_id, EvidenceStatus::Complete, succeeded, succeeded, early)
                    }
                }),
                Shape::RestoreFailed if succeeded == 0 || self.rng.chance(500) => None,
                _ => Some(self.evidence_row(restore_id, EvidenceStatus::Complete, succeeded, succeeded, after)),
            };
        }

        // Audit continuity.
        let mut audit = Vec::with_capacity(2);
        let (mut write_start, mut write_end) =
            (r_started.is_some(), r_completed.is_some() || status == RestoreStatus::Blocked);
        if shape == Shape::AuditGap {
            if self.rng.chance(700) {
                write_end = false;
            } else {
                write_start = false;
            }
        }
        let items_total = i64::try_from(item_plans.len()).unwrap_or(0);
        if let (true, Some(at)) = (write_start, r_started) {
            let meta = json(&StartedMeta { backup_set_ref: &backup, item_count: items_total });
            self.audit_row(env, Some(initiator), "restore.execute.started", ("restore_run", restore_id), meta, at);
            audit.push(AuditFact {
                action: "restore.execute.started".to_owned(),
                workspace_id: env.workspace_id,
                environment_id: env.id,
            });
        }
        if write_end {
            let at = r_completed.or(r_started.map(|s| s + Duration::seconds(5))).unwrap_or(created);
            let meta = json(&CompletedMeta { status: status.as_str(), item_count: items_total });
            self.audit_row(env, None, "restore.execute.completed", ("restore_run", restore_id), meta, at);
            audit.push(AuditFact {
                action: "restore.execute.completed".to_owned(),
                workspace_id: env.workspace_id,
                environment_id: env.id,
            });
        }

        // What the proof says, by the real rules, as if reconciled long after the fact.
        let source = *self.rng.pick(&SOURCES);
        let mut context = Map::new();
        context.insert("restore_run_id".to_owned(), Value::from(restore_id));
        let restore = RestoreRun {
            id: restore_id,
            workspace_id: env.workspace_id,
            environment_id: env.id,
            operation_run_id: Some(op_id),
            backup_set_ref: String::new(),
            status,
            is_dry_run: dry_run,
            blocker,
            requested_by: Some(initiator),
            started_at: r_started,
            completed_at: r_completed,
            deleted_at: None,
        };
        let bundle = ProofBundle {
            operation: OperationRun {
                id: op_id,
                workspace_id: env.workspace_id,
                environment_id: env.id,
                op_type: RESTORE_EXECUTE.to_owned(),
                status: OpStatus::Running,
                outcome: Outcome::Pending,
                initiator_id: Some(initiator),
                context: context.into(),
                summary_counts: JsonObject::default(),
                created_at: created,
                started_at: None,
                completed_at: None,
                updated_at: created,
            },
            restore: Some(restore),
            items: counts,
            latest_evidence: latest,
            audit,
        };
        let verdict = assess(&bundle, plan_now, Duration::minutes(30));
        let context = RunContext { restore_run_id: restore_id, source, reconciliation: None };

        let op_started = r_started.or_else(|| (status != RestoreStatus::Draft).then(|| created + Duration::seconds(5)));
        let finished = r_completed.or(r_started.map(|s| s + duration)).unwrap_or(created + duration);
        let (op_status, outcome, context, summary, completed_at, updated_at) =
            match (life, Outcome::from_decision(verdict.decision)) {
                (Life::Stale, _) | (_, None) => {
                    let op_status = if op_started.is_some() { OpStatus::Running } else { OpStatus::Queued };
                    let updated = r_started.unwrap_or(created) + self.rng.secs(30, 900);
                    (op_status, Outcome::Pending, context, empty_object(), None, updated)
                }
                (Life::Reconciled, Some(outcome)) => {
                    let reconciled_at =
                        (finished + self.rng.secs(35 * 60, 48 * 3600)).min(plan_now - Duration::seconds(60));
                    let completed_at = r_completed
                        .filter(|c| op_started.is_none_or(|s| *c >= s) && *c <= plan_now)
                        .unwrap_or(reconciled_at);
                    let reconciliation = ReconciliationContext::new(&verdict, reconciled_at, reconciler);
                    let context = RunContext { reconciliation: Some(reconciliation), ..context };
                    let summary = json(&verdict.counts);
                    let meta = json(&ReconciledAudit {
                        restore_run_id: Some(restore_id),
                        ..ReconciledAudit::new(&verdict, None)
                    });
                    self.audit_row(
                        env,
                        Some(reconciler),
                        "operation_run.reconciled",
                        ("operation_run", op_id),
                        meta,
                        reconciled_at,
                    );
                    if reconciled_at > plan_now - Duration::days(NOTIFICATION_DAYS) {
                        // Notifications are an inbox: only the recent ones are kept.
                        let nid = self.next_notification;
                        self.next_notification += 1;
                        self.notifications.push([
                            Arg::I64(nid),
                            Arg::I64(initiator),
                            Arg::I64(op_id),
                            text("operation_run.terminal"),
                            Arg::Time(reconciled_at),
                        ]);
                    }
                    (OpStatus::Completed, outcome, context, summary, Some(completed_at), reconciled_at)
                }
                (Life::Worker, Some(outcome)) => (
                    OpStatus::Completed,
                    outcome,
                    context,
                    json(&verdict.counts),
                    Some(finished),
                    finished + Duration::seconds(2),
                ),
                (Life::Drift, Some(_)) => (
                    OpStatus::Completed,
                    Outcome::Succeeded,
                    context,
                    json(&DriftCounts { total: items_total, succeeded: items_total }),
                    Some(finished),
                    finished + Duration::seconds(2),
                ),
                (Life::Cancelled, Some(_)) => {
                    let at = created + self.rng.secs(120, 3 * 3600);
                    (OpStatus::Completed, Outcome::Cancelled, context, empty_object(), Some(at), at)
                }
            };

        self.ops.push([
            Arg::I64(op_id),
            Arg::I64(env.workspace_id),
            Arg::I64(env.id),
            text(RESTORE_EXECUTE),
            text(op_status.as_str()),
            text(outcome.as_str()),
            Arg::OptI64(Some(initiator)),
            json(&context),
            summary,
            Arg::Time(created),
            Arg::OptTime(op_started),
            Arg::OptTime(completed_at),
            Arg::Time(updated_at),
        ]);
    }
}

#[cfg(test)]
mod tests {
    use super::super::scenarios::scenarios_at;
    use super::super::SCENARIO_ANCHOR;
    use super::*;

    fn fixed_now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-26T12:00:00Z")
            .map_or_else(|_| DateTime::default(), |t| t.with_timezone(&Utc))
    }

    #[test]
    fn the_generator_is_deterministic() {
        let doc = scenarios_at(fixed_now()).expect("scenarios parse");
        let now = DateTime::parse_from_rfc3339(SCENARIO_ANCHOR).map(|t| t.with_timezone(&Utc)).expect("anchor");
        let collect = || {
            let plan = Plan::from_scenarios(&doc, now, 300).expect("plan");
            let mut out = Vec::new();
            Generator::new(plan).run(&mut |sql| {
                out.push(sql);
                true
            });
            out
        };
        let (a, b) = (collect(), collect());
        assert_eq!(a.len(), b.len());
        assert!(a.iter().zip(&b).all(|(x, y)| x.same(y)));
        assert!(matches!(&a[0], Batch::Insert(sql) if sql.text.starts_with("INSERT INTO operation_runs")));
    }
}
