//! The console when things go wrong: the database goes away and comes back, a reconciliation
//! loses its connection before or during its commit, the terminal is resized in a storm, and
//! colour is off.
//!
//! PostgreSQL cases (run when `PROOFDESK_TEST_PG_URL` is set, skipped with a notice otherwise)
//! put a small TCP proxy of the test's own between the service and the shared server, and cut
//! it: every connection dropped, new ones refused (the port closed) or reset on accept. The
//! server itself is never touched. The console is driven as in `tui_flows.rs`: messages into
//! `App::update`, worker commands run to completion with `worker::settle`, ticks carrying
//! chosen `Instant`s (so the backoff schedule is checked without sleeping), and frames drawn
//! on ratatui's `TestBackend`.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, Duration, Utc};
use common::screen::{draw, text_of};
use common::TestDb;
use proofdesk::service::{Clock, OpenOptions, RunFilter, Service};
use proofdesk::store::{fixtures, Create, Store};
use proofdesk::tui::event::Msg;
use proofdesk::tui::screen::dialog::{Outcome, Phase, ROLLED_BACK, UNKNOWN};
use proofdesk::tui::worker::{settle, Command};
use proofdesk::tui::{render, App, Theme};
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::{Color, Modifier};
use ratatui::Terminal;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

const SIZE: (u16, u16) = (120, 30);

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(common::NOW).expect("time").with_timezone(&Utc)
}

fn case(name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(common::case(name)).expect("read case")).expect("case JSON")
}

/// The proof-complete case (run 1000) plus `n` synthetic queued runs, ids 10000…
fn with_synthetic(n: i64) -> Value {
    let mut doc = case("19-proof-complete.json");
    let runs = doc["operation_runs"].as_array_mut().expect("runs");
    for i in 0..n {
        let at = (now() - Duration::days(2) + Duration::minutes(i)).to_rfc3339();
        runs.push(json!({"id": 10_000 + i, "workspace_id": 1, "environment_id": 10, "type": "restore.execute",
            "status": "queued", "outcome": "pending", "context": {}, "created_at": at, "updated_at": at}));
    }
    doc
}

fn key(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

fn code(c: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(c, KeyModifiers::NONE))
}

async fn press(app: &mut App, svc: &Service, msgs: impl IntoIterator<Item = Msg>) {
    for m in msgs {
        let cmds = app.update(m);
        settle(app, svc, cmds).await;
    }
}

fn screen(app: &App) -> String {
    text_of(&draw(app, &Theme::built_in("default").expect("theme")))
}

