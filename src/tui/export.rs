//! What the console writes out: `:export md|csv|json [PATH]` (the list's matching runs, every
//! page, or the open run) and what `y` copies. Files are written whole or not at all: into a
//! temporary file beside the target, then renamed. Every value comes from the service, so a
//! `--redact` session exports pseudonyms; text is made terminal-safe (and Markdown-safe, and
//! CSV cells that a spreadsheet would run as a formula are quoted as text).

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use crate::cli::output::{detail_json, print_json, run_json};
use crate::present::markdown::{detail_markdown, md};
use crate::present::{age, symbol};
use crate::sanitize::clean;
use crate::service::{RunFilter, RunView, Service, ServiceError, MAX_PAGE};

/// The formats `:export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Markdown,
    Csv,
    Json,
}

impl Format {
    /// `md`, `csv` or `json` (also `markdown`).
    #[must_use]
    pub fn parse(word: &str) -> Option<Self> {
        match word.to_lowercase().as_str() {
            "md" | "markdown" => Some(Self::Markdown),
            "csv" => Some(Self::Csv),
            "json" => Some(Self::Json),
            _ => None,
        }
    }

    const fn extension(self) -> &'static str {
        match self {
            Self::Markdown => "md",
            Self::Csv => "csv",
            Self::Json => "json",
        }
    }
}

/// What is exported: the list's matching runs, or one run.
#[derive(Debug, Clone)]
pub enum Target {
    List(Box<RunFilter>),
    Run(i64),
}

/// Why an export wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Service(#[from] ServiceError),
    #[error("cannot write {path}: {error}")]
    Write { path: String, error: std::io::Error },
}

/// The file name an export gets when none is given: in the current directory, stamped.
#[must_use]
pub fn default_path(target: &Target, format: Format, now: DateTime<Utc>) -> PathBuf {
    let stamp = now.format("%Y%m%dT%H%M%SZ");
    let name = match target {
        Target::List(_) => format!("proofdesk-runs-{stamp}.{}", format.extension()),
        Target::Run(id) => format!("proofdesk-run-{id}-{stamp}.{}", format.extension()),
    };
    PathBuf::from(name)
}

/// Writes `target` as `format` to `path`; how many runs (or items, for one run) it holds.
///
/// # Errors
/// The service's (nothing written), or the file's.
pub async fn export(service: &Service, target: Target, format: Format, path: &Path) -> Result<usize, ExportError> {
    let now = service.now();
    let (bytes, count) = match target {
        Target::List(filter) => {
            let mut rows = Vec::new();
            let mut after = None;
            loop {
                let page = service.list(&filter, after, MAX_PAGE).await?;
                rows.extend(page.rows);
                match page.next {
                    Some(next) => after = Some(next),
                    None => break,
                }
            }
            (list_bytes(&rows, format, now), rows.len())
        }
        Target::Run(id) => {
            let detail = service.detail(id, false).await?;
            let mut out = Vec::new();
            let written = match format {
                Format::Markdown => detail_markdown(&mut out, &detail, now),
                Format::Json => print_json(&mut out, &detail_json(&detail, false)),
                Format::Csv => items_csv(&mut out, &detail.items),
            };
            written.map_err(|error| ExportError::Write { path: path.display().to_string(), error })?;
            (out, detail.items.len())
        }
    };
    write_whole(path, &bytes).map_err(|error| ExportError::Write { path: path.display().to_string(), error })?;
    Ok(count)
}

