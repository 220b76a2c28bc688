use std::path::PathBuf;

use super::resolve::with_password;
use super::*;

const FULL: &str = r#"default_profile = "staging"
theme = "light"
as = "top-level-op"
mouse = true

[keys]
next-gap = "n"

[profiles.staging]
db = "sqlite:/tmp/staging.sqlite"
as = "bob"

[profiles.prod]
db = "postgres://oncall@db.prod:5432/ops"
as = "alice"
read_only = true
production = true
theme = "high-contrast"
password_env = "PD_TEST_PROD_PASSWORD"
read_db = "postgres://oncall@replica.prod:5432/ops"
"#;

fn path() -> Option<PathBuf> {
    "/cfg/config.toml".parse().ok()
}

fn bad(text: &str) -> String {
    Config::parse(text, path()).expect_err("a bad config").to_string()
}

#[test]
fn precedence_is_flag_then_profile_then_defaults() {
    let c = Config::parse(FULL, path()).expect("parses");
    // No flags: the default profile, then the top-level defaults for what it leaves out.
    let s = c.settings(&Given::default()).expect("settings");
    assert_eq!(s.profile.as_deref(), Some("staging"));
    assert_eq!(s.db.as_deref(), Some("sqlite:/tmp/staging.sqlite"));
    assert_eq!(s.operator.as_deref(), Some("bob"), "the profile over the top level");
    assert_eq!(s.theme.as_deref(), Some("light"), "the top level when the profile says nothing");
    assert!(s.mouse && !s.read_only && !s.production);
    // A chosen profile over the default one; flags (or their environment variables) over it.
    let given = Given { profile: Some("prod".into()), ..Given::default() };
    let s = c.settings(&given).expect("settings");
    assert_eq!((s.operator.as_deref(), s.theme.as_deref()), (Some("alice"), Some("high-contrast")));
    assert!(s.read_only && s.production);
    assert_eq!(s.password_env.as_deref(), Some("PD_TEST_PROD_PASSWORD"));
    let given = Given {
        profile: Some("prod".into()),
        db: Some("sqlite:/other".into()),
        operator: Some("carol".into()),
        theme: Some("mono".into()),
        ..Given::default()
    };
    let s = c.settings(&given).expect("settings");
    assert_eq!(
        (s.db.as_deref(), s.operator.as_deref(), s.theme.as_deref()),
        (Some("sqlite:/other"), Some("carol"), Some("mono"))
    );
    assert_eq!(s.password_env, None, "the profile's password never goes to another database");
    assert!(s.read_only, "a flag cannot turn a read-only profile writable");
}

#[test]
fn no_file_and_no_profile_is_the_command_line_alone() {
    let c = Config::default();
    let given = Given { db: Some("sqlite:x".into()), read_only: true, mouse: true, ..Given::default() };
    let s = c.settings(&given).expect("settings");
    assert_eq!(s.db.as_deref(), Some("sqlite:x"));
    assert!(s.read_only && s.mouse && s.profile.is_none());
    let missing = std::env::temp_dir().join("proofdesk-no-such-dir-for-tests").join("config.toml");
    let err = Config::load(Some(&missing)).expect_err("an explicit path must exist");
    assert!(err.to_string().contains("cannot read"), "{err}");
}

#[test]
fn an_unknown_key_names_the_key_the_table_and_the_line() {
    let text = FULL.replace("production = true", "production = true\ncolour = \"red\"");
    let e = bad(&text);
    assert!(e.starts_with("config /cfg/config.toml line 18: unknown key \"colour\" in [profiles.prod]"), "{e}");
    assert!(!e.contains('\n'));
    let e = bad("theme = \"mono\"\nmoose = true\n");
    assert!(e.starts_with("config /cfg/config.toml line 2: unknown key \"moose\" in the top level"), "{e}");
}

#[test]
fn a_wrong_type_names_the_key_and_the_line() {
    let e = bad("[profiles.prod]\nread_only = \"yes\"\n");
    assert!(
        e.starts_with("config /cfg/config.toml line 2: profiles.prod.read_only: invalid type: string \"yes\""),
        "{e}"
    );
    let e = bad("mouse = 1\n");
    assert!(e.starts_with("config /cfg/config.toml line 1: mouse: invalid type: integer"), "{e}");
    let e = bad("[keys]\nquit = 3\n");
    assert!(e.starts_with("config /cfg/config.toml line 2: keys.quit: invalid type: integer"), "{e}");
}

#[test]
fn bad_toml_is_one_line_with_its_line() {
    let e = bad("theme = \"mono\"\n[profiles.prod\ndb = 1\n");
    assert!(e.starts_with("config /cfg/config.toml line 2: "), "{e}");
    assert!(!e.contains('\n'), "{e}");
}

#[test]
fn an_unknown_profile_lists_the_known_ones() {
    let c = Config::parse(FULL, path()).expect("parses");
    let e = c.settings(&Given { profile: Some("qa".into()), ..Given::default() }).expect_err("unknown");
    assert_eq!(e.to_string(), "unknown profile \"qa\" (profiles in /cfg/config.toml: prod, staging)");
    let e = Config::default().settings(&Given { profile: Some("qa".into()), ..Given::default() }).expect_err("none");
    assert_eq!(e.to_string(), "unknown profile \"qa\" (profiles: none)");
    let c = Config::parse(&FULL.replace("default_profile = \"staging\"", "default_profile = \"stage\""), path())
        .expect("parses");
    let e = c.settings(&Given::default()).expect_err("bad default");
    assert_eq!(
        e.to_string(),
        "config /cfg/config.toml line 1: default_profile \"stage\" is not a profile (known: prod, staging)"
    );
}

#[test]
fn a_profile_name_fits_the_status_bar() {
    let e = bad("[profiles.\"prod east\"]\n");
    assert!(e.starts_with("config /cfg/config.toml line 1: profile name \"prod east\" must be"), "{e}");
    let long = format!("[profiles.{}]\n", "p".repeat(MAX_PROFILE_NAME + 1));
    assert!(bad(&long).contains("must be 1 to 24"));
}

#[test]
fn the_password_goes_into_the_url_at_connect_time_only() {
    let url = "postgres://oncall@db.prod:5432/ops?sslmode=require";
    assert_eq!(
        with_password(url, "p@ss:w/rd").as_deref(),
        Some("postgres://oncall:p%40ss%3Aw%2Frd@db.prod:5432/ops?sslmode=require")
    );
    assert_eq!(with_password("postgres://u:old@h/db", "new").as_deref(), Some("postgres://u:new@h/db"));
    assert_eq!(with_password("sqlite:/x", "p"), None);
    assert_eq!(with_password("postgres://h/db", "p"), None, "no user to give it to");
    let c = Config::parse(FULL, path()).expect("parses");
    let s = c.settings(&Given { profile: Some("prod".into()), ..Given::default() }).expect("settings");
    assert_eq!(s.db.as_deref(), Some("postgres://oncall@db.prod:5432/ops"), "the named URL holds no password");
    // The variable is unset in tests: one clear line naming it (never a value).
    let e = s.connect_url().expect_err("unset variable");
    assert!(e.to_string().contains("PD_TEST_PROD_PASSWORD, which is not set"), "{e}");
}
