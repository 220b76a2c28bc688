//! "Looks secret" against an attacker: generated payloads and error texts hide a marker value
//! under every obfuscation the contract lists, and the masked output never holds the marker;
//! harmless keys and values are kept; and through the real binary, `show --raw` (text and
//! JSON) on both engines prints no marker, and JSON escapes invisible characters yet parses
//! back to the original strings.

mod common;

use common::{case, code, json, stderr, stdout, TestDb, NOW};
use proofdesk::domain::{mask_payload, mask_str, MASK, SECRET_NAMES, SECRET_WORDS};
use proofdesk::store::{Create, Sql, Store};
use proptest::prelude::*;
use serde_json::{json, Value};

/// How many generated payloads the property test tries (docs/reliability.md quotes it).
const CASES: u32 = 2048;

const INVISIBLE: [char; 12] = [
    '\u{200B}',
    '\u{200C}',
    '\u{200D}',
    '\u{2060}',
    '\u{FEFF}',
    '\u{00AD}',
    '\u{180E}',
    '\u{2061}',
    '\u{2064}',
    '\u{E0020}',
    '\u{E0041}',
    '\u{E007F}',
];

fn homoglyph(c: char, pick: u8) -> Option<char> {
    let cyrillic = match c {
        'a' => 'а',
        'e' => 'е',
        'o' => 'о',
        'p' => 'р',
        'c' => 'с',
        'x' => 'х',
        'y' => 'у',
        'i' => 'і',
        's' => 'ѕ',
        'j' => 'ј',
        'k' => 'к',
        'h' => 'һ',
        'A' => 'А',
        'E' => 'Е',
        'O' => 'О',
        'P' => 'Р',
        'C' => 'С',
        'T' => 'Т',
        'K' => 'К',
        'M' => 'М',
        'H' => 'Н',
        _ => return None,
    };
    let greek = match c {
        'o' => 'ο',
        'a' => 'α',
        'p' => 'ρ',
        'e' => 'ε',
        'k' => 'κ',
        't' => 'τ',
        'v' => 'ν',
        'i' => 'ι',
        'P' => 'Ρ',
        'T' => 'Τ',
        'K' => 'Κ',
        'A' => 'Α',
        'E' => 'Ε',
        'O' => 'Ο',
        _ => cyrillic,
    };
    Some(if pick % 2 == 0 { cyrillic } else { greek })
}

/// `word` disguised one character at a time; `spaces` allows a space as a separator (keys of
/// objects and pairs are read whole; in free text a space ends a name).
fn disguise(word: &str, picks: &[(u8, u8)], spaces: bool) -> String {
    let mut out = String::new();
    for (i, c) in word.chars().enumerate() {
        let (how, extra) = picks.get(i).copied().unwrap_or((0, 0));
        let c = if extra % 3 == 0 { c.to_ascii_uppercase() } else { c };
        match how % 9 {
            1 => out.push(char::from_u32(c as u32 - 0x21 + 0xFF01).unwrap_or(c)), // full width
            2 => out.push(homoglyph(c, extra).unwrap_or(c)),
            3 => {
                out.push(c);
                out.push(INVISIBLE[usize::from(extra) % INVISIBLE.len()]);
            }
            4 => {
                out.push(c);
                let seps: &[&str] = if spaces { &["_", "-", ".", " "] } else { &["_", "-", "."] };
                out.push_str(seps[usize::from(extra) % seps.len()]);
            }
            5 if c.is_ascii_lowercase() => {
                // mathematical bold small letters
                out.push(char::from_u32(0x1D41A + (c as u32 - 'a' as u32)).unwrap_or(c));
            }
            6 => {
                out.push(c);
                out.push('\u{0301}'); // a combining mark
            }
            _ => out.push(c),
        }
    }
    out
}

fn name_strategy(spaces: bool) -> impl Strategy<Value = String> {
    let words: Vec<&'static str> = SECRET_WORDS.iter().chain(SECRET_NAMES.iter()).copied().collect();
    (
        prop::sample::select(words),
        prop::sample::select(vec!["", "client_", "x-ms-", "Access", "db."]),
        prop::sample::select(vec!["", "Value", "_id", "-header"]),
        prop::collection::vec((any::<u8>(), any::<u8>()), 0..24),
    )
        .prop_map(move |(word, pre, post, picks)| {
            let whole = if SECRET_NAMES.contains(&word) { word.to_owned() } else { format!("{pre}{word}{post}") };
            disguise(&whole, &picks, spaces)
        })
}