/// Into a temporary file beside `path`, then renamed over it: never half a file.
pub(crate) fn write_whole(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or_else(|| Path::new("."));
    let name = path.file_name().map_or_else(|| "export".into(), |n| n.to_string_lossy().into_owned());
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = std::fs::File::create(&tmp).and_then(|mut f| f.write_all(bytes).and_then(|()| f.sync_all()));
    match result.and_then(|()| std::fs::rename(&tmp, path)) {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

/// A CSV cell a spreadsheet will not run: text starting like a formula gets a leading `'`.
fn cell(text: &str) -> String {
    let text = clean(text).into_owned();
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text
    }
}

fn list_bytes(rows: &[RunView], format: Format, now: DateTime<Utc>) -> Vec<u8> {
    let mut out = Vec::new();
    match format {
        Format::Json => {
            let _ = print_json(&mut out, &serde_json::Value::Array(rows.iter().map(run_json).collect()));
        }
        Format::Csv => {
            let mut w = csv::Writer::from_writer(&mut out);
            let _ = w.write_record([
                "id",
                "type",
                "workspace",
                "environment",
                "status",
                "outcome",
                "decision",
                "reason_code",
                "stale",
                "drift",
                "created_at",
                "updated_at",
            ]);
            for r in rows {
                let (decision, reason, stale, drift) = r.verdict.as_ref().map_or_else(
                    |_| (String::new(), String::new(), false, false),
                    |v| (v.decision.to_string(), v.reason_code.to_string(), v.stale, v.drift),
                );
                let _ = w.write_record([
                    r.id.to_string(),
                    cell(&r.op_type),
                    cell(&r.workspace),
                    cell(&r.environment),
                    cell(&r.status),
                    cell(&r.outcome),
                    decision,
                    reason,
                    stale.to_string(),
                    drift.to_string(),
                    crate::present::time(r.created_at),
                    crate::present::time(r.updated_at),
                ]);
            }
            let _ = w.flush();
        }
        Format::Markdown => {
            let _ = writeln!(out, "# proofdesk runs ({})\n", rows.len());
            let _ = writeln!(out, "| id | workspace / environment | status | outcome | verdict | flags | age |");
            let _ = writeln!(out, "|---:|---|---|---|---|---|---:|");
            for r in rows {
                let verdict = r.verdict_summary(now, " · ").unwrap_or_else(|| "unreadable".to_owned());
                let flags = r.verdict.as_ref().map_or(String::new(), |v| {
                    [(v.stale, "stale"), (v.drift, "drift")]
                        .iter()
                        .filter(|f| f.0)
                        .map(|f| f.1)
                        .collect::<Vec<_>>()
                        .join(" ")
                });
                let _ = writeln!(
                    out,
                    "| {} | {} / {} | {} | {} {} | {} | {} | {} |",
                    r.id,
                    md(&r.workspace),
                    md(&r.environment),
                    md(&r.status),
                    symbol(&r.outcome),
                    md(&r.outcome),
                    md(&verdict),
                    flags,
                    age(now, r.created_at)
                );
            }
        }
    }
    out
}

fn items_csv(out: &mut Vec<u8>, items: &[crate::service::ItemView]) -> std::io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(["item_id", "outcome", "policy_type", "policy_name", "error_code"])?;
    for i in items {
        w.write_record([
            i.id.to_string(),
            cell(&i.outcome),
            cell(&i.policy_type),
            cell(&i.policy_name),
            cell(i.error_code.as_deref().unwrap_or_default()),
        ])?;
    }
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_that_look_like_formulas_stay_text() {
        assert_eq!(cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("Contoso Prod"), "Contoso Prod");
    }

    #[test]
    fn a_failed_write_leaves_nothing_behind() {
        let dir = tempfile::tempdir().expect("dir");
        let missing = dir.path().join("no-such-dir").join("out.csv");
        assert!(write_whole(&missing, b"x").is_err());
        let ok = dir.path().join("out.csv");
        write_whole(&ok, b"a,b\n").expect("written");
        assert_eq!(std::fs::read(&ok).expect("read"), b"a,b\n");
        let names: Vec<_> =
            std::fs::read_dir(dir.path()).expect("dir").map(|e| e.expect("entry").file_name()).collect();
        assert_eq!(names, ["out.csv"], "no temporary file left");
    }
}
