//! `[keys]` in the config file: action names (as help lists them) mapped to keys. The
//! overrides replace an action's keys in every scope it is bound in; the result is checked
//! for clashes (one key, two actions where both would be live) and installed once, before the
//! console starts, as the table `lookup`, help and the hints read.
//!
//! Key names: a character (`n`, `G`, `/`), `^x` or `ctrl-x`, `Enter`, `Esc`, `Tab`, `S-Tab`,
//! `Up`, `Down`, `Left`, `Right`, `PgUp`, `PgDn`, `Home`, `End`, `Space`, `Backspace`, `F1`–`F12`.

use std::ops::Range;

use ratatui::crossterm::event::{KeyCode, KeyModifiers};

use super::{Binding, Key, Scope, KEYMAP};
use crate::config::{Config, ConfigError};
use crate::tui::action::Action;

/// Actions that act while text is typed: a plain character there would stop it being typed.
const TYPING: [Action; 6] = [
    Action::Submit,
    Action::Cancel,
    Action::SwitchField,
    Action::Complete,
    Action::HistoryBack,
    Action::HistoryForward,
];

/// What the key names above accept, for the error line.
const KEY_NAMES: &str =
    "a character, ^x, Enter, Esc, Tab, S-Tab, Up, Down, Left, Right, PgUp, PgDn, Home, End, Space, F1-F12";

/// One key by its config name.
#[must_use]
pub fn parse_key(text: &str) -> Option<Key> {
    let mut chars = text.chars();
    if let (Some(c), None) = (chars.next(), chars.clone().next()) {
        return (!c.is_control()).then_some(Key { code: KeyCode::Char(c), mods: KeyModifiers::NONE });
    }
    let lower = text.to_ascii_lowercase();
    let ctrl = lower.strip_prefix('^').or_else(|| lower.strip_prefix("ctrl-")).or_else(|| lower.strip_prefix("c-"));
    if let Some(rest) = ctrl {
        let mut cs = rest.chars();
        return match (cs.next(), cs.next()) {
            (Some(c), None) if c.is_ascii_alphanumeric() => {
                Some(Key { code: KeyCode::Char(c), mods: KeyModifiers::CONTROL })
            }
            _ => None,
        };
    }
    let code = match lower.as_str() {
        "enter" | "return" => KeyCode::Enter,
        "esc" | "escape" => KeyCode::Esc,
        "tab" => KeyCode::Tab,
        "s-tab" | "shift-tab" | "backtab" => KeyCode::BackTab,
        "up" | "↑" => KeyCode::Up,
        "down" | "↓" => KeyCode::Down,
        "left" | "←" => KeyCode::Left,
        "right" | "→" => KeyCode::Right,
        "pgup" | "pageup" => KeyCode::PageUp,
        "pgdn" | "pagedown" => KeyCode::PageDown,
        "home" => KeyCode::Home,
        "end" => KeyCode::End,
        "space" => KeyCode::Char(' '),
        "backspace" => KeyCode::Backspace,
        f if f.starts_with('f') => KeyCode::F(f[1..].parse().ok().filter(|n| (1..=12).contains(n))?),
        _ => return None,
    };
    Some(Key { code, mods: KeyModifiers::NONE })
}

/// How a key is shown in help and hints (`j`, `^d`, `↓`, `PgDn`).
#[must_use]
pub fn label(key: &Key) -> String {
    match key.code {
        KeyCode::Char(c) if key.mods == KeyModifiers::CONTROL => format!("^{c}"),
        KeyCode::Char(' ') => "Space".to_owned(),
        KeyCode::Char(c) => c.to_string(),
        KeyCode::Up => "↑".to_owned(),
        KeyCode::Down => "↓".to_owned(),
        KeyCode::Left => "←".to_owned(),
        KeyCode::Right => "→".to_owned(),
        KeyCode::PageUp => "PgUp".to_owned(),
        KeyCode::PageDown => "PgDn".to_owned(),
        KeyCode::BackTab => "S-Tab".to_owned(),
        KeyCode::F(n) => format!("F{n}"),
        other => format!("{other}"),
    }
}

/// A fault in `[keys]`: where, and what.
type Fault = (Option<Range<usize>>, String);

/// Whether two scopes' keys are live at the same time.
fn overlap(a: Scope, b: Scope) -> bool {
    a == b
        || matches!((a, b), (Scope::Global, Scope::List | Scope::Detail) | (Scope::List | Scope::Detail, Scope::Global))
}

