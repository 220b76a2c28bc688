//! What the console keeps between sessions, under `$XDG_STATE_HOME/proofdesk/`: saved views
//! (`views.toml`: `:view save NAME`), the last session's filter, sort and selection
//! (`session.toml`, restored on start unless `--fresh`), and the `:` command history
//! (`history.toml`). Both are small TOML files written whole
//! (temporary file, then rename); an unreadable one is ignored, never fatal. The files are read
//! before the console starts and written off the UI loop (or as it ends).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::service::{RunFilter, SortKey};

/// A filter with its sort, and (for the session) the selected run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedView {
    pub filter: String,
    pub sort: String,
    pub ascending: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selected: Option<i64>,
}

impl SavedView {
    /// The view of `filter_text` / `filter`, with `selected`.
    #[must_use]
    pub fn of(filter_text: &str, filter: &RunFilter, selected: Option<i64>) -> Self {
        let sort = filter.query.sort.name();
        Self { filter: filter_text.to_owned(), sort: sort.to_owned(), ascending: filter.query.ascending, selected }
    }

    /// The sort it names (created when it names none it knows).
    #[must_use]
    pub fn sort_key(&self) -> SortKey {
        SortKey::parse(&self.sort).unwrap_or_default()
    }
}

/// Command lines kept across sessions.
pub const HISTORY: usize = 200;

#[derive(Debug, Default, Serialize, Deserialize)]
struct HistoryFile {
    #[serde(default)]
    commands: Vec<String>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct ViewsFile {
    #[serde(default)]
    views: BTreeMap<String, SavedView>,
}

/// The state directory (none when there is no home to keep it in).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateDir(pub Option<PathBuf>);

impl StateDir {
    /// `$XDG_STATE_HOME/proofdesk`.
    #[must_use]
    pub fn standard() -> Self {
        Self(crate::paths::state_dir())
    }

    fn read<T: for<'de> Deserialize<'de>>(&self, name: &str) -> Option<T> {
        let text = std::fs::read_to_string(self.0.as_ref()?.join(name)).ok()?;
        toml::from_str(&text).map_err(|e| tracing::warn!(file = name, error = %e, "ignoring unreadable state")).ok()
    }

    fn write<T: Serialize>(&self, name: &str, value: &T) -> std::io::Result<()> {
        let Some(dir) = &self.0 else { return Ok(()) };
        std::fs::create_dir_all(dir)?;
        let text = toml::to_string(value).map_err(std::io::Error::other)?;
        crate::tui::export::write_whole(&dir.join(name), text.as_bytes())
    }

    /// The saved views, by name.
    #[must_use]
    pub fn views(&self) -> BTreeMap<String, SavedView> {
        self.read::<ViewsFile>("views.toml").map(|f| f.views).unwrap_or_default()
    }

    /// Replaces the saved views.
    ///
    /// # Errors
    /// The file system's.
    pub fn save_views(&self, views: &BTreeMap<String, SavedView>) -> std::io::Result<()> {
        self.write("views.toml", &ViewsFile { views: views.clone() })
    }

    /// The last session's view.
    #[must_use]
    pub fn session(&self) -> Option<SavedView> {
        self.read("session.toml")
    }

    /// Keeps this session's view for the next start.
    ///
    /// # Errors
    /// The file system's.
    pub fn save_session(&self, view: &SavedView) -> std::io::Result<()> {
        self.write("session.toml", view)
    }

    /// The command lines run in earlier sessions, oldest first.
    #[must_use]
    pub fn history(&self) -> Vec<String> {
        self.read::<HistoryFile>("history.toml").map(|h| h.commands).unwrap_or_default()
    }

    /// Keeps the command history (its last [`HISTORY`] lines).
    ///
    /// # Errors
    /// The file system's.
    pub fn save_history(&self, commands: &[String]) -> std::io::Result<()> {
        let commands = commands[commands.len().saturating_sub(HISTORY)..].to_vec();
        self.write("history.toml", &HistoryFile { commands })
    }

    /// Where it lives, for messages.
    #[must_use]
    pub fn path(&self) -> Option<&Path> {
        self.0.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn views_and_the_session_round_trip_and_bad_files_are_ignored() {
        let dir = tempfile::tempdir().expect("dir");
        let state = StateDir(Some(dir.path().join("proofdesk")));
        assert!(state.views().is_empty() && state.session().is_none(), "nothing yet");
        let triage = SavedView { filter: "stale gap".into(), sort: "updated".into(), ascending: true, selected: None };
        state.save_views(&BTreeMap::from([("triage".to_owned(), triage.clone())])).expect("saved");
        assert_eq!(state.views().get("triage"), Some(&triage));
        let session = SavedView { selected: Some(1066), ..triage };
        state.save_session(&session).expect("saved");
        assert_eq!(state.session(), Some(session));
        std::fs::write(dir.path().join("proofdesk/session.toml"), "not = [toml").expect("write");
        assert_eq!(state.session(), None, "an unreadable file is ignored");
        state.save_history(&["view triage".to_owned(), "1066".to_owned()]).expect("saved");
        assert_eq!(state.history(), ["view triage", "1066"]);
        assert!(StateDir(None).save_session(&SavedView::of("", &RunFilter::default(), None)).is_ok());
    }
}
