//! Everything an operator can ask the console to do, as one documented enum. Keys map to
//! actions through the keymap table (`keymap.rs`); `App::update` acts on actions, never on raw
//! keys, except where text is being typed (the filter bar and the reconcile dialog's fields).

/// One operator intent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Leave the console (restoring the terminal).
    Quit,
    /// Show or hide the key help for the current view.
    Help,
    /// Go back one level or close what is open (detail → list, popup → view).
    Back,
    /// Move the selection (or scroll the focused pane) one line down.
    Down,
    /// Move the selection (or scroll the focused pane) one line up.
    Up,
    /// One screen down.
    PageDown,
    /// One screen up.
    PageUp,
    /// First row.
    Top,
    /// Last loaded row (and fetch the next page when there is one).
    Bottom,
    /// Open the selected run's detail.
    Open,
    /// Edit the filter in the filter bar.
    Filter,
    /// Drop every filter (lists every run of every type).
    ClearFilter,
    /// Sort by the next column: created, updated, id, status, outcome, type, workspace,
    /// environment.
    CycleSort,
    /// Sort by the previous column.
    CycleSortBack,
    /// Toggle the direction (newest / oldest first, A→Z / Z→A).
    ReverseSort,
    /// Open the reconcile dialog for the selected run (or say why not).
    Reconcile,
    /// Pause or resume live refresh.
    Pause,
    /// Refresh what is on screen now.
    Refresh,
    /// Open the `:` command line.
    CommandMode,
    /// Copy the selected run's id (list) or the open run's Markdown summary (detail).
    Copy,
    /// Zoom the focused pane of the detail view to the whole screen, or back.
    Zoom,
    /// Focus the next pane of the detail view.
    NextPane,
    /// Focus the previous pane of the detail view.
    PrevPane,
    /// Highlight the next proof-bundle gap.
    NextGap,
    /// Select the next item that did not succeed.
    NextFailed,
    /// Show or hide the selected item's error message.
    ToggleError,
    /// Show or hide the selected item's provider payload (secrets masked).
    TogglePayload,
    /// In a text field: apply / confirm.
    Submit,
    /// In a text field: cancel.
    Cancel,
    /// In the reconcile dialog: move between the run-id and note fields.
    SwitchField,
    /// In the filter bar: complete the last token (a field name or a value).
    Complete,
    /// In the filter bar: an earlier filter of this session.
    HistoryBack,
    /// In the filter bar: a later filter (past the last: the active one).
    HistoryForward,
}

impl Action {
    /// Every action, in the order help lists them.
    pub const ALL: [Self; 33] = [
        Self::Quit,
        Self::Help,
        Self::Back,
        Self::Down,
        Self::Up,
        Self::PageDown,
        Self::PageUp,
        Self::Top,
        Self::Bottom,
        Self::Open,
        Self::Filter,
        Self::ClearFilter,
        Self::CycleSort,
        Self::CycleSortBack,
        Self::ReverseSort,
        Self::Reconcile,
        Self::Pause,
        Self::Refresh,
        Self::CommandMode,
        Self::Copy,
        Self::Zoom,
        Self::NextPane,
        Self::PrevPane,
        Self::NextGap,
        Self::NextFailed,
        Self::ToggleError,
        Self::TogglePayload,
        Self::Submit,
        Self::Cancel,
        Self::SwitchField,
        Self::Complete,
        Self::HistoryBack,
        Self::HistoryForward,
    ];

    /// The name `[keys]` in the config file uses, as help lists it.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Quit => "quit",
            Self::Help => "help",
            Self::Back => "back",
            Self::Down => "down",
            Self::Up => "up",
            Self::PageDown => "page-down",
            Self::PageUp => "page-up",
            Self::Top => "top",
            Self::Bottom => "bottom",
            Self::Open => "open",
            Self::Filter => "filter",
            Self::ClearFilter => "clear-filter",
            Self::CycleSort => "sort",
            Self::CycleSortBack => "sort-back",
            Self::ReverseSort => "reverse-sort",
            Self::Reconcile => "reconcile",
            Self::Pause => "pause",
            Self::Refresh => "refresh",
            Self::CommandMode => "command",
            Self::Copy => "copy",
            Self::Zoom => "zoom",
            Self::NextPane => "next-pane",
            Self::PrevPane => "prev-pane",
            Self::NextGap => "next-gap",
            Self::NextFailed => "next-failed",
            Self::ToggleError => "error",
            Self::TogglePayload => "payload",
            Self::Submit => "submit",
            Self::Cancel => "cancel",
            Self::SwitchField => "switch-field",
            Self::Complete => "complete",
            Self::HistoryBack => "history-back",
            Self::HistoryForward => "history-forward",
        }
    }

    /// The action a `[keys]` name names.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.name() == name)
    }
}
