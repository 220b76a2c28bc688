//! The config file: `$XDG_CONFIG_HOME/proofdesk/config.toml`, or `--config PATH` /
//! `PROOFDESK_CONFIG`. proofdesk reads it and never writes it.
//!
//! ```toml
//! default_profile = "staging"
//! theme = "default"          # top-level defaults: db, as, read_only, theme, mouse
//! [keys]                     # action name = key or [keys] (see `?`)
//! next-gap = "n"
//! [profiles.prod]
//! db = "postgres://oncall@db.prod:5432/ops"
//! as = "alice"
//! read_only = true
//! production = true
//! password_env = "PROOFDESK_PROD_PASSWORD"
//! ```
//!
//! A missing file is no error (every value has a default); a bad one is one [`ConfigError`]
//! naming the file, the line and the key, which the command line prints with exit 2. Unknown
//! keys are errors, so a typo is reported instead of ignored. `resolve.rs` turns the file,
//! the chosen profile and the command line into the session's [`Settings`], with the
//! precedence flag > environment > profile > config defaults.

mod resolve;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::Deserialize;
use toml::Spanned;

pub use resolve::{Given, Settings};

/// The largest config file read: a mistaken path (`/dev/zero`, a log) ends in an error.
pub const MAX_CONFIG_BYTES: u64 = 256 * 1024;

/// The longest profile name: the status bar shows it in full, even at 80 columns.
pub const MAX_PROFILE_NAME: usize = 24;

/// A bad config: one line, printed as `proofdesk: {self}`, exit 2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The file, when there is one.
    pub path: Option<PathBuf>,
    /// 1-based line in the file, when the fault has a place.
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.path, self.line) {
            (Some(p), Some(line)) => write!(f, "config {} line {line}: {}", p.display(), self.message),
            (Some(p), None) => write!(f, "config {}: {}", p.display(), self.message),
            (None, _) => write!(f, "{}", self.message),
        }
    }
}

impl std::error::Error for ConfigError {}

/// One `[keys]` value: a key (`"n"`) or several (`["n", "Down"]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyList(pub Vec<String>);

impl<'de> Deserialize<'de> for KeyList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = KeyList;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a key such as \"n\" or a list of keys such as [\"n\", \"Down\"]")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<KeyList, E> {
                Ok(KeyList(vec![v.to_owned()]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<KeyList, A::Error> {
                let mut keys = Vec::new();
                while let Some(k) = seq.next_element::<String>()? {
                    keys.push(k);
                }
                Ok(KeyList(keys))
            }
        }
        d.deserialize_any(V)
    }
}

/// One `[profiles.NAME]` table.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub db: Option<String>,
    #[serde(rename = "as")]
    pub operator: Option<String>,
    pub read_only: Option<bool>,
    #[serde(default)]
    pub production: bool,
    pub theme: Option<String>,
    /// The name of an environment variable holding the database password (never the password).
    pub password_env: Option<String>,
    /// A replica URL for reads.
    pub read_db: Option<String>,
    pub mouse: Option<bool>,
}

/// The file as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    pub default_profile: Option<Spanned<String>>,
    pub db: Option<String>,
    #[serde(rename = "as")]
    pub operator: Option<String>,
    pub read_only: Option<bool>,
    pub theme: Option<String>,
    pub mouse: Option<bool>,
    #[serde(default)]
    pub keys: BTreeMap<String, Spanned<KeyList>>,
    #[serde(default)]
    pub profiles: BTreeMap<String, Profile>,
}

/// The config file as read: where it is (or would be), its text and its values.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The file used, or the default path that was looked at (`None`: no home directory).
    pub path: Option<PathBuf>,
    /// Whether that file exists (a missing one is an empty config).
    pub exists: bool,
    text: String,
    pub file: ConfigFile,
}

impl Config {
    /// Reads `explicit` (`--config` / `PROOFDESK_CONFIG`), else the default path. A missing
    /// default file is an empty config; a missing explicit one is an error (a typo in a path
    /// must not silently drop a production profile).
    ///
    /// # Errors
    /// A [`ConfigError`] naming the file and, where there is one, the line and key.
    pub fn load(explicit: Option<&Path>) -> Result<Self, ConfigError> {
        let path = explicit.map(Path::to_path_buf).or_else(crate::paths::config_file);
        let Some(path) = path else { return Ok(Self::default()) };
        let text = match read_bounded(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && explicit.is_none() => {
                return Ok(Self { path: Some(path), ..Self::default() })
            }
            Err(e) => return Err(ConfigError { path: Some(path), line: None, message: format!("cannot read: {e}") }),
        };
        Self::parse(&text, Some(path))
    }

