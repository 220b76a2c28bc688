//! The runs list: title with the match count and sort, the filter bar (active filters, or the
//! input while editing, with a one-line error), and the table of the visible window only.
//!
//! The state is [`ListState`] (`window.rs`): the filter, a window over a list of any length,
//! its page cache and the selection, which follows its run by id. Keys move the selection or
//! change the filter and sort; opening a run and typing a filter are the app's (the filter bar
//! is a text field the app routes keys to). The table is drawn by `table.rs`.

mod table;
mod tally;
mod window;

use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;
use tui_input::Input;
use unicode_width::UnicodeWidthStr;

pub use self::tally::{Tally, STEP as TALLY_STEP};
pub use self::window::{ListState, KEEP_PAGES};
use super::Handled;
use crate::present::grouped;
use crate::sanitize::clean;
use crate::service::{RunFilter, ServiceError, SortKey};
use crate::tui::action::Action;
use crate::tui::filter;
use crate::tui::layout::ListAreas;
use crate::tui::theme::Theme;
use crate::tui::view::common::{safe, trunc};

/// The filter bar while it is being edited.
#[derive(Debug, Clone)]
pub struct FilterEdit {
    pub input: Input,
    /// Why the last Enter was refused (the previous filter stays active).
    pub error: Option<filter::FilterError>,
    /// Tab's candidates, when there were several.
    pub hint: Option<String>,
    /// Where ↑/↓ stand in the session's earlier filters (`None`: the text being typed).
    pub history: Option<usize>,
    /// When the text last changed and has not been counted since.
    pub edited_at: Option<std::time::Instant>,
    /// The live count of what the text matches.
    pub preview: Preview,
}

/// The filter bar's live count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Preview {
    /// Typing: counted once it pauses.
    Waiting,
    Counting {
        seq: u64,
        approx: bool,
    },
    /// `approx`: a verdict filter, which the database counts as candidates (an upper bound).
    Count {
        n: i64,
        approx: bool,
    },
    /// The text would be refused on Enter, and why.
    Invalid(String),
    Failed,
}

impl FilterEdit {
    #[must_use]
    pub fn new(input: Input) -> Self {
        let edited_at = Some(std::time::Instant::now());
        Self { input, error: None, hint: None, history: None, edited_at, preview: Preview::Waiting }
    }

    /// Whether the bar takes a second line (an error, or Tab's candidates).
    #[must_use]
    pub const fn has_line(&self) -> bool {
        self.error.is_some() || self.hint.is_some() || matches!(self.preview, Preview::Invalid(_))
    }

    /// The live count, as the bar's right end shows it.
    fn preview_text(&self) -> String {
        match &self.preview {
            Preview::Waiting => String::new(),
            Preview::Counting { .. } => " counting… ".to_owned(),
            Preview::Count { n, approx } => {
                format!(" → {}{} match ", if *approx { "≤" } else { "" }, grouped(n.unsigned_abs()))
            }
            Preview::Invalid(_) => " ✘ ".to_owned(),
            Preview::Failed => " count failed ".to_owned(),
        }
    }
}

/// What the list is drawn with besides its own state.
#[derive(Debug, Clone, Copy)]
pub struct ListView<'a> {
    pub filter_edit: Option<&'a FilterEdit>,
    /// The session's clock (ages).
    pub now: chrono::DateTime<chrono::Utc>,
    /// The database is unreachable: the rows are the last ones loaded.
    pub stale: bool,
}

impl ListState {
    /// Acts on a list key, in a window of `height` rows. [`Handled::Request`]: the filter or the
    /// sort changed and the list starts over.
    pub fn handle_key(&mut self, action: Action, height: usize) -> Handled {
        let page = isize::try_from(height.max(1)).unwrap_or(1);
        match action {
            Action::Down => self.step(1, height),
            Action::Up => self.step(-1, height),
            Action::PageDown => self.step(page, height),
            Action::PageUp => self.step(-page, height),
            Action::Top => self.jump_to_top(height),
            Action::Bottom => {
                if !self.jump_to_end(height) {
                    return Handled::Flash(if self.by_verdict() {
                        "still counting the verdicts exactly: loading more runs… (End again to go further)"
                    } else {
                        "still counting: loading more runs… (End again to go further)"
                    });
                }
            }
            Action::ClearFilter => {
                let mut f = RunFilter::default();
                f.query.sort = self.filter.query.sort;
                f.query.ascending = self.filter.query.ascending;
                self.reset(f, String::new());
                return Handled::Request;
            }
            Action::CycleSort | Action::CycleSortBack | Action::ReverseSort => {
                let mut f = self.filter.clone();
                if action == Action::ReverseSort {
                    f.query.ascending = !f.query.ascending;
                } else {
                    // A new key starts in its natural direction: times newest first, words A to Z.
                    f.query.sort = f.query.sort.step(action == Action::CycleSortBack);
                    f.query.ascending = f.query.sort.is_text();
                }
                let text = self.filter_text.clone();
                self.reset(f, text);
                return Handled::Request;
            }
            _ => return Handled::Pass(action),
        }
        Handled::Done
    }

