//! The terminal UI's figures, taken on the console itself: the real [`App`] driven by
//! `Msg::Key` messages, its commands run through the worker (`worker::settle` /
//! `worker::execute`), and `render` drawn by a ratatui `Terminal` over `CrosstermBackend<W>` at
//! 200×50. `W` is the console's writer (a `tui::FRAME_BUFFER`-byte buffer) over what standard
//! output is (a 1 KiB line buffer) over a writer that counts bytes and write calls, so the
//! buffer diff and crossterm's encoding are inside every figure.
//!
//! - `tui.frame_1m`: `terminal.draw` alone while the selection moves down the default list of
//!   the large database, beside the same on a list of about 1k runs of the same database (the
//!   default view over [`SMALL_WINDOW`]); the two are driven key by key in turn;
//! - `tui.key_nav`: from a `j` to its frame (update, the page loads it asks for, draw);
//! - `tui.bytes_*`, `tui.writes_per_frame`: what reaches the terminal per frame (an idle
//!   redraw, a selection move, a screen down) beside a full redraw, and the write calls beside
//!   those of ratatui's default terminal (`Stdout` alone, i.e. its 1 KiB line buffer);
//! - `tui.key_filter*`: from the `Enter` that applies a typed filter to the frame that shows
//!   its first page, beside that page read through `Service::list`;
//! - `tui.start_first_frame`: from `Service::open` to the first frame with rows.
//!
//! The match count (`Command::Count`) is set aside everywhere: the console runs it in the
//! background and no frame waits for it (its time is the `count.default` figure).

mod filters;
mod screen;
mod scrolling;

use std::time::Instant;

use color_eyre::eyre::{eyre, Result};
use proofdesk::tui::worker::Command;
use proofdesk::tui::{App, Theme};

use crate::pages::Ctx;
use crate::report::{Figure, TuiFigures};
use crate::BenchOptions;

/// The terminal size of every figure (columns, rows).
const SIZE: (u16, u16) = (200, 50);
/// The reference list of the frame figure: the default view over the last day (about 1k runs
/// in the 1M-run database, whose runs are spread evenly over two years).
const SMALL_WINDOW: &str = "since:-24h";
/// What the filter figures type after the default text, in turn: filters SQL answers...
const FILTERS: [&str; 4] = ["status:running", "env:\"Contoso Lab\"", "since:-7d", ""];
/// ...and one on the verdict, which the service applies after assessing each run.
const VERDICT_FILTERS: [&str; 1] = ["decision:partially_succeeded"];
/// The keys of the figures here (`--only` selects among them).
pub const KEYS: [&str; 9] = [
    "tui.frame_1m",
    "tui.key_nav",
    "tui.bytes_idle",
    "tui.bytes_select",
    "tui.bytes_page",
    "tui.writes_per_frame",
    "tui.key_filter",
    "tui.key_filter_verdict",
    "tui.start_first_frame",
];

/// The rows per page the console asks the service for, read from the loads a starting
/// console asks for (the references list pages of the same size).
fn console_page(ctx: &Ctx<'_>) -> Result<u32> {
    let (_, cmds) = App::new(ctx.service.clone(), SIZE, Instant::now());
    cmds.iter()
        .find_map(|c| match c {
            Command::LoadPages { limit, .. } => Some(*limit),
            _ => None,
        })
        .ok_or_else(|| eyre!("a starting console asked for no page"))
}

/// Every terminal-UI figure `opts` asks for, and their summary.
pub async fn figures(ctx: &Ctx<'_>, opts: &BenchOptions, url: &str, runs: i64) -> Result<(Vec<Figure>, TuiFigures)> {
    let theme = Theme::resolve(None, false)?;
    let page = console_page(ctx)?;
    let mut figures = Vec::new();
    if KEYS[..6].iter().any(|k| opts.wants(k)) {
        figures.extend(Box::pin(scrolling::figures(ctx, &theme, runs)).await?);
    }
    if KEYS[6..8].iter().any(|k| opts.wants(k)) {
        figures.extend(Box::pin(filters::filter_figures(ctx, &theme, runs, page)).await?);
    }
    if opts.wants("tui.start_first_frame") {
        figures.push(filters::start_figure(ctx, opts, (url, runs), &theme, page).await?);
    }
    figures.retain(|f| opts.wants(&f.key));
    let stat = |key: &str| figures.iter().find(|f| f.key == key).map(|f| f.value);
    let summary = TuiFigures {
        frame_time_ms: stat("tui.frame_1m"),
        bytes_per_frame: stat("tui.bytes_idle"),
        writes_per_frame: stat("tui.writes_per_frame"),
        key_to_frame_ms: stat("tui.key_nav"),
        filter_to_frame_ms: stat("tui.key_filter"),
        verdict_filter_to_frame_ms: stat("tui.key_filter_verdict"),
        start_to_first_frame_ms: stat("tui.start_first_frame"),
    };
    Ok((figures, summary))
}
