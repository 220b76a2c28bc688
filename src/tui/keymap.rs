//! The keymap as data: one table of (keys, action, description, scope, hint). Key dispatch,
//! the help overlay and the status-bar hints all read this table, so a key is documented
//! exactly once. Character keys match by character (`G` is `G` with or without a reported
//! Shift); other keys match code and modifiers exactly.

pub mod custom;

use std::sync::OnceLock;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::action::Action;

/// The keymap in use: [`KEYMAP`] with the config's `[keys]` applied (see `custom.rs`).
static ACTIVE: OnceLock<&'static [Binding]> = OnceLock::new();

/// The keymap in use.
#[must_use]
pub fn active() -> &'static [Binding] {
    ACTIVE.get().copied().unwrap_or(KEYMAP)
}

/// Makes `table` the keymap in use, once per process; false when one was installed already.
pub fn install(table: &'static [Binding]) -> bool {
    ACTIVE.set(table).is_ok()
}

/// Where a binding applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Every view (below the view's own bindings).
    Global,
    /// The runs list.
    List,
    /// The run detail.
    Detail,
    /// While typing in the filter bar.
    FilterBar,
    /// While the reconcile dialog is open.
    Dialog,
}

impl Scope {
    /// A heading for the help overlay.
    #[must_use]
    pub const fn title(self) -> &'static str {
        match self {
            Self::Global => "Everywhere",
            Self::List => "Runs list",
            Self::Detail => "Run detail",
            Self::FilterBar => "Filter bar",
            Self::Dialog => "Reconcile dialog",
        }
    }
}

/// One key with its modifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

const fn k(c: char) -> Key {
    Key { code: KeyCode::Char(c), mods: KeyModifiers::NONE }
}

const fn code(code: KeyCode) -> Key {
    Key { code, mods: KeyModifiers::NONE }
}

const fn ctrl(c: char) -> Key {
    Key { code: KeyCode::Char(c), mods: KeyModifiers::CONTROL }
}

impl Key {
    /// Whether a key event is this key.
    #[must_use]
    pub fn matches(&self, ev: &KeyEvent) -> bool {
        match (self.code, ev.code) {
            (KeyCode::Char(a), KeyCode::Char(b)) => a == b && ev.modifiers.difference(KeyModifiers::SHIFT) == self.mods,
            // Terminals report Shift-Tab as BackTab with Shift held: the Shift is the key's own.
            (KeyCode::BackTab, KeyCode::BackTab) => ev.modifiers.difference(KeyModifiers::SHIFT) == self.mods,
            (a, b) => a == b && ev.modifiers == self.mods,
        }
    }
}

/// One row of the keymap.
#[derive(Debug, Clone, Copy)]
pub struct Binding {
    pub keys: &'static [Key],
    /// How the keys are shown (`j ↓`).
    pub label: &'static str,
    pub action: Action,
    pub description: &'static str,
    pub scope: Scope,
    /// A short word for the status-bar hints, when this binding earns a place there.
    pub hint: Option<&'static str>,
}

const fn b(
    keys: &'static [Key],
    label: &'static str,
    action: Action,
    description: &'static str,
    scope: Scope,
    hint: Option<&'static str>,
) -> Binding {
    Binding { keys, label, action, description, scope, hint }
}

use Action as A;
use Scope as S;

