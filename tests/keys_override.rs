//! `[keys]` from a config file changes what the keys do and what help and the hints say. Its
//! own test binary: the keymap is installed once per process, as the binary does at start.

mod common;

use proofdesk::config::Config;
use proofdesk::tui::action::Action;
use proofdesk::tui::keymap::{self, custom, Scope};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

#[test]
fn overrides_drive_lookup_help_and_hints() {
    let text = "[keys]\nnext-gap = \"n\"\nreconcile = [\"R\", \"F2\"]\n";
    let config = Config::parse(text, Some("/c.toml".into())).expect("parses");
    custom::install(&config).expect("installs");
    let ev = |c| KeyEvent::new(c, KeyModifiers::NONE);
    assert_eq!(keymap::lookup(Scope::Detail, &ev(KeyCode::Char('n'))), Some(Action::NextGap));
    assert_eq!(keymap::lookup(Scope::Detail, &ev(KeyCode::Char('g'))), None);
    assert_eq!(keymap::lookup(Scope::List, &ev(KeyCode::F(2))), Some(Action::Reconcile));
    assert_eq!(keymap::lookup(Scope::List, &ev(KeyCode::Char('r'))), None);
    // The keys tests rely on elsewhere are untouched.
    assert_eq!(keymap::lookup(Scope::List, &ev(KeyCode::Char('j'))), Some(Action::Down));
    let hints = keymap::hints(Scope::Detail, &[]);
    assert!(hints.contains(&("n", "gap")) && hints.contains(&("R", "reconcile")), "{hints:?}");
    let help: Vec<(&str, &str)> = keymap::bindings(Scope::List).map(|b| (b.label, b.action.name())).collect();
    assert!(help.contains(&("R F2", "reconcile")), "{help:?}");
}
