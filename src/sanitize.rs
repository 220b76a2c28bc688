//! The one sanitizer every string from the database passes before it reaches a terminal
//! (a ratatui `Span` or a line of command output).
//!
//! Nothing that could change the terminal survives: C0 and C1 control characters and DEL are
//! shown as visible pictures (`␛`, `␇`, `⟨U+0085⟩`); every other character that is invisible or
//! steers the display is named as a `⟨U+202E⟩`-style escape, so the text stays recognizable but
//! inert. Which characters those are is read from the Unicode general category
//! ([`is_unsafe`]), not from a hand list: controls (Cc), format characters (Cf: bidi overrides
//! and isolates, zero-width, soft hyphen, tags, U+180E, U+206A–206F, U+FFF9–FFFB…), line and
//! paragraph separators (Zl, Zp), private use (Co), surrogates (Cs) and unassigned code points
//! and noncharacters (Cn), plus a few invisible fillers that are letters or marks by category.
//! Tabs become spaces; very long text is cut with `…`. The JSON printers escape the same set.

use std::borrow::Cow;
use std::fmt::Write as _;

use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

/// What a cut string ends with.
pub const CUT_MARKER: char = '…';

/// Longest text kept by [`clean`] (a 10 MB error message must not reach a frame whole).
pub const MAX_CHARS: usize = 4096;

/// True for a character that must never reach a terminal or a JSON document as itself:
/// general category Cc, Cf, Zl, Zp, Co, Cs or Cn (unassigned, noncharacters), and the
/// invisible fillers U+034F, U+115F, U+1160, U+17B4, U+17B5, U+3164 and U+FFA0 (marks or letters
/// by category, blank on screen).
#[must_use]
pub fn is_unsafe(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_control();
    }
    matches!(c, '\u{034F}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}' | '\u{3164}' | '\u{FFA0}')
        || matches!(
            c.general_category(),
            GeneralCategory::Control
                | GeneralCategory::Format
                | GeneralCategory::LineSeparator
                | GeneralCategory::ParagraphSeparator
                | GeneralCategory::PrivateUse
                | GeneralCategory::Surrogate
                | GeneralCategory::Unassigned
        )
}

fn push_escaped(out: &mut String, c: char) {
    match c {
        '\t' => out.push_str("    "),
        '\u{1b}' => out.push('␛'),
        '\u{7f}' => out.push('␡'),
        // C0 controls have Unicode "control pictures" at U+2400 + code.
        c if (c as u32) < 0x20 => out.push(char::from_u32(0x2400 + c as u32).unwrap_or('�')),
        c => {
            // Writing to a String cannot fail.
            let _ = write!(out, "⟨U+{:04X}⟩", c as u32);
        }
    }
}

/// `text` made safe for a terminal, cut at [`MAX_CHARS`].
#[must_use]
pub fn clean(text: &str) -> Cow<'_, str> {
    clean_max(text, MAX_CHARS)
}

/// `text` made safe for a terminal, keeping at most `max_chars` characters of the original
/// (a cut ends with [`CUT_MARKER`]).
#[must_use]
pub fn clean_max(text: &str, max_chars: usize) -> Cow<'_, str> {
    // Fast path: printable ASCII is one byte per character and never escaped.
    if text.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        if text.len() <= max_chars {
            return Cow::Borrowed(text);
        }
    } else if !text.chars().any(is_unsafe) && text.chars().nth(max_chars).is_none() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len().min(max_chars * 4) + 8);
    for (i, c) in text.chars().enumerate() {
        if i == max_chars {
            out.push(CUT_MARKER);
            break;
        }
        if is_unsafe(c) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_become_visible_and_inert() {
        let s = clean("Kiosk \u{1b}]0;pwned\u{7} Lockdown \u{1b}[2J");
        assert_eq!(s, "Kiosk ␛]0;pwned␇ Lockdown ␛[2J");
        assert!(!s.chars().any(char::is_control));
    }

    #[test]
    fn bidi_zero_width_and_separators_are_named() {
        assert_eq!(clean("a\u{202E}b\u{200B}c\u{2028}d"), "a⟨U+202E⟩b⟨U+200B⟩c⟨U+2028⟩d");
        assert_eq!(clean("x\u{85}y\u{7f}"), "x⟨U+0085⟩y␡");
    }

    #[test]
    fn every_invisible_or_steering_class_is_named() {
        let cases = [
            ('\u{00AD}', "soft hyphen (Cf)"),
            ('\u{180E}', "Mongolian vowel separator (Cf)"),
            ('\u{206A}', "deprecated format character (Cf)"),
            ('\u{206F}', "deprecated format character (Cf)"),
            ('\u{FFF9}', "interlinear annotation (Cf)"),
            ('\u{FFFB}', "interlinear annotation (Cf)"),
            ('\u{E0041}', "tag character (Cf)"),
            ('\u{E007F}', "cancel tag (Cf)"),
            ('\u{2066}', "bidi isolate (Cf)"),
            ('\u{202D}', "bidi override (Cf)"),
            ('\u{200D}', "zero-width joiner (Cf)"),
            ('\u{FEFF}', "zero-width no-break space (Cf)"),
            ('\u{2029}', "paragraph separator (Zp)"),
            ('\u{2028}', "line separator (Zl)"),
            ('\u{0085}', "next line (C1, Cc)"),
            ('\u{009B}', "CSI (C1, Cc)"),
            ('\u{E000}', "private use (Co)"),
            ('\u{F0000}', "supplementary private use (Co)"),
            ('\u{FDD0}', "noncharacter (Cn)"),
            ('\u{FFFF}', "noncharacter (Cn)"),
            ('\u{0378}', "unassigned (Cn)"),
            ('\u{3164}', "Hangul filler (invisible letter)"),
            ('\u{034F}', "combining grapheme joiner (invisible mark)"),
        ];
        for (c, what) in cases {
            let s = clean_max(&format!("a{c}b"), 64).into_owned();
            assert_eq!(s, format!("a⟨U+{:04X}⟩b", c as u32), "{what}");
            assert!(!s.contains(c), "{what} survived");
        }
    }

    #[test]
    fn ordinary_letters_marks_and_symbols_are_kept_borrowed() {
        for s in ["Straße", "Žluťoučký kůň", "日本語のポリシー", "résumé ✓ ⚠ ✗ 😀", "Пароль", "Ωμέγα"]
        {
            assert!(matches!(clean(s), Cow::Borrowed(_)), "{s}");
        }
    }

    #[test]
    fn tabs_expand_and_newlines_show() {
        assert_eq!(clean("a\tb\nc"), "a    b␊c");
    }

    #[test]
    fn plain_text_is_borrowed_and_long_text_is_cut() {
        assert!(matches!(clean("Win11 Security Baseline"), Cow::Borrowed(_)));
        let long = "x".repeat(10);
        assert_eq!(clean_max(&long, 4), "xxxx…");
        assert_eq!(clean_max("ünï", 3), "ünï");
        assert_eq!(clean_max("abcdef", 6), "abcdef");
        assert_eq!(clean_max("abcdefg", 6), "abcdef…");
        assert!(matches!(clean_max("abcdef", 6), Cow::Borrowed(_)));
    }
}