/// A string that holds `marker` after a secret `name` (or a Bearer / user-info) in text.
fn text_with(form: u8, name: &str, marker: &str, bearer: &str) -> String {
    match form % 9 {
        0 => format!("https://h.example/p?a=1&{name}={marker}&b=2"),
        1 => format!("Server=db;{name}={marker};Database=x"),
        2 => format!("request failed: {name}={marker} was rejected (tenant=t1)"),
        3 => format!(r#"body {{"{name}": "{marker}", "n": 1}}"#),
        4 => format!(r#"body {{\"{name}\":\"{marker}\",\"n\":1}}"#),
        5 => format!("Authorization: {bearer} {marker}"),
        6 => format!("sent {bearer} {marker} to graph"),
        7 => format!("https://svc:{marker}@h.example/path"),
        _ => format!("{name}: {marker}"),
    }
}

/// A payload: `inner` wrapped in `depth` layers of objects, arrays and JSON-in-string.
fn wrap(inner: Value, layers: &[u8]) -> Value {
    layers.iter().fold(inner, |v, l| match l % 4 {
        0 => json!({"status": 400, "policyName": "Baseline", "inner": v}),
        1 => json!([{"x-request-id": "r-1"}, v]),
        2 => json!({"body": v.to_string()}), // JSON inside a string
        _ => json!({"responses": [{"id": "1", "body": v}]}),
    })
}

fn payload_strategy() -> impl Strategy<Value = (Value, String)> {
    (
        name_strategy(true),
        name_strategy(false),
        prop::collection::vec((any::<u8>(), any::<u8>()), 0..8),
        "[A-Za-z0-9]{8,16}",
        0u8..4,
        any::<u8>(),
        prop::collection::vec(any::<u8>(), 0..5),
    )
        .prop_map(|(key, text_name, bearer_picks, tail, place, form, layers)| {
            let marker = format!("MARKER-{tail}");
            let bearer = disguise("Bearer", &bearer_picks, false);
            let inner = match place {
                0 => json!({ key: marker }),
                1 => json!({"headers": [[key, marker], ["X-Request-Id", "r-2"]]}),
                2 => json!({"detail": text_with(form, &text_name, &marker, &bearer)}),
                _ => json!({"detail": json!({ key: marker }).to_string()}),
            };
            let mut payload = wrap(inner, &layers);
            if !payload.is_object() {
                payload = json!({"wrapped": payload});
            }
            (payload, marker)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn no_obfuscation_gets_a_marker_past_the_mask((payload, marker) in payload_strategy()) {
        let out = mask_payload(&payload).to_string();
        prop_assert!(!out.contains(&marker), "leaked {marker}\n in:  {payload}\n out: {out}");
        prop_assert!(out.contains(MASK));
    }

    #[test]
    fn no_obfuscation_gets_a_marker_past_the_error_text_mask(
        name in name_strategy(false),
        bearer_picks in prop::collection::vec((any::<u8>(), any::<u8>()), 0..8),
        tail in "[A-Za-z0-9]{8,16}",
        form in any::<u8>(),
        prefix in "([a-z]{1,8}[ :;,]){0,3}",
    ) {
        let marker = format!("MARKER-{tail}");
        let text = format!("{prefix}{}", text_with(form, &name, &marker, &disguise("Bearer", &bearer_picks, false)));
        let out = mask_str(&text);
        prop_assert!(!out.contains(&marker), "leaked {marker}\n in:  {text}\n out: {out}");
    }
}

#[test]
fn each_class_is_masked_and_keeps_its_name() {
    let m = "MARKER-example1";
    let cases = [
        json!({"ＰＡＳＳＷＯＲＤ": m}),
        json!({"pass\u{200B}word": m}),
        json!({"pass\u{00AD}word": m}),
        json!({"to\u{E0041}ken": m}),
        json!({"P\u{0430}ssword": m}),
        json!({"t\u{03BF}ken": m}),
        json!({"client.secret": m}),
        json!({"Connection String": m}),
        json!({"SharedAccessSignature": m}),
        json!({"body": json!({"body": json!({"apiKey": m}).to_string()}).to_string()}),
        json!({"headers": [["Authorization", format!("Bearer {m}")]]}),
        json!({"headers": [["X-Api-Key", m]]}),
        json!({"url": format!("https://h/p?sv=1&sig={m}")}),
        json!({"conn": format!("Server=db;Password={m};")}),
        json!({"log": format!("client_secret={m} rejected")}),
        json!({"log": format!(r#"sent {{"api_key": "{m}"}}"#)}),
        json!({"auth": format!("Bearer {m}")}),
        json!({"db": format!("postgres://app:{m}@db/x")}),
    ];
    for c in cases {
        let out = mask_payload(&c).to_string();
        assert!(!out.contains(m) && out.contains(MASK), "{c} -> {out}");
    }
    assert_eq!(mask_payload(&json!(format!("{{\"a\": \"{m}\"}}"))), json!(MASK), "a string payload is masked whole");
    assert_eq!(mask_payload(&json!([m])), json!(MASK), "an array payload is masked whole");
}

#[test]
fn harmless_keys_and_values_are_kept() {
    let p = json!({
        "status": 400,
        "policyName": "Win11 Security Baseline",
        "x-request-id": "r-123",
        "displayName": "Kiosk",
        "@odata.type": "#microsoft.graph.windows10GeneralConfiguration",
        "message": "Property 'foo' is read-only at 10:00",
        "url": "https://graph.microsoft.com/beta/deviceManagement?$top=5&$skip=0",
        "conn": "Server=db;Database=intune",
        "pairs": [["X-Request-Id", "r-1"], ["Retry-After", "5"]],
        "body": "{\"code\":\"BadRequest\",\"target\":\"settings\"}",
    });
    assert_eq!(mask_payload(&p), p);
    assert_eq!(
        mask_str("Conflict: item changed by graph (status: 409)"),
        "Conflict: item changed by graph (status: 409)"
    );
}

fn exec(db: &TestDb, sql: &str) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    rt.block_on(async {
        let store = Store::connect(&db.url, Create::Never).await.expect("connect");
        let mut tx = store.begin().await.expect("tx");
        tx.execute(&Sql::new(sql)).await.unwrap_or_else(|e| panic!("[{}] {sql}: {e}", db.label));
        tx.commit().await.expect("commit");
        store.close().await;
    });
}

#[test]
fn show_raw_prints_no_marker_on_either_engine() {
    let dir = tempfile::tempdir().expect("dir");
    let mut doc: Value =
        serde_json::from_str(&std::fs::read_to_string(case("15-mixed.json")).expect("read")).expect("json");
    doc["restore_items"][1]["provider_payload"] = json!({
        "status": 400,
        "ＣＬＩＥＮＴ＿ＳＥＣＲＥＴ": "MARKER-fullwidth",
        "P\u{0430}ss\u{200B}word": "MARKER-cyrillic",
        "headers": [["Authorization", "Bearer MARKER-pair"], ["X-Request-Id", "r-1"]],
        "body": json!({"inner": json!({"api_key": "MARKER-nested"}).to_string()}).to_string(),
        "url": "https://h.example/blob?sv=2024&sig=MARKER-sas",
        "conn": "Server=db;Password=MARKER-conn;Database=x",
        "db": "postgres://svc:MARKER-userinfo@db/x",
    });
    doc["restore_items"][1]["error_message"] =
        json!("token refresh failed: client_secret=MARKER-error (Authorization: Bearer MARKER-bearer)");
    let file = dir.path().join("secrets.json");
    std::fs::write(&file, doc.to_string()).expect("write");
    for db in TestDb::all() {
        db.load(&file);
        // A payload stored as a JSON string, which the loader would refuse.
        exec(&db, r#"UPDATE restore_items SET provider_payload = '"MARKER-string"' WHERE id = 5000"#);
        for format in ["text", "json"] {
            let out = db.run(&["--as", "alice", "--now", NOW, "show", "1000", "--raw", "--format", format]);
            assert_eq!(code(&out), 0, "[{}] {}", db.label, stderr(&out));
            let text = stdout(&out);
            assert!(!text.contains("MARKER"), "[{}] {format} leaked: {text}", db.label);
            assert!(text.contains("Server=db") && text.contains("client_secret="), "[{}] {format}: {text}", db.label);
            if format == "json" {
                let v = json(&out);
                assert_eq!(v["items"][0]["provider_payload"], json!(MASK), "[{}]", db.label);
                assert_eq!(v["items"][1]["provider_payload"]["status"], json!(400), "[{}]", db.label);
            }
        }
    }
}

#[test]
fn json_output_escapes_invisible_characters_and_parses_back() {
    let hostile = "Kiosk\u{85} \u{202E}gpj.exe\u{200B} tag\u{E0041}";
    let dir = tempfile::tempdir().expect("dir");
    let mut doc: Value =
        serde_json::from_str(&std::fs::read_to_string(case("15-mixed.json")).expect("read")).expect("json");
    doc["restore_items"][1]["policy_name"] = json!(hostile);
    doc["restore_items"][1]["error_message"] = json!(format!("graph said {hostile}"));
    doc["environments"][0]["name"] = json!(hostile);
    let file = dir.path().join("unicode.json");
    std::fs::write(&file, doc.to_string()).expect("write");
    let raw_chars = ['\u{85}', '\u{202E}', '\u{200B}', '\u{E0041}'];
    for db in TestDb::all() {
        db.load(&file);
        let out = db.run(&["--as", "alice", "--now", NOW, "show", "1000", "--format", "json"]);
        assert_eq!(code(&out), 0, "[{}] {}", db.label, stderr(&out));
        let text = stdout(&out);
        assert!(!text.contains(raw_chars), "[{}] raw invisible character in {text:?}", db.label);
        let v = json(&out);
        assert_eq!(v["items"][1]["policy_name"], json!(hostile), "[{}]", db.label);
        assert_eq!(v["items"][1]["error_message"], json!(format!("graph said {hostile}")), "[{}]", db.label);
        for format in ["json", "ndjson"] {
            let out = db.run(&["--as", "alice", "--now", NOW, "runs", "--format", format]);
            let text = stdout(&out);
            assert!(!text.contains(raw_chars), "[{}] {format}: raw invisible character in {text:?}", db.label);
            let names: Vec<Value> = if format == "json" {
                json(&out).as_array().expect("array").iter().map(|r| r["environment"].clone()).collect()
            } else {
                text.lines()
                    .map(|l| serde_json::from_str::<Value>(l).expect("a JSON line")["environment"].clone())
                    .collect()
            };
            assert!(names.contains(&json!(hostile)), "[{}] {format}: {names:?}", db.label);
        }
    }
}
