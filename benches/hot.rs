//! The hot pieces behind every list page, measured with criterion (`cargo bench`):
//! the proof rules (`assess`), the terminal sanitizer (`clean`) on plain and hostile text, and
//! the conversion of a database row into its domain record (no database involved).
//!
//! The list and database figures live in `proofdesk bench` (see docs/performance.md); this
//! file only measures pure code. A TUI render entry is added here by the TUI's owner.

use std::hint::black_box;

use chrono::{DateTime, Duration, Utc};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use serde_json::{json, Map, Value};
use sqlx::types::Json;

use proofdesk::domain::{
    assess, AuditFact, Evidence, EvidenceStatus, ItemCounts, OpStatus, OperationRun, Outcome, ProofBundle, RestoreRun,
    RestoreStatus, RESTORE_EXECUTE,
};
use proofdesk::sanitize::clean;
use proofdesk::store::rows::RunRow;

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).map_or(DateTime::<Utc>::MIN_UTC, |t| t.with_timezone(&Utc))
}

fn object(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// A stale running run whose completed restore has items, evidence and a full audit trail.
fn bundle(failed: u64, evidence: bool) -> ProofBundle {
    let created = at("2026-11-20T06:00:00Z");
    let started = created + Duration::minutes(1);
    let done = started + Duration::minutes(25);
    let audit = ["restore.execute.started", "restore.execute.completed"]
        .iter()
        .map(|a| AuditFact { action: (*a).to_owned(), workspace_id: 1, environment_id: 10 })
        .collect();
    ProofBundle {
        operation: OperationRun {
            id: 1042,
            workspace_id: 1,
            environment_id: 10,
            op_type: RESTORE_EXECUTE.to_owned(),
            status: OpStatus::Running,
            outcome: Outcome::Pending,
            initiator_id: Some(100),
            context: object(json!({"restore_run_id": 5042, "source": "restore wizard"})),
            summary_counts: Map::new(),
            created_at: created,
            started_at: Some(started),
            completed_at: None,
            updated_at: started + Duration::minutes(59),
        },
        restore: Some(RestoreRun {
            id: 5042,
            workspace_id: 1,
            environment_id: 10,
            operation_run_id: Some(1042),
            backup_set_ref: "bs-10-51598".to_owned(),
            status: RestoreStatus::Completed,
            is_dry_run: false,
            blocker: None,
            requested_by: Some(100),
            started_at: Some(started),
            completed_at: Some(done),
            deleted_at: None,
        }),
        items: ItemCounts { applied: 4, unchanged: 1, failed, skipped: 0, manual_required: 0 },
        latest_evidence: evidence.then(|| Evidence {
            id: 7008,
            restore_run_id: 5042,
            kind: "post_restore_snapshot".to_owned(),
            status: EvidenceStatus::Complete,
            verified_items: 5,
            expected_items: 5,
            captured_at: done + Duration::minutes(14),
        }),
        audit,
    }
}

fn bench_assess(c: &mut Criterion) {
    let now = at("2026-11-20T12:00:00Z");
    let stale_after = Duration::minutes(30);
    let mut g = c.benchmark_group("assess");
    for (name, b) in [
        ("succeeded", bundle(0, true)),
        ("partially_succeeded", bundle(2, true)),
        ("evidence_missing", bundle(0, false)),
    ] {
        g.bench_function(name, |bench| bench.iter(|| assess(black_box(&b), black_box(now), stale_after)));
    }
    let mut completed = bundle(0, true);
    completed.operation.status = OpStatus::Completed;
    completed.operation.outcome = Outcome::Succeeded;
    g.bench_function("completed_drift_check", |bench| {
        bench.iter(|| assess(black_box(&completed), black_box(now), stale_after));
    });
    g.finish();
}

fn bench_clean(c: &mut Criterion) {
    let plain = "Windows 11 - BitLocker Encryption (Contoso Prod, contoso.onmicrosoft.com)";
    let hostile = "Kiosk \u{1b}]0;pwned\u{7} Lockdown \u{202e}gpj.exe\u{200b} Baseline\r\n\u{85}end";
    let long_hostile: String = hostile.repeat(400);
    let mut g = c.benchmark_group("sanitize::clean");
    g.bench_function("plain", |b| b.iter(|| clean(black_box(plain))));
    g.bench_function("hostile", |b| b.iter(|| clean(black_box(hostile))));
    g.bench_function("hostile_cut_at_max", |b| b.iter(|| clean(black_box(&long_hostile))));
    g.finish();
}

/// A run row as the list query returns it: a reconciled run with its full context.
fn run_row() -> RunRow {
    let created = at("2026-03-02T08:15:00Z");
    RunRow {
        id: 612_345,
        workspace_id: 1,
        environment_id: 10,
        op_type: RESTORE_EXECUTE.to_owned(),
        status: "completed".to_owned(),
        outcome: "partially_succeeded".to_owned(),
        initiator_id: Some(100),
        context: Json(json!({
            "restore_run_id": 612_345, "source": "restore wizard",
            "reconciliation": {
                "adapter": "restore.execute", "decision": "partially_succeeded",
                "reason_code": "mixed_item_outcomes",
                "findings": ["mixed_item_outcomes", "post_run_evidence_incomplete"],
                "reconciled_at": "2026-03-02T10:00:00Z", "actor": {"kind": "operator", "id": 100},
                "proof": {"restore_run_id": 612_345, "restore_status": "completed",
                          "evidence_status": "incomplete", "audit": "complete"}
            }
        })),
        summary_counts: Json(json!({
            "total": 5, "applied": 3, "unchanged": 0, "failed": 2, "skipped": 0, "manual_required": 0,
            "succeeded": 3, "evidence_verified": 2, "evidence_expected": 3
        })),
        created_at: created,
        started_at: Some(created + Duration::seconds(40)),
        completed_at: Some(created + Duration::minutes(12)),
        updated_at: created + Duration::minutes(110),
        workspace_name: Some("Contoso".to_owned()),
        environment_name: Some("Contoso Prod".to_owned()),
        tenant_ref: Some("contoso.onmicrosoft.com".to_owned()),
        problem: None,
    }
}

fn bench_rows(c: &mut Criterion) {
    let row = run_row();
    let mut g = c.benchmark_group("rows");
    g.bench_function("run_row_to_domain", |b| b.iter(|| black_box(&row).to_domain()));
    g.bench_function("page_of_50_to_domain", |b| {
        b.iter_batched(
            || vec![row.clone(); 50],
            |rows| rows.iter().map(RunRow::to_domain).count(),
            BatchSize::SmallInput,
        );
    });
    g.finish();
}

criterion_group!(hot, bench_assess, bench_clean, bench_rows);
criterion_main!(hot);
