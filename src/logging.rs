//! Diagnostics go to a file, never to the terminal: the console owns the screen, and an
//! on-call engineer's scrollback should hold answers, not log noise.
//!
//! The file is `--log-file PATH`, else `$XDG_STATE_HOME/proofdesk/proofdesk.log` (falling back
//! to `~/.local/state/proofdesk/proofdesk.log`). `-v` raises the level from `info` to `debug`;
//! `RUST_LOG` overrides both. Logging is best effort: a file that cannot be opened disables it.

use std::fs::OpenOptions;
use std::path::PathBuf;
use std::sync::Mutex;

use tracing_subscriber::EnvFilter;

/// Where logs go when no `--log-file` is given.
#[must_use]
pub fn default_log_file() -> Option<PathBuf> {
    Some(crate::paths::state_dir()?.join("proofdesk.log"))
}

/// Installs the file subscriber; returns the file in use, if any.
pub fn init(log_file: Option<PathBuf>, verbose: bool) -> Option<PathBuf> {
    let path = log_file.or_else(default_log_file)?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).ok()?;
    }
    let file = OpenOptions::new().create(true).append(true).open(&path).ok()?;
    let default = if verbose { "proofdesk=debug,sqlx=warn" } else { "proofdesk=info,sqlx=warn" };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    // A failed log write is dropped: the subscriber would otherwise report it with `eprintln!`,
    // which panics when stderr is a closed pipe.
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .log_internal_errors(false)
        .with_writer(Mutex::new(file))
        .try_init()
        .ok()?;
    Some(path)
}
