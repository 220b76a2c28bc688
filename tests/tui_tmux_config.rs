//! The real binary in tmux (a private socket, 80×24) under a config file: `-P prod` shows
//! the production banner and the profile, `r` is refused there, and mouse capture is on only
//! with `--mouse` (tmux reports whether the pane asked for mouse events). Skipped, with a
//! notice, when tmux is not installed.

mod common;

use std::process::{Command, Output};
use std::time::{Duration, Instant};

use common::{case, TestDb, NOW};

struct Tmux {
    socket: String,
    /// The consoles' `$XDG_STATE_HOME`: their sessions and views stay in the test.
    state: tempfile::TempDir,
}

impl Tmux {
    fn start(tag: &str) -> Option<Self> {
        if !Command::new("tmux").arg("-V").output().is_ok_and(|o| o.status.success()) {
            eprintln!("SKIPPED: tmux is not installed; the terminal tests need it (CI installs it)");
            return None;
        }
        let t =
            Self { socket: format!("pdcfg-{tag}-{}", std::process::id()), state: tempfile::tempdir().expect("state") };
        let out = t.tmux(&["new-session", "-d", "-s", "main", "-x", "80", "-y", "24", "env PS1='$ ' sh"]);
        assert!(out.status.success(), "tmux new-session: {}", String::from_utf8_lossy(&out.stderr));
        Some(t)
    }

    fn tmux(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .env_remove("TMUX")
            .env_remove("NO_COLOR")
            .env("XDG_STATE_HOME", self.state.path())
            .env_remove("PROOFDESK_PROFILE")
            .env_remove("DATABASE_URL")
            .env_remove("PROOFDESK_OPERATOR")
            .output()
            .expect("run tmux")
    }

    fn line(&self, text: &str) {
        assert!(self.tmux(&["send-keys", "-t", "main", "-l", text]).status.success());
        assert!(self.tmux(&["send-keys", "-t", "main", "Enter"]).status.success());
    }

    fn key(&self, key: &str) {
        assert!(self.tmux(&["send-keys", "-t", "main", key]).status.success());
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.tmux(&["capture-pane", "-p", "-t", "main"]).stdout).into_owned()
    }

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

    fn mouse_flag(&self) -> String {
        let out = self.tmux(&["display", "-p", "-t", "main", "#{mouse_any_flag}"]);
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.tmux(&["kill-server"]);
    }
}

#[test]
fn a_production_profile_in_a_real_terminal_and_the_mouse_only_when_asked() {
    let db = TestDb::sqlite();
    db.load(&case("15-mixed.json"));
    let dir = tempfile::tempdir().expect("dir");
    let config = dir.path().join("config.toml");
    let text = format!(
        "[profiles.prod]\ndb = \"{}\"\nas = \"alice\"\nread_only = true\nproduction = true\ntheme = \"mono\"\n\
         [profiles.staging]\ndb = \"{}\"\nas = \"alice\"\nmouse = true\n",
        db.url, db.url
    );
    std::fs::write(&config, text).expect("write config");
    let Some(t) = Tmux::start("prod") else { return };
    let bin = env!("CARGO_BIN_EXE_proofdesk");
    let cfg = config.display();
    t.line(&format!("PROOFDESK_CONFIG='{cfg}' '{bin}' -P prod --now {NOW}; echo EXITED $?"));
    // The list is in (the connecting frame before it shows the profile too).
    t.wait_for("1 matching");
    let screen = t.wait_for("▲ PRODUCTION prod");
    assert!(screen.lines().next().is_some_and(|l| l.contains("▲ PRODUCTION ▲")), "{screen}");
    assert_eq!(t.mouse_flag(), "0", "no mouse capture unless asked");
    t.key("r");
    t.wait_for("this session is read-only");
    t.key("Escape");
    t.key("q");
    t.wait_for("EXITED 0");
    // The staging profile turns the mouse on (as --mouse does); quitting turns it off again.
    t.line(&format!("clear; PROOFDESK_CONFIG='{cfg}' '{bin}' -P staging --now {NOW}; echo EXITED $?"));
    t.wait_for("1 matching");
    let screen = t.wait_for(" staging │");
    assert!(!screen.contains("PRODUCTION"), "{screen}");
    assert_eq!(t.mouse_flag(), "1", "mouse = true asks for mouse events");
    t.key("q");
    t.wait_for("EXITED 0");
    assert_eq!(t.mouse_flag(), "0", "capture ends with the console");
}

/// A database behind a slow VPN: a listener that takes the connection and never answers. The
/// console's frame is there at once, says what it waits for, and `q` leaves.
#[test]
fn the_console_draws_before_a_silent_database_answers() {
    let silent = std::net::TcpListener::bind("127.0.0.1:0").expect("listen");
    let port = silent.local_addr().expect("addr").port();
    let Some(t) = Tmux::start("silent") else { return };
    let bin = env!("CARGO_BIN_EXE_proofdesk");
    t.line(&format!(
        "PROOFDESK_CONFIG=/dev/null '{bin}' --db postgres://oncall@127.0.0.1:{port}/ops --as alice; echo EXITED $?"
    ));
    let screen = t.wait_for(&format!("connecting to postgres 127.0.0.1:{port}/ops"));
    assert!(screen.contains("proofdesk · connecting…"), "{screen}");
    t.wait_for(" · 2s · q quits");
    t.key("q");
    t.wait_for("EXITED 0");
    drop(silent);
}
