//! Proof bundles: every restore a page links, with its item outcomes, latest evidence and
//! audit facts, in one statement per chunk of restores.

use std::collections::HashMap;

use super::super::rows::{BundleRow, DataError, RunRow, RESTORE_COLUMNS};
use super::super::{Arg, Conn, Rows, Sql, StoreError};
use super::Exec;
use crate::domain::{ItemOutcome, ProofBundle};

/// Restores per round of [`bundle_statement`] (a page of the console fits in one).
pub const BUNDLE_CHUNK: usize = 500;

/// The statement that reads the proof bundles of the restores `ids` (at most
/// [`BUNDLE_CHUNK`]), one row per restore ([`BundleRow`]): the restore, its item outcomes
/// counted (and the first outside the vocabulary), its latest evidence, and whether its
/// execution audit entries exist in its own scope. One row per restore instead of the rows
/// of four statements (restore, counts by outcome, every evidence row, audit entries): the
/// driver hands over and decodes a fifth of the rows. [`load_bundles`] runs it.
#[must_use]
pub fn bundle_statement(ids: &[i64]) -> Sql {
    // The text around the two id lists is the same for every page: written once.
    static TEXT: std::sync::OnceLock<[String; 2]> = std::sync::OnceLock::new();
    let [head, middle] = TEXT.get_or_init(bundle_statement_text);
    // The lists are padded (the last id repeated) to a power of two, or the chunk: a handful
    // of statement shapes instead of one per list length. Each shape is prepared once per
    // connection and kept in its statement cache; with a shape per length, a walk of a large
    // list prepared hundreds of them (tens of KB each for a long IN list: 35 MB of a
    // console's heap at 1M runs, measured with heaptrack).
    let shape = ids.len().next_power_of_two().min(BUNDLE_CHUNK.max(ids.len()));
    let pad = ids.last().into_iter().cycle().take(shape - ids.len());
    let args = || ids.iter().chain(pad.clone()).map(|i| Arg::I64(*i));
    let mut sql = Sql::with_capacity(head.len() + middle.len() + 24 * shape);
    sql.push(head).bind_list(args()).push(middle).bind_list(args());
    sql
}

/// The text of [`bundle_statement`] before its first id list and between its two.
fn bundle_statement_text() -> [String; 2] {
    let known = ItemOutcome::ALL.iter().map(|o| format!("'{}'", o.as_str())).collect::<Vec<_>>().join(", ");
    let count = |o: ItemOutcome| format!("SUM(CASE WHEN outcome = '{0}' THEN 1 ELSE 0 END) AS n_{0}", o.as_str());
    let counts = ItemOutcome::ALL.iter().map(|o| count(*o)).collect::<Vec<_>>().join(", ");
    let restore_cols = RESTORE_COLUMNS.split(", ").map(|c| format!("r.{c}")).collect::<Vec<_>>().join(", ");
    let coalesced = ItemOutcome::ALL
        .iter()
        .map(|o| format!("COALESCE(c.n_{0}, 0) AS n_{0}", o.as_str()))
        .collect::<Vec<_>>()
        .join(", ");
    let audit = |action: &str, name: &str| {
        format!(
            "EXISTS (SELECT 1 FROM audit_log a WHERE a.subject_type = 'restore_run' AND a.subject_id = r.id \
             AND a.action = '{action}' AND a.workspace_id = r.workspace_id AND a.environment_id = r.environment_id) \
             AS {name}"
        )
    };
    let mut head = String::from("SELECT ");
    head.push_str(&restore_cols);
    head.push_str(", ");
    head.push_str(&coalesced);
    head.push_str(", c.bad_outcome, ");
    head.push_str(
        "ev.id AS ev_id, ev.kind AS ev_kind, ev.status AS ev_status, ev.verified_items AS ev_verified_items, \
         ev.expected_items AS ev_expected_items, ev.captured_at AS ev_captured_at, ",
    );
    head.push_str(&audit("restore.execute.started", "audit_started"));
    head.push_str(", ");
    head.push_str(&audit("restore.execute.completed", "audit_completed"));
    head.push_str(" FROM restore_runs r LEFT JOIN (SELECT restore_run_id, ");
    head.push_str(&counts);
    head.push_str(", MIN(CASE WHEN outcome NOT IN (");
    head.push_str(&known);
    head.push_str(") THEN outcome END) AS bad_outcome");
    head.push_str(" FROM restore_items WHERE restore_run_id IN ");
    let middle = " GROUP BY restore_run_id) c ON c.restore_run_id = r.id \
        LEFT JOIN evidence ev ON ev.id = (SELECT e.id FROM evidence e WHERE e.restore_run_id = r.id \
        ORDER BY e.captured_at DESC, e.id DESC LIMIT 1) WHERE r.id IN "
        .to_owned();
    [head, middle]
}

