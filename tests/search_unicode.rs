//! Search is case-insensitive for all of Unicode, with the same results on both engines
//! (SQLite's LOWER and LIKE fold only ASCII; PostgreSQL's follow the database's locale).

mod common;

use common::{case, code, json, stderr, write_doc, TestDb, NOW};
use serde_json::json;

fn ids(db: &TestDb, term: &str) -> Vec<i64> {
    let out = db.run(&["--as", "wendy", "--now", NOW, "runs", "--type", "any", "--search", term, "--format", "json"]);
    assert_eq!(code(&out), 0, "[{}] {term}: {}", db.label, stderr(&out));
    let mut v: Vec<i64> = json(&out).as_array().expect("array").iter().map(|r| r["id"].as_i64().expect("id")).collect();
    v.sort_unstable();
    v
}

#[test]
fn search_folds_every_case_the_same_on_both_engines() {
    let dir = tempfile::tempdir().expect("dir");
    let mut doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(case("19-proof-complete.json")).expect("case")).expect("JSON");
    doc.as_object_mut().expect("object").remove("expect");
    doc["restore_items"][0]["policy_name"] = json!("Ünïcödé Baseline ΣΊΣΥΦΟΣ");
    doc["environments"][2]["name"] = json!("Zürich ÉTÉ");
    doc["workspaces"][0]["name"] = json!("Ärzte Contoso");
    let file = write_doc(dir.path(), "unicode.json", &doc);
    let mut seen = Vec::new();
    for db in TestDb::all() {
        db.load(&file);
        for term in ["ünïcödé", "ÜNÏCÖDÉ", "üNïCöDé", "σίσυφος", "ΣΊΣΥΦΟΣ"] {
            assert_eq!(ids(&db, term), vec![1000], "[{}] policy name by {term}", db.label);
        }
        for term in ["ärzte", "ÄRZTE"] {
            assert_eq!(ids(&db, term), vec![1000], "[{}] workspace name by {term}", db.label);
        }
        assert!(ids(&db, "zürich été").is_empty(), "[{}] no run in that environment", db.label);
        assert!(ids(&db, "unicode").is_empty(), "[{}] folding is by case, not by accent", db.label);
        seen.push((db.label, ids(&db, "ÜNÏ"), ids(&db, "baseline")));
    }
    let first = seen[0].clone();
    for s in &seen {
        assert_eq!((&s.1, &s.2), (&first.1, &first.2), "{} and {} disagree", s.0, first.0);
    }
}
