//! Where proofdesk keeps its files, by the XDG base directory rules (through `etcetera`, so
//! the rules are not written again here): the config file under `$XDG_CONFIG_HOME/proofdesk/`,
//! the log under `$XDG_STATE_HOME/proofdesk/`, the demo database under
//! `$XDG_DATA_HOME/proofdesk/`. A relative `XDG_*` value is ignored, as the rules ask; with no
//! home directory at all there is no default (`None`).

use std::path::PathBuf;

use etcetera::BaseStrategy;

/// The folder name under each base directory.
const APP: &str = "proofdesk";

fn base() -> Option<impl BaseStrategy> {
    etcetera::choose_base_strategy().ok()
}

/// `$XDG_CONFIG_HOME/proofdesk/config.toml` (default `~/.config/proofdesk/config.toml`).
#[must_use]
pub fn config_file() -> Option<PathBuf> {
    Some(base()?.config_dir().join(APP).join("config.toml"))
}

/// `$XDG_STATE_HOME/proofdesk` (default `~/.local/state/proofdesk`).
#[must_use]
pub fn state_dir() -> Option<PathBuf> {
    Some(base()?.state_dir()?.join(APP))
}

/// `$XDG_DATA_HOME/proofdesk` (default `~/.local/share/proofdesk`).
#[must_use]
pub fn data_dir() -> Option<PathBuf> {
    Some(base()?.data_dir().join(APP))
}
