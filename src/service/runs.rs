//! The read side of the service: lists with filters and keyset pages, one run's detail, and
//! the verdict now. Every verdict comes from `domain::assess` on records loaded in a fixed
//! number of queries per page (never one per row).

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::{Service, ServiceError};
use crate::domain::link_of;
use crate::domain::Cursor;
use crate::domain::DataError;
use crate::domain::{assess, Denied, JsonText, ProofBundle, Verdict};
use crate::domain::{mask_payload, mask_str};
use crate::store::queries;
use crate::store::rows::RunRow;
use crate::store::StatementKind;

pub use super::filter::{FilterTooBig, RunFilter, MAX_VALUES, MAX_VALUE_CHARS};
pub use crate::domain::{ScopeRef, SortKey};

/// `now - stale_after`, or the earliest instant when that leaves chrono's range (then nothing
/// is stale, as `domain::assess` reads it).
fn stale_before(now: DateTime<Utc>, stale_after: chrono::Duration) -> DateTime<Utc> {
    now.checked_sub_signed(stale_after).unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// The most rows one page may hold.
pub const MAX_PAGE: u32 = 500;

/// One run as lists and details show it.
#[derive(Debug, Clone)]
pub struct RunView {
    pub id: i64,
    pub op_type: String,
    pub workspace_id: i64,
    pub workspace: String,
    pub environment_id: i64,
    pub environment: String,
    pub tenant_ref: String,
    pub status: String,
    pub outcome: String,
    pub initiator_id: Option<i64>,
    /// As stored; parsed by whoever shows it (a list page never does).
    pub context: JsonText,
    pub summary_counts: JsonText,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    /// The verdict now, or why this run cannot be read.
    pub verdict: Result<Verdict, DataError>,
}

impl RunView {
    /// Takes the row's text and JSON by value: a page builds its views without copying them.
    /// `bundle` is what [`queries::load_bundles`] made of `row`: a readable run's JSON lives
    /// in its bundle by then, and moves from there into the view.
    fn new(row: RunRow, bundle: Option<Result<ProofBundle, DataError>>, service: &Service) -> Self {
        let verdict = verdict_of(&row, bundle.as_ref(), service);
        Self::with_verdict(row, bundle, verdict, service)
    }

    /// [`Self::new`] with the verdict [`verdict_of`] gave.
    fn with_verdict(
        row: RunRow,
        bundle: Option<Result<ProofBundle, DataError>>,
        verdict: Result<Verdict, DataError>,
        service: &Service,
    ) -> Self {
        let (context, summary_counts) = match bundle {
            Some(Ok(b)) => (b.operation.context.into_text(), b.operation.summary_counts.into_text()),
            Some(Err(_)) | None => (row.context.text, row.summary_counts.0),
        };
        Self {
            id: row.id,
            op_type: row.op_type,
            workspace_id: row.workspace_id,
            workspace: row.workspace_name.unwrap_or_else(|| format!("#{}", row.workspace_id)),
            environment_id: row.environment_id,
            environment: row.environment_name.unwrap_or_else(|| format!("#{}", row.environment_id)),
            tenant_ref: match row.tenant_ref {
                Some(t) if service.redacts() => super::pseudonym("tenant", &t),
                other => other.unwrap_or_default(),
            },
            status: row.status,
            outcome: row.outcome,
            initiator_id: row.initiator_id,
            context,
            summary_counts,
            created_at: row.created_at,
            started_at: row.started_at,
            completed_at: row.completed_at,
            updated_at: row.updated_at,
            verdict,
        }
    }

    /// The verdict, when the run could be read.
    #[must_use]
    pub fn verdict_ok(&self) -> Option<&Verdict> {
        self.verdict.as_ref().ok()
    }

    /// When the transition reconciled this run (`context.reconciliation.reconciled_at`), if it
    /// did; read from the context only for a completed run.
    #[must_use]
    pub fn reconciled_at(&self) -> Option<DateTime<Utc>> {
        if self.status != crate::domain::OpStatus::Completed.as_str() {
            return None;
        }
        let rec = self.context.get("reconciliation")?;
        let at = rec.get("reconciled_at")?.as_str()?;
        DateTime::parse_from_rfc3339(at).ok().map(|t| t.with_timezone(&Utc))
    }

    /// What the verdict column says of this run (see [`crate::present::verdict_summary`]).
    #[must_use]
    pub fn verdict_summary(&self, now: DateTime<Utc>, sep: &str) -> Option<String> {
        let v = self.verdict.as_ref().ok()?;
        Some(crate::present::verdict_summary(&self.status, &self.outcome, v, self.reconciled_at(), now, sep))
    }
}

/// The verdict now of a run whose records `bundle` holds, or why it cannot be read.
fn verdict_of(
    row: &RunRow,
    bundle: Option<&Result<ProofBundle, DataError>>,
    service: &Service,
) -> Result<Verdict, DataError> {
    match bundle {
        Some(Ok(b)) => Ok(assess(b, service.now(), service.stale_after)),
        Some(Err(e)) => Err(e.clone()),
        None => Err(DataError { table: "operation_runs", id: row.id, column: "id", problem: "not loaded".into() }),
    }
}

/// One page of a list.
#[derive(Debug, Clone, Default)]
pub struct Page {
    pub rows: Vec<RunView>,
    /// Where the next page starts; `None` at the end.
    pub next: Option<Cursor>,
}

/// An item as the detail shows it; the provider payload only when asked for, secrets masked.
#[derive(Debug, Clone)]
pub struct ItemView {
    pub id: i64,
    pub policy_type: String,
    pub policy_name: String,
    pub outcome: String,
    pub error_code: Option<String>,
    /// Masked like a payload's strings (`secrets::mask_str`): secret `name=value` parts, bearer
    /// tokens and URL passwords never leave the service.
    pub error_message: Option<String>,
    /// Masked payload; `None` unless requested (`--raw`, or the item pane's key).
    pub payload: Option<Value>,
    pub has_payload: bool,
}

/// An evidence row.
#[derive(Debug, Clone)]
pub struct EvidenceView {
    pub id: i64,
    pub kind: String,
    pub status: String,
    pub verified_items: i64,
    pub expected_items: i64,
    pub captured_at: DateTime<Utc>,
}

/// An audit entry.
#[derive(Debug, Clone)]
pub struct AuditView {
    pub id: i64,
    pub action: String,
    pub actor: String,
    pub subject_type: String,
    pub subject_id: i64,
    pub metadata: Value,
    pub created_at: DateTime<Utc>,
}

/// Everything the detail view and `show` present about one run.
#[derive(Debug, Clone)]
pub struct RunDetail {
    pub run: RunView,
    /// The linked restore, only when it is in the operation's scope (rules 3-7 pass).
    pub restore: Option<crate::domain::RestoreRun>,
    pub items: Vec<ItemView>,
    pub evidence: Vec<EvidenceView>,
    pub audit: Vec<AuditView>,
    /// Whether the operator may reconcile now, and if not, why.
    pub may_reconcile: Result<(), Denied>,
}

/// The rows of the first SQL page [`Service::list`] reads for `limit` rows: `limit` itself, or
/// for a verdict filter (which drops rows after assessing them) enough for `limit` matches at
/// `density`, the share of runs that matched when this session last listed the same filter,
/// with a fifth again as margin; without one, twice `limit` (at least
/// [`VERDICT_FIRST_PAGE_MIN`]). Later pages are sized by [`next_sql_page`].
///
/// A page that needs a second SQL page pays a second round of list and proof-bundle
/// statements, and the server sits idle while this side assesses the first; the console asks
/// for the same filter again and again (live refresh, paging), so what the last answer showed
/// usually lets one SQL page do.
#[must_use]
pub fn first_sql_page(filter: &RunFilter, limit: u32, density: Option<f64>) -> u32 {
    let limit = limit.clamp(1, MAX_PAGE);
    if !filter.needs_verdict() {
        return limit;
    }
    match density {
        Some(d) if d > 0.0 => {
            let wanted = (f64::from(limit) * 1.2 / d.min(1.0)).ceil();
            #[expect(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                reason = "positive and at most MAX_PAGE before the cast"
            )]
            let rows = wanted.min(f64::from(MAX_PAGE)) as u32;
            rows.clamp(limit, MAX_PAGE)
        }
        Some(_) => MAX_PAGE,
        None => limit.saturating_mul(2).clamp(VERDICT_FIRST_PAGE_MIN, MAX_PAGE),
    }
}