fn options(who: &str) -> OpenOptions {
    OpenOptions {
        url: None,
        operator: Some(who.to_owned()),
        read_only: false,
        stale_after: Duration::minutes(30),
        clock: Clock::fixed(now()),
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime")
}

fn pg_or_skip(test: &str) -> Option<TestDb> {
    let db = TestDb::postgres();
    if db.is_none() {
        eprintln!("SKIPPED {test}: PROOFDESK_TEST_PG_URL is not set");
    }
    db
}

// ---------------------------------------------------------------------------------------------
// The proxy.

/// What the proxy does with traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Forwards everything.
    Open,
    /// Accepts and closes at once (a server that is not answering).
    Reset,
    /// Cuts the connection when the client sends `pattern`: before forwarding it, or (when
    /// `forward`) after forwarding it, dropping the server's answer.
    CutOn { pattern: &'static [u8], forward: bool },
}

/// A TCP proxy in front of the PostgreSQL server, on a port of its own.
struct Proxy {
    port: u16,
    upstream: String,
    mode: watch::Sender<Mode>,
    /// Bumped to drop every open connection.
    epoch: watch::Sender<u64>,
    listener: Option<JoinHandle<()>>,
}

impl Proxy {
    async fn start(upstream: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let port = listener.local_addr().expect("addr").port();
        let (mode, _) = watch::channel(Mode::Open);
        let (epoch, _) = watch::channel(0);
        let mut p = Self { port, upstream, mode, epoch, listener: None };
        p.serve(listener);
        p
    }

    fn serve(&mut self, listener: TcpListener) {
        let upstream = self.upstream.clone();
        let mode = self.mode.subscribe();
        let epoch = self.epoch.clone();
        self.listener = Some(tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else { continue };
                if *mode.borrow() == Mode::Reset {
                    drop(client);
                    continue;
                }
                tokio::spawn(pipe(client, upstream.clone(), mode.clone(), epoch.subscribe()));
            }
        }));
    }

    /// Drops every connection and closes the port: new connections are refused.
    async fn refuse(&mut self) {
        if let Some(h) = self.listener.take() {
            h.abort();
            let _ = h.await;
        }
        self.cut();
    }

    /// Drops every open connection.
    fn cut(&self) {
        self.epoch.send_modify(|e| *e += 1);
    }

    /// Listens again, on the same port (in whatever mode is set).
    async fn reopen(&mut self) {
        if self.listener.is_none() {
            let listener = TcpListener::bind(("127.0.0.1", self.port)).await.expect("rebind the proxy port");
            self.serve(listener);
        }
    }

    fn set(&self, mode: Mode) {
        self.mode.send_replace(mode);
    }

    /// `url` (a PostgreSQL URL) pointed at the proxy instead of the server.
    fn url(&self, url: &str) -> String {
        let (scheme, rest) = url.split_once("://").expect("a URL");
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        let user = authority.rsplit_once('@').map_or(String::new(), |(u, _)| format!("{u}@"));
        // In plain text: the proxy cuts connections on what it reads in the stream (`FOR
        // UPDATE`, `COMMIT`), which TLS (sslmode=prefer, the default) would hide from it.
        format!("{scheme}://{user}127.0.0.1:{}/{path}?sslmode=disable", self.port)
    }

    /// The server's `host:port` in `url`.
    fn upstream_of(url: &str) -> String {
        let rest = url.split_once("://").expect("a URL").1;
        let authority = rest.split('/').next().unwrap_or(rest);
        let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        if host.contains(':') {
            host.to_owned()
        } else {
            format!("{host}:5432")
        }
    }
}

async fn pipe(client: TcpStream, upstream: String, mode: watch::Receiver<Mode>, mut epoch: watch::Receiver<u64>) {
    let Ok(server) = TcpStream::connect(&upstream).await else { return };
    let (mut cr, mut cw) = client.into_split();
    let (mut sr, mut sw) = server.into_split();
    // Set once a forwarded statement must not be answered.
    let mute = Arc::new(AtomicBool::new(false));
    let mute_up = mute.clone();
    let up = async move {
        let mut buf = vec![0u8; 16 * 1024];
        let mut tail: Vec<u8> = Vec::new();
        loop {
            let n = match cr.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            if let Mode::CutOn { pattern, forward } = *mode.borrow() {
                // The pattern may straddle two reads.
                let mut seen = tail.clone();
                seen.extend_from_slice(&buf[..n]);
                if seen.windows(pattern.len()).any(|w| w == pattern) {
                    if !forward {
                        return;
                    }
                    mute_up.store(true, Ordering::SeqCst);
                }
                tail = seen[seen.len().saturating_sub(pattern.len())..].to_vec();
            }
            if sw.write_all(&buf[..n]).await.is_err() {
                return;
            }
        }
    };
    let down = async move {
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            let n = match sr.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            if mute.load(Ordering::SeqCst) || cw.write_all(&buf[..n]).await.is_err() {
                return;
            }
        }
    };
    tokio::select! {
        () = up => {}
        () = down => {}
        _ = epoch.changed() => {}
    }
}

/// A fresh PostgreSQL test database loaded with `doc`, and a service that reaches it through a
/// proxy (plus one that reaches it directly, to check what was really written).
struct PgCase {
    proxy: Proxy,
    svc: Service,
    direct: Store,
}

impl PgCase {
    async fn new(db: &TestDb, doc: &Value) -> Self {
        let direct = Store::open(&db.url, Create::Never).await.expect("open the test database");
        fixtures::load_value(&direct, doc).await.expect("fixture loads");
        let proxy = Proxy::start(Proxy::upstream_of(&db.url)).await;
        let store = Store::open(&proxy.url(&db.url), Create::Never).await.expect("open through the proxy");
        let svc = Service::with_store(store, options("alice")).await.expect("service");
        Self { proxy, svc, direct }
    }

