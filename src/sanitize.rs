//! The one sanitizer every string from the database passes before it reaches a terminal
//! (a ratatui `Span` or a line of command output).
//!
//! Nothing that could change the terminal survives: C0 and C1 control characters and DEL are
//! shown as visible pictures (`␛`, `␇`, `⟨U+0085⟩`), bidirectional overrides and isolates,
//! zero-width characters and line/paragraph separators as `⟨U+202E⟩`-style escapes, so the
//! text stays recognizable but inert. Tabs become spaces; very long text is cut with `…`.

use std::borrow::Cow;

/// What a cut string ends with.
pub const CUT_MARKER: char = '…';

/// Longest text kept by [`clean`] (a 10 MB error message must not reach a frame whole).
pub const MAX_CHARS: usize = 4096;

fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{061C}' | '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}'
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
            out.push_str("⟨U+");
            out.push_str(&format!("{:04X}", c as u32));
            out.push('⟩');
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
    let plain = !text.chars().any(needs_escape);
    if plain && text.chars().nth(max_chars).is_none() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len().min(max_chars * 4) + 8);
    for (i, c) in text.chars().enumerate() {
        if i == max_chars {
            out.push(CUT_MARKER);
            break;
        }
        if needs_escape(c) {
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
    fn tabs_expand_and_newlines_show() {
        assert_eq!(clean("a\tb\nc"), "a    b␊c");
    }

    #[test]
    fn plain_text_is_borrowed_and_long_text_is_cut() {
        assert!(matches!(clean("Win11 Security Baseline"), Cow::Borrowed(_)));
        let long = "x".repeat(10);
        assert_eq!(clean_max(&long, 4), "xxxx…");
        assert_eq!(clean_max("ünï", 3), "ünï");
    }
}