/// How many verdict filters a session remembers the density of.
const DENSITY_MEMORY: usize = 64;

/// The smallest first SQL page of a verdict filter: before any density is known, a short page
/// of matches is rarely dense.
pub const VERDICT_FIRST_PAGE_MIN: u32 = 100;

/// The smallest later SQL page of a verdict filter: below it the two statements of a round
/// cost more than the rows they save.
pub const VERDICT_PAGE_MIN: u32 = 50;

/// The next SQL page of a verdict filter that has seen `seen` runs and kept `kept` of them
/// and still needs `wanted` more: enough for the rest at the density seen so far, with half
/// again as margin, between [`VERDICT_PAGE_MIN`] and [`MAX_PAGE`]; [`MAX_PAGE`] while nothing
/// matched. Every run costs its share of the SQL and its decoding whether it matches or not,
/// so reading only about as many as needed is what keeps a dense filter fast, and the
/// estimate keeps a sparse one to few rounds.
#[must_use]
pub fn next_sql_page(seen: usize, kept: usize, wanted: usize) -> u32 {
    if kept == 0 {
        return MAX_PAGE;
    }
    let estimate = wanted.saturating_mul(seen).saturating_mul(3) / kept.saturating_mul(2);
    u32::try_from(estimate).unwrap_or(MAX_PAGE).clamp(VERDICT_PAGE_MIN, MAX_PAGE)
}

