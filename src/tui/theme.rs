//! Themes: semantic roles (each outcome, each decision, each item outcome, gap, drift, stale,
//! selection, border, header, status bar, muted, danger, error…) mapped to styles.
//!
//! A theme is a TOML file. It is parsed with `toml` into plain serde types ([`ThemeFile`],
//! [`StyleDef`]) that know nothing of ratatui, then converted once into a [`Theme`] of ratatui
//! `Style`s that views receive as `&Theme` (there is no global). The four built-ins live in
//! `themes/` and are embedded with `include_str!`; `--theme` takes a built-in name or a path.
//! Unknown keys are errors, so a typo in a custom theme is reported instead of ignored.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

use crate::domain::Decision;

/// The largest theme file read: the built-ins are under 4 KiB, and a path such as `/dev/zero`
/// or a log file given by mistake must end in an error, not a read that never ends.
pub const MAX_THEME_BYTES: u64 = 64 * 1024;

/// Why a theme could not be had. Each reads as the one sentence the console and the CLI print
/// (exit 2 before the database is touched). A cause (an I/O error, the TOML parser's) is part
/// of that sentence, so it is kept as a field, not as a `source` a reporter would say twice.
#[derive(Debug, thiserror::Error)]
pub enum ThemeError {
    /// `--theme` named neither a built-in nor a path.
    #[error("unknown theme {name:?}: use one of {} or a path to a .toml file", built_in_names())]
    Unknown { name: String },
    /// The theme file could not be opened or read.
    #[error("cannot read theme file {}: {error}", .path.display())]
    Read { path: PathBuf, error: std::io::Error },
    /// The theme file is over [`MAX_THEME_BYTES`].
    #[error("theme file {} is too large: at most {} KiB", .path.display(), MAX_THEME_BYTES / 1024)]
    TooLarge { path: PathBuf },
    /// The theme file is not UTF-8.
    #[error("theme file {} is not UTF-8 text", .path.display())]
    NotUtf8 { path: PathBuf },
    /// Malformed TOML or an unknown key; `theme` names the theme (its path or built-in name).
    #[error("theme {theme}: {}", .error.message())]
    Toml { theme: String, error: toml::de::Error },
    /// A colour name that is not one (`fg` or `bg` of `role`).
    #[error("theme role {role}.{which}: unknown colour {colour:?}")]
    UnknownColour { role: String, which: &'static str, colour: String },
}

/// A theme file's text, read through `take` so at most [`MAX_THEME_BYTES`] + 1 bytes are read.
///
/// # Errors
/// [`ThemeError::Read`], [`ThemeError::TooLarge`] or [`ThemeError::NotUtf8`], naming the file.
pub fn read_bounded(path: &Path) -> Result<String, ThemeError> {
    use std::io::Read;
    let read = |error| ThemeError::Read { path: path.to_owned(), error };
    let file = std::fs::File::open(path).map_err(read)?;
    let mut bytes = Vec::new();
    file.take(MAX_THEME_BYTES + 1).read_to_end(&mut bytes).map_err(read)?;
    if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > MAX_THEME_BYTES {
        return Err(ThemeError::TooLarge { path: path.to_owned() });
    }
    String::from_utf8(bytes).map_err(|_| ThemeError::NotUtf8 { path: path.to_owned() })
}

/// The built-in themes, by name, with their TOML text.
pub const BUILT_IN: [(&str, &str); 4] = [
    ("default", include_str!("../../themes/default.toml")),
    ("light", include_str!("../../themes/light.toml")),
    ("high-contrast", include_str!("../../themes/high-contrast.toml")),
    ("mono", include_str!("../../themes/mono.toml")),
];

/// The built-ins' names, for [`ThemeError::Unknown`].
fn built_in_names() -> String {
    BUILT_IN.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
}

/// One style as written in a theme file: colours by name (`red`, `light-blue`, `#ff8800`, `208`)
/// plus modifiers.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
#[expect(clippy::struct_excessive_bools, reason = "one flag per modifier key of the theme file")]
pub struct StyleDef {
    pub fg: Option<String>,
    pub bg: Option<String>,
    #[serde(default)]
    pub bold: bool,
    #[serde(default)]
    pub dim: bool,
    #[serde(default)]
    pub italic: bool,
    #[serde(default)]
    pub underline: bool,
    #[serde(default)]
    pub reversed: bool,
}

/// Styles per operation outcome.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutcomeDefs {
    #[serde(default)]
    pub pending: StyleDef,
    #[serde(default)]
    pub succeeded: StyleDef,
    #[serde(default)]
    pub partially_succeeded: StyleDef,
    #[serde(default)]
    pub blocked: StyleDef,
    #[serde(default)]
    pub failed: StyleDef,
    #[serde(default)]
    pub cancelled: StyleDef,
    #[serde(default)]
    pub not_reconciled: StyleDef,
}

