//! The real binary in a real terminal: tmux (on a private socket) runs `proofdesk` at 120×40,
//! keys go in with `send-keys`, the screen comes back with `capture-pane`, and every wait is a
//! bounded poll for text (never a fixed sleep). The database is checked with the CLI.
//! Skipped, with a notice, when tmux is not installed (CI installs it).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const NOW: &str = "2026-11-20T12:00:00Z";

fn tmux_missing() -> bool {
    let ok = Command::new("tmux").arg("-V").output().is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("SKIPPED: tmux is not installed; the terminal tests need it (CI installs it)");
    }
    !ok
}

fn case(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases").join(name)
}

/// A temp SQLite database loaded with one fixture file.
struct Db {
    _dir: tempfile::TempDir,
    url: String,
}

impl Db {
    fn load(file: &Path) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("sqlite:{}", dir.path().join("tmux.sqlite").display());
        let db = Self { _dir: dir, url };
        let out = db.cli(&["db", "load", file.to_str().expect("utf-8 path")]);
        assert!(out.status.success(), "db load: {}", String::from_utf8_lossy(&out.stderr));
        db
    }

    fn cli(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_proofdesk"))
            .env("PROOFDESK_CONFIG", "/dev/null")
            .env_remove("PROOFDESK_PROFILE")
            .arg("--db")
            .arg(&self.url)
            .args(args)
            .env_remove("DATABASE_URL")
            .env_remove("PROOFDESK_OPERATOR")
            .output()
            .expect("run proofdesk")
    }

    /// A temp SQLite database seeded with the demo data set (`db seed-demo`).
    fn demo(runs: u32) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("sqlite:{}", dir.path().join("demo.sqlite").display());
        let db = Self { _dir: dir, url };
        let out = db.cli(&["--now", NOW, "db", "seed-demo", "--runs", &runs.to_string()]);
        assert!(out.status.success(), "db seed-demo: {}", String::from_utf8_lossy(&out.stderr));
        db
    }

    /// `assess ID --format json` as of the fixture's `now`.
    fn assess(&self, id: &str) -> serde_json::Value {
        let out = self.cli(&["--as", "alice", "--now", NOW, "assess", id, "--format", "json"]);
        assert!(out.status.success(), "assess: {}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).expect("assess JSON")
    }
}

/// One tmux server of our own, killed on drop.
struct Tmux {
    socket: String,
    /// The consoles' `$XDG_STATE_HOME`: their sessions and views stay in the test.
    state: tempfile::TempDir,
}

impl Tmux {
    /// A shell in a detached 120×40 session.
    fn start(tag: &str) -> Self {
        let socket = format!("pdtest-{tag}-{}", std::process::id());
        let t = Self { socket, state: tempfile::tempdir().expect("state dir") };
        let out = t.tmux(&["new-session", "-d", "-s", "main", "-x", "120", "-y", "40", "env PS1='$ ' sh"]);
        assert!(out.status.success(), "tmux new-session: {}", String::from_utf8_lossy(&out.stderr));
        t
    }