    async fn status_of(&self, id: i64) -> (String, String) {
        let svc = Service::with_store(self.direct.clone(), options("alice")).await.expect("direct service");
        let run = svc.run(id).await.expect("run");
        (run.status, run.outcome)
    }
}

/// Ticks every 100 ms from `from` until one asks the worker for something; returns that
/// instant and the commands. Panics after `limit`.
fn next_request(app: &mut App, from: Instant, limit: StdDuration) -> (Instant, Vec<Command>) {
    let step = StdDuration::from_millis(100);
    let mut at = from;
    while at <= from + limit {
        let cmds = app.update(Msg::Tick(at));
        if !cmds.is_empty() {
            return (at, cmds);
        }
        at += step;
    }
    panic!("no request within {limit:?} after the tick at {from:?}");
}

// ---------------------------------------------------------------------------------------------
// The database goes away and comes back.

#[test]
fn postgres_outage_shows_a_banner_keeps_stale_rows_backs_off_and_recovers() {
    let Some(db) = pg_or_skip("postgres_outage_shows_a_banner_keeps_stale_rows_backs_off_and_recovers") else {
        return;
    };
    runtime().block_on(async {
        let mut pg = PgCase::new(&db, &with_synthetic(30)).await;
        let svc = pg.svc.clone();
        let t0 = Instant::now();
        let (mut app, cmds) = App::new(svc.clone(), SIZE, t0);
        settle(&mut app, &svc, cmds).await;
        let before = screen(&app);
        assert!(before.contains("1000") && before.contains("10029") && before.contains("↻ live"), "{before}");
        let marked = format!("▶ {}", app.list.selected().map(|r| r.id).expect("a selected run"));
        assert!(before.contains(&marked), "{before}");
        assert!(app.outage.is_none() && !before.contains("unreachable") && before.contains("31 matching"));

        // The server goes away: connections dropped, the port closed.
        pg.proxy.refuse().await;
        // A dead server fails within the pool's acquire timeout instead of hanging.
        let started = Instant::now();
        let err = svc.count(&RunFilter::default()).await.expect_err("the server is gone");
        assert!(err.is_unavailable(), "sorted as unreachable: {err}");
        assert!(started.elapsed() < StdDuration::from_secs(8), "took {:?}", started.elapsed());

        // The live refresh notices: banner, stale marks, and the rows stay.
        let t1 = t0 + StdDuration::from_secs(3);
        let cmds = app.update(Msg::Tick(t1));
        assert!(!cmds.is_empty(), "the live refresh was due");
        settle(&mut app, &svc, cmds).await;
        assert_eq!(app.outage.as_ref().map(|o| o.attempt), Some(1));
        let s = screen(&app);
        assert!(
            s.contains(
                "⚠ database unreachable since 12:00:00 — retrying in 1s (attempt 1); showing data from 12:00:00 (stale)"
            ),
            "{s}"
        );
        assert!(s.contains("proofdesk · runs · stale") && s.contains("⚠ stale"), "marked stale: {s}");
        for id in ["1000", "10029", "10010"] {
            assert!(s.contains(id), "row {id} is still on screen: {s}");
        }
        assert!(s.contains(&marked), "the selection stays: {s}");
        let banner_row = s.lines().position(|l| l.contains("database unreachable")).expect("banner");
        let status_row = s.lines().position(|l| l.contains("⚠ stale")).expect("status bar");
        assert_eq!(banner_row + 1, status_row, "the banner sits right above the status bar");

        // Retries back off: 1s, 2s, 4s, 8s, 15s, 15s after each failure (resets are answered at
        // once, so each retry fails within its settle). Nothing is asked in between.
        pg.proxy.set(Mode::Reset);
        pg.proxy.reopen().await;
        let mut last = t1;
        for (attempt, wait) in [(1_u32, 1_u64), (2, 2), (3, 4), (4, 8), (5, 15), (6, 15)] {
            let (at, cmds) = next_request(&mut app, last + StdDuration::from_millis(100), StdDuration::from_secs(20));
            assert_eq!(at.duration_since(last), StdDuration::from_secs(wait), "retry after attempt {attempt}");
            assert!(screen(&app).contains(&format!("retrying now (attempt {})", attempt + 1)));
            settle(&mut app, &svc, cmds).await;
            let o = app.outage.as_ref().expect("still unreachable");
            assert_eq!(o.attempt, attempt + 1);
            last = at;
        }
        let s = screen(&app);
        assert!(s.contains("retrying in 15s (attempt 7)"), "capped at 15 s: {s}");
        // The countdown moves with the ticks.
        app.update(Msg::Tick(last + StdDuration::from_millis(10_500)));
        assert!(screen(&app).contains("retrying in 5s (attempt 7)"));

        // Meanwhile a run arrives; the server comes back.
        let newer = json!({"operation_runs": [{"id": 20_000, "workspace_id": 1, "environment_id": 10,
            "type": "restore.execute", "status": "queued", "outcome": "pending", "context": {},
            "created_at": "2026-11-20T11:59:00Z", "updated_at": "2026-11-20T11:59:00Z"}]});
        fixtures::load_value(&pg.direct, &newer).await.expect("newer run");
        pg.proxy.set(Mode::Open);
        let (at, cmds) = next_request(&mut app, last + StdDuration::from_millis(10_600), StdDuration::from_secs(20));
        assert_eq!(at.duration_since(last), StdDuration::from_secs(15));
        settle(&mut app, &svc, cmds).await;
        assert!(app.outage.is_none(), "recovered by itself");
        let s = screen(&app);
        assert!(!s.contains("unreachable") && !s.contains("· stale") && !s.contains("⚠"), "{s}");
        assert!(s.contains("↻ live 0s"), "{s}");
        // The new run is counted and listed first; the selected run keeps its place on screen.
        assert!(s.contains("run 2 of 32 matching"), "fresh data after recovery: {s}");
        assert_eq!(app.list.row(0).map(|r| r.id), Some(20_000));
        assert!(s.contains(&marked), "the selection followed its run: {s}");
        // Back to the usual cadence: the next refresh 3 s later.
        let (next, _) = next_request(&mut app, at + StdDuration::from_millis(100), StdDuration::from_secs(10));
        assert_eq!(next.duration_since(at), StdDuration::from_secs(3));
        svc.close().await;
    });
    drop(db);
}

