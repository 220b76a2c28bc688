//! The count of matches (`Service::count`, `proofdesk runs --count`) is the length of the full
//! listing, for every filter SQL answers and their mixes, as several operators with different
//! access, on SQLite and (when `PROOFDESK_TEST_PG_URL` is set) PostgreSQL. The count reads the
//! visible scopes and counts each on its index (`store::queries::count_sql`); the listing tests
//! access run by run: two different statements that must agree.

mod common;

use chrono::Duration;
use common::{code, stderr, stdout, TestDb, NOW};
use proofdesk::service::{filter_text, Clock, OpenOptions, RunFilter, Service};
use proofdesk::store::{Create, Store};

/// Filters in the console's language: each SQL-side filter alone, mixed, and searches that
/// match by policy name (common and rare), environment, workspace, tenant ref, run id (alone
/// and beside names and scopes), or nothing.
const FILTERS: &[&str] = &[
    "",
    "type:any",
    "type:restore.execute,inventory.sync",
    "status:running",
    "status:queued,running",
    "outcome:succeeded",
    "outcome:failed,partially_succeeded status:completed",
    "env:\"Contoso Lab\"",
    "env:\"contoso prod\",\"Fabrikam Prod\"",
    "ws:Contoso",
    "ws:Fabrikam env:\"Contoso Lab\"",
    "stale",
    "stale type:any",
    "stale env:\"Contoso Prod\"",
    "since:-30d",
    "until:-300d",
    "since:-400d until:-100d status:completed",
    // Day edges (PostgreSQL sums whole UTC days from its tallies and reads the partial ones):
    // a range from midnight, one inside a day, one ending at midnight, one instant.
    "since:2026-09-01T00:00:00Z type:any",
    "since:2026-10-03T10:00:00Z until:2026-10-03T20:00:00Z type:any",
    "since:2026-08-15T17:30:00Z until:2026-10-01T00:00:00Z status:completed",
    "since:2026-10-01T00:00:00Z until:2026-10-01T00:00:00Z",
    "until:2026-10-31T23:59:59.999999Z outcome:failed",
    "BitLocker",
    "bitlocker status:completed since:-200d",
    "Bürogeräte",
    "FileVault Gatekeeper",
    "Lab",
    "Northwind",
    "fabrikamstaging.onmicrosoft",
    "Contoso BitLocker outcome:succeeded",
    "no-such-policy-zq",
    "type:any Kiosk",
    "type:any 1001 #1003",
    "type:any 1001 Lab",
    "1003 1005 BitLocker",
    "id:1001,1002 type:any",
];

/// Operators of the demo data with different access (owner of some workspaces, members with
/// entitlements to some environments, none).
const OPERATORS: &[&str] = &["oncall", "owen", "rita", "mona", "nadia"];

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime")
}

async fn session(url: &str, who: &str) -> Service {
    let store = Store::open(url, Create::Never).await.expect("open");
    let opts = OpenOptions {
        url: Some(url.to_owned()),
        operator: Some(who.to_owned()),
        read_only: true,
        stale_after: Duration::minutes(30),
        clock: Clock::fixed(chrono::DateTime::parse_from_rfc3339(NOW).expect("now").to_utc()),
    };
    Service::with_store(store, opts).await.expect("service")
}

/// Every run of the full listing of `filter`, page by page.
async fn listed(svc: &Service, filter: &RunFilter) -> Vec<i64> {
    let (mut ids, mut after) = (Vec::new(), None);
    loop {
        let page = svc.list(filter, after, 500).await.expect("list");
        ids.extend(page.rows.iter().map(|r| r.id));
        match page.next {
            Some(next) => after = Some(next),
            None => return ids,
        }
    }
}

#[test]
fn the_count_is_the_length_of_the_full_listing_for_every_sql_filter() {
    for db in TestDb::all() {
        let out = db.run(&["db", "seed-demo", "--runs", "1500"]);
        assert_eq!(code(&out), 0, "[{}] seed: {}", db.label, stderr(&out));
        let now = chrono::DateTime::parse_from_rfc3339(NOW).expect("now").to_utc();
        let (mut nonzero, mut below_all) = (0, 0);
        rt().block_on(async {
            for who in OPERATORS {
                let svc = session(&db.url, who).await;
                let everything = {
                    let mut any = RunFilter::default();
                    any.query.types.clear();
                    listed(&svc, &any).await.len()
                };
                for text in FILTERS {
                    let filter = filter_text::parse(text, &RunFilter::default(), now).expect("filter");
                    let ids = listed(&svc, &filter).await;
                    let n = svc.count(&filter).await.expect("count");
                    assert_eq!(
                        usize::try_from(n).expect("count >= 0"),
                        ids.len(),
                        "[{}] as {who}, {text:?}: the count is the listing's length",
                        db.label
                    );
                    nonzero += usize::from(n > 0);
                    below_all += usize::from(ids.len() < everything);
                }
                svc.close().await;
            }
        });
        // The filters and operators above do tell counts apart: most match something, and
        // most match less than everything the operator sees.
        assert!(nonzero > FILTERS.len() * OPERATORS.len() / 2, "[{}] {nonzero} counts above 0", db.label);
        assert!(below_all > FILTERS.len() * OPERATORS.len() / 2, "[{}] {below_all} counts narrowed", db.label);
    }
}

/// The command line prints the same number as the service counts, for a search and a scope.
#[test]
fn runs_count_prints_the_count_of_the_listing() {
    for db in TestDb::all() {
        let out = db.run(&["db", "seed-demo", "--runs", "400"]);
        assert_eq!(code(&out), 0, "[{}] seed: {}", db.label, stderr(&out));
        for args in [
            &["--search", "BitLocker"][..],
            &["--environment", "Contoso Lab", "--status", "completed"][..],
            &["--type", "any", "--stale"][..],
        ] {
            let mut count = vec!["--as", "oncall", "--now", NOW, "runs", "--count"];
            count.extend_from_slice(args);
            let out = db.run(&count);
            assert_eq!(code(&out), 0, "[{}] {args:?}: {}", db.label, stderr(&out));
            let printed: usize = stdout(&out).trim().parse().expect("a number");
            let mut list = vec!["--as", "oncall", "--now", NOW, "runs", "--limit", "100000", "--format", "json"];
            list.extend_from_slice(args);
            let out = db.run(&list);
            assert_eq!(code(&out), 0, "[{}] {args:?}: {}", db.label, stderr(&out));
            let rows: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("json");
            assert_eq!(printed, rows.as_array().expect("array").len(), "[{}] {args:?}", db.label);
        }
    }
}
