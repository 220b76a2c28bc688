//! The hot pieces behind every list page, measured with criterion (`cargo bench`):
//! the proof rules (`assess`), the terminal sanitizer (`clean`) on plain and hostile text, and
//! the conversion of a database row into its domain record (no database involved).
//!
//! The list and database figures live in `proofdesk bench` (see docs/performance.md); this
//! file measures pure code, plus one frame of the runs list (build + render + diff at 200x50)
//! over a small seeded demo database loaded once before timing.

use std::hint::black_box;

use chrono::{DateTime, Duration, Utc};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use serde_json::{json, Map, Value};

use proofdesk::domain::{
    assess, AuditFact, Evidence, EvidenceStatus, ItemCounts, JsonText, OpStatus, OperationRun, Outcome, ProofBundle,
    RestoreRun, RestoreStatus, RESTORE_EXECUTE,
};
use proofdesk::sanitize::clean;
use proofdesk::store::rows::{JsonColumn, RunRow, RUN_COLUMNS, RUN_JOINS};

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
            context: object(json!({"restore_run_id": 5042, "source": "restore wizard"})).into(),
            summary_counts: Map::new().into(),
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
        context: JsonText::from(json!({
            "restore_run_id": 612_345, "source": "restore wizard",
            "reconciliation": {
                "adapter": "restore.execute", "decision": "partially_succeeded",
                "reason_code": "mixed_item_outcomes",
                "findings": ["mixed_item_outcomes", "post_run_evidence_incomplete"],
                "reconciled_at": "2026-03-02T10:00:00Z", "actor": {"kind": "operator", "id": 100},
                "proof": {"restore_run_id": 612_345, "restore_status": "completed",
                          "evidence_status": "incomplete", "audit": "complete"}
            }
        }))
        .into(),
        summary_counts: JsonColumn(JsonText::from(json!({
            "total": 5, "applied": 3, "unchanged": 0, "failed": 2, "skipped": 0, "manual_required": 0,
            "succeeded": 3, "evidence_verified": 2, "evidence_expected": 3
        }))),
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

/// One frame of the runs list at 200x50 with a page of demo runs loaded: build, render, diff.
/// The selection moves each iteration so that every frame has something to draw.
fn bench_render(c: &mut Criterion) {
    use proofdesk::demo as seed;
    use proofdesk::service::{Clock, OpenOptions, Service};
    use proofdesk::store::{Create, Store};
    use proofdesk::tui::event::Msg;
    use proofdesk::tui::worker::settle;
    use proofdesk::tui::{render, App, Theme};
    use ratatui::backend::TestBackend;
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use ratatui::Terminal;

    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite:{}", dir.path().join("render.sqlite").display());
    let (mut app, svc) = rt.block_on(async {
        let store = Store::open(&url, Create::IfMissing).await.expect("store");
        seed::seed_demo(&store, Utc::now(), 2_000).await.expect("seed");
        let opts = OpenOptions {
            url: None,
            operator: None,
            read_only: true,
            stale_after: Duration::minutes(30),
            clock: Clock::system(),
        };
        let svc = Service::with_store(store, opts).await.expect("service");
        let (mut app, cmds) = App::new(svc.clone(), (200, 50), std::time::Instant::now());
        settle(&mut app, &svc, cmds).await;
        (app, svc)
    });
    let theme = Theme::resolve(None, false).expect("theme");
    let mut terminal = Terminal::new(TestBackend::new(200, 50)).expect("terminal");
    let mut down = true;
    c.bench_function("render/runs list 200x50, selection moves", |b| {
        b.iter(|| {
            let code = if down { KeyCode::Char('j') } else { KeyCode::Char('k') };
            down = !down;
            let cmds = app.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
            if !cmds.is_empty() {
                rt.block_on(settle(&mut app, &svc, cmds));
            }
            terminal.draw(|f| render(f, &app, &theme)).expect("draw");
        });
    });
}

/// Decoding a page of 50 run rows as SQLite hands them over (the rows fetched once, before
/// timing), with the demo's `context` and `summary_counts`: what a list page pays per run on
/// top of the SQL.
fn bench_decode(c: &mut Criterion) {
    use proofdesk::demo as seed;
    use proofdesk::store::{Create, Store};
    use sqlx::{Connection, FromRow};

    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("decode.sqlite");
    let rows: Vec<sqlx::sqlite::SqliteRow> = rt.block_on(async {
        let store = Store::open(&format!("sqlite:{}", path.display()), Create::IfMissing).await.expect("store");
        seed::seed_demo(&store, Utc::now(), 2_000).await.expect("seed");
        store.close().await;
        let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite:{}", path.display())).await.expect("connect");
        let sql = format!(
            "SELECT {RUN_COLUMNS} FROM operation_runs o {RUN_JOINS} WHERE o.type = 'restore.execute' \
             ORDER BY o.created_at DESC, o.id DESC LIMIT 50"
        );
        sqlx::query(&sql).fetch_all(&mut conn).await.expect("rows")
    });
    assert_eq!(rows.len(), 50);
    c.bench_function("rows/decode 50 sqlite run rows", |b| {
        b.iter(|| black_box(rows.iter().map(|r| RunRow::from_row(r).expect("decodes")).collect::<Vec<_>>()));
    });
}

criterion_group!(hot, bench_assess, bench_clean, bench_rows, bench_decode, bench_render);
criterion_main!(hot);