#[test]
fn postgres_outage_in_the_detail_keeps_the_proof_on_screen() {
    let Some(db) = pg_or_skip("postgres_outage_in_the_detail_keeps_the_proof_on_screen") else { return };
    runtime().block_on(async {
        let pg = PgCase::new(&db, &case("19-proof-complete.json")).await;
        let svc = pg.svc.clone();
        let t0 = Instant::now();
        let (mut app, cmds) = App::new(svc.clone(), SIZE, t0);
        settle(&mut app, &svc, cmds).await;
        press(&mut app, &svc, [code(KeyCode::Enter)]).await;
        assert!(screen(&app).contains("Operation proof"));
        pg.proxy.set(Mode::Reset);
        pg.proxy.cut();
        let (at, cmds) = next_request(&mut app, t0, StdDuration::from_secs(10));
        assert!(cmds.iter().any(|c| matches!(c, Command::Detail { .. })));
        settle(&mut app, &svc, cmds).await;
        let s = screen(&app);
        assert!(s.contains("database unreachable since 12:00:00 — retrying in 1s (attempt 1)"), "{s}");
        assert!(s.contains("run 1000 · stale") && s.contains("refresh failed: database unreachable"), "{s}");
        assert!(s.contains("Operation proof") && s.contains("✔ succeeded"), "the proof stays: {s}");
        pg.proxy.set(Mode::Open);
        let (_, cmds) = next_request(&mut app, at + StdDuration::from_millis(100), StdDuration::from_secs(5));
        settle(&mut app, &svc, cmds).await;
        let s = screen(&app);
        assert!(app.outage.is_none() && !s.contains("· stale") && !s.contains("refresh failed"), "{s}");
        assert!(!s.contains("unreachable") && s.contains("↻ live 0s"), "{s}");
        svc.close().await;
    });
    drop(db);
}

