//! `proofdesk runs`: the filtered list as a table, JSON or NDJSON, or only its count.

use std::io::{IsTerminal, Write};

use super::table::{self, Width};
use super::{filter, output, Failure, ListFormat, RunsArgs};
use crate::present::grouped;
use crate::service::{self, Service};

/// The table's width: the terminal's, else `$COLUMNS`, else 80.
fn table_width(wide: bool) -> Width {
    if wide {
        return Width::Wide;
    }
    let terminal = std::io::stdout()
        .is_terminal()
        .then(|| ratatui::crossterm::terminal::size().ok())
        .flatten()
        .map(|(w, _)| usize::from(w));
    let columns = || std::env::var("COLUMNS").ok().and_then(|c| c.trim().parse::<usize>().ok());
    Width::Fit(terminal.or_else(columns).filter(|w| *w >= 40).unwrap_or(80))
}

pub(super) async fn runs(service: &Service, args: &RunsArgs) -> Result<u8, Failure> {
    let filter = filter::from_args(args, service.now())?;
    if args.count {
        let n = service.count_matching(&filter).await?;
        return writeln!(std::io::stdout().lock(), "{n}").map(|()| 0).map_err(Failure::from);
    }
    let mut remaining = args.limit;
    let mut after = None;
    let mut rows = Vec::new();
    let mut more = false;
    while remaining > 0 {
        let page = service.list(&filter, after, remaining.min(service::MAX_PAGE)).await?;
        remaining = remaining.saturating_sub(u32::try_from(page.rows.len()).unwrap_or(u32::MAX));
        rows.extend(page.rows);
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
        more = remaining == 0;
    }
    let mut out = std::io::stdout().lock();
    match args.format {
        ListFormat::Table => {
            table::runs_table(&mut out, &rows, service.now(), table_width(args.wide))?;
            if more {
                // Cut by --limit: say how many there are, and how to get them.
                let total = service.count_matching(&filter).await?;
                writeln!(
                    out,
                    "{} of {} (use --limit or --format ndjson for all)",
                    grouped(rows.len() as u64),
                    grouped(total)
                )?;
            } else if !rows.is_empty() {
                writeln!(out, "{} {}", grouped(rows.len() as u64), if rows.len() == 1 { "run" } else { "runs" })?;
            }
        }
        ListFormat::Json => {
            output::print_json(&mut out, &serde_json::Value::Array(rows.iter().map(output::run_json).collect()))?;
        }
        ListFormat::Ndjson => {
            for r in &rows {
                output::print_json_line(&mut out, &output::run_json(r))?;
            }
        }
    }
    Ok(0)
}