/// The ids, each once, in order.
#[must_use]
pub fn distinct_sorted(ids: impl Iterator<Item = i64>) -> Vec<i64> {
    let mut v: Vec<i64> = ids.collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// The proof bundles of `runs`, in one query per [`BUNDLE_CHUNK`] restores whatever the
/// number of runs. Each readable run's `context` and `summary_counts` move into its bundle
/// (the row keeps JSON `null`); an unreadable run's row is left whole.
///
/// A run whose own row or linked records break the contract maps to the [`DataError`] that
/// says which value; the other runs are unaffected.
///
/// # Errors
/// Driver errors.
pub async fn load_bundles<E: Exec>(
    ex: &mut E,
    runs: &mut [RunRow],
) -> Result<HashMap<i64, Result<ProofBundle, DataError>>, StoreError> {
    let restores = bundle_rows(ex, &distinct_sorted(runs.iter().filter_map(RunRow::restore_run_id))).await?;
    let bundles = assemble_bundles(runs, &restores);
    Ok(runs.iter().map(|r| r.id).zip(bundles).collect())
}

/// The proof-bundle rows of these restores, by restore id, in one statement per
/// [`BUNDLE_CHUNK`] of them.
///
/// # Errors
/// Driver errors.
pub async fn bundle_rows<E: Exec>(ex: &mut E, restore_ids: &[i64]) -> Result<HashMap<i64, BundleRow>, StoreError> {
    let mut restores = HashMap::with_capacity(restore_ids.len());
    for chunk in restore_ids.chunks(BUNDLE_CHUNK) {
        for r in ex.tolerant::<BundleRow>(&bundle_statement(chunk)).await? {
            restores.insert(r.id, r);
        }
    }
    Ok(restores)
}

/// Each run's proof bundle, in the order of `runs`, from its own row and the bundle row of the
/// restore its context links. Each readable run's JSON moves into its bundle.
#[must_use]
pub fn assemble_bundles<S: std::hash::BuildHasher>(
    runs: &mut [RunRow],
    restores: &HashMap<i64, BundleRow, S>,
) -> Vec<Result<ProofBundle, DataError>> {
    runs.iter_mut().map(|run| assemble(run, run.restore_run_id().and_then(|id| restores.get(&id)))).collect()
}

/// One run's proof bundle from its own row and its linked restore's bundle row (`None`: no
/// link, or no such restore). The run's own columns are checked first (their error wins);
/// its JSON moves into the record last, once nothing else can fail.
fn assemble(run: &mut RunRow, row: Option<&BundleRow>) -> Result<ProofBundle, DataError> {
    let _ = run.to_domain_checked()?;
    let restore = row.map(BundleRow::restore).transpose()?;
    let items = row.map(BundleRow::items).transpose()?.unwrap_or_default();
    let latest_evidence = row.map(BundleRow::latest_evidence).transpose()?.flatten();
    let audit = row.map(BundleRow::audit).unwrap_or_default();
    let operation = run.take_domain()?;
    Ok(ProofBundle { operation, restore, items, latest_evidence, audit })
}

/// What [`page_bundles`] made of a list page: what `judge` made of each run and its bundle.
#[derive(Debug)]
pub struct PageBundles<V> {
    /// In the page's order.
    pub judged: Vec<V>,
    /// Restores the proof's reading of a link named that `ids` did not (see
    /// [`page_bundles`]), loaded by one more statement per [`BUNDLE_CHUNK`].
    pub missed: Vec<i64>,
}

/// What [`page_bundles`] keeps while the bundle rows arrive.
struct Assembly<V> {
    /// A run leaves when it is judged.
    runs: Vec<Option<RunRow>>,
    judged: Vec<Option<V>>,
    /// Runs still waiting, by the restore their context links.
    waiting: HashMap<i64, Vec<usize>>,
}

impl<V> Assembly<V> {
    fn settle(
        &mut self,
        i: usize,
        row: Option<&BundleRow>,
        judge: &impl Fn(RunRow, Result<ProofBundle, DataError>) -> V,
    ) {
        if let Some(mut run) = self.runs[i].take() {
            let bundle = assemble(&mut run, row);
            self.judged[i] = Some(judge(run, bundle));
        }
    }
}

/// The runs of a fetched list page (`fetched`, from [`page_sql`]), each handed with its proof
/// bundle to `judge` (the service assesses it and builds what it keeps) as soon as the bundle
/// is whole; each readable run's JSON has moved into its bundle by then.
///
/// `ids` are the restores the page's quick links name ([`super::Conn::fetch_page`]). Their
/// bundle statement is sent first; the runs are decoded while the database executes it; a run
/// that needs no restore row (no link, or its own row unreadable) is judged then too; every
/// other run is judged as its restore's row arrives, so little is left once the last one has:
/// what a run does not keep is dropped while the database still sends rows.
/// The proof's own reading of each link decides which row a run gets: a restore only that
/// reading names is loaded by one more statement (on SQLite, whose `json_extract` takes the
/// first of a repeated key and reads `true` as 1, where the proof takes the last and no
/// link; a test covers every shape); a linked restore that does not exist leaves the run
/// without one.
///
/// # Errors
/// Driver errors.
pub async fn page_bundles<V>(
    conn: &mut Conn,
    fetched: &Rows,
    ids: &[i64],
    judge: impl Fn(RunRow, Result<ProofBundle, DataError>) -> V,
) -> Result<PageBundles<V>, StoreError> {
    let prepare = || -> Result<Assembly<V>, StoreError> {
        let runs: Vec<RunRow> = fetched.decode_tolerant()?;
        let mut a = Assembly {
            judged: runs.iter().map(|_| None).collect(),
            runs: runs.into_iter().map(Some).collect(),
            waiting: HashMap::new(),
        };
        for i in 0..a.runs.len() {
            let link = a.runs[i].as_ref().and_then(|run| run.to_domain_checked().ok().and(run.restore_run_id()));
            match link {
                Some(link) => a.waiting.entry(link).or_default().push(i),
                None => a.settle(i, None, &judge),
            }
        }
        Ok(a)
    };
    let arrived = |a: &mut Assembly<V>, row: BundleRow| {
        for i in a.waiting.remove(&row.id).unwrap_or_default() {
            a.settle(i, Some(&row), &judge);
        }
        Ok(())
    };
    let mut chunks = ids.chunks(BUNDLE_CHUNK);
    let mut a = match chunks.next() {
        Some(first) => conn.overlap_each(&bundle_statement(first), prepare, arrived).await?,
        None => prepare()?,
    };
    for chunk in chunks {
        a = conn.overlap_each(&bundle_statement(chunk), || Ok(a), arrived).await?;
    }
    // Still waiting: a linked restore that does not exist, or one only the proof's reading named.
    let mut missed: Vec<i64> = a.waiting.keys().copied().filter(|id| ids.binary_search(id).is_err()).collect();
    missed.sort_unstable();
    for chunk in missed.chunks(BUNDLE_CHUNK) {
        for row in conn.fetch_tolerant::<BundleRow>(&bundle_statement(chunk)).await? {
            arrived(&mut a, row)?;
        }
    }
    for i in 0..a.runs.len() {
        a.settle(i, None, &judge);
    }
    Ok(PageBundles { judged: a.judged.into_iter().flatten().collect(), missed })
}