impl Service {
    /// One page of visible runs matching `filter`, strictly after `after`.
    ///
    /// Filters on the verdict (`decisions`, `gap`, `drift`) are applied after assessing each SQL page,
    /// reading further pages (see [`first_sql_page`]) until `limit` rows match or the list ends.
    /// A session made with [`Service::observed`] records each statement it runs.
    ///
    /// # Errors
    /// Database errors.
    pub async fn list(&self, filter: &RunFilter, after: Option<Cursor>, limit: u32) -> Result<Page, ServiceError> {
        let limit = limit.clamp(1, MAX_PAGE);
        filter.check().map_err(|e| ServiceError::Usage(e.to_string()))?;
        let Some(query) = filter.sql_query(Some(stale_before(self.now(), self.stale_after))) else {
            return Ok(Page { rows: Vec::new(), next: None });
        };
        let mut batch = first_sql_page(filter, limit, self.verdict_density(filter));
        let mut cursor = after;
        let mut rows = Vec::new();
        let mut seen = 0;
        // Search terms are looked up once, on the pool; each SQL page and its proof bundles
        // then run on one connection.
        let log = self.statements.as_ref();
        let search = queries::search_of(self.reads(), self.operator().id, &query, log).await?;
        let mut conn = self.reads().acquire().await?;
        loop {
            let sql =
                queries::page_sql(self.reads(), self.operator().id, &query, search.as_ref(), cursor.clone(), batch);
            // The restore links first (the column the page adds for them, read as the rows
            // arrive), so the restores' proof-bundle statement can go before the runs are decoded.
            let (fetched, links) = conn.fetch_page(&sql).await?;
            let ids = queries::distinct_sorted(links.into_iter().flatten());
            if let Some(log) = log {
                log.record(StatementKind::List, sql);
                for chunk in ids.chunks(queries::BUNDLE_CHUNK) {
                    log.record(StatementKind::Bundle, queries::bundle_statement(chunk));
                }
            }
            // The runs are decoded while the proof-bundle statement runs, and each is assessed
            // as its restore's row arrives (see `queries::page_bundles`); a run that matches
            // becomes its view then, and one that does not is dropped then.
            let sort = query.sort;
            let assembled = queries::page_bundles(&mut conn, &fetched, &ids, |row, bundle| {
                let after = queries::cursor_after(&row, sort);
                let verdict = verdict_of(&row, Some(&bundle), self);
                let view =
                    matches_verdict(filter, &verdict).then(|| RunView::with_verdict(row, Some(bundle), verdict, self));
                (after, view)
            })
            .await?;
            drop(fetched);
            if let Some(log) = log {
                for chunk in assembled.missed.chunks(queries::BUNDLE_CHUNK) {
                    log.record(StatementKind::Bundle, queries::bundle_statement(chunk));
                }
            }
            let page_len = assembled.judged.len();
            let exhausted = page_len < batch as usize;
            seen += page_len;
            for (i, (after, view)) in assembled.judged.into_iter().enumerate() {
                cursor = Some(after);
                let Some(view) = view else { continue };
                rows.push(view);
                if rows.len() == limit as usize {
                    self.remember_density(filter, seen - page_len + i + 1, rows.len());
                    let at_end = exhausted && i + 1 == page_len;
                    return Ok(Page { rows, next: if at_end { None } else { cursor } });
                }
            }
            if exhausted {
                self.remember_density(filter, seen, rows.len());
                return Ok(Page { rows, next: None });
            }
            batch = next_sql_page(seen, rows.len(), limit as usize - rows.len());
        }
    }

