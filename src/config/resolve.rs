//! From the config file, the chosen profile and the command line to the session's settings.
//! Precedence: flag > environment > profile > config defaults. clap has already merged each
//! flag with its environment variable (`--db` / `DATABASE_URL`, `--as` / `PROOFDESK_OPERATOR`,
//! `--profile` / `PROOFDESK_PROFILE`), so a value in [`Given`] is the flag's or the
//! environment's, and wins.

use std::fmt::Write as _;

use super::{Config, ConfigError, Profile};

/// What the command line (flags and their environment variables) gave.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Given {
    pub profile: Option<String>,
    pub db: Option<String>,
    pub operator: Option<String>,
    /// `--read-only`: only ever turns read-only on.
    pub read_only: bool,
    pub theme: Option<String>,
    /// `--mouse`: only ever turns the mouse on.
    pub mouse: bool,
}

/// The session's settings after the precedence rules.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[expect(clippy::struct_excessive_bools, reason = "one field per on/off setting of the config file")]
pub struct Settings {
    /// The config file read (or the default path looked at), and whether it exists.
    pub config_path: Option<std::path::PathBuf>,
    pub config_exists: bool,
    /// The profile in use, by name.
    pub profile: Option<String>,
    /// The database URL as named (no password in it; see [`Settings::connect_url`]).
    pub db: Option<String>,
    pub operator: Option<String>,
    pub read_only: bool,
    /// A production profile: the console marks its frame.
    pub production: bool,
    pub theme: Option<String>,
    pub mouse: bool,
    /// The replica URL lists, detail and assess read, when the database in use is the
    /// profile's (a `--db` elsewhere never reads the profile's replica).
    pub read_db: Option<String>,
    /// The environment variable holding the password of the profile's `db`, when the URL in
    /// use is the profile's.
    pub password_env: Option<String>,
}

impl Config {
    /// The settings for what the command line gave: the profile named by `--profile` /
    /// `PROOFDESK_PROFILE`, else `default_profile`, else none.
    ///
    /// # Errors
    /// An unknown profile (listing the known ones), or a `default_profile` that names none.
    pub fn settings(&self, given: &Given) -> Result<Settings, ConfigError> {
        let chosen = match (&given.profile, &self.file.default_profile) {
            (Some(name), _) => Some((name.clone(), None)),
            (None, Some(d)) => Some((d.as_ref().clone(), Some(d.span()))),
            (None, None) => None,
        };
        let profile = match &chosen {
            None => None,
            Some((name, span)) => Some(self.profile(name).ok_or_else(|| self.unknown_profile(name, span.clone()))?),
        };
        let empty = Profile::default();
        let p = profile.unwrap_or(&empty);
        let f = &self.file;
        let db_from_profile = given.db.is_none() && p.db.is_some();
        Ok(Settings {
            config_path: self.path.clone(),
            config_exists: self.exists,
            profile: chosen.map(|c| c.0),
            db: given.db.clone().or_else(|| p.db.clone()).or_else(|| f.db.clone()),
            operator: given.operator.clone().or_else(|| p.operator.clone()).or_else(|| f.operator.clone()),
            read_only: given.read_only || p.read_only.or(f.read_only).unwrap_or(false),
            production: p.production,
            theme: given.theme.clone().or_else(|| p.theme.clone()).or_else(|| f.theme.clone()),
            mouse: given.mouse || p.mouse.or(f.mouse).unwrap_or(false),
            read_db: p.read_db.clone().filter(|_| db_from_profile),
            password_env: p.password_env.clone().filter(|_| db_from_profile),
        })
    }

    fn unknown_profile(&self, name: &str, span: Option<std::ops::Range<usize>>) -> ConfigError {
        let known = self.profile_names();
        let known = if known.is_empty() { "none".to_owned() } else { known.join(", ") };
        let clean = crate::sanitize::clean(name);
        if let Some(span) = span {
            return self.error_at(Some(span), format!("default_profile {clean:?} is not a profile (known: {known})"));
        }
        let place = self.path.as_ref().map_or_else(String::new, |p| format!(" in {}", p.display()));
        ConfigError { path: None, line: None, message: format!("unknown profile {clean:?} (profiles{place}: {known})") }
    }
}

impl Settings {
    /// The URL to connect with: the named one, with the password from `password_env` put in
    /// at connect time. The result holds a secret: hand it to the service, never print it.
    ///
    /// # Errors
    /// `password_env` names a variable that is not set, or a URL that takes no password.
    pub fn connect_url(&self) -> Result<Option<String>, ConfigError> {
        self.with_secret(self.db.as_ref())
    }

    /// The replica's URL to connect with, the same password put in.
    ///
    /// # Errors
    /// As [`Settings::connect_url`].
    pub fn connect_read_url(&self) -> Result<Option<String>, ConfigError> {
        self.with_secret(self.read_db.as_ref())
    }

    fn with_secret(&self, url: Option<&String>) -> Result<Option<String>, ConfigError> {
        let (Some(url), Some(var)) = (url, &self.password_env) else { return Ok(url.cloned()) };
        let profile = self.profile.as_deref().unwrap_or_default();
        let fail = |message: String| ConfigError { path: None, line: None, message };
        let password = std::env::var(var).map_err(|_| {
            fail(format!("profile {profile}: password_env names {var}, which is not set (export {var}=…)"))
        })?;
        with_password(url, &password).map(Some).ok_or_else(|| {
            fail(format!("profile {profile}: password_env needs postgres:// URLs with a user in db and read_db"))
        })
    }
}

/// `postgres://user@host/db` with `password` (percent-encoded) as the user's password; any
/// password already in the URL is replaced. `None` for a URL that is not PostgreSQL's or
/// names no user.
#[must_use]
pub fn with_password(url: &str, password: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    if !matches!(scheme, "postgres" | "postgresql") {
        return None;
    }
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (userinfo, host) = rest[..authority_end].rsplit_once('@')?;
    let user = userinfo.split_once(':').map_or(userinfo, |(u, _)| u);
    if user.is_empty() {
        return None;
    }
    let mut encoded = String::new();
    for b in password.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            encoded.push(char::from(b));
        } else {
            let _ = write!(encoded, "%{b:02X}");
        }
    }
    Some(format!("{scheme}://{user}:{encoded}@{host}{}", &rest[authority_end..]))
}