// ---------------------------------------------------------------------------------------------
// A reconciliation loses its connection.

/// The text inside the bordered popup titled `title`, its lines joined by spaces (wrapped
/// sentences read whole again).
fn popup_text(buf: &Buffer, title: &str) -> String {
    let lines: Vec<Vec<String>> =
        (0..buf.area.height).map(|y| (0..buf.area.width).map(|x| buf[(x, y)].symbol().to_owned()).collect()).collect();
    let top = lines.iter().position(|l| l.concat().contains(title)).expect("the popup");
    let left = lines[top].iter().position(|c| c == "┌").expect("top-left corner");
    let right = left + lines[top][left..].iter().position(|c| c == "┐").expect("top-right corner");
    let mut out = Vec::new();
    for l in &lines[top + 1..] {
        if l[left] == "└" {
            break;
        }
        out.push(l[left + 1..right].concat().trim().to_owned());
    }
    out.retain(|l| !l.is_empty());
    out.join(" ")
}

/// Opens the dialog on run 1000, types its id and sends it; returns the reconcile command.
async fn send_reconcile(app: &mut App, svc: &Service) -> Vec<Command> {
    press(app, svc, [key('r')]).await;
    for c in "1000".chars() {
        press(app, svc, [key(c)]).await;
    }
    let cmds = app.update(code(KeyCode::Enter));
    assert!(matches!(cmds.as_slice(), [Command::Reconcile { id: 1000, .. }]), "{cmds:?}");
    cmds
}

#[test]
fn postgres_connection_lost_before_commit_says_rolled_back_and_nothing_is_written() {
    let Some(db) = pg_or_skip("postgres_connection_lost_before_commit_says_rolled_back") else { return };
    runtime().block_on(async {
        let pg = PgCase::new(&db, &case("19-proof-complete.json")).await;
        let svc = pg.svc.clone();
        let (mut app, cmds) = App::new(svc.clone(), SIZE, Instant::now());
        settle(&mut app, &svc, cmds).await;
        let cmds = send_reconcile(&mut app, &svc).await;
        // The connection dies at the transaction's first statement (the locked load).
        pg.proxy.set(Mode::CutOn { pattern: b"FOR UPDATE", forward: false });
        settle(&mut app, &svc, cmds).await;
        pg.proxy.set(Mode::Open);
        let phase = app.dialog.as_ref().map(|d| d.phase.clone());
        assert!(matches!(phase, Some(Phase::Done(Outcome::RolledBack(_)))), "{phase:?}");
        let said = popup_text(&draw(&app, &Theme::built_in("default").expect("theme")), "Reconcile run 1000");
        assert!(said.contains(ROLLED_BACK) && ROLLED_BACK.contains("nothing was written"), "{said}");
        assert!(!said.contains("written: run") && !said.contains("unknown"), "{said}");
        assert!(screen(&app).contains("database unreachable since"), "the banner shows too");
        assert_eq!(pg.status_of(1000).await, ("running".to_owned(), "pending".to_owned()), "nothing was written");
        svc.close().await;
    });
    drop(db);
}