    /// The share of assessed runs that matched `filter` when this session last listed it, for
    /// a verdict filter (see [`first_sql_page`]).
    fn verdict_density(&self, filter: &RunFilter) -> Option<f64> {
        if !filter.needs_verdict() {
            return None;
        }
        self.densities.lock().unwrap_or_else(std::sync::PoisonError::into_inner).get(filter).copied()
    }

    /// Notes that `kept` of the `assessed` runs a verdict-filtered list read matched.
    fn remember_density(&self, filter: &RunFilter, assessed: usize, kept: usize) {
        if !filter.needs_verdict() || assessed == 0 {
            return;
        }
        #[expect(clippy::cast_precision_loss, reason = "a ratio of page sizes: far below 2^52")]
        let density = kept as f64 / assessed as f64;
        let mut memory = self.densities.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        // A session lists a handful of filters; a bound keeps a long one from growing.
        if memory.len() >= DENSITY_MEMORY && !memory.contains_key(filter) {
            memory.clear();
        }
        memory.insert(filter.clone(), density);
    }

    /// How many visible runs match the SQL-side filters of `filter` (verdict filters only as
    /// far as they narrow the SQL: `drift` to completed successes, a decision to open runs).
    ///
    /// # Errors
    /// Database errors.
    pub async fn count(&self, filter: &RunFilter) -> Result<i64, ServiceError> {
        filter.check().map_err(|e| ServiceError::Usage(e.to_string()))?;
        let Some(query) = filter.sql_query(Some(stale_before(self.now(), self.stale_after))) else {
            return Ok(0);
        };
        Ok(queries::count_runs(self.reads(), self.operator().id, &query).await?)
    }

    /// How many visible runs match `filter`, exactly: the SQL count when no verdict filter is
    /// set, otherwise every candidate assessed (a walk of the whole list, in pages).
    ///
    /// # Errors
    /// Database errors.
    pub async fn count_matching(&self, filter: &RunFilter) -> Result<u64, ServiceError> {
        if !filter.needs_verdict() {
            return Ok(u64::try_from(self.count(filter).await?).unwrap_or(0));
        }
        let (mut n, mut after) = (0, None);
        loop {
            let page = self.list(filter, after, MAX_PAGE).await?;
            n += page.rows.len() as u64;
            match page.next {
                Some(next) => after = Some(next),
                None => return Ok(n),
            }
        }
    }

    /// One visible run with its verdict now.
    ///
    /// # Errors
    /// [`ServiceError::NotFound`] for a missing or hidden run.
    pub async fn run(&self, id: i64) -> Result<RunView, ServiceError> {
        Ok(self.run_with_bundle(id).await?.0)
    }

    async fn run_with_bundle(&self, id: i64) -> Result<(RunView, Option<ProofBundle>), ServiceError> {
        let mut store = self.reads();
        let row = queries::run_by_id(&mut store, id).await?.ok_or(ServiceError::NotFound(id))?;
        let grant = queries::grant(&mut store, self.operator().id, row.workspace_id, row.environment_id).await?;
        if !grant.can_see() {
            return Err(ServiceError::NotFound(id));
        }
        let mut row = row;
        let mut bundles = queries::load_bundles(&mut store, std::slice::from_mut(&mut row)).await?;
        let bundle = bundles.remove(&id);
        let kept = bundle.as_ref().and_then(|b| b.as_ref().ok()).cloned();
        let view = RunView::new(row, bundle, self);
        Ok((view, kept))
    }

