//! The console under a config profile, on `TestBackend` at 80×24: the profile's name in full in
//! the status bar, a production profile's banner and word in every theme (mono included: the
//! word and reverse video, never colour alone), the reconcile dialog naming the profile, and a
//! read-only profile refusing `r`; and the mouse (`--mouse`): click, wheel, panes. Snapshots
//! hold the text and the marking's styles.

mod common;

use std::time::Instant;

use chrono::{DateTime, Duration, Utc};
use common::screen::{draw, text_of};
use proofdesk::service::{Clock, OpenOptions, ProfileTag, Service};
use proofdesk::store::{fixtures, Create, Store};
use proofdesk::tui::event::Msg;
use proofdesk::tui::worker::settle;
use proofdesk::tui::{App, Theme};
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};

const SMALL: (u16, u16) = (80, 24);
const THEMES: [&str; 4] = ["default", "light", "high-contrast", "mono"];

/// A SQLite file under `target/` with a path of fixed length, the random part made stable.
struct Db {
    dir: tempfile::TempDir,
    store: Store,
}

impl Db {
    async fn new() -> Self {
        Self::with(&common::case("15-mixed.json")).await
    }

    async fn with_doc(doc: &serde_json::Value) -> Self {
        let file = tempfile::NamedTempFile::new().expect("temp");
        std::fs::write(file.path(), doc.to_string()).expect("write");
        Self::with(file.path()).await
    }

    async fn with(case: &std::path::Path) -> Self {
        std::fs::create_dir_all("target/tui-profiles").expect("dir");
        let dir = tempfile::Builder::new().prefix("db-").rand_bytes(6).tempdir_in("target/tui-profiles").expect("dir");
        let name = dir.path().file_name().and_then(|n| n.to_str()).expect("name");
        let store = Store::open(&format!("sqlite:target/tui-profiles/{name}/t.sqlite"), Create::IfMissing)
            .await
            .expect("open store");
        let doc: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(case).expect("read case")).expect("case JSON");
        fixtures::load_value(&store, &doc).await.expect("fixture loads");
        Self { dir, store }
    }

    async fn service(&self, read_only: bool, profile: Option<(&str, bool)>) -> Service {
        let now: DateTime<Utc> = common::NOW.parse().expect("time");
        let opts = OpenOptions {
            url: None,
            operator: Some("alice".to_owned()),
            read_only,
            stale_after: Duration::minutes(30),
            clock: Clock::fixed(now),
        };
        let tag = profile.map(|(name, production)| ProfileTag { name: name.to_owned(), production });
        Service::with_store(self.store.clone(), opts).await.expect("service").with_profile(tag)
    }

    fn text(&self, buf: &Buffer) -> String {
        let name = self.dir.path().file_name().and_then(|n| n.to_str()).expect("name").to_owned();
        text_of(buf).replace(&name, "db-XXXXXX")
    }
}

async fn start(svc: &Service) -> App {
    let (mut app, cmds) = App::new(svc.clone(), SMALL, Instant::now());
    settle(&mut app, svc, cmds).await;
    app
}

async fn press(app: &mut App, svc: &Service, c: KeyCode) {
    let cmds = app.update(Msg::Key(KeyEvent::new(c, KeyModifiers::NONE)));
    settle(app, svc, cmds).await;
}

/// Where `word` starts on row `y`, by cells.
fn find(buf: &Buffer, y: u16, word: &str) -> Option<u16> {
    let row: Vec<&str> = (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect();
    (0..buf.area.width).find(|&x| row[usize::from(x)..].concat().starts_with(word))
}

#[tokio::test]
async fn a_production_profile_marks_the_frame_in_every_theme() {
    let db = Db::new().await;
    let plain = start(&db.service(true, None).await).await;
    let svc = db.service(true, Some(("prod", true))).await;
    let app = start(&svc).await;
    let last = SMALL.1 - 2;
    for name in THEMES {
        let theme = Theme::built_in(name).expect("theme");
        let buf = draw(&app, &theme);
        let text = db.text(&buf);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].ends_with("▲ PRODUCTION ▲"), "[{name}] the word on the banner: {text}");
        assert!(lines[usize::from(last)].starts_with(" ▲ PRODUCTION prod │"), "[{name}] {text}");
        // The banner is more than the word: the whole title line changes style, visibly in
        // this theme (against the same console on no profile).
        let before = draw(&plain, &theme);
        assert_ne!(buf[(1, 0)].style(), before[(1, 0)].style(), "[{name}] the title line is marked");
        assert_eq!(buf[(1, 0)].style(), theme.production.patch(buf[(1, 0)].style()), "[{name}]");
        assert_ne!(theme.production, ratatui::style::Style::default(), "[{name}] production has a style");
        let mark = find(&buf, 0, "PRODUCTION").expect("mark");
        let status = find(&buf, last, "PRODUCTION").expect("status mark");
        let styles = format!(
            "title line: {:?}\nbanner word: {:?}\nstatus word: {:?}\n",
            buf[(1, 0)].style(),
            buf[(mark, 0)].style(),
            buf[(status, last)].style()
        );
        insta::assert_snapshot!(format!("production_80x24_{name}"), format!("{text}---\n{styles}"));
    }
}