/// Styles per restore item outcome.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemDefs {
    #[serde(default)]
    pub applied: StyleDef,
    #[serde(default)]
    pub unchanged: StyleDef,
    #[serde(default)]
    pub failed: StyleDef,
    #[serde(default)]
    pub skipped: StyleDef,
    #[serde(default)]
    pub manual_required: StyleDef,
}

/// A theme file as written: every role optional (a missing role is the terminal's default).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThemeFile {
    pub name: Option<String>,
    #[serde(default)]
    pub base: StyleDef,
    #[serde(default)]
    pub border: StyleDef,
    #[serde(default)]
    pub border_focus: StyleDef,
    #[serde(default)]
    pub title: StyleDef,
    #[serde(default)]
    pub header: StyleDef,
    #[serde(default)]
    pub muted: StyleDef,
    #[serde(default)]
    pub selected: StyleDef,
    #[serde(default)]
    pub status_bar: StyleDef,
    #[serde(default)]
    pub status_accent: StyleDef,
    #[serde(default)]
    pub hint: StyleDef,
    #[serde(default)]
    pub hint_key: StyleDef,
    #[serde(default)]
    pub filter: StyleDef,
    #[serde(default)]
    pub input: StyleDef,
    #[serde(default)]
    pub modal: StyleDef,
    #[serde(default)]
    pub pass: StyleDef,
    #[serde(default)]
    pub gap: StyleDef,
    #[serde(default)]
    pub waiting: StyleDef,
    #[serde(default)]
    pub drift: StyleDef,
    #[serde(default)]
    pub stale: StyleDef,
    #[serde(default)]
    pub danger: StyleDef,
    #[serde(default)]
    pub error: StyleDef,
    #[serde(default)]
    pub ok: StyleDef,
    /// A production profile's banner and status-bar mark (always with the word PRODUCTION).
    #[serde(default)]
    pub production: StyleDef,
    /// Operation outcomes and verdict decisions share one table (`[outcome]`).
    #[serde(default)]
    pub outcome: OutcomeDefs,
    #[serde(default)]
    pub item: ItemDefs,
}

/// The ratatui styles a screen is drawn with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Theme {
    pub name: String,
    pub base: Style,
    pub border: Style,
    pub border_focus: Style,
    pub title: Style,
    pub header: Style,
    pub muted: Style,
    pub selected: Style,
    pub status_bar: Style,
    pub status_accent: Style,
    pub hint: Style,
    pub hint_key: Style,
    pub filter: Style,
    pub input: Style,
    pub modal: Style,
    pub pass: Style,
    pub gap: Style,
    pub waiting: Style,
    pub drift: Style,
    pub stale: Style,
    pub danger: Style,
    pub error: Style,
    pub ok: Style,
    pub production: Style,
    outcomes: [Style; 7],
    items: [Style; 5],
}

const OUTCOME_WORDS: [&str; 7] =
    ["pending", "succeeded", "partially_succeeded", "blocked", "failed", "cancelled", "not_reconciled"];
const ITEM_WORDS: [&str; 5] = ["applied", "unchanged", "failed", "skipped", "manual_required"];

fn color(role: &str, which: &'static str, text: Option<&String>) -> Result<Option<Color>, ThemeError> {
    text.map(|t| {
        Color::from_str(t).map_err(|_| ThemeError::UnknownColour { role: role.to_owned(), which, colour: t.clone() })
    })
    .transpose()
}

