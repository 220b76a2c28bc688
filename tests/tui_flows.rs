//! Whole-console flows on `TestBackend`: seeded databases (the shared fixture cases), a fixed
//! clock, keys fed to `App::update`, worker commands run to completion with `worker::settle`
//! (no sleeps), and `insta` snapshots of the rendered text. Theme tests compare styles too.

mod common;

use common::screen::{draw, text_of};
use std::path::PathBuf;
use std::time::Instant;

use chrono::{DateTime, Duration, Utc};
use proofdesk::domain::Decision;
use proofdesk::service::{Clock, OpenOptions, Service};
use proofdesk::store::{fixtures, Create, Store};
use proofdesk::tui::event::{Msg, Reply};
use proofdesk::tui::screen::dialog::{Outcome, Phase};
use proofdesk::tui::screen::runs::TALLY_STEP;
use proofdesk::tui::worker::{settle, Command};
use proofdesk::tui::{App, Theme};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde_json::{json, Value};

const WIDE: (u16, u16) = (120, 40);
const SMALL: (u16, u16) = (80, 24);

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-20T12:00:00Z").expect("time").with_timezone(&Utc)
}

fn case(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/cases").join(name);
    serde_json::from_str(&std::fs::read_to_string(&path).expect("read case")).expect("case JSON")
}

/// A fresh SQLite file under `target/` with a path of fixed length (the status bar shows it).
struct Db {
    dir: tempfile::TempDir,
    store: Store,
}

impl Db {
    async fn with(docs: &[Value]) -> Self {
        std::fs::create_dir_all("target/tui-flows").expect("dir");
        let dir = tempfile::Builder::new().prefix("db-").rand_bytes(6).tempdir_in("target/tui-flows").expect("tempdir");
        let name = dir.path().file_name().and_then(|n| n.to_str()).expect("name");
        let url = format!("sqlite:target/tui-flows/{name}/t.sqlite");
        let store = Store::open(&url, Create::IfMissing).await.expect("open store");
        for doc in docs {
            fixtures::load_value(&store, doc).await.expect("fixture loads");
        }
        Self { dir, store }
    }

    async fn service(&self, who: &str, read_only: bool) -> Service {
        let opts = OpenOptions {
            url: None,
            operator: Some(who.to_owned()),
            read_only,
            stale_after: Duration::minutes(30),
            clock: Clock::fixed(now()),
        };
        Service::with_store(self.store.clone(), opts).await.expect("service")
    }

    /// Rendered text with the random part of the database path made stable, and every time a
    /// write stamped with the real clock (never `--now`) shown as `YYYY-MM-DDTHH:MM:SSZ`.
    fn stable(&self, text: &str) -> String {
        let name = self.dir.path().file_name().and_then(|n| n.to_str()).expect("name").to_owned();
        let text = text.replace(&name, "db-XXXXXX");
        let recent = chrono::Utc::now() - chrono::Duration::hours(1);
        let mut out = String::with_capacity(text.len());
        let mut rest = text.as_str();
        while let Some(i) = rest.find("20") {
            out.push_str(&rest[..i]);
            rest = &rest[i..];
            let stamp = rest.get(..20).filter(|t| t.ends_with('Z'));
            match stamp.and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok()) {
                Some(t) if t >= recent => {
                    out.push_str("YYYY-MM-DDTHH:MM:SSZ");
                    rest = &rest[20..];
                }
                _ => {
                    out.push_str("20");
                    rest = &rest[2..];
                }
            }
        }
        out.push_str(rest);
        out
    }
}

/// Several cases in one database: every per-case id moved by `100 * k`.
fn merged(names: &[&str]) -> Value {
    let mut out = case(names[0]);
    for table in ["operation_runs", "restore_runs", "restore_items", "evidence", "audit_log"] {
        out[table] = json!([]);
    }
    for (k, name) in names.iter().enumerate() {
        let off = 100 * (i64::try_from(k).expect("k") + 1);
        let c = case(name);
        let shift = |v: &Value| json!(v.as_i64().expect("id") + off);
        let mut push = |table: &str, fields: &[&str]| {
            for row in c[table].as_array().cloned().unwrap_or_default() {
                let mut row = row;
                for f in fields {
                    if row[*f].is_i64() {
                        row[*f] = shift(&row[*f]);
                    }
                }
                if let Some(rid) = row.pointer("/context/restore_run_id").cloned() {
                    row["context"]["restore_run_id"] = shift(&rid);
                }
                out[table].as_array_mut().expect("array").push(row);
            }
        };
        push("operation_runs", &["id"]);
        push("restore_runs", &["id", "operation_run_id"]);
        push("restore_items", &["id", "restore_run_id"]);
        push("evidence", &["id", "restore_run_id"]);
        push("audit_log", &["id", "subject_id"]);
    }
    out
}