#[tokio::test]
async fn the_profile_name_shows_in_full_and_the_dialog_names_it() {
    let db = Db::new().await;
    let theme = Theme::built_in("default").expect("theme");
    // The longest name the config allows, at 80 columns.
    let long = "staging-eu-west-replica1";
    assert_eq!(long.len(), proofdesk::config::MAX_PROFILE_NAME);
    let svc = db.service(false, Some((long, false))).await;
    let mut app = start(&svc).await;
    let text = db.text(&draw(&app, &theme));
    let status = text.lines().nth(usize::from(SMALL.1 - 2)).expect("status line");
    assert!(status.starts_with(&format!(" {long} │")), "{status}");
    assert!(!text.contains("PRODUCTION"), "not production: {text}");
    // A writable production profile: the dialog says where the write goes.
    let svc = db.service(false, Some(("prod", true))).await;
    app = start(&svc).await;
    press(&mut app, &svc, KeyCode::Char('r')).await;
    let text = db.text(&draw(&app, &theme));
    assert!(text.contains("Reconcile run 1000 on PRODUCTION · profile prod"), "{text}");
    insta::assert_snapshot!("dialog_production_80x24", text);
    let svc = db.service(false, Some(("staging", false))).await;
    app = start(&svc).await;
    press(&mut app, &svc, KeyCode::Char('r')).await;
    assert!(db.text(&draw(&app, &theme)).contains("Reconcile run 1000 · profile staging"));
}

#[tokio::test]
async fn a_read_only_profile_refuses_r() {
    let db = Db::new().await;
    let svc = db.service(true, Some(("prod", true))).await;
    let mut app = start(&svc).await;
    press(&mut app, &svc, KeyCode::Char('r')).await;
    assert!(app.dialog.is_none(), "no dialog on a read-only profile");
    let text = db.text(&draw(&app, &Theme::built_in("mono").expect("theme")));
    assert!(text.contains("this session is read-only"), "{text}");
    assert!(text.contains("Nothing was written."), "{text}");
}

fn mouse(kind: MouseEventKind, column: u16, row: u16) -> Msg {
    Msg::Mouse(MouseEvent { kind, column, row, modifiers: KeyModifiers::NONE })
}

async fn send(app: &mut App, svc: &Service, msg: Msg) {
    let cmds = app.update(msg);
    settle(app, svc, cmds).await;
}

#[tokio::test]
async fn the_mouse_selects_scrolls_opens_and_focuses_panes() {
    let db = Db::with_doc(&common::stale_runs_doc(40)).await;
    let svc = db.service(false, None).await;
    let mut app = start(&svc).await;
    let click = MouseEventKind::Down(MouseButton::Left);
    // Row 3 of the screen is the first run (title, filter bar, header above it).
    send(&mut app, &svc, mouse(click, 10, 5)).await;
    assert_eq!(app.list.sel, 2, "a click selects the row under it");
    send(&mut app, &svc, mouse(MouseEventKind::ScrollDown, 10, 10)).await;
    assert_eq!(app.list.sel, 5, "a wheel notch moves three rows");
    send(&mut app, &svc, mouse(MouseEventKind::ScrollUp, 10, 10)).await;
    assert_eq!(app.list.sel, 2);
    // The header and the bars are no rows.
    send(&mut app, &svc, mouse(click, 10, 2)).await;
    send(&mut app, &svc, mouse(click, 10, SMALL.1 - 1)).await;
    assert_eq!(app.list.sel, 2);
    let id = app.list.selected().map(|r| r.id);
    // A click on the selected row opens it.
    send(&mut app, &svc, mouse(click, 10, 5)).await;
    assert_eq!(app.detail.as_ref().map(|d| d.id), id, "opened the clicked run");
    // 80 columns: the tab strip on row 1; a click on a tab focuses that pane.
    let text = db.text(&draw(&app, &Theme::built_in("default").expect("theme")));
    let strip = text.lines().nth(1).expect("tab strip");
    let x = strip.find("Post-run").map(|b| strip[..b].chars().count()).expect("evidence tab");
    send(&mut app, &svc, mouse(click, u16::try_from(x).expect("x"), 1)).await;
    assert_eq!(app.detail.as_ref().map(|d| d.focus), Some(proofdesk::tui::screen::detail::Pane::Evidence));
    // Wide: a click inside a pane focuses it.
    send(&mut app, &svc, Msg::Resize(140, 40)).await;
    send(&mut app, &svc, mouse(click, 2, 10)).await;
    assert_eq!(app.detail.as_ref().map(|d| d.focus), Some(proofdesk::tui::screen::detail::Pane::Proof));
    // With help open the mouse does nothing.
    press(&mut app, &svc, KeyCode::Char('?')).await;
    send(&mut app, &svc, mouse(click, 100, 10)).await;
    assert_eq!(app.detail.as_ref().map(|d| d.focus), Some(proofdesk::tui::screen::detail::Pane::Proof));
}

#[test]
fn the_connecting_frame_shows_before_the_database_answers() {
    use proofdesk::tui::Connecting;
    let c = Connecting {
        label: "postgres db.prod.example:5432/ops".to_owned(),
        profile: Some(ProfileTag { name: "prod".to_owned(), production: true }),
    };
    for name in THEMES {
        let theme = Theme::built_in(name).expect("theme");
        let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(SMALL.0, SMALL.1)).expect("terminal");
        t.draw(|f| c.render(f, std::time::Duration::from_secs(7), &theme)).expect("draw");
        let text = text_of(t.backend().buffer());
        assert!(text.contains("⟳ connecting to postgres db.prod.example:5432/ops · 7s · q quits"), "{text}");
        assert!(text.lines().next().is_some_and(|l| l.ends_with("▲ PRODUCTION ▲")), "[{name}] {text}");
        if name == "default" {
            insta::assert_snapshot!("connecting_80x24", text);
        }
    }
}