/// The keymap with `[keys]` applied.
///
/// # Errors
/// An unknown action or key name, a typing action on a plain character, or a clash.
pub fn apply(config: &Config) -> Result<Vec<Binding>, Fault> {
    let mut table: Vec<Binding> = KEYMAP.to_vec();
    // Which `[keys]` entry set each action, to name it in a clash.
    let mut set_by: Vec<(Action, String, Range<usize>)> = Vec::new();
    for (name, list) in &config.file.keys {
        let known = || Action::ALL.iter().map(|a| a.name()).collect::<Vec<_>>().join(", ");
        let action = Action::from_name(name)
            .ok_or_else(|| (Some(list.span()), format!("unknown action {name:?} in [keys] (known: {})", known())))?;
        let mut keys = Vec::new();
        for text in &list.as_ref().0 {
            let key = parse_key(text).ok_or_else(|| {
                (Some(list.span()), format!("[keys] {}: unknown key {text:?} (use {KEY_NAMES})", action.name()))
            })?;
            if TYPING.contains(&action) && matches!(key.code, KeyCode::Char(_)) && key.mods == KeyModifiers::NONE {
                return Err((
                    Some(list.span()),
                    format!(
                        "[keys] {}: {text:?} would stop that character being typed; use a named key or ^x",
                        action.name()
                    ),
                ));
            }
            keys.push(key);
        }
        if keys.is_empty() {
            return Err((Some(list.span()), format!("[keys] {}: give at least one key", action.name())));
        }
        let shown = keys.iter().map(label).collect::<Vec<_>>().join(" ");
        // Leaked once, at start: the table lives as long as the process, as the built-in one.
        let keys: &'static [Key] = Box::leak(keys.into_boxed_slice());
        let shown: &'static str = Box::leak(shown.into_boxed_str());
        for b in table.iter_mut().filter(|b| b.action == action) {
            b.keys = keys;
            b.label = shown;
        }
        set_by.push((action, format!("{} = {:?}", action.name(), list.as_ref().0.join(" ")), list.span()));
    }
    for (i, a) in table.iter().enumerate() {
        for b in &table[i + 1..] {
            if a.action == b.action || !overlap(a.scope, b.scope) {
                continue;
            }
            let Some(key) = a.keys.iter().find(|k| b.keys.contains(k)) else { continue };
            let Some((_, entry, span)) = set_by.iter().find(|(act, _, _)| *act == a.action || *act == b.action) else {
                continue;
            };
            let other = if set_by.iter().any(|s| s.0 == a.action) { b } else { a };
            return Err((
                Some(span.clone()),
                format!(
                    "[keys] {entry} clashes: {} is already {} ({}) in {}",
                    label(key),
                    other.action.name(),
                    other.description,
                    other.scope.title()
                ),
            ));
        }
    }
    Ok(table)
}

/// Applies `[keys]` and installs the result for this process (before the console starts).
///
/// # Errors
/// The one-line [`ConfigError`] of [`apply`], naming the line.
pub fn install(config: &Config) -> Result<(), ConfigError> {
    if config.file.keys.is_empty() {
        return Ok(());
    }
    let table = apply(config).map_err(|(span, message)| config.error_at(span, message))?;
    super::install(Box::leak(table.into_boxed_slice()));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::crossterm::event::KeyEvent;

    fn config(keys: &str) -> Config {
        Config::parse(&format!("theme = \"mono\"\n[keys]\n{keys}"), Some("/c.toml".into())).expect("parses")
    }

    fn err(keys: &str) -> String {
        let c = config(keys);
        let (span, m) = apply(&c).expect_err("bad keys");
        c.error_at(span, m).to_string()
    }

    fn find(table: &[Binding], scope: Scope, ev: KeyEvent) -> Option<Action> {
        table.iter().find(|b| b.scope == scope && b.keys.iter().any(|k| k.matches(&ev))).map(|b| b.action)
    }

    #[test]
    fn overrides_rebind_an_action_everywhere_and_relabel_it() {
        let table = apply(&config("next-gap = \"n\"\ndown = [\"J\", \"Down\"]\nrefresh = \"F5\"\n")).expect("applies");
        let ev = |c| KeyEvent::new(c, KeyModifiers::NONE);
        assert_eq!(find(&table, Scope::Detail, ev(KeyCode::Char('n'))), Some(Action::NextGap));
        assert_eq!(find(&table, Scope::Detail, ev(KeyCode::Char('g'))), None, "the old key is gone");
        assert_eq!(find(&table, Scope::List, ev(KeyCode::Char('J'))), Some(Action::Down));
        assert_eq!(find(&table, Scope::Detail, ev(KeyCode::Down)), Some(Action::Down));
        assert_eq!(find(&table, Scope::Global, ev(KeyCode::F(5))), Some(Action::Refresh));
        let gap = table.iter().find(|b| b.action == Action::NextGap).expect("bound");
        assert_eq!(gap.label, "n");
        assert_eq!(table.iter().find(|b| b.action == Action::Down).map(|b| b.label), Some("J ↓"));
    }

    #[test]
    fn a_clash_is_one_line_naming_both_actions() {
        let e = err("down = \"q\"\n");
        assert_eq!(e, "config /c.toml line 3: [keys] down = \"q\" clashes: q is already quit (quit) in Everywhere");
        let e = err("next-gap = \"f\"\n");
        assert!(e.contains("clashes: f is already next-failed (next unsuccessful item) in Run detail"), "{e}");
    }

    #[test]
    fn unknown_names_and_keys_are_one_line() {
        let e = err("jump = \"n\"\n");
        assert!(e.starts_with("config /c.toml line 3: unknown action \"jump\" in [keys] (known: quit, help,"), "{e}");
        let e = err("quit = \"Ctrl+Q\"\n");
        assert!(e.starts_with("config /c.toml line 3: [keys] quit: unknown key \"Ctrl+Q\""), "{e}");
        let e = err("submit = \"y\"\n");
        assert!(e.contains("would stop that character being typed"), "{e}");
        let e = err("quit = []\n");
        assert!(e.contains("give at least one key"), "{e}");
        assert!(!e.contains('\n'));
    }

    #[test]
    fn every_bound_action_has_a_name_and_names_are_unique() {
        for b in KEYMAP {
            assert!(Action::ALL.contains(&b.action), "{:?} is missing from Action::ALL", b.action);
            assert_eq!(Action::from_name(b.action.name()), Some(b.action));
        }
        let mut names: Vec<&str> = Action::ALL.iter().map(|a| a.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Action::ALL.len());
    }

    #[test]
    fn key_names_read_both_ways() {
        for name in ["n", "^d", "↓", "PgDn", "S-Tab", "F5", "Space", "Enter"] {
            let key = parse_key(name).unwrap_or_else(|| panic!("{name} parses"));
            assert_eq!(label(&key), name);
        }
        assert_eq!(parse_key("ctrl-R"), parse_key("^r"));
        assert_eq!(parse_key("F13"), None);
        assert_eq!(parse_key("\u{7}"), None);
    }
}