/// `n` synthetic `restore.execute` runs without a restore, one minute apart, ids 10000…
fn synthetic(n: i64) -> Value {
    let mut base = case("19-proof-complete.json");
    let runs: Vec<Value> = (0..n)
        .map(|i| {
            let at = (now() - Duration::days(2) + Duration::minutes(i)).to_rfc3339();
            json!({"id": 10_000 + i, "workspace_id": 1, "environment_id": 10, "type": "restore.execute",
                   "status": "queued", "outcome": "pending", "context": {}, "created_at": at, "updated_at": at})
        })
        .collect();
    base["operation_runs"] = Value::Array(runs);
    for t in ["restore_runs", "restore_items", "evidence", "audit_log"] {
        base[t] = json!([]);
    }
    base
}

fn only_base() -> Value {
    let mut base = synthetic(0);
    base["operation_runs"] = json!([]);
    base
}

fn key(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

fn code(c: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(c, KeyModifiers::NONE))
}

fn ctrl(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

async fn start(svc: &Service, size: (u16, u16)) -> App {
    let (mut app, cmds) = App::new(svc.clone(), size, Instant::now());
    settle(&mut app, svc, cmds).await;
    app
}

async fn press(app: &mut App, svc: &Service, msgs: impl IntoIterator<Item = Msg>) {
    for m in msgs {
        let cmds = app.update(m);
        settle(app, svc, cmds).await;
    }
}

async fn type_text(app: &mut App, svc: &Service, text: &str) {
    press(app, svc, text.chars().map(key)).await;
}

fn screen(db: &Db, app: &App) -> String {
    db.stable(&text_of(&draw(app, &Theme::built_in("default").expect("theme"))))
}

/// A database with one case, the console started as `who`.
async fn one(name: &str, who: &str, read_only: bool, size: (u16, u16)) -> (Db, Service, App) {
    let db = Db::with(&[case(name)]).await;
    let svc = db.service(who, read_only).await;
    let app = start(&svc, size).await;
    (db, svc, app)
}

#[tokio::test]
async fn list_empty_says_so_and_shows_the_default_filter() {
    let db = Db::with(&[only_base()]).await;
    let svc = db.service("alice", false).await;
    let app = start(&svc, WIDE).await;
    let s = screen(&db, &app);
    assert!(s.contains("[type:restore.execute]") && s.contains("No runs match"));
    insta::assert_snapshot!("list_empty", s);
}

const MANY: [&str; 8] = [
    "19-proof-complete.json",
    "15-mixed.json",
    "09-blocked-write-gate.json",
    "14-no-item-succeeded.json",
    "04-wrong-workspace.json",
    "02-already-terminal-drift.json",
    "08-not-stale.json",
    "01-unsupported-type.json",
];

#[tokio::test]
async fn list_many_rows_wide_and_narrow() {
    let db = Db::with(&[merged(&MANY)]).await;
    let svc = db.service("alice", false).await;
    let mut app = start(&svc, WIDE).await;
    press(&mut app, &svc, [key('j'), key('j')]).await;
    let s = screen(&db, &app);
    assert!(s.contains("▶") && s.contains("≠ drift") && s.contains("⏱ stale"));
    assert!(!s.contains("backup.capture"), "the default view lists restore.execute only");
    insta::assert_snapshot!("list_many", s);
    press(&mut app, &svc, [Msg::Resize(SMALL.0, SMALL.1)]).await;
    insta::assert_snapshot!("list_many_80x24", screen(&db, &app));
    // Sorted by status (`>` three times: updated, id, status), A to Z, the selected run kept:
    // the header carries the arrow, the title names the order, completed runs come first.
    let selected = app.list.selected().map(|r| r.id);
    press(&mut app, &svc, [key('>'), key('>'), key('>'), Msg::Resize(WIDE.0, WIDE.1)]).await;
    assert_eq!(app.list.selected().map(|r| r.id), selected, "the selection follows its run");
    let statuses: Vec<String> =
        (0..app.list.known_rows().0).filter_map(|i| app.list.row(i)).map(|r| r.status.clone()).collect();
    assert!(
        statuses.windows(2).all(|w| w[0] <= w[1]) && statuses.first().is_some_and(|s| s == "completed"),
        "{statuses:?}"
    );
    insta::assert_snapshot!("list_sorted_by_status", screen(&db, &app));
    // `S` reverses it, `<` goes back one key (id, highest first).
    press(&mut app, &svc, [key('S')]).await;
    assert!(screen(&db, &app).contains("sort status ↓ Z→A") && screen(&db, &app).contains("STATUS ↓"));
    press(&mut app, &svc, [key('<')]).await;
    assert!(screen(&db, &app).contains("sort id ↓ highest first") && screen(&db, &app).contains("ID ↓"));
}

#[tokio::test]
async fn filter_bar_compiles_the_language_and_keeps_the_old_filter_on_error() {
    let db = Db::with(&[merged(&MANY)]).await;
    let svc = db.service("alice", false).await;
    let mut app = start(&svc, WIDE).await;
    press(&mut app, &svc, [key('/'), ctrl('u')]).await;
    type_text(&mut app, &svc, "status:runing").await;
    press(&mut app, &svc, [code(KeyCode::Enter)]).await;
    let s = screen(&db, &app);
    assert!(s.contains("unknown status \"runing\"") && s.contains("previous filter stays active"));
    insta::assert_snapshot!("filter_error", s);
    assert_eq!(app.list.filter_text, "type:restore.execute");
    press(&mut app, &svc, [ctrl('u')]).await;
    type_text(&mut app, &svc, "type:any decision:partially_succeeded,not_reconciled gap").await;
    press(&mut app, &svc, [code(KeyCode::Enter)]).await;
    let s = screen(&db, &app);
    assert!(s.contains("[decision:partially_succeeded,not_reconciled]") && s.contains("[gap]"));
    insta::assert_snapshot!("list_filtered", s);
    press(&mut app, &svc, [key('x')]).await;
    let s = screen(&db, &app);
    assert!(s.contains("backup.capture") && s.contains("every run of every type"), "x clears every filter");
    press(&mut app, &svc, [key('/'), ctrl('u')]).await;
    type_text(&mut app, &svc, "Kiosk").await;
    press(&mut app, &svc, [code(KeyCode::Enter)]).await;
    assert!(screen(&db, &app).contains("No runs match"), "search terms reach the query");
}

#[tokio::test]
async fn detail_for_each_decision() {
    for (name, snap, expect) in [
        ("19-proof-complete.json", "detail_succeeded", "✔ succeeded"),
        ("15-mixed.json", "detail_partially_succeeded", "◐ partially_succeeded"),
        ("09-blocked-write-gate.json", "detail_blocked", "⛔ blocked"),
        ("14-no-item-succeeded.json", "detail_failed", "✘ failed"),
        ("04-wrong-workspace.json", "detail_out_of_scope", "· not_reconciled"),
    ] {
        let (db, svc, mut app) = one(name, "alice", false, WIDE).await;
        press(&mut app, &svc, [code(KeyCode::Enter)]).await;
        let s = screen(&db, &app);
        assert!(s.contains(expect), "{name}: {s}");
        if name.starts_with("04") {
            assert!(s.contains("restore_run_wrong_workspace") && s.contains("Nothing of a restore is shown"));
            assert!(!s.contains("#500") && !s.contains("Win11"), "nothing of the foreign restore leaks");
        }
        insta::assert_snapshot!(snap, s);
    }
}

#[tokio::test]
async fn detail_panes_jump_and_reveal_on_demand() {
    let mut doc = case("15-mixed.json");
    doc["restore_items"][1]["provider_payload"] =
        json!({"error": {"code": "BadRequest"}, "client_secret": "hunter2", "headers": {"Authorization": "Bearer x"}});
    let db = Db::with(&[doc]).await;
    let svc = db.service("alice", false).await;
    let mut app = start(&svc, WIDE).await;
    press(&mut app, &svc, [code(KeyCode::Enter), key('g'), key('f'), key('e'), key('v')]).await;
    let s = screen(&db, &app);
    assert!(s.contains("Property 'foo' is read-only") && s.contains("••••"), "{s}");
    assert!(!s.contains("hunter2") && !s.contains("Bearer x"), "secrets stay masked");
    insta::assert_snapshot!("detail_items_revealed", s);
    // A payload taller than its place scrolls with the page keys; j/k still choose the item.
    press(&mut app, &svc, [code(KeyCode::End)]).await;
    let s = screen(&db, &app);
    assert!(s.contains("PgDn/PgUp 4–12 of 12"), "the payload's end:\n{s}");
    press(&mut app, &svc, [code(KeyCode::PageUp)]).await;
    assert!(screen(&db, &app).contains("PgDn/PgUp 1–9 of 12"), "and back");
    press(&mut app, &svc, [Msg::Resize(SMALL.0, SMALL.1), code(KeyCode::Tab)]).await;
    insta::assert_snapshot!("detail_80x24_evidence", screen(&db, &app));
    press(&mut app, &svc, [code(KeyCode::Tab), code(KeyCode::End)]).await;
    let bottom = app.detail.as_ref().map_or(0, |d| d.proof_scroll);
    assert!(bottom > 0, "the proof pane scrolls at 80x24");
    press(&mut app, &svc, [key('k')]).await;
    assert_eq!(app.detail.as_ref().map(|d| d.proof_scroll), Some(bottom - 1), "no overshoot to undo");
    insta::assert_snapshot!("detail_80x24_proof_bottom", screen(&db, &app));
    press(&mut app, &svc, [code(KeyCode::Esc)]).await;
    assert!(app.detail.is_none(), "Esc goes back to the list");
}

#[tokio::test]
async fn reconcile_dialog_written_and_refreshed() {
    let (db, svc, mut app) = one("19-proof-complete.json", "alice", false, WIDE).await;
    press(&mut app, &svc, [code(KeyCode::Enter), key('r')]).await;
    type_text(&mut app, &svc, "100").await;
    press(&mut app, &svc, [code(KeyCode::Enter)]).await;
    assert!(matches!(app.dialog.as_ref().map(|d| &d.phase), Some(Phase::Editing)), "Enter waits for the full id");
    type_text(&mut app, &svc, "0").await;
    press(&mut app, &svc, [code(KeyCode::Tab)]).await;
    type_text(&mut app, &svc, "INC-42").await;
    insta::assert_snapshot!("dialog_typed", screen(&db, &app));
    press(&mut app, &svc, [code(KeyCode::Enter)]).await;
    let s = screen(&db, &app);
    assert!(s.contains("written") && s.contains("completed"), "{s}");
    insta::assert_snapshot!("dialog_written", s);
    let run = svc.run(1000).await.expect("run");
    assert_eq!((run.status.as_str(), run.outcome.as_str()), ("completed", "succeeded"));
    press(&mut app, &svc, [code(KeyCode::Esc)]).await;
    let s = screen(&db, &app);
    assert!(app.dialog.is_none() && s.contains("✔ succeeded"), "{s}");
    assert!(s.contains("operation_run.reconciled"), "the detail refreshed after the write: {s}");
}

#[tokio::test]
async fn a_run_reconciled_out_of_the_filter_stays_in_view_until_the_next_key() {
    let (db, svc, mut app) = one("19-proof-complete.json", "alice", false, WIDE).await;
    press(&mut app, &svc, [key('/')]).await;
    type_text(&mut app, &svc, "stale").await;
    press(&mut app, &svc, [code(KeyCode::Enter), key('r')]).await;
    type_text(&mut app, &svc, "1000").await;
    press(&mut app, &svc, [code(KeyCode::Enter)]).await;
    assert_eq!(svc.run(1000).await.expect("run").status, "completed", "written");
    // The dialog closes: the list was reloaded without the run, which stays where it was.
    press(&mut app, &svc, [code(KeyCode::Enter)]).await;
    let s = screen(&db, &app);
    assert!(s.contains("▶ 1000") && s.contains("completed"), "the reconciled run is still in view:\n{s}");
    assert!(s.contains("run 1000 reconciled → ✔ succeeded · no longer matches the filter"), "{s}");
    assert_eq!(app.list.selected().map(|r| r.id), Some(1000), "and selected");
    // The next key lets it go.
    press(&mut app, &svc, [key('j')]).await;
    let s = screen(&db, &app);
    assert!(!s.contains("1000 restore.execute") && s.contains("No runs match"), "{s}");
}

#[tokio::test]
async fn reconcile_dialog_rebinds_when_the_proof_changes() {
    let (db, svc, mut app) = one("19-proof-complete.json", "alice", false, WIDE).await;
    press(&mut app, &svc, [key('r')]).await;
    type_text(&mut app, &svc, "1000").await;
    let late = json!({"evidence": [{"id": 701, "restore_run_id": 500, "kind": "post_restore_snapshot",
        "status": "incomplete", "verified_items": 1, "expected_items": 3, "captured_at": "2026-11-20T11:00:00Z"}]});
    fixtures::load_value(&db.store, &late).await.expect("late evidence");
    press(&mut app, &svc, [code(KeyCode::Enter)]).await;
    let d = app.dialog.as_ref().expect("dialog stays open");
    assert_eq!((d.verdict.decision, d.changed_from), (Decision::PartiallySucceeded, Some(Decision::Succeeded)));
    assert_eq!(d.id_input.value(), "", "the id must be typed again for the new verdict");
    insta::assert_snapshot!("dialog_proof_changed", screen(&db, &app));
    press(&mut app, &svc, [Msg::Resize(SMALL.0, SMALL.1)]).await;
    let s = screen(&db, &app);
    assert!(s.contains("proof changed") && s.contains("Type the run id") && s.contains("Esc cancel"), "{s}");
    insta::assert_snapshot!("dialog_proof_changed_80x24", s);
    type_text(&mut app, &svc, "1000").await;
    press(&mut app, &svc, [code(KeyCode::Enter)]).await;
    assert_eq!(svc.run(1000).await.expect("run").outcome, "partially_succeeded");
}

#[tokio::test]
async fn reconcile_dialog_nothing_to_do_conflict_and_forbidden() {
    // Someone else reconciled first: the proof now says not_reconciled, nothing to do.
    let (db, svc, mut app) = one("19-proof-complete.json", "alice", false, WIDE).await;
    press(&mut app, &svc, [key('r')]).await;
    type_text(&mut app, &svc, "1000").await;
    svc.reconcile(1000, None, None).await.expect("the other operator wins");
    press(&mut app, &svc, [code(KeyCode::Enter)]).await;
    let s = screen(&db, &app);
    // …and the dialog says who did it.
    assert!(s.contains("nothing to do") && s.contains("completed meanwhile, reconciled by alice"), "{s}");
    insta::assert_snapshot!("dialog_nothing_to_do", s);

    // A conflict answer (two writers racing) is shown as such.
    let (db, svc, mut app) = one("19-proof-complete.json", "alice", false, WIDE).await;
    press(&mut app, &svc, [key('r')]).await;
    type_text(&mut app, &svc, "1000").await;
    let cmds = app.update(code(KeyCode::Enter));
    let Some(Command::Reconcile { seq, id, .. }) = cmds.first().cloned() else { panic!("a reconcile command") };
    let conflict = proofdesk::service::ServiceError::Conflict(id);
    let cmds = app.update(Msg::Reply(Reply::Reconciled {
        seq,
        id,
        result: Box::new(Err(conflict)),
        meanwhile: None,
        after: None,
    }));
    settle(&mut app, &svc, cmds).await;
    assert!(matches!(app.dialog.as_ref().map(|d| &d.phase), Some(Phase::Done(Outcome::Conflict(_)))));
    insta::assert_snapshot!("dialog_conflict", screen(&db, &app));

    // The role was taken away after the dialog opened: the service refuses inside the write.
    let rita = db.service("rita", false).await;
    let mut app = start(&svc, WIDE).await;
    press(&mut app, &svc, [key('r')]).await;
    type_text(&mut app, &svc, "1000").await;
    let cmds = app.update(code(KeyCode::Enter));
    settle(&mut app, &rita, cmds).await;
    let s = screen(&db, &app);
    assert!(s.contains("forbidden") && s.contains("readonly"), "{s}");
    insta::assert_snapshot!("dialog_forbidden", s);
}

#[tokio::test]
async fn r_explains_instead_of_opening_where_the_operator_may_not_act() {
    let (db, svc, mut app) = one("19-proof-complete.json", "rita", false, WIDE).await;
    press(&mut app, &svc, [key('r')]).await;
    assert!(app.dialog.is_none());
    let s = screen(&db, &app);
    assert!(s.contains("Cannot reconcile run 1000") && s.contains("role readonly"), "{s}");
    insta::assert_snapshot!("refusal_rita", s);

    let (db, svc, mut app) = one("19-proof-complete.json", "alice", true, WIDE).await;
    press(&mut app, &svc, [key('r')]).await;
    let s = screen(&db, &app);
    assert!(app.dialog.is_none() && s.contains("read-only") && s.contains("[RO]"), "{s}");
    insta::assert_snapshot!("refusal_read_only", s);
    press(&mut app, &svc, [code(KeyCode::Esc)]).await;
    assert!(!screen(&db, &app).contains(" reconcile "), "read-only hides the reconcile hint");

    let (db, svc, mut app) = one("08-not-stale.json", "alice", false, WIDE).await;
    press(&mut app, &svc, [key('r')]).await;
    let s = screen(&db, &app);
    assert!(app.dialog.is_none() && s.contains("nothing to reconcile") && s.contains("operation_run_not_stale"));
    assert_eq!(svc.run(1000).await.expect("run").status, "running", "nothing was written");
}

#[tokio::test]
async fn help_is_generated_from_the_keymap() {
    let (db, svc, mut app) = one("19-proof-complete.json", "alice", false, WIDE).await;
    press(&mut app, &svc, [key('?')]).await;
    let s = screen(&db, &app);
    for label in ["Enter", "/", "PgDn", "Esc"] {
        assert!(s.contains(label), "{label} missing from help");
    }
    insta::assert_snapshot!("help_list", s);
    press(&mut app, &svc, [code(KeyCode::Esc), code(KeyCode::Enter), key('?')]).await;
    insta::assert_snapshot!("help_detail", screen(&db, &app));
    press(&mut app, &svc, [Msg::Resize(SMALL.0, SMALL.1)]).await;
    let s = screen(&db, &app);
    assert!(s.contains("quit") && s.contains("next pane"), "help fits 80x24 in two columns: {s}");
    insta::assert_snapshot!("help_detail_80x24", s);
}

#[tokio::test]
async fn every_theme_draws_the_same_text_in_its_own_styles() {
    let (db, _svc, app) = one("19-proof-complete.json", "alice", false, WIDE).await;
    let mut seen: Vec<(String, ratatui::style::Style)> = Vec::new();
    let mut texts = Vec::new();
    for name in ["default", "light", "high-contrast", "mono"] {
        let theme = Theme::built_in(name).expect("theme");
        let buf = draw(&app, &theme);
        let text = db.stable(&text_of(&buf));
        // Row 3 is the first run (title, filter bar, table header above it), and it is selected.
        assert!(text.lines().nth(3).is_some_and(|l| l.starts_with("▶")), "{text}");
        seen.push((name.to_owned(), buf[(2, 3)].style()));
        texts.push(text);
    }
    assert!(texts.windows(2).all(|w| w[0] == w[1]), "themes change styles, never text");
    insta::assert_snapshot!("themes_text", &texts[0]);
    for (i, a) in seen.iter().enumerate() {
        for b in &seen[i + 1..] {
            assert_ne!(a.1, b.1, "{} and {} draw the selected row alike", a.0, b.0);
        }
    }
    let mono = &seen[3].1;
    assert!(mono.fg.is_none_or(|c| c == ratatui::style::Color::Reset), "mono sets no colour");
    assert!(mono.add_modifier.contains(ratatui::style::Modifier::REVERSED), "selection shows without colour");
}

#[tokio::test]
async fn tiny_terminals_say_so_and_never_panic() {
    let (db, svc, mut app) = one("19-proof-complete.json", "alice", false, (50, 12)).await;
    insta::assert_snapshot!("too_small", screen(&db, &app));
    for size in [(0, 0), (1, 1), (2, 30), (200, 2), (60, 15)] {
        press(&mut app, &svc, [Msg::Resize(size.0, size.1)]).await;
        let _ = draw(&app, &Theme::built_in("default").expect("theme"));
        press(&mut app, &svc, [code(KeyCode::Enter), key('r'), code(KeyCode::Esc), code(KeyCode::Esc)]).await;
        let _ = draw(&app, &Theme::built_in("mono").expect("theme"));
    }
}

#[tokio::test]
async fn a_long_list_is_paged_with_a_bounded_cache_and_keeps_the_selection() {
    let db = Db::with(&[synthetic(1050)]).await;
    let svc = db.service("alice", false).await;
    let mut app = start(&svc, WIDE).await;
    assert!(matches!(app.list.count, Some(Ok(1050))), "{:?}", app.list.count);
    assert!(app.list.cached_pages() <= 1, "only the first page is fetched at first");
    // The count is exact: one End reads the list from its other end, one page away.
    press(&mut app, &svc, [key('G')]).await;
    assert!(app.list.from_end());
    assert_eq!(app.list.known_rows(), (1050, false));
    assert_eq!(app.list.selected().map(|r| r.id), Some(10_000), "the oldest run is last");
    assert!(app.list.cached_pages() <= 2, "only the last pages: {}", app.list.cached_pages());
    insta::assert_snapshot!("list_paged_end", screen(&db, &app));
    // Up from the end, across page boundaries, row i on screen is still the i-th newest run.
    let newest_first = |app: &App| app.list.selected().map(|r| 11_049 - r.id);
    for (n, step) in [(1, key as fn(char) -> Msg), (5, |_| code(KeyCode::PageUp)), (130, key), (7, |_| key('j'))] {
        press(&mut app, &svc, (0..n).map(|_| step('k'))).await;
        assert_eq!(newest_first(&app), Some(i64::try_from(app.list.sel).unwrap()));
    }
    assert!(app.list.cached_pages() <= 6, "cache stays bounded: {}", app.list.cached_pages());
    // A newer run arrives while the list is read from its end: the selection keeps its run.
    let sel = app.list.selected().map(|r| r.id);
    let newest = json!({"operation_runs": [{"id": 30_000, "workspace_id": 1, "environment_id": 10,
        "type": "restore.execute", "status": "queued", "outcome": "pending", "context": {},
        "created_at": "2026-11-20T11:59:30Z", "updated_at": "2026-11-20T11:59:30Z"}]});
    fixtures::load_value(&db.store, &newest).await.expect("newest run");
    press(&mut app, &svc, [ctrl('r')]).await;
    assert_eq!(app.list.known_rows(), (1051, false));
    assert_eq!(app.list.selected().map(|r| r.id), sel);
    assert_eq!(
        newest_first(&app),
        Some(i64::try_from(app.list.sel).unwrap() - 1),
        "one row further down: {:?}",
        (app.list.sel, sel)
    );
    // A verdict filter counts only an upper bound: End loads on from where the list is.
    press(&mut app, &svc, [key('/')]).await;
    type_text(&mut app, &svc, "decision:blocked").await;
    press(&mut app, &svc, [code(KeyCode::Enter), key('G')]).await;
    assert!(!app.list.from_end());
    press(&mut app, &svc, [key('x')]).await;
    // Home reads it from the top again.
    press(&mut app, &svc, [key('G'), key('g')]).await;
    assert!(!app.list.from_end());
    assert_eq!(app.list.selected().map(|r| r.id), Some(30_000));
    press(&mut app, &svc, [key('j'), key('j'), key('j')]).await;
    assert_eq!(app.list.selected().map(|r| r.id), Some(11_047));
    // A newer run arrives: the selection stays on its run, one row further down.
    let newer = json!({"operation_runs": [{"id": 20_000, "workspace_id": 1, "environment_id": 10,
        "type": "restore.execute", "status": "queued", "outcome": "pending", "context": {},
        "created_at": "2026-11-20T11:59:00Z", "updated_at": "2026-11-20T11:59:00Z"}]});
    fixtures::load_value(&db.store, &newer).await.expect("newer run");
    press(&mut app, &svc, [ctrl('r')]).await;
    assert_eq!((app.list.sel, app.list.selected().map(|r| r.id)), (4, Some(11_047)));
    // An answer about an older filter is dropped.
    let stale = Reply::Pages { generation: 0, seq: 1, first: 0, count: 1, result: Ok(Vec::new()) };
    press(&mut app, &svc, [key('s')]).await;
    assert!(app.update(Msg::Reply(stale)).is_empty());
    assert!(app.list.known_rows().0 > 0, "the stale answer did not empty the list");
}

#[tokio::test]
async fn a_verdict_filter_is_counted_exactly_in_steps_that_never_hold_a_key() {
    let db = Db::with(&[synthetic(1050)]).await;
    let svc = db.service("alice", false).await;
    let mut app = start(&svc, WIDE).await;
    press(&mut app, &svc, [key('/')]).await;
    type_text(&mut app, &svc, "decision:not_reconciled").await;
    // The commands one at a time, as the worker's tasks would answer them.
    let mut queue = std::collections::VecDeque::from(app.update(code(KeyCode::Enter)));
    let (mut steps, mut partial) = (0, None);
    while let Some(cmd) = queue.pop_front() {
        let tally = matches!(cmd, Command::Tally { .. });
        queue.extend(app.update(proofdesk::tui::worker::execute(&svc, cmd).await));
        if tally {
            steps += 1;
            let s = screen(&db, &app);
            if partial.is_none() && s.contains(&format!("of ≥{TALLY_STEP} so far")) {
                // Keys go on while it walks: the selection moves, nothing waits.
                queue.extend(app.update(key('j')));
                partial = Some(app.list.sel);
            }
        }
    }
    assert_eq!(partial, Some(1), "a running count was shown and a key moved meanwhile");
    assert_eq!(steps, 1050 / TALLY_STEP + 1, "1,050 matches in steps of {TALLY_STEP}");
    assert!(screen(&db, &app).contains("run 2 of 1,050 matching"), "{}", screen(&db, &app));
    // Exact now: End reads the list from its other end.
    press(&mut app, &svc, [key('G')]).await;
    assert!(app.list.from_end());
    assert_eq!(app.list.selected().map(|r| r.id), Some(10_000));
    assert!(screen(&db, &app).contains("run 1,050 of 1,050 matching"));
}

/// Runs the one command in `cmds` (a probe) and hands its answer to the app: what it asks next.
async fn answer(app: &mut App, svc: &Service, cmds: Vec<Command>) -> Vec<Command> {
    let cmd = cmds.into_iter().next().expect("a command");
    app.update(proofdesk::tui::worker::execute(svc, cmd).await)
}

#[tokio::test]
async fn live_refresh_reloads_only_what_changed_and_never_while_typing_or_paused() {
    let db = Db::with(&[case("19-proof-complete.json")]).await;
    let svc = db.service("alice", false).await;
    let t0 = Instant::now();
    let (mut app, cmds) = App::new(svc.clone(), WIDE, t0);
    settle(&mut app, &svc, cmds).await;
    assert!(app.take_dirty());
    assert!(app.update(Msg::Tick(t0 + std::time::Duration::from_millis(500))).is_empty());
    assert!(!app.take_dirty(), "an idle tick that changes nothing draws nothing");
    // A due refresh asks whether anything changed first; the first answer reloads the list.
    let probe = |app: &mut App, secs: u64| {
        let cmds = app.update(Msg::Tick(t0 + std::time::Duration::from_secs(secs)));
        assert!(matches!(cmds.as_slice(), [Command::Probe { .. }]), "a due refresh probes: {cmds:?}");
        cmds
    };
    let cmds = probe(&mut app, 4);
    let cmds = answer(&mut app, &svc, cmds).await;
    assert!(cmds.iter().any(|c| matches!(c, Command::LoadPages { .. })), "what is on screen reloads");
    settle(&mut app, &svc, cmds).await;
    // Nothing written since: the pages and the count stay, and the data age starts again.
    let cmds = probe(&mut app, 8);
    assert!(answer(&mut app, &svc, cmds).await.is_empty(), "nothing changed: nothing reloads");
    assert_eq!(app.data_age(), Some(std::time::Duration::ZERO), "the pages were found current just now");
    // A write elsewhere: the next probe sees it and the list reloads, count included.
    let newer = json!({"operation_runs": [{"id": 20_000, "workspace_id": 1, "environment_id": 10,
        "type": "restore.execute", "status": "queued", "outcome": "pending", "context": {},
        "created_at": "2026-11-20T11:59:00Z", "updated_at": "2026-11-20T11:59:00Z"}]});
    fixtures::load_value(&db.store, &newer).await.expect("newer run");
    let cmds = probe(&mut app, 12);
    let cmds = answer(&mut app, &svc, cmds).await;
    assert!(cmds.iter().any(|c| matches!(c, Command::LoadPages { .. })), "a write reloads the pages");
    assert!(cmds.iter().any(|c| matches!(c, Command::Count { .. })), "and the count");
    settle(&mut app, &svc, cmds).await;
    assert!(matches!(app.list.count, Some(Ok(2))), "{:?}", app.list.count);
    press(&mut app, &svc, [key('/')]).await;
    // Typing: only the bar's own live count may be asked, never the list.
    let cmds = app.update(Msg::Tick(t0 + std::time::Duration::from_secs(16)));
    assert!(cmds.iter().all(|c| matches!(c, Command::PreviewCount { .. })), "no refresh while typing: {cmds:?}");
    press(&mut app, &svc, [code(KeyCode::Esc), key('p')]).await;
    assert!(app.paused && screen(&db, &app).contains("⏸ paused"));
    assert!(app.update(Msg::Tick(t0 + std::time::Duration::from_secs(25))).is_empty(), "paused");
    press(&mut app, &svc, [key('p'), code(KeyCode::Enter)]).await;
    let cmds = app.update(Msg::Tick(t0 + std::time::Duration::from_secs(34)));
    assert!(cmds.iter().any(|c| matches!(c, Command::Detail { .. })), "the detail on screen reloads");
    // An answer to an older detail request is dropped.
    let Some(Command::Detail { seq, id, .. }) = cmds.first().cloned() else { panic!("a detail command") };
    press(&mut app, &svc, [code(KeyCode::Esc), code(KeyCode::Enter)]).await;
    let old = Reply::Detail { seq, id, raw: false, result: Err(proofdesk::service::ServiceError::NotFound(id)) };
    app.update(Msg::Reply(old));
    assert!(app.detail.as_ref().is_some_and(|d| d.data.is_some() && d.error.is_none()), "stale reply ignored");
}

#[tokio::test]
async fn what_is_typed_after_slash_is_a_new_token_of_the_shown_filter() {
    let db = Db::with(&[case("15-mixed.json")]).await;
    let svc = db.service("alice", false).await;
    let mut app = start(&svc, WIDE).await;
    press(&mut app, &svc, [key('/'), key('s'), key('t'), key('a'), key('l'), key('e'), code(KeyCode::Enter)]).await;
    assert_eq!(app.list.filter_text, "type:restore.execute stale", "not type:restore.executestale");
    assert!(app.list.filter.stale && app.list.filter.query.types == ["restore.execute"]);
    assert!(matches!(app.list.count, Some(Ok(1))), "{:?}", app.list.count);
}

#[tokio::test]
async fn command_mode_opens_runs_filters_switches_themes_and_says_what_it_cannot_do() {
    let (db, svc, mut app) = one("19-proof-complete.json", "alice", false, WIDE).await;
    let command = |text: &str| {
        let mut keys = vec![key(':')];
        keys.extend(text.chars().map(key));
        keys.push(code(KeyCode::Enter));
        keys
    };
    press(&mut app, &svc, command("1000")).await;
    assert!(screen(&db, &app).contains("proofdesk · run 1000"), "{}", screen(&db, &app));
    press(&mut app, &svc, command("filter stale")).await;
    assert!(screen(&db, &app).contains("[stale]"), "{}", screen(&db, &app));
    press(&mut app, &svc, command("theme mono")).await;
    assert_eq!(app.theme.as_ref().map(|t| t.name.as_str()), Some("mono"));
    press(&mut app, &svc, command("theme neon")).await;
    assert!(app.flash.as_deref().is_some_and(|f| f.contains("✘ :theme")), "{:?}", app.flash);
    press(&mut app, &svc, command("filter env:prod")).await;
    assert!(app.flash.as_deref().is_some_and(|f| f.contains("did you mean")), "{:?}", app.flash);
    // Tab completes a command name, and a filter's fields and values as the bar does.
    press(&mut app, &svc, [key(':')]).await;
    type_text(&mut app, &svc, "filter env:prod").await;
    press(&mut app, &svc, [code(KeyCode::Tab)]).await;
    assert_eq!(
        app.command.as_ref().map(|c| c.input.value().to_owned()).as_deref(),
        Some("filter env:\"Contoso Prod\" ")
    );
    insta::assert_snapshot!("command_line_typed", screen(&db, &app));
    press(&mut app, &svc, [code(KeyCode::Esc)]).await;
    // :export says where it wrote, and how many rows.
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("runs.csv");
    let cmds = app.update(key(':'));
    assert!(cmds.is_empty());
    for c in format!("export csv {}", path.display()).chars() {
        app.update(key(c));
    }
    let cmds = app.update(code(KeyCode::Enter));
    settle(&mut app, &svc, cmds).await;
    let csv = std::fs::read_to_string(&path).expect("written");
    assert!(csv.starts_with("id,type,workspace") && csv.lines().count() == 2, "{csv}");
    let shown = screen(&db, &app).replace(&dir.path().display().to_string(), "TMP");
    assert!(shown.contains("exported 1 row to TMP/runs.csv"), "{shown}");
    insta::assert_snapshot!("command_export_notice", shown);
    // Tab completes a command name; Esc leaves without running anything.
    press(&mut app, &svc, [key(':'), key('e'), key('x'), code(KeyCode::Tab)]).await;
    assert_eq!(app.command.as_ref().map(|c| c.input.value().to_owned()).as_deref(), Some("export "));
    press(&mut app, &svc, [code(KeyCode::Esc)]).await;
    assert!(app.command.is_none() && !app.should_quit());
    press(&mut app, &svc, command("q")).await;
    assert!(app.should_quit());
}