    /// Parses a config file's text (`path` names it in errors).
    ///
    /// # Errors
    /// Bad TOML, an unknown key, a value of the wrong type, a bad profile name.
    pub fn parse(text: &str, path: Option<PathBuf>) -> Result<Self, ConfigError> {
        let fail = |line, message| ConfigError { path: path.clone(), line, message };
        let de = toml::Deserializer::parse(text).map_err(|e| fail(line_of(text, e.span()), first_line(e.message())))?;
        let file: ConfigFile = serde_path_to_error::deserialize(de).map_err(|e| {
            let line = line_of(text, e.inner().span());
            // A `Spanned` value adds a private segment to the path; the key is before it.
            let path = e.path().to_string().replace(".$__serde_spanned_private_value", "");
            fail(line, describe(&path, e.inner().message()))
        })?;
        for name in file.profiles.keys() {
            let ok = !name.is_empty()
                && name.len() <= MAX_PROFILE_NAME
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            if !ok {
                // The table's header: the first mention of the name after `profiles`.
                let at = text.find("profiles").and_then(|p| text[p..].find(name.as_str()).map(|n| p + n));
                return Err(fail(
                    line_of(text, at.map(|a| a..a)),
                    format!("profile name {name:?} must be 1 to {MAX_PROFILE_NAME} letters, digits, '-' or '_'"),
                ));
            }
        }
        Ok(Self { exists: path.is_some(), path, text: text.to_owned(), file })
    }

    /// A fault at `span` of the file.
    #[must_use]
    pub fn error_at(&self, span: Option<std::ops::Range<usize>>, message: String) -> ConfigError {
        ConfigError { path: self.path.clone(), line: line_of(&self.text, span), message }
    }

    /// The profile names, sorted.
    #[must_use]
    pub fn profile_names(&self) -> Vec<&str> {
        self.file.profiles.keys().map(String::as_str).collect()
    }

    /// One profile by name.
    #[must_use]
    pub fn profile(&self, name: &str) -> Option<&Profile> {
        self.file.profiles.get(name)
    }
}

fn read_bounded(path: &Path) -> std::io::Result<String> {
    use std::io::Read;
    let mut bytes = Vec::new();
    std::fs::File::open(path)?.take(MAX_CONFIG_BYTES + 1).read_to_end(&mut bytes)?;
    if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > MAX_CONFIG_BYTES {
        return Err(std::io::Error::other(format!("larger than {} KiB", MAX_CONFIG_BYTES / 1024)));
    }
    String::from_utf8(bytes).map_err(|_| std::io::Error::other("not UTF-8 text"))
}

/// The 1-based line of a byte offset.
fn line_of(text: &str, span: Option<std::ops::Range<usize>>) -> Option<usize> {
    let at = span?.start.min(text.len());
    Some(text.as_bytes()[..at].split(|b| *b == b'\n').count())
}

fn first_line(message: &str) -> String {
    message.lines().find(|l| !l.trim().is_empty()).unwrap_or(message).trim().to_owned()
}

/// `profiles.prod.colour` → `[profiles.prod]`; the top level is `the top level`.
fn table_of(path: &str) -> String {
    if path.is_empty() || path == "." {
        "the top level".to_owned()
    } else {
        format!("[{path}]")
    }
}

/// The parser's words made into the contract's: `unknown key "colour" in [profiles.prod]`,
/// `profiles.prod.read_only: invalid type: string "yes", expected a boolean`.
fn describe(path: &str, message: &str) -> String {
    let message = first_line(message);
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let key = rest.split('`').next().unwrap_or(rest);
        let expected = rest
            .split_once("expected ")
            .map(|(_, e)| format!(" (known: {})", e.trim_start_matches("one of ").replace('`', "")))
            .unwrap_or_default();
        // The path ends with the unknown key itself.
        let table = path.rsplit_once('.').map_or("", |(t, _)| t);
        return format!("unknown key {key:?} in {}{expected}", table_of(table));
    }
    if path.is_empty() || path == "." {
        message
    } else {
        format!("{path}: {message}")
    }
}

#[cfg(test)]
mod tests;