    /// Draws the title line and the body.
    pub fn render(&self, frame: &mut Frame<'_>, [title, body]: [Rect; 2], view: ListView<'_>, theme: &Theme) {
        let right = self.title_right();
        // During an outage the rows are the last ones loaded: say so where they are.
        let left = if view.stale { " proofdesk · runs · stale" } else { " proofdesk · runs" };
        // At least one space between the two halves, however narrow the terminal.
        let pad = usize::from(title.width).saturating_sub(left.width() + right.width()).max(1);
        let line = Line::from(vec![
            Span::styled(left, theme.title),
            Span::raw(" ".repeat(pad)),
            Span::styled(trunc(&right, usize::from(title.width).saturating_sub(left.width() + pad)), theme.muted),
        ]);
        frame.render_widget(Paragraph::new(line), title);

        let edit = view.filter_edit;
        let areas = ListAreas::new(body, edit.is_some_and(FilterEdit::has_line));
        self.filter_bar(frame, areas.bar, edit, theme);
        let second = edit.and_then(|f| match (&f.error, &f.hint, &f.preview) {
            (Some(e), _, _) => {
                Some((format!(" ✘ {} — the previous filter stays active", clean(&e.to_string())), theme.error))
            }
            (None, Some(h), _) => Some((format!(" {}", clean(h)), theme.muted)),
            (None, None, Preview::Invalid(why)) => Some((format!(" ✘ {}", clean(why)), theme.error)),
            (None, None, _) => None,
        });
        if let Some((text, style)) = second {
            let line = areas.error;
            frame.render_widget(Paragraph::new(Span::styled(trunc(&text, usize::from(line.width)), style)), line);
        }
        table::render(frame, &areas, self, view.now, theme);
    }

    /// The position, count and sort, for the title: one count, saying what it counts
    /// (`run 3 of 1,409 matching`). With a verdict filter the database can only count the
    /// candidates the verdicts are judged among, and the title says so (`of ≤1,409`).
    fn title_right(&self) -> String {
        let f = &self.filter;
        let approx = if self.by_verdict() { "≤" } else { "" };
        let (rows, more) = self.known_rows();
        let loaded = format!("{}{} loaded", grouped(rows as u64), if more { "+" } else { "" });
        let at = grouped(self.sel as u64 + 1);
        let count = match (&self.count, self.tally.reading()) {
            // A verdict filter's exact count, or how far its walk has come.
            (_, Some(_)) if rows == 0 && !more && self.first_loaded() => "0 matching".to_owned(),
            (_, Some((n, true, _))) => format!("run {at} of {} matching", grouped(n)),
            (_, Some((n, false, failed))) => {
                format!("run {at} of ≥{} so far{}", grouped(n), if failed { " · count failed" } else { "" })
            }
            (count, None) => self.sql_count_text(count.as_ref(), approx, &loaded),
        };
        format!("{count} · sort {} ", sort_label(f.query.sort, f.query.ascending))
    }

    /// The title's count from the database's count (`approx`: it only bounds a verdict filter).
    fn sql_count_text(&self, count: Option<&Result<i64, ServiceError>>, approx: &str, loaded: &str) -> String {
        let (rows, more) = self.known_rows();
        match count {
            _ if rows == 0 && !more && self.first_loaded() => "0 matching".to_owned(),
            Some(Ok(n)) if rows == 0 => format!("{approx}{} matching", grouped(n.unsigned_abs())),
            Some(Ok(n)) => {
                format!("run {} of {approx}{} matching", grouped(self.sel as u64 + 1), grouped(n.unsigned_abs()))
            }
            None if rows == 0 => "counting…".to_owned(),
            None => format!("run {} · {loaded} · counting…", grouped(self.sel as u64 + 1)),
            Some(Err(_)) => format!("{loaded} · count failed"),
        }
    }

    fn filter_bar(&self, frame: &mut Frame<'_>, area: Rect, edit: Option<&FilterEdit>, theme: &Theme) {
        if let Some(edit) = edit {
            let prefix = " / ";
            let count = edit.preview_text();
            let count_style = if matches!(edit.preview, Preview::Invalid(_)) { theme.error } else { theme.muted };
            let width = usize::from(area.width).saturating_sub(prefix.len() + 1 + count.width());
            let scroll = edit.input.visual_scroll(width);
            let value: String = clean(edit.input.value()).chars().skip(scroll).collect();
            let line = Line::from(vec![
                Span::styled(prefix, theme.hint_key),
                Span::styled(format!("{:<width$}", trunc(&value, width)), theme.input),
                Span::styled(count, count_style),
            ]);
            frame.render_widget(Paragraph::new(line), area);
            let x = area.x + 3 + u16::try_from(edit.input.visual_cursor().saturating_sub(scroll)).unwrap_or(0);
            frame.set_cursor_position(Position::new(x.min(area.right().saturating_sub(1)), area.y));
            return;
        }
        let mut spans = vec![Span::styled(" filter ", theme.muted)];
        let chips = filter::chips(&self.filter_text);
        if chips.is_empty() {
            spans.push(Span::styled("none — every run of every type", theme.muted));
        }
        for c in chips {
            spans.push(Span::styled(format!("[{}]", safe(&c, 60)), theme.filter));
            spans.push(Span::raw(" "));
        }
        let used: usize = spans.iter().map(|s| s.content.width()).sum();
        let hint = "/ edit · x clear ";
        if used + hint.len() < usize::from(area.width) {
            spans.push(Span::raw(" ".repeat(usize::from(area.width) - used - hint.len())));
            spans.push(Span::styled(hint, theme.hint));
        }
        frame.render_widget(Paragraph::new(Line::from(spans)), area);
    }
}

/// The sort as the title says it: `created ↓ newest first`, `status ↑ A→Z`.
#[must_use]
pub fn sort_label(key: SortKey, ascending: bool) -> String {
    let dir = match (key.is_text(), key == SortKey::Id, ascending) {
        (true, _, true) => "↑ A→Z",
        (true, _, false) => "↓ Z→A",
        (false, true, true) => "↑ lowest first",
        (false, true, false) => "↓ highest first",
        (false, false, true) => "↑ oldest first",
        (false, false, false) => "↓ newest first",
    };
    format!("{} {dir}", key.name())
}