    fn tmux(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .env_remove("TMUX")
            .env_remove("NO_COLOR")
            // The shells in the session start with this environment: no developer config, and
            // a state directory of the test's own.
            .env("PROOFDESK_CONFIG", "/dev/null")
            .env("XDG_STATE_HOME", self.state.path())
            .env_remove("PROOFDESK_PROFILE")
            .output()
            .expect("run tmux")
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "main"];
        args.extend_from_slice(keys);
        assert!(self.tmux(&args).status.success(), "send-keys {keys:?}");
    }

    fn literal(&self, text: &str) {
        assert!(self.tmux(&["send-keys", "-t", "main", "-l", text]).status.success(), "send-keys -l {text}");
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.tmux(&["capture-pane", "-p", "-t", "main"]).stdout).into_owned()
    }

    fn display(&self, format: &str) -> String {
        String::from_utf8_lossy(&self.tmux(&["display", "-p", "-t", "main", format]).stdout).trim().to_owned()
    }

    /// Polls the pane until `text` shows (at most 20 s); returns the screen.
    fn wait_for(&self, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let screen = self.screen();
            if screen.contains(text) {
                return screen;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {text:?}; the screen was:\n{screen}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Polls the pane until `text` is gone (at most 20 s). A key sent before the last one took
    /// effect can arrive with it in one read: Esc then `q` would read as Alt+q.
    fn wait_gone(&self, text: &str) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let screen = self.screen();
            if !screen.contains(text) {
                return;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {text:?} to go; the screen was:\n{screen}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Runs the console in the shell; the line after it reports the exit code.
    fn console(&self, db: &Db, extra: &str) {
        let line =
            format!("'{}' --db '{}' --now {NOW} {extra}; echo EXITED $?", env!("CARGO_BIN_EXE_proofdesk"), db.url);
        self.literal(&line);
        self.keys(&["Enter"]);
    }

    /// `q`, then the shell is back: the alternate screen is off and the exit code is 0.
    fn quit(&self) {
        self.keys(&["q"]);
        self.wait_for("EXITED 0");
        assert_eq!(self.display("#{alternate_on}"), "0", "the terminal left the alternate screen");
    }
}

/// The console's process: the child of the pane's shell running the proofdesk binary.
fn console_pid(t: &Tmux) -> u32 {
    let shell = t.display("#{pane_pid}");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let found = std::fs::read_dir("/proc").expect("/proc").filter_map(Result::ok).find_map(|e| {
            let pid: u32 = e.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(e.path().join("stat")).ok()?;
            let (head, tail) = stat.rsplit_once(')')?;
            let parent = tail.split_whitespace().nth(1)?;
            (head.ends_with("(proofdesk") && parent == shell).then_some(pid)
        });
        if let Some(pid) = found {
            return pid;
        }
        assert!(Instant::now() < deadline, "no proofdesk process under the pane's shell {shell}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// CPU time used by `pid` so far (user + system), from `/proc/PID/stat`.
fn cpu_time(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("the console is running");
    let fields: Vec<&str> = stat.rsplit_once(')').expect("stat").1.split_whitespace().collect();
    // After the command name: state is field 3, utime field 14, stime field 15 (proc(5)).
    let ticks: u64 = fields[11].parse::<u64>().expect("utime") + fields[12].parse::<u64>().expect("stime");
    let hz = Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse::<u64>().ok());
    Duration::from_millis(ticks * 1000 / hz.unwrap_or(100))
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.tmux(&["kill-server"]);
    }
}

#[test]
fn list_detail_reconcile_and_back_to_the_shell() {
    if tmux_missing() {
        return;
    }
    let db = Db::load(&case("19-proof-complete.json"));
    let t = Tmux::start("flow");
    t.console(&db, "--as alice");
    let list = t.wait_for("proof_complete");
    assert!(list.contains("1000") && list.contains("✔ succeeded"), "{list}");
    assert_eq!(t.display("#{alternate_on}"), "1");
    t.keys(&["Enter"]);
    t.wait_for("Operation proof");
    t.keys(&["r"]);
    t.wait_for("Type the run id");
    t.literal("1000");
    t.wait_for("Enter reconciles");
    t.keys(&["Enter"]);
    let done = t.wait_for("written");
    assert!(done.contains("completed"), "{done}");
    let v = db.assess("1000");
    assert_eq!((v["status"].as_str(), v["outcome"].as_str()), (Some("completed"), Some("succeeded")), "{v}");
    t.keys(&["Escape"]);
    t.wait_gone("Reconcile run 1000");
    t.wait_for("operation_run.reconciled");
    t.quit();
}

#[test]
fn hostile_text_from_the_database_stays_inert() {
    if tmux_missing() {
        return;
    }
    let mut doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(case("19-proof-complete.json")).expect("read")).expect("json");
    doc["restore_items"][0]["policy_name"] = "Kiosk \u{1b}]0;pwned\u{7} Lockdown \u{1b}[2J \u{202e}evil".into();
    doc["workspaces"][0]["name"] = "Contoso\u{1b}]0;pwned\u{7}".into();
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("hostile.json");
    std::fs::write(&file, serde_json::to_string(&doc).expect("json")).expect("write fixture");
    let db = Db::load(&file);
    let t = Tmux::start("hostile");
    let title_before = t.display("#{pane_title}");
    t.console(&db, "--as alice");
    t.wait_for("1000");
    t.keys(&["Enter"]);
    let screen = t.wait_for("Kiosk");
    assert!(screen.contains("Lockdown"), "the name stays recognizable: {screen}");
    assert!(!screen.contains('\u{1b}') && !screen.contains('\u{202e}'), "raw control text reached the pane");
    assert!(screen.contains("Item outcomes"), "the screen was not cleared by the name: {screen}");
    let title = t.display("#{pane_title}");
    assert_ne!(title, "pwned", "the database set the terminal title");
    assert!(!title.contains("pwned"), "title was {title:?} (before: {title_before:?})");
    t.quit();
}

#[test]
fn read_only_and_readonly_role_refuse_with_a_reason_and_write_nothing() {
    if tmux_missing() {
        return;
    }
    let db = Db::load(&case("19-proof-complete.json"));
    for (extra, reason) in [("--as alice --read-only", "read-only"), ("--as rita", "role readonly")] {
        let t = Tmux::start(if extra.contains("rita") { "rita" } else { "ro" });
        t.console(&db, extra);
        t.wait_for("1000");
        t.keys(&["r"]);
        let screen = t.wait_for("Cannot reconcile run 1000");
        assert!(screen.contains(reason) && !screen.contains("Type the run id"), "{screen}");
        t.keys(&["Escape"]);
        t.wait_gone("Cannot reconcile run 1000");
        t.quit();
        let v = db.assess("1000");
        assert_eq!((v["status"].as_str(), v["outcome"].as_str()), (Some("running"), Some("pending")), "{v}");
    }
}

#[test]
fn sighup_restores_the_terminal_at_once_and_an_idle_console_does_not_spin() {
    if tmux_missing() {
        return;
    }
    let db = Db::demo(2_000);
    let t = Tmux::start("hup");
    // No --as: the demo operator, as on the demo database.
    t.console(&db, "");
    let list = t.wait_for("matching");
    assert!(list.contains("proofdesk · runs"), "{list}");
    let pid = console_pid(&t);

    // Idle (live refresh every 3 s, a tick a second): next to no CPU.
    let before = cpu_time(pid);
    std::thread::sleep(Duration::from_secs(3));
    let used = cpu_time(pid).saturating_sub(before);
    assert!(used < Duration::from_millis(300), "an idle console used {used:?} of CPU in 3 s");

    // The terminal hangs up: out within 2 s, the terminal given back.
    let sent = Instant::now();
    let hup = Command::new("kill").args(["-HUP", &pid.to_string()]).status().expect("kill");
    assert!(hup.success());
    let exited = loop {
        let screen = t.screen();
        // `EXITED <code>` (the typed command line reads `EXITED $?`).
        if let Some(line) =
            screen.lines().find(|l| l.split("EXITED ").nth(1).is_some_and(|c| c.trim_end().parse::<i32>().is_ok()))
        {
            break line.to_owned();
        }
        if sent.elapsed() >= Duration::from_secs(2) {
            let state = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_else(|_| "gone".into());
            let stack = std::fs::read_dir(format!("/proc/{pid}/task")).map_or_else(
                |_| String::new(),
                |d| {
                    d.filter_map(Result::ok)
                        .filter_map(|t| std::fs::read_to_string(t.path().join("stat")).ok())
                        .collect::<String>()
                },
            );
            panic!("still running 2 s after SIGHUP ({state}); threads:\n{stack}\nthe screen was:\n{screen}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(sent.elapsed() < Duration::from_secs(2), "exited after {:?} ({exited})", sent.elapsed());
    assert!(exited.contains("EXITED 129"), "a hang-up exits 128 + SIGHUP: {exited}");
    assert!(!Path::new(&format!("/proc/{pid}")).exists(), "the process is gone");
    assert_eq!(t.display("#{alternate_on}"), "0", "the alternate screen is off");
    assert_eq!(t.display("#{cursor_flag}"), "1", "the cursor is visible again");
    // Cooked mode is back: the shell reads a typed line (raw mode would swallow the Enter).
    t.literal("stty -a | tr ' ;' '\\n\\n' | grep -x -e icanon -e echo -e icrnl | sort | tr '\\n' ' '; echo ok");
    t.keys(&["Enter"]);
    t.wait_for("echo icanon icrnl ok");
}

#[test]
fn ctrl_c_leaves_like_q_but_exits_130_as_an_interrupt_does() {
    if tmux_missing() {
        return;
    }
    let db = Db::demo(200);
    let t = Tmux::start("intr");
    t.console(&db, "");
    // The rows, not only the count ("188 matching" shows before the first page): Enter needs a
    // selected run.
    t.wait_for("run 1 of");
    // From the detail view too: Ctrl-C is never a key a screen keeps for itself.
    t.keys(&["Enter"]);
    t.wait_for("Proof bundle");
    t.keys(&["C-c"]);
    // (The typed command line reads `EXITED $?`; the shell prints the code on its own line.)
    t.wait_for("EXITED 130");
    assert_eq!(t.display("#{alternate_on}"), "0", "the alternate screen is off");
}

#[test]
fn y_copies_over_osc52_and_export_writes_every_matching_run() {
    if tmux_missing() {
        return;
    }
    let db = Db::demo(300);
    let dir = tempfile::tempdir().expect("dir");
    let t = Tmux::start("copy");
    assert!(t.tmux(&["set", "-g", "set-clipboard", "on"]).status.success());
    t.console(&db, "");
    let screen = t.wait_for("▶ ");
    // The selected run's id, as the list shows it on the first row.
    let first = screen.lines().find(|l| l.starts_with('▶')).expect("a selected row");
    let id: String = first.trim_start_matches('▶').trim_start().chars().take_while(char::is_ascii_digit).collect();
    t.keys(&["y"]);
    t.wait_for(&format!("copied run id {id}"));
    let buffer = String::from_utf8_lossy(&t.tmux(&["show-buffer"]).stdout).into_owned();
    assert_eq!(buffer, id, "tmux received the id through OSC 52");

    // :export json PATH writes every matching run, not only the screen's.
    let path = dir.path().join("runs.json");
    t.keys(&[":"]);
    t.literal(&format!("export json {}", path.display()));
    t.keys(&["Enter"]);
    let screen = t.wait_for("exported");
    let runs: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("written")).expect("json");
    let n = runs.as_array().expect("array").len();
    assert!(n > 40, "more than a screen of runs: {n}");
    assert!(screen.contains(&format!("exported {n} rows")), "{screen}");
    // A command that is not one says so; :q quits.
    t.keys(&[":"]);
    t.literal("frobnicate");
    t.keys(&["Enter"]);
    t.wait_for("unknown command");
    t.keys(&[":"]);
    t.literal("q");
    t.keys(&["Enter"]);
    t.wait_for("EXITED 0");
}

#[test]
fn saved_views_and_the_last_session_come_back_after_a_restart() {
    if tmux_missing() {
        return;
    }
    let db = Db::demo(200);
    let t = Tmux::start("views");
    t.console(&db, "");
    t.wait_for("▶ ");
    t.keys(&[":"]);
    t.literal("filter stale gap");
    t.keys(&["Enter"]);
    t.wait_for("[stale] [gap]");
    t.keys(&["S", "j"]);
    t.wait_for("↑ oldest first");
    t.keys(&[":"]);
    t.literal("view save triage");
    t.keys(&["Enter"]);
    t.wait_for("view triage saved");
    let screen = t.screen();
    let selected: String = screen
        .lines()
        .find(|l| l.starts_with('▶'))
        .map(|l| l.trim_start_matches('▶').trim_start().chars().take_while(char::is_ascii_digit).collect())
        .expect("a selected run");
    t.quit();
    // Started again: the last filter, sort and selection are back.
    t.literal("clear");
    t.keys(&["Enter"]);
    t.console(&db, "");
    let screen = t.wait_for("[stale] [gap]");
    assert!(screen.contains("↑ oldest first"), "the sort is back:\n{screen}");
    t.wait_for(&format!("▶ {selected}"));
    // A clean start, then the saved view by name.
    t.quit();
    t.literal("clear");
    t.keys(&["Enter"]);
    t.console(&db, "--fresh");
    let screen = t.wait_for("▶ ");
    assert!(screen.contains("[type:restore.execute]") && !screen.contains("[stale]"), "--fresh:\n{screen}");
    // ↑ on the command line recalls the last session's commands.
    t.keys(&[":", "Up"]);
    t.wait_for(" :view save triage");
    t.keys(&["Escape"]);
    t.wait_gone(" :view save triage");
    t.keys(&[":"]);
    t.literal("view list");
    t.keys(&["Enter"]);
    t.wait_for("views: triage");
    t.keys(&[":"]);
    t.literal("view triage");
    t.keys(&["Enter"]);
    let screen = t.wait_for("[stale] [gap]");
    assert!(screen.contains("↑ oldest first"), "{screen}");
    t.quit();
}

/// Every SGR parameter list (`ESC [ … m`) in `text`, split at `;`.
fn sgr_params(text: &str) -> Vec<Vec<u16>> {
    text.split("\u{1b}[")
        .skip(1)
        .filter_map(|rest| {
            let end = rest.find(|c: char| !(c.is_ascii_digit() || c == ';'))?;
            (rest[end..].starts_with('m')).then(|| rest[..end].split(';').map(|p| p.parse().unwrap_or(0)).collect())
        })
        .collect()
}

#[test]
fn no_color_draws_without_colour_and_the_selection_still_shows() {
    if tmux_missing() {
        return;
    }
    let db = Db::load(&case("19-proof-complete.json"));
    let t = Tmux::start("nocolor");
    let line = format!(
        "NO_COLOR=1 '{}' --db '{}' --now {NOW} --as alice; echo EXITED $?",
        env!("CARGO_BIN_EXE_proofdesk"),
        db.url
    );
    t.literal(&line);
    t.keys(&["Enter"]);
    t.wait_for("proof_complete");
    // The pane with its attributes, as tmux re-encodes them.
    let out = t.tmux(&["capture-pane", "-e", "-p", "-t", "main"]);
    let screen = String::from_utf8_lossy(&out.stdout).into_owned();
    let colours: Vec<Vec<u16>> = sgr_params(&screen)
        .into_iter()
        .filter(|ps| ps.iter().any(|p| matches!(p, 30..=38 | 40..=48 | 90..=97 | 100..=107)))
        .collect();
    assert!(colours.is_empty(), "NO_COLOR set colours {colours:?}:\n{screen:?}");
    let selected = screen.lines().find(|l| l.contains("▶ 1000")).expect("the selected row");
    let before_mark = &selected[..selected.find('▶').expect("mark")];
    assert!(
        sgr_params(before_mark).iter().any(|ps| ps.contains(&7)),
        "the selected row is drawn reversed: {selected:?}"
    );
    t.quit();
}

#[test]
fn term_dumb_is_refused_with_one_clear_line_before_the_screen_is_touched() {
    if tmux_missing() {
        return;
    }
    let db = Db::load(&case("19-proof-complete.json"));
    let t = Tmux::start("dumb");
    let line = format!("TERM=dumb '{}' --db '{}' --as alice; echo EXITED $?", env!("CARGO_BIN_EXE_proofdesk"), db.url);
    t.literal(&line);
    t.keys(&["Enter"]);
    let screen = t.wait_for("EXITED 2");
    assert!(screen.contains("proofdesk: TERM=dumb cannot draw the console"), "{screen}");
    assert_eq!(t.display("#{alternate_on}"), "0", "the alternate screen was never entered");
}
