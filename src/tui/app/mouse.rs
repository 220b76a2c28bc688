//! Mouse input, when `--mouse` / `mouse = true` turned it on (off by default, so the
//! terminal's own selection keeps working over SSH): a click on a list row selects it, and a
//! click on the selected row opens it; the wheel moves the selection, or scrolls the focused
//! detail pane, three lines a notch; a click on a detail pane (or on its tab, in a narrow
//! terminal) focuses it. While a popup is open or text is typed the mouse does nothing.

use ratatui::crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::Position;
use unicode_width::UnicodeWidthStr;

use super::{App, View};
use crate::tui::action::Action;
use crate::tui::layout::ListAreas;
use crate::tui::screen::detail::Pane;
use crate::tui::worker::Command;

/// Lines one notch of the wheel moves.
const WHEEL: usize = 3;

impl App {
    pub(super) fn on_mouse(&mut self, ev: MouseEvent) -> Vec<Command> {
        if self.dialog.is_some() || self.notice.is_some() || self.help.is_some() || self.filter_edit.is_some() {
            return Vec::new();
        }
        let wheel = match ev.kind {
            MouseEventKind::ScrollDown => Action::Down,
            MouseEventKind::ScrollUp => Action::Up,
            MouseEventKind::Down(MouseButton::Left) => {
                self.dirty = true;
                self.flash = None;
                return match self.view {
                    View::List => self.click_list(ev.row),
                    View::Detail => {
                        self.click_detail(Position::new(ev.column, ev.row));
                        Vec::new()
                    }
                };
            }
            _ => return Vec::new(),
        };
        self.dirty = true;
        (0..WHEEL).flat_map(|_| self.act(wheel)).collect()
    }

    fn click_list(&mut self, row: u16) -> Vec<Command> {
        let table = ListAreas::new(self.frame_areas().body, false).table;
        // The table's first line is its header.
        if row <= table.y || row >= table.bottom() {
            return Vec::new();
        }
        let i = self.list.offset + usize::from(row - table.y - 1);
        if i >= self.list.known_rows().0 {
            return Vec::new();
        }
        if i == self.list.sel {
            return self.act(Action::Open);
        }
        let height = self.list_height();
        self.list.select(i, height);
        let mut seq = self.seq;
        let cmds = self.list.ensure(height, &mut seq);
        self.seq = seq;
        cmds
    }

    fn click_detail(&mut self, at: Position) {
        let areas = self.detail_areas();
        let Some(d) = self.detail.as_mut() else { return };
        let Some(tabs) = areas.tabs else {
            if let Some(p) = Pane::ALL.into_iter().find(|p| p.area(&areas).contains(at)) {
                d.focus = p;
            }
            return;
        };
        if at.y != tabs.y {
            return;
        }
        // The strip as drawn: a space, then each tab as its mark, title and a space, then a space.
        let mut x = tabs.x + 1;
        for p in Pane::ALL {
            let width = u16::try_from(p.title().width() + 2).unwrap_or(u16::MAX);
            if (x..x.saturating_add(width)).contains(&at.x) {
                d.focus = p;
                return;
            }
            x = x.saturating_add(width + 1);
        }
    }
}
