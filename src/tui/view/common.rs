//! Small drawing pieces the screens share: an outcome or decision as symbol + word in its
//! role's style (never colour alone), item outcome symbols, checklist glyphs, width-aware
//! truncation and wrapping. Every database string passes `sanitize::clean` here
//! or at its call site before it becomes a `Span`.

use ratatui::style::Style;
use ratatui::text::Span;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use crate::domain::{CheckState, Decision};
use crate::present::symbol;
use crate::sanitize::clean_max;
use crate::tui::theme::Theme;

/// `text` cut to `width` display columns, ending with `…` when cut.
#[must_use]
pub fn trunc(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_owned();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(c);
        used += w;
    }
    if width > 0 {
        out.push('…');
    }
    out
}

/// Database text made safe and cut to `width` columns.
#[must_use]
pub fn safe(text: &str, width: usize) -> String {
    trunc(&clean_max(text, width.saturating_add(1).max(1)), width)
}

/// An operation outcome (or status word) with its symbol, e.g. `◐ partially_succeeded`.
#[must_use]
pub fn outcome_text(word: &str) -> String {
    format!("{} {}", symbol(word), clean_max(word, 40))
}

/// [`outcome_text`] in the outcome's style.
#[must_use]
pub fn outcome_span(word: &str, theme: &Theme) -> Span<'static> {
    Span::styled(outcome_text(word), theme.outcome(word))
}

/// A decision with its symbol, in its style.
#[must_use]
pub fn decision_span(d: Decision, theme: &Theme) -> Span<'static> {
    Span::styled(format!("{} {}", symbol(d.as_str()), d), theme.decision(d))
}

/// A checklist state as glyph, word and style.
#[must_use]
pub fn check_parts(state: CheckState, theme: &Theme) -> (&'static str, &'static str, Style) {
    match state {
        CheckState::Pass => ("✓", "pass", theme.pass),
        CheckState::Gap(_) => ("✗", state.word(), theme.gap),
        CheckState::Waiting(_) => ("…", "waiting", theme.waiting),
        CheckState::NotReached => ("·", "not examined", theme.muted),
    }
}

/// Greedy word wrap of one run of text (no indentation handling); long words are cut.
fn wrap_words(text: &str, width: usize, lines: &mut Vec<String>) {
    let mut line = String::new();
    for word in text.split(' ') {
        let needed = if line.is_empty() { word.width() } else { line.width() + 1 + word.width() };
        if needed > width && !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
        while line.width() > width {
            let head: String = line
                .chars()
                .scan(0, |w, c| {
                    *w += c.width().unwrap_or(0);
                    (*w <= width).then_some(c)
                })
                .collect();
            if head.is_empty() {
                break;
            }
            line = line.chars().skip(head.chars().count()).collect();
            lines.push(head);
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
}

/// Wraps already safe text to `width` columns: breaks at ` · ` separators first (dropping
/// the separator at the break), then at spaces; long words are cut. Leading indentation is kept on every line.
#[must_use]
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let body = text.trim_start_matches(' ');
    let indent = text.len() - body.len();
    let (indent, width) = if width > indent + 8 { (indent, width - indent) } else { (0, width.max(1)) };
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for seg in body.split(" · ") {
        let joined = if line.is_empty() { seg.width() } else { line.width() + 3 + seg.width() };
        if joined <= width {
            if !line.is_empty() {
                line.push_str(" · ");
            }
            line.push_str(seg);
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        if seg.width() <= width {
            line.push_str(seg);
        } else {
            let mut parts = Vec::new();
            wrap_words(seg, width, &mut parts);
            line = parts.pop().unwrap_or_default();
            lines.extend(parts);
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    let pad = " ".repeat(indent);
    lines.into_iter().map(|l| format!("{pad}{l}")).collect()
}

/// Compact JSON of a database value, made safe.
#[must_use]
pub fn json_line(value: &serde_json::Value, width: usize) -> String {
    safe(&value.to_string(), width)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_respects_display_width() {
        assert_eq!(trunc("abcdef", 4), "abc…");
        assert_eq!(trunc("abc", 3), "abc");
        assert_eq!(trunc("日本語テキスト", 5), "日本…");
        assert_eq!(trunc("abc", 0), "");
    }

    #[test]
    fn wrapping_keeps_words_and_cuts_long_ones() {
        assert_eq!(wrap("some items failed", 10), ["some items", "failed"]);
        assert_eq!(wrap("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        assert_eq!(wrap("", 4), [""]);
        assert_eq!(wrap("a b · c d · e", 7), ["a b", "c d · e"]);
        assert_eq!(wrap("    x y z w v u t s r q", 14), ["    x y z w v", "    u t s r q"]);
    }

    #[test]
    fn safe_text_has_no_controls() {
        let s = safe("Kiosk \u{1b}]0;pwned\u{7}\u{202e}", 80);
        assert!(!s.chars().any(char::is_control) && !s.contains('\u{202e}'));
        assert!(s.starts_with("Kiosk"));
    }
}
