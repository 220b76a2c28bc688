//! The config file applied to the parsed command line, before anything else runs: the
//! profile's database, operator, read-only, theme and mouse fill what no flag (or its
//! environment variable) gave, and `[keys]` is installed for the console. A bad config stops
//! here, as one line with exit 2.

use super::{clock, Failure, Global};
use crate::config::{Config, ConfigError, Given};
use crate::service::{OpenOptions, ProfileTag};

/// An empty `PROOFDESK_CONFIG=` / `PROOFDESK_PROFILE=` is as if unset.
fn given_text(v: Option<&String>) -> Option<String> {
    v.filter(|s| !s.trim().is_empty()).cloned()
}

/// Reads the config and fills `g` with the settings that follow from it.
///
/// # Errors
/// A bad config file, an unknown profile, a clash in `[keys]`.
pub fn settle(g: &mut Global) -> Result<(), ConfigError> {
    let explicit = g.config.as_ref().filter(|p| !p.as_os_str().is_empty());
    let config = Config::load(explicit.map(std::path::PathBuf::as_path))?;
    let given = Given {
        profile: given_text(g.profile.as_ref()),
        db: given_text(g.db.as_ref()),
        operator: given_text(g.operator.as_ref()),
        read_only: g.read_only,
        theme: g.theme.clone(),
        mouse: g.mouse,
    };
    let settings = config.settings(&given)?;
    crate::tui::keymap::custom::install(&config)?;
    g.db.clone_from(&settings.db);
    g.operator.clone_from(&settings.operator);
    g.read_only = settings.read_only;
    g.theme.clone_from(&settings.theme);
    g.mouse = settings.mouse;
    g.settings = settings;
    Ok(())
}

/// The URL to connect with: the password from the profile's `password_env` is put in here,
/// at connect time, and goes nowhere else.
///
/// # Errors
/// `password_env` names an unset variable (exit 2).
pub fn connect_url(g: &Global) -> Result<Option<String>, Failure> {
    g.settings.connect_url().map_err(|e| Failure::usage(e.to_string()))
}

/// The replica's URL (`read_db`), the password put in as for [`connect_url`].
///
/// # Errors
/// See [`connect_url`].
pub fn read_url(g: &Global) -> Result<Option<String>, Failure> {
    g.settings.connect_read_url().map_err(|e| Failure::usage(e.to_string()))
}

/// How to open the session `g` describes.
///
/// # Errors
/// See [`connect_url`].
pub fn open_options(g: &Global) -> Result<OpenOptions, Failure> {
    Ok(OpenOptions {
        url: connect_url(g)?,
        operator: g.operator.clone(),
        read_only: g.read_only,
        stale_after: g.stale_after,
        clock: clock(g),
    })
}

/// The profile the console names (and marks, when production).
#[must_use]
pub fn profile_tag(g: &Global) -> Option<ProfileTag> {
    let name = g.settings.profile.clone()?;
    Some(ProfileTag { name, production: g.settings.production })
}

/// The database's label as the session will name it (never a password): the URL as named,
/// or the demo database's file.
#[must_use]
pub fn label(g: &Global) -> String {
    let demo = || format!("sqlite:{}", crate::service::demo_db_path().display());
    crate::service::describe_url(&g.db.clone().unwrap_or_else(demo))
}