    /// The verdict now for one visible run; an unreadable run is an error for that run.
    ///
    /// # Errors
    /// [`ServiceError::NotFound`] or [`ServiceError::Unreadable`].
    pub async fn assess(&self, id: i64) -> Result<RunView, ServiceError> {
        let view = self.run(id).await?;
        if let Err(error) = &view.verdict {
            return Err(ServiceError::Unreadable { run: id, error: error.clone() });
        }
        Ok(view)
    }

    /// Whether the session's operator may reconcile `run` right now (role, read-only).
    ///
    /// # Errors
    /// Why not.
    pub fn may_reconcile(&self, run: &RunView) -> Result<(), Denied> {
        let grant = crate::domain::Grant {
            role: self.operator().role_in(run.workspace_id),
            // The list only holds visible runs: members without ownership were entitled.
            entitled: true,
        };
        grant.may_reconcile(self.read_only())
    }

    /// The full detail of one visible run. `raw` adds each item's masked provider payload.
    ///
    /// # Errors
    /// [`ServiceError::NotFound`] for a missing or hidden run.
    pub async fn detail(&self, id: i64, raw: bool) -> Result<RunDetail, ServiceError> {
        let (run, bundle) = self.run_with_bundle(id).await?;
        // Only a restore in the operation's scope is shown: nothing of a foreign one leaks.
        let in_scope = run.verdict.as_ref().ok().and_then(|v| v.proof.as_ref()).map(|p| p.restore_run_id);
        let restore = in_scope.and_then(|_| bundle.and_then(|b| b.restore));
        let restore_id = restore.as_ref().map(|r| r.id);
        let (items, evidence) = match restore_id {
            Some(rid) => (queries::items_of(self.reads(), rid).await?, queries::evidence_of(self.reads(), rid).await?),
            None => (Vec::new(), Vec::new()),
        };
        let scope = queries::RunScope {
            operation_id: run.id,
            workspace_id: run.workspace_id,
            environment_id: run.environment_id,
        };
        let audit = queries::audit_of(self.reads(), scope, restore_id).await?;
        let items = items
            .into_iter()
            .map(|i| ItemView {
                id: i.id,
                has_payload: i.provider_payload.is_some(),
                payload: if raw { i.provider_payload.as_ref().map(|p| mask_payload(&p.0)) } else { None },
                policy_type: i.policy_type,
                policy_name: i.policy_name,
                outcome: i.outcome,
                error_code: i.error_code,
                // Masked here once, so the CLI's text and JSON and the console show the same text.
                error_message: i.error_message.map(|m| mask_str(&m).into_owned()),
            })
            .collect();
        let evidence = evidence
            .into_iter()
            .map(|e| EvidenceView {
                id: e.id,
                kind: e.kind,
                status: e.status,
                verified_items: e.verified_items,
                expected_items: e.expected_items,
                captured_at: e.captured_at,
            })
            .collect();
        let mut audit: Vec<AuditView> = audit
            .into_iter()
            .map(|a| AuditView {
                id: a.id,
                action: a.action,
                actor: a.actor_handle.map_or_else(
                    || a.actor_id.map_or_else(|| "system".to_owned(), |id| format!("#{id}")),
                    |h| if self.redacts() { super::pseudonym("operator", &h) } else { h },
                ),
                subject_type: a.subject_type,
                subject_id: a.subject_id,
                metadata: a.metadata.0,
                created_at: a.created_at,
            })
            .collect();
        let mut run = run;
        self.hide_foreign_links(&mut run, &mut audit, scope).await?;
        let may_reconcile = self.may_reconcile(&run);
        Ok(RunDetail { run, restore, items, evidence, audit, may_reconcile })
    }
}

/// What `show` prints where a context names a restore outside the run's scope.
pub const OUT_OF_SCOPE: &str = "out of scope";

/// Where a run's own JSON names a restore: its `context` link, the proof a reconciliation
/// recorded, and (in audit metadata) the restore a reconciliation read.
const CONTEXT_LINKS: [&str; 2] = ["/restore_run_id", "/reconciliation/proof/restore_run_id"];
const METADATA_LINKS: [&str; 1] = ["/restore_run_id"];

/// The restore ids `pointers` name in `value`.
fn links_in(value: &Value, pointers: &[&str]) -> Vec<i64> {
    pointers.iter().filter_map(|p| value.pointer(p).cloned().and_then(link_of)).collect()
}