impl StyleDef {
    /// The ratatui style; `role` names the role in errors.
    ///
    /// # Errors
    /// [`ThemeError::UnknownColour`].
    pub fn to_style(&self, role: &str) -> Result<Style, ThemeError> {
        let mut style = Style::new();
        if let Some(fg) = color(role, "fg", self.fg.as_ref())? {
            style = style.fg(fg);
        }
        if let Some(bg) = color(role, "bg", self.bg.as_ref())? {
            style = style.bg(bg);
        }
        for (on, m) in [
            (self.bold, Modifier::BOLD),
            (self.dim, Modifier::DIM),
            (self.italic, Modifier::ITALIC),
            (self.underline, Modifier::UNDERLINED),
            (self.reversed, Modifier::REVERSED),
        ] {
            if on {
                style = style.add_modifier(m);
            }
        }
        Ok(style)
    }
}

impl Theme {
    /// Parses a theme file's text.
    ///
    /// # Errors
    /// [`ThemeError::Toml`] (malformed TOML, an unknown role) or [`ThemeError::UnknownColour`].
    pub fn parse(text: &str, fallback_name: &str) -> Result<Self, ThemeError> {
        let file: ThemeFile =
            toml::from_str(text).map_err(|error| ThemeError::Toml { theme: fallback_name.to_owned(), error })?;
        Self::from_file(&file, fallback_name)
    }

    fn from_file(f: &ThemeFile, fallback_name: &str) -> Result<Self, ThemeError> {
        let s = |d: &StyleDef, role: &str| d.to_style(role);
        let o = &f.outcome;
        let outcome_defs =
            [&o.pending, &o.succeeded, &o.partially_succeeded, &o.blocked, &o.failed, &o.cancelled, &o.not_reconciled];
        let mut outcomes = [Style::new(); 7];
        for (i, d) in outcome_defs.iter().enumerate() {
            outcomes[i] = s(d, &format!("outcome.{}", OUTCOME_WORDS[i]))?;
        }
        let it = &f.item;
        let item_defs = [&it.applied, &it.unchanged, &it.failed, &it.skipped, &it.manual_required];
        let mut items = [Style::new(); 5];
        for (i, d) in item_defs.iter().enumerate() {
            items[i] = s(d, &format!("item.{}", ITEM_WORDS[i]))?;
        }
        Ok(Self {
            name: f.name.clone().unwrap_or_else(|| fallback_name.to_owned()),
            base: s(&f.base, "base")?,
            border: s(&f.border, "border")?,
            border_focus: s(&f.border_focus, "border_focus")?,
            title: s(&f.title, "title")?,
            header: s(&f.header, "header")?,
            muted: s(&f.muted, "muted")?,
            selected: s(&f.selected, "selected")?,
            status_bar: s(&f.status_bar, "status_bar")?,
            status_accent: s(&f.status_accent, "status_accent")?,
            hint: s(&f.hint, "hint")?,
            hint_key: s(&f.hint_key, "hint_key")?,
            filter: s(&f.filter, "filter")?,
            input: s(&f.input, "input")?,
            modal: s(&f.modal, "modal")?,
            pass: s(&f.pass, "pass")?,
            gap: s(&f.gap, "gap")?,
            waiting: s(&f.waiting, "waiting")?,
            drift: s(&f.drift, "drift")?,
            stale: s(&f.stale, "stale")?,
            danger: s(&f.danger, "danger")?,
            error: s(&f.error, "error")?,
            ok: s(&f.ok, "ok")?,
            // A custom theme without the role still marks production: its danger, reversed.
            production: if f.production == StyleDef::default() {
                s(&f.danger, "danger")?.add_modifier(Modifier::REVERSED | Modifier::BOLD)
            } else {
                s(&f.production, "production")?
            },
            outcomes,
            items,
        })
    }

    /// A built-in theme by name.
    ///
    /// # Errors
    /// [`ThemeError::Unknown`], listing the built-ins.
    pub fn built_in(name: &str) -> Result<Self, ThemeError> {
        let (n, text) =
            BUILT_IN.iter().find(|(n, _)| *n == name).ok_or_else(|| ThemeError::Unknown { name: name.to_owned() })?;
        Self::parse(text, n)
    }

    /// The theme for `--theme NAME|PATH`. With no `--theme`, `NO_COLOR` (set and non-empty)
    /// selects `mono`; an explicit `--theme` wins over `NO_COLOR`, as no-color.org asks.
    ///
    /// # Errors
    /// An unknown name, an unreadable file or a bad theme file (see [`ThemeError`]).
    pub fn resolve(arg: Option<&str>, no_color: bool) -> Result<Self, ThemeError> {
        match arg {
            None if no_color => Self::built_in("mono"),
            None => Self::built_in("default"),
            Some(a)
                if a.contains('/')
                    || a.contains('\\')
                    || Path::new(a).extension().is_some_and(|e| e.eq_ignore_ascii_case("toml")) =>
            {
                let text = read_bounded(Path::new(a))?;
                Self::parse(&text, a)
            }
            Some(name) => Self::built_in(name),
        }
    }