/// The default keymap.
pub const KEYMAP: &[Binding] = &[
    // Runs list.
    b(&[k('j'), code(KeyCode::Down)], "j ↓", A::Down, "next run", S::List, Some("move")),
    b(&[k('k'), code(KeyCode::Up)], "k ↑", A::Up, "previous run", S::List, None),
    b(&[code(KeyCode::PageDown), ctrl('d')], "PgDn ^d", A::PageDown, "one screen down", S::List, None),
    b(&[code(KeyCode::PageUp), ctrl('u')], "PgUp ^u", A::PageUp, "one screen up", S::List, None),
    b(&[code(KeyCode::Home), k('g')], "Home g", A::Top, "first run", S::List, None),
    b(&[code(KeyCode::End), k('G')], "End G", A::Bottom, "last run", S::List, None),
    b(&[code(KeyCode::Enter)], "Enter", A::Open, "open the run's detail", S::List, Some("open")),
    b(&[k('/')], "/", A::Filter, "edit the filter", S::List, Some("filter")),
    b(&[k('x')], "x", A::ClearFilter, "clear all filters", S::List, None),
    b(&[k('s'), k('>')], "s >", A::CycleSort, "sort by the next column", S::List, Some("sort")),
    b(&[k('<')], "<", A::CycleSortBack, "sort by the previous column", S::List, None),
    b(&[k('S')], "S", A::ReverseSort, "reverse the sort", S::List, None),
    b(&[k('r')], "r", A::Reconcile, "reconcile (or why not)", S::List, Some("reconcile")),
    // Run detail.
    b(&[code(KeyCode::Tab)], "Tab", A::NextPane, "next pane", S::Detail, Some("pane")),
    b(&[code(KeyCode::BackTab)], "S-Tab", A::PrevPane, "previous pane", S::Detail, None),
    b(&[k('z')], "z", A::Zoom, "zoom the pane / all panes", S::Detail, Some("zoom")),
    b(&[code(KeyCode::Esc)], "Esc", A::Back, "back (from a zoom: all panes)", S::Detail, Some("back")),
    b(&[k('j'), code(KeyCode::Down)], "j ↓", A::Down, "scroll down / next item", S::Detail, Some("scroll")),
    b(&[k('k'), code(KeyCode::Up)], "k ↑", A::Up, "scroll up / prev. item", S::Detail, None),
    b(&[code(KeyCode::PageDown), ctrl('d')], "PgDn ^d", A::PageDown, "one screen down", S::Detail, None),
    b(&[code(KeyCode::PageUp), ctrl('u')], "PgUp ^u", A::PageUp, "one screen up", S::Detail, None),
    b(&[code(KeyCode::Home)], "Home", A::Top, "top of the pane", S::Detail, None),
    b(&[code(KeyCode::End)], "End", A::Bottom, "bottom of the pane", S::Detail, None),
    b(&[k('g')], "g", A::NextGap, "next gap or failed check", S::Detail, Some("gap")),
    b(&[k('f')], "f", A::NextFailed, "next unsuccessful item", S::Detail, Some("failed")),
    b(&[k('e')], "e", A::ToggleError, "item error message", S::Detail, Some("error")),
    b(&[k('v')], "v", A::TogglePayload, "item payload (masked)", S::Detail, Some("payload")),
    b(&[k('r')], "r", A::Reconcile, "reconcile (or why not)", S::Detail, Some("reconcile")),
    // Everywhere.
    b(&[k(':')], ":", A::CommandMode, "command: ID, filter, export, help, q", S::Global, None),
    b(&[k('y')], "y", A::Copy, "copy run id / summary (OSC 52)", S::Global, Some("copy")),
    b(&[k('p')], "p", A::Pause, "pause/resume refresh", S::Global, Some("pause")),
    b(&[ctrl('r')], "^r", A::Refresh, "refresh now", S::Global, None),
    b(&[k('?')], "?", A::Help, "this help", S::Global, Some("help")),
    b(&[code(KeyCode::Esc)], "Esc", A::Back, "close what is open", S::Global, None),
    b(&[k('q'), ctrl('c')], "q ^c", A::Quit, "quit", S::Global, Some("quit")),
    // Filter bar.
    b(&[code(KeyCode::Enter)], "Enter", A::Submit, "apply (bad: keeps the old)", S::FilterBar, Some("apply")),
    b(&[code(KeyCode::Esc)], "Esc", A::Cancel, "cancel editing", S::FilterBar, Some("cancel")),
    b(&[code(KeyCode::Tab)], "Tab", A::Complete, "complete field or value", S::FilterBar, Some("complete")),
    b(&[code(KeyCode::Up)], "↑", A::HistoryBack, "earlier filter", S::FilterBar, Some("history")),
    b(&[code(KeyCode::Down)], "↓", A::HistoryForward, "later filter", S::FilterBar, None),
    // Reconcile dialog.
    b(&[code(KeyCode::Enter)], "Enter", A::Submit, "reconcile if id matches", S::Dialog, Some("confirm")),
    b(
        &[code(KeyCode::Tab), code(KeyCode::BackTab)],
        "Tab",
        A::SwitchField,
        "run id / note field",
        S::Dialog,
        Some("note"),
    ),
    b(&[code(KeyCode::Esc)], "Esc", A::Cancel, "cancel or close", S::Dialog, Some("cancel/close")),
];