/// Replaces each link of `pointers` in `value` that names one of `foreign` by [`OUT_OF_SCOPE`].
fn hide_links(value: &mut Value, pointers: &[&str], foreign: &[i64]) {
    for pointer in pointers {
        if let Some(slot) = value.pointer_mut(pointer) {
            if link_of(slot.clone()).is_some_and(|id| foreign.contains(&id)) {
                *slot = Value::String(OUT_OF_SCOPE.to_owned());
            }
        }
    }
}

impl Service {
    /// Hides every restore link outside the run's scope (rules 4-7: another workspace or
    /// environment, linked to another operation, soft-deleted) from what the detail shows:
    /// the run's own `context` (`restore_run_id`, `reconciliation.proof.restore_run_id`) and
    /// its audit rows' `metadata.restore_run_id` read [`OUT_OF_SCOPE`]. A link to no restore
    /// at all stays (it names nothing; rule 3 reports it).
    async fn hide_foreign_links(
        &self,
        run: &mut RunView,
        audit: &mut [AuditView],
        scope: queries::RunScope,
    ) -> Result<(), ServiceError> {
        let mut context = run.context.value();
        let mut links = links_in(&context, &CONTEXT_LINKS);
        for a in audit.iter() {
            links.extend(links_in(&a.metadata, &METADATA_LINKS));
        }
        links.sort_unstable();
        links.dedup();
        let foreign = queries::restores_out_of_scope(self.reads(), scope, &links).await?;
        if foreign.is_empty() {
            return Ok(());
        }
        hide_links(&mut context, &CONTEXT_LINKS, &foreign);
        run.context = JsonText::from(context);
        for a in audit {
            hide_links(&mut a.metadata, &METADATA_LINKS, &foreign);
        }
        Ok(())
    }
}

fn matches_verdict(filter: &RunFilter, verdict: &Result<Verdict, DataError>) -> bool {
    if !filter.needs_verdict() {
        return true;
    }
    let Ok(v) = verdict else { return false };
    (filter.decisions.is_empty() || filter.decisions.contains(&v.decision))
        && (!filter.gap || v.has_gap())
        && (!filter.drift || v.drift)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdict_pages_follow_the_density_seen() {
        let mut f = RunFilter::restore_execute();
        assert_eq!(first_sql_page(&f, 50, None), 50, "no verdict filter: the page itself");
        assert_eq!(first_sql_page(&f, 50, Some(0.1)), 50, "no verdict filter: no density either");
        f.gap = true;
        assert_eq!(first_sql_page(&f, 50, None), 100);
        assert_eq!(first_sql_page(&f, 10, None), VERDICT_FIRST_PAGE_MIN);
        assert_eq!(first_sql_page(&f, 400, None), MAX_PAGE);
        // A density seen before: enough for the page at that density, a fifth again as margin.
        assert_eq!(first_sql_page(&f, 50, Some(0.4)), 150);
        assert_eq!(first_sql_page(&f, 50, Some(0.5)), 120);
        assert_eq!(first_sql_page(&f, 50, Some(1.0)), 60);
        assert_eq!(first_sql_page(&f, 500, Some(1.0)), MAX_PAGE);
        assert_eq!(first_sql_page(&f, 50, Some(0.001)), MAX_PAGE);
        assert_eq!(first_sql_page(&f, 50, Some(0.0)), MAX_PAGE, "nothing matched: as large as allowed");
        // Nothing matched yet: as large as allowed.
        assert_eq!(next_sql_page(100, 0, 50), MAX_PAGE);
        // 44 of 100 matched, 6 wanted: 6 / 0.44 * 1.5 = 20, raised to the minimum (50).
        assert_eq!(next_sql_page(100, 44, 6), VERDICT_PAGE_MIN);
        // 10 of 100, 40 wanted: 40 / 0.1 * 1.5 = 600, capped.
        assert_eq!(next_sql_page(100, 10, 40), MAX_PAGE);
        // 25 of 100, 25 wanted: 150.
        assert_eq!(next_sql_page(100, 25, 25), 150);
        assert_eq!(next_sql_page(usize::MAX, 1, usize::MAX), MAX_PAGE, "no overflow");
    }
}