#[test]
fn postgres_connection_lost_during_commit_says_the_outcome_is_unknown() {
    let Some(first) = pg_or_skip("postgres_connection_lost_during_commit_says_the_outcome_is_unknown") else { return };
    let second = TestDb::postgres().expect("configured");
    // The same sight from the console, two truths on the server: the COMMIT never arrived
    // (rolled back), or it arrived and only its answer was lost (committed). Only reopening the
    // run can tell, and that is what the dialog says.
    let cases = [(false, ("running", "pending"), first), (true, ("completed", "succeeded"), second)];
    for (forward, truth, db) in cases {
        runtime().block_on(async {
            let pg = PgCase::new(&db, &case("19-proof-complete.json")).await;
            let svc = pg.svc.clone();
            let (mut app, cmds) = App::new(svc.clone(), SIZE, Instant::now());
            settle(&mut app, &svc, cmds).await;
            let cmds = send_reconcile(&mut app, &svc).await;
            pg.proxy.set(Mode::CutOn { pattern: b"COMMIT\0", forward });
            settle(&mut app, &svc, cmds).await;
            pg.proxy.set(Mode::Open);
            let phase = app.dialog.as_ref().map(|d| d.phase.clone());
            assert!(matches!(phase, Some(Phase::Done(Outcome::Unknown(_)))), "forward={forward}: {phase:?}");
            let s = screen(&app);
            let said = popup_text(&draw(&app, &Theme::built_in("default").expect("theme")), "Reconcile run 1000");
            assert!(said.contains(UNKNOWN), "{said}\n{s}");
            assert!(!said.contains("rolled back") && !said.contains("written: run"), "no guess either way: {said}");
            assert_eq!(
                UNKNOWN,
                "outcome unknown: the connection dropped during commit; reopen the run to see its status"
            );
            let (status, outcome) = pg.status_of(1000).await;
            assert_eq!((status.as_str(), outcome.as_str()), truth, "forward={forward}");
            svc.close().await;
        });
        drop(db);
    }
}

// ---------------------------------------------------------------------------------------------
// The terminal.

/// A SQLite database with the fixture `doc`, under `target/` (as `tui_flows.rs` keeps them).
async fn sqlite_service(doc: &Value) -> (tempfile::TempDir, Service) {
    std::fs::create_dir_all("target/tui-trouble").expect("dir");
    let dir = tempfile::Builder::new().prefix("db-").tempdir_in("target/tui-trouble").expect("tempdir");
    let url = format!("sqlite:{}", dir.path().join("t.sqlite").display());
    let store = Store::open(&url, Create::IfMissing).await.expect("open store");
    fixtures::load_value(&store, doc).await.expect("fixture loads");
    let svc = Service::with_store(store, options("alice")).await.expect("service");
    (dir, svc)
}

/// A small deterministic generator (no seed to remember: the sequence is the test).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u16) -> u16 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        u16::try_from((self.0 >> 33) % u64::from(n)).expect("fits")
    }
}

#[tokio::test]
async fn a_resize_storm_never_panics_and_the_last_frame_is_right() {
    let (_dir, svc) = sqlite_service(&with_synthetic(250)).await;
    let theme = Theme::built_in("default").expect("theme");
    let (mut app, cmds) = App::new(svc.clone(), (80, 24), Instant::now());
    settle(&mut app, &svc, cmds).await;
    let selected = app.list.selected().map(|r| r.id);
    assert!(selected.is_some());

    // One terminal through the whole storm, as in the console: each frame is a diff on the last.
    let mut term = Terminal::new(TestBackend::new(80, 24)).expect("terminal");
    let mut sizes = vec![(0, 0), (1, 1), (1, 200), (300, 1), (0, 24), (80, 0), (59, 15), (60, 14), (60, 15)];
    let mut rng = Lcg(0x5eed);
    for _ in 0..400 {
        sizes.push((rng.below(321), rng.below(121)));
    }
    sizes.extend([(1, 1), (0, 0), (300, 1), (80, 24)]);
    for (i, (w, h)) in sizes.into_iter().enumerate() {
        press(&mut app, &svc, [Msg::Resize(w, h)]).await;
        term.backend_mut().resize(w, h);
        term.draw(|f| render(f, &app, &theme)).expect("draw");
        if i % 50 == 0 {
            // Keys and ticks in the middle of it, at whatever size that is.
            press(&mut app, &svc, [key('j'), key('k'), Msg::Tick(Instant::now())]).await;
        }
    }
    assert_eq!(app.size, (80, 24));
    assert_eq!(app.list.selected().map(|r| r.id), selected, "the selection survived the storm");
    let last = term.backend().buffer().clone();
    // The incremental frame equals a frame drawn from scratch at 80x24…
    assert_eq!(text_of(&last), text_of(&draw(&app, &theme)), "no leftovers from earlier sizes");
    assert_eq!(last, draw(&app, &theme), "styles too");
    // …and shows what a console that never left 80x24 shows, the same run selected.
    let (mut calm, cmds) = App::new(svc.clone(), (80, 24), Instant::now());
    settle(&mut calm, &svc, cmds).await;
    let (a, b) = (text_of(&last), text_of(&draw(&calm, &theme)));
    // The title's row count (the storm's tall sizes loaded more pages) and the data age differ.
    let body = |s: &str| s.lines().skip(1).filter(|l| !l.contains("↻ live")).collect::<Vec<_>>().join("\n");
    assert_eq!(body(&a), body(&b), "final frame:\n{a}\ncalm frame:\n{b}");
    assert!(a.starts_with(" proofdesk · runs") && a.contains("run 1 of 251 matching"), "{a}");
    assert!(a.lines().nth(3).is_some_and(|l| l.starts_with('▶')) && a.contains("↻ live"), "{a}");
}