/// The action bound to `ev` in `scope`, falling back to the global bindings for the list and
/// the detail views.
#[must_use]
pub fn lookup(scope: Scope, ev: &KeyEvent) -> Option<Action> {
    let find =
        |s: Scope| active().iter().find(|b| b.scope == s && b.keys.iter().any(|k| k.matches(ev))).map(|b| b.action);
    find(scope).or_else(|| if matches!(scope, Scope::List | Scope::Detail) { find(Scope::Global) } else { None })
}

/// The bindings of one scope, in table order.
pub fn bindings(scope: Scope) -> impl Iterator<Item = &'static Binding> {
    active().iter().filter(move |b| b.scope == scope)
}

/// The status-bar hints of a scope (plus the global ones for views): (first key, word).
#[must_use]
pub fn hints(scope: Scope, hide: &[Action]) -> Vec<(&'static str, &'static str)> {
    let mut scopes = vec![scope];
    if matches!(scope, Scope::List | Scope::Detail) {
        scopes.push(Scope::Global);
    }
    scopes
        .into_iter()
        .flat_map(bindings)
        .filter(|b| !hide.contains(&b.action))
        .filter_map(|b| b.hint.map(|h| (b.label.split(' ').next().unwrap_or(b.label), h)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(c: KeyCode, m: KeyModifiers) -> KeyEvent {
        KeyEvent::new(c, m)
    }

    #[test]
    fn the_keys_tests_rely_on_are_bound() {
        let none = KeyModifiers::NONE;
        assert_eq!(lookup(Scope::List, &key(KeyCode::Char('j'), none)), Some(Action::Down));
        assert_eq!(lookup(Scope::List, &key(KeyCode::Down, none)), Some(Action::Down));
        assert_eq!(lookup(Scope::List, &key(KeyCode::Enter, none)), Some(Action::Open));
        assert_eq!(lookup(Scope::List, &key(KeyCode::Char('/'), none)), Some(Action::Filter));
        assert_eq!(lookup(Scope::Detail, &key(KeyCode::Tab, none)), Some(Action::NextPane));
        assert_eq!(lookup(Scope::Detail, &key(KeyCode::Esc, none)), Some(Action::Back));
        assert_eq!(lookup(Scope::List, &key(KeyCode::Char('r'), none)), Some(Action::Reconcile));
        assert_eq!(lookup(Scope::List, &key(KeyCode::Char('?'), KeyModifiers::SHIFT)), Some(Action::Help));
        assert_eq!(lookup(Scope::Detail, &key(KeyCode::Char('q'), none)), Some(Action::Quit));
        assert_eq!(lookup(Scope::List, &key(KeyCode::Char('G'), KeyModifiers::SHIFT)), Some(Action::Bottom));
        assert_eq!(lookup(Scope::Dialog, &key(KeyCode::Char('q'), none)), None, "typing is not a command");
        assert_eq!(lookup(Scope::Detail, &key(KeyCode::BackTab, KeyModifiers::SHIFT)), Some(Action::PrevPane));
        assert_eq!(lookup(Scope::Detail, &key(KeyCode::BackTab, none)), Some(Action::PrevPane));
    }

    #[test]
    fn no_key_is_bound_twice_in_one_scope() {
        for a in KEYMAP {
            for b in KEYMAP {
                if std::ptr::eq(a, b) || a.scope != b.scope {
                    continue;
                }
                for ka in a.keys {
                    assert!(!b.keys.contains(ka), "{:?} bound twice in {:?}", ka, a.scope);
                }
            }
        }
    }

    #[test]
    fn hints_come_from_the_table_and_can_hide_writes() {
        let h = hints(Scope::List, &[]);
        assert!(h.contains(&("r", "reconcile")) && h.contains(&("q", "quit")));
        assert!(!hints(Scope::List, &[Action::Reconcile]).iter().any(|(_, w)| *w == "reconcile"));
    }
}
