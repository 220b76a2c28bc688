//! A list sorted by any column reads, page by page through its keyset cursors, exactly as the
//! whole list sorted by that column and then by id, in both directions, on SQLite and (when
//! `PROOFDESK_TEST_PG_URL` is set) PostgreSQL; and both engines give the same order (words
//! compare byte by byte on both, whatever PostgreSQL's locale).

mod common;

use std::cmp::Ordering;

use chrono::Duration;
use common::{code, stderr, TestDb, NOW};
use proofdesk::service::{Clock, OpenOptions, RunFilter, RunView, Service, SortKey};
use proofdesk::store::{Create, Store};

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime")
}

async fn session(url: &str) -> Service {
    let store = Store::open(url, Create::Never).await.expect("open");
    let opts = OpenOptions {
        url: Some(url.to_owned()),
        operator: Some("oncall".to_owned()),
        read_only: true,
        stale_after: Duration::minutes(30),
        clock: Clock::fixed(chrono::DateTime::parse_from_rfc3339(NOW).expect("now").to_utc()),
    };
    Service::with_store(store, opts).await.expect("service")
}

/// Every run of `filter`, `limit` rows per page.
async fn listed(svc: &Service, filter: &RunFilter, limit: u32) -> Vec<RunView> {
    let (mut rows, mut after) = (Vec::new(), None);
    loop {
        let page = svc.list(filter, after, limit).await.expect("list");
        rows.extend(page.rows);
        match page.next {
            Some(next) => after = Some(next),
            None => return rows,
        }
    }
}

/// The order `key` puts two runs in, lowest first (then by id).
fn compare(key: SortKey, a: &RunView, b: &RunView) -> Ordering {
    let by = match key {
        SortKey::Created => a.created_at.cmp(&b.created_at),
        SortKey::Updated => a.updated_at.cmp(&b.updated_at),
        SortKey::Id => Ordering::Equal,
        SortKey::Status => a.status.as_bytes().cmp(b.status.as_bytes()),
        SortKey::Outcome => a.outcome.as_bytes().cmp(b.outcome.as_bytes()),
        SortKey::Type => a.op_type.as_bytes().cmp(b.op_type.as_bytes()),
        SortKey::Workspace => a.workspace.as_bytes().cmp(b.workspace.as_bytes()),
        SortKey::Environment => a.environment.as_bytes().cmp(b.environment.as_bytes()),
    };
    by.then(a.id.cmp(&b.id))
}

#[test]
fn every_sort_key_pages_as_the_whole_list_sorted_and_both_engines_agree() {
    let mut orders: Vec<(String, Vec<Vec<i64>>)> = Vec::new();
    for db in TestDb::all() {
        let out = db.run(&["db", "seed-demo", "--runs", "700"]);
        assert_eq!(code(&out), 0, "[{}] seed: {}", db.label, stderr(&out));
        let mut seen = Vec::new();
        rt().block_on(async {
            let svc = session(&db.url).await;
            for key in SortKey::ALL {
                for ascending in [false, true] {
                    let mut filter = RunFilter::default();
                    filter.query.types.clear();
                    filter.query.sort = key;
                    filter.query.ascending = ascending;
                    let paged = listed(&svc, &filter, 37).await;
                    let mut expected = listed(&svc, &filter, 5_000).await;
                    expected.sort_by(|a, b| if ascending { compare(key, a, b) } else { compare(key, b, a) });
                    let ids = |rows: &[RunView]| rows.iter().map(|r| r.id).collect::<Vec<_>>();
                    assert!(paged.len() > 100, "[{}] {key:?}: {} runs", db.label, paged.len());
                    assert_eq!(ids(&paged), ids(&expected), "[{}] {key:?} ascending={ascending}", db.label);
                    seen.push(ids(&paged));
                }
            }
            svc.close().await;
        });
        orders.push((db.label.to_owned(), seen));
    }
    if let [(a, first), (b, second)] = &orders[..] {
        assert_eq!(first, second, "{a} and {b} order the same runs the same way");
    }
}

/// `runs --sort KEY [--reverse]` lists in that order; an unknown key is one line, exit 2.
#[test]
fn runs_sort_orders_the_command_line_list() {
    let db = TestDb::sqlite();
    let out = db.run(&["db", "seed-demo", "--runs", "300"]);
    assert_eq!(code(&out), 0, "seed: {}", stderr(&out));
    for (args, ascending) in [(&["--sort", "status"][..], true), (&["--sort", "status", "--reverse"][..], false)] {
        let mut list =
            vec!["--as", "oncall", "--now", NOW, "runs", "--type", "any", "--limit", "1000", "--format", "json"];
        list.extend_from_slice(args);
        let out = db.run(&list);
        assert_eq!(code(&out), 0, "{args:?}: {}", stderr(&out));
        let rows: serde_json::Value = serde_json::from_str(&common::stdout(&out)).expect("json");
        let keys: Vec<(String, i64)> = rows
            .as_array()
            .expect("array")
            .iter()
            .map(|r| (r["status"].as_str().expect("status").to_owned(), r["id"].as_i64().expect("id")))
            .collect();
        let mut sorted = keys.clone();
        sorted.sort();
        if !ascending {
            sorted.reverse();
        }
        assert!(keys.len() > 100 && keys == sorted, "{args:?}: {keys:?}");
    }
    let out = db.run(&["runs", "--sort", "verdict"]);
    assert_eq!(code(&out), 2);
    assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
}