    /// The style of an operation outcome or a decision word.
    #[must_use]
    pub fn outcome(&self, word: &str) -> Style {
        OUTCOME_WORDS.iter().position(|w| *w == word).map_or(self.muted, |i| self.outcomes[i])
    }

    /// The style of a verdict decision.
    #[must_use]
    pub fn decision(&self, d: Decision) -> Style {
        self.outcome(d.as_str())
    }

    /// The style of a restore item outcome.
    #[must_use]
    pub fn item(&self, word: &str) -> Style {
        ITEM_WORDS.iter().position(|w| *w == word).map_or(self.muted, |i| self.items[i])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_parses_and_defines_every_role() {
        for (name, text) in BUILT_IN {
            let theme = Theme::parse(text, name).expect("built-in theme parses");
            let file: ThemeFile = toml::from_str(text).expect("toml");
            assert_eq!(theme.name, name);
            assert_ne!(file.selected, StyleDef::default(), "{name}: selection must be styled");
            assert_ne!(file.gap, StyleDef::default(), "{name}: gap must be styled");
        }
    }

    #[test]
    fn mono_uses_no_colour_and_no_color_selects_it() {
        let (_, text) = BUILT_IN[3];
        assert!(!text.contains("fg =") && !text.contains("bg ="), "mono must not set colours");
        assert_eq!(Theme::resolve(None, true).expect("mono").name, "mono");
        assert_eq!(Theme::resolve(Some("light"), true).expect("light").name, "light");
    }

    #[test]
    fn bad_themes_are_refused_with_the_role() {
        let e = Theme::resolve(Some("neon"), false).expect_err("unknown").to_string();
        assert_eq!(
            e,
            "unknown theme \"neon\": use one of default, light, high-contrast, mono or a path to a .toml file"
        );
        let e = Theme::parse("[gap]\nfg = \"bluish\"", "x").expect_err("bad colour").to_string();
        assert_eq!(e, "theme role gap.fg: unknown colour \"bluish\"");
        assert!(e.contains("gap.fg"), "{e}");
        assert!(Theme::parse("gapp = {}", "x").is_err(), "unknown roles are errors");
    }

    #[test]
    fn each_refusal_reads_as_the_sentence_it_always_did() {
        let toml_error = toml::from_str::<ThemeFile>("gapp = {}").expect_err("unknown role");
        let e = Theme::parse("gapp = {}", "x").expect_err("unknown role").to_string();
        assert_eq!(e, format!("theme x: {}", toml_error.message()));
        let missing = Theme::resolve(Some("/no/such/dir/t.toml"), false).expect_err("missing").to_string();
        let io = std::fs::File::open("/no/such/dir/t.toml").expect_err("missing");
        assert_eq!(missing, format!("cannot read theme file /no/such/dir/t.toml: {io}"));
        let dir = tempfile::tempdir().expect("dir");
        let latin1 = dir.path().join("latin1.toml");
        std::fs::write(&latin1, b"name = \"caf\xe9\"").expect("write");
        let e = Theme::resolve(latin1.to_str(), false).expect_err("not UTF-8").to_string();
        assert_eq!(e, format!("theme file {} is not UTF-8 text", latin1.display()));
    }

    #[test]
    fn a_theme_path_is_read_with_a_bound() {
        let e = Theme::resolve(Some("/dev/zero"), false).expect_err("endless file").to_string();
        assert_eq!(e, "theme file /dev/zero is too large: at most 64 KiB");
        let dir = tempfile::tempdir().expect("dir");
        let big = dir.path().join("big.toml");
        std::fs::write(&big, "# padding\n".repeat(8000)).expect("write");
        let e = Theme::resolve(big.to_str(), false).expect_err("80 KB file");
        assert!(matches!(e, ThemeError::TooLarge { .. }), "{e}");
        let small = dir.path().join("small.toml");
        std::fs::write(&small, BUILT_IN[0].1).expect("write");
        assert!(Theme::resolve(small.to_str(), false).is_ok(), "a theme file under the bound reads");
    }
}
