//! Hostile input never panics: the fixture loader, the filter language and the sanitizer,
//! fed arbitrary text (property tests).

use chrono::{DateTime, Utc};
use proofdesk::sanitize::{clean, clean_max};
use proofdesk::service::RunFilter;
use proofdesk::store::{fixtures, Create, Store};
use proptest::prelude::*;

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-20T12:00:00Z").expect("time").with_timezone(&Utc)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn the_sanitizer_never_lets_a_control_character_through(text in any::<String>(), max in 0usize..64) {
        let out = clean_max(&text, max);
        prop_assert!(!out.chars().any(char::is_control), "{out:?}");
        let invisible = out.chars().any(|c| matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200B}'..='\u{200F}'));
        prop_assert!(!invisible, "bidi or zero-width character survived: {:?}", out);
        prop_assert!(out.chars().filter(|c| *c != '…').count() <= max * 10 + 1);
        let _ = clean(&text);
    }

    #[test]
    fn the_filter_language_never_panics(text in any::<String>()) {
        let _ = proofdesk::tui::filter::parse(&text, &RunFilter::restore_execute(), now());
        let _ = proofdesk::tui::filter::chips(&text);
    }

    #[test]
    fn filter_text_with_sql_metacharacters_stays_data(term in "[a-z'%_;\\-\" ]{1,20}") {
        let parsed = proofdesk::tui::filter::parse(&format!("\"{}\"", term.replace('"', "")), &RunFilter::default(), now());
        if let Ok(f) = parsed {
            // Whatever was typed is a search term value, never SQL text.
            prop_assert!(f.query.search.iter().all(|s| !s.is_empty()));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn the_fixture_loader_refuses_garbage_without_panicking(text in any::<String>(), table in prop::sample::select(vec!["operation_runs", "restore_runs", "evidence", "memberships"])) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        rt.block_on(async {
            let dir = tempfile::tempdir().expect("dir");
            let store = Store::open(&format!("sqlite:{}", dir.path().join("f.sqlite").display()), Create::IfMissing).await.expect("open");
            let _ = fixtures::load(&store, &text).await;
            let doc = serde_json::json!({ table: [{"id": text.clone(), "status": text.clone(), "role": text}] });
            let r = fixtures::load_value(&store, &doc).await;
            assert!(r.is_err(), "garbage must not load");
            store.close().await;
        });
    }
}

/// Instants a session may hold as its `now`: the RFC 3339 extremes, and times around today.
fn plausible_now() -> impl Strategy<Value = DateTime<Utc>> {
    prop_oneof![
        Just(proofdesk::present::min_instant()),
        Just(proofdesk::present::max_instant()),
        Just(now()),
        (-62_135_596_800i64..=253_402_300_799i64).prop_map(|s| DateTime::from_timestamp(s, 0).unwrap_or_default()),
    ]
}

/// Durations and times as people type them, including the huge and the malformed.
fn time_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "-?([0-9]{1,22}[smhdwy]){1,4}",
        "-?[0-9]{1,22}",
        "[+-]?[0-9]{1,6}-[0-9]{1,2}-[0-9]{1,2}",
        "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(Z|[+-][0-9]{2}:[0-9]{2})",
        (any::<i64>(), prop::sample::select(vec!["s", "m", "h", "d", "w"])).prop_map(|(n, u)| format!("{n}{u}")),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    #[test]
    fn no_time_or_duration_text_panics_and_every_accepted_value_is_usable(text in time_text(), at in plausible_now()) {
        use proofdesk::present::{max_instant, min_instant, parse_duration, parse_instant};
        if let Ok(d) = parse_duration(&text) {
            // Every accepted duration meets every plausible `now` without leaving chrono's range
            // (`-` panics where `checked_sub_signed` would say None).
            for t in [at, min_instant(), max_instant()] {
                prop_assert!(t.checked_sub_signed(d).is_some() && t.checked_add_signed(d).is_some(), "{text:?} from {t}");
                let _ = t - d;
            }
        }
        if let Ok(t) = parse_instant(&text, at) {
            prop_assert!(t >= min_instant() && t <= max_instant(), "{text:?} gave {t}");
            let stale_before = t.checked_sub_signed(chrono::Duration::days(proofdesk::present::MAX_DURATION_DAYS));
            prop_assert!(stale_before.is_some());
        }
        let _ = proofdesk::tui::filter::parse(&format!("since:{text} until:{text}"), &RunFilter::default(), at);
    }
}