#[tokio::test]
async fn no_color_keeps_the_selection_visible_without_colour() {
    let (_dir, svc) = sqlite_service(&with_synthetic(5)).await;
    // What `proofdesk` does when NO_COLOR is set and no --theme is given.
    let theme = Theme::resolve(None, true).expect("theme");
    let (mut app, cmds) = App::new(svc.clone(), SIZE, Instant::now());
    settle(&mut app, &svc, cmds).await;
    press(&mut app, &svc, [key('j')]).await;
    let buf = draw(&app, &theme);
    let text = text_of(&buf);
    // No cell anywhere carries a colour.
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            let st = buf[(x, y)].style();
            for c in [st.fg, st.bg] {
                assert!(c.is_none_or(|c| c == Color::Reset), "colour {c:?} at ({x}, {y}):\n{text}");
            }
        }
    }
    // The selected row is the second run: marked ▶, and drawn reversed across its text.
    let row = text.lines().position(|l| l.starts_with('▶')).expect("a selected row");
    let y = u16::try_from(row).expect("row");
    let id = app.list.selected().map(|r| r.id.to_string()).expect("selected");
    assert!(row == 4 && text.lines().nth(row).is_some_and(|l| l.contains(&id)), "{text}");
    let width = u16::try_from(text.lines().nth(row).map_or(0, str::len).min(80)).expect("w");
    for x in 0..width.min(40) {
        assert!(buf[(x, y)].style().add_modifier.contains(Modifier::REVERSED), "cell ({x}, {y}) is not reversed");
    }
    // The other rows are not: the selection stands out by modifier alone.
    let other = u16::try_from(row + 1).expect("row");
    assert!(!buf[(2, other)].style().add_modifier.contains(Modifier::REVERSED), "{text}");
    // NO_COLOR picks the mono theme.
    assert_eq!(draw(&app, &Theme::built_in("mono").expect("mono")), buf);
}

