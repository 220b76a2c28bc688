//! The screens. Each module pairs a screen's state, its key handling and its drawing, as
//! ratatui's demo2 pairs a tab's state with `impl Widget` for it: `runs` (the list: its page
//! window and its table), `detail` (the three panes: `proof` lines, the items table, the
//! evidence and audit trail), `payload` (an item's error message and masked provider payload,
//! inside the items pane), `dialog` (the reconcile modal), `help` and `notice` (popups).
//!
//! Keys arrive as keymap [`Action`]s (raw keys only where text is typed); a screen changes its
//! own state and answers with [`Handled`] for what only the app can do: route to another
//! screen, send a request with a fresh id, say something on the hint line. Where a screen is
//! drawn, and how far it scrolls, comes from `layout`, which the app's update code reads too.

pub mod detail;
pub mod dialog;
pub mod help;
pub mod notice;
pub mod payload;
pub mod runs;

use super::action::Action;

/// What a screen's key handling leaves to the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handled {
    /// Done, or nothing to do.
    Done,
    /// Done; the hint line says this until the next key.
    Flash(&'static str),
    /// The screen needs a request sent (a load, the reconciliation): the app gives it a
    /// fresh id.
    Request,
    /// The popup or dialog closes.
    Close,
    /// Not this screen's to act on: the app routes it.
    Pass(Action),
}
