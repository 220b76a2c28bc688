//! A preview or a dry run wrote nothing, whatever its items say: through the real binary on
//! both engines, its verdict is `failed` / `execution_not_started` alone, its summary counts
//! apply nothing, and `show` says its outcomes are what would have happened.

mod common;

use common::{case, code, json, stderr, stdout, write_doc, TestDb, NOW};
use serde_json::json;

/// Case 10 (a previewed restore) whose items say `applied` and `unchanged`, with evidence and
/// a continuous audit trail: everything a success would have, except that it never ran.
fn preview_with_applied_items(dry_run: bool, status: &str) -> serde_json::Value {
    let mut doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(case("10-preview-only.json")).expect("case 10")).expect("JSON");
    doc["restore_runs"][0]["status"] = json!(status);
    doc["restore_runs"][0]["is_dry_run"] = json!(dry_run);
    doc["restore_items"] = json!([
        {"id": 9001, "restore_run_id": 500, "policy_type": "deviceConfiguration", "policy_name": "Firewall",
         "outcome": "applied", "error_code": null, "error_message": null, "provider_payload": null},
        {"id": 9002, "restore_run_id": 500, "policy_type": "deviceConfiguration", "policy_name": "BitLocker",
         "outcome": "unchanged", "error_code": null, "error_message": null, "provider_payload": null}
    ]);
    doc["evidence"] = json!([{"id": 9101, "restore_run_id": 500, "kind": "post_restore_snapshot", "status": "complete",
        "verified_items": 2, "expected_items": 2, "captured_at": "2026-11-20T10:00:00Z"}]);
    doc["audit_log"] = json!([
        {"id": 9201, "workspace_id": 1, "environment_id": 10, "actor_id": 100, "action": "restore.execute.started",
         "subject_type": "restore_run", "subject_id": 500, "metadata": {}, "created_at": "2026-11-20T09:01:00Z"},
        {"id": 9202, "workspace_id": 1, "environment_id": 10, "actor_id": 100, "action": "restore.execute.completed",
         "subject_type": "restore_run", "subject_id": 500, "metadata": {}, "created_at": "2026-11-20T09:30:00Z"}
    ]);
    doc.as_object_mut().expect("object").remove("expect");
    doc
}

#[test]
fn a_preview_or_dry_run_with_applied_items_is_failed_and_says_so() {
    let dir = tempfile::tempdir().expect("dir");
    for (dry_run, status) in [(false, "previewed"), (false, "draft"), (true, "completed"), (true, "running")] {
        let file = write_doc(dir.path(), "preview.json", &preview_with_applied_items(dry_run, status));
        for db in TestDb::all() {
            db.load(&file);
            let what = format!("[{}] {status}, dry run {dry_run}", db.label);
            let out = db.run(&["--as", "alice", "--now", NOW, "assess", "1000", "--format", "json"]);
            assert_eq!(code(&out), 0, "{what}: {}", stderr(&out));
            let v = json(&out);
            assert_eq!(v["decision"], json!("failed"), "{what}: {v}");
            assert_eq!(v["reason_code"], json!("execution_not_started"), "{what}");
            assert_eq!(v["findings"], json!(["execution_not_started"]), "{what}");
            assert_eq!(v["proof_decision"], json!("failed"), "{what}");
            for k in ["applied", "unchanged", "succeeded"] {
                assert_eq!(v["summary_counts"][k], json!(0), "{what}: {k}");
            }
            let out = db.run(&["--as", "alice", "--now", NOW, "show", "1000"]);
            assert!(stdout(&out).contains("preview only: nothing was written"), "{what}: {}", stdout(&out));
            // And it writes `failed`, never a success of any kind.
            let out = db.run(&["--as", "alice", "--now", NOW, "reconcile", "1000", "--yes", "--format", "json"]);
            assert_eq!(code(&out), 0, "{what}: {}", stderr(&out));
            assert_eq!(json(&out)["outcome"], json!("failed"), "{what}");
        }
    }
}