// ---------------------------------------------------------------------------------------------
// A lock held by someone else.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lock_held_elsewhere_gives_up_with_try_again_while_the_console_keeps_drawing() {
    use sqlx::Connection;
    let (dir, svc) = sqlite_service(&case("19-proof-complete.json")).await;
    let theme = Theme::built_in("default").expect("theme");
    let (mut app, cmds) = App::new(svc.clone(), SIZE, Instant::now());
    settle(&mut app, &svc, cmds).await;

    // Another writer holds SQLite's write lock for as long as this test wants.
    let url = format!("sqlite:{}", dir.path().join("t.sqlite").display());
    let mut other = sqlx::SqliteConnection::connect(&url).await.expect("second connection");
    sqlx::query("BEGIN IMMEDIATE").execute(&mut other).await.expect("take the write lock");

    let cmds = send_reconcile(&mut app, &svc).await;
    let [cmd]: [Command; 1] = cmds.try_into().expect("one command");
    let worker_svc = svc.clone();
    let task = tokio::spawn(async move { proofdesk::tui::worker::execute(&worker_svc, cmd).await });
    // While the reconciliation waits for the lock, the console keeps taking messages and drawing.
    let mut frames = 0;
    while !task.is_finished() {
        assert!(app.update(Msg::Tick(Instant::now())).iter().all(|c| !c.writes()), "no second write is sent");
        let said = popup_text(&draw(&app, &theme), "Reconcile run 1000");
        assert!(said.contains("reconciling…"), "{said}");
        frames += 1;
        tokio::time::sleep(StdDuration::from_millis(50)).await;
    }
    assert!(frames > 1, "the console drew while the reconciliation waited ({frames} frames)");
    let reply = task.await.expect("worker task");
    app.update(reply);
    let phase = app.dialog.as_ref().map(|d| d.phase.clone());
    assert!(matches!(phase, Some(Phase::Done(Outcome::Error(ref m))) if m.contains("busy")), "{phase:?}");
    let said = popup_text(&draw(&app, &theme), "Reconcile run 1000");
    assert!(said.contains("try again") && said.contains("Nothing was written"), "{said}");
    let run = svc.run(1000).await.expect("run");
    assert_eq!((run.status.as_str(), run.outcome.as_str()), ("running", "pending"), "nothing was written");

    // The lock goes away: the same reconciliation, asked again, writes.
    sqlx::query("ROLLBACK").execute(&mut other).await.expect("release");
    other.close().await.expect("close");
    press(&mut app, &svc, [code(KeyCode::Esc)]).await;
    let cmds = send_reconcile(&mut app, &svc).await;
    settle(&mut app, &svc, cmds).await;
    let phase = app.dialog.as_ref().map(|d| d.phase.clone());
    assert!(matches!(phase, Some(Phase::Done(Outcome::Written { .. }))), "{phase:?}");
    svc.close().await;
}

// ---------------------------------------------------------------------------------------------
// Strange data in a shared database.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreadable_run_shows_its_badge_and_reason_and_the_rest_of_the_list_works() {
    use sqlx::Connection;
    let (dir, svc) = sqlite_service(&case("19-proof-complete.json")).await;
    let url = format!("sqlite:{}", dir.path().join("t.sqlite").display());
    let mut raw = sqlx::SqliteConnection::connect(&url).await.expect("connection");
    sqlx::query(
        "INSERT INTO operation_runs (id, workspace_id, environment_id, type, status, outcome, initiator_id, context, \
         summary_counts, created_at, started_at, completed_at, updated_at) \
         SELECT 1001, workspace_id, environment_id, type, 'done', outcome, initiator_id, context, summary_counts, \
         created_at, started_at, completed_at, updated_at FROM operation_runs WHERE id = 1000",
    )
    .execute(&mut raw)
    .await
    .expect("a run with a status outside the vocabulary");
    raw.close().await.expect("close");

    let (mut app, cmds) = App::new(svc.clone(), SIZE, Instant::now());
    settle(&mut app, &svc, cmds).await;
    let s = screen(&app);
    let strange = s.lines().find(|l| l.contains("1001")).unwrap_or_else(|| panic!("run 1001 is listed:\n{s}"));
    assert!(
        strange.contains("unreadable") && strange.contains("operation_runs[1001].status"),
        "badge, reason: {strange}"
    );
    let healthy = s.lines().find(|l| l.contains("1000")).unwrap_or_else(|| panic!("run 1000 is listed:\n{s}"));
    assert!(healthy.contains("succeeded") && !healthy.contains("unreadable"), "{healthy}");
    // The strange run (newest, selected) opens to its whole reason, not a crash; the healthy one
    // still opens to its proof.
    press(&mut app, &svc, [code(KeyCode::Enter)]).await;
    let s = screen(&app);
    assert!(s.contains("operation_runs[1001].status: unknown") && s.contains("status \"done\""), "why:\n{s}");
    press(&mut app, &svc, [code(KeyCode::Esc), key('j'), code(KeyCode::Enter)]).await;
    let s = screen(&app);
    assert!(s.contains("Run 1000") || s.contains("run 1000"), "the healthy run opens:\n{s}");
    assert!(!s.contains("unreadable"), "{s}");
    svc.close().await;
}
